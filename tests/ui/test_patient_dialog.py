"""The patient form as a doctor fills it: typed dates, duplicates, precautions, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QMenu

from tpchart.core.patient import Patient, Sex
from tpchart.core.screening import Precaution
from tpchart.ui.patient_dialog import PatientDialog
from tpchart.ui.patient_list import PatientListPanel


def open_dialog(qtbot, store, patient=None):
    dialog = PatientDialog(store, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    # Keys go to the focused field of the active window, as on a desktop.
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return dialog


def type_into(qtbot, widget, text):
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def press_enter(qtbot, widget):
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def shown_precautions(dialog):
    return {p for p, box in dialog.precaution_boxes.items() if box.isVisible()}


# -- date of birth -------------------------------------------------------------------------


def test_new_patient_starts_without_a_date_of_birth(qtbot, store):
    dialog = open_dialog(qtbot, store)
    assert dialog.date_of_birth.text() == ""
    assert dialog.date_of_birth.date() is None
    assert dialog.date_of_birth.edit.placeholderText() == "dd.mm.yyyy"
    assert dialog.sex.currentData() == Sex.UNKNOWN


def test_enter_after_the_name_asks_for_the_date_and_saves_nothing(qtbot, store):
    dialog = open_dialog(qtbot, store)
    type_into(qtbot, dialog.full_name, "Ana Lima")
    press_enter(qtbot, dialog.full_name)
    assert dialog.isVisible()
    assert dialog.error.text() == "Date of birth is required: type it as dd.mm.yyyy"
    assert store.patients.count(include_archived=True) == 0
    # The cursor waits where the date is typed.
    assert QApplication.focusWidget() is dialog.date_of_birth.edit


@pytest.mark.parametrize(
    "typed",
    ["15.03.1985", "15/03/1985", "1985-03-15", "15 Mar 1985", "15 March 1985", "15031985",
     "5.3.1985"],
)  # fmt: skip
def test_typed_forms_are_saved_as_the_date_shown(qtbot, store, typed):
    expected = date(1985, 3, 5) if typed == "5.3.1985" else date(1985, 3, 15)
    dialog = open_dialog(qtbot, store)
    type_into(qtbot, dialog.full_name, "Ana Lima")
    type_into(qtbot, dialog.date_of_birth.edit, typed)
    understood = dialog.date_of_birth.understood.text()
    assert understood.startswith(f"{expected.day} March 1985 · ")
    assert understood.endswith(" years")
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert dialog.result() == dialog.DialogCode.Accepted
    (saved,) = store.patients.find("ana")
    assert saved.date_of_birth == expected


def test_half_typed_date_is_not_called_wrong_until_the_field_is_left(qtbot, store):
    dialog = open_dialog(qtbot, store)
    type_into(qtbot, dialog.date_of_birth.edit, "15.03.19")
    assert dialog.date_of_birth.understood.text() == ""
    qtbot.keyClick(dialog.date_of_birth.edit, Qt.Key.Key_Tab)
    assert "write the year with all 4 digits" in dialog.date_of_birth.understood.text()
    assert QApplication.focusWidget() is dialog.sex  # Tab goes on to the next field


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("03/15/1985", "Date of birth: there is no month 15 in '03/15/1985'; dates are day first"),
        ("31.02.1985", "Date of birth: February 1985 has no day 31"),
        ("someday", "Date of birth: 'someday' is not a date"),
        ("01.01.1899", "Date of birth: 1 January 1899 is before 1900"),
        ((date.today() + timedelta(days=1)).strftime("%d.%m.%Y"), "is in the future"),
    ],
)
def test_wrong_dates_are_refused_in_words(qtbot, store, typed, message):
    dialog = open_dialog(qtbot, store)
    type_into(qtbot, dialog.full_name, "Ana Lima")
    type_into(qtbot, dialog.date_of_birth.edit, typed)
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert dialog.isVisible()
    assert message in dialog.error.text()
    assert dialog.date_of_birth.text() == typed  # nothing typed is lost
    assert store.patients.count(include_archived=True) == 0


def test_calendar_button_fills_the_date(qtbot, store):
    dialog = open_dialog(qtbot, store)
    entry = dialog.date_of_birth
    assert not entry.pick.focusPolicy() & Qt.FocusPolicy.TabFocus  # Tab skips it
    seen = []

    def pick_in_calendar():
        try:
            seen.append(entry.calendar.isVisible())
            entry.calendar.setSelectedDate(QDate(1979, 8, 21))
            # The calendar has the keyboard: one day back with the arrow, Enter picks.
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        finally:
            for menu in entry.findChildren(QMenu):
                menu.close()  # never leave the test waiting on an open popup

    QTimer.singleShot(50, pick_in_calendar)
    # Alt+Down in the field opens the calendar, as in Qt's own date fields.
    qtbot.keyClick(entry.edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert seen == [True]
    assert entry.text() == "20.08.1979"
    assert entry.date() == date(1979, 8, 20)
    assert entry.understood.text().startswith("20 August 1979 · ")


def test_editing_shows_the_stored_date_and_keeps_it(qtbot, store):
    patient = store.patients.add(
        Patient(record_number="E-1", full_name="Bo Chen", date_of_birth=date(1990, 12, 1))
    )
    dialog = open_dialog(qtbot, store, patient)
    assert dialog.date_of_birth.text() == "01.12.1990"
    dialog.phone.clear()
    type_into(qtbot, dialog.phone, "+65 6123 4567")
    press_enter(qtbot, dialog.phone)
    saved = store.patients.get(patient.id)
    assert saved.date_of_birth == date(1990, 12, 1) and saved.phone == "+65 6123 4567"


# -- the same person twice -----------------------------------------------------------------


@pytest.fixture
def on_file(store):
    return store.patients.add(
        Patient(record_number="P-00001", full_name="Chen Mei Ling", date_of_birth=date(1985, 3, 15))
    )


def answer_duplicate_question(qtbot, dialog, button_text, seen):
    def answer():
        question = dialog.duplicate_question
        assert question is not None and question.isVisible()
        seen.append(question.text())
        (button,) = [b for b in question.buttons() if b.text() == button_text]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)


def fill_duplicate(qtbot, dialog):
    type_into(qtbot, dialog.full_name, "chen  MEI-LING")
    type_into(qtbot, dialog.date_of_birth.edit, "15/03/1985")


def test_duplicate_can_open_the_patient_on_file(qtbot, store, on_file):
    dialog = open_dialog(qtbot, store)
    fill_duplicate(qtbot, dialog)
    seen: list[str] = []
    answer_duplicate_question(qtbot, dialog, "Open existing", seen)
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert seen == [
        "A patient with this name and date of birth already exists: Chen Mei Ling, P-00001"
    ]
    assert dialog.result() == dialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.existing is not None and dialog.existing.id == on_file.id
    assert dialog.saved is None
    assert store.patients.count(include_archived=True) == 1


def test_duplicate_can_be_added_anyway(qtbot, store, on_file):
    dialog = open_dialog(qtbot, store)
    fill_duplicate(qtbot, dialog)
    answer_duplicate_question(qtbot, dialog, "Add anyway", [])
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.existing is None and dialog.saved is not None
    assert {p.record_number for p in store.patients.find("chen mei")} == {"P-00001", "P-00002"}


def test_going_back_from_the_duplicate_question_keeps_the_form(qtbot, store, on_file):
    dialog = open_dialog(qtbot, store)
    fill_duplicate(qtbot, dialog)
    answer_duplicate_question(qtbot, dialog, "Go back", [])
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert dialog.isVisible() and dialog.existing is None and dialog.saved is None
    assert dialog.full_name.text() == "chen  MEI-LING"
    assert store.patients.count(include_archived=True) == 1
    # Another date of birth is another person: saved without a question.
    dialog.date_of_birth.setText("16.03.1985")
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert store.patients.count(include_archived=True) == 2


def test_archived_patient_counts_as_on_file(qtbot, store, on_file):
    store.patients.archive(on_file.id)
    dialog = open_dialog(qtbot, store)
    fill_duplicate(qtbot, dialog)
    seen: list[str] = []
    answer_duplicate_question(qtbot, dialog, "Open existing", seen)
    press_enter(qtbot, dialog.date_of_birth.edit)
    assert seen[0].endswith("Chen Mei Ling, P-00001 (archived)")
    assert dialog.existing.id == on_file.id and dialog.existing.archived


def test_editing_a_patient_asks_no_duplicate_question(qtbot, store, on_file):
    dialog = open_dialog(qtbot, store, on_file)
    press_enter(qtbot, dialog.full_name)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.existing is None


# -- precautions by sex --------------------------------------------------------------------


def test_pregnancy_is_not_offered_for_a_male_patient(qtbot, store):
    dialog = open_dialog(qtbot, store)
    assert Precaution.PREGNANCY in shown_precautions(dialog)
    dialog.sex.setFocus()
    while dialog.sex.currentData() != Sex.MALE:
        qtbot.keyClick(dialog.sex, Qt.Key.Key_Up)
    assert shown_precautions(dialog) == set(Precaution) - {Precaution.PREGNANCY}
    while dialog.sex.currentData() != Sex.FEMALE:
        qtbot.keyClick(dialog.sex, Qt.Key.Key_Up)
    assert shown_precautions(dialog) == set(Precaution)


def test_a_ticked_precaution_is_never_hidden(qtbot, store):
    dialog = open_dialog(qtbot, store)
    dialog.sex.setCurrentIndex(dialog.sex.findData(Sex.FEMALE))
    pregnancy = dialog.precaution_boxes[Precaution.PREGNANCY]
    # On the tick box itself (the widget is as wide as its grid column; the label is not).
    qtbot.mouseClick(pregnancy, Qt.MouseButton.LeftButton, pos=QPoint(8, pregnancy.height() // 2))
    assert pregnancy.isChecked()
    dialog.sex.setCurrentIndex(dialog.sex.findData(Sex.MALE))
    assert pregnancy.isVisible() and pregnancy.isChecked()


def test_recorded_pregnancy_of_a_male_patient_stays_visible_and_saved(qtbot, store):
    patient = store.patients.add(
        Patient(
            record_number="M-1",
            full_name="Tan Wei",
            date_of_birth=date(1970, 1, 1),
            sex=Sex.MALE,
            precautions=frozenset({Precaution.PREGNANCY, Precaution.EPILEPSY}),
        )
    )
    dialog = open_dialog(qtbot, store, patient)
    assert dialog.precaution_boxes[Precaution.PREGNANCY].isVisible()
    press_enter(qtbot, dialog.full_name)
    assert store.patients.get(patient.id).precautions == {
        Precaution.PREGNANCY,
        Precaution.EPILEPSY,
    }


def test_shorter_list_leaves_no_hole_in_the_grid(qtbot, store):
    dialog = open_dialog(qtbot, store)
    dialog.sex.setCurrentIndex(dialog.sex.findData(Sex.MALE))
    QApplication.processEvents()
    shown = [box for box in dialog.precaution_boxes.values() if box.isVisible()]
    sited = [dialog.precaution_boxes[p] for p in dialog.site_choices]
    whole = [box for box in shown if box not in sited]
    # Seven items in two columns: four rows, none empty where Pregnancy was; then the
    # three with a site, each on its own row (the site beside it).
    assert len(shown) == len(Precaution) - 1 == 10 and len(whole) == 7
    assert len({box.y() for box in whole}) == 4
    assert len({box.x() for box in whole}) == 2
    assert len({box.y() for box in shown}) == 4 + 3


# -- the patient search --------------------------------------------------------------------


def test_search_box_and_list_have_accessible_names(qtbot, store):
    panel = PatientListPanel(store)
    qtbot.addWidget(panel)
    search = panel.findChild(QLineEdit, "patientSearch")
    listing = panel.findChild(QListView, "patientList")
    assert search.accessibleName() == "Search patients"
    assert "dd.mm.yyyy" in search.accessibleDescription()
    assert listing.accessibleName() == "Patients"
    assert listing.accessibleDescription()


def test_typing_pinyin_in_the_search_box_finds_the_chinese_name(qtbot, store):
    store.patients.add(
        Patient(record_number="C-1", full_name="陈美玲", date_of_birth=date(1985, 3, 15))
    )
    store.patients.add(
        Patient(record_number="C-2", full_name="Ana Lima", date_of_birth=date(1985, 3, 16))
    )
    panel = PatientListPanel(store)
    qtbot.addWidget(panel)
    panel.show()
    model = panel.list_view.model()
    assert model.rowCount() == 2
    type_into(qtbot, panel.search_box, "chen mei")
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.index(0).data().startswith("陈美玲\nC-1")
    accessible = model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert accessible.startswith("陈美玲, record C-1, born 15 March 1985, ")
    panel.search_box.clear()
    type_into(qtbot, panel.search_box, "16 Mar 1985")
    qtbot.waitUntil(lambda: model.rowCount() == 1 and "Ana Lima" in model.index(0).data())


# -- build and sited precautions -----------------------------------------------------------


def new_patient_typed(qtbot, store):
    dialog = open_dialog(qtbot, store)
    type_into(qtbot, dialog.full_name, "Lena Site")
    type_into(qtbot, dialog.date_of_birth.edit, "02.02.1968")
    return dialog


def choose(qtbot, combo, data) -> None:
    """Pick an item with the keyboard, as a doctor tabbing through the form would."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentData() != data:
        qtbot.keyClick(combo, Qt.Key.Key_Down)


