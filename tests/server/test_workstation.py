"""A workstation's clinic server: its settings, its password in the keyring, and the
check made before they are saved, against the real test server."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tpchart.store.server import (
    SCHEMA_VERSION,
    ClinicRoles,
    ServerRefused,
    connect,
    create_roles,
    migrate,
)
from tpchart.store.server import workstation as ws
from tpchart.store.server.workstation import ServerSettings, SettingsRefused


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in this process only."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username))


class LockedKeyring(MemoryKeyring):
    """A keyring that exists but refuses to keep anything (a locked Secret Service)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def _server(server_dsn: str) -> tuple[str, int]:
    params = conninfo_to_dict(server_dsn)
    return str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432)


def settings_for(clinic, **changes) -> ServerSettings:
    """The settings a doctor would enter for ``clinic``'s app role."""
    host, port = _server(clinic.server_dsn)
    fields = {
        "host": host,
        "port": port,
        "database": clinic.roles.database,
        "user": clinic.roles.app,
        "sslmode": "prefer",
    }
    return ServerSettings(**{**fields, **changes})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- the settings themselves


def test_the_issue_s_url_gives_the_settings_and_the_dsn_has_no_password():
    settings = ServerSettings.from_url(
        "postgresql://tpchart_app@tpchart-server.clinic.lan:5433/clinic"
        "?sslmode=verify-full&sslrootcert=/etc/tpchart/clinic-ca.crt"
    )
    assert settings == ServerSettings(
        host="tpchart-server.clinic.lan",
        port=5433,
        database="clinic",
        user="tpchart_app",
        sslmode="verify-full",
        sslrootcert="/etc/tpchart/clinic-ca.crt",
    )
    assert conninfo_to_dict(settings.to_dsn()) == {
        "host": "tpchart-server.clinic.lan",
        "port": "5433",
        "dbname": "clinic",
        "user": "tpchart_app",
        "sslmode": "verify-full",
        "sslrootcert": "/etc/tpchart/clinic-ca.crt",
    }


def test_missing_parts_take_the_defaults_and_another_computer_is_verified():
    remote = ServerSettings.from_url("postgresql://tpchart-server.clinic.lan")
    assert (remote.port, remote.database, remote.user, remote.sslmode) == (
        5432,
        "tpchart",
        "tpchart_app",
        "verify-full",
    )
    assert ServerSettings.from_url("postgresql://localhost/tpchart").sslmode == "prefer"


def test_a_password_in_the_url_is_used_for_this_start_only():
    url = "postgresql://tpchart_app:s3cret%40word@server.clinic.lan/tpchart?sslmode=require"
    settings = ServerSettings.from_url(url)
    assert ws.url_password(url) == "s3cret@word"
    assert "s3cret" not in settings.to_dsn()
    assert "s3cret" not in json.dumps(settings.to_json())
    assert ws.url_password("postgresql://tpchart_app@server.clinic.lan/tpchart") is None


def test_an_unreadable_address_is_refused_without_repeating_it():
    with pytest.raises(SettingsRefused) as refused:
        ServerSettings.from_url("mysql://admin:hunter2hunter2@db")
    assert "hunter2" not in str(refused.value)
    assert "postgresql://user@server:port/database" in str(refused.value)


def test_what_tpchart_does_not_use_in_an_address_is_refused_by_name():
    with pytest.raises(SettingsRefused, match="options"):
        ServerSettings.from_url("postgresql://server.clinic.lan/tpchart?options=-c%20x%3D1")


@pytest.mark.parametrize("mode", ["disable", "prefer"])
def test_records_never_cross_the_network_unencrypted(mode):
    with pytest.raises(SettingsRefused, match="unencrypted"):
        ServerSettings(host="192.168.10.5", sslmode=mode)
    with pytest.raises(SettingsRefused, match="unencrypted"):
        ServerSettings.from_url(f"postgresql://server.clinic.lan/tpchart?sslmode={mode}")
    for here in ("localhost", "127.0.0.1", "::1", "/var/run/postgresql"):
        assert ServerSettings(host=here, sslmode=mode).warnings() == []


def test_encrypted_without_checking_the_server_is_allowed_with_a_warning():
    settings = ServerSettings(host="192.168.10.5", sslmode="require")
    assert settings.warnings() == [ws.REQUIRE_WARNING]
    assert ServerSettings(host="192.168.10.5", sslrootcert="/ca.crt").warnings() == []


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"host": "  "}, "server's name or address"),
        ({"port": 0}, "not possible"),
        ({"port": 70000}, "not possible"),
        ({"database": ""}, "database's name"),
        ({"user": ""}, "user name"),
        ({"sslmode": "verify-ca"}, "verify-full"),
        ({"host": "a,b"}, "one server"),
    ],
)
def test_impossible_settings_are_refused_in_plain_words(changes, words):
    with pytest.raises(SettingsRefused, match=words):
        ServerSettings(**{"host": "server.clinic.lan", **changes})


