"""The point inspector: every finding and needling detail of the selected point.

Each widget edits one field. A change builds the new point (core validation
runs) and is handed to the chart as an undoable edit; a refused value shows the
reason and the widget goes back to the stored value. Tab order follows the
consultation: where (for a point over the lung, the precautions taken), what was
found, twitch, pain, needling (with electrical stimulation, its settings under the
minutes), notes and whether they are kept off the patient's copy of the record. The
muscle comes from the catalogue, or is kept as the doctor's own words marked "other"
(`muscle_field`).

Number boxes take whatever number is typed and leave the judging to the record, so
"12" for pain is refused with the record's own words instead of being cut to "1"
by the box; only the arrows and the wheel stop at the clinical limits. The message
has room kept for it below the form: nothing moves under the mouse when it shows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.charting import with_twitch, with_twitch_count
from tpchart.core.errors import ValidationError
from tpchart.core.regions import REGIONS, Side
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint, TwitchStrength
from tpchart.ui.lung_precautions import LungPrecautionsBox
from tpchart.ui.muscle_field import MuscleField, with_muscle_words
from tpchart.ui.style import MessageArea, WrappingCheckBox, readable_when_disabled

GAUGES = [0.16, 0.18, 0.20, 0.25, 0.30]
LENGTHS = [13, 15, 25, 30, 40, 50, 60, 75, 100]
# The electrical stimulation boxes and the point's fields they set.
_STIMULATION = {
    "frequency": "stim_frequency_hz",
    "pulse_width": "stim_pulse_width_us",
    "intensity": "stim_intensity_ma",
}
NOT_SET = "–"
# What a box lets through to the record: four digits, so any mistyped number still
# reaches the record's check (and its message) instead of being cut by the box.
_TYPED_MAX = 9999


class _StepsWithinLimits:
    """Arrow keys, arrow buttons and the wheel stop at ``floor``..``limit`` (the
    record's range); typing is not limited here.

    With ``first`` set, the record's range starts above "not recorded" (pulse width
    20 µs, not 0): the first step up from "–" goes straight to ``first`` and a step
    down below it goes back to "–", so the arrows never offer a value the record
    would refuse."""

    floor: float
    limit: float
    first: float | None = None

    def stepBy(self, steps: int) -> None:
        step = self.singleStep()  # type: ignore[attr-defined]
        value = self.value()  # type: ignore[attr-defined]
        if self.first is not None:
            if steps > 0 and value < self.first:
                self.setValue(self.first)  # type: ignore[attr-defined]
                return
            if steps < 0 and self.floor < value and value + steps * step < self.first:
                self.setValue(self.floor)  # type: ignore[attr-defined]
                return
        if steps > 0:
            steps = min(steps, max(0, round((self.limit - value) / step)))
        else:
            steps = max(steps, min(0, round((self.floor - value) / step)))
        if steps:
            super().stepBy(steps)  # type: ignore[misc]

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = super().stepEnabled()  # type: ignore[misc]
        if self.value() >= self.limit:  # type: ignore[attr-defined]
            flags &= ~QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() <= self.floor:  # type: ignore[attr-defined]
            flags &= ~QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class CountBox(_StepsWithinLimits, QSpinBox):
    """A whole number for the record; with ``not_set`` its lowest value, shown "–",
    means "not recorded" (None)."""

    def __init__(
        self,
        limit: int,
        suffix: str = "",
        *,
        not_set: bool = True,
        floor: int = 0,
        step: int = 1,
        first: int | None = None,
    ):
        super().__init__(
            minimum=-1 if not_set else 0, maximum=_TYPED_MAX, suffix=suffix, singleStep=step
        )
        self.limit = limit
        self.floor = -1 if not_set else floor
        self.first = first
        if not_set:
            self.setSpecialValueText(NOT_SET)


class MeasureBox(_StepsWithinLimits, QDoubleSpinBox):
    """A measured number for the record; its lowest value, shown "–", means "not
    recorded" (None)."""

    def __init__(
        self, limit: float, step: float, decimals: int, suffix: str, *, first: float | None = None
    ) -> None:
        super().__init__(minimum=-step, maximum=_TYPED_MAX, singleStep=step, decimals=decimals)
        self.limit = limit
        self.floor = -step
        self.first = first
        self.setSuffix(suffix)
        self.setSpecialValueText(NOT_SET)

    # A decimal comma ("2,5 Hz", as typed across Europe) is the decimal point here, as
    # in the session's outcome measures; Qt would drop it as a thousands separator and
    # read 25.
    def validate(self, text: str, pos: int) -> object:
        return super().validate(_decimal_point(self, text), pos)

    def valueFromText(self, text: str) -> float:
        return super().valueFromText(_decimal_point(self, text))


