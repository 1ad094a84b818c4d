"""The main window's menus, tool bar and actions (File, Edit, View, Settings, Help), and
which of them are enabled for the patient and session on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel

from tpchart.ui.chart_panel import VIEW_TABS
from tpchart.ui.practitioner_picker import PractitionerPicker
from tpchart.ui.print_and_export import (
    export_aftercare,
    export_consent,
    export_patient_copy,
    export_progress_report,
    export_summary,
    print_aftercare,
    print_consent,
    print_patient_copy,
    print_summary,
)
from tpchart.ui.sign_in import ChartingAs

if TYPE_CHECKING:
    from tpchart.ui.about import AboutDialog
    from tpchart.ui.main_window import MainWindow
    from tpchart.ui.shortcuts_help import ShortcutsDialog


def redo_keys() -> list[QKeySequence]:
    """The platform's Redo keys plus the two a doctor may know from elsewhere, each once:
    on X11 ``StandardKey.Redo`` is itself Ctrl+Shift+Z, and one sequence given twice to
    an action is an "ambiguous shortcut" that Qt ignores."""
    keys: list[QKeySequence] = []
    for key in [
        *QKeySequence.keyBindings(QKeySequence.StandardKey.Redo),
        QKeySequence("Ctrl+Shift+Z"),
        QKeySequence("Ctrl+Y"),
    ]:
        if key not in keys:
            keys.append(key)
    return keys


class WindowMenus:
    """Builds the menu bar and tool bar of ``window`` and holds their actions."""

    def __init__(self, window: MainWindow) -> None:
        self._window = w = window
        chart = w.chart
        self.new_patient_action = self._action(
            "&New patient…", w.new_patient, QKeySequence.StandardKey.New, "newPatientAction"
        )
        self.new_session_action = self._action(
            "New &session…", w.new_session, "Ctrl+Shift+N", "newSessionAction"
        )
        self.edit_patient_action = self._action(
            "&Edit patient…", w.edit_patient, name="editPatientAction"
        )
        quit_action = self.quit_action = self._action(
            "&Quit", w.quit, QKeySequence.StandardKey.Quit, "quitAction"
        )
        # The menu names the document beside the aftercare sheet and progress report;
        # the tool bar keeps its short words (no width to spare at 1366 px).
        self.export_pdf_action = self._action(
            "&Export clinical record…", lambda: export_summary(w), "Ctrl+E", "exportPdfAction"
        )
        self.export_pdf_action.setIconText("Export PDF")
        self.print_action = self._action(
            "&Print clinical record…",
            lambda: print_summary(w),
            QKeySequence.StandardKey.Print,
            "printAction",
        )
        self.print_action.setIconText("Print")
        # The record without the notes the doctor kept off it, for the patient to keep.
        self.print_patient_copy_action = self._action(
            "Print clinical record (patient's cop&y)…",
            lambda: print_patient_copy(w),
            name="printPatientCopyAction",
        )
        self.export_patient_copy_action = self._action(
            "Export clinical record (patient's c&opy)…",
            lambda: export_patient_copy(w),
            name="exportPatientCopyAction",
        )
        # The patient's take-home sheet: in the File menu only (the tool bar has no
        # width to spare on the 1366 px laptop).
        self.print_aftercare_action = self._action(
            "Print aftercare s&heet…", lambda: print_aftercare(w), name="printAftercareAction"
        )
        self.export_aftercare_action = self._action(
            "Export aftercare shee&t…", lambda: export_aftercare(w), name="exportAftercareAction"
        )
        # The form explained and signed before needling, beside the aftercare sheet.
        self.print_consent_action = self._action(
            "Print &consent form…", lambda: print_consent(w), name="printConsentAction"
        )
        self.export_consent_action = self._action(
            "Export consent for&m…", lambda: export_consent(w), name="exportConsentAction"
        )
        self.export_progress_action = self._action(
            "Export progress re&port…",
            lambda: export_progress_report(w),
            name="exportProgressAction",
        )
        # The patient's record as a coded FHIR bundle for another clinic's system.
        self.export_fhir_action = self._action(
            "E&xport for another system…",
            lambda: _export_for_another_system(w),
            name="exportFhirAction",
        )
        # Taking back at the record level: archive (never erase) a patient, discard a
        # draft; each has its way back (``tpchart.ui.take_back``).
        self.archive_patient_action = self._action(
            "&Archive patient…", w.archive_patient, name="archivePatientAction"
        )
        self.archived_patients_action = self._action(
            "Archi&ved patients…", w.show_archived_patients, name="archivedPatientsAction"
        )
        self.discard_draft_action = self._action(
            "Discard &draft session…", w.discard_draft, name="discardDraftAction"
        )
        self.discarded_drafts_action = self._action(
            "Discarded dra&fts…", w.show_discarded_drafts, name="discardedDraftsAction"
        )
        self.file_menu = w.menuBar().addMenu("&File")
        self.file_menu.addActions(
            [self.new_patient_action, self.new_session_action, self.edit_patient_action]
        )
        self.file_menu.addSeparator()
        self.file_menu.addActions([self.archive_patient_action, self.archived_patients_action])
        self.file_menu.addSeparator()
        self.file_menu.addActions(
            [
                self.export_pdf_action,
                self.print_action,
                self.export_patient_copy_action,
                self.print_patient_copy_action,
                self.print_aftercare_action,
                self.export_aftercare_action,
                self.print_consent_action,
                self.export_consent_action,
                self.export_progress_action,
            ]
        )
        self.file_menu.addAction(self.export_fhir_action)
        self.file_menu.addSeparator()
        # Issue 18: the doctor stepping away hides every patient detail at once, not
        # only after the idle time. Disabled on a clinic without sign-ins (nobody could
        # unlock it).
        self.lock_action = self._action(
            "&Lock now", lambda: w.lock_screen.lock(), "Ctrl+L", "lockNowAction"
        )
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addSeparator()
        # Clinic mode (issue 21): this computer charts on the clinic's server, or back.
        self.connect_server_action = self._action(
            "Connect to clinic se&rver…", lambda: _connect_to_server(w), name="connectServerAction"
        )
        self.file_menu.addAction(self.connect_server_action)
        if w.store.file is None:
            self.local_database_action = self._action(
                "&Use this computer's database",
                w.local_database_requested.emit,
                name="localDatabaseAction",
            )
            self.file_menu.addAction(self.local_database_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(quit_action)

        # Own actions rather than createUndoAction(): notes still being typed are saved
        # first, so Undo reverts them instead of losing them.
        stack = chart.undo_stack
        self.undo_action = self._action("&Undo", w.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action("&Redo", w.redo)
        self.redo_action.setShortcuts(redo_keys())
        for action, can, text, verb in (
            (self.undo_action, stack.canUndoChanged, stack.undoTextChanged, "Undo"),
            (self.redo_action, stack.canRedoChanged, stack.redoTextChanged, "Redo"),
        ):
            action.setEnabled(False)
            action.setIconText(verb)  # the toolbar keeps a short, fixed width
            can.connect(action.setEnabled)
            text.connect(lambda t, a=action, v=verb: a.setText(f"&{v} {t}".strip()))
        edit_menu = w.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self._action("&Delete point", w.delete_point))
        edit_menu.addSeparator()
        edit_menu.addActions([self.discard_draft_action, self.discarded_drafts_action])
        edit_menu.addSeparator()
        edit_menu.addAction(
            self._action(
                "&Find patient",
                lambda: w.patients.search_box.setFocus(),
                QKeySequence.StandardKey.Find,
            )
        )

        self.view_menu = w.menuBar().addMenu("&View")
        for index, (view, label, _key) in enumerate(VIEW_TABS, start=1):
            self.view_menu.addAction(
                self._action(
                    f"{label} view", lambda _c=False, v=view: chart.show_view(v), f"Ctrl+{index}"
                )
            )
        canvas = chart.canvas
        self.view_menu.addActions(
            [
                self._action("&Fit diagram", canvas.fit, "Ctrl+0"),
                self._action("Zoom &in", lambda: canvas.zoom(1.2), QKeySequence.StandardKey.ZoomIn),
                self._action(
                    "Zoom &out", lambda: canvas.zoom(1 / 1.2), QKeySequence.StandardKey.ZoomOut
                ),
            ]
        )
        self.settings_menu = w.menuBar().addMenu("&Settings")
        # A disabled entry's tooltip says why (only an administrator may).
        self.settings_menu.setToolTipsVisible(True)
        self.clinic_profile_action = self._action(
            "&Clinic profile…",
            lambda: _edit_clinic_profile(w),
            name="clinicProfileAction",
        )
        self.settings_menu.addAction(self.clinic_profile_action)
        # An administrator manages everyone's sign-in; everyone else their own.
        self.accounts_action = self._action("&Accounts…", w.show_accounts, name="accountsAction")
        self.settings_menu.addAction(self.accounts_action)

        self.help_menu = w.menuBar().addMenu("&Help")
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts",
            self.show_shortcuts,
            QKeySequence.StandardKey.HelpContents,
            "shortcutsAction",
        )
        self.about_action = self._action("&About tpchart", self.show_about, name="aboutAction")
        self.help_menu.addActions([self.shortcuts_action, self.about_action])
        # The open Help dialogs (non-modal: a doctor may keep the shortcuts beside the chart).
        self.about_dialog: AboutDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None

        toolbar = self.toolbar = w.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.new_patient_action, self.new_session_action])
        toolbar.addSeparator()
        toolbar.addActions([self.export_pdf_action, self.print_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Charting as: "))
        # With sign-ins (issue 18) who charts is whoever signed in: a name and a menu
        # (switch, lock, my account), never a list anyone could choose from. A clinic
        # not set up yet keeps the list.
        self.practitioner_picker: PractitionerPicker | None = None
        self.charting_as: ChartingAs | None = None
        if w.store.accounts.any():
            self.charting_as = ChartingAs(w.store, w.operations)
            toolbar.addWidget(self.charting_as)
        else:
            self.practitioner_picker = PractitionerPicker(w.store, operations=w.operations)
            toolbar.addWidget(self.practitioner_picker)

    def show_about(self) -> None:
        """Help > About: version, the clinic's files, licences."""
        from tpchart.ui.about import AboutDialog

        store = self._window.store
        self.about_dialog = AboutDialog(store.file or store.location, self._window)
        self.about_dialog.open()

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts, read from the window's actions when opened."""
        from tpchart.ui.shortcuts_help import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self._window)
        self.shortcuts_dialog.show()

    def _action(self, text: str, slot: Callable, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def update(
        self, writable: bool, has_patient: bool, has_session: bool, draft: bool = False
    ) -> None:
        """Enable what makes sense for the database, patient and session on screen
        (``draft``: a session never signed, which may be discarded)."""
        self.new_patient_action.setEnabled(writable)
        self.archive_patient_action.setEnabled(writable and has_patient)
        self.archived_patients_action.setEnabled(writable)
        self.discard_draft_action.setEnabled(writable and draft)
        self.discarded_drafts_action.setEnabled(writable and has_patient)
        self.edit_patient_action.setEnabled(writable and has_patient)
        self.new_session_action.setEnabled(writable and has_patient)
        self.export_progress_action.setEnabled(has_patient)
        self.export_fhir_action.setEnabled(has_patient)
        self.export_pdf_action.setEnabled(has_session)
        self.print_action.setEnabled(has_session)
        self.print_aftercare_action.setEnabled(has_session)
        self.export_aftercare_action.setEnabled(has_session)
        self.print_consent_action.setEnabled(has_session)
        self.export_consent_action.setEnabled(has_session)
        self.print_patient_copy_action.setEnabled(has_session)
        self.export_patient_copy_action.setEnabled(has_session)

    def update_accounts(self, accounts: bool, admin: bool, backups: QAction | None) -> None:
        """Enable what the signed-in practitioner may do: Lock now needs sign-ins; the
        clinic profile and backups need an administrator once the clinic has accounts
        (the store refuses a non-administrator's profile too). A disabled entry says
        why in its tooltip and status tip."""
        self.lock_action.setEnabled(accounts)
        self.accounts_action.setEnabled(accounts)
        self.accounts_action.setStatusTip(
            "" if accounts else "The clinic has no sign-ins yet (set up at the next start)"
        )
        why = "Only an administrator can change this (Settings › Accounts lists them)"
        for action in (self.clinic_profile_action, backups):
            if action is None:
                continue
            allowed = admin or not accounts
            action.setEnabled(allowed)
            action.setToolTip("" if allowed else why)
            action.setStatusTip("" if allowed else why)


# The dialogs and exports a menu opens are imported when first opened, not at start
# (~35 ms of the cold start: the FHIR exporter, the About and clinic dialogs).
def _export_for_another_system(window: MainWindow) -> None:
    from tpchart.ui.exchange_export import export_for_another_system

    export_for_another_system(window)


def _edit_clinic_profile(window: MainWindow) -> None:
    from tpchart.ui.clinic_dialog import edit_clinic_profile

    edit_clinic_profile(window, window.store, window.operations)


def _connect_to_server(window: MainWindow) -> None:
    """The Connect to clinic server dialog; when it connects, the window hands over to
    the app, which closes this database and opens the server's records."""
    from tpchart.store.server import workstation
    from tpchart.ui.connect_server import ask_server_settings

    reason = (
        "Connect this computer to the clinic's server. The records in this computer's "
        "database stay there; File › Use this computer's database comes back to them."
        if window.store.file is not None
        else "Connect to another clinic server."
    )
    answer = ask_server_settings(window, workstation.load(), reason=reason)
    if answer is not None:
        window.connect_server_requested.emit(answer)