# ---------------------------------------------------------------- the settings file


def test_saved_settings_come_back_from_a_private_file_without_any_password(
    config_home, memory_keyring
):
    settings = ServerSettings(
        host="server.clinic.lan", sslrootcert="/etc/tpchart/clinic-ca.crt", name="Main street"
    )
    previous = os.umask(0o022)  # a usual umask: the file and folder must be private anyway
    try:
        path = ws.save(settings)
    finally:
        os.umask(previous)
    assert ws.remember_password(settings, "Correct-Horse-Battery") is None

    assert path == config_home / "tpchart" / "clinic-server.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = path.read_bytes()
    assert b"Correct-Horse" not in raw and b"password" not in raw
    assert ws.load() == settings
    assert [p.name for p in path.parent.iterdir()] == ["clinic-server.json"]  # no temp left


def test_saving_again_replaces_the_file_and_tightens_an_open_folder(config_home):
    folder = config_home / "tpchart"
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    ws.save(ServerSettings(host="old.clinic.lan", sslmode="require"))
    ws.save(ServerSettings(host="new.clinic.lan", sslmode="require"))
    assert ws.load().host == "new.clinic.lan"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_no_settings_or_a_damaged_file_means_asking_again(config_home):
    assert ws.load() is None
    path = ws.save(ServerSettings(host="server.clinic.lan", sslmode="require"))
    path.write_text("{not json")
    assert ws.load() is None
    path.write_text(json.dumps({"version": 1, "host": "x.lan", "sslmode": "disable"}))
    assert ws.load() is None  # refused settings are not used either


def test_a_password_written_into_the_file_by_hand_is_ignored(config_home):
    path = ws.save(ServerSettings(host="server.clinic.lan", sslmode="require"))
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "password": "typed-by-hand"}))
    loaded = ws.load()
    assert loaded == ServerSettings(host="server.clinic.lan", sslmode="require")
    assert "typed-by-hand" not in loaded.to_dsn()


def test_a_folder_that_cannot_be_written_gives_a_plain_refusal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsRefused, match="Could not save"):
        ws.save(ServerSettings(host="server.clinic.lan"), blocker / "clinic-server.json")


# ---------------------------------------------------------------- the password


def test_the_password_is_kept_in_the_keyring_per_user_and_server(memory_keyring):
    settings = ServerSettings(host="server.clinic.lan", port=5433, database="clinic")
    assert ws.keyring_missing_reason() is None
    assert ws.remember_password(settings, "Correct-Horse-Battery") is None
    assert memory_keyring.secrets == {
        ("tpchart", "tpchart_app@server.clinic.lan:5433/clinic"): "Correct-Horse-Battery"
    }
    assert ws.stored_password(settings) == "Correct-Horse-Battery"
    assert ws.stored_password(ServerSettings(host="other.clinic.lan")) is None
    ws.forget_password(settings)
    assert ws.stored_password(settings) is None


def test_without_a_keyring_the_password_is_kept_nowhere_and_the_reason_is_plain(
    no_keyring, config_home
):
    settings = ServerSettings(host="server.clinic.lan")
    assert ws.keyring_missing_reason() == ws.NO_KEYRING
    assert "ask for the password at each start" in ws.NO_KEYRING
    assert ws.remember_password(settings, "Correct-Horse-Battery") == ws.NO_KEYRING
    assert ws.stored_password(settings) is None
    path = ws.save(settings)
    assert b"Correct-Horse" not in path.read_bytes()


def test_a_locked_keyring_refuses_plainly_and_keeps_nothing():
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        settings = ServerSettings(host="server.clinic.lan")
        reason = ws.remember_password(settings, "Correct-Horse-Battery")
        assert reason is not None and "locked" in reason
        assert ws.stored_password(settings) is None
    finally:
        keyring.set_keyring(previous)


# ---------------------------------------------------------------- the check, on the server


def test_good_settings_find_the_clinic(migrated_clinic):
    found = ws.check(settings_for(migrated_clinic), migrated_clinic.app_password)
    assert found.schema_version == SCHEMA_VERSION
    assert found.warnings == ()
    assert migrated_clinic.roles.database in found.summary()


