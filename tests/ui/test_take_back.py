"""Taking back a record from the window (issue 14, finding 8): discard a draft and bring
it back, archive a patient and bring them back, the reminder of unsigned sessions when
quitting. Each box is answered with a real click or key press on its buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tpchart.core.patient import Patient
from tpchart.core.regions import Side, View
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store.file import check_database
from tpchart.ui import take_back
from tpchart.ui.operations import Operations, What
from tpchart.ui.take_back import (
    ArchivedPatientsDialog,
    DiscardedDraftsDialog,
    archive_patient,
    confirm_quit,
    discard_draft,
)

STARTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
REAL_ASK = take_back.ask  # read at import, before any fixture replaces it


class Answers:
    """Stands in for ``take_back.ask``: shows each box, records what it says and
    answers it as the doctor would, by clicking the button named, or by a key."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.planned: list[str] = []
        self.boxes: list[dict] = []

    def __call__(self, box: QMessageBox):
        default = box.defaultButton()
        self.boxes.append(
            {
                "title": box.windowTitle(),
                "text": box.text(),
                "details": box.informativeText(),
                "buttons": [b.text() for b in box.buttons()],
                "default": default.text() if default is not None else None,
            }
        )
        assert self.planned, f"an unexpected box: {box.text()}"
        answer = self.planned.pop(0)
        box.show()
        self.qtbot.waitExposed(box)
        if answer in ("Return", "Escape"):
            self.qtbot.keyClick(box, getattr(Qt.Key, f"Key_{answer}"))
        else:
            (button,) = [b for b in box.buttons() if b.text().replace("&", "") == answer]
            self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        clicked = box.clickedButton()
        box.close()
        box.deleteLater()
        return clicked


@pytest.fixture
def answers(monkeypatch, qtbot):
    fake = Answers(qtbot)
    monkeypatch.setattr(take_back, "ask", fake)
    yield fake
    assert fake.planned == [], "a box that was expected never came"


@pytest.fixture
def operations(store):
    return Operations(store)


def add_patient(store, name="Ana Chart", record="A-1", born=date(1985, 3, 15)) -> Patient:
    return store.patients.add(Patient(record_number=record, full_name=name, date_of_birth=born))


def start(store, patient, started=STARTED, complaint="Neck pain") -> Session:
    return store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=started,
            chief_complaint=complaint,
        )
    )


def add_points(store, session, count) -> list[TriggerPoint]:
    return [
        store.points.add(
            TriggerPoint(
                session_id=session.id,
                number=n,
                view=View.BACK,
                region_id="back.neck.posterior.right",
                side=Side.RIGHT,
                x=260.0 + n,
                y=160.0,
                muscle="Upper trapezius",
            )
        )
        for n in range(1, count + 1)
    ]


def sign(store, session) -> Session:
    ready = store.sessions.update(
        Session(**{**vars(store.sessions.get(session.id)), "screening_done": True})
    )
    return store.sessions.sign(ready.id)


def assert_sound(store):
    report = check_database(store.path)
    assert report.ok, report.lines()


# -- discarding a draft -------------------------------------------------------------
def test_discard_asks_naming_date_patient_and_points_then_discards(
    store, operations, answers, qtbot
):
    patient = add_patient(store)
    session = start(store, patient)
    add_points(store, session, 3)
    answers.planned = ["Discard draft"]

    with qtbot.waitSignal(operations.records_changed) as changed:
        assert discard_draft(None, operations, session, patient) is True

    (box,) = answers.boxes
    assert box["text"] == "Discard the draft session of 2 Nov 2026 for Ana Chart?"
    assert box["details"] == (
        "Its 3 points go with it. You can bring it back from Edit › Discarded drafts."
    )
    assert box["default"] == "Cancel"
    assert changed.args[0].what is What.SESSIONS
    assert changed.args[0].record.session.id == session.id
    assert store.sessions.for_patient(patient.id) == []
    assert store.points.for_session(session.id) == []
    assert store.audit_trail("sessions", session.id)[-1].action == "delete"
    (listed,) = store.sessions.discarded(patient.id)
    assert listed.point_count == 3


@pytest.mark.parametrize("answer", ["Cancel", "Return", "Escape"])
def test_discard_not_confirmed_writes_nothing(store, operations, answers, answer):
    patient = add_patient(store)
    session = start(store, patient)
    add_points(store, session, 1)
    written = len(store.audit_trail())
    answers.planned = [answer]  # Enter by habit chooses the default: Cancel

    assert discard_draft(None, operations, session, patient) is False

    assert answers.boxes[0]["details"].startswith("Its 1 point goes with it.")
    assert len(store.audit_trail()) == written
    assert store.sessions.get(session.id) == session