def _decimal_point(box: QDoubleSpinBox, text: str) -> str:
    """``text`` with a comma read as the decimal point, where the locale uses a point."""
    point = box.locale().decimalPoint()
    return text.replace(",", point) if point == "." else text


class NotesEdit(QPlainTextEdit):
    """Notes are saved when the doctor leaves the box, not on every keystroke."""

    editing_finished = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


class PointInspector(QWidget):
    """Edits the selected trigger point; emits ``point_edited(new_point, field)``."""

    point_edited = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pointInspector")
        self.point: TriggerPoint | None = None
        self._filling = False
        # Whether the editors were last switched on (None: not yet set): ``set_point``
        # touches them only when that changes.
        self._editors_enabled: bool | None = None

        self.title = QLabel(objectName="pointTitle", wordWrap=True)
        self.title.setStyleSheet("font-weight: bold; font-size: 13px;")
        self.muscle = MuscleField()
        self.lung = LungPrecautionsBox()
        self.side = QComboBox(objectName="side")
        for side in Side:
            self.side.addItem(side.value.capitalize(), side)
        self.kind_active = QRadioButton("&Active", objectName="kindActive")
        self.kind_latent = QRadioButton("&Latent", objectName="kindLatent")
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.kind_active)
        self.kind.addButton(self.kind_latent)
        # Wrapping boxes: "Recognised as own pain" takes two lines in a 300 px panel.
        self.taut_band = WrappingCheckBox("Taut band", "tautBand")
        self.spot_tenderness = WrappingCheckBox("Spot tenderness", "spotTenderness")
        self.referred_pain = WrappingCheckBox("Referred pain", "referredPain")
        self.recognised = WrappingCheckBox("Recognised as own pain", "recognised")
        self.twitch = QComboBox(objectName="twitchStrength")
        self.twitch.addItem("None", None)
        for strength in TwitchStrength:
            self.twitch.addItem(strength.value.capitalize(), strength)
        # Limits as in core.trigger_point; the record checks them, these only stop the arrows.
        self.twitch_count = CountBox(100, " ×")
        self.twitch_count.setObjectName("twitchCount")
        self.pain = CountBox(10, " / 10")
        self.pain.setObjectName("painAtPoint")
        self.pressure = MeasureBox(20, 0.05, 2, " kg/cm²")
        self.pressure.setObjectName("pressureThreshold")
        self.gauge = QComboBox(objectName="needleGauge", editable=True)
        self.gauge.addItem(NOT_SET, None)
        for gauge in GAUGES:
            self.gauge.addItem(f"{gauge:.2f}", gauge)
        self.length = QComboBox(objectName="needleLength", editable=True)
        self.length.addItem(NOT_SET, None)
        for length in LENGTHS:
            self.length.addItem(f"{length}", float(length))
        self.depth = MeasureBox(150, 1, 1, " mm")
        self.depth.setObjectName("depth")
        self.technique = QComboBox(objectName="technique")
        self.technique.addItem(NOT_SET, None)
        for technique in Technique:
            self.technique.addItem(technique.label, technique)
        for combo in (self.muscle, self.technique):  # long entries must not widen the panel
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.passes = CountBox(200, " passes")
        self.passes.setObjectName("passes")
        self.minutes = CountBox(120, " min")
        self.minutes.setObjectName("minutes")
        # Electrical stimulation settings, limits as in core.trigger_point. The arrows
        # start where the record's range starts; typing is judged by the record.
        self.frequency = MeasureBox(250, 1, 1, " Hz", first=1)
        self.frequency.setObjectName("stimFrequency")
        self.pulse_width = CountBox(1000, " µs", step=10, first=20)
        self.pulse_width.setObjectName("stimPulseWidth")
        self.intensity = MeasureBox(100, 0.5, 1, " mA")
        self.intensity.setObjectName("stimIntensity")
        self.needles = CountBox(50, not_set=False, floor=1)
        self.needles.setObjectName("needles")
        self.notes = NotesEdit(objectName="pointNotes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("Response, patient feedback…")
        self.notes.setMinimumHeight(60)
        # The doctor's choice per note: the patient's copy of the clinical record leaves
        # it out, while the record the clinic files prints it, marked as internal.
        self.notes_internal = WrappingCheckBox("Keep off patient's copy", "pointNotesInternal")
        self.notes_internal.setToolTip(
            "The patient's copy of the clinical record leaves this note out and says a "
            "note was left out. The clinic's filed record still prints it, marked internal."
        )
        self.error = MessageArea("inspectorError", lines=2)
        self._name_for_screen_readers()
        # A signed session's point is shown disabled, yet must read easily.
        readable_when_disabled(self)
        self._layout()
        self._connect()
        self.set_point(None, editable=False)

    def _name_for_screen_readers(self) -> None:
        # The form's row labels are plain text to Qt: say what each field is.
        for widget, name in (
            (self.muscle, "Muscle"),
            (self.side, "Side"),
            (self.twitch, "Twitch response"),
            (self.twitch_count, "Number of twitches"),
            (self.pain, "Pain at point (0-10)"),
            (self.pressure, "Pressure pain threshold, kg/cm²"),
            (self.gauge, "Needle gauge, mm"),
            (self.length, "Needle length, mm"),
            (self.depth, "Depth, mm"),
            (self.technique, "Technique"),
            (self.passes, "Passes"),
            (self.minutes, "Minutes"),
            (self.frequency, "Stimulation frequency, Hz"),
            (self.pulse_width, "Pulse width, µs"),
            (self.intensity, "Stimulation intensity, mA"),
            (self.needles, "Number of needles"),
            (self.notes, "Notes"),
            (self.notes_internal, "Keep the point's notes off the patient's copy"),
        ):
            widget.setAccessibleName(name)
        self.title.setAccessibleName("Selected point")

    def _layout(self) -> None:
        where = QGroupBox("Where")
        form = _form(where)
        form.addRow("Muscle", self.muscle)
        form.addRow("Side", self.side)
        found = QGroupBox("Found")
        column = QVBoxLayout(found)
        column.setContentsMargins(6, 6, 6, 6)
        kinds = QHBoxLayout()
        kinds.addWidget(self.kind_active)
        kinds.addWidget(self.kind_latent)
        kinds.addStretch()
        column.addLayout(kinds)
        flags = QGridLayout()
        flags.addWidget(self.taut_band, 0, 0)
        flags.addWidget(self.spot_tenderness, 0, 1)
        flags.addWidget(self.referred_pain, 1, 0)
        flags.addWidget(self.recognised, 1, 1)
        # The short names keep their line; "Recognised as own pain" wraps if it must.
        first = max(self.taut_band.sizeHint().width(), self.referred_pain.sizeHint().width())
        flags.setColumnMinimumWidth(0, first)
        flags.setColumnStretch(1, 1)
        column.addLayout(flags)
        response = QGroupBox("Twitch and pain")
        form2 = _form(response)
        twitch = QHBoxLayout()
        twitch.addWidget(self.twitch, stretch=1)
        twitch.addWidget(self.twitch_count)
        form2.addRow("Twitch", twitch)
        form2.addRow("Pain at point", self.pain)
        form2.addRow("Pressure threshold", self.pressure)
        needling = QGroupBox("Needling")
        form3 = _form(needling)
        needle = QHBoxLayout()
        needle.addWidget(self.gauge)
        needle.addWidget(QLabel("×"))
        needle.addWidget(self.length)
        needle.addWidget(QLabel("mm"))
        form3.addRow("Needle", needle)
        form3.addRow("Depth", self.depth)
        form3.addRow("Technique", self.technique)
        # The dose has its own labelled row per technique: "Passes –" says what is
        # missing, where two bare "–" boxes did not.
        form3.addRow("Passes", self.passes)
        self._passes_row = form3.rowCount() - 1
        form3.addRow("Minutes", self.minutes)
        self._minutes_row = form3.rowCount() - 1
        # Under the minutes, in the order a stimulator is set: rows of their own, as the
        # dose, so the 300 px panel is never widened by three boxes side by side.
        self._stimulation_rows = []
        for label, box in (
            ("Frequency", self.frequency),
            ("Pulse width", self.pulse_width),
            ("Intensity", self.intensity),
        ):
            form3.addRow(label, box)
            self._stimulation_rows.append(form3.rowCount() - 1)
        self._needling_form = form3
        form3.addRow("Needles", self.needles)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self.title)
        self.form = QWidget(objectName="inspectorForm")
        fields = QVBoxLayout(self.form)
        fields.setContentsMargins(0, 0, 0, 0)
        # The lung box right under where the point is: a point over the lung says so
        # before anything is found or needled, and the precaution is ticked where it is read.
        for widget in (
            where,
            self.lung,
            found,
            response,
            needling,
            QLabel("Notes"),
            self.notes,
            self.notes_internal,
        ):
            fields.addWidget(widget)
        column.addWidget(self.form)
        column.addStretch()
        scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, stretch=1)
        # Below the scrolling form and always there: a message never pushes a field away
        # and never scrolls out of sight with the field it is about.
        outer.addWidget(self.error)

    def _connect(self) -> None:
        self.muscle.activated.connect(lambda _i: self._commit("muscle"))
        self.muscle.lineEdit().editingFinished.connect(lambda: self._commit("muscle"))
        self.muscle.chosen.connect(lambda: self._commit("muscle"))
        self.lung.changed.connect(lambda: self._commit("lung_precautions"))
        self.side.activated.connect(lambda _i: self._commit("side"))
        self.kind.buttonClicked.connect(lambda _b: self._commit("kind"))
        for name in ("taut_band", "spot_tenderness", "referred_pain", "recognised"):
            getattr(self, name).toggled.connect(lambda _on, n=name: self._commit(n))
        self.twitch.activated.connect(lambda _i: self._commit("twitch"))
        for name in ("twitch_count", "pain", "pressure", "depth", "passes", "minutes", "needles",
                     *_STIMULATION):  # fmt: skip
            getattr(self, name).editingFinished.connect(lambda n=name: self._commit(n))
            getattr(self, name).valueChanged.connect(lambda _v, n=name: self._stepped(n))
        for name in ("gauge", "length"):
            combo = getattr(self, name)
            combo.activated.connect(lambda _i, n=name: self._commit(n))
            combo.lineEdit().editingFinished.connect(lambda n=name: self._commit(n))
        self.technique.activated.connect(lambda _i: self._commit("technique"))
        self.notes.editing_finished.connect(lambda: self._commit("notes"))
        self.notes_internal.toggled.connect(lambda _on: self._commit("notes_internal"))

    # -- showing ---------------------------------------------------------------------------
    def set_point(self, point: TriggerPoint | None, editable: bool) -> None:
        """Show ``point`` (or a hint when none is selected); read-only unless ``editable``."""
        self.point = point
        self.error.clear()
        self._filling = True
        try:
            if point is None:
                self.title.setText("Select a point on the map, or click a region to add one.")
            else:
                self._fill(point)
            self.lung.show_point(point)
        finally:
            self._filling = False
        hidden = self.form.isHidden()
        self.form.setVisible(point is not None)
        if hidden and point is not None:
            # Rows shown or hidden while the form was hidden (the needling dose) did
            # not reach the layout around it: the first frame kept the form's old
            # height (a gap, or a shorter notes box) until another round of layout.
            self.form.updateGeometry()
        if point is None:
            # The form is hidden, so no editor can be reached: they keep their state
            # until the next point is shown. Switching ~30 editors off and on again
            # (each telling its children and restyling) was a third of every click
            # that followed an undo or a deselection.
            return
        if self._editors_enabled is not editable:
            for widget in self._editors():
                widget.setEnabled(editable)
            self._editors_enabled = editable
        # A count without a twitch would be thrown away: no typing it there.
        self.twitch_count.setEnabled(point.twitch_elicited and editable)

    def commit_pending(self) -> None:
        """Save notes still being typed: a toolbar or menu click does not take the
        keyboard focus, so the box's focus-out would come too late (after an undo,
        say, has shown another point)."""
        if (
            self.point is not None
            and self.notes.isEnabled()
            and self.notes.toPlainText() != self.point.notes
        ):
            self._commit("notes")

    def _editors(self) -> list[QWidget]:
        return [
            self.muscle,
            self.side,
            *self.lung.editors(),
            self.kind_active,
            self.kind_latent,
            self.taut_band,
            self.spot_tenderness,
            self.referred_pain,
            self.recognised,
            self.twitch,
            self.twitch_count,
            self.pain,
            self.pressure,
            self.gauge,
            self.length,
            self.depth,
            self.technique,
            self.passes,
            self.minutes,
            self.frequency,
            self.pulse_width,
            self.intensity,
            self.needles,
            self.notes,
            self.notes_internal,
        ]

    def _fill(self, p: TriggerPoint) -> None:
        region = REGIONS.get(p.region_id)
        label = region.label if region else p.region_id
        self.title.setText(f"Point {p.number} · {label} · {p.view.value} view")
        self.muscle.show_point(p, region)
        self.side.setCurrentIndex(self.side.findData(p.side))
        (self.kind_active if p.kind is PointKind.ACTIVE else self.kind_latent).setChecked(True)
        for name in ("taut_band", "spot_tenderness", "referred_pain", "recognised"):
            getattr(self, name).setChecked(getattr(p, name))
        self.twitch.setCurrentIndex(
            self.twitch.findData(p.twitch_strength if p.twitch_elicited else None)
        )
        if p.twitch_elicited and p.twitch_strength is None:
            self.twitch.setCurrentIndex(1)
        _show_number(self.twitch_count, p.twitch_count)
        _show_number(self.pain, p.pain)
        _show_number(self.pressure, p.pressure_threshold)
        self._set_combo_number(self.gauge, p.needle_gauge_mm, "{:.2f}")
        self._set_combo_number(self.length, p.needle_length_mm, "{:g}")
        _show_number(self.depth, p.depth_mm)
        self.technique.setCurrentIndex(self.technique.findData(p.technique))
        _show_number(self.passes, p.passes)
        _show_number(self.minutes, p.minutes)
        for name, key in _STIMULATION.items():
            _show_number(getattr(self, name), getattr(p, key))
        _show_number(self.needles, p.needles)
        if self.notes.toPlainText() != p.notes:
            self.notes.setPlainText(p.notes)
        self.notes_internal.setChecked(p.notes_internal)
        self._needling_form.setRowVisible(self._passes_row, p.technique is Technique.PISTONING)
        self._needling_form.setRowVisible(
            self._minutes_row, p.technique in (Technique.STATIC, Technique.ELECTRICAL)
        )
        # Shown for electrical stimulation, and for an older point that somehow holds
        # settings without it: what is recorded is never hidden.
        stimulation = p.technique is Technique.ELECTRICAL or p.stimulation_recorded
        for row in self._stimulation_rows:
            self._needling_form.setRowVisible(row, stimulation)

    @staticmethod
    def _set_combo_number(combo: QComboBox, value: float | None, fmt: str) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
        else:
            combo.setEditText(fmt.format(value))

    # -- editing -----------------------------------------------------------------------------
    def _stepped(self, name: str) -> None:
        # Arrow keys and the mouse wheel change a spin box without editingFinished.
        box = getattr(self, name)
        if not self._filling and not box.hasFocus():
            self._commit(name)

    def _edited(self, point: TriggerPoint, field: str) -> TriggerPoint:
        """``point`` with what one widget shows (core validation runs)."""
        # Twitch box and count are read together: the strength decides whether a count
        # is kept at all (core.charting, shared with the keys on the map).
        if field == "twitch":
            return with_twitch(point, self.twitch.currentData(), self.twitch_count.value())
        if field == "twitch_count":
            return with_twitch_count(point, self.twitch.currentData(), self.twitch_count.value())
        # The muscle's words and its catalogue id change together (`with_muscle`).
        if field == "muscle":
            return with_muscle_words(point, self.muscle.currentText())
        if field == "lung_precautions":
            return replace(point, lung_precautions=self.lung.chosen())
        return replace(point, **self._values(field))

    def _values(self, field: str) -> dict[str, Any]:
        """The fields one widget sets, read from the widgets."""
        if field == "side":
            return {"side": self.side.currentData()}
        if field == "kind":
            return {"kind": PointKind.ACTIVE if self.kind_active.isChecked() else PointKind.LATENT}
        if field in ("taut_band", "spot_tenderness", "referred_pain", "recognised"):
            return {field: getattr(self, field).isChecked()}
        if field in ("pain", "passes", "minutes"):
            value = getattr(self, field).value()
            return {field: None if value < 0 else value}
        if field == "needles":
            return {"needles": self.needles.value()}
        if field in ("pressure", "depth"):
            box = getattr(self, field)
            key = "pressure_threshold" if field == "pressure" else "depth_mm"
            return {key: None if box.value() <= box.minimum() else round(box.value(), 2)}
        if field in ("gauge", "length"):
            combo = getattr(self, field)
            key = "needle_gauge_mm" if field == "gauge" else "needle_length_mm"
            text = combo.currentText().strip().replace(",", ".")
            if text in ("", NOT_SET):
                return {key: None}
            try:
                return {key: float(text)}
            except ValueError:
                raise ValidationError(f"Needle {field} must be a number, got {text!r}") from None
        if field in _STIMULATION:
            box, key = getattr(self, field), _STIMULATION[field]
            if box.value() <= box.minimum():
                return {key: None}
            value = box.value()
            return {key: round(value) if isinstance(box, QSpinBox) else round(value, 2)}
        if field == "technique":
            technique = self.technique.currentData()
            if technique is Technique.ELECTRICAL:
                return {"technique": technique}
            # The settings belong to the stimulation: leaving it clears them in the same
            # edit (one write, one undo step) rather than refusing a change of technique.
            return {"technique": technique, **dict.fromkeys(_STIMULATION.values())}
        if field == "notes":
            return {"notes": self.notes.toPlainText()}
        if field == "notes_internal":
            return {"notes_internal": self.notes_internal.isChecked()}
        raise KeyError(field)

    @Slot()
    def _commit(self, field: str) -> None:
        if self._filling or self.point is None:
            return
        try:
            new = self._edited(self.point, field)
        except ValidationError as exc:
            self.set_point(self.point, editable=True)  # back to the stored value
            self.error.setText(str(exc))
            return
        if new != self.point:
            # Only a real change clears the message: the second editingFinished a spin
            # box sends (Enter, then focus leaving) must not wipe the reason just shown.
            self.error.clear()
            self.point_edited.emit(new, field)

    def keyPressEvent(self, event) -> None:
        # Escape hands the keyboard back to the map, where single keys set findings.
        if event.key() == Qt.Key.Key_Escape and self.parentWidget() is not None:
            self.clearFocus()
        super().keyPressEvent(event)


def _show_number(box: QSpinBox | QDoubleSpinBox, value: float | None) -> None:
    """Show ``value`` in ``box``, its lowest value ("–") for None.

    Qt repaints a spin box at every ``setValue``, even when the value stays, and from
    one point to the next most numbers stay "–": six boxes repainted for nothing at
    every click in a row. A box with the keyboard focus is set all the same, so text
    typed in it and not yet saved never stays beside another point."""
    shown = box.minimum() if value is None else value
    if box.hasFocus() or box.value() != shown:
        box.setValue(shown)


def _form(box: QGroupBox) -> QFormLayout:
    """A form whose field goes under its label when the panel is too narrow for both."""
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setContentsMargins(6, 6, 6, 6)  # the side panel is 300 px: width goes to fields
    return form
