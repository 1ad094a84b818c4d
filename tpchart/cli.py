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

from tpchart.core.errors import TpchartError
from tpchart.store import Store
from tpchart.store.backup import backup_to
from tpchart.store.health import check_file
from tpchart.store.locations import default_database


def _existing(path: Path) -> Path:
    if not path.exists():
        raise TpchartError(f"There is no database at {path}")
    return path


def cmd_gui(args: argparse.Namespace) -> int:
    """Open the main window."""
    from tpchart.app import run_app  # Qt is loaded only when a window is wanted

    return run_app(args.db)


def cmd_demo(args: argparse.Namespace) -> int:
    """Write demo patients into a database (created if missing)."""
    from tpchart.demo import write_demo

    with Store.open(args.db) as store:
        added = write_demo(store, patients=args.patients)
    print(f"Added {len(added)} demo patients to {args.db}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Integrity and foreign-key report; exit 1 when anything is wrong."""
    report = check_file(_existing(args.db))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent, verified copy through the SQLite backup API."""
    target = backup_to(_existing(args.db), args.to)
    print(f"Backed up {args.db} to {target}")
    return 0


def cmd_export_pdf(args: argparse.Namespace) -> int:
    """Write a session summary, or a patient's progress report, as a PDF file."""
    from tpchart.report.documents import export_progress, export_session  # reportlab on demand

    if args.progress and args.patient is None:
        raise TpchartError("--progress needs --patient ID")
    if args.patient is not None and not args.progress:
        raise TpchartError("--patient needs --progress (a session summary takes --session ID)")
    with Store.open(_existing(args.db)) as store:
        if args.progress:
            target = export_progress(store, args.patient, args.output)
        else:
            target = export_session(store, args.session, args.output)
    print(f"Wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser shared by ``main.py`` and the ``tpchart`` script."""
    parser = argparse.ArgumentParser(
        prog="tpchart", description="Charting of myofascial trigger points and dry needling."
    )
    db_help = f"database file (default: {default_database()})"
    parser.add_argument("--db", type=Path, default=default_database(), help=db_help)
    parser.set_defaults(func=cmd_gui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", type=Path, default=default_database(), help=db_help)
        sub.set_defaults(func=func)
        return sub

    command("gui", cmd_gui, "open the app window (the default)")
    demo = command("demo", cmd_demo, "write realistic demo patients and visits")
    demo.add_argument("--patients", type=_positive, default=8, help="how many (default 8)")
    command("check", cmd_check, "check integrity and foreign keys; exit 1 on a problem")
    backup = command("backup", cmd_backup, "copy the database safely into a folder")
    backup.add_argument("--to", type=Path, required=True, metavar="DIR", help="backup folder")
    export = command("export-pdf", cmd_export_pdf, "write a session summary or progress report PDF")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", type=_positive, metavar="ID", help="the session to summarise")
    which.add_argument("--patient", type=_positive, metavar="ID", help="the patient (--progress)")
    export.add_argument("--progress", action="store_true", help="the patient's progress report")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="the PDF")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (TpchartError, OSError, sqlite3.Error) as exc:
        print(f"tpchart: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