def test_a_signed_session_is_not_offered_for_discard(store, operations, answers):
    patient = add_patient(store)
    signed = sign(store, start(store, patient))
    written = len(store.audit_trail())
    answers.planned = ["OK"]

    assert discard_draft(None, operations, signed, patient) is False

    (box,) = answers.boxes  # the reason, and no question first
    assert "only a draft that was never signed can be discarded" in box["text"]
    assert len(store.audit_trail()) == written
    assert store.sessions.get(signed.id).status is SessionStatus.SIGNED


# -- the discarded drafts and the way back ------------------------------------------
def test_discarded_drafts_lists_them_and_restore_brings_one_back_as_it_was(
    store, operations, qtbot
):
    patient = add_patient(store)
    session = start(store, patient, complaint="Neck pain after a fall")
    points = add_points(store, session, 2)
    other = start(store, patient, STARTED + timedelta(days=3), complaint="Low back pain")
    store.sessions.discard_draft(session.id)
    store.sessions.discard_draft(other.id)

    dialog = DiscardedDraftsDialog(None, operations, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    rows = [
        [dialog.list.topLevelItem(r).text(c) for c in range(5)]
        for r in range(dialog.list.topLevelItemCount())
    ]
    assert [(r[1], r[2], r[4]) for r in rows] == [
        ("Low back pain", "0", "Dr Test"),  # the newest discard first
        ("Neck pain after a fall", "2", "Dr Test"),
    ]
    # Choose the older one with a click on its row, then Restore.
    second = dialog.list.topLevelItem(1)
    qtbot.mouseClick(
        dialog.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=dialog.list.visualItemRect(second).center(),
    )
    assert dialog.chosen().session.id == session.id
    with qtbot.waitSignal(operations.records_changed) as changed:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    assert changed.args[0].what is What.SESSIONS and changed.args[0].record == session
    assert dialog.result() == DiscardedDraftsDialog.DialogCode.Accepted
    assert dialog.restored == session
    assert store.sessions.get(session.id) == session
    assert store.points.for_session(session.id) == points
    last = store.audit_trail("sessions", session.id)[-1]
    assert last.action == "insert" and last.after["chief_complaint"] == "Neck pain after a fall"
    assert [d.session.id for d in store.sessions.discarded(patient.id)] == [other.id]
    assert_sound(store)


def test_no_discarded_drafts_says_so_and_offers_no_restore(store, operations, qtbot):
    patient = add_patient(store)
    dialog = DiscardedDraftsDialog(None, operations, patient)
    qtbot.addWidget(dialog)
    assert dialog.intro.text() == "No discarded draft sessions for Ana Chart."
    assert not dialog.restore_button.isEnabled()


def test_restoring_one_already_brought_back_is_refused_in_plain_words(
    store, operations, answers, qtbot
):
    patient = add_patient(store)
    session = start(store, patient)
    discarded = store.sessions.discard_draft(session.id)
    dialog = DiscardedDraftsDialog(None, operations, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    store.sessions.restore_discarded(discarded.discard_id)  # meanwhile, another way
    written = len(store.audit_trail())
    answers.planned = ["OK"]

    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    assert "already brought back on" in answers.boxes[0]["text"]
    assert len(store.audit_trail()) == written
    assert dialog.list.topLevelItemCount() == 0 and dialog.isVisible()
    assert len(store.sessions.for_patient(patient.id)) == 1


def test_discard_then_restore_through_the_window_keeps_the_file_sound(
    store, operations, answers, qtbot
):
    patient = add_patient(store)
    session = start(store, patient)
    add_points(store, session, 2)
    answers.planned = ["Discard draft"]
    assert discard_draft(None, operations, session, patient)
    assert_sound(store)

    dialog = DiscardedDraftsDialog(None, operations, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    assert [p.number for p in store.points.for_session(session.id)] == [1, 2]
    assert_sound(store)


# -- archiving a patient -------------------------------------------------------------
def test_archive_asks_then_hides_the_patient_and_audits_it(store, operations, answers, qtbot):
    patient = add_patient(store, "Made By Mistake", "M-1")
    start(store, patient)
    answers.planned = ["Archive"]

    with qtbot.waitSignal(operations.records_changed) as changed:
        assert archive_patient(None, operations, patient) is True

    (box,) = answers.boxes
    assert box["text"] == "Archive Made By Mistake (record M-1)?"
    assert "hidden from the list and search; nothing is erased" in box["details"]
    assert "File › Archived patients brings them back" in box["details"]
    assert "1 of their sessions is not signed" in box["details"]
    assert box["default"] == "Cancel"
    assert changed.args[0].what is What.PATIENT and changed.args[0].record.archived
    assert store.patients.get(patient.id).archived
    assert store.patients.find("Mistake") == []
    entry = store.audit_trail("patients", patient.id)[-1]
    assert entry.action == "update" and entry.after["archived"] == 1
    assert store.sessions.unsigned() == []


def test_archive_cancelled_writes_nothing(store, operations, answers):
    patient = add_patient(store)
    written = len(store.audit_trail())
    answers.planned = ["Return"]
    assert archive_patient(None, operations, patient) is False
    assert len(store.audit_trail()) == written
    assert not store.patients.get(patient.id).archived


def test_archived_patients_lists_them_and_restore_brings_one_back(store, operations, qtbot):
    add_patient(store, "Still Here", "S-1")
    gone = add_patient(store, "Made By Mistake", "M-1", date(1990, 7, 4))
    store.patients.archive(gone.id)

    dialog = ArchivedPatientsDialog(None, operations)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    assert dialog.list.topLevelItemCount() == 1
    row = dialog.list.topLevelItem(0)
    assert [row.text(c) for c in range(3)] == ["Made By Mistake", "M-1", "4 July 1990"]
    with qtbot.waitSignal(operations.records_changed) as changed:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    assert changed.args[0].what is What.PATIENT and not changed.args[0].record.archived
    assert dialog.restored.id == gone.id
    assert [p.id for p in store.patients.find("Mistake")] == [gone.id]
    assert store.audit_trail("patients", gone.id)[-1].after["archived"] == 0
    assert_sound(store)


def test_no_archived_patient_says_so(store, operations, qtbot):
    add_patient(store)
    dialog = ArchivedPatientsDialog(None, operations)
    qtbot.addWidget(dialog)
    assert dialog.intro.text() == "No patient is archived."
    assert not dialog.restore_button.isEnabled()


# -- quitting -----------------------------------------------------------------------
def test_nothing_unsigned_quits_without_asking(store, answers):
    patient = add_patient(store)
    sign(store, start(store, patient))
    assert confirm_quit(None, store) is True
    assert answers.boxes == []


def test_quit_names_the_unsigned_sessions_and_goes_back_by_default(store, answers):
    today = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    ana = add_patient(store, "Ana Chart", "A-1")
    bo = add_patient(store, "Bo Li", "B-1")
    start(store, ana, today)
    amended = sign(store, start(store, bo, today + timedelta(minutes=1)))
    store.sessions.amend(amended.id, "Wrong side")
    hidden = add_patient(store, "Archived One", "Z-1")
    start(store, hidden, today)
    store.patients.archive(hidden.id)
    answers.planned = ["Return", "Quit anyway"]

    assert confirm_quit(None, store) is False  # Enter by habit: Go back
    assert confirm_quit(None, store) is True

    local = today.astimezone()
    day = f"{local.day} {local:%b}"
    box = answers.boxes[0]
    assert box["text"] == (
        f"2 sessions are not signed: Ana Chart, {day}; Bo Li, {day} (being amended)."
    )
    assert sorted(box["buttons"]) == ["Go back", "Quit anyway"] and box["default"] == "Go back"


def test_quit_reminder_counts_what_it_does_not_name(store, answers):
    patient = add_patient(store)
    for day in range(8):
        start(store, patient, STARTED + timedelta(days=day))
    answers.planned = ["Go back"]
    assert confirm_quit(None, store) is False
    assert answers.boxes[0]["text"].startswith("8 sessions are not signed: Ana Chart, 2 Nov")
    assert answers.boxes[0]["text"].endswith("; and 2 more.")


def test_the_real_box_is_answered_by_a_click_without_hanging(store, qtbot, monkeypatch):
    monkeypatch.setattr(take_back, "ask", REAL_ASK)  # not the conftest's stand-in
    start(store, add_patient(store))

    def click_go_back():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        (button,) = [b for b in box.buttons() if b.text() == "Go back"]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(100, click_go_back)
    assert confirm_quit(None, store) is False
