"""The command line: ``python main.py`` opens the app; subcommands work on a database.

Expected problems (missing file, newer schema, bad argument) print one line to
stderr and exit non-zero; only a bug shows a traceback.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from tpchart import __version__
from tpchart.core.errors import TpchartError
from tpchart.store import Store
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


def _existing(path: Path) -> Path:
    if not path.exists():
        raise TpchartError(f"There is no database at {path}")
    return path


def cmd_gui(args: argparse.Namespace) -> int:
    """Open the main window."""
    from tpchart.app import run_app  # Qt is loaded only when a window is wanted

    return run_app(args.db)


def cmd_demo(args: argparse.Namespace) -> int:
    """Write demo patients into a demo database (created if missing; never a clinic's)."""
    from tpchart.demo import write_demo

    db = args.db if args.db is not None else demo_database()
    with Store.open(db) as store:
        added = write_demo(store, patients=args.patients)
    print(f"Added {len(added)} demo patients to the demo database {db}")
    print(f"Open it with: tpchart --db {db}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """What the file is, then integrity, foreign keys, the -wal and the audit trail
    (tamper evidence), read in one transaction: safe while the app is open. The exit
    code says which (``Verdict``): 0 sound, 1 damaged or altered, 2 no such file,
    3 not a tpchart database, 4 from a newer tpchart, 5 cannot be read."""
    report = check_database(args.db)
    if report.verdict is Verdict.MISSING:
        _existing(args.db)  # the same one line as every other command
    print("\n".join(report.lines()))
    if not report.refused:
        for warning in location_warnings(args.db):
            print(f"Warning: {warning}")
    return int(report.verdict)


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent, verified copy through the SQLite backup API."""
    folder = args.to or configured_backup_folder(_existing(args.db))
    target = backup_to(_existing(args.db), folder)
    print(f"Backed up {args.db} to {target}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a verified backup; the current file is kept aside."""
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
    with Store.open(_existing(args.db)) as store:
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

    with Store.open(_existing(args.db)) as store:
        target = export_fhir(store, args.patient, args.output, progress=_progress("sessions"))
    _progress_done()
    print(f"Wrote {target}")
    return 0


def cmd_export_csv(args: argparse.Namespace) -> int:
    """Write the de-identified research table of every patient into a new or empty
    folder (README.txt there says how it was de-identified)."""
    from tpchart.exchange.research_csv import export_research_csv

    with Store.open(_existing(args.db)) as store:
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
    db_help = f"database file (default: {default_database()})"
    parser.add_argument("--db", type=_path, default=default_database(), help=db_help)
    parser.set_defaults(func=cmd_gui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", type=_path, default=default_database(), help=db_help)
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
        "--db", type=_path, default=None,
        help=f"the demo database (default: {demo_database()})",
    )  # fmt: skip
    demo.set_defaults(func=cmd_demo)
    demo.add_argument(
        "--patients", type=_at_most(MAX_DEMO_PATIENTS), default=8,
        help=f"how many (default 8, at most {MAX_DEMO_PATIENTS})",
    )  # fmt: skip
    command(
        "check", cmd_check, "check integrity, foreign keys and the audit trail; exit 1 on a problem"
    )
    backup = command("backup", cmd_backup, "copy the database safely into a folder")
    backup.add_argument(
        "--to", type=_path, metavar="DIR", help="backup folder (default: the one set in the app)"
    )
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
    bench_help = (
        "measure speed and memory on synthetic clinics "
        "(5 to 8 minutes on 2 cores; --quick: under 1)"
    )
    bench = commands.add_parser("bench", help=bench_help, description=bench_help)
    bench.add_argument("--quick", action="store_true", help="smaller clinics, fewer repeats")
    bench.add_argument("--json", type=_path, metavar="FILE", help="also write the results as JSON")
    bench.set_defaults(func=cmd_bench)
    return parser


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
    try:
        if args.func in (cmd_gui, cmd_bench):
            return args.func(args)  # the app keeps its own log; bench works in a temp folder
        # What a command logs (warnings included) goes to the log file, not the terminal.
        with logging_to_file():
            return args.func(args)
    except (TpchartError, OSError, sqlite3.Error) as exc:
        print(f"tpchart: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
