"""The session summary read back from the PDF: what a doctor and a patient would check."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from tests.report.conftest import SAFE_REASON, add_points, start_session
from tests.report.pdf_reading import page_texts, shapes, words
from tpchart.bodymap import load_body_map
from tpchart.bodymap.markers import MARKER_DIAMETER
from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.lung import Build, LungPrecaution
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.regions import REGIONS
from tpchart.core.safety import lung_cautions
from tpchart.core.screening import (
    REFERRAL_ADVICE,
    ComplaintArea,
    Precaution,
    RedFlag,
    RedFlagDecision,
)
from tpchart.core.session import DEFAULT_AFTERCARE
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint
from tpchart.report.diagrams import DIAMOND_SCALE, DOT_RADIUS, views_with_points
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import caution_box, point_row, session_summary_pdf
from tpchart.report.styles import CAUTION_FILL, SHADE, WARNING_FILL


def summary(store, session) -> tuple[bytes, list[str]]:
    pdf = session_summary_pdf(load_session_record(store, session.id), tz=UTC)
    return pdf, page_texts(pdf)


def test_patient_clinic_and_doctor_are_named(store, long_draft):
    _, pages = summary(store, long_draft)
    first = pages[0]
    assert "王小明 (Wang Xiaoming)" in first
    assert "12 Mar 1980 (age 46)" in first
    assert "A-001" in first
    assert "Hauptstraße 12" in first and "München" in first
    assert "无痛诊所" in first
    assert "Dr Ana Souza" in first and "Reg. CRM 1234" in first
    assert "24 Nov 2026, 09:30" in first
    # Later pages say whose they are, so a loose page finds its way back.
    assert all("王小明 (Wang Xiaoming) · A-001 · 24 Nov 2026" in page for page in pages[1:])


def test_every_point_is_in_the_table(store, long_draft):
    _, pages = summary(store, long_draft)
    text = " ".join(pages)
    points = store.points.for_session(long_draft.id)
    assert len(points) == 40
    for p in points:
        region = REGIONS[p.region_id].label
        assert region in text, region
        assert p.muscle_name in text
        assert f"{p.pain}/10" in text
        assert p.technique_text in text


def test_pain_scores_and_safety_statements(store, long_draft):
    _, pages = summary(store, long_draft)
    text = " ".join(pages)
    assert "7/10 (NRS 0–10)" in text
    assert "3/10 (change -4)" in text
    assert "Complaint area Head/neck" in text
    assert "Anticoagulants or bleeding disorder" in text
    # The red flag with its decision and reason, never "decide before needling" above
    # 40 needled points.
    assert "Red flags: Numbness." in text
    assert f"Decision: Assessed: safe to proceed. Reason: {SAFE_REASON}" in text
    assert REFERRAL_ADVICE not in text
    assert "Consent given by Patient on 24 Nov 2026, 09:30" in text
    assert "both sides of the thorax" in text  # lung-risk points left and right
    assert "Bruising (mild, during needling; pressure applied; resolved). small, point 4" in text
    assert "Review in one week" in text


def test_draft_says_draft_on_every_page(store, long_draft):
    _, pages = summary(store, long_draft)
    assert "DRAFT – not signed" in pages[0]
    assert all("DRAFT" in page for page in pages)
    assert "Signed by" not in " ".join(pages)


def test_signed_session_shows_who_signed_and_when(store, signed):
    _, pages = summary(store, signed)
    text = " ".join(pages)
    assert "Signed by Dr Ana Souza on" in text
    assert "Electronically signed by Dr Ana Souza" in text
    assert "DRAFT" not in text


def test_amended_session_shows_version_and_reason(store, amended):
    _, pages = summary(store, amended)
    text = " ".join(pages)
    assert "Amended, version 2." in text
    assert "Pain after corrected: patient re-scored at 2" in text
    assert "2/10 (change -5)" in text
    assert "DRAFT" not in text


def test_long_session_pages_are_numbered(store, long_draft):
    _, pages = summary(store, long_draft)
    # Each point has a second line of findings, depth, needles and notes (issue 16).
    assert 2 <= len(pages) <= 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential" in page


def row_numbers(page: list[dict]) -> list[dict]:
    """The number cells of the points table: a number in the first column with a
    pain score ("n/10") on the same line."""
    pain_lines = {round(w["top"]) for w in page if w["text"].endswith("/10")}
    return [w for w in page
            if w["text"].isdigit() and w["x1"] < 70 and round(w["top"]) in pain_lines]  # fmt: skip


def test_no_table_row_is_split_across_pages(store, long_draft):
    pdf, _ = summary(store, long_draft)
    pages = words(pdf)
    points = store.points.for_session(long_draft.id)
    for p in points:
        found = [(i, w) for i, page in enumerate(pages) for w in row_numbers(page)
                 if w["text"] == str(p.number)]  # fmt: skip
        assert len(found) == 1, (p.number, found)
        page_index, cell = found[0]
        near = [w["text"] for w in pages[page_index] if 0 <= w["top"] - cell["top"] < 40]
        row_words = " ".join(point_row(p)).split()
        missing = [w for w in row_words if w not in near]
        assert not missing, (p.number, missing)


def test_header_row_repeats_on_every_page_with_points(store, long_draft):
    pdf, _ = summary(store, long_draft)
    for page in words(pdf):
        texts = [w["text"] for w in page]
        if row_numbers(page):
            assert "Technique" in texts and "Muscle" in texts


def test_markers_sit_on_the_stored_diagram_coordinates(store, long_draft):
    pdf, _ = summary(store, long_draft)
    rects, curves = shapes(pdf)
    points = store.points.for_session(long_draft.id)
    views = views_with_points(points)
    # The diagram frames: tall rectangles, left to right in the order of the views.
    frames = sorted(
        {(r.page, round(r.x0, 1), round(r.top, 1), round(r.width, 1), round(r.height, 1))
         for r in rects if r.height > 150 and abs(r.width * 2 - r.height) < 2},
        key=lambda f: f[1],
    )  # fmt: skip
    assert len(frames) == len(views)
    for view, (page, x0, top, width, height) in zip(views, frames, strict=True):
        vx, vy, vw, vh = load_body_map(view).view_box
        for p in (p for p in points if p.view is view):
            expected = (x0 + (p.x - vx) / vw * width, top + (p.y - vy) / vh * height)
            size = MARKER_DIAMETER * (DIAMOND_SCALE if p.kind is PointKind.LATENT else 1)
            # Its marker, or, where markers crowd, the dot whose number is in an inset
            # (tests/report/test_markers.py reads those numbers).
            hits = [c for c in curves if c.page == page
                    and min(abs(c.width - size), abs(c.width - 2 * DOT_RADIUS)) < 0.5
                    and _distance(c.centre, expected) < 0.5]  # fmt: skip
            assert hits, f"no marker or dot for point {p.number} at {expected}"


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5


def test_session_without_points_still_prints(store, patient):
    from tests.report.conftest import start_session

    session = start_session(store, patient, pain_after=None, adverse_events=())
    _, pages = summary(store, session)
    text = " ".join(pages)
    assert "No trigger points were charted in this session." in text
    assert "Adverse events Asked, none." in text
    assert "7/10 (NRS 0–10)" in text
    assert "Red flags: none found." in text


@pytest.mark.parametrize(
    "name",
    ["Γιώργος Παπαδόπουλος", "Ирина Петрова", "Zofia Wójcik-Ørsted", "佐藤 花子", "김민수"],
)
def test_names_in_any_script_come_back_out(store, patient, name):
    from dataclasses import replace

    from tests.report.conftest import start_session

    store.patients.update(replace(patient, full_name=name))
    session = start_session(store, patient)
    _, pages = summary(store, session)
    assert name in pages[0]


# --- what the safety rules record (issue 15) ----------------------------------------------


def place(store, session, number, region_id, muscle="", **kw) -> TriggerPoint:
    """A point charted in the middle of ``region_id`` (the store checks the place)."""
    region = REGIONS[region_id]
    x, y = load_body_map(region.view).interior_point(region_id)
    return store.points.add(TriggerPoint(
        session_id=session.id, number=number, view=region.view, region_id=region_id,
        side=region.side, x=x, y=y, muscle=muscle, **kw,
    ))  # fmt: skip


def text_of(store, session) -> str:
    return " ".join(summary(store, session)[1])


def test_muscles_print_by_their_preferred_name_and_the_doctors_words(store, patient):
    session = start_session(store, patient)
    place(store, session, 1, "back.shoulder.upper.right", "upper traps")
    place(store, session, 2, "back.calf.left", "the knot above the heel")
    text = text_of(store, session)
    # The catalogue's name, and the words when they say more (never less than written).
    assert "upper trapezius (upper traps)" in text
    assert "the knot above the heel" in text


def test_a_referral_is_printed_with_its_decision_and_nothing_needled(store, patient):
    session = start_session(
        store, patient, complaint_areas=frozenset({ComplaintArea.LOW_BACK}),
        red_flags=frozenset({RedFlag.SADDLE_NUMBNESS}),
        red_flag_decision=RedFlagDecision.REFERRED, consent_given=False, consent_by="",
        adverse_events=(), adverse_events_asked=False, aftercare_given=False, pain_after=None,
    )  # fmt: skip
    text = text_of(store, session)
    assert "Complaint area Low back" in text
    assert "Red flags: Numbness around the back passage or genitals (saddle area)." in text
    assert "Decision: Referred for medical assessment. No needling after the referral." in text
    assert REFERRAL_ADVICE not in text
    assert "No trigger points were charted in this session." in text
    assert "Adverse events Not asked." in text
    # Nothing needled: neither missing consent nor needling aftercare is printed.
    assert "Nothing was needled; no consent to needling was recorded." in text
    assert "no aftercare advice for needling" in text
    assert "Consent was not recorded." not in text and "Light stretching" not in text


def test_an_undecided_red_flag_on_a_draft_asks_for_the_decision(store, patient):
    session = start_session(store, patient, red_flags=frozenset({RedFlag.FEVER}))
    text = text_of(store, session)
    assert "Red flags: Fever." in text and REFERRAL_ADVICE in text


def test_an_older_session_needled_without_a_decision_says_so_plainly(store, long_draft):
    # The first version let a doctor needle and sign under a red flag; its record must
    # not print "decide before needling" above the needled points as if still to come.
    record = load_session_record(store, long_draft.id)
    older = replace(record.session, red_flag_decision=None, red_flag_reason="")
    pages = page_texts(session_summary_pdf(replace(record, session=older), tz=UTC))
    text = " ".join(pages)
    assert "Red flags: Numbness." in text
    assert "No decision on the red flags was recorded." in text
    assert REFERRAL_ADVICE not in text


def test_a_sited_precaution_prints_with_its_site_and_the_points_on_it(store, patient):
    arm = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)
    store.patients.update(replace(
        store.patients.get(patient.id), precautions=frozenset({Precaution.LYMPHOEDEMA}),
        precaution_sites=(arm,),
    ))  # fmt: skip
    session = start_session(
        store, patient, contraindications=frozenset({Precaution.LYMPHOEDEMA}),
        precaution_sites=(arm,),
    )  # fmt: skip
    place(store, session, 1, "front.forearm.left", "wrist flexors")
    place(store, session, 2, "front.forearm.right", "wrist flexors")
    text = text_of(store, session)
    assert f"Contraindications and precautions found: {arm.text}." in text
    assert "Points on the site of a precaution" in text
    assert "Point 1: Left forearm (front), wrist flexors: " in text
    assert "avoid needling this limb where you can" in text
    assert "Point 2:" not in text
    # A site added to the patient later does not change what this session recorded.
    knee = PrecautionSite(Precaution.IMPLANTS, BodyArea.KNEE, SiteSide.RIGHT)
    current = store.patients.get(patient.id)
    store.patients.update(replace(current, precautions=current.precautions | {knee.precaution},
                                  precaution_sites=(arm, knee)))  # fmt: skip
    assert knee.text not in text_of(store, session)


def test_lung_precautions_print_per_point_as_what_was_done(store, patient):
    store.patients.update(replace(store.patients.get(patient.id), build=Build.SLIM))
    session = start_session(store, patient, both_sides_acknowledged=True)
    place(store, session, 1, "back.shoulder.upper.left", "upper trapezius",
          lung_precautions=frozenset({LungPrecaution.PINCER_GRIP}))  # fmt: skip
    place(store, session, 2, "back.shoulder.upper.right", "upper trapezius",
          lung_precautions=frozenset({LungPrecaution.PINCER_GRIP}))  # fmt: skip
    place(store, session, 3, "back.upper.right", "rhomboids", depth_mm=22.0,
          needle_length_mm=30.0)  # fmt: skip
    text = text_of(store, session)
    assert "risk acknowledged for this session" in text
    assert "pincer grip, muscle lifted off the chest wall" in text
    # Point 3 has no precaution and reaches where the pleura may lie in this slim patient.
    assert "Point 3: Right upper back" in text
    assert "Depth 22 mm: the pleura can lie within 2 cm in this slim patient." in text


def test_the_lung_box_is_grey_once_every_line_says_what_was_done(store, patient):
    session = start_session(store, patient)
    taken = frozenset({LungPrecaution.PINCER_GRIP})
    done = place(store, session, 1, "front.chest.left", "pectoralis major", lung_precautions=taken)
    open_risk = place(store, session, 2, "front.chest.left", "intercostals")
    deep = place(store, session, 3, "front.chest.left", "intercostals", depth_mm=25.0,
                 needle_length_mm=30.0)  # fmt: skip
    assert fill(caution_box("Lung risk", lung_cautions([done]))) == SHADE
    assert fill(caution_box("Lung risk", lung_cautions([done, open_risk]))) == CAUTION_FILL
    assert fill(caution_box("Lung risk", lung_cautions([done, deep]))) == WARNING_FILL


def fill(table):
    """The background colour of a one-cell box."""
    (colour,) = [c[3] for c in table._bkgrndcmds if c[0] == "BACKGROUND"]
    return colour


def test_adverse_events_print_as_records_and_later_reports_with_them(store, patient, signed):
    delayed = AdverseEvent(
        AdverseEventType.PAIN_AFTER, Severity.MILD, onset=Onset.DELAYED,
        action="advised heat", resolved=True, note="Sore for two days.",
    )  # fmt: skip
    store.later_events.report(signed.id, delayed)
    text = text_of(store, signed)
    assert "Bruising (mild, during needling; pressure applied; resolved). small, point 4" in text
    assert "Reported later, recorded on" in text and "by Dr Ana Souza" in text
    assert delayed.text in text
    # Recorded against the signed session without amending it.
    assert store.sessions.get(signed.id).version == 1 and "Amended" not in text


def test_not_asked_differs_from_asked_none(store, patient):
    asked = start_session(store, patient, adverse_events=())
    not_asked = start_session(store, patient, adverse_events=(), adverse_events_asked=False)
    assert "Adverse events Asked, none." in text_of(store, asked)
    assert "Adverse events Not asked." in text_of(store, not_asked)


# --- the clinical record prints everything recorded (issue 16) ----------------------------


@pytest.fixture
def richest_visit(store, rich_visit):
    """``rich_visit`` amended once more (version 3) to fill what schema 5 added: the
    consent wording version, stimulation settings on every electrical point (point 8
    with the frequency only), the session notes and every fourth point's notes kept off
    the patient's copy."""
    from tpchart.core.consent import CURRENT_VERSION

    store.sessions.amend(rich_visit.id, "Stimulation settings and the consent wording added")
    current = store.sessions.get(rich_visit.id)
    store.sessions.update(replace(current, consent_text_version=CURRENT_VERSION,
                                  notes_internal=True))  # fmt: skip
    for p in store.points.for_session(rich_visit.id):
        stimulation = {}
        if p.technique is Technique.ELECTRICAL:
            stimulation = dict(stim_frequency_hz=2.0 + p.number, stim_pulse_width_us=200 + p.number,
                               stim_intensity_ma=p.number / 2)  # fmt: skip
            if p.number == 8:
                stimulation = dict(stim_frequency_hz=100.0)
        store.points.update(replace(p, notes_internal=p.number % 4 == 0, **stimulation))
    return store.sessions.sign(rich_visit.id)