def test_build_is_asked_with_why_and_saved(qtbot, store):
    from tpchart.core.lung import Build

    dialog = new_patient_typed(qtbot, store)
    assert dialog.build.currentText() == "Not recorded"
    assert dialog.build_why.isVisible()
    assert dialog.build_why.text() == "Not recorded: taken as slim, lung warning from 2 cm deep."
    choose(qtbot, dialog.build, Build.AVERAGE)
    assert dialog.build_why.text() == "Average: a point over the lung is a warning from 3 cm deep."
    choose(qtbot, dialog.build, Build.SLIM)
    press_enter(qtbot, dialog.full_name)
    (saved,) = store.patients.find("lena")
    assert saved.build is Build.SLIM
    again = open_dialog(qtbot, store, saved)
    assert again.build.currentData() == Build.SLIM


def test_a_sited_precaution_takes_its_area_and_side(qtbot, store):
    from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide

    dialog = new_patient_typed(qtbot, store)
    site = dialog.site_choices[Precaution.LYMPHOEDEMA]
    assert not site.isVisible()  # asked only once the precaution is ticked
    assert Precaution.ANTICOAGULANTS not in dialog.site_choices  # the whole patient's
    box = dialog.precaution_boxes[Precaution.LYMPHOEDEMA]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert site.isVisible()
    choose(qtbot, site.area, BodyArea.ARM)
    press_enter(qtbot, dialog.full_name)
    # An area without its side: one plain message, nothing saved.
    assert dialog.isVisible()
    assert dialog.error.text() == (
        "Lymphoedema in the limb: choose the side of its site (or both sides)"
    )
    assert QApplication.focusWidget() is site.side
    assert store.patients.count(include_archived=True) == 0
    choose(qtbot, site.side, SiteSide.LEFT)
    press_enter(qtbot, dialog.full_name)
    (saved,) = store.patients.find("lena")
    assert saved.precautions == {Precaution.LYMPHOEDEMA}
    assert saved.precaution_sites == (
        PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT),
    )

    again = open_dialog(qtbot, store, saved)
    site = again.site_choices[Precaution.LYMPHOEDEMA]
    assert site.isVisible() and site.area.currentData() == BodyArea.ARM
    box = again.precaution_boxes[Precaution.LYMPHOEDEMA]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    press_enter(qtbot, again.full_name)  # unticked: its site goes with it
    assert store.patients.get(saved.id).precaution_sites == ()


def test_the_patient_tab_shows_build_and_sites(qtbot, store):
    from tpchart.core.lung import Build
    from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
    from tpchart.ui.patient_summary import PatientSummary

    patient = Patient(
        record_number="L-2",
        full_name="Lena Site",
        date_of_birth=date(1968, 2, 2),
        precautions=frozenset({Precaution.LYMPHOEDEMA, Precaution.ANTICOAGULANTS}),
        precaution_sites=(PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT),),
        build=Build.SLIM,
    )
    summary = PatientSummary()
    qtbot.addWidget(summary)
    summary.show_patient(patient)
    assert summary.precautions.text() == (
        "⚠ Standing precautions: Anticoagulants or bleeding disorder, "
        f"{patient.precaution_sites[0].text}"
    )
    assert "left arm" in summary.precautions.text()
    assert "Build: slim (lung warning from 2 cm deep)." in summary.details.text()
    summary.show_patient(replace(patient, build=None))
    assert "Build: not recorded (taken as slim" in summary.details.text()
