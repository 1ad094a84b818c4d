"""Taking back a record: discarding a draft session, archiving a patient created by
mistake, and the way back from each; the reminder of unsigned sessions when quitting.

Nothing here erases: a discarded draft stays in the audit trail and comes back from
Edit › Discarded drafts (`DiscardedDraftsDialog`); an archived patient is only
hidden and comes back from File › Archived patients (`ArchivedPatientsDialog`).
Every change is asked first and goes through `Operations` (one transaction, audited).

For the window:

- ``discard_draft(parent, operations, session, patient) -> bool``: asks, then
  discards (``What.SESSIONS`` with the ``DiscardedDraft``); True when discarded.
- ``DiscardedDraftsDialog(parent, operations, patient).exec()``: the patient's
  discarded drafts with Restore; ``.restored`` is the Session brought back
  (``What.SESSIONS`` with that Session), or None.
- ``archive_patient(parent, operations, patient) -> bool``: asks, then archives
  (``What.PATIENT`` with the Patient, ``archived`` True); True when archived.
- ``ArchivedPatientsDialog(parent, operations).exec()``: archived patients with
  Restore (``What.PATIENT`` with the Patient, ``archived`` False); ``.restored``.
- ``confirm_quit(parent, store) -> bool``: True when quitting may go on.

Every message box is shown through ``ask``, which tests replace to answer it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.dates import spell_date
from tpchart.core.discarded import DiscardedDraft
from tpchart.core.errors import NotFoundError
from tpchart.core.patient import Patient
from tpchart.core.session import Session, SessionStatus
from tpchart.store import Store
from tpchart.ui.operations import Operations, Report

DASH = "–"
# How many unsigned sessions the quit reminder names; the rest are counted.
NAMED_AT_QUIT = 6


def ask(box: QMessageBox) -> QAbstractButton | None:
    """Show ``box`` until the doctor answers; the button clicked (None when the box
    was closed another way). Tests replace this function to answer with a click."""
    box.exec()
    return box.clickedButton()


def _box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, details: str = ""
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("takeBackBox")
    box.setTextFormat(Qt.TextFormat.PlainText)  # names are shown as typed, never as markup
    if details:
        box.setInformativeText(details)
    return box


def _confirm(parent: QWidget | None, title: str, text: str, details: str, verb: str) -> bool:
    """Ask before a change: ``verb`` does it; Cancel (the default, and Escape) does not."""
    box = _box(parent, QMessageBox.Icon.Question, title, text, details)
    yes = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(no)  # an Enter pressed by habit changes nothing
    box.setEscapeButton(no)
    return ask(box) is yes


def _reporter(parent: QWidget | None, title: str) -> Report:
    """A ``Report`` that shows a refusal's plain-words message in a box over ``parent``."""

    def report(message: str) -> None:
        box = _box(parent, QMessageBox.Icon.Warning, title, message)
        box.addButton(QMessageBox.StandardButton.Ok)
        ask(box)

    return report


def _day(moment: datetime, with_year: bool = True) -> str:
    """A local date as "12 Nov 2026" (or "12 Nov" within this year, when asked)."""
    local = moment.astimezone()
    if not with_year and local.year == datetime.now().astimezone().year:
        return f"{local:%d %b}".lstrip("0")
    return f"{local:%d %b %Y}".lstrip("0")


def _when(moment: datetime) -> str:
    return f"{_day(moment)} {moment.astimezone():%H:%M}"


def _points(count: int) -> str:
    return f"{count} point{'' if count == 1 else 's'}"


# -- discarding a draft -------------------------------------------------------------
def discard_draft(
    parent: QWidget | None, operations: Operations, session: Session, patient: Patient
) -> bool:
    """Ask, then discard the draft ``session`` of ``patient`` with its points; True when
    it was discarded. A session that was ever signed is kept (amend it instead)."""
    title = "Discard draft session"
    if session.id is None:
        return False
    if session.status is not SessionStatus.DRAFT or session.version > 1:
        _reporter(parent, title)(
            "This session was signed, so it is kept: only a draft that was never signed "
            "can be discarded. Amend it with a reason instead."
        )
        return False
    count = len(operations.store.points.for_session(session.id))
    goes = "It has no points." if count == 0 else (
        f"Its {_points(count)} {'goes' if count == 1 else 'go'} with it."
    )  # fmt: skip
    if not _confirm(
        parent,
        title,
        f"Discard the draft session of {_day(session.started_at)} for {patient.full_name}?",
        f"{goes} You can bring it back from Edit › Discarded drafts.",
        "Discard draft",
    ):
        return False
    return operations.discard_draft(session.id, _reporter(parent, title)) is not None


