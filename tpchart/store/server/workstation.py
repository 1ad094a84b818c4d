"""This workstation's clinic server: where it is, how it is reached, and its password.

The settings (server, port, database, user, how the connection is encrypted, the
clinic's CA certificate) live in the user's config folder as ``clinic-server.json``,
0600 in a 0700 folder, written atomically. The password never goes there: it is kept
in the operating system's password keyring (``keyring``: Secret Service, macOS
Keychain, Windows Credential Locker) under the service ``tpchart``, or, on a
computer without a usable keyring, nowhere at all (tpchart asks at each start).

What a clinic may choose for encryption, and why (``SSL_MODES``):

* ``verify-full`` (the default, recommended): encrypted, and the server must show a
  certificate for its name signed by the clinic's CA, so nobody on the network can
  read the records or pretend to be the server.
* ``require``: encrypted, but the server's identity is not checked: allowed (a clinic
  without its own CA yet still keeps the records off the wire in the clear) with a
  plain-words warning, since a machine on the network could pose as the server.
* ``prefer`` / ``disable``: possibly unencrypted: only for a server on this computer
  (loopback or a Unix socket), where no record crosses a network. For another computer
  they are refused: patient records must not cross a clinic network unencrypted, and
  ``prefer`` can be silently downgraded by whoever sits in between.

A password inside a ``--db`` URL (``postgresql://user:secret@host/db``) is accepted for
that start only, never stored, and warned about: a command line can be read by every
program on the computer (``ps``). Refusing it would only push people towards writing
it into scripts; accepting it while saying why not is kinder and just as safe.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import psycopg
from platformdirs import user_config_path
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tpchart.store.server.connection import CONNECT_TIMEOUT, SCHEMA, ServerRefused, connect
from tpchart.store.server.schema import SCHEMA_VERSION, schema_version

log = logging.getLogger("tpchart.store")

APP_NAME = "tpchart"
SETTINGS_FILE = "clinic-server.json"
KEYRING_SERVICE = "tpchart"

DEFAULT_PORT = 5432
DEFAULT_DATABASE = "tpchart"
DEFAULT_USER = "tpchart_app"

# The encryption a workstation may use; see the module's docstring for why.
SSL_MODES = ("verify-full", "require", "prefer", "disable")
UNENCRYPTED_MODES = {"prefer", "disable"}

# libpq's own word for "the operating system's trusted certificate authorities"
# (libpq 16 and later), for a server whose certificate comes from a public CA.
SYSTEM_ROOTS = "system"

NO_KEYRING = (
    "This computer has no password keyring; tpchart will ask for the password at each start."
)
URL_PASSWORD_WARNING = (
    "The server address given on the command line holds a password: other programs on "
    "this computer can read command lines. tpchart used it for this start only and did not "
    "store it. Leave it out next time: tpchart asks for it, or takes it from the keyring."
)
REQUIRE_WARNING = (
    "The connection is encrypted, but this computer does not check that it is talking to "
    "the clinic's server: a machine on the network could pose as it. Ask whoever runs the "
    "server for the clinic's CA certificate and turn on certificate checking."
)

_ACCEPTED_URL_KEYS = {"host", "port", "dbname", "user", "password", "sslmode", "sslrootcert"}


class SettingsRefused(ValueError):
    """Settings that cannot be used or saved; the message says why in plain words."""


def _is_this_computer(host: str) -> bool:
    """True for a server on this computer: a Unix socket folder or a loopback address,
    where nothing crosses a network."""
    if host.startswith(("/", "@")) or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerSettings:
    """How this workstation reaches the clinic server (everything but the password).

    Constructing one checks it: an empty server name, an impossible port, an unknown
    encryption mode, or an unencrypted connection to another computer are refused
    with SettingsRefused."""

    host: str
    port: int = DEFAULT_PORT
    database: str = DEFAULT_DATABASE
    user: str = DEFAULT_USER
    sslmode: str = "verify-full"
    # The clinic CA's certificate file ("" for libpq's ~/.postgresql/root.crt,
    # "system" for the operating system's trusted CAs).
    sslrootcert: str = ""
    # What tpchart shows for this server ("" shows the address).
    name: str = ""

    def __post_init__(self) -> None:
        for attribute in ("host", "database", "user", "sslrootcert", "name"):
            object.__setattr__(self, attribute, str(getattr(self, attribute)).strip())
        if not self.host:
            raise SettingsRefused("Enter the clinic server's name or address.")
        if "," in self.host:
            raise SettingsRefused("Enter one server: tpchart connects to a single clinic server.")
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise SettingsRefused("The port is a number, usually 5432.")
        if not 1 <= self.port <= 65535:
            raise SettingsRefused(
                f"The port {self.port} is not possible: use 1 to 65535 (usually 5432)."
            )
        if not self.database:
            raise SettingsRefused("Enter the clinic database's name (usually tpchart).")
        if not self.user:
            raise SettingsRefused(
                "Enter the user name workstations connect as (usually tpchart_app)."
            )
        if self.sslmode not in SSL_MODES:
            raise SettingsRefused(
                f"tpchart does not use the encryption setting {self.sslmode!r}: use verify-full "
                "(recommended), require, or, for a server on this computer only, prefer or disable."
            )
        if self.sslmode in UNENCRYPTED_MODES and not self.on_this_computer:
            raise SettingsRefused(
                f"{self.host} is another computer: patient records must not cross the network "
                "unencrypted. Use an encrypted connection (verify-full with the clinic's CA "
                "certificate, or at least require)."
            )

    @property
    def on_this_computer(self) -> bool:
        """True when the server runs on this computer (nothing crosses a network)."""
        return _is_this_computer(self.host)

    @property
    def keyring_user(self) -> str:
        """The name the password is kept under in the keyring: one per user and server."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def label(self) -> str:
        """What to call this server on screen: its name, or where it is."""
        return self.name or f"{self.host}:{self.port}/{self.database}"

    def warnings(self) -> list[str]:
        """Plain-words cautions about these settings (empty when there is nothing to say)."""
        if self.sslmode == "require":
            return [REQUIRE_WARNING]
        return []

    def to_dsn(self) -> str:
        """The libpq connection string, without any password."""
        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "user": self.user,
            "sslmode": self.sslmode,
        }
        if self.sslrootcert and self.sslmode == "verify-full":
            params["sslrootcert"] = self.sslrootcert
        return make_conninfo("", **params)

    @classmethod
    def from_url(cls, url: str) -> ServerSettings:
        """The settings in what ``--db`` received: ``postgresql://user@host:port/db`` with
        ``?sslmode=…&sslrootcert=…`` (or a libpq ``key=value`` string). Missing parts take
        the defaults (port 5432, database tpchart, user tpchart_app, verify-full; prefer
        for a server on this computer). A password in it is dropped here: see
        ``url_password``."""
        params = _parse(url)
        unknown = sorted(set(params) - _ACCEPTED_URL_KEYS)
        if unknown:
            raise SettingsRefused(
                f"tpchart does not use {', '.join(unknown)} in a server address: give the "
                "server, port, database, user, sslmode and sslrootcert only."
            )
        host = params.get("host", "")
        if not host:
            raise SettingsRefused(
                "The server address names no server: write it as "
                "postgresql://user@server:port/database."
            )
        try:
            port = int(params.get("port") or DEFAULT_PORT)
        except ValueError:
            raise SettingsRefused("The port is a number, usually 5432.") from None
        default_mode = "prefer" if _is_this_computer(host) else "verify-full"
        return cls(
            host=host,
            port=port,
            database=params.get("dbname") or DEFAULT_DATABASE,
            user=params.get("user") or DEFAULT_USER,
            sslmode=params.get("sslmode") or default_mode,
            sslrootcert=params.get("sslrootcert", ""),
        )

    def ready_to_connect(self) -> None:
        """Refuse, in plain words, what would only fail later: certificate checking
        without the clinic's CA certificate on this computer."""
        if self.sslmode != "verify-full" or self.sslrootcert == SYSTEM_ROOTS:
            return
        if self.sslrootcert:
            if not Path(self.sslrootcert).is_file():
                raise SettingsRefused(
                    f"The clinic's CA certificate file {self.sslrootcert} is not there: "
                    "choose the file again (ask whoever runs the server for it)."
                )
            return
        if not (Path.home() / ".postgresql" / "root.crt").is_file():
            raise SettingsRefused(
                "Checking the server's certificate needs the clinic's CA certificate: choose "
                "its file (whoever set up the server has it). Without it this computer "
                "cannot tell the clinic's server from an impostor."
            )

    def to_json(self) -> dict[str, Any]:
        """What is written to the settings file (never a password)."""
        return {"version": 1, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerSettings:
        """Settings read back from the file; unknown keys (a password put there by hand
        included) are ignored."""
        if not isinstance(data, dict) or data.get("version") != 1:
            raise SettingsRefused("The clinic server settings file is not one tpchart wrote.")
        known = {"host", "port", "database", "user", "sslmode", "sslrootcert", "name"}
        return cls(**{k: v for k, v in data.items() if k in known})


def _parse(url: str) -> dict[str, str]:
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        # libpq's message quotes the text, which may hold a password: not repeated here.
        raise SettingsRefused(
            "tpchart cannot read that server address: write it as "
            "postgresql://user@server:port/database (for example "
            "postgresql://tpchart_app@tpchart-server.clinic.lan:5432/tpchart)."
        ) from None
    return {k: str(v) for k, v in params.items() if v is not None}


def url_password(url: str) -> str | None:
    """The password written into a ``--db`` URL, if any, for this start only (warn with
    URL_PASSWORD_WARNING; never store it)."""
    return _parse(url).get("password") or None


# ---------------------------------------------------------------- the settings file


def settings_path() -> Path:
    """Where this user's clinic server settings are kept: the config folder
    ($XDG_CONFIG_HOME or ~/.config on Linux)/tpchart/clinic-server.json."""
    return user_config_path(APP_NAME, appauthor=False) / SETTINGS_FILE


def _private_folder(folder: Path) -> None:
    """The settings folder as 0700; the standard library only, since the file wing's
    helpers are not this engine's to import."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        info = folder.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(folder, 0o700)


def save(settings: ServerSettings, path: Path | None = None) -> Path:
    """Write ``settings`` (no password) atomically: a crash leaves the old file or the
    whole new one, and the file is 0600 from the moment it exists."""
    path = path or settings_path()
    text = json.dumps(settings.to_json(), indent=2, sort_keys=True) + "\n"
    try:
        _private_folder(path.parent)
        fd, temporary = tempfile.mkstemp(prefix=".clinic-server-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                if os.name == "posix":
                    os.fchmod(out.fileno(), 0o600)  # mkstemp says 0600; the umask cannot widen it
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        if os.name == "posix":
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)  # the rename itself survives a power cut
            finally:
                os.close(folder)
    except OSError as error:
        raise SettingsRefused(
            f"Could not save the clinic server settings in {path}: {error.strerror or error}."
        ) from error
    log.info("Saved the clinic server settings for %s in %s", settings.label(), path)
    return path


def forget(path: Path | None = None) -> None:
    """Forget the saved server: the window opens this computer's database again. The
    password kept in the keyring is removed by ``forget_password``."""
    (path or settings_path()).unlink(missing_ok=True)


def load(path: Path | None = None) -> ServerSettings | None:
    """This workstation's clinic server, or None when none was set up (or the file is
    unreadable: logged, and the doctor is asked again rather than stopped)."""
    path = path or settings_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("Could not read the clinic server settings %s: %s", path, error)
        return None
    try:
        return ServerSettings.from_json(json.loads(raw))
    except (ValueError, TypeError) as error:  # JSONDecodeError and SettingsRefused included
        log.warning("Ignored the clinic server settings %s: %s", path, error)
        return None


# ---------------------------------------------------------------- the password


def _backends(backend: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend]:
    inner = getattr(backend, "backends", None)  # keyring's chainer holds several
    return list(inner) if isinstance(inner, (list, tuple)) else [backend]


def _keeps_secrets(backend: keyring.backend.KeyringBackend) -> bool:
    """False for backends that store nothing (fail, null) and for keyrings.alt's file
    backends: one writes the password in plain text, the other asks for a master
    password on a console the app does not have."""
    module = type(backend).__module__
    return not (
        module in {"keyring.backends.fail", "keyring.backends.null"}
        or module.startswith("keyrings.alt.file")
    )


def keyring_missing_reason() -> str | None:
    """None when this computer has a password keyring tpchart can use; else NO_KEYRING,
    to show as is."""
    try:
        usable = any(_keeps_secrets(b) for b in _backends(keyring.get_keyring()))
    except Exception as error:  # a broken keyring configuration: as good as none
        log.warning("The password keyring cannot be used: %s", type(error).__name__)
        usable = False
    return None if usable else NO_KEYRING


def stored_password(settings: ServerSettings) -> str | None:
    """The password kept in the keyring for these settings, or None (none kept, no
    keyring, or the keyring refused: a locked keyring only means asking the doctor)."""
    if keyring_missing_reason():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, settings.keyring_user)
    except Exception as error:  # D-Bus and backend errors vary; none must stop a start
        log.warning(
            "Could not read the password for %s from the keyring (%s)",
            settings.label(),
            type(error).__name__,
        )
        return None


def remember_password(settings: ServerSettings, password: str) -> str | None:
    """Keep ``password`` in the keyring; None when kept, else the plain reason it was
    not (and then it is kept nowhere)."""
    missing = keyring_missing_reason()
    if missing:
        return missing
    try:
        keyring.set_password(KEYRING_SERVICE, settings.keyring_user, password)
    except Exception as error:
        log.warning("The keyring did not keep the password (%s)", type(error).__name__)
        return (
            "The password keyring refused to keep the password (is it locked?); tpchart "
            "will ask for the password at each start."
        )
    return None


def forget_password(settings: ServerSettings) -> None:
    """Remove the password kept for these settings, if any."""
    if keyring_missing_reason():
        return
    with contextlib.suppress(Exception):  # nothing kept, or no keyring: nothing to forget
        keyring.delete_password(KEYRING_SERVICE, settings.keyring_user)


# ---------------------------------------------------------------- checking a server


@dataclass(frozen=True)
class ServerCheck:
    """What a successful check found: enough to tell the doctor where they are."""

    settings: ServerSettings
    schema_version: int
    encrypted: bool
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """One plain sentence (and any cautions) for the dialog."""
        how = "encrypted" if self.encrypted else "not encrypted (this computer only)"
        text = (
            f"Connected to the tpchart clinic on {self.settings.host}:{self.settings.port} "
            f"(database {self.settings.database}, as {self.settings.user}), {how}."
        )
        return " ".join([text, *self.warnings])


# libpq's words for each failure, and what to tell a doctor instead (the first clue
# found wins: the more particular ones come first).
_REASONS = (
    ("password authentication failed", "The server refused this user name or password."),
    ("no password supplied", "The server asks for a password: enter it."),
    ("does not exist", "There is no such database or user on that server: check the names."),
    ("no encryption", "The server accepts only encrypted connections: turn encryption "
     "on (certificate checking with the clinic's CA certificate)."),
    ("pg_hba.conf rejects", "The server does not let this computer in (pg_hba.conf): ask "
     "whoever runs it."),
    ("no pg_hba.conf entry", "The server does not let this computer in (pg_hba.conf): ask "
     "whoever runs it."),
    ("connection refused", "Nothing answers at that server and port: check the address, "
     "and that the server is running."),
    ("timeout expired", f"The server did not answer within {CONNECT_TIMEOUT} seconds: check "
     "the address and the network."),
    ("could not translate host name", "No computer by that name was found: check the "
     "server's name."),
    ("name or service not known", "No computer by that name was found: check the "
     "server's name."),
    ("server does not support ssl", "The server does not offer encrypted connections: ask "
     "whoever runs it to turn TLS on."),
    ("certificate verify failed", "The server's certificate is not signed by the clinic's "
     "CA: check the CA certificate file, or ask whoever runs the server."),
    ("does not match host name", "The server's certificate was issued for another name: "
     "use the server name the certificate was issued for."),
    ("could not read root certificate", "The clinic's CA certificate file cannot be read: "
     "choose it again."),
    ("permission denied for database", "This user may not use that database: ask whoever "
     "runs the server."),
)  # fmt: skip


def explain(refusal: ServerRefused | str) -> str:
    """A first sentence in plain words before libpq's own (kept as the detail someone
    running the server needs)."""
    text = str(refusal)
    lowered = text.lower()
    for clue, reason in _REASONS:
        if clue in lowered:
            return f"{reason}\n\nDetails: {text}"
    return text


def check(settings: ServerSettings, password: str | None) -> ServerCheck:
    """Connect with ``settings`` and ``password`` and make sure a tpchart clinic of this
    version is there; ServerRefused or SettingsRefused in plain words otherwise. Nothing
    is written anywhere. ``password`` None or "" lets libpq use ~/.pgpass."""
    settings.ready_to_connect()
    extra = {"password": password} if password else {}
    try:
        conn = connect(settings.to_dsn(), **extra)
    except ServerRefused as refusal:
        raise ServerRefused(explain(refusal)) from refusal
    with conn:
        try:
            # Before the first migration the app role may not even look into the
            # schema (the migrations grant it): that is "not set up yet", not an error.
            usable = conn.execute(
                "SELECT n.oid IS NOT NULL AND has_schema_privilege(n.oid, 'USAGE') "
                "FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = %s",
                [SCHEMA],
            ).fetchone()
            version = schema_version(conn) if usable and usable[0] else 0
            row = conn.execute(
                "SELECT r.rolsuper, n.nspowner = r.oid FROM pg_roles r "
                "LEFT JOIN pg_namespace n ON n.nspname = %s WHERE r.rolname = current_user",
                [SCHEMA],
            ).fetchone()
        except psycopg.Error as error:
            raise ServerRefused(
                f"{settings.label()} answered, but its clinic records cannot be read as "
                f"{settings.user} ({type(error).__name__}): ask whoever runs the server."
            ) from error
        encrypted = bool(conn.pgconn.ssl_in_use)
    if version == 0:
        raise ServerRefused(
            f"This server has no tpchart clinic yet (database {settings.database}): the server "
            "administrator sets it up (docs/clinic-server.md)."
        )
    if version < SCHEMA_VERSION:
        raise ServerRefused(
            f"The clinic on this server is at schema {version} and this tpchart needs "
            f"{SCHEMA_VERSION}: the server administrator updates it (docs/clinic-server.md, "
            "“The tables”)."
        )
    warnings = list(settings.warnings())
    superuser, owner = (bool(row[0]), bool(row[1])) if row else (False, False)
    if superuser or owner:
        warnings.append(
            f"{settings.user} is the server's {'superuser' if superuser else 'schema owner'}: "
            "workstations should connect as the app role (tpchart_app), so that a workstation "
            "cannot rewrite what was signed."
        )
    return ServerCheck(settings, version, encrypted, tuple(warnings))
