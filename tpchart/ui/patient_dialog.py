"""New / edit patient dialog: validation messages appear in the dialog, nothing is lost.

A new patient whose name and date of birth match a patient already on file is not added
without asking: the doctor may open the existing record instead (``existing``).

The patient's build is asked once, with why: it sets the depth from which a point
over the lung is a warning (`core.lung.pleural_depth_mm`). A standing precaution that
belongs to a place on the body (lymphoedema, a local infection, an implant) takes its
site, an area and a side, so that marking a point there names it (issue 15).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import TpchartError, ValidationError
from tpchart.core.lung import Build, pleural_depth_mm
from tpchart.core.patient import Patient, Sex
from tpchart.core.precaution_sites import SITED_PRECAUTIONS, BodyArea, PrecautionSite, SiteSide
from tpchart.core.screening import Precaution, precautions_for
from tpchart.core.validation import check_text
from tpchart.store import Store
from tpchart.ui.date_entry import DateOfBirthEntry
from tpchart.ui.operations import Operations
from tpchart.ui.style import error_label

NOT_RECORDED = "Not recorded"


def build_why(build: Build | None) -> str:
    """Why the build is asked, in one line: the depth from which a point over the lung
    is a warning for this build."""
    depth = f"{pleural_depth_mm(build) / 10:g} cm"
    if build is None:
        return f"Not recorded: taken as slim, lung warning from {depth} deep."
    return f"{build.label}: a point over the lung is a warning from {depth} deep."


class SiteChoice(QWidget):
    """Where a sited precaution applies: a body area and the patient's side."""

    def __init__(self, precaution: Precaution, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=f"site_{precaution.value}")
        self.precaution = precaution
        self.area = QComboBox(objectName=f"siteArea_{precaution.value}")
        self.area.addItem("Where? (not recorded)", None)
        for area in BodyArea:
            self.area.addItem(area.label.capitalize(), area)
        self.side = QComboBox(objectName=f"siteSide_{precaution.value}")
        self.side.addItem("Side?", None)
        for side in SiteSide:
            self.side.addItem(
                "Both sides" if side is SiteSide.BOTH else side.value.capitalize(), side
            )
        for combo, what in ((self.area, "body area"), (self.side, "side")):
            combo.setAccessibleName(f"{precaution.label}: {what}")
            # "Hip, buttock and groin" must not widen the dialog past a laptop screen.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.area.setMinimumContentsLength(14)
        self.side.setMinimumContentsLength(6)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.area, stretch=2)
        row.addWidget(self.side, stretch=1)

    def show_site(self, site: PrecautionSite | None) -> None:
        """Show ``site`` (None: not recorded)."""
        self.area.setCurrentIndex(self.area.findData(site.area if site else None))
        self.side.setCurrentIndex(self.side.findData(site.side if site else None))

    def site(self) -> PrecautionSite | None:
        """The site as chosen; None when no area is chosen. An area without its side is
        refused in plain words: a lymphoedema site is on one side, and guessing "both"
        would warn on the wrong arm too."""
        area, side = self.area.currentData(), self.side.currentData()
        if area is None:
            return None
        if side is None:
            raise ValidationError(
                f"{self.precaution.label}: choose the side of its site (or both sides)"
            )
        return PrecautionSite(self.precaution, BodyArea(area), SiteSide(side))