class _WayBack(QDialog):
    """A list of records taken back (one row each) with the way back, Restore, and
    Close. ``restored`` is what Restore brought back; the dialog closes then."""

    def __init__(
        self,
        parent: QWidget | None,
        operations: Operations,
        name: str,
        columns: tuple[str, ...],
        stretch: int,
        tip: str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Dialog")
        self._operations = operations
        self.restored: object = None
        self.intro = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.intro.setObjectName(f"{name}Intro")
        self.list = QTreeWidget()
        self.list.setObjectName(f"{name}List")
        self.list.setHeaderLabels(list(columns))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(False)
        for column in range(len(columns)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item, _column: self.restore())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setObjectName(f"{name}Restore")
        self.restore_button.setToolTip(tip)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.restore)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.list, stretch=1)
        layout.addWidget(self.buttons)

    def reload(self) -> None:
        """Read the records again from the store and list them."""
        raise NotImplementedError

    def _bring_back(self, row: int) -> object | None:
        """Restore the record of ``row`` through the operations; None when refused."""
        raise NotImplementedError

    def _show(self, rows: list[list[str]], some: str, none: str) -> None:
        self.list.clear()
        for texts in rows:
            self.list.addTopLevelItem(QTreeWidgetItem(texts))
        self.intro.setText(some if rows else none)
        self.list.setVisible(bool(rows))
        if rows:
            self.list.setCurrentIndex(self.list.model().index(0, 0))
        self._update_buttons()

    def _row(self) -> int | None:
        index = self.list.currentIndex()
        return index.row() if index.isValid() else None

    @Slot()
    def restore(self) -> None:
        """Bring the chosen record back; the dialog closes when it worked, and shows
        what the file holds now when it was refused."""
        row = self._row()
        if row is None:
            return
        restored = self._bring_back(row)
        if restored is None:
            self.reload()  # e.g. brought back meanwhile in another way
            return
        self.restored = restored
        self.accept()

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self._row() is not None)


class DiscardedDraftsDialog(_WayBack):
    """The patient's discarded draft sessions (date, complaint, points, discarded
    when and by whom), newest discard first, each with the way back: Restore."""

    COLUMNS = ("Session", "Complaint", "Points", "Discarded", "By")

    def __init__(self, parent: QWidget | None, operations: Operations, patient: Patient) -> None:
        super().__init__(
            parent, operations, "discardedDrafts", self.COLUMNS, 1,
            "Bring the chosen draft back, with its points",
        )  # fmt: skip
        self.setWindowTitle(f"Discarded drafts – {patient.full_name}")
        self.list.setAccessibleName("Discarded draft sessions")
        self._patient = patient
        self.restored: Session | None = None
        self.drafts: list[DiscardedDraft] = []
        self.resize(620, 320)
        self.reload()

    def reload(self) -> None:
        """Read the patient's discarded drafts again and list them."""
        store = self._operations.store
        assert self._patient.id is not None
        self.drafts = store.sessions.discarded(self._patient.id)
        names = _practitioner_names(store)
        name = self._patient.full_name
        self._show(
            [
                [
                    _when(draft.session.started_at),
                    " ".join(draft.session.chief_complaint.split()) or DASH,
                    str(draft.point_count),
                    _when(draft.discarded_at),
                    names(draft.discarded_by),
                ]
                for draft in self.drafts
            ],
            f"Draft sessions of {name} that were discarded. Restore brings the chosen one "
            "back as it was, with its points.",
            f"No discarded draft sessions for {name}.",
        )
        for row, draft in enumerate(self.drafts):
            item = self.list.topLevelItem(row)
            assert item is not None
            item.setToolTip(1, draft.session.chief_complaint)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def chosen(self) -> DiscardedDraft | None:
        """The discarded draft selected in the list."""
        row = self._row()
        return None if row is None else self.drafts[row]

    def _bring_back(self, row: int) -> Session | None:
        return self._operations.restore_discarded(
            self.drafts[row].discard_id, _reporter(self, "Restore discarded draft")
        )


