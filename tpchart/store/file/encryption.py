"""Encryption at rest: key slots, unlocking, converting a plain database, plain copies.

A database the doctor chose to encrypt is a SQLCipher file under a random 256-bit
database key. The key is never stored plain: each practitioner's passphrase (and a
recovery code) wraps it into a *key slot* (scrypt as for accounts, then AES-256-GCM).
The slots live in ``<database>.keys`` beside the file (0600), and ``backup_to`` puts
a copy beside every backup (``<backup>.keys``), so a backup opens with the
passphrases of its day. They cannot live only inside the database: an encrypted
file cannot be read to find the key that decrypts it. docs/security.md says why and
what follows (a removed slot survives in older key files: the key itself is not
changed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tpchart.core.errors import TpchartError
from tpchart.store.errors import DatabaseRefused
from tpchart.store.file.backup import fsync_file, fsync_folder
from tpchart.store.file.database import (
    DatabaseLocked,
    forget_key,
    is_encrypted,
    is_plain,
    key_for,
    keys_path,
    open_connection,
    remember_key,
    sqlcipher,
)
from tpchart.store.file.health import check_file
from tpchart.store.file.lock import DatabaseLock
from tpchart.store.file.private import touch_private
from tpchart.store.file.restore import SIDECARS, fold_journal
from tpchart.store.records import signatures

log = logging.getLogger("tpchart.store")

FORMAT = "tpchart-key-slots/1"
KEY_BYTES = 32
NONCE_BYTES = 12
RECOVERY_SLOT = "recovery"
CLINIC_SLOT = "clinic"


class WrongPassphrase(TpchartError):
    """No key slot opened with the passphrase or code given; nothing was changed."""


@dataclass(frozen=True)
class KeySlot:
    """The database key wrapped by one secret. ``slot_id`` is ``practitioner-<id>``,
    ``recovery`` or ``clinic`` (a clinic without accounts); ``label`` is what an unlock
    screen may show before the file is open (a practitioner's name, never a patient's)."""

    slot_id: str
    kind: str  # "passphrase" or "recovery"
    practitioner_id: int | None
    label: str
    salt: bytes
    n: int
    r: int
    p: int
    nonce: bytes
    wrapped: bytes

    def _associated(self) -> bytes:
        # Binds the wrapped key to this slot: a slot's bytes moved under another
        # practitioner's id do not decrypt.
        return f"{FORMAT}|{self.slot_id}|{self.kind}|{self.practitioner_id}".encode()

    def unwrap(self, secret: str) -> bytes | None:
        """The database key, or None when ``secret`` is not this slot's."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrapping = _derive(_normal(secret, self.kind), self.salt, self.n, self.r, self.p)
        try:
            return AESGCM(wrapping).decrypt(self.nonce, self.wrapped, self._associated())
        except InvalidTag:
            return None

    def to_json(self) -> dict[str, Any]:
        """The slot as stored in the key file (bytes as base64)."""
        b64 = base64.b64encode
        return {
            "slot": self.slot_id,
            "kind": self.kind,
            "practitioner_id": self.practitioner_id,
            "label": self.label,
            "kdf": {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p},
            "salt": b64(self.salt).decode(),
            "nonce": b64(self.nonce).decode(),
            "wrapped": b64(self.wrapped).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        """A slot read back from the key file."""
        kdf = data["kdf"]
        if kdf.get("name") != "scrypt":
            raise ValueError(f"unknown key derivation {kdf.get('name')!r}")
        b64 = base64.b64decode
        return cls(
            str(data["slot"]), str(data["kind"]), data.get("practitioner_id"),
            str(data.get("label", "")), b64(data["salt"]), int(kdf["n"]), int(kdf["r"]),
            int(kdf["p"]), b64(data["nonce"]), b64(data["wrapped"]),
        )  # fmt: skip


def _normal(secret: str, kind: str) -> str:
    return signatures.normalise_recovery_code(secret) if kind == "recovery" else secret


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # The same scrypt cost as account passphrases (about 0.1 s and 32 MiB a guess).
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=n, r=r, p=p,
        maxmem=signatures.SCRYPT_MAXMEM, dklen=KEY_BYTES,
    )  # fmt: skip