def test_a_richly_filled_session_prints_every_recorded_value(store, richest_visit):
    from tests.report.conftest import MEDICAL_HISTORY, SESSION_NOTES
    from tpchart.core.consent import CURRENT_VERSION
    from tpchart.report.session_summary import INTERNAL_NOTE, point_details_text

    text = text_of(store, richest_visit)
    for value in ("Sex Male", MEDICAL_HISTORY, SESSION_NOTES + " Reviewed.",
                  "Neck Disability Index 32 %", "Oswestry Disability Index 18 %",
                  "PSFS (mean 0–10) 4.5", f"Reason: {SAFE_REASON}",
                  "Consent given by Patient on 24 Nov 2026, 09:30",
                  f"Consent wording: {CURRENT_VERSION}.",
                  f"Session notes {INTERNAL_NOTE}: {SESSION_NOTES} Reviewed.",
                  "Skin was cleaned at each needle site",
                  "small, point 4", "Review in one week"):  # fmt: skip
        assert value in text, value
    points = store.points.for_session(richest_visit.id)
    assert len(points) == 29
    electrical = [p for p in points if p.technique is Technique.ELECTRICAL]
    assert len(electrical) == 10 and all(p.stimulation_recorded for p in electrical)
    for p in points:
        assert point_details_text(p) in text, p.number
        assert f"Depth: {p.depth_mm:g} mm" in text
        assert f"Pressure pain threshold: {p.pressure_threshold:g} kg/cm²" in text
        label = INTERNAL_NOTE if p.number % 4 == 0 else "Notes"
        assert f"{label}: note for point {p.number}" in text
        assert p.muscle_name in text and p.technique_text in text
    for p in electrical:
        if p.number == 8:
            settings = "100 Hz, pulse width not recorded, intensity not recorded"
        else:
            settings = (f"{p.stim_frequency_hz:g} Hz, pulse width {p.stim_pulse_width_us} µs, "
                        f"{p.stim_intensity_ma:g} mA")  # fmt: skip
        assert f"Stimulation: {settings}" in text, p.number
    assert "Findings: taut band, spot tenderness, referred pain, pain recognised" in text