# -- archiving a patient --------------------------------------------------------------
def archive_patient(parent: QWidget | None, operations: Operations, patient: Patient) -> bool:
    """Ask, then archive ``patient`` (hidden from the list and search, nothing erased);
    True when archived."""
    if patient.id is None:
        return False
    title = "Archive patient"
    unsigned = [s for s in operations.store.sessions.unsigned() if s.patient_id == patient.id]
    details = (
        "They are hidden from the list and search; nothing is erased. "
        "File › Archived patients brings them back."
    )
    if unsigned:
        count = len(unsigned)
        details += (
            f"\n\n{count} of their sessions {'is' if count == 1 else 'are'} not signed: "
            f"{'it stays' if count == 1 else 'they stay'} as "
            f"{'it is' if count == 1 else 'they are'}, and the reminder when quitting "
            "no longer names them."
        )
    if not _confirm(
        parent,
        title,
        f"Archive {patient.full_name} (record {patient.record_number})?",
        details,
        "Archive",
    ):
        return False
    return operations.archive_patient(patient.id, _reporter(parent, title)) is not None


def bring_back_patient(
    parent: QWidget | None, operations: Operations, patient: Patient
) -> Patient | None:
    """Ask, then bring an archived ``patient`` back into the list and search (the one
    on file that a new patient's details matched); the patient, or None if not."""
    title = "Archived patient"
    if patient.id is None or not _confirm(
        parent,
        title,
        f"{patient.full_name} (record {patient.record_number}) is archived.",
        "Bring them back into the list and search? Nothing of their record has changed.",
        "Bring back",
    ):
        return None
    return operations.unarchive_patient(patient.id, _reporter(parent, title))


class ArchivedPatientsDialog(_WayBack):
    """Archived patients (name, record number, date of birth) with the way back:
    Restore puts the chosen one back in the list and search."""

    COLUMNS = ("Name", "Record number", "Date of birth")

    def __init__(self, parent: QWidget | None, operations: Operations) -> None:
        super().__init__(
            parent, operations, "archivedPatients", self.COLUMNS, 0,
            "Put the chosen patient back in the list and search",
        )  # fmt: skip
        self.setWindowTitle("Archived patients")
        self.list.setAccessibleName("Archived patients")
        self.restored: Patient | None = None
        self.patients: list[Patient] = []
        self.resize(560, 320)
        self.reload()

    def reload(self) -> None:
        """Read the archived patients again and list them."""
        self.patients = self._operations.store.patients.archived()
        self._show(
            [[p.full_name, p.record_number, spell_date(p.date_of_birth)] for p in self.patients],
            "Patients hidden from the list and search. Nothing of theirs was erased: "
            "Restore puts the chosen one back.",
            "No patient is archived.",
        )

    def chosen(self) -> Patient | None:
        """The archived patient selected in the list."""
        row = self._row()
        return None if row is None else self.patients[row]

    def _bring_back(self, row: int) -> Patient | None:
        patient_id = self.patients[row].id
        assert patient_id is not None  # read from the store
        return self._operations.unarchive_patient(patient_id, _reporter(self, "Restore patient"))


# -- quitting -------------------------------------------------------------------------
def confirm_quit(parent: QWidget | None, store: Store) -> bool:
    """True when quitting may go on: at once when every session is signed, otherwise
    after the doctor, shown which sessions are not signed, chooses "Quit anyway"."""
    unsigned = store.sessions.unsigned()
    if not unsigned:
        return True
    named = []
    for session in unsigned[:NAMED_AT_QUIT]:
        try:
            name = store.patients.get(session.patient_id).full_name
        except NotFoundError:
            name = DASH
        amending = " (being amended)" if session.status is SessionStatus.AMENDING else ""
        named.append(f"{name}, {_day(session.started_at, with_year=False)}{amending}")
    if len(unsigned) > NAMED_AT_QUIT:
        named.append(f"and {len(unsigned) - NAMED_AT_QUIT} more")
    count = len(unsigned)
    box = _box(
        parent,
        QMessageBox.Icon.Warning,
        "Sessions not signed",
        f"{count} session{' is' if count == 1 else 's are'} not signed: {'; '.join(named)}.",
        "Nothing is lost if you quit: unsigned sessions are kept as they are and can be "
        "signed next time.",
    )
    quit_anyway = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    go_back = box.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(go_back)
    box.setEscapeButton(go_back)
    return ask(box) is quit_anyway


# -- shared ---------------------------------------------------------------------------
def _practitioner_names(store: Store) -> Callable[[int | None], str]:
    """A lookup of practitioner names by id, each read once."""
    known: dict[int, str] = {}

    def name(practitioner_id: int | None) -> str:
        if practitioner_id is None:
            return DASH
        if practitioner_id not in known:
            try:
                known[practitioner_id] = store.practitioners.get(practitioner_id).name
            except NotFoundError:
                known[practitioner_id] = DASH
        return known[practitioner_id]

    return name