class PatientDialog(QDialog):
    """Asks for a patient's details and saves them through the operations on OK."""

    def __init__(
        self,
        store: Store,
        patient: Patient | None = None,
        parent: QWidget | None = None,
        *,
        operations: Operations | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("patientDialog")
        self.setWindowTitle("Edit patient" if patient else "New patient")
        self._store = store
        self._operations = operations or Operations(store, self)
        self._original = patient
        self.saved: Patient | None = None
        # The patient already on file that the doctor chose to open instead of adding
        # a duplicate; the caller selects them. None otherwise.
        self.existing: Patient | None = None
        # The question asked about a possible duplicate, while it is open (for tests).
        self.duplicate_question: QMessageBox | None = None

        self.full_name = QLineEdit(objectName="fullName")
        self.record_number = QLineEdit(objectName="recordNumber")
        # Starts empty for a new patient: a default date would be saved unseen.
        self.date_of_birth = DateOfBirthEntry()
        self.sex = QComboBox(objectName="sex")
        for sex in Sex:
            self.sex.addItem(sex.value.capitalize(), sex)
        # Nothing chosen is recorded as unknown, not as the first sex in the list.
        self.sex.setCurrentIndex(self.sex.findData(Sex.UNKNOWN))
        self.phone = QLineEdit(objectName="phone")
        self.email = QLineEdit(objectName="email")
        self.history = QPlainTextEdit(objectName="medicalHistory")
        self.history.setTabChangesFocus(True)
        # Three lines and a scroll bar: room for the build and the sites below, in a
        # dialog that must fit a 1366x768 laptop at 125 % with its title bar.
        self.history.setFixedHeight(56)
        self.build = QComboBox(objectName="build")
        self.build.addItem(NOT_RECORDED, None)
        for build in Build:
            self.build.addItem(build.label, build)
        self.build.setAccessibleName("Build")
        # The why, in one line under the row, says what the choice does to the lung
        # warning (`core.lung.pleural_depth_mm`).
        self.build_why = QLabel(build_why(None), objectName="buildWhy")
        note = self.build_why.font()
        note.setPointSizeF(note.pointSizeF() * 0.9)
        self.build_why.setFont(note)
        self.build.currentIndexChanged.connect(self._explain_build)
        self._explain_build()
        # Sex and build share a row: a row less in a dialog that has grown sites.
        sex_and_build = QHBoxLayout()
        sex_and_build.addWidget(self.sex, stretch=1)
        sex_and_build.addSpacing(12)
        sex_and_build.addWidget(QLabel("Build", buddy=self.build))
        sex_and_build.addWidget(self.build, stretch=1)

        form = QFormLayout()
        form.addRow("Full name", self.full_name)
        form.addRow("Record number", self.record_number)
        form.addRow("Date of birth", self.date_of_birth)
        form.addRow("Sex", sex_and_build)
        form.addRow("", self.build_why)
        form.addRow("Phone", self.phone)
        form.addRow("E-mail", self.email)
        form.addRow("Medical history", self.history)

        precautions = QGroupBox("Standing precautions (shown while charting)")
        self._precaution_grid = QGridLayout(precautions)
        self._precaution_grid.setVerticalSpacing(3)  # seven rows in a dialog that must fit
        self.precaution_boxes: dict[Precaution, QCheckBox] = {}
        for precaution in Precaution:
            box = QCheckBox(
                precaution.label, precautions, objectName=f"precaution_{precaution.value}"
            )
            self.precaution_boxes[precaution] = box
        # Where each sited precaution applies: beside its box, while it is ticked (a row
        # of its own, so ticking it never makes the dialog taller than a laptop screen).
        self.site_choices: dict[Precaution, SiteChoice] = {}
        for precaution in Precaution:
            if precaution in SITED_PRECAUTIONS:
                choice = SiteChoice(precaution, precautions)
                # Its room is kept while hidden: ticking the box moves nothing below it.
                policy = choice.sizePolicy()
                policy.setRetainSizeWhenHidden(True)
                choice.setSizePolicy(policy)
                self.site_choices[precaution] = choice
                self.precaution_boxes[precaution].toggled.connect(self._show_sites)
        # Sites beyond the first of a precaution, recorded elsewhere: kept as they are.
        self._further_sites: tuple[PrecautionSite, ...] = ()

        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(precautions)
        # Spare height goes here, not into the form's rows, when the list of precautions
        # gets shorter (a male patient) or an error line comes and goes.
        layout.addStretch(1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if patient:
            self._fill(patient)
        else:
            self.record_number.setText(self._suggest_record_number())
        self._offer_precautions()
        self._show_sites()
        self.sex.currentIndexChanged.connect(self._offer_precautions)

    @Slot()
    def _explain_build(self) -> None:
        chosen = self.build.currentData()  # Qt hands the Build back as a plain str
        why = build_why(Build(chosen) if chosen else None)
        self.build_why.setText(why)
        self.build.setAccessibleDescription(why)

    @Slot()
    def _show_sites(self) -> None:
        """A site is asked only for a sited precaution that is ticked."""
        for precaution, choice in self.site_choices.items():
            choice.setVisible(self.precaution_boxes[precaution].isChecked())

    @Slot()
    def _offer_precautions(self) -> None:
        """Lay out the precautions worth asking of the chosen sex (no pregnancy for a
        male patient), plus any already ticked: a recorded precaution is never hidden,
        or it would be saved without the doctor seeing it."""
        offered = set(precautions_for(self._chosen_sex()))
        shown = [p for p, box in self.precaution_boxes.items() if p in offered or box.isChecked()]
        for box in self.precaution_boxes.values():
            self._precaution_grid.removeWidget(box)
        whole = [p for p in shown if p not in self.site_choices]
        # Packed into two columns again, so a hidden item leaves no hole in the grid.
        for i, precaution in enumerate(whole):
            self._precaution_grid.addWidget(self.precaution_boxes[precaution], i // 2, i % 2)
        # Then each sited one on its own row, its site beside it.
        for row, (precaution, choice) in enumerate(
            self.site_choices.items(), (len(whole) + 1) // 2
        ):
            self._precaution_grid.addWidget(self.precaution_boxes[precaution], row, 0)
            self._precaution_grid.addWidget(choice, row, 1)
        for precaution, box in self.precaution_boxes.items():
            box.setVisible(precaution in shown)

    def _chosen_sex(self) -> Sex:
        # Qt hands item data back as a plain str: made a Sex again here.
        return Sex(self.sex.currentData())

    def _fill(self, p: Patient) -> None:
        self.full_name.setText(p.full_name)
        self.record_number.setText(p.record_number)
        self.date_of_birth.setDate(p.date_of_birth)
        self.sex.setCurrentIndex(self.sex.findData(p.sex))
        self.phone.setText(p.phone)
        self.email.setText(p.email)
        self.history.setPlainText(p.medical_history)
        for precaution, box in self.precaution_boxes.items():
            box.setChecked(precaution in p.precautions)
        self.build.setCurrentIndex(self.build.findData(p.build))
        further = []
        for precaution, choice in self.site_choices.items():
            sites = [s for s in p.precaution_sites if s.precaution is precaution]
            choice.show_site(sites[0] if sites else None)
            further += sites[1:]
        self._further_sites = tuple(further)

    def _suggest_record_number(self) -> str:
        return f"P-{self._store.patients.count(include_archived=True) + 1:05d}"

    def patient(self) -> Patient:
        """The patient as entered; raises ValidationError with a readable message."""
        full_name = self.full_name.text().strip()
        record_number = self.record_number.text().strip()
        # Asked in the order of the form: a missing name is named before a missing date.
        check_text("Full name", full_name, required=True)
        check_text("Record number", record_number, required=True)
        values = dict(
            full_name=full_name,
            record_number=record_number,
            date_of_birth=self.date_of_birth.value(),
            sex=self._chosen_sex(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            medical_history=self.history.toPlainText(),
            precautions=frozenset(p for p, box in self.precaution_boxes.items() if box.isChecked()),
            precaution_sites=self._sites(),
            build=self.build.currentData(),
        )
        if self._original:
            return replace(self._original, **values)
        return Patient(**values)

    def _sites(self) -> tuple[PrecautionSite, ...]:
        """The sites of the ticked precautions (an unticked one takes its site with it)."""
        ticked = {p for p, box in self.precaution_boxes.items() if box.isChecked()}
        chosen = [c.site() for p, c in self.site_choices.items() if p in ticked]
        kept = [s for s in self._further_sites if s.precaution in ticked]
        return tuple(s for s in chosen if s is not None) + tuple(kept)

    def accept(self) -> None:
        """Save, or show what is wrong and keep everything typed. A new patient who
        looks like one already on file is added only if the doctor says so."""
        if self._original is None and not self._confirm_new_person():
            return
        self.saved = self._operations.save_patient(self.patient, self._show_error)
        if self.saved is not None:
            super().accept()

    def _confirm_new_person(self) -> bool:
        """True to go on adding; False when the doctor went back to the form or chose
        to open the patient already on file (``existing``; the dialog then closes)."""
        try:
            entered = self.patient()
            matches = self._store.patients.same_person(entered.full_name, entered.date_of_birth)
        except TpchartError:
            return True  # saving reports what is wrong, the same way as ever
        if not matches:
            return True
        question = QMessageBox(
            QMessageBox.Icon.Warning,
            "Possible duplicate",
            "A patient with this name and date of birth already exists: "
            + "; ".join(_identify(p) for p in matches),
            parent=self,
        )
        question.setInformativeText(
            "Open the existing record, or add a new patient anyway if this is someone else."
        )
        open_existing = question.addButton("Open existing", QMessageBox.ButtonRole.AcceptRole)
        add_anyway = question.addButton("Add anyway", QMessageBox.ButtonRole.DestructiveRole)
        go_back = question.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
        # Enter opens the record on file (most likely the same person); Escape goes back.
        question.setDefaultButton(open_existing)
        question.setEscapeButton(go_back)
        self.duplicate_question = question
        try:
            question.exec()
        finally:
            self.duplicate_question = None
        chosen = question.clickedButton()
        if chosen is add_anyway:
            return True
        if chosen is open_existing:
            self.existing = matches[0]
            self.done(QDialog.DialogCode.Accepted)
        return False

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        # The cursor goes where the correction is typed.
        field = next((w for label, w in self._fields() if message.startswith(label)), None)
        if field is not None:
            field.setFocus()

    def _fields(self) -> list[tuple[str, QWidget]]:
        """Each field with the label its messages start with."""
        return [
            ("Full name", self.full_name),
            ("Record number", self.record_number),
            ("Date of birth", self.date_of_birth),
            ("Phone", self.phone),
            ("E-mail", self.email),
            ("Medical history", self.history),
            *((p.label, choice.side) for p, choice in self.site_choices.items()),
        ]

    def keyPressEvent(self, event) -> None:
        # Enter in a line edit saves; a doctor expects that, Escape cancels.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.history.hasFocus():
            self.accept()
            return
        super().keyPressEvent(event)


def _identify(patient: Patient) -> str:
    """A patient as named in the duplicate question: "陈美玲, P-00012 (archived)"."""
    archived = " (archived)" if patient.archived else ""
    return f"{patient.full_name}, {patient.record_number}{archived}"
