"""The aftercare sheet the patient takes home (issue 16): plain words, tailored to the
session, nothing meant for the clinician, audited like every other disclosure."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from datetime import UTC

import pdfplumber
import pypdf
import pytest

from tpchart.core.clinic import ClinicProfile
from tpchart.core.lung import LungPrecaution
from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS
from tpchart.core.screening import Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import DEFAULT_AFTERCARE
from tpchart.core.trigger_point import Technique, TriggerPoint
from tpchart.report.aftercare import (
    AREA_WORDS,
    EMERGENCY,
    STANDARD_NOTE,
    NothingNeedled,
    aftercare_pdf,
    handout_text,
    treated_areas,
)
from tpchart.report.documents import HANDOUT_DOCUMENT, export_handout, handout_file_name
from tpchart.report.readability import measure, syllables
from tpchart.report.records import load_session_record

from .conftest import CLINIC, SAFE_REASON, add_points, spot, start_session
from .pdf_reading import page_texts

# Regions over the lung and away from it (core.regions: their lung-risk reasons).
LUNG = "back.shoulder.upper.right"  # upper trapezius at the neck angle
CALF = "back.calf.left"
FOREARM = "front.forearm.right"
FOLLOW_UP = "Come back on Tuesday 1 December at 10:00."
DOCTORS_OWN = "Put a warm pack on your shoulder tonight for 15 minutes."


def needle(store, session_id, regions, notes="") -> list[TriggerPoint]:
    """One needled point in each of ``regions``, numbered in order, charted in full."""
    rng = random.Random(5)
    points = []
    for number, region_id in enumerate(regions, start=1):
        region = REGIONS[region_id]
        x, y = spot(region_id, rng)
        points.append(store.points.add(TriggerPoint(
            session_id=session_id, number=number, view=region.view, region_id=region_id,
            side=region.side, x=x, y=y, muscle=MUSCLES[region.muscles[0]].name,
            pain=6, needle_gauge_mm=0.25, needle_length_mm=40.0, depth_mm=27.0,
            technique=Technique.PISTONING, passes=8, notes=notes,
            lung_precautions=frozenset({LungPrecaution.PINCER_GRIP})
            if REGIONS[region_id].lung_risk else frozenset(),
        )))  # fmt: skip
    return points


def sheet(store, session_id) -> str:
    """The handout's text, all pages, as a reader would copy it."""
    record = load_session_record(store, session_id)
    return " ".join(page_texts(aftercare_pdf(record)))


@pytest.fixture
def rich(store, patient):
    """A visit with everything a clinician records: red flag and decision, blood
    thinners, 40 points on all three views (several over the lung) with depths and
    notes, an adverse event, session notes and a follow-up."""
    session = start_session(
        store, patient,
        contraindications=frozenset({Precaution.ANTICOAGULANTS}),
        red_flags=frozenset({RedFlag.NUMBNESS}), red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
        red_flag_reason=SAFE_REASON,
        notes="Practitioner only: query fibromyalgia, discuss with GP.",
        aftercare_text=DEFAULT_AFTERCARE, follow_up=FOLLOW_UP,
    )  # fmt: skip
    for point in add_points(store, session.id, 40):
        store.points.update(replace(point, notes="Dense band, patient guarded"))
    return session


def test_the_handout_of_a_rich_visit_has_no_clinician_only_text(store, rich):
    record = load_session_record(store, rich.id)
    text = " ".join(page_texts(aftercare_pdf(record)))
    lung_reasons = {p.lung_risk_reason for p in record.points} - {""}
    assert lung_reasons  # the visit did needle over the lung
    forbidden = [
        SAFE_REASON, "Red flag", "Safe to proceed", "pneumothorax", "Pneumothorax",
        "Practitioner only", "Dense band", "small, point 4", "pressure applied", "Mild",
        "Bruising (", " mm", "depth", "Depth", "trigger point", "Trigger point", "NRS",
        "MCID", "twitch", "Pistoning", "Static", "Electrical", "latent", "Latent",
        "Contraindication", "Anticoagulants", "DRAFT", "CRM 1234",
        *(reason[:40] for reason in lung_reasons),
        *(MUSCLES[p.muscle_id].name for p in record.points if p.muscle_id in MUSCLES),
    ]  # fmt: skip
    found = [words for words in forbidden if words in text]
    assert found == []
    # What it does say: the patient, the lung box, bruising, the plan, the phone.
    assert "王小明 (Wang Xiaoming)" in text
    assert EMERGENCY in text
    assert "thins your blood" in text
    assert FOLLOW_UP in text
    assert CLINIC.phone in text


def test_the_emergency_box_is_there_exactly_when_a_lung_point_was_needled(store, patient):
    away = start_session(store, patient)
    needle(store, away.id, [CALF, FOREARM])
    over = start_session(store, patient)
    needle(store, over.id, [CALF, LUNG])
    assert "emergency department" not in sheet(store, away.id)
    text = sheet(store, over.id)
    assert EMERGENCY in text and "even hours after your treatment" in text
    assert "lie over your lungs" in text


def test_the_emergency_sentence_is_inside_a_red_box(store, patient):
    session = start_session(store, patient)
    needle(store, session.id, [LUNG])
    pdf = aftercare_pdf(load_session_record(store, session.id))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        (go,) = [w for w in page.extract_words() if w["text"] == "Go"]
        boxes = [r for r in page.rects if r["width"] > 400
                 and r["x0"] < go["x0"] and r["top"] < go["top"] < r["bottom"]]  # fmt: skip
    assert boxes, "the emergency sentence is not boxed"
    red, green, blue = boxes[0]["non_stroking_color"][:3]
    assert red > 0.9 and green < 0.95 and blue < 0.95  # the warning fill, not grey


