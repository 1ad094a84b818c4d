"""The command line: ``python main.py`` opens the app; subcommands work on a database:
a file, or a clinic server named by its ``postgresql://`` address (clinic mode,
docs/clinic-server.md).

Expected problems (missing file, newer schema, bad argument) print one line to
stderr and exit non-zero; only a bug shows a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import tpchart.store.file as store_file
from tpchart import __version__
from tpchart.core.errors import TpchartError
from tpchart.store import RecordStore, Store, is_server_address
from tpchart.store.file import (
    BackupFailed,
    Verdict,
    backup_to,
    check_database,
    configured_backup_folder,
    default_database,
    demo_database,
    location_warnings,
    logging_to_file,
    newest_good_backup,
    restore_backup,
)


def _existing(path: Path | str) -> Path:
    if is_server_address(path):
        raise TpchartError(
            "This command works on a database file on this computer, not on a clinic server"
        )
    path = Path(path)
    if not path.exists():
        raise TpchartError(f"There is no database at {path}")
    return path


def _server_login(address: str, role: str = ""):
    """The settings in ``address`` (``postgresql://user@host:port/db``) and the password
    to connect with: one written in the address (warned about: others can read a command
    line), else the one this workstation keeps in its keyring, else None (libpq's own:
    PGPASSWORD, ~/.pgpass; ``_connect`` asks on a terminal when refused)."""
    from tpchart.store.server import workstation as ws

    try:
        settings = ws.ServerSettings.from_url(address)
        settings.ready_to_connect()
    except ws.SettingsRefused as exc:
        raise TpchartError(str(exc)) from None
    password = ws.url_password(address)
    if password is not None:
        print(f"Warning: {ws.URL_PASSWORD_WARNING}", file=sys.stderr)
    elif not role:
        password = ws.stored_password(settings)
    return settings, password


def _on_server(address: str, opener, role: str = ""):
    """``opener(dsn, password=…)`` on the clinic server at ``address``; when the server
    wants a password none of _server_login's places had, it is typed at a terminal
    (``role``: what the address's user must be, in words, for the prompt)."""
    from tpchart.store.server import ServerRefused

    settings, password = _server_login(address, role)
    try:
        return opener(settings.to_dsn(), password=password)
    except ServerRefused as exc:
        if password is not None or not sys.stdin.isatty() or "password" not in str(exc):
            raise
        who = f"{settings.user}{f' ({role})' if role else ''}"
        typed = getpass.getpass(f"Password of {who} on {settings.label()}: ")
        return opener(settings.to_dsn(), password=typed)


def _server_connection(address: str, role: str = ""):
    """A plain connection to the clinic server, for a backup or a restore."""
    from tpchart.store.server import connect

    return _on_server(address, connect, role)


def _connect(address: str):
    """The clinic server's records at ``address``, as the app role (see _server_login)."""
    from tpchart.store.clinic_server import ClinicServerStore

    return _on_server(address, ClinicServerStore.connect)


def _open(args: argparse.Namespace) -> RecordStore:
    """The records ``--db`` names: a database file (which must exist) or a clinic server."""
    if is_server_address(args.db):
        return _connect(args.db)
    return Store.open(_existing(args.db))


def _file_only(args: argparse.Namespace, what: str) -> None:
    """Refuse, in one line, a command that only makes sense for a database file."""
    if is_server_address(args.db):
        raise TpchartError(
            f"{what} works on a database file on this computer; a clinic server is "
            "looked after on the server (docs/clinic-server.md). Nothing was changed."
        )


def cmd_gui(args: argparse.Namespace) -> int:
    """Open the main window."""
    from tpchart.app import run_app  # Qt is loaded only when a window is wanted

    signer = None
    if args.practitioner is not None:
        missing = "--practitioner needs --passphrase-file FILE (or a terminal to type it)"
        signer = (args.practitioner, _passphrase(args, "Passphrase: ", missing=missing))
    return run_app(args.db, signer=signer)


def cmd_demo(args: argparse.Namespace) -> int:
    """Write demo patients into a demo database (created if missing; never a clinic's)."""
    from tpchart.demo import DEMO_ADMIN, DEMO_PASSPHRASE, DEMO_PIN, add_demo_accounts, write_demo

    db = args.db if args.db is not None else demo_database()
    if args.encrypt:
        _file_only(args, "demo --encrypt")
    key = _new_encrypted_demo(db, args) if args.encrypt else None
    with _connect(db) if is_server_address(db) else Store.open(db) as store:
        accounts = not args.no_accounts or store.accounts.any()
        if accounts and store.is_demo and store.accounts.any():
            add_demo_accounts(store)  # signs the demo administrator in, to write more
        added = write_demo(store, patients=args.patients)
        if accounts:
            add_demo_accounts(store)
        if key is not None:
            _demo_slots(store, key, args, DEMO_PASSPHRASE if accounts else None)
    print(f"Added {len(added)} demo patients to the demo database {db}")
    if accounts:
        # Printed on purpose: made-up records, and whoever tries tpchart must sign in.
        print(f"Sign in as {DEMO_ADMIN} with the passphrase: {DEMO_PASSPHRASE}")
        print(f"(PIN for signing sessions: {DEMO_PIN})")
    print(f"Open it with: tpchart --db {db}")
    return 0


def _new_encrypted_demo(db: Path, args: argparse.Namespace) -> bytes:
    """``demo --encrypt``: a new demo database, created encrypted under a fresh key."""
    if db.exists() and db.stat().st_size > 0:
        raise TpchartError(f"{db} exists already: --encrypt makes a new demo database")
    if args.no_accounts and args.passphrase_file is None and not sys.stdin.isatty():
        raise TpchartError("demo --encrypt --no-accounts needs --passphrase-file FILE")
    return store_file.encryption.new_encrypted(db)


def _demo_slots(store: Store, key: bytes, args: argparse.Namespace, demo: str | None) -> None:
    """The demo's key slots: each demo account's passphrase (printed below) opens it,
    or the passphrase given when it has no accounts."""
    encryption = store_file.encryption
    if demo is None:
        passphrase = _passphrase(args, f"New passphrase for {store.path.name}: ", twice=True)
        encryption.add_slot(store.path, key, passphrase, label="demo")
        return
    for account in store.accounts.all():
        name = store.practitioners.get(account.practitioner_id).name
        encryption.add_slot(
            store.path, key, demo, practitioner_id=account.practitioner_id, label=name
        )


def cmd_check(args: argparse.Namespace) -> int:
    """What the file is, then integrity, foreign keys, the -wal and the audit trail
    (tamper evidence), read in one transaction: safe while the app is open. The exit
    code says which (``Verdict``): 0 sound, 1 damaged or altered, 2 no such file,
    3 not a tpchart database, 4 from a newer tpchart, 5 cannot be read. On a clinic
    server: its guards and the same checks of the records, 0 sound or 1 altered."""
    if is_server_address(args.db):
        with _connect(args.db) as server:
            report = server.check()
        print(f"Clinic server {server.address}")
        if report.findings:
            print("The records were changed outside tpchart:")
            print("\n".join(f"  - {finding}" for finding in report.findings))
        else:
            print("Audit trail: intact (every link, every audited row, every signature)")
        print("\n".join(f"Note: {note}" for note in report.notes))
        return int(Verdict.DAMAGED if report.findings else Verdict.SOUND)
    report = check_database(args.db)
    if report.verdict is Verdict.MISSING:
        _existing(args.db)  # the same one line as every other command
    print("\n".join(report.lines()))
    if not report.refused:
        for warning in location_warnings(args.db):
            print(f"Warning: {warning}")
    return int(report.verdict)


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent, verified copy through the SQLite backup API; of a clinic server, a
    verified logical backup read as one moment (``store.server.backup``)."""
    if is_server_address(args.db):
        return _backup_server(args)
    folder = args.to or configured_backup_folder(_existing(args.db))
    target = backup_to(_existing(args.db), folder)
    print(f"Backed up {args.db} to {target}")
    return 0


def _backup_server(args: argparse.Namespace) -> int:
    """A verified logical backup of the clinic server, read as one moment while
    colleagues keep charting; ``--to`` a folder (a new dated file in it) or a new file."""
    from datetime import UTC, datetime

    from tpchart.store.file import default_backup_folder
    from tpchart.store.server.backup import backup_server

    target: Path = args.to or default_backup_folder()
    if target.is_dir() or args.to is None:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
        target = target / f"clinic-server-{stamp}.tpchart-server.zip"
    with _server_connection(args.db) as conn:
        done = backup_server(conn, target, progress=_progress("rows"))
    _progress_done()
    counts = done.manifest.counts()
    print(f"Backed up the clinic server to {done.path}: {sum(counts.values())} rows of "
          f"{len(counts)} tables, verified")  # fmt: skip
    print(f"SHA-256 {done.sha256} (to check a copy kept elsewhere: sha256sum)")
    return 0


def _restore_server(args: argparse.Namespace) -> int:
    """Into an empty clinic database, as its owner (``--db`` names the owner role), then
    migrated to this tpchart's schema."""
    from tpchart.store.server import migrate
    from tpchart.store.server.backup import restore_server

    source: Path = args.source
    if not source.is_file():
        raise TpchartError(f"There is no backup file at {source}")
    with _server_connection(args.db, "the owner") as owner:
        done = restore_server(source, owner, app_role=args.app_role, progress=_progress("rows"))
        _progress_done()
        version = migrate(owner, app_role=args.app_role)
    counts = done.manifest.counts()
    print(f"Restored {sum(counts.values())} rows of {len(counts)} tables from {source}; "
          f"the server's {done.guards_enabled} guards are on again; schema {version}")  # fmt: skip
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a verified backup; the current file is kept aside. A
    clinic server's backup goes into an empty clinic database, never over records."""
    if is_server_address(args.db):
        return _restore_server(args)
    source: Path = args.source
    folder = args.backups or configured_backup_folder(args.db)
    if source.is_dir():
        newest = newest_good_backup(source)
        if newest is None:
            raise BackupFailed(f"There is no usable backup in {source}")
        source = newest.path
    elif not source.exists():
        raise BackupFailed(f"There is no backup at {source}")
    result = restore_backup(args.db, source, folder)
    print(f"Restored {args.db} from {result.restored_from}")
    if result.kept_aside:
        print(f"The previous database was kept as {result.kept_aside[0]}")
    if result.safety_backup:
        print(f"and backed up to {result.safety_backup}")
    return 0


def cmd_migrate_to_server(args: argparse.Namespace) -> int:
    """Copy a single doctor's database file into an empty clinic server (as its owner),
    every row verified and counted; the file is left as it was. Exit 0 when both sides
    agree, 1 when the copy committed but the two sides differ, 2 when refused."""
    from tpchart.store.to_server import migrate_into

    source = _existing(args.source)
    if not is_server_address(args.to):
        raise TpchartError("--to takes the clinic server's address: postgresql://owner@host/db")
    passphrase = None
    if store_file.encryption.is_encrypted(source):
        passphrase = _passphrase(args, f"Passphrase (or recovery code) for {source.name}: ")
    with _server_connection(args.to, "the owner") as owner:
        done = migrate_into(source, owner, passphrase=passphrase, progress=_progress("rows"))
    _progress_done()
    print("\n".join(done.lines()))
    return 0 if done.ok else 1


def cmd_export_pdf(args: argparse.Namespace) -> int:
    """Write a session's clinical record (the filed one, or the patient's copy), its
    aftercare sheet or consent form for the patient, or a patient's progress report,
    as a PDF file. Every one is audited as a disclosure."""
    from tpchart.report.documents import (  # reportlab on demand
        CONSENT,
        HANDOUT,
        PATIENT_COPY,
        RECORD,
        export_progress,
    )

    for flag, wanted in (("--handout", args.handout), ("--consent", args.consent),
                         ("--patient-copy", args.patient_copy)):  # fmt: skip
        if wanted and args.session is None:
            raise TpchartError(f"{flag} needs --session ID (the session the patient had)")
    if args.progress and args.patient is None:
        raise TpchartError("--progress needs --patient ID")
    if args.patient is not None and not args.progress:
        raise TpchartError("--patient needs --progress (a session summary takes --session ID)")
    with _signed_in(args) as store:
        if args.progress:
            target = export_progress(store, args.patient, args.output)
        else:
            document = (
                HANDOUT if args.handout
                else CONSENT if args.consent
                else PATIENT_COPY if args.patient_copy
                else RECORD
            )  # fmt: skip
            target = document.export(store, args.session, args.output)
    print(f"Wrote {target}")
    return 0


def cmd_export_fhir(args: argparse.Namespace) -> int:
    """Write one patient's record as a coded FHIR R4 bundle (JSON) for another system;
    audited as a disclosure before the file is written."""
    from tpchart.exchange.fhir import export_fhir

    with _signed_in(args) as store:
        target = export_fhir(store, args.patient, args.output, progress=_progress("sessions"))
    _progress_done()
    print(f"Wrote {target}")
    return 0


def cmd_export_csv(args: argparse.Namespace) -> int:
    """Write the de-identified research table of every patient into a new or empty
    folder (README.txt there says how it was de-identified)."""
    from tpchart.exchange.research_csv import export_research_csv

    with _signed_in(args) as store:
        done = export_research_csv(
            store, args.to, shift_days=args.shift_days, progress=_progress("patients")
        )
    _progress_done()
    print(f"Wrote {done.patients} patients, {done.sessions} sessions and {done.points} points "
          f"to {done.folder}")  # fmt: skip
    return 0


def _progress(what: str):
    """A progress report for long exports, on a terminal only (a script's output stays
    clean); None otherwise."""
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        print(f"\rReading {what}: {done} of {total}", end="", file=sys.stderr, flush=True)

    return report


def _progress_done() -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)  # end the progress line


def cmd_export_patient(args: argparse.Namespace) -> int:
    """Write everything about one patient into a transfer file for another tpchart
    database (JSON; gzip when the name ends in .gz), audited before it is written."""
    from tpchart.store.file import (
        refuse_unsafe_target,
        require_recordable,
        write_bytes_atomic,
    )

    target: Path = args.output
    with _signed_in(args) as store:
        require_recordable(store)
        refuse_unsafe_target(
            target, store.file, "patient transfer file", store.transfer.is_transfer_file
        )
        sent = store.transfer.export(
            args.patient, target.name, lambda data: write_bytes_atomic(target, data)
        )
    print(f"Wrote {target}: {sent.full_name} (record {sent.record_number}), "
          f"{sent.counts_in_words()}")  # fmt: skip
    print(f"Checksum {sent.digest} (the importing clinic's audit trail records it too)")
    return 0


def cmd_import_patient(args: argparse.Namespace) -> int:
    """Add the patient in a transfer file to this database, in one transaction; a
    patient already here, or a record number another patient has, is refused."""
    source: Path = args.file
    if not source.is_file():
        raise TpchartError(f"There is no transfer file at {source}")
    data = source.read_bytes()
    with _signed_in(args, args.practitioner) as store:
        if args.practitioner is not None and not store.accounts.any():
            store.practitioner_id = args.practitioner
        got = store.transfer.import_patient(data, source.name)
    print(f"Imported {got.full_name} (record {got.record_number}) from {got.source}: "
          f"{got.counts_in_words()}. Patient {got.patient_id} in {store.location}")  # fmt: skip
    return 0


def cmd_encrypt(args: argparse.Namespace) -> int:
    """Convert a plain database to an encrypted one in place (copy, verify, swap; the
    plain file is kept aside until ``--forget-plain``)."""
    _file_only(args, "encrypt")
    encryption = store_file.encryption
    db = _existing(args.db)
    if args.forget_plain:
        # Deleting the plain copy needs proof that the encrypted file opens: its passphrase.
        if not encryption.is_plain(db):
            _unlock(db, args)
            report = check_database(db)
            if report.verdict is not Verdict.SOUND:
                print("\n".join(report.lines()))
                raise TpchartError("The encrypted database did not check sound; plain copy kept")
        removed = encryption.forget_plain(db)
        names = ", ".join(p.name for p in removed if p.suffix == db.suffix) or "none were left"
        print(f"Deleted the plain copies of {db.name}: {names}")
        return 0
    if not encryption.is_plain(db):
        raise TpchartError(f"{db} is already encrypted")
    with Store.open(db) as store:
        practitioner, label = None, "clinic"
        if store.accounts.any():
            account = _encrypting_admin(store, args)
            name = store.practitioners.get(account.practitioner_id).name
            passphrase = _passphrase(args, f"Passphrase of {name}: ")
            store.sign_in(account.practitioner_id, passphrase)  # SignInError: one line
            if not store.signed_in or not store.signed_in.is_admin:
                raise TpchartError("Only an administrator may encrypt the database")
            practitioner, label = account.practitioner_id, name
        else:
            passphrase = _passphrase(args, f"New passphrase for {db.name}: ", twice=True)
            from tpchart.core.accounts import check_new_passphrase

            check_new_passphrase(passphrase)
    done = encryption.encrypt_in_place(db, passphrase, practitioner_id=practitioner, label=label)
    if practitioner is not None:
        # The code that opens the file becomes the accounts' recovery code too: a
        # clinic keeps one code, and the one printed at set-up stops working.
        encryption.unlock(db, passphrase)
        with Store.open(db) as store:
            store.sign_in(practitioner, passphrase)
            store.accounts.adopt_recovery_code(done.recovery_code)
    print(f"Encrypted {db} ({sum(done.rows.values())} rows verified).")
    print(f"The plain file is kept as {done.plain_kept}: once tpchart opens the encrypted")
    print(f"database, delete it with: tpchart encrypt --db {db} --forget-plain")
    print("Recovery code (opens the database if every passphrase is lost; keep it safe,")
    print(f"it is shown only now): {done.recovery_code}")
    return 0


def _encrypting_admin(store: Store, args: argparse.Namespace):
    admins = [a for a in store.accounts.all() if a.is_admin and a.active]
    if args.practitioner is not None:
        chosen = [a for a in store.accounts.all() if a.practitioner_id == args.practitioner]
        if not chosen:
            raise TpchartError(f"There is no account for practitioner {args.practitioner}")
        return chosen[0]
    if len(admins) != 1:
        raise TpchartError("Say which administrator encrypts it: --practitioner ID")
    return admins[0]


def cmd_decrypt_copy(args: argparse.Namespace) -> int:
    """A plain copy of an encrypted database for Datasette or sqlite-utils, audited as a
    disclosure of every patient before it is written."""
    from tpchart.exchange.disclosure import audited

    _file_only(args, "decrypt-copy")
    encryption = store_file.encryption
    db, target = _existing(args.db), args.to
    with Store.open(db) as store:
        if store.accounts.any():
            unlocked = getattr(args, "unlocked", None)
            if unlocked is None or unlocked.practitioner_id is None:
                raise TpchartError("A plain copy needs a practitioner's passphrase, not a code")
            store.sign_in(unlocked.practitioner_id, args.secret)
        store_file.refuse_unsafe_target(target, store.path, "plain copy", lambda _head: False)
        store_file.require_recordable(store)
        patients = store.patients.find("", include_archived=True, limit=2**62)
        rows = [("patients", p.id) for p in patients if p.id is not None]
        with audited(store, rows, "plain (unencrypted) copy of the database", target.name):
            encryption.decrypt_copy(db, target)
    print(f"Wrote {target}: a plain copy anyone with the file can read. Delete it when done.")
    return 0


def cmd_redact(args: argparse.Namespace) -> int:
    """Remove wrongly entered content from audit rows, as an administrator confirming
    with their passphrase: each redaction is a signed audit entry, and the file is
    rewritten so the removed bytes are gone from it (docs/security.md)."""
    _file_only(args, "redact")
    if args.scrub:
        with _signed_in(args) as store:
            if not store.redactions.scrub():
                raise TpchartError(f"{args.db.name} could not be rewritten: close every tpchart "
                                   "using it and try again")  # fmt: skip
        print(f"Rewrote {args.db.name}: no removed content is left in its free space or -wal.")
        return 0
    if not args.audit_rows:
        raise TpchartError("Say which audit row to redact: --audit-row N")
    if not args.reason:
        raise TpchartError("Give the reason for the redaction: --reason TEXT")
    with _signed_in(args) as store:
        done = store.redactions.redact(
            args.audit_rows, args.reason, confirm=getattr(args, "secret", None),
            fields=args.fields or (),
        )  # fmt: skip
    for redaction in done.redactions:
        what = ", ".join(redaction.fields) if redaction.fields else "its whole content"
        print(f"Redacted audit row {redaction.audit_row} ({what}): redaction entry "
              f"{redaction.entry_id}, signed")  # fmt: skip
    held = sorted({n for r in done.redactions for n in r.still_held_in})
    if held:
        rows = " ".join(f"--audit-row {n}" for n in held)
        print(f"Audit rows {', '.join(map(str, held))} of the same record still hold a value "
              f"removed here; to remove it there too: tpchart redact {rows} ...")  # fmt: skip
    if done.scrubbed:
        print(f"{args.db.name} and its -wal no longer hold the removed content; backups, "
              "PDFs and exports made before still do.")  # fmt: skip
    else:
        print(f"The removed content may stay in {args.db.name}'s free space or -wal until "
              "it is rewritten: close the other tpchart using it, then run "
              f"tpchart redact --db {args.db} --scrub")  # fmt: skip
    return 0


def _passphrase(
    args: argparse.Namespace,
    prompt: str,
    twice: bool = False,
    missing: str = "The database is encrypted: give --passphrase-file FILE",
) -> str:
    """The passphrase in ``--passphrase-file`` (its first line), else typed at a
    terminal without echo; refused in one line (``missing``) when neither can be had."""
    if getattr(args, "secret", None):
        return args.secret
    if args.passphrase_file is not None:
        try:
            text = args.passphrase_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TpchartError(
                f"The passphrase file {args.passphrase_file} cannot be read"
            ) from exc
        secret = text.splitlines()[0] if text.strip() else ""
        if not secret:
            raise TpchartError(f"The passphrase file {args.passphrase_file} is empty")
    elif sys.stdin.isatty():
        secret = getpass.getpass(prompt)
        if twice and getpass.getpass("The same again: ") != secret:
            raise TpchartError("The two passphrases differ; nothing was changed")
    else:
        raise TpchartError(missing)
    args.secret = secret
    return secret


@contextmanager
def _signed_in(args: argparse.Namespace, practitioner: int | None = None) -> Iterator[RecordStore]:
    """The database, opened; in a clinic with accounts (issue 18), with the practitioner
    who runs the command signed in (their passphrase from ``--passphrase-file`` or typed
    at a terminal), since every write, an export's audit row included, needs one. Who:
    ``practitioner`` (a command's own option), the global ``--practitioner``, the one
    whose key slot opened an encrypted file, or the clinic's only active account."""
    with _open(args) as store:
        if store.accounts.any() and not store.read_only:
            unlocked = getattr(args, "unlocked", None)
            who = (
                practitioner
                or getattr(args, "practitioner", None)
                or (unlocked.practitioner_id if unlocked is not None else None)
            )
            if who is None and args.passphrase_file is None and store.is_demo:
                # A demo's made-up accounts share a passphrase printed for everyone, so
                # its commands run as the demo administrator unless told otherwise.
                from tpchart.demo import DEMO_ADMIN, DEMO_PASSPHRASE

                admin = next(p for p in store.practitioners.all() if p.name == DEMO_ADMIN)
                args.secret = getattr(args, "secret", None) or DEMO_PASSPHRASE
                who = admin.id
            if who is None:
                active = [a for a in store.accounts.all() if a.active]
                if len(active) != 1:
                    raise TpchartError(
                        "This clinic has accounts: say who runs this with --practitioner ID "
                        "(and --passphrase-file FILE)"
                    )
                who = active[0].practitioner_id
            name = store.practitioners.get(who).name
            missing = f"Sign in as {name}: give --passphrase-file FILE"
            secret = _passphrase(args, f"Passphrase of {name}: ", missing=missing)
            store.sign_in(who, secret)  # SignInError: one plain line
        yield store


def _unlock(path: Path, args: argparse.Namespace) -> None:
    """Unwrap the key of the encrypted file at ``path`` with the passphrase, so every
    store call of this command can open it (WrongPassphrase: one line)."""
    secret = _passphrase(args, f"Passphrase for {path.name}: ")
    args.unlocked = store_file.encryption.unlock(path, secret)


def _unlock_if_encrypted(args: argparse.Namespace) -> None:
    """Before any command: an encrypted database (or, for restore, an encrypted
    backup when the database is gone) is unlocked with the passphrase."""
    encryption = store_file.encryption
    db = args.db if getattr(args, "db", None) is not None else None
    if args.func is cmd_demo and db is None:
        db = demo_database()
    if args.func in (cmd_encrypt, cmd_migrate_to_server) or is_server_address(db or ""):
        return  # it unlocks (or signs in) itself; a server is not a file to unlock
    if db is not None and encryption.is_encrypted(db):
        _unlock(db, args)
        return
    source = getattr(args, "source", None)
    if (
        args.func is cmd_restore
        and source is not None
        and source.is_file()
        and (encryption.is_encrypted(source))
    ):
        _unlock(source, args)


def cmd_bench(args: argparse.Namespace) -> int:
    """The benchmark lives in ``bench/`` beside this package, not in the installed app:
    ``main.py`` runs it from a source checkout (docs/performance.md). Listed here so
    ``--help`` shows it and one parser reads its arguments."""
    raise TpchartError(
        "the benchmark is not installed with tpchart: run python main.py bench in a source checkout"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser shared by ``main.py`` and the ``tpchart`` script."""
    parser = argparse.ArgumentParser(
        prog="tpchart", description="Charting of myofascial trigger points and dry needling."
    )
    parser.add_argument("--version", action="version", version=f"tpchart {__version__}")
    db_help = (
        f"database file (default: {default_database()}), or a clinic server: "
        "postgresql://user@host:port/database"
    )
    # None: the window opens what this workstation chose (a clinic server it connected
    # to, else the default file); every command resolves it in main().
    parser.add_argument("--db", type=_location, default=None, help=db_help)
    secret_help = (
        "a file whose first line is the passphrase of an encrypted database "
        "(asked for on a terminal when not given)"
    )
    parser.add_argument("--passphrase-file", type=_path, metavar="FILE", help=secret_help)
    parser.add_argument(
        "--practitioner", type=_positive, metavar="ID",
        help="in a clinic with accounts, who runs the command or opens the window (their "
        "passphrase from --passphrase-file, or asked for on a terminal)",
    )  # fmt: skip
    parser.set_defaults(func=cmd_gui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def passphrase_option(sub: argparse.ArgumentParser) -> None:
        # SUPPRESS: given before the command name, the global option stays in force.
        sub.add_argument(
            "--passphrase-file", type=_path, metavar="FILE", default=argparse.SUPPRESS,
            help=secret_help,
        )  # fmt: skip

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", type=_location, default=argparse.SUPPRESS, help=db_help)
        passphrase_option(sub)
        sub.set_defaults(func=func)
        return sub

    command("gui", cmd_gui, "open the app window (the default)")
    demo = commands.add_parser(
        "demo", help="write made-up patients into a demo database, never a clinic's",
        description="Write realistic made-up patients and sessions into a demo database "
        "(marked as such; the app says DEMO in its title). Refused for a database that "
        "holds a clinic's records.",
    )  # fmt: skip
    demo.add_argument(
        "--db", type=_location, default=argparse.SUPPRESS,
        help=f"the demo database (default: {demo_database()}), or a clinic server for trying "
        "clinic mode",
    )  # fmt: skip
    demo.set_defaults(func=cmd_demo)
    demo.add_argument(
        "--patients", type=_at_most(MAX_DEMO_PATIENTS), default=8,
        help=f"how many (default 8, at most {MAX_DEMO_PATIENTS})",
    )  # fmt: skip
    demo.add_argument(
        "--no-accounts", action="store_true",
        help="no sign-ins (as before accounts): anyone at the screen charts as the demo doctor",
    )  # fmt: skip
    demo.add_argument(
        "--encrypt", action="store_true",
        help="make a new demo database encrypted (opened by the demo passphrase printed, "
        "or by --passphrase-file with --no-accounts)",
    )  # fmt: skip
    passphrase_option(demo)
    command(
        "check", cmd_check, "check integrity, foreign keys and the audit trail; exit 1 on a problem"
    )
    backup = command("backup", cmd_backup, "copy the database safely into a folder")
    backup.add_argument(
        "--to", type=_path, metavar="DIR",
        help="backup folder (default: the one set in the app); of a clinic server, a folder "
        "or a new file",
    )  # fmt: skip
    restore = command(
        "restore", cmd_restore, "replace the database with a verified backup (kept aside first)"
    )
    restore.add_argument(
        "--from", dest="source", type=_path, required=True, metavar="BACKUP",
        help="a backup file, or a folder to take its newest good backup",
    )  # fmt: skip
    restore.add_argument(
        "--backups", type=_path, metavar="DIR",
        help="where the safety backup of the current file goes (default: the app's folder)",
    )  # fmt: skip
    restore.add_argument(
        "--app-role", default="tpchart_app", metavar="ROLE",
        help="on a clinic server: the role its workstations connect as (default tpchart_app)",
    )  # fmt: skip
    moving = commands.add_parser(
        "migrate-to-server",
        help="copy a single doctor's database file into an empty clinic server, verified",
        description="Copy every row of a tpchart database file (signatures and the audit "
        "trail included) into an empty, migrated clinic database on the server, as its "
        "owner role; both sides are checked and counted. The file is not changed "
        "(docs/clinic-server.md).",
    )  # fmt: skip
    moving.add_argument("--from", dest="source", type=_path, required=True, metavar="FILE",
                        help="the database file")  # fmt: skip
    moving.add_argument(
        "--to", type=_location, required=True, metavar="ADDRESS",
        help="the clinic server, as its owner: postgresql://tpchart_owner@host:port/database",
    )  # fmt: skip
    passphrase_option(moving)
    moving.set_defaults(func=cmd_migrate_to_server)
    export = command(
        "export-pdf",
        cmd_export_pdf,
        "write a clinical record, aftercare sheet, consent form or progress report PDF",
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", type=_positive, metavar="ID", help="the session to summarise")
    which.add_argument("--patient", type=_positive, metavar="ID", help="the patient (--progress)")
    # One document per file: without any of these, --session writes the clinical record.
    document = export.add_mutually_exclusive_group()
    document.add_argument("--progress", action="store_true", help="the patient's progress report")
    document.add_argument(
        "--handout",
        action="store_true",
        help="the aftercare sheet the patient takes home (with --session)",
    )
    document.add_argument(
        "--consent",
        action="store_true",
        help="the consent form to explain and sign before needling (with --session)",
    )
    document.add_argument(
        "--patient-copy",
        action="store_true",
        help="the patient's copy of the clinical record, without the notes kept off it "
        "(with --session)",
    )
    export.add_argument("-o", "--output", type=_path, required=True, metavar="FILE", help="the PDF")
    fhir = command(
        "export-fhir", cmd_export_fhir, "write a patient's record as a FHIR R4 bundle (JSON)"
    )
    fhir.add_argument("--patient", type=_positive, required=True, metavar="ID", help="the patient")
    fhir.add_argument("-o", "--output", type=_path, required=True, metavar="FILE",
                      help="the bundle (.json)")  # fmt: skip
    research = command(
        "export-csv", cmd_export_csv, "write a de-identified research table of every patient"
    )
    research.add_argument("--to", type=_path, required=True, metavar="DIR",
                          help="a new or empty folder")  # fmt: skip
    research.add_argument(
        "--shift-days", type=_at_most(3650), default=180, metavar="N",
        help="shift each patient's dates by a random 1 to N days back or forward (default 180)",
    )  # fmt: skip
    sending = command(
        "export-patient", cmd_export_patient,
        "write everything about one patient into a file for another tpchart database",
    )  # fmt: skip
    sending.add_argument("--patient", type=_positive, required=True, metavar="ID",
                         help="the patient")  # fmt: skip
    sending.add_argument("-o", "--output", type=_path, required=True, metavar="FILE",
                         help="the transfer file (JSON; gzip when it ends in .gz)")  # fmt: skip
    receiving = command(
        "import-patient", cmd_import_patient,
        "add the patient in a transfer file to this database (never twice)",
    )  # fmt: skip
    receiving.add_argument("file", type=_path, metavar="FILE", help="the transfer file")
    receiving.add_argument(
        "--practitioner", type=_positive, metavar="ID", default=argparse.SUPPRESS,
        help="who is importing (default: the only active practitioner)",
    )  # fmt: skip
    encrypt = command(
        "encrypt", cmd_encrypt,
        "encrypt a plain database in place (copy, verify, swap; the plain file kept aside)",
    )  # fmt: skip
    encrypt.add_argument(
        "--practitioner", type=_positive, metavar="ID", default=argparse.SUPPRESS,
        help="the administrator whose passphrase opens it (default: the only one)",
    )  # fmt: skip
    encrypt.add_argument(
        "--forget-plain", action="store_true",
        help="delete the plain file kept aside, once the encrypted database opens",
    )  # fmt: skip
    plain = command(
        "decrypt-copy", cmd_decrypt_copy,
        "write a plain copy of an encrypted database (for Datasette), audited",
    )  # fmt: skip
    plain.add_argument("--to", type=_path, required=True, metavar="PLAIN.db",
                       help="a new file for the plain copy")  # fmt: skip
    redact = command(
        "redact", cmd_redact,
        "an administrator removes wrongly entered content from the audit trail, signed",
    )  # fmt: skip
    redact.add_argument(
        "--audit-row", dest="audit_rows", type=_positive, action="append",
        metavar="N", help="the audit row whose content to remove (repeat for several)",
    )  # fmt: skip
    redact.add_argument("--reason", help="why (kept in the audit trail)")
    redact.add_argument(
        "--scrub", action="store_true",
        help="only rewrite the file, when an earlier redaction could not (another tpchart "
        "had it open)",
    )  # fmt: skip
    redact.add_argument(
        "--field", dest="fields", action="append", metavar="NAME",
        help="remove only this field of the row's images (repeat for several); "
        "without it, the whole content of a record that no longer exists",
    )  # fmt: skip
    redact.add_argument(
        "--practitioner", type=_positive, metavar="ID", default=argparse.SUPPRESS,
        help="the administrator redacting (their passphrase from --passphrase-file)",
    )  # fmt: skip
    bench_help = (
        "measure speed and memory on synthetic clinics "
        "(5 to 8 minutes on 2 cores; --quick: under 1)"
    )
    bench = commands.add_parser("bench", help=bench_help, description=bench_help)
    bench.add_argument("--quick", action="store_true", help="smaller clinics, fewer repeats")
    bench.add_argument("--json", type=_path, metavar="FILE", help="also write the results as JSON")
    bench.set_defaults(func=cmd_bench)
    return parser


def _location(text: str) -> Path | str:
    """An argparse type: a clinic server's ``postgresql://`` address as given, else a
    database file's path."""
    return text if is_server_address(text) else _path(text)


def _path(text: str) -> Path:
    """An argparse type: a path SQLite and every file dialog can use. A name with bytes
    that are not UTF-8 (from another system's disk) would fail deep inside SQLite."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        raise argparse.ArgumentTypeError(
            f"the path {shown} has characters that are not valid text; rename it"
        ) from None
    return Path(text)


# The largest id SQLite can store (a 64-bit signed integer).
MAX_ID = 2**63 - 1
# A demonstration, not a load test (``bench`` builds large clinics in a temporary folder).
MAX_DEMO_PATIENTS = 2000


def _at_most(limit: int):
    """An argparse type: a whole number from 1 to ``limit``."""

    def whole_number(text: str) -> int:
        # ASCII digits only: int() would also take "1_000", " 7 " and other scripts' digits.
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()):
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        # Compared as text first: a 5,000-digit number is refused, not converted.
        if len(digits) > len(str(limit)) or not 1 <= int(text) <= limit:
            raise argparse.ArgumentTypeError(f"must be from 1 to {limit}, got {text}")
        return int(text)

    whole_number.__name__ = "whole number"  # argparse names the type in its message
    return whole_number


_positive = _at_most(MAX_ID)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.func is not cmd_gui and args.db is None and args.func is not cmd_demo:
        args.db = default_database()
    try:
        if args.func is cmd_gui and args.passphrase_file is not None:
            # Given a file, the window opens unlocked; else its own dialog asks.
            _unlock_if_encrypted(args)
        if args.func in (cmd_gui, cmd_bench):
            return args.func(args)  # the app keeps its own log; bench works in a temp folder
        # What a command logs (warnings included) goes to the log file, not the terminal.
        with logging_to_file():
            _unlock_if_encrypted(args)
            return args.func(args)
    except (TpchartError, OSError, sqlite3.Error) as exc:
        print(f"tpchart: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
