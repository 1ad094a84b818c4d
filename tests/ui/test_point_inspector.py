"""The point inspector on its own: typed values, messages that move nothing, labels, width.

The window's chart turns ``point_edited`` into an undoable store write; here a small
stand-in writes the edit to the store and shows the stored point again, as the window
does, so every assertion is about what the store holds and what the doctor sees.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible, QColor, QPalette
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QScrollArea, QWidget

from tpchart.bodymap import load_body_map
from tpchart.core.errors import ValidationError
from tpchart.core.muscles import MUSCLES
from tpchart.core.patient import Patient
from tpchart.core.regions import REGIONS
from tpchart.core.session import Session
from tpchart.core.trigger_point import Technique, TriggerPoint, TwitchStrength
from tpchart.store import Store
from tpchart.ui.point_inspector import PointInspector

from .readability import contrast

TEMPLE = "head.temporal.right"


@pytest.fixture
def point(store):
    patient = store.patients.add(
        Patient(record_number="I-1", full_name="Ines Point", date_of_birth=date(1979, 9, 9))
    )
    session = store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=datetime.now(UTC), chief_complaint="Temporal headache")
    )  # fmt: skip
    region = REGIONS[TEMPLE]
    x, y = load_body_map(region.view).interior_point(TEMPLE)
    return store.points.add(
        TriggerPoint(session_id=session.id, number=3, view=region.view, region_id=TEMPLE,
                     side=region.side, x=x, y=y, muscle="temporalis", pain=6,
                     twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=2,
                     needle_length_mm=30.0, technique=Technique.PISTONING, passes=8)
    )  # fmt: skip


@pytest.fixture
def edits():
    return []


@pytest.fixture
def inspector(qtbot, store, point, edits):
    inspector = PointInspector()
    qtbot.addWidget(inspector)

    def save(new: TriggerPoint, field: str) -> None:
        edits.append(field)
        inspector.set_point(store.points.update(new), editable=True)

    inspector.point_edited.connect(save)
    inspector.set_point(point, editable=True)
    inspector.resize(300, 700)
    inspector.show()
    inspector.activateWindow()
    qtbot.waitExposed(inspector)
    return inspector


def stored(store, point_id: int) -> TriggerPoint:
    with Store.open(store.path, read_only=True) as reopened:
        return reopened.points.get(point_id)


def type_into(qtbot, box: QAbstractSpinBox, text: str) -> None:
    """Click into the box, select what is there, type, press Enter: a doctor's keys."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def records_message(point: TriggerPoint, **change) -> str:
    """What the record itself says about this change."""
    with pytest.raises(ValidationError) as refused:
        replace(point, **change)
    return str(refused.value)


# (widget, what is typed, the change the record sees)
OUT_OF_RANGE = [
    ("pain", "12", {"pain": 12}),
    ("passes", "250", {"passes": 250}),
    ("twitch_count", "150", {"twitch_count": 150}),
    ("depth", "200", {"depth_mm": 200.0}),
    ("pressure", "25", {"pressure_threshold": 25.0}),
    ("needles", "60", {"needles": 60}),
    ("needles", "0", {"needles": 0}),
]


@pytest.mark.parametrize(("name", "typed", "change"), OUT_OF_RANGE)
def test_a_typed_value_out_of_range_gets_the_records_message(
    qtbot, store, point, inspector, edits, name, typed, change
):
    box = getattr(inspector, name)
    shown = box.text()
    type_into(qtbot, box, typed)

    assert inspector.error.text() == records_message(point, **change)
    assert box.text() == shown  # back to the stored value, not cut to the limit
    assert edits == [] and stored(store, point.id) == point  # nothing written


def test_minutes_out_of_range_for_a_static_needle(qtbot, store, point, inspector):
    static = store.points.update(replace(point, technique=Technique.STATIC, passes=None))
    inspector.set_point(static, editable=True)
    type_into(qtbot, inspector.minutes, "150")
    assert inspector.error.text() == "Minutes must be 0-120, got 150"
    assert stored(store, point.id).minutes is None