def test_a_wrong_password_is_refused_plainly_and_never_repeated(migrated_clinic):
    with pytest.raises(ServerRefused) as refused:
        ws.check(settings_for(migrated_clinic), "Not-The-Password-42")
    text = str(refused.value)
    assert text.startswith("The server refused this user name or password.")
    assert "Not-The-Password-42" not in text
    assert "Traceback" not in text


def test_a_port_where_nothing_listens_fails_fast_and_plainly(migrated_clinic):
    began = time.monotonic()
    with pytest.raises(ServerRefused, match="Nothing answers at that server and port"):
        ws.check(settings_for(migrated_clinic, port=free_port()), migrated_clinic.app_password)
    assert time.monotonic() - began < 3  # refused at once, not after the 10 s timeout


def test_a_wrong_database_is_named_plainly(migrated_clinic):
    with pytest.raises(ServerRefused, match="no such database or user"):
        ws.check(
            settings_for(migrated_clinic, database="tpchart_nowhere"), migrated_clinic.app_password
        )


def test_a_database_without_the_clinic_schema_is_refused(empty_clinic):
    with pytest.raises(ServerRefused, match="no tpchart clinic yet") as refused:
        ws.check(settings_for(empty_clinic), empty_clinic.app_password)
    assert "docs/clinic-server.md" in str(refused.value)


def test_an_older_clinic_schema_asks_for_the_administrator(empty_clinic):
    if SCHEMA_VERSION < 2:
        pytest.skip("only one migration so far")
    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app, target=SCHEMA_VERSION - 1)
    with pytest.raises(ServerRefused, match=f"this tpchart needs {SCHEMA_VERSION}"):
        ws.check(settings_for(empty_clinic), empty_clinic.app_password)


def test_a_newer_clinic_schema_is_refused(empty_clinic):
    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app)
        owner.execute(
            "INSERT INTO tpchart.schema_migrations (version, name, app_role) VALUES (%s, %s, %s)",
            [SCHEMA_VERSION + 1, "from_the_future", empty_clinic.roles.app],
        )
    with pytest.raises(ServerRefused, match="newer tpchart"):
        ws.check(settings_for(empty_clinic), empty_clinic.app_password)


