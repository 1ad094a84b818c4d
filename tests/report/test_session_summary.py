"""The session summary read back from the PDF: what a doctor and a patient would check."""

from __future__ import annotations

from datetime import UTC

import pytest

from tests.report.pdf_reading import page_texts, shapes, words
from tpchart.bodymap import load_body_map
from tpchart.bodymap.markers import MARKER_DIAMETER
from tpchart.core.regions import REGIONS
from tpchart.core.screening import REFERRAL_ADVICE
from tpchart.core.trigger_point import PointKind
from tpchart.report.diagrams import DIAMOND_SCALE, views_with_points
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import point_row, session_summary_pdf


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
        assert p.muscle in text
        assert f"{p.pain}/10" in text
        assert p.technique_text in text


def test_pain_scores_and_safety_statements(store, long_draft):
    _, pages = summary(store, long_draft)
    text = " ".join(pages)
    assert "7/10 (NRS 0–10)" in text
    assert "3/10 (change -4)" in text
    assert "Anticoagulants or bleeding disorder" in text
    assert "Red flags with neck pain: Numbness." in text
    assert REFERRAL_ADVICE in text
    assert "Consent given by Patient on 24 Nov 2026, 09:30" in text
    assert "both sides of the thorax" in text  # lung-risk points left and right
    assert "Bruising" in text and "Mild" in text
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
    assert 2 <= len(pages) <= 4
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
            hits = [c for c in curves if c.page == page and abs(c.width - size) < 0.5
                    and _distance(c.centre, expected) < 0.5]  # fmt: skip
            assert hits, f"no marker for point {p.number} at {expected}"


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5


def test_session_without_points_still_prints(store, patient):
    from tests.report.conftest import start_session

    session = start_session(store, patient, pain_after=None, adverse_events=())
    _, pages = summary(store, session)
    text = " ".join(pages)
    assert "No trigger points were charted in this session." in text
    assert "None recorded." in text
    assert "7/10 (NRS 0–10)" in text


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