def slot_id_for(practitioner_id: int | None) -> str:
    """The slot of a practitioner (or the clinic's one slot when it has no accounts)."""
    return CLINIC_SLOT if practitioner_id is None else f"practitioner-{practitioner_id}"


def wrap(
    key: bytes, secret: str, slot_id: str, *, kind: str = "passphrase",
    practitioner_id: int | None = None, label: str = "",
) -> KeySlot:  # fmt: skip
    """A new slot holding ``key`` wrapped by ``secret`` (a fresh salt and nonce)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(NONCE_BYTES)
    n, r, p = signatures.SCRYPT_N, signatures.SCRYPT_R, signatures.SCRYPT_P
    slot = KeySlot(slot_id, kind, practitioner_id, label, salt, n, r, p, nonce, b"")
    wrapping = _derive(_normal(secret, kind), salt, n, r, p)
    wrapped = AESGCM(wrapping).encrypt(nonce, key, slot._associated())
    return KeySlot(slot_id, kind, practitioner_id, label, salt, n, r, p, nonce, wrapped)


# -- the key file ----------------------------------------------------------------------


def read_slots(database: Path) -> list[KeySlot]:
    """The key slots beside ``database`` (none when it has no key file)."""
    target = keys_path(database)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise DatabaseRefused(f"The key file {target} cannot be read ({exc}).") from exc
    if data.get("format") != FORMAT:
        raise DatabaseRefused(f"{target} is not a tpchart key file this version knows.")
    return [KeySlot.from_json(slot) for slot in data.get("slots", [])]


def write_slots(database: Path, slots: list[KeySlot]) -> Path:
    """Replace the key file beside ``database`` in one rename (0600; a crash leaves the
    old file or the whole new one)."""
    target = keys_path(database)
    temporary = target.with_name(target.name + ".partial")
    temporary.unlink(missing_ok=True)
    touch_private(temporary)
    content = {"format": FORMAT, "slots": [slot.to_json() for slot in slots]}
    temporary.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    fsync_file(temporary)
    os.replace(temporary, target)
    fsync_folder(target.parent)
    return target


def copy_slots(database: Path, backup: Path) -> Path | None:
    """Put the key file of ``database`` beside ``backup`` (None for a plain database)."""
    slots = read_slots(database)
    return write_slots(backup, slots) if slots else None


@dataclass(frozen=True)
class Unlocked:
    """An encrypted database opened by a secret: which slot did it, and its key."""

    path: Path
    slot: KeySlot
    key: bytes

    @property
    def practitioner_id(self) -> int | None:
        """The practitioner whose passphrase opened it (None: recovery or clinic slot)."""
        return self.slot.practitioner_id


def unlock(database: Path | str, secret: str, practitioner_id: int | None = None) -> Unlocked:
    """Unwrap the database key with ``secret`` (a practitioner's passphrase, or the
    recovery code) and remember it in this process, so ``Store.open`` and every check,
    backup and restore of the file work. ``practitioner_id`` tries that practitioner's
    slot only (one scrypt); otherwise every slot is tried. A secret that opens no slot
    raises WrongPassphrase (one plain line); nothing is written either way."""
    database = Path(database).resolve()
    slots = read_slots(database)
    if not slots:
        if is_plain(database):
            raise DatabaseRefused(f"{database.name} is not encrypted: it needs no passphrase.")
        raise DatabaseLocked(
            f"{database.name} is encrypted but its key file {keys_path(database).name} is "
            "missing: put it back beside the database (a backup's .keys file opens it too)."
        )
    if practitioner_id is not None:
        slots = [s for s in slots if s.practitioner_id == practitioner_id or s.kind == "recovery"]
    for slot in slots:
        key = slot.unwrap(secret)
        if key is None:
            continue
        conn = open_connection(database, read_only=True, key=key)  # DatabaseLocked if not
        conn.close()
        remember_key(database, key)
        log.info("%s unlocked by key slot %s", database, slot.slot_id)
        return Unlocked(database, slot, key)
    raise WrongPassphrase(f"That passphrase does not open {database.name}; nothing was changed.")


def add_slot(
    database: Path | str, key: bytes, secret: str, *, practitioner_id: int | None = None,
    label: str = "", kind: str = "passphrase",
) -> KeySlot:  # fmt: skip
    """Let ``secret`` open ``database`` too: a slot for a practitioner (replacing their
    old one: a changed passphrase), or the recovery code's. ``key`` must be the key
    that opens the file: only someone who unlocked it (an admin, in the app) can add
    a slot."""
    database = Path(database).resolve()
    open_connection(database, read_only=True, key=key).close()  # DatabaseLocked if not
    slot_id = RECOVERY_SLOT if kind == "recovery" else slot_id_for(practitioner_id)
    slot = wrap(key, secret, slot_id, kind=kind, practitioner_id=practitioner_id, label=label)
    slots = [s for s in read_slots(database) if s.slot_id != slot_id]
    write_slots(database, [*slots, slot])
    return slot


def remove_slot(database: Path | str, practitioner_id: int) -> bool:
    """Remove a practitioner's slot (they left, or their account was closed): their
    passphrase no longer opens this file. The last passphrase slot is never removed
    (the file would open only with the recovery code). False when there was none."""
    database = Path(database).resolve()
    slots = read_slots(database)
    kept = [s for s in slots if s.practitioner_id != practitioner_id or s.kind == "recovery"]
    if len(kept) == len(slots):
        return False
    if not any(s.kind == "passphrase" for s in kept):
        raise DatabaseRefused(
            "That is the last passphrase that opens this database; add another "
            "practitioner's first. Nothing was changed."
        )
    write_slots(database, kept)
    return True


def stage_slot(
    database: Path | str, key: bytes, secret: str, *, practitioner_id: int | None = None,
    label: str = "", kind: str = "passphrase",
) -> KeySlot:  # fmt: skip
    """Add a slot for ``secret`` BESIDE the ones already there for the same practitioner
    (or recovery code): the first half of an account change on an encrypted file. Written
    before the database commits and settled (``settle_slot``) after it, so a crash in
    between leaves a key file opened by the old secret and by the new one, never by
    neither. ``key`` must open the file (DatabaseLocked if not)."""
    database = Path(database).resolve()
    open_connection(database, read_only=True, key=key).close()
    slot_id = RECOVERY_SLOT if kind == "recovery" else slot_id_for(practitioner_id)
    slot = wrap(key, secret, slot_id, kind=kind, practitioner_id=practitioner_id, label=label)
    write_slots(database, [*read_slots(database), slot])
    return slot


def settle_slot(database: Path | str, slot: KeySlot, *, drop_clinic: bool = False) -> None:
    """The second half, after the commit: ``slot`` becomes the only one of its slot id
    (the old secret stops opening the file); ``drop_clinic`` also removes the clinic's
    slot of a file encrypted before its accounts existed."""
    database = Path(database).resolve()
    kept = [
        s
        for s in read_slots(database)
        if s == slot
        or (s.slot_id != slot.slot_id and not (drop_clinic and s.slot_id == CLINIC_SLOT))
    ]
    if slot in kept:
        write_slots(database, kept)


def drop_slot(database: Path | str, slot: KeySlot) -> None:
    """Take back a slot staged for a change that did not commit."""
    database = Path(database).resolve()
    slots = read_slots(database)
    if slot in slots:
        write_slots(database, [s for s in slots if s != slot])


# -- converting a plain database ---------------------------------------------------------


@dataclass(frozen=True)
class Encrypted:
    """What ``encrypt_in_place`` did: the plain file kept aside, the new recovery
    code (shown once), and the rows and audit head it verified."""

    database: Path
    plain_kept: Path
    recovery_code: str
    rows: dict[str, int]


def encrypting_path(database: Path) -> Path:
    """Where the encrypted copy is written and verified before the swap."""
    return database.with_name(database.name + ".encrypting")


def plain_copies(database: Path) -> list[Path]:
    """Plain files kept aside by earlier conversions of ``database``, oldest first."""
    database = Path(database).resolve()
    return sorted(database.parent.glob(f"{database.stem}.plain-*{database.suffix}"))


def encrypt_in_place(
    database: Path | str, secret: str, *, practitioner_id: int | None = None,
    label: str = "", lock: DatabaseLock | None = None, keep_plain: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Encrypted:  # fmt: skip
    """Convert the plain ``database`` to an encrypted one at the same path.

    Copy (``sqlcipher_export`` into ``<name>.encrypting``), verify (integrity_check,
    every table's row count, the audit chain's head, schema version), write the key
    slots (``secret``'s and a new recovery code's), then swap in one atomic rename,
    keeping the plain file aside (0600, a hard link made before the swap) until the
    doctor confirms with ``forget_plain``. Killed at any moment, the path holds the
    plain database or the verified encrypted one, with its key file already beside it.
    The database must be closed (the lock is taken here unless ``lock`` is given).
    ``keep_plain=False`` (a new database holding no record yet, only its schema) deletes
    the plain file once the encrypted one is in place: there is nothing in it to keep.
    ``progress`` is told each step in words (a window shows them)."""
    say = progress or (lambda _step: None)
    database = Path(database).resolve()
    if not database.exists() or database.stat().st_size == 0:
        raise DatabaseRefused(f"There is no database at {database}")
    if not is_plain(database):
        raise DatabaseRefused(f"{database.name} is already encrypted; nothing was changed.")
    own = None
    if lock is None:
        lock = own = DatabaseLock(database).acquire()
    staged = encrypting_path(database)
    clean = False
    try:
        say("Checking the database…")
        report = check_file(database)
        if not report.ok:
            raise DatabaseRefused(
                f"{database.name} did not pass its check ({'; '.join(report.lines()[1:3])}): "
                "run tpchart check; nothing was encrypted."
            )
        # The -wal must be folded in: a plain -wal beside the encrypted file would be
        # applied to it (and the export reads the file alone).
        fold_journal(database)
        key = secrets.token_bytes(KEY_BYTES)
        staged.unlink(missing_ok=True)
        say("Writing the encrypted copy…")
        _export(database, staged, key=key)
        say("Checking the encrypted copy holds every record…")
        rows = verify_same(database, staged, key)
        code = signatures.new_recovery_code()
        slots = [
            wrap(key, secret, slot_id_for(practitioner_id), practitioner_id=practitioner_id,
                 label=label),
            wrap(key, code, RECOVERY_SLOT, kind="recovery", label="recovery code"),
        ]  # fmt: skip
        # The key file first: once the encrypted file is at the path, it must open.
        say("Putting the encrypted database in place…")
        write_slots(database, slots)
        kept = database.with_name(
            f"{database.stem}.plain-{datetime.now():%Y%m%d-%H%M%S}{database.suffix}"
        )
        os.link(database, kept)  # the path never stands empty; the plain inode stays
        os.chmod(kept, 0o600)
        os.replace(staged, database)
        fsync_folder(database.parent)
        remember_key(database, key)
        if not keep_plain:
            kept.unlink()
            fsync_folder(database.parent)
        clean = True
    finally:
        staged.unlink(missing_ok=True)
        if own is not None:
            own.release(clean=clean)
    if keep_plain:
        log.warning("Encrypted %s; the plain file is kept as %s", database, kept)
    return Encrypted(database, kept, code, rows)


def forget_plain(database: Path | str) -> list[Path]:
    """Delete the plain copies kept aside by ``encrypt_in_place``, once the doctor has
    confirmed the encrypted database opens. Refused while the database is not
    encrypted (the plain copy may be the only one). Returns what was deleted."""
    database = Path(database).resolve()
    if is_plain(database):
        raise DatabaseRefused(
            f"{database.name} is not encrypted: its plain copies are kept. Nothing was deleted."
        )
    removed = []
    for copy in plain_copies(database):
        for file in [copy, *(copy.with_name(copy.name + s) for s in SIDECARS)]:
            if file.exists():
                file.unlink()
                removed.append(file)
    fsync_folder(database.parent)
    return removed


def _export(source: Path, target: Path, *, key: bytes | None) -> None:
    """Write ``source`` (opened with the key this process holds for it, if any) into
    a new file ``target``, encrypted under ``key`` or plain when ``key`` is None,
    through ``sqlcipher_export`` (the backup API cannot cross between a plain and an
    encrypted file). The pragmas it does not copy are copied here."""
    touch_private(target)  # 0600 before a byte is written
    module = sqlcipher()
    source_key = None if is_plain(source) else _held_key(source)
    conn = module.connect(str(source), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if source_key is not None:
            conn.execute(f"PRAGMA key = \"x'{source_key.hex()}'\"")
        secret = f"x'{key.hex()}'" if key is not None else ""
        conn.execute("ATTACH DATABASE ? AS target KEY ?", [str(target), secret])
        conn.execute("SELECT sqlcipher_export('target')")
        for pragma in ("user_version", "application_id"):
            value = int(conn.execute(f"PRAGMA main.{pragma}").fetchone()[0])
            conn.execute(f"PRAGMA target.{pragma} = {value}")
        conn.execute("DETACH DATABASE target")
    finally:
        conn.close()
    fsync_file(target)


def _held_key(path: Path) -> bytes:
    key = key_for(path)
    if key is None:
        raise DatabaseLocked(f"{path.name} is encrypted: unlock it first.")
    return key


def counts(path: Path, key: bytes | None = None) -> tuple[dict[str, int], tuple, int, int]:
    """Every table's row count, the audit chain's head (id, hash), user_version and
    application_id of the file at ``path``: what a copy must have the same of."""
    conn = open_connection(path, read_only=True, key=key)
    try:
        conn.execute("BEGIN")
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        rows = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
        head = ()
        if "audit_log" in tables:
            head = tuple(
                conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
                or ()
            )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if integrity != ["ok"]:
        raise DatabaseRefused(f"{path.name} failed its integrity check: {integrity[:2]}")
    return rows, head, version, app_id


def verify_same(original: Path, copy: Path, key: bytes | None) -> dict[str, int]:
    """Raise DatabaseRefused unless ``copy`` (opened with ``key``; None for plain) is
    whole and holds what ``original`` holds: every table's rows, the audit chain's head,
    the schema version and application id. Returns the row counts."""
    want = counts(original)
    got = counts(copy, key)
    if got != want:
        raise DatabaseRefused(
            f"The copy of {original.name} does not match it ({_difference(want, got)}); "
            "nothing was changed."
        )
    return want[0]


def _difference(want: tuple, got: tuple) -> str:
    if want[0] != got[0]:
        tables = sorted(t for t in {*want[0], *got[0]} if want[0].get(t) != got[0].get(t))
        return "row counts differ in " + ", ".join(tables)
    if want[1] != got[1]:
        return "the audit trail's last row differs"
    return "the schema version differs"


# -- a plain copy for other tools ---------------------------------------------------------


def decrypt_copy(database: Path | str, target: Path | str) -> Path:
    """Write a plain (unencrypted) copy of the unlocked ``database`` at ``target``, for
    Datasette or sqlite-utils: exported to a temporary name, verified, renamed into
    place (0600). The caller audits it as a disclosure first and checks the target
    (``refuse_unsafe_target``: never over the database, a database or another file)."""
    database, target = Path(database).resolve(), Path(target)
    if is_plain(database):
        raise DatabaseRefused(f"{database.name} is not encrypted; copy it with tpchart backup.")
    temporary = target.with_name(target.name + ".partial")
    temporary.unlink(missing_ok=True)
    try:
        _export(database, temporary, key=None)
        verify_same(database, temporary, None)
        os.replace(temporary, target)
        fsync_folder(target.parent)
    finally:
        temporary.unlink(missing_ok=True)
    forget_key(target)
    return target


def new_encrypted(database: Path | str) -> bytes:
    """A fresh random key remembered for a new database at ``database`` (created
    encrypted by the next open): the demo's ``--encrypt`` and a first run that chose
    encryption. The caller adds the slots (``add_slot``) once accounts exist."""
    database = Path(database).resolve()
    if database.exists() and database.stat().st_size > 0:
        raise DatabaseRefused(f"{database.name} already exists; encrypt it with tpchart encrypt.")
    key = secrets.token_bytes(KEY_BYTES)
    remember_key(database, key)
    return key


__all__ = [
    "Encrypted",
    "KeySlot",
    "Unlocked",
    "WrongPassphrase",
    "add_slot",
    "copy_slots",
    "decrypt_copy",
    "drop_slot",
    "encrypt_in_place",
    "forget_plain",
    "is_encrypted",
    "is_plain",
    "key_for",
    "new_encrypted",
    "plain_copies",
    "read_slots",
    "remove_slot",
    "settle_slot",
    "stage_slot",
    "unlock",
    "verify_same",
]
