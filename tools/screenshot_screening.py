"""Screenshots of screening by complaint, the red-flag decision and adverse events
(docs/screenshots/safety/), on a real X server: tools/screenshot_safety.sh runs it."""

import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from tpchart.app import add_shipped_fonts
from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.store import Store
from tpchart.ui.adverse_event_dialog import AdverseEventDialog
from tpchart.ui.later_events import session_name
from tpchart.ui.main_window import MainWindow
from tpchart.ui.red_flag_decision import RedFlagDecisionDialog, decision_refusal
from tpchart.ui.session_start import StartSessionDialog

sys.path.insert(0, str(Path(__file__).parent))
from screenshot_states import start_session

out, tag = Path(sys.argv[1]), sys.argv[2]
app = QApplication.instance() or QApplication([])
add_shipped_fonts()
app.setOrganizationName("tpchart-screenshots")


def settle():
    for _ in range(5):
        app.processEvents()


def save(widget, name):
    settle()
    path = out / f"{tag}-{name}.png"
    widget.grab().save(str(path))
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    screen = widget.screen().availableGeometry()
    print(
        path.name, widget.width(), "x", widget.height(), "on", screen.width(), "x", screen.height()
    )


tmp = tempfile.mkdtemp()
store = Store.open(Path(tmp) / "safety.db")
store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Ana Souza")).id
store.clinic.save(ClinicProfile(name="Riverside Pain Clinic"))
arm = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)
ana = store.patients.add(
    Patient(
        record_number="P-00001",
        full_name="Ana Lima",
        date_of_birth=date(1962, 3, 15),
        sex=Sex.FEMALE,
        precautions=frozenset({Precaution.ANTICOAGULANTS, Precaution.LYMPHOEDEMA}),
        precaution_sites=(arm,),
    )
)


def begin(days_ago, **fields):
    return start_session(
        store,
        ana,
        days_ago,
        contraindications=ana.precautions,
        precaution_sites=(arm,),
        complaint_areas=frozenset({ComplaintArea.NECK}),
        **fields,
    )


earlier = begin(9)
store.sessions.sign(earlier.id)

# 1. The start dialog: complaint area ticked, a red flag, a sited precaution.
dialog = StartSessionDialog(store, ana)
dialog.chief_complaint.setText("Neck and shoulder pain after desk work")
dialog.pain_before.set_value(6)
dialog.screening.area_boxes[ComplaintArea.NECK].setChecked(True)
dialog.screening.red_flag_boxes[RedFlag.WORST_HEADACHE].setChecked(True)
dialog.show()
save(dialog, "start-screening")
dialog.close()

# 2. The decision dialog.


def check_only(d, r, report):
    problem = decision_refusal({RedFlag.WORST_HEADACHE}, d, r)
    if problem:
        report(problem)
    return False  # kept open for the picture


decision = RedFlagDecisionDialog({RedFlag.WORST_HEADACHE}, None, "", check_only)
decision.safe.setChecked(True)
decision.reason_edit.setText("Her usual migraine, unchanged for years; no neurological sign")
decision.show()
save(decision, "red-flag-decision")
decision.safe.setChecked(True)
decision.reason_edit.clear()
decision.ok_button.click()  # refused by the session's own rule, as in the app
save(decision, "red-flag-decision-refused")
decision.close()

# 3. The window: red flag undecided, then decided.
today = begin(
    0,
    red_flags=frozenset({RedFlag.WORST_HEADACHE}),
    adverse_events=(
        AdverseEvent(
            AdverseEventType.VASOVAGAL,
            Severity.MILD,
            onset=Onset.DURING,
            action="Lay flat, legs raised; recovered in 5 minutes",
            resolved=True,
        ),
    ),
)
store.later_events.report(
    earlier.id,
    AdverseEvent(
        AdverseEventType.BRUISING,
        onset=Onset.DELAYED,
        action="None needed",
        resolved=True,
        note="Left upper trapezius, 2 cm",
    ),
)
window = MainWindow(store)
window.setGeometry(window.screen().availableGeometry())
window.show()
window.patients.select_patient(ana.id)
window.side_tabs.setCurrentWidget(window.session_panel)
settle()
save(window, "red-flag-needed")
store.sessions.update(
    replace(
        store.sessions.get(today.id),
        red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
        red_flag_reason="Her usual migraine, unchanged for years; no neurological sign",
    )
)
window.reload_from_store()
window.side_tabs.setCurrentWidget(window.session_panel)
settle()
save(window, "red-flag-decided")
panel = window.session_panel
panel.scroll.verticalScrollBar().setValue(
    panel.form.pain_after.mapTo(panel.form, QPoint(0, 0)).y() - 30
)
save(window, "adverse-events")
panel.scroll.ensureWidgetVisible(
    panel.form.screening.site_choosers[Precaution.LYMPHOEDEMA], 50, 150
)
save(window, "session-screening")
event = AdverseEventDialog(
    "Reported since last session",
    lambda *a: True,
    window,
    intro=f"Reported today, recorded against {session_name(store.sessions.get(earlier.id))}. "
    "That session is not changed.",
    onset=Onset.DELAYED,
)
event.kind.setCurrentIndex(event.kind.findData(AdverseEventType.BRUISING))
event.action.setText("None needed")
event.resolved.setCurrentIndex(1)
event.show()
save(event, "adverse-event-dialog")
event.close()
window.confirm_on_close = False
window.close()
store.close()