def test_a_good_value_is_saved_and_clears_the_message(qtbot, store, point, inspector, edits):
    type_into(qtbot, inspector.pain, "12")
    assert inspector.error.text() == "Pain at point must be 0-10, got 12"
    type_into(qtbot, inspector.pain, "8")
    assert stored(store, point.id).pain == 8
    assert inspector.error.text() == "" and edits == ["pain"]
    type_into(qtbot, inspector.depth, "25")
    assert stored(store, point.id).depth_mm == 25.0


def test_arrows_stop_at_the_records_limits(qtbot, store, point, inspector):
    inspector.pain.setFocus()
    for _ in range(6):
        qtbot.keyClick(inspector.pain, Qt.Key.Key_Up)
    assert inspector.pain.value() == 10
    qtbot.keyClick(inspector.pain, Qt.Key.Key_Return)
    assert stored(store, point.id).pain == 10 and inspector.error.text() == ""
    inspector.needles.setFocus()
    qtbot.keyClick(inspector.needles, Qt.Key.Key_Down)
    assert inspector.needles.value() == 1  # never 0, which the record refuses


def test_each_point_shown_gets_its_own_numbers(qtbot, store, point, inspector):
    """A number box is only set when its value changes (Qt repaints it at every set):
    each point shown still shows its own numbers, "–" for those not recorded, and a
    number typed and not yet saved never stays beside another point."""
    boxes = {"pain": inspector.pain, "twitch_count": inspector.twitch_count,
             "depth_mm": inspector.depth, "passes": inspector.passes,
             "needles": inspector.needles}  # fmt: skip
    blank = replace(point, number=4, pain=None, twitch_elicited=False, twitch_strength=None,
                    twitch_count=None, passes=None)  # fmt: skip
    again = replace(blank, number=5, needles=2)
    scored = replace(point, number=6, pain=3, depth_mm=12.0)
    shown = {
        "pain": ["6 / 10", "–", "–", "3 / 10"],
        "twitch_count": ["2 ×", "–", "–", "2 ×"],
        "depth_mm": ["–", "–", "–", "12.0 mm"],
        "passes": ["8 passes", "–", "–", "8 passes"],
        "needles": ["1", "1", "2", "1"],
    }
    for step, p in enumerate([point, blank, again, scored]):
        inspector.set_point(p, editable=True)
        assert {name: box.text() for name, box in boxes.items()} == {
            name: texts[step] for name, texts in shown.items()
        }
    # Typed, not saved (no Enter, the box keeps the focus): the text is cleared, the
    # box's value still 3. Then another point of pain 3 is shown.
    inspector.pain.setFocus()
    qtbot.keyClick(inspector.pain, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(inspector.pain, Qt.Key.Key_Delete)
    assert inspector.pain.cleanText() == "" and inspector.pain.value() == 3
    inspector.set_point(replace(scored, number=7), editable=True)
    assert inspector.pain.text() == "3 / 10"


def test_a_point_shown_after_none_is_laid_out_at_once(qtbot, point, inspector):
    """The needling dose's rows follow the technique. Changed while no point was shown
    (the form hidden: an undo, a deselection), they did not reach the layout around the
    form when it was shown again: the first frame painted kept the form's old height
    (a gap under the needling box, or a shorter notes box) until one more round of
    layout put it right."""
    inspector.resize(300, 1000)  # room to spare under the form, as at 1920 x 1050
    other = replace(point, technique=None, passes=None)

    def layout(rounds: int = 5) -> tuple:
        # A layout request can post the next one up; one round is the first frame.
        for _ in range(rounds):
            QApplication.processEvents()
        return inspector.form.height(), inspector.notes.geometry(), inspector.passes.isVisible()

    first = layout()
    assert first[2]  # a pistoning point: its passes row shows
    for shown in (other, None):
        inspector.set_point(shown, editable=True)
        layout()
    inspector.set_point(point, editable=True)
    assert layout(rounds=1) == first


def field_tops(inspector: PointInspector) -> list[QPoint]:
    widgets = [inspector.muscle, inspector.pain, inspector.depth, inspector.passes]
    return [w.mapTo(inspector, QPoint(0, 0)) for w in widgets]


def test_a_message_moves_no_field(qtbot, store, point, inspector):
    before = field_tops(inspector)
    height = inspector.error.height()
    type_into(qtbot, inspector.pain, "12")
    assert inspector.error.text()
    assert field_tops(inspector) == before and inspector.error.height() == height
    type_into(qtbot, inspector.pain, "7")
    assert inspector.error.text() == ""
    assert field_tops(inspector) == before


def test_title_reads_point_region_and_view(inspector):
    assert inspector.title.text() == "Point 3 · Right temple (temporalis) · head view"


def test_the_dose_has_a_labelled_row_per_technique(qtbot, store, point, inspector):
    form = inspector._needling_form
    assert form.labelForField(inspector.passes).text() == "Passes"
    assert inspector.passes.isVisible() and not inspector.minutes.isVisible()
    assert form.labelForField(inspector.passes).isVisible()

    static = store.points.update(replace(point, technique=Technique.STATIC, passes=None))
    inspector.set_point(static, editable=True)
    assert form.labelForField(inspector.minutes).text() == "Minutes"
    assert inspector.minutes.isVisible() and not inspector.passes.isVisible()
    assert inspector.minutes.text() == "–"  # not recorded, and the row says what


def test_no_twitch_count_without_a_twitch(qtbot, store, point, inspector):
    assert inspector.twitch_count.isEnabled()
    none = store.points.update(
        replace(point, twitch_elicited=False, twitch_strength=None, twitch_count=None)
    )
    inspector.set_point(none, editable=True)
    assert not inspector.twitch_count.isEnabled()


def test_editors_follow_whether_the_point_shown_may_change(qtbot, store, point, inspector):
    """The editors are switched on or off only when that changes, and left alone while
    no point is shown (the form is hidden then): each point shown must still get
    editors that match it, whatever came before."""
    editors = [e for e in inspector._editors() if e is not inspector.twitch_count]

    def shows(editable: bool) -> None:
        assert inspector.form.isVisible()
        assert all(e.isEnabled() is editable for e in editors)
        assert inspector.twitch_count.isEnabled() is editable  # the point has a twitch

    shows(True)
    for editable in (False, False, True, True, False):  # a signed session's point, ...
        inspector.set_point(None, editable=True)
        assert not inspector.form.isVisible()
        inspector.set_point(point, editable=editable)
        shows(editable)
        inspector.set_point(point, editable=editable)  # the same again: nothing to switch
        shows(editable)
    # Typing reaches a field of an editable point shown after none.
    inspector.set_point(None, editable=False)
    inspector.set_point(point, editable=True)
    inspector.pain.lineEdit().selectAll()
    qtbot.keyClicks(inspector.pain.lineEdit(), "4")
    qtbot.keyClick(inspector.pain.lineEdit(), Qt.Key.Key_Return)
    assert stored(store, point.id).pain == 4


def test_every_field_has_an_accessible_name(inspector):
    names = []
    for widget in inspector._editors():
        name = QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)
        assert name, widget.objectName()
        names.append(name.replace("&", ""))
    assert len(set(names)) == len(names)  # each one says which field it is