def test_a_point_says_what_was_not_recorded(store, patient):
    session = start_session(store, patient)
    place(store, session, 1, "back.shoulder.upper.right", "upper trapezius")
    text = text_of(store, session)
    assert "Findings: none recorded · Depth: not recorded · Needles: 1" in text
    assert "Pressure pain threshold" not in text  # only the parts that were recorded


def test_the_amendment_trail_says_what_changed(store, rich_visit):
    text = text_of(store, rich_visit)
    assert "Version 1 reopened on" in text and "by Dr Ana Souza" in text
    assert "Reason: Added depth for points 5 and 6" in text
    assert "Changed from version 1 to 2" in text
    assert "Pain after: 3/10 → 2/10" in text
    assert "Point 5 (" in text and "changed: depth: not recorded → 9 mm" in text
    assert "Point 6 (" in text
    assert "Point 30 (" in text and ") removed" in text
    # Only what changed: point 7 was not touched.
    assert "Point 7 (" not in text


def test_the_signature_block_reads_as_one_and_is_body_size(store, rich_visit):
    import io

    import pdfplumber

    pdf, pages = summary(store, rich_visit)
    assert ("Signature Electronically signed by Dr Ana Souza Registration: CRM 1234 "
            "Signed on ") in pages[-1]  # fmt: skip
    assert "Version 2 (amended; version 1 is kept as signed)" in pages[-1]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        found = doc.pages[-1].extract_words(extra_attrs=["size"])
    (title,) = [w for w in found if w["text"] == "Signature"]
    block = [w for w in found if 0 < w["top"] - title["top"] < 60]
    texts = " ".join(w["text"] for w in block)
    for part in ("Electronically", "Souza", "Registration:", "CRM", "Signed", "Version"):
        assert part in texts, part
    # Not a 7 pt grey line: every word of the block at body size.
    assert min(w["size"] for w in block) >= 9, [(w["text"], w["size"]) for w in block]


def test_a_three_point_session_keeps_maps_and_table_on_one_page(store, patient):
    session = start_session(store, patient)
    add_points(store, session.id, 3, seed=9)
    _, pages = summary(store, store.sessions.sign(session.id))
    with_maps = [i for i, page in enumerate(pages) if "Trigger points treated (3)" in page]
    with_table = [i for i, page in enumerate(pages) if "Technique" in page and "Muscle" in page]
    assert with_maps == with_table and len(with_maps) == 1
    # and the table's last row is on that page too
    assert "Findings:" in pages[with_maps[0]] and "3/10" in pages[with_maps[0]]


def test_empty_aftercare_is_said_to_be_unrecorded_never_filled_with_the_default(store, patient):
    # The record printed the standard advice when the field was empty (issue 16).
    session = start_session(store, patient, aftercare_given=True, aftercare_text="")
    text = text_of(store, session)
    assert "No aftercare advice was recorded." in text
    assert DEFAULT_AFTERCARE.split(".")[0] not in text
