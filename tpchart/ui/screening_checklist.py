"""The screening checklist the start dialog and the session panel share: contraindications
and precautions (a sited one asks where), the complaint areas, and the red flags they
call for [`core.screening.red_flags_for`; Finucane et al., JOSPT 2020;50:350; the IFOMPT
cervical framework, Rushton et al., JOSPT 2023]."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.patient import Sex
from tpchart.core.precaution_sites import SITED_PRECAUTIONS, BodyArea, PrecautionSite, SiteSide
from tpchart.core.screening import (
    ComplaintArea,
    Precaution,
    RedFlag,
    precautions_for,
    red_flags_for,
)
from tpchart.ui.session_fields import ScrollSafeCombo, narrow
from tpchart.ui.style import WrappingCheckBox, caution_text_colour, warning_text_colour


class SiteChooser(QWidget):
    """Where a sited precaution applies: side and body area, two small combos under its
    box while it is ticked. The caution then belongs to the points marked there, not
    to the whole session (shared/clinical.md, "Precautions can have a site").

    A site needs both; a side chosen without an area is not a site yet. Further sites
    of the same precaution (from the patient's standing list) are kept and listed."""

    changed = Signal()

    def __init__(self, precaution: Precaution, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.precaution = precaution
        self.setObjectName(f"site_{precaution.value}")
        self.side = ScrollSafeCombo(objectName=f"siteSide_{precaution.value}")
        self.side.setAccessibleName(f"{precaution.label}: side")
        self.side.addItem("side?", None)
        for side in SiteSide:  # short: the area beside it needs the width
            self.side.addItem("both" if side is SiteSide.BOTH else side.value, side)
        self.area = ScrollSafeCombo(objectName=f"siteArea_{precaution.value}")
        self.area.setAccessibleName(f"{precaution.label}: where")
        self.area.addItem("where?", None)
        for area in BodyArea:
            self.area.addItem(area.label, area)
        self.side.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        narrow(self.area)
        for combo in (self.side, self.area):
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            combo.currentIndexChanged.connect(self._chosen)
        self.others = QLabel(objectName=f"siteOthers_{precaution.value}", wordWrap=True)
        self.others.hide()
        self._others: list[PrecautionSite] = []
        self._show_tip()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.side)
        row.addWidget(self.area, stretch=1)
        layout = QVBoxLayout(self)
        # Indented under the check box's text: it reads as part of that answer.
        layout.setContentsMargins(10, 0, 0, 2)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.others)

    def sites(self) -> list[PrecautionSite]:
        """The sites chosen: the combos' one (when complete), then any others kept."""
        side, area = self.side.currentData(), self.area.currentData()
        chosen = [PrecautionSite(self.precaution, area, side)] if side and area else []
        return chosen + [s for s in self._others if s not in chosen]

    def set_sites(self, sites: Iterable[PrecautionSite], keep_partial: bool = False) -> None:
        """Show this precaution's sites among ``sites`` without emitting ``changed``.
        ``keep_partial``: with none stored, leave a half-made choice (a side without an
        area yet, or a site of an unticked precaution) where the doctor left it."""
        mine = [s for s in sites if s.precaution is self.precaution]
        blockers = [QSignalBlocker(self.side), QSignalBlocker(self.area)]
        try:
            if mine:
                self.side.setCurrentIndex(max(0, self.side.findData(mine[0].side)))
                self.area.setCurrentIndex(max(0, self.area.findData(mine[0].area)))
            elif not keep_partial:
                self.side.setCurrentIndex(0)
                self.area.setCurrentIndex(0)
        finally:
            for blocker in blockers:
                blocker.unblock()
        self._others = mine[1:]
        self._show_tip()
        self.others.setText("also: " + "; ".join(s.where for s in self._others))
        self.others.setVisible(bool(self._others))

    def set_editable(self, editable: bool) -> None:
        """Enable or disable both combos."""
        self.side.setEnabled(editable)
        self.area.setEnabled(editable)

    def _show_tip(self) -> None:
        # The whole site on hover: a narrow panel may cut the area's words.
        tip = "Where it applies: a point marked there shows this precaution by name."
        sites = self.sites()
        if sites:
            tip = f"{sites[0].where}. {tip}"
        for combo in (self.side, self.area):
            combo.setToolTip(tip)

    @Slot(int)
    def _chosen(self, _index: int) -> None:
        self._show_tip()
        self.changed.emit()


