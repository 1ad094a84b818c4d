"""Composition of the desktop app: logging, the database lock, start-up checks, the
main window, and backups while it runs and when it closes.

Start-up, in order: log file and exception hook; the lock (a second start brings
the first window forward, or offers to open read-only); ``Store.open`` with its
checks (a damaged file is set aside and a backup offered, see ``tpchart.ui.recovery``);
the window with a read-only banner and the Backups dialog; backups every few
minutes while records change and when the window closes.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import sys
import threading
from importlib import resources
from pathlib import Path

from PySide6.QtCore import (
    QObject,
    QSettings,
    QTimer,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

import tpchart.store.file as store_file
from tpchart.core.errors import TpchartError
from tpchart.store import DatabaseInUse, RecordStore, Store, is_server_address
from tpchart.store.autobackup import AutoBackup
from tpchart.store.file import (
    BackupFailed,
    DatabaseLock,
    default_database,
    demo_database,
    restore_backup,
    setup_logging,
    writable,
)
from tpchart.ui import recovery
from tpchart.ui.about import app_icon
from tpchart.ui.backup_settings import BackupSettingsDialog
from tpchart.ui.main_window import MainWindow
from tpchart.ui.operations import Changed, What
from tpchart.ui.single_instance import InstanceServer, bring_forward, raise_window

log = logging.getLogger("tpchart.app")

# The exit code that asks run_app to reopen the database (after a restore).
RESTART = 1001


def _qt_message(kind: QtMsgType, _context, message: str) -> None:
    level = logging.DEBUG if kind == QtMsgType.QtDebugMsg else logging.WARNING
    logging.getLogger("tpchart.qt").log(level, message)


class CheckAnswer(QObject):
    """Carries the start-up check's report from its thread to the window's."""

    found = Signal(object)


class App:
    """One run of the window over one database."""

    def __init__(
        self, db_path: Path, qt: QApplication, signer: tuple[int, str] | None = None
    ) -> None:
        self.db_path = Path(db_path)
        self.qt = qt
        # Who signs in without the dialog (``tpchart --practitioner ID --passphrase-file``).
        self.signer = signer
        # True while ``signer`` is the passphrase typed to unlock an encrypted file.
        self._signer_once = False
        # "Encrypt this database" (Settings › Accounts): who asked, their passphrase and
        # name, until the conversion runs between two windows; then what it did.
        self.pending_encryption: tuple[int, str, str] | None = None
        self.encrypted = None
        self.lock: DatabaseLock | None = None
        self.read_only = False
        self.pending_restore: Path | None = None
        # The database to open next (the demo one, or back to the clinic's), and the
        # clinic's database to come back to from the demo.
        self.pending_switch: Path | None = None
        self.home_path = self.db_path
        # A large file's quick_check runs beside the window; after it found damage the
        # reopen checks before the window, which leads to the damaged-file dialog.
        self.defer_check = True
        self.window: MainWindow | None = None
        # File › Connect to clinic server / Use this computer's database: (True, the
        # dialog's (settings, password)) or (False, None), until the switch is made.
        self.switch: tuple[bool, object] | None = None
        # True while the records to come back to from the demo are the clinic server's.
        self.home_server = False

    def run(self, hook: recovery.ExceptionHook, on_server: bool, address: str | None) -> int:
        """Run windows until the doctor quits, on the clinic server or the file, moving
        between them when File › Connect to clinic server / Use this computer's database
        asks; returns the exit code."""
        given = None
        while True:
            if on_server:
                self.home_server = True
                code = self.run_on_server(hook, address, given)
                address = None  # from now on, the server the dialog saved
            else:
                if not self.take_lock():
                    return 2
                code = RESTART
                while code == RESTART and self.switch is None:
                    if self.pending_restore is not None:
                        self.restore_pending()
                    if self.pending_encryption is not None:
                        self.encrypt_pending()
                    if self.pending_switch is not None:
                        self.switch_pending()
                    code = self.run_once(hook)
                if self.lock is not None:
                    self.lock.release(clean=True)
                    self.lock = None
            if self.switch is None:
                return code
            (on_server, given), self.switch = self.switch, None

    def run_on_server(
        self, hook: recovery.ExceptionHook, address: str | None, given: object = None
    ) -> int:
        """Connect, sign in and run the window on the clinic server until the doctor
        quits or switches; returns the exit code. ``given`` is the Connect dialog's
        answer when the doctor just connected."""
        from tpchart.clinic_app import PASSWORD_IN_ADDRESS, connect_at_start
        from tpchart.store.server import workstation

        store = connect_at_start(address, given)  # type: ignore[arg-type]
        if store is None:
            return 0
        try:
            if not self._who_is_charting(store):
                return 0  # the doctor quit at the set-up or the sign-in: nothing written
            window = self.window = MainWindow(store)
            hook.parent, hook.reload = window, window.reload_from_store
            self._attach_clinic(window)
            window.show()
            if address and workstation.url_password(address) is not None:
                window.statusBar().showMessage(PASSWORD_IN_ADDRESS, 30000)
            log.info("Window open on %s", store.location)
            try:
                return self.qt.exec()
            finally:
                self._close_window(window)
                self.window = hook.parent = hook.reload = None
        finally:
            store.close()

    def connect_server(self, answer: object) -> None:
        """Leave this database for the clinic server the dialog connected to."""
        self.switch = (True, answer)
        self.qt.exit(RESTART)

    def use_local_database(self) -> None:
        """Back from the clinic server to this computer's database; the window opens the
        file from now on (the saved server is forgotten, its password kept)."""
        from tpchart.store.server import workstation

        workstation.forget()
        self.home_server = False
        self.switch = (False, None)
        self.qt.exit(RESTART)

    def _attach_clinic(self, window: MainWindow) -> None:
        """What the app gives a window on the clinic server."""
        window.connect_server_requested.connect(self.connect_server)
        window.local_database_requested.connect(self.use_local_database)
        window.open_demo_requested.connect(self._demo_from_server)
        # A demo clinic on a server (trying clinic mode): back to this computer's records.
        window.leave_demo_requested.connect(self.use_local_database)

    def _demo_from_server(self) -> None:
        """Try with demo patients, from the clinic server: the demo database on this
        computer; leaving the demo comes back to the server."""
        self.pending_switch = demo_database()
        self.switch = (False, None)
        self.qt.exit(RESTART)

    def take_lock(self) -> bool:
        """Lock the database for writing; False when the doctor gives up instead."""
        if not writable(self.db_path):
            self.read_only = True
            return True
        try:
            self.lock = DatabaseLock(self.db_path).acquire()
        except DatabaseInUse as exc:
            log.warning("Second start: %s", exc)
            if bring_forward(self.db_path):
                print("tpchart: brought the window that has this database forward", file=sys.stderr)
                return False
            if recovery.ask_in_use(exc) != recovery.READ_ONLY:
                return False
            self.read_only = True
        return True

    def run_once(self, hook: recovery.ExceptionHook) -> int:
        """Open the store and run the window; returns the exit code (RESTART to reopen)."""
        if not self._unlocked():
            return 0  # the doctor cancelled at the passphrase: nothing was opened
        store = recovery.open_store(
            self.db_path,
            self.lock,
            self.read_only,
            self._remembered_folders(),
            defer_check=self.defer_check,
        )
        if store is None:
            return 2
        if not self._who_is_charting(store):
            store.close()  # the doctor quit at the set-up or the sign-in: nothing written
            return 0
        auto = AutoBackup(store)
        if not store.read_only:
            QSettings().setValue(self._folder_key(), str(auto.folder))
        window = self.window = MainWindow(store)
        hook.parent, hook.reload = window, window.reload_from_store
        self._attach(window, store, auto)
        from tpchart.ui.accounts_dialog import encryption_requests

        requests = encryption_requests()
        requests.requested.connect(self.request_encryption)
        window.show()
        log.info("Window open on %s", self.db_path)
        findings = store.health.audit if store.health is not None else None
        recovery.show_warnings_once(
            store.warnings,
            window,
            every_time=recovery.tampering_warnings(store.warnings, findings),
        )
        self._check_beside(window, store)
        if self.encrypted is not None:
            QTimer.singleShot(0, lambda: self._after_encrypting(window, store))
        try:
            code = self.qt.exec()
        finally:
            requests.requested.disconnect(self.request_encryption)
            self._close_window(window)
            self.window = hook.parent = hook.reload = None
            self._backup_on_close(store, auto)
            store.close()
        return code

    def _unlocked(self) -> bool:
        """An encrypted database whose key this process does not hold yet: ask who and
        their passphrase before ``Store.open``; it unlocks the file and is kept (in
        memory, once) to sign them in without a second question. False: cancelled."""
        encryption = store_file.encryption
        if not encryption.is_encrypted(self.db_path) or encryption.key_for(self.db_path):
            return True
        from tpchart.ui.sign_in import unlock_at_start

        answer = unlock_at_start(self.db_path)
        if answer is False:
            return False
        if isinstance(answer, tuple):
            self.signer, self._signer_once = answer, True
        return True

    def _who_is_charting(self, store: RecordStore) -> bool:
        """Before any patient shows (issue 18): a clinic with accounts signs in (also
        read-only, to see the records: verified, not written); a new clinic sets up its
        administrator. False when the doctor quits instead (Escape, Cancel)."""
        # Imported here: a start on a set-up clinic never builds the set-up dialog.
        if store.accounts.any():
            from tpchart.ui.sign_in import sign_in

            if self.signer is not None:
                signer = self.signer
                if self._signer_once:  # typed at the unlock: not kept past this sign-in
                    self.signer, self._signer_once = None, False
                try:
                    store.sign_in(*signer)
                    return True
                except TpchartError as exc:  # a wrong passphrase: the dialog asks instead
                    log.warning("Sign-in at start refused: %s", exc)

            return sign_in(None, store) is not None
        if store.is_demo or store.read_only:
            return True  # a demo without sign-ins (demo --no-accounts); nothing to write
        from tpchart.ui.clinic_set_up import set_up_clinic

        return set_up_clinic(None, store) is not None

    def _close_window(self, window: MainWindow) -> None:
        """Close a window still open (a restore ends the event loop first): without
        "quit on last window closed", which would end the next run's loop at once."""
        quit_on_close = self.qt.quitOnLastWindowClosed()
        self.qt.setQuitOnLastWindowClosed(False)
        window.confirm_on_close = False  # the doctor already chose (or the system quits)
        try:
            window.close()
        finally:
            self.qt.setQuitOnLastWindowClosed(quit_on_close)
        window.deleteLater()

    def _attach(self, window: MainWindow, store: Store, auto: AutoBackup) -> None:
        """Give the window the reliability pieces, through its methods for the app."""
        window.add_backups_action(lambda: self.show_backups(store, auto))
        window.open_demo_requested.connect(self.open_demo)
        window.leave_demo_requested.connect(self.leave_demo)
        window.connect_server_requested.connect(self.connect_server)
        if store.read_only:
            if writable(self.db_path):
                reason = "the database is open in another tpchart window."
            else:
                reason = "the database file cannot be written."
            window.show_read_only(reason)
        else:
            window.install_backup_timer(auto)
            server = InstanceServer(self.db_path, window)
            server.show_requested.connect(lambda: raise_window(window))
        if store.unclean_exit:
            window.statusBar().showMessage(
                "tpchart was not closed properly last time; the database was checked in full "
                "and is sound.",
                15000,
            )

    def open_demo(self) -> None:
        """Leave this database for the demo one (made and filled on first use)."""
        self.pending_switch = demo_database()
        self.qt.exit(RESTART)

    def leave_demo(self) -> None:
        """Back from the demo database to the clinic's (the default one if the app was
        started on the demo database itself; the clinic server when the demo was opened
        from it)."""
        if self.home_server:
            self.switch = (True, None)
            self.qt.exit(RESTART)
            return
        home = self.home_path
        self.pending_switch = default_database() if home == self.db_path else home
        self.qt.exit(RESTART)

    def switch_pending(self) -> None:
        """Close this database's lock and open the one asked for; if that one cannot be
        had (another window writes it, its demo data is refused), say why and stay."""
        target, self.pending_switch = self.pending_switch, None
        if target is None or target == self.db_path:
            return
        previous = self.db_path
        if self.lock is not None:
            self.lock.release(clean=True)
            self.lock = None
        self.db_path, self.read_only = Path(target), False
        if self.take_lock() and self._demo_ready():
            log.info("Switched to %s", self.db_path)
            return
        if self.lock is not None:
            self.lock.release(clean=True)
            self.lock = None
        self.db_path, self.read_only = previous, False
        self.take_lock()

    def _demo_ready(self) -> bool:
        """The demo database has its made-up patients (written on first use)."""
        if self.db_path != demo_database() or self.read_only:
            return True
        try:
            with Store.open(self.db_path, lock=self.lock) as store:
                if store.patients.count(include_archived=True) == 0:
                    from tpchart.demo import add_demo_accounts, write_demo

                    write_demo(store)
                    add_demo_accounts(store)  # its sign-in shows the demo passphrase
        except TpchartError as exc:
            log.warning("Demo database refused: %s", exc)
            QMessageBox.warning(None, "Demo", f"The demo database could not be opened: {exc}")
            return False
        return True

    def show_backups(self, store: Store, auto: AutoBackup) -> None:
        """The Backups dialog; a restore closes the window and reopens the restored file."""
        dialog = BackupSettingsDialog(store, auto, self.window)
        dialog.restore_requested.connect(self.request_restore)
        dialog.exec()

    def request_restore(self, backup: Path) -> None:
        """End the event loop; ``run_app`` then closes the window and the database,
        restores ``backup`` and reopens."""
        self.pending_restore = backup
        self.qt.exit(RESTART)

    def request_encryption(self, practitioner_id: int, passphrase: str) -> None:
        """End the event loop; ``run_app`` then closes the window and the database,
        encrypts the file and reopens it with this administrator signed in."""
        name = ""
        if self.window is not None:
            name = self.window.store.practitioners.get(practitioner_id).name
        self.pending_encryption = (practitioner_id, passphrase, name)
        self.qt.exit(RESTART)

    def encrypt_pending(self) -> None:
        """Convert the closed (still locked) database, showing each step; on refusal
        say why in one message: the file is as it was (``encrypt_in_place``)."""
        from PySide6.QtWidgets import QProgressDialog

        assert self.pending_encryption is not None
        practitioner_id, passphrase, name = self.pending_encryption
        self.pending_encryption = None
        progress = QProgressDialog("Encrypting the database…", "", 0, 0)
        progress.setWindowTitle("Encrypting")
        progress.setCancelButton(None)  # a swap half done is never offered to stop
        progress.setMinimumDuration(0)
        progress.show()

        def step(text: str) -> None:
            progress.setLabelText(text)
            self.qt.processEvents()

        try:
            self.encrypted = store_file.encryption.encrypt_in_place(
                self.db_path, passphrase, practitioner_id=practitioner_id, label=name,
                lock=self.lock, progress=step,
            )  # fmt: skip
        except (TpchartError, OSError) as exc:
            log.warning("Encryption refused: %s", exc)
            progress.close()
            QMessageBox.warning(None, "Not encrypted", f"{exc}\n\nThe database was not changed.")
            return
        finally:
            progress.close()
        # The passphrase just typed signs the administrator in to the reopened file.
        self.signer, self._signer_once = (practitioner_id, passphrase), True
        log.warning("Encrypted %s; plain copy kept as %s", self.db_path, self.encrypted.plain_kept)

    def _after_encrypting(self, window: MainWindow, store: Store) -> None:
        """The encrypted file is open: its recovery code becomes the clinic's one code
        (shown once), then the doctor chooses whether the plain copy may go."""
        from tpchart.ui.clinic_set_up import RecoveryCodeDialog

        done, self.encrypted = self.encrypted, None
        if done is None:
            return
        refused: list[str] = []
        window.operations.run(
            lambda: store.accounts.adopt_recovery_code(done.recovery_code),
            lambda _none: Changed(What.PRACTITIONER, None),
            refused.append,
        )
        signed = store.signed_in
        admin = store.practitioners.get(signed.practitioner_id).name if signed else ""
        RecoveryCodeDialog(store, done.recovery_code, admin, window, renewed=not refused).exec()
        answer = QMessageBox.question(
            window,
            "Delete the plain copy?",
            "The encrypted database opened and checked sound. The plain (unencrypted) copy "
            f"is kept as {done.plain_kept.name} beside it: anyone with that file can read "
            "every record.\n\nDelete the plain copy now?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            store_file.encryption.forget_plain(self.db_path)
            window.statusBar().showMessage("The plain copy was deleted.", 10000)
        else:
            window.statusBar().showMessage(
                f"The plain copy is kept as {done.plain_kept}; delete it with "
                "tpchart encrypt --forget-plain once you are sure.",
                15000,
            )

    def restore_pending(self) -> None:
        """Restore the backup asked for, with the database closed but still locked."""
        backup, self.pending_restore = self.pending_restore, None
        folder = Path(QSettings().value(self._folder_key(), "") or backup.parent)
        result = restore_backup(self.db_path, backup, folder, lock=self.lock)
        log.warning("Restored from %s; previous file kept as %s", backup, result.kept_aside)

    def _check_beside(self, window: MainWindow, store: Store) -> None:
        """Run a large file's start-up check while the doctor reads; on damage, say so
        and reopen through the damaged-file dialog (writes wait for the answer)."""
        if not store.check_pending:
            return
        window.statusBar().showMessage("Checking the database…")
        answer = CheckAnswer(window)

        def found(report) -> None:
            if report.refused:  # read-only, its folder's owner saving all along
                window.statusBar().showMessage(
                    "Database not checked: whoever can write its folder kept saving in it "
                    "meanwhile. It is checked again when it is next opened."
                )
            elif not report.damaged:
                window.statusBar().showMessage("Database checked: sound.", 5000)
                if report.audit:  # changed outside tpchart: said at every start
                    recovery.show_tampering(report.audit, store.path.name, window)
            else:
                QMessageBox.critical(
                    window,
                    "The database is damaged",
                    "The start-up check found this database damaged; nothing more will be "
                    "saved to it. tpchart will now set it aside and offer the newest good "
                    "backup.\n\n" + "\n".join(report.lines()[1:]),
                )
                self.defer_check = False
                self.qt.exit(RESTART)

        answer.found.connect(found)
        store.start_deferred_check(answer.found.emit)

    def _backup_on_close(self, store: Store, auto: AutoBackup) -> None:
        if store.read_only or store.damaged or store.check_pending:
            return  # never back up a file nobody has checked (or one found damaged)
        try:
            if auto.changed or not auto.backups():
                auto.take("close")
        except BackupFailed as exc:
            log.error("Backup at close failed: %s", exc)
            message = f"{exc}\n\nYour records are saved in the database itself."
            QMessageBox.warning(None, "The backup failed", message)

    def _folder_key(self) -> str:
        digest = hashlib.sha1(str(self.db_path.resolve()).encode()).hexdigest()[:16]
        return f"backups/folder-{digest}"

    def _remembered_folders(self) -> list[Path]:
        """The backup folder used last time: found even when the database is unreadable."""
        value = QSettings().value(self._folder_key(), "")
        return [Path(value)] if value else []


def _quit_on_terminate(qt: QApplication):
    """Let a SIGTERM (log-out, shutdown, ``kill``) close the window normally, so the
    backup at close runs and the lock records a clean exit. Returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    # Through the event loop: a signal that arrives while the database is still being
    # opened must quit the loop that starts next (quit() does nothing outside a loop).
    def terminate() -> None:
        # A dialog before the window (sign-in, set-up) runs its own loop, which
        # quit() does not end: close it as Escape would (nothing is written), then quit.
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QDialog):
            modal.done(QDialog.DialogCode.Rejected)
        qt.quit()

    previous = signal.signal(signal.SIGTERM, lambda *_: QTimer.singleShot(0, terminate))
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    timer = QTimer(interval=500)
    timer.timeout.connect(lambda: None)
    timer.start()

    def undo() -> None:
        timer.stop()
        signal.signal(signal.SIGTERM, previous)

    return undo


def add_shipped_fonts() -> None:
    """Names in Chinese, Japanese, Korean or Tamil need a font that has their glyphs: the
    ones the PDFs embed (shipped in ``tpchart/report/fonts``) are given to Qt as well, so
    a machine without such system fonts shows real characters, not boxes. Qt shapes
    Tamil itself."""
    folder = Path(str(resources.files("tpchart.report") / "fonts"))
    for name in ("wqy-microhei.ttc", "NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"):
        path = folder / name
        if not path.is_file() or QFontDatabase.addApplicationFont(str(path)) < 0:
            log.warning("Qt could not load the font %s", path)


def run_app(
    db_path: Path | str | None,
    argv: list[str] | None = None,
    signer: tuple[int, str] | None = None,
) -> int:
    """Open ``db_path`` and run the window until the doctor quits; returns the exit code.
    ``db_path`` is a database file, a clinic server's ``postgresql://`` address, or None:
    the clinic server this workstation connected to, else the default file.
    ``signer`` (practitioner id, passphrase) signs in a clinic with accounts at start."""
    qt = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    qt.setOrganizationName("tpchart")
    qt.setApplicationName("tpchart")
    qt.setWindowIcon(app_icon())
    add_shipped_fonts()
    logger = logging.getLogger("tpchart")
    handlers_before = list(logger.handlers)
    log_file = setup_logging()
    previous_hook, previous_handler = sys.excepthook, qInstallMessageHandler(_qt_message)
    hook = recovery.ExceptionHook(log_file)
    sys.excepthook = hook
    on_server = is_server_address(db_path or "")
    if db_path is None:
        from tpchart.clinic_app import saved_server

        on_server = saved_server() is not None
        db_path = None if on_server else default_database()
    app = App(Path(db_path) if not on_server else default_database(), qt, signer)
    stop_on_signal = _quit_on_terminate(qt)
    log.info("Starting tpchart on %s", db_path or "the clinic server")
    clean = False
    try:
        code = app.run(hook, on_server, str(db_path) if on_server and db_path else None)
        clean = True
        return code
    finally:
        if app.lock is not None:
            app.lock.release(clean=clean)
        sys.excepthook = previous_hook
        stop_on_signal()
        qInstallMessageHandler(previous_handler)
        log.info("tpchart stopped")
        for handler in set(logger.handlers) - set(handlers_before):
            logger.removeHandler(handler)  # run_app may run again in this process (tests)
            handler.close()