def test_bruising_advice_exactly_when_blood_thinners_are_ticked(store, patient):
    plain = start_session(store, patient)
    needle(store, plain.id, [CALF])
    thinners = start_session(
        store, patient, contraindications=frozenset({Precaution.ANTICOAGULANTS})
    )
    needle(store, thinners.id, [CALF])
    other = start_session(store, patient, contraindications=frozenset({Precaution.PREGNANCY}))
    needle(store, other.id, [CALF])
    assert "thins your blood" not in sheet(store, plain.id)
    assert "thins your blood" not in sheet(store, other.id)
    text = sheet(store, thinners.id)
    assert "thins your blood" in text and "press on it firmly" in text
    assert "Do not stop your medicine" in text


def test_doctors_own_advice_is_printed_as_theirs_and_the_default_as_standard(store, patient):
    own = start_session(store, patient, aftercare_text=DOCTORS_OWN)
    needle(store, own.id, [CALF])
    empty = start_session(store, patient, aftercare_text="", aftercare_given=False)
    needle(store, empty.id, [CALF])
    prefilled = start_session(store, patient, aftercare_text=DEFAULT_AFTERCARE)
    needle(store, prefilled.id, [CALF])
    text = sheet(store, own.id)
    assert "Advice from Dr Ana Souza for you" in text and DOCTORS_OWN in text
    for session in (empty, prefilled):
        text = sheet(store, session.id)
        # Nothing presented as given that nobody wrote; the standard advice says it is.
        assert "Advice from" not in text
        assert "Contact the clinic if pain is severe" not in text
        assert text.count(STANDARD_NOTE) == 2  # what to expect, what to do
        assert "do not do hard exercise or lift heavy things" in text


def test_follow_up_and_contact_without_a_plan_or_a_phone(store, patient):
    session = start_session(store, patient, follow_up="")
    needle(store, session.id, [CALF])
    text = sheet(store, session.id)
    assert "No next appointment was set today. Please call us on +49 89 1234 5678" in text
    store.clinic.save(ClinicProfile(name="Riverside", email="desk@example.org"))
    text = sheet(store, session.id)
    assert "e-mail us at desk@example.org" in text and "call us on" not in text


def test_treated_places_are_in_plain_words(store, patient):
    session = start_session(store, patient)
    needle(store, session.id, [LUNG, "front.shoulder.upper.left", "back.neck.posterior.right"])
    areas = treated_areas(store.points.for_session(session.id))
    # Both sides of one place, seen from the front or the back, are said once.
    assert areas == ["the top of both shoulders", "the back of your neck on the right"]
    assert (
        "the muscles of the top of both shoulders and the back of your neck on the right."
        in sheet(store, session.id)
    )


def test_every_region_has_plain_words():
    stems = {region_id.rsplit(".", 1)[0] for region_id in REGIONS}
    assert stems <= set(AREA_WORDS)
    for one, both in AREA_WORDS.values():
        assert "{side}" in one and "{side}" not in both


def test_an_ordinary_visit_fits_one_a4_page(store, patient):
    session = start_session(
        store, patient, contraindications=frozenset({Precaution.ANTICOAGULANTS}),
        aftercare_text=DOCTORS_OWN + "\nStretch your neck three times a day.",
    )  # fmt: skip
    needle(store, session.id, [LUNG, "back.neck.posterior.right", "back.upper.right",
                               "back.scapula.right", "back.neck.posterior.left"])  # fmt: skip
    pdf = aftercare_pdf(load_session_record(store, session.id))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_wording_reads_at_about_age_twelve(store, patient):
    # Aimed for: Flesch reading ease 70 or more ("fairly easy", about age 12) and
    # Flesch-Kincaid grade 7 or less, every tailored part switched on.
    session = start_session(
        store, patient, contraindications=frozenset({Precaution.ANTICOAGULANTS}), follow_up=""
    )
    needle(store, session.id, [LUNG, CALF])
    score = measure(handout_text(load_session_record(store, session.id)))
    assert score.words > 250
    assert score.reading_ease >= 70, score
    assert score.grade <= 7, score


def test_the_readability_measure_tells_plain_from_clinical_words():
    assert [syllables(w) for w in ("the", "muscle", "water", "bruise", "helped", "needed")] == [
        1, 2, 2, 1, 1, 2,
    ]  # fmt: skip
    # The clinician's warning the issue found on the patient's paper.
    clinician = (
        "Bilateral needling over the thorax: a bilateral pneumothorax would be an "
        "emergency. Consider treating one side today, and document the lung precautions "
        "taken at each point."
    )
    assert measure(clinician).reading_ease < 60
    assert measure("Drink plenty of water. Walk a little.").reading_ease > 80


def test_nothing_needled_is_refused_plainly_and_writes_nothing(store, patient, tmp_path):
    session = start_session(store, patient)
    before = len(store.audit_trail())
    with pytest.raises(NothingNeedled, match="Nothing was needled in this session"):
        export_handout(store, session.id, tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()
    assert len(store.audit_trail()) == before


def test_export_is_an_audited_disclosure(store, patient, signed, tmp_path):
    path = export_handout(store, signed.id, tmp_path / "aftercare.pdf")
    assert "Aftercare sheet" in pypdf.PdfReader(path).pages[0].extract_text()
    entry = store.audit_trail("sessions", signed.id)[-1]
    assert entry.action == "export"
    assert entry.after == {"document": HANDOUT_DOCUMENT, "file": "aftercare.pdf"}
    assert handout_file_name(patient, signed, UTC) == "2026-11-24 A-001 aftercare.pdf"