@pytest.mark.parametrize("width", [300, 340])
@pytest.mark.parametrize("editable", [True, False])
@pytest.mark.parametrize("where", [TEMPLE, "back.shoulder.upper.left"])  # the lung box too
def test_fits_the_side_panel_without_cutting(
    qtbot, store, point, inspector, width, editable, where
):
    region = REGIONS[where]
    x, y = load_body_map(region.view).interior_point(where)
    point = replace(point, view=region.view, region_id=where, side=region.side, x=x, y=y)
    inspector.set_point(point.with_muscle(MUSCLES[region.muscles[0]].name), editable=editable)
    assert inspector.lung.isVisible() is bool(region.lung_risk)
    inspector.resize(width, 700)
    inspector.layout().activate()
    scroll = inspector.findChild(QScrollArea)
    viewport = scroll.viewport()
    assert scroll.widget().minimumSizeHint().width() <= viewport.width()
    assert scroll.horizontalScrollBar().maximum() == 0
    for widget in inspector.form.findChildren(QWidget):
        if widget.isVisible() and not isinstance(widget.parentWidget(), QAbstractSpinBox):
            right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
            assert right <= viewport.width(), widget.objectName() or type(widget).__name__
    for box in (inspector.taut_band, inspector.spot_tenderness, inspector.referred_pain,
                inspector.recognised):  # fmt: skip
        assert box.height() >= box.heightForWidth(box.width()), box.text()