def test_checking_the_certificate_without_the_clinic_s_ca_is_refused_before_connecting(
    migrated_clinic, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt either
    with pytest.raises(SettingsRefused, match="needs the clinic's CA certificate"):
        ws.check(settings_for(migrated_clinic, sslmode="verify-full"), migrated_clinic.app_password)
    gone = tmp_path / "clinic-ca.crt"
    with pytest.raises(SettingsRefused, match="is not there"):
        ws.check(
            settings_for(migrated_clinic, sslmode="verify-full", sslrootcert=str(gone)),
            migrated_clinic.app_password,
        )


def test_a_server_without_tls_is_refused_when_encryption_is_required(migrated_clinic):
    with connect(migrated_clinic.server_dsn) as superuser:
        if superuser.execute("SHOW ssl").fetchone()[0] == "on":
            pytest.skip("this test server offers TLS")
    with pytest.raises(ServerRefused, match="does not offer encrypted connections"):
        ws.check(settings_for(migrated_clinic, sslmode="require"), migrated_clinic.app_password)


def test_connecting_as_the_superuser_works_with_a_warning(migrated_clinic, server_dsn):
    params = conninfo_to_dict(server_dsn)
    settings = settings_for(migrated_clinic, user=str(params["user"]))
    found = ws.check(settings, None)  # the superuser's password comes from PGPASSFILE
    assert any("superuser" in warning for warning in found.warnings)


# ---------------------------------------------------------------- TLS with verify-full
#
# The shared test server has no TLS, so these tests start a small cluster of their own
# with a clinic CA made on the spot: a server certificate for "localhost" signed by it,
# and a second, unrelated CA (an impostor's, as far as the workstation knows).


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_certificates(folder: Path) -> None:
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("clinic-ca", "other-ca"):
        _openssl("req", "-x509", *key, "-keyout", f"{ca}.key", "-out", f"{ca}.crt",
                 "-days", "2", "-subj", f"/CN=tpchart test {ca}", cwd=folder)  # fmt: skip
    _openssl("req", *key, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=localhost", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "clinic-ca.crt", "-CAkey",
             "clinic-ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2",
             "-extfile", "san.ext", cwd=folder)  # fmt: skip


@dataclass
class TlsServer:
    """A running TLS cluster and a migrated clinic on it."""

    folder: Path
    port: int
    clinic: ClinicRoles
    app_password: str

    def settings(self, **changes: Any) -> ServerSettings:
        fields = {
            "host": "localhost",
            "port": self.port,
            "database": self.clinic.database,
            "user": self.clinic.app,
            "sslmode": "verify-full",
            "sslrootcert": str(self.folder / "clinic-ca.crt"),
        }
        return ServerSettings(**{**fields, **changes})


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TlsServer]:
    """A throwaway PostgreSQL with ssl on, reachable only over TLS with a password."""
    binaries = os.environ.get("TPCHART_TEST_PG_BIN")
    if not binaries or not shutil.which("openssl"):
        pytest.skip("needs the PostgreSQL server binaries (TPCHART_TEST_PG_BIN) and openssl")
    as_root = os.getuid() == 0
    run_as = ["runuser", "-u", os.environ.get("TPCHART_TEST_PG_OS_USER", "postgres"), "--"]
    prefix = run_as if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="tpchart-tls-"))
    folder.chmod(0o711)  # the server's user reaches data/, socket/ and its key inside
    data, sockets = folder / "data", folder / "socket"
    try:
        _make_certificates(folder)
        for made in (data, sockets):
            made.mkdir(mode=0o700)
        (folder / "server.key").chmod(0o600)
        if as_root:
            owner = run_as[2]
            for path in (data, sockets, folder / "server.key", folder / "server.crt"):
                shutil.chown(path, owner)
        subprocess.run(
            [*prefix, f"{binaries}/initdb", "-D", str(data), "-U", "postgres",
             "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-locale",
             "--no-sync"],
            cwd=folder, check=True, capture_output=True,
        )  # fmt: skip
        port = free_port()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                f"unix_socket_directories = '{sockets}'\nssl = on\n"
                f"ssl_cert_file = '{folder / 'server.crt'}'\n"
                f"ssl_key_file = '{folder / 'server.key'}'\n"
                "password_encryption = scram-sha-256\n"
            )
        # Over the network: TLS and a password, nothing else (as docs/clinic-server.md).
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 reject\n"
        )
        started = subprocess.run(
            [*prefix, f"{binaries}/pg_ctl", "start", "-D", str(data), "-w", "-t", "60",
             "-l", str(data / "server.log")],
            cwd=folder, capture_output=True, text=True,
        )  # fmt: skip
        if started.returncode:
            log = (data / "server.log").read_text() if (data / "server.log").exists() else ""
            pytest.fail(f"the TLS test cluster did not start: {started.stderr}{log[-2000:]}")
        try:
            superuser = make_conninfo("", host=str(sockets), port=port, user="postgres")
            token = secrets.token_hex(4)
            app_password = secrets.token_urlsafe(18)
            roles = create_roles(
                superuser,
                database=f"tpchart_tls_{token}",
                owner=f"tpchart_owner_{token}",
                app=f"tpchart_app_{token}",
                owner_password=secrets.token_urlsafe(18),
                app_password=app_password,
            )
            with connect(superuser, dbname=roles.database, user=roles.owner) as owner:
                migrate(owner, app_role=roles.app)
            yield TlsServer(folder, port, roles, app_password)
        finally:
            subprocess.run(
                [*prefix, f"{binaries}/pg_ctl", "stop", "-D", str(data), "-m", "immediate",
                 "-w", "-t", "30"],
                cwd=folder, capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_verify_full_with_the_clinic_s_ca_connects_encrypted(tls_server):
    found = ws.check(tls_server.settings(), tls_server.app_password)
    assert found.encrypted and found.warnings == ()
    assert found.schema_version == SCHEMA_VERSION
    assert "encrypted" in found.summary() and "not encrypted" not in found.summary()


def test_a_certificate_from_another_ca_is_refused(tls_server):
    impostor = tls_server.settings(sslrootcert=str(tls_server.folder / "other-ca.crt"))
    with pytest.raises(ServerRefused, match="not signed by the clinic's CA"):
        ws.check(impostor, tls_server.app_password)


def test_a_certificate_for_another_name_is_refused(tls_server):
    # The certificate names "localhost"; the same server by its address is not it.
    with pytest.raises(ServerRefused, match="issued for another name"):
        ws.check(tls_server.settings(host="127.0.0.1"), tls_server.app_password)


def test_require_encrypts_without_checking_and_says_so(tls_server):
    found = ws.check(
        tls_server.settings(host="127.0.0.1", sslmode="require", sslrootcert=""),
        tls_server.app_password,
    )
    assert found.encrypted and found.warnings == (ws.REQUIRE_WARNING,)


def test_an_unencrypted_connection_is_turned_away_by_the_server(tls_server):
    with pytest.raises(ServerRefused, match="accepts only encrypted connections"):
        ws.check(tls_server.settings(sslmode="disable", sslrootcert=""), tls_server.app_password)
