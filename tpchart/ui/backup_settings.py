"""Settings for backups: where they go, the list of backups, back up now, restore.

A restore replaces the open database, so the dialog only asks for it
(``restore_requested``); ``tpchart.app`` closes the window, restores and reopens.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tpchart.store import Store
from tpchart.store.autobackup import PERIOD_MINUTES, AutoBackup
from tpchart.store.file import BackupFailed, location_warnings
from tpchart.ui.style import CAUTION, banner

log = logging.getLogger("tpchart.app")

PathRole = Qt.ItemDataRole.UserRole + 1


class BackupSettingsDialog(QDialog):
    """Shows and changes the backup folder; lists backups; backs up or restores."""

    restore_requested = Signal(Path)

    def __init__(self, store: Store, auto: AutoBackup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupSettings")
        self.setWindowTitle("Backups")
        self.store, self.auto = store, auto
        self.folder_label = QLabel(objectName="backupFolder", wordWrap=True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = banner(CAUTION, "backupFolderWarning")
        self.choose = QPushButton("Choose another folder…", objectName="chooseBackupFolder")
        self.use_default = QPushButton("Use the default folder", objectName="defaultBackupFolder")
        self.backups = QListWidget(objectName="backupList")
        self.back_up_now = QPushButton("Back up now", objectName="backUpNow")
        self.restore = QPushButton("Restore selected backup…", objectName="restoreBackup")
        self.status = QLabel(objectName="backupStatus", wordWrap=True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.choose)
        folder_row.addWidget(self.use_default)
        folder_row.addStretch()
        actions = QHBoxLayout()
        actions.addWidget(self.back_up_now)
        actions.addWidget(self.restore)
        actions.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Backups are saved in</b>"))
        layout.addWidget(self.folder_label)
        layout.addWidget(self.warning)
        layout.addLayout(folder_row)
        explanation = QLabel(
            f"A backup is made when tpchart closes, every {PERIOD_MINUTES} minutes while "
            "records change, and before updates and restores. Choose a folder on an external "
            "drive to keep a copy off this computer.",
            wordWrap=True,
        )
        layout.addWidget(explanation)
        layout.addWidget(QLabel("<b>Backups, newest first</b>"))
        layout.addWidget(self.backups, stretch=1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(close)

        self.choose.clicked.connect(self.choose_folder)
        self.use_default.clicked.connect(lambda: self.set_folder(None))
        self.back_up_now.clicked.connect(self.take_backup)
        self.restore.clicked.connect(self.ask_restore)
        self.backups.currentItemChanged.connect(lambda *_: self._update_buttons())
        close.rejected.connect(self.reject)
        for button in (self.choose, self.use_default, self.back_up_now):
            button.setEnabled(not store.read_only)
        self.resize(620, 460)
        self.refresh()

    def refresh(self) -> None:
        """Show the current folder, its warnings and its backups."""
        folder = self.auto.folder
        suffix = "" if self.auto.chosen_folder else " (default)"
        self.folder_label.setText(f"{folder}{suffix}")
        warnings = location_warnings(folder, "backup folder")
        self.warning.setText("⚠ " + " ".join(warnings))
        self.warning.setVisible(bool(warnings))
        self.backups.clear()
        for backup in self.auto.backups():
            item = QListWidgetItem(backup.label())
            item.setData(PathRole, str(backup.path))
            item.setToolTip(str(backup.path))
            self.backups.addItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.restore.setEnabled(self.backups.currentItem() is not None)

    @Slot()
    def choose_folder(self) -> None:
        """Ask for a folder (an external drive, say) and use it from now on."""
        folder = QFileDialog.getExistingDirectory(self, "Folder for backups", str(self.auto.folder))
        if folder:
            self.set_folder(Path(folder))

    def set_folder(self, folder: Path | None) -> None:
        """Use ``folder`` (None: the default) and make a first backup there at once, so a
        wrong choice (a full or read-only drive) shows now rather than at closing time."""
        self.auto.choose_folder(folder)
        self.refresh()
        self.take_backup()

    @Slot()
    def take_backup(self) -> None:
        """Back up now and say where it went, or why it failed."""
        try:
            path = self.auto.take("manual")
        except BackupFailed as exc:
            log.error("Backup failed: %s", exc)
            self.status.setText(str(exc))
            self.status.setStyleSheet("color: #b00020;")
            return
        self.status.setText(f"Backed up to {path}")
        self.status.setStyleSheet("")
        self.refresh()

    @Slot()
    def ask_restore(self) -> None:
        """Confirm, then ask the app to restore the selected backup."""
        item = self.backups.currentItem()
        if item is None:
            return
        answer = QMessageBox.question(
            self,
            "Restore this backup?",
            f"Replace the records with the backup from {item.text()}?\n\n"
            "Changes made after that time will no longer be shown. The current database is "
            "backed up and kept aside first, so this can be undone.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.restore_requested.emit(Path(item.data(PathRole)))
            self.accept()


def install_backup_timer(window: QMainWindow, auto: AutoBackup) -> QTimer:
    """Every ``PERIOD_MINUTES``, back up if anything changed; a failure is logged, shown
    in the status bar, and in a dialog the first time."""
    timer = QTimer(window, objectName="backupTimer", interval=PERIOD_MINUTES * 60 * 1000)
    warned: set[str] = set()

    def tick() -> None:
        if not auto.store.is_open:  # the window outlived its records (closed, switched)
            timer.stop()
            return
        try:
            path = auto.take_if_changed("periodic")
        except BackupFailed as exc:
            log.error("Periodic backup failed: %s", exc)
            window.statusBar().showMessage(f"Backup failed: {exc}")
            if str(exc) not in warned:
                warned.add(str(exc))
                QMessageBox.warning(window, "The backup failed", str(exc))
            return
        if path is not None:
            window.statusBar().showMessage(f"Backed up to {path.name}", 5000)

    timer.timeout.connect(tick)
    timer.start()
    return timer


def read_only_banner(window: QMainWindow, reason: str) -> QLabel:
    """A banner across the top of ``window`` saying that nothing can be changed."""
    label = banner(CAUTION, "readOnlyBanner")
    label.setText(f"⚠ Read-only: {reason} You can look at the records but not change them.")
    # One line across the window: a word-wrapped label in a tool bar stays narrow.
    label.setWordWrap(False)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.show()
    bar = window.addToolBar("Read-only")
    bar.setObjectName("readOnlyBar")
    bar.setMovable(False)
    window.insertToolBarBreak(bar)
    bar.addWidget(label)
    return label