def test_a_signed_point_reads_on_light_and_dark_palettes(qtbot, point):
    app = QApplication.instance()
    light = app.palette()
    dark = QPalette(light)
    for role, colour in ((QPalette.ColorRole.Window, "#2b2b2b"),
                         (QPalette.ColorRole.WindowText, "#e8e8e8"),
                         (QPalette.ColorRole.Base, "#1e1e1e"),
                         (QPalette.ColorRole.Text, "#e8e8e8")):  # fmt: skip
        dark.setColor(role, QColor(colour))
    try:
        for palette in (light, dark):
            app.setPalette(palette)
            inspector = PointInspector()
            qtbot.addWidget(inspector)
            inspector.set_point(point, editable=False)
            colours = inspector.palette()
            window = colours.color(QPalette.ColorRole.Window)
            for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
                text = colours.color(QPalette.ColorGroup.Disabled, role)
                assert contrast(text, window) >= 4.5, (window.name(), text.name())
    finally:
        app.setPalette(light)


def test_the_message_stays_when_the_doctor_clicks_away(qtbot, store, point, inspector):
    type_into(qtbot, inspector.pain, "12")  # Enter: refused
    inspector.notes.setFocus()  # leaving the box sends editingFinished once more
    qtbot.wait(1)
    assert inspector.error.text() == "Pain at point must be 0-10, got 12"


# -- one muscle vocabulary -------------------------------------------------------------------


def type_muscle(qtbot, inspector: PointInspector, text: str) -> None:
    """Click into the muscle field, select what is there and type, as a doctor does."""
    line = inspector.muscle.lineEdit()
    line.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(line, text)


def offered(inspector: PointInspector) -> list[str]:
    popup = inspector.muscle.completer_.popup()
    model = popup.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_the_list_offers_the_regions_muscles_by_name(inspector):
    muscle = inspector.muscle
    assert [muscle.itemText(i) for i in range(muscle.count())] == ["temporalis"]
    assert muscle.currentText() == "temporalis"


def test_the_list_follows_each_point_shown(store, point, inspector):
    """The list is refilled only when another point needs other entries: each point
    shown still gets its region's muscles, its own words first, and the first entry
    current, whatever the point before it chose."""
    muscle = inspector.muscle

    def listed() -> list[tuple[str, str | None]]:
        return [(muscle.itemText(i), muscle.itemData(i)) for i in range(muscle.count())]

    neck = "back.neck.posterior.right"
    x, y = load_body_map(REGIONS[neck].view).interior_point(neck)
    on_neck = replace(point, view=REGIONS[neck].view, region_id=neck, side=REGIONS[neck].side,
                      x=x, y=y).with_muscle(REGIONS[neck].muscles[1])  # fmt: skip
    inspector.set_point(on_neck, editable=True)
    neck_list = [(MUSCLES[m].name, m) for m in REGIONS[neck].muscles]
    assert listed() == neck_list and len(neck_list) > 1
    muscle.setCurrentIndex(1)  # the doctor looked down the list
    other = on_neck.with_muscle("scalp tension band")  # words the catalogue lacks
    inspector.set_point(other, editable=True)
    assert listed()[0][1] == other.muscle_id and listed()[1:] == neck_list
    inspector.set_point(on_neck, editable=True)
    assert listed() == neck_list
    muscle.setCurrentIndex(1)
    inspector.set_point(replace(on_neck, number=9), editable=True)  # the same region again
    assert listed() == neck_list and muscle.currentIndex() == 0
    assert muscle.currentText() == MUSCLES[REGIONS[neck].muscles[1]].name
    inspector.set_point(point, editable=True)
    assert listed() == [("temporalis", "temporalis")]


def test_upper_traps_is_stored_as_upper_trapezius_and_shown_so(qtbot, store, point, inspector):
    type_muscle(qtbot, inspector, "upper traps")
    assert offered(inspector)[0] == "upper trapezius (upper traps)"
    assert inspector.muscle.completer_.popup().isVisible()
    qtbot.keyClick(inspector.muscle.lineEdit(), Qt.Key.Key_Return)
    saved = stored(store, point.id)
    # The catalogue muscle, with the words as typed kept beside its name.
    assert (saved.muscle_id, saved.muscle_name) == (
        "upper_trapezius",
        "upper trapezius (upper traps)",
    )
    assert inspector.muscle.currentText() == "upper trapezius"