class ScreeningChecklist(QWidget):
    """Contraindications and precautions, the complaint areas and the red flags they
    call for, as checkboxes; a sited precaution asks where while it is ticked.

    Red flags follow the complaint (`red_flags_for`): those for every complaint always,
    the neck's or the low back's when that area is ticked; a flag already ticked is
    never hidden. Ticked items are coloured so a positive answer stands out. Only the
    precautions worth asking this patient are offered (`offer`): no "Pregnancy" for a
    male patient, unless it is already on the record.

    ``columns`` 1 stacks the groups for the 300 px side panel; 2 puts the red flags
    beside the precautions, for a dialog on a wide, short laptop screen.
    """

    changed = Signal()  # the user ticked, unticked or chose something

    def __init__(self, columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screeningChecklist")
        self.setAccessibleName("Screening: contraindications, precautions and red flags")
        self.precaution_boxes: dict[Precaution, QCheckBox] = {}
        self.site_choosers: dict[Precaution, SiteChooser] = {}
        self.area_boxes: dict[ComplaintArea, QCheckBox] = {}
        self.red_flag_boxes: dict[RedFlag, QCheckBox] = {}
        self._offered: set[Precaution] = set(Precaution)
        self._standing_sites: tuple[PrecautionSite, ...] = ()
        self._shown_flags: list[RedFlag] = []
        self._cells: dict[Precaution, QWidget] = {}

        precautions = QGroupBox("Contraindications and precautions", objectName="precautions")
        self._grid = QGridLayout(precautions)
        self._grid.setVerticalSpacing(2)
        for precaution in Precaution:
            box = WrappingCheckBox(
                precaution.label, f"precaution_{precaution.value}", emphasis=caution_text_colour
            )
            box.toggled.connect(lambda on, p=precaution: self._precaution_toggled(p, on))
            self.precaution_boxes[precaution] = box
            self._cells[precaution] = box
            if precaution in SITED_PRECAUTIONS:
                chooser = SiteChooser(precaution)
                chooser.hide()
                chooser.changed.connect(self.changed)
                self.site_choosers[precaution] = chooser
                cell = QWidget(objectName=f"cell_{precaution.value}")
                column = QVBoxLayout(cell)
                column.setContentsMargins(0, 0, 0, 0)
                column.setSpacing(2)
                column.addWidget(box)
                column.addWidget(chooser)
                self._cells[precaution] = cell

        red_flags = QGroupBox("Red flags", objectName="redFlags")
        red_flags.setToolTip(
            "Asked for every complaint and for the low back: Finucane et al., JOSPT "
            "2020;50:350. Neck: the IFOMPT cervical framework (Rushton et al., JOSPT 2023)."
        )
        flags = QVBoxLayout(red_flags)
        flags.setSpacing(2)
        areas = QHBoxLayout()
        areas.setSpacing(8)
        complaint = QLabel("Complaint:", objectName="complaintAreaLabel")
        complaint.setToolTip(
            "Where the complaint is: its red flags are added below. Neither ticked: "
            "another complaint, asked only the red flags for every complaint."
        )
        if columns == 1:  # the side panel: the caption on its own line, the boxes below
            flags.addWidget(complaint)
        else:
            areas.addWidget(complaint)
        for area in ComplaintArea:
            box = QCheckBox(area.label, objectName=f"complaintArea_{area.value}")
            box.setToolTip(complaint.toolTip())
            box.setAccessibleName(f"Complaint area: {area.label}")
            box.toggled.connect(self._area_toggled)
            self.area_boxes[area] = box
            areas.addWidget(box)
        areas.addStretch()
        flags.addLayout(areas)
        self._captions: dict[ComplaintArea | None, QLabel] = {}
        for area in (None, *ComplaintArea):
            # Parented now: a flag not asked yet is still in the dialog's Tab chain.
            caption = QLabel("Any complaint" if area is None else area.label, red_flags)
            caption.hide()
            caption.setObjectName(f"redFlagsFor_{area.value if area else 'any'}")
            font = caption.font()
            font.setItalic(True)
            caption.setFont(font)
            self._captions[area] = caption
        for flag in RedFlag:
            box = WrappingCheckBox(
                flag.label, f"redFlag_{flag.value}", red_flags, emphasis=warning_text_colour
            )
            box.hide()
            box.toggled.connect(self._flag_toggled)
            self.red_flag_boxes[flag] = box
        self._flags = QVBoxLayout()
        self._flags.setSpacing(2)
        flags.addLayout(self._flags)
        flags.addStretch()

        if columns == 1:  # the side panel: every pixel of width counts
            self._grid.setContentsMargins(6, 6, 6, 6)
            flags.setContentsMargins(6, 6, 6, 6)
            layout: QBoxLayout = QVBoxLayout(self)
        else:
            layout = QHBoxLayout(self)
            # The red flags' longer answers get the room; the precautions are short.
            precautions.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(precautions)
        layout.addWidget(red_flags, stretch=1)
        self._arrange()
        self._arrange_flags()

    # -- what is offered -------------------------------------------------------------
    def offer(self, sex: Sex | None, recorded: Iterable[Precaution] = ()) -> None:
        """Show the precautions worth asking a patient of this ``sex`` (all when
        unknown) and every precaution in ``recorded``, so a recorded answer never
        disappears from the screen."""
        offered = set(precautions_for(sex)) | set(recorded)
        if offered != self._offered:
            self._offered = offered
            self._arrange()

    def set_standing_sites(self, sites: Iterable[PrecautionSite]) -> None:
        """The patient's standing sites: ticking a sited precaution with no site yet
        fills in the patient's own (lymphoedema, left arm), to be changed if need be."""
        self._standing_sites = tuple(sites)

    def _arrange(self) -> None:
        # One column: Tab reads down the list, as on a paper form, and a site's combos
        # open under their own answer.
        shown = [p for p in Precaution if p in self._offered]
        for cell in self._cells.values():
            self._grid.removeWidget(cell)
        for i, precaution in enumerate(shown):
            self._grid.addWidget(self._cells[precaution], i, 0)
        for precaution, cell in self._cells.items():
            cell.setVisible(precaution in self._offered)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        # Spare height (beside a long list of red flags) goes below the last answer.
        self._grid.setRowStretch(len(shown), 1)

    def _arrange_flags(self, keep_shown: bool = False) -> None:
        """Ask the red flags of the ticked complaint areas; a ticked one stays, and with
        ``keep_shown`` so does every one on screen (unticking a flag of an area no longer
        ticked must not make it vanish from under the mouse)."""
        kept = set(self.red_flags()) | (set(self._shown_flags) if keep_shown else set())
        shown = red_flags_for(self.complaint_areas(), kept)
        if shown != self._shown_flags:
            self._place_flags(shown)

    def _place_flags(self, shown: list[RedFlag]) -> None:
        self._shown_flags = shown
        for i in reversed(range(self._flags.count())):
            item = self._flags.takeAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
        for area, caption in self._captions.items():
            section = [f for f in shown if f.area is area]
            if not section:
                continue
            self._flags.addWidget(caption)
            caption.show()
            for flag in section:
                self._flags.addWidget(self.red_flag_boxes[flag])
                self.red_flag_boxes[flag].show()

    # -- reading and filling ---------------------------------------------------------
    def checkboxes(self) -> list[QCheckBox]:
        """Every box in reading order: precautions, complaint areas, red flags."""
        return [
            *self.precaution_boxes.values(),
            *self.area_boxes.values(),
            *self.red_flag_boxes.values(),
        ]

    def focus_chain(self) -> list[QWidget]:
        """The widgets in the order Tab visits them (a site's combos after its box)."""
        chain: list[QWidget] = []
        for precaution, box in self.precaution_boxes.items():
            chain.append(box)
            chooser = self.site_choosers.get(precaution)
            if chooser is not None:
                chain += [chooser.side, chooser.area]
        return [*chain, *self.area_boxes.values(), *self.red_flag_boxes.values()]

    def offered(self) -> list[Precaution]:
        """The precautions on screen, in order."""
        return [p for p in Precaution if p in self._offered]

    def height_with_every_flag(self, width: int) -> int:
        """The height this checklist needs at ``width`` with every red flag asked (both
        complaint areas ticked): a dialog sized for it never grows while in use."""
        shown = self._shown_flags
        self._place_flags(list(RedFlag))
        layout = self.layout()
        height = layout.totalHeightForWidth(width) if layout is not None else -1
        self._place_flags(shown)
        return max(height, self.sizeHint().height())

    def shown_red_flags(self) -> list[RedFlag]:
        """The red flags asked, in order."""
        return list(self._shown_flags)

    def set_values(
        self,
        contraindications: Iterable[Precaution],
        red_flags: Iterable[RedFlag],
        areas: Iterable[ComplaintArea] = (),
        sites: Iterable[PrecautionSite] = (),
        *,
        keep_shown: bool = False,
    ) -> None:
        """Tick exactly these, without emitting ``changed``. ``keep_shown``: the same
        session shown again after a save, so nothing on screen disappears."""
        ticked = {*contraindications, *red_flags, *areas}
        boxes = [
            *self.precaution_boxes.items(),
            *self.area_boxes.items(),
            *self.red_flag_boxes.items(),
        ]
        for item, box in boxes:
            box.blockSignals(True)
            box.setChecked(item in ticked)
            box.blockSignals(False)
        sites = tuple(sites)
        for precaution, chooser in self.site_choosers.items():
            chooser.set_sites(sites, keep_partial=keep_shown)
            chooser.setVisible(self.precaution_boxes[precaution].isChecked())
        self._arrange_flags(keep_shown=keep_shown)

    def contraindications(self) -> frozenset[Precaution]:
        """The ticked contraindications and precautions."""
        return frozenset(p for p, box in self.precaution_boxes.items() if box.isChecked())

    def complaint_areas(self) -> frozenset[ComplaintArea]:
        """The ticked complaint areas (none: another complaint)."""
        return frozenset(a for a, box in self.area_boxes.items() if box.isChecked())

    def red_flags(self) -> frozenset[RedFlag]:
        """The ticked red flags."""
        return frozenset(f for f, box in self.red_flag_boxes.items() if box.isChecked())

    def precaution_sites(self) -> tuple[PrecautionSite, ...]:
        """The sites of the ticked sited precautions (an unticked one has none)."""
        return tuple(
            site
            for precaution, chooser in self.site_choosers.items()
            if self.precaution_boxes[precaution].isChecked()
            for site in chooser.sites()
        )

    def set_editable(self, editable: bool) -> None:
        """Enable or disable every box and combo (a signed session is read-only)."""
        for box in self.checkboxes():
            box.setEnabled(editable)
        for chooser in self.site_choosers.values():
            chooser.set_editable(editable)

    # -- the doctor's ticks ------------------------------------------------------------
    def _precaution_toggled(self, precaution: Precaution, on: bool) -> None:
        chooser = self.site_choosers.get(precaution)
        if chooser is not None:
            if on and not chooser.sites():
                chooser.set_sites(self._standing_sites)
            chooser.setVisible(on)
        self.changed.emit()

    @Slot(bool)
    def _area_toggled(self, _checked: bool) -> None:
        self._arrange_flags()
        self.changed.emit()

    @Slot(bool)
    def _flag_toggled(self, _checked: bool) -> None:
        self.changed.emit()
