"""What the doctor sees when something is wrong with the database at start-up, and
the dialog for unexpected errors.

Each question is a module-level function returning a plain answer, so the start-up
flow in ``tpchart.app`` reads top to bottom and tests can answer for the doctor.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QWidget

from tpchart.core.errors import TpchartError
from tpchart.store import DatabaseDamaged, DatabaseInUse, DatabaseRefused, StorageError, Store
from tpchart.store.file import DamageFound, DatabaseLock, leftovers, recover_damaged, restore_backup
from tpchart.store.file import retire_backups as _retire_backups

log = logging.getLogger("tpchart.app")

RESTORE, EMPTY, QUIT, READ_ONLY = "restore", "empty", "quit", "read_only"


def ask_in_use(error: DatabaseInUse, parent: QWidget | None = None) -> str:
    """The database is open elsewhere: READ_ONLY to look at it anyway, else QUIT."""
    title = "The database is already open"
    box = QMessageBox(QMessageBox.Icon.Information, title, str(error), parent=parent)
    box.setInformativeText("You can open it read-only here to look up a record.")
    read_only = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Close", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return READ_ONLY if box.clickedButton() is read_only else QUIT


def damage_text(found: DamageFound, finding: str) -> tuple[str, str]:
    """The message and the question shown after a damaged database was set aside."""
    kept = found.kept_aside[0] if found.kept_aside else None
    text = "tpchart found a problem with the database file"
    text += f" ({finding})." if finding else "."
    if kept is not None:
        text += (
            f"\n\nThe file was not changed or repaired: it was kept aside as\n{kept}\n"
            "so nothing in it is lost."
        )
    if found.also_kept:
        text += "\n\nAlso kept beside it:\n" + "\n".join(str(p) for p in found.also_kept)
    if found.backup is not None:
        question = (
            f"The newest good backup is from {found.backup.label()}:\n{found.backup.path}\n\n"
            "Restore it? Changes made after that time are not in it."
        )
    else:
        question = (
            f"No usable backup was found (looked in {found.backup_folder}). You can start with "
            "an empty database and ask for help recovering the file kept aside."
        )
    return text, question


def ask_after_damage(found: DamageFound, finding: str, parent: QWidget | None = None) -> str:
    """RESTORE the offered backup, start EMPTY, or QUIT."""
    text, question = damage_text(found, finding)
    box = QMessageBox(QMessageBox.Icon.Warning, "The database is damaged", text, parent=parent)
    box.setInformativeText(question)
    restore = None
    if found.backup is not None:
        restore = box.addButton("Restore this backup", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(restore)
    empty = box.addButton("Start with an empty database", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    return RESTORE if clicked is restore else EMPTY if clicked is empty else QUIT


def show_refused(error: TpchartError, parent: QWidget | None = None) -> None:
    """A database this app must not open (foreign, newer, read-only needing an update)."""
    QMessageBox.critical(parent, "tpchart cannot open the database", str(error))


def show_warnings_once(
    warnings: list[str],
    parent: QWidget | None = None,
    *,
    every_time: Sequence[str] = (),
) -> list[str]:
    """Show each start-up warning (an unsafe place, an interrupted restore) the first
    time only (they are logged every start), and those in ``every_time`` (a file
    changed outside tpchart) at every start: a doctor who clicked it away once must
    not chart on an altered record unwarned the next day. Returns the ones shown."""
    settings = QSettings()
    seen = set(settings.value("warnings/shown", [], type=list) or [])
    always = [w for w in warnings if w in every_time]
    new = [w for w in warnings if w not in always and _key(w) not in seen]
    shown = always + new
    if shown:
        # Tampering, unsafe places, an interrupted restore: what to know before charting.
        QMessageBox.warning(parent, "Before you start", "\n\n".join(shown))
    if new:
        settings.setValue("warnings/shown", sorted(seen | {_key(w) for w in new}))
    return shown


def tampering_warnings(warnings: list[str], findings: list[str] | None) -> list[str]:
    """The start-up warnings that name changes made outside tpchart (``findings``: the
    start-up tamper check's, ``HealthReport.audit``): shown at every start."""
    if not findings:
        return []
    return [w for w in warnings if any(f[1:] in w for f in findings if len(f) > 1)]


def show_tampering(findings: list[str], name: str, parent: QWidget | None = None) -> None:
    """What the check run beside the window found changed outside tpchart, in plain
    words (the records stay usable: the doctor decides)."""
    listed = "\n".join(f"- {f[:1].upper()}{f[1:]}." for f in findings[:8])
    more = f"\n- and {len(findings) - 8} more" if len(findings) > 8 else ""
    QMessageBox.warning(
        parent,
        "Changed outside tpchart",
        f"{name} was changed outside tpchart since it was last used:\n{listed}{more}\n"
        'Records in it may have been altered. Run "tpchart check" for the full report, and '
        "ask for help before relying on them (the newest backup taken before the change "
        "may be the one to restore).",
    )


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def open_store(
    path: Path,
    lock: DatabaseLock | None,
    read_only: bool,
    backup_folders: list[Path] = (),
    parent: QWidget | None = None,
    defer_check: bool = False,
) -> Store | None:
    """Open ``path`` for the window, leading the doctor through a damaged file; None
    when the doctor quits or the file cannot be used. Never writes over a damaged file."""
    if not path.exists() and leftovers(path) and not read_only:
        # Damaged earlier and set aside, and the doctor quit without choosing.
        answer = _after_damage(path, lock, "found at an earlier start", backup_folders, parent)
        if answer == QUIT:
            return None
    while True:
        try:
            return Store.open(path, read_only=read_only, lock=lock, defer_check=defer_check)
        except DatabaseDamaged as exc:
            log.error("Damaged database at start: %s", exc)
            if read_only:
                show_refused(exc, parent)
                return None
            finding = "; ".join(exc.report.integrity[:2]) if exc.report else str(exc)
            if _after_damage(path, lock, finding, backup_folders, parent) == QUIT:
                return None
        except DatabaseRefused as exc:
            log.error("Database refused: %s", exc)
            show_refused(exc, parent)
            return None


def _after_damage(
    path: Path, lock: DatabaseLock | None, finding: str, folders: list[Path], parent
) -> str:
    found = recover_damaged(path, list(folders))
    answer = ask_after_damage(found, finding, parent)
    offered = found.backup.path if found.backup else None
    log.warning("Damaged database: the doctor chose %s (backup offered: %s)", answer, offered)
    if answer == RESTORE and found.backup is not None:
        restore_backup(path, found.backup.path, found.backup_folder, lock=lock)
    elif answer == EMPTY:
        # The new, empty database's backups must never rotate the old ones away.
        _retire_backups(found.backup_folder)
        if lock is not None:
            lock.forget_data()  # the doctor's choice: an empty file is expected now
    return answer


class ExceptionHook:
    """``sys.excepthook`` for the app: every exception is logged; each distinct one is
    shown once (a failing paint would otherwise open a dialog per frame)."""

    def __init__(self, log_file: Path | None, reload: Callable[[], None] | None = None) -> None:
        self.log_file = log_file
        self.reload = reload  # brings the screen back in line with the database
        self.parent: QWidget | None = None
        self._shown: set[tuple[str, str]] = set()
        self._showing = False

    def __call__(self, kind, error, tb) -> None:
        if isinstance(error, TpchartError):
            log.warning("%s: %s", kind.__name__, error)
        else:
            log.error("Unexpected error", exc_info=(kind, error, tb))
        if isinstance(error, StorageError) and self.reload is not None:
            try:
                self.reload()
            except Exception:
                log.exception("Reloading the window after a storage error failed")
        key = (kind.__name__, str(error))
        if self._showing or key in self._shown:
            return
        self._shown.add(key)
        self._showing = True
        try:
            self._show(error, "".join(traceback.format_exception(kind, error, tb)))
        finally:
            self._showing = False

    def _show(self, error: BaseException, details: str) -> None:
        if isinstance(error, TpchartError):
            QMessageBox.warning(self.parent, "tpchart", str(error))
            return
        where = f" The details were written to {self.log_file}." if self.log_file else ""
        text = "tpchart met an unexpected error." + where
        box = QMessageBox(
            QMessageBox.Icon.Critical, "Something went wrong", text, parent=self.parent
        )
        box.setInformativeText(
            "Records saved before this are safe. The last action may not have been saved: "
            "please check it."
        )
        box.setDetailedText(details)
        box.exec()