def test_a_synonym_is_offered_and_picked_with_the_keys(qtbot, store, point, inspector):
    type_muscle(qtbot, inspector, "QL")
    assert offered(inspector) == ["quadratus lumborum (QL)"]
    popup = inspector.muscle.completer_.popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    saved = stored(store, point.id)
    assert (saved.muscle, saved.muscle_id) == ("quadratus lumborum", "quadratus_lumborum")


def test_a_suggestion_is_picked_with_the_mouse(qtbot, store, point, inspector, edits):
    type_muscle(qtbot, inspector, "traps")
    # The muscle the words name exactly first.
    assert offered(inspector)[0] == "upper trapezius (traps)"
    popup = inspector.muscle.completer_.popup()
    row = popup.visualRect(popup.model().index(1, 0))
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=row.center())
    assert stored(store, point.id).muscle_id == offered_id(offered(inspector)[1])
    assert edits == ["muscle"]


def offered_id(label: str) -> str:
    return label.split(" (")[0].replace(" ", "_")


def test_words_the_catalogue_lacks_are_kept_as_other(qtbot, store, point, inspector):
    type_muscle(qtbot, inspector, "anterior temporalis fibres near the hairline")
    qtbot.keyClick(inspector.muscle.lineEdit(), Qt.Key.Key_Return)
    saved = stored(store, point.id)
    assert saved.muscle == "anterior temporalis fibres near the hairline"
    assert saved.muscle_id == "other"  # never mapped onto temporalis
    assert inspector.muscle.currentText() == "(other) anterior temporalis fibres near the hairline"
    # Leaving the field as shown changes nothing: the mark is not taken for words.
    inspector.notes.setFocus()
    assert stored(store, point.id) == saved


def test_leaving_the_field_keeps_the_doctors_words(qtbot, store, point, inspector, edits):
    words = store.points.update(point.with_muscle("Temporal"))  # a synonym, as written
    inspector.set_point(words, editable=True)
    assert inspector.muscle.currentText() == "temporalis"  # the preferred name
    inspector.muscle.lineEdit().setFocus()
    inspector.notes.setFocus()
    assert stored(store, point.id).muscle == "Temporal" and edits == []


# -- lung precautions --------------------------------------------------------------------------


def test_no_lung_box_for_a_point_away_from_the_lung(inspector):
    assert not inspector.lung.isVisible()


def test_a_point_over_the_lung_records_the_precautions_taken(qtbot, store, point, inspector):
    from tpchart.core.lung import LungPrecaution, lung_risk_reason

    chest = "front.chest.left"
    region = REGIONS[chest]
    x, y = load_body_map(region.view).interior_point(chest)
    over = store.points.update(
        replace(point, view=region.view, region_id=chest, side=region.side, x=x, y=y).with_muscle(
            "pec major"
        )
    )
    inspector.set_point(over, editable=True)
    lung = inspector.lung
    assert lung.isVisible()
    assert lung.reason.text() == lung_risk_reason(chest, "pectoralis_major")
    box = lung.boxes[LungPrecaution.PINCER_GRIP]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    rib = lung.boxes[LungPrecaution.ONTO_RIB]
    qtbot.mouseClick(rib, Qt.MouseButton.LeftButton, pos=QPoint(8, rib.height() // 2))
    assert stored(store, point.id).lung_precautions == {
        LungPrecaution.PINCER_GRIP,
        LungPrecaution.ONTO_RIB,
    }
    # The muscle, not only the region: subscapularis at the front of the shoulder.
    shoulder = "front.shoulder.left"
    region = REGIONS[shoulder]
    x, y = load_body_map(region.view).interior_point(shoulder)
    deltoid = store.points.update(
        replace(over, region_id=shoulder, x=x, y=y, lung_precautions=frozenset()).with_muscle(
            "deltoid"
        )
    )
    inspector.set_point(deltoid, editable=True)
    assert not lung.isVisible()
    type_muscle(qtbot, inspector, "subscap")
    qtbot.keyClick(inspector.muscle.lineEdit(), Qt.Key.Key_Return)
    assert stored(store, point.id).muscle_id == "subscapularis"
    assert lung.isVisible() and "armpit" in lung.reason.text()


def test_a_signed_points_lung_box_is_read_only(qtbot, store, point, inspector):
    chest = "front.chest.right"
    region = REGIONS[chest]
    x, y = load_body_map(region.view).interior_point(chest)
    over = replace(point, view=region.view, region_id=chest, side=region.side, x=x, y=y)
    inspector.set_point(over.with_muscle("intercostals"), editable=False)
    assert inspector.lung.isVisible()
    assert not any(box.isEnabled() for box in inspector.lung.boxes.values())


# -- electrical stimulation settings and notes kept off the patient's copy (issue 16) --------


def choose_technique(qtbot, inspector: PointInspector, technique: Technique | None) -> None:
    """Pick a technique with the keyboard, as a doctor tabbing through the form does."""
    combo = inspector.technique
    combo.setFocus()
    target = combo.findData(technique)
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


STIMULATION_BOXES = ("frequency", "pulse_width", "intensity")


def test_stimulation_settings_show_only_for_electrical_stimulation(qtbot, store, point, inspector):
    form = inspector._needling_form
    assert [form.labelForField(getattr(inspector, n)).text() for n in STIMULATION_BOXES] == [
        "Frequency", "Pulse width", "Intensity"
    ]  # fmt: skip
    assert not any(getattr(inspector, n).isVisible() for n in STIMULATION_BOXES)  # pistoning
    choose_technique(qtbot, inspector, Technique.ELECTRICAL)
    assert stored(store, point.id).technique is Technique.ELECTRICAL
    for name in STIMULATION_BOXES:
        box = getattr(inspector, name)
        assert box.isVisible() and form.labelForField(box).isVisible()
        assert box.text() == "–"  # not recorded yet
    assert inspector.minutes.isVisible() and not inspector.passes.isVisible()
    choose_technique(qtbot, inspector, Technique.STATIC)
    assert not any(getattr(inspector, n).isVisible() for n in STIMULATION_BOXES)


def test_stimulation_settings_typed_are_stored(qtbot, store, point, inspector, edits):
    choose_technique(qtbot, inspector, Technique.ELECTRICAL)
    type_into(qtbot, inspector.frequency, "2,5")  # a decimal comma, as typed in Europe
    type_into(qtbot, inspector.pulse_width, "250")
    type_into(qtbot, inspector.intensity, "12.5")
    saved = stored(store, point.id)
    assert (saved.stim_frequency_hz, saved.stim_pulse_width_us, saved.stim_intensity_ma) == (
        2.5, 250, 12.5
    )  # fmt: skip
    assert edits[-3:] == ["frequency", "pulse_width", "intensity"]
    assert inspector.error.text() == ""
    # Shown again as stored, and taken back to "not recorded" with the keys.
    inspector.set_point(saved, editable=True)
    assert inspector.frequency.text() == "2.5 Hz" and inspector.pulse_width.text() == "250 µs"
    inspector.intensity.setFocus()
    for _ in range(3):  # 5 mA a page: 7.5, 2.5, then "–" (the arrows stop there)
        qtbot.keyClick(inspector.intensity, Qt.Key.Key_PageDown)
    assert inspector.intensity.text() == "–"
    qtbot.keyClick(inspector.intensity, Qt.Key.Key_Return)
    assert stored(store, point.id).stim_intensity_ma is None


@pytest.mark.parametrize(
    ("name", "typed", "change"),
    [
        ("frequency", "300", {"stim_frequency_hz": 300.0}),
        ("frequency", "0.2", {"stim_frequency_hz": 0.2}),
        ("pulse_width", "5000", {"stim_pulse_width_us": 5000}),
        ("pulse_width", "10", {"stim_pulse_width_us": 10}),
        ("intensity", "150", {"stim_intensity_ma": 150.0}),
    ],
)
def test_a_stimulation_setting_out_of_range_gets_the_records_message(
    qtbot, store, point, inspector, name, typed, change
):
    electrical = store.points.update(replace(point, technique=Technique.ELECTRICAL, passes=None))
    inspector.set_point(electrical, editable=True)
    type_into(qtbot, getattr(inspector, name), typed)
    assert inspector.error.text() == records_message(electrical, **change)
    assert getattr(inspector, name).text() == "–"
    assert stored(store, point.id) == electrical  # nothing written


def test_the_arrows_start_where_the_record_starts(qtbot, store, point, inspector):
    electrical = store.points.update(replace(point, technique=Technique.ELECTRICAL, passes=None))
    inspector.set_point(electrical, editable=True)
    box = inspector.pulse_width
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.value() == 20  # not 0 µs, which the record refuses
    qtbot.keyClick(box, Qt.Key.Key_Up)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert stored(store, point.id).stim_pulse_width_us == 30
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Down)  # below 20 µs: back to not recorded
    assert box.text() == "–"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert stored(store, point.id).stim_pulse_width_us is None
    inspector.frequency.setFocus()
    qtbot.keyClick(inspector.frequency, Qt.Key.Key_Up)
    qtbot.keyClick(inspector.frequency, Qt.Key.Key_Return)
    assert stored(store, point.id).stim_frequency_hz == 1.0 and inspector.error.text() == ""


def test_leaving_electrical_stimulation_clears_its_settings_in_one_edit(
    qtbot, store, point, inspector, edits
):
    electrical = store.points.update(replace(
        point, technique=Technique.ELECTRICAL, passes=None, minutes=15, stim_frequency_hz=2.0,
        stim_pulse_width_us=250, stim_intensity_ma=10.0,
    ))  # fmt: skip
    inspector.set_point(electrical, editable=True)
    edits.clear()
    choose_technique(qtbot, inspector, Technique.STATIC)
    saved = stored(store, point.id)
    assert saved.technique is Technique.STATIC and saved.minutes == 15
    assert not saved.stimulation_recorded
    assert edits == ["technique"]  # one edit: one write, one undo step
    assert inspector.error.text() == ""  # never a refusal


def test_keyboard_order_runs_through_the_settings_after_the_minutes(qtbot, store, point, inspector):
    electrical = store.points.update(replace(point, technique=Technique.ELECTRICAL, passes=None))
    inspector.set_point(electrical, editable=True)
    inspector.technique.setFocus()
    order = []
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget().objectName())
    assert order == ["minutes", "stimFrequency", "stimPulseWidth", "stimIntensity", "needles"]
    # Tab from the notes goes to the box that keeps them off the patient's copy.
    inspector.notes.setFocus()
    qtbot.keyClick(inspector.notes, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is inspector.notes_internal


def test_a_point_note_is_kept_off_the_patients_copy_by_a_click(qtbot, store, point, inspector):
    box = inspector.notes_internal
    assert box.text() == "Keep off patient's copy" and not box.isChecked()
    assert "filed record still prints it" in box.toolTip()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert stored(store, point.id).notes_internal
    inspector.set_point(store.points.get(point.id), editable=True)
    assert box.isChecked()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not stored(store, point.id).notes_internal


@pytest.mark.parametrize("width", [300, 340])
def test_the_settings_fit_the_side_panel(qtbot, store, point, inspector, width):
    electrical = store.points.update(replace(
        point, technique=Technique.ELECTRICAL, passes=None, minutes=20, stim_frequency_hz=250.0,
        stim_pulse_width_us=1000, stim_intensity_ma=99.5, notes_internal=True,
    ))  # fmt: skip
    inspector.set_point(electrical, editable=True)
    inspector.resize(width, 700)
    inspector.layout().activate()
    scroll = inspector.findChild(QScrollArea)
    viewport = scroll.viewport()
    assert scroll.widget().minimumSizeHint().width() <= viewport.width()
    assert scroll.horizontalScrollBar().maximum() == 0
    for widget in (*(getattr(inspector, n) for n in STIMULATION_BOXES), inspector.notes_internal):
        right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
        assert right <= viewport.width(), widget.objectName()
        assert widget.width() >= widget.minimumSizeHint().width(), widget.objectName()
    assert inspector.intensity.text() == "99.5 mA"  # the widest value, whole
