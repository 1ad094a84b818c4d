"""The consent form (issue 16): the wording the patient is asked to sign, in plain words,
with the session's planned sites, the lung risk exactly when it applies, the wording's
version, and a disclosure audited like every export, from the library and the CLI."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pypdf
import pytest

from tpchart.cli import main
from tpchart.core.clinic import ClinicProfile
from tpchart.core.consent import CURRENT_VERSION, VERSIONS
from tpchart.core.errors import ValidationError
from tpchart.core.muscles import MUSCLES
from tpchart.core.screening import ComplaintArea
from tpchart.report.consent_form import consent_form_pdf, consent_form_text
from tpchart.report.documents import CONSENT, CONSENT_DOCUMENT, PATIENT_COPY_DOCUMENT
from tpchart.report.readability import measure
from tpchart.report.records import load_session_record

from .conftest import SAFE_REASON, add_points, start_session
from .pdf_reading import page_texts
from .test_aftercare import CALF, FOREARM, LUNG, needle

ROOT = Path(__file__).resolve().parents[2]


def form(store, session_id) -> str:
    """The form's text, all pages, as a reader would copy it."""
    return " ".join(page_texts(consent_form_pdf(load_session_record(store, session_id))))


def pages(pdf: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_form_names_the_planned_sites_in_plain_words(store, patient):
    session = start_session(store, patient)
    needle(store, session.id, [CALF, FOREARM, "back.neck.posterior.right",
                               "back.neck.posterior.left"])  # fmt: skip
    text = form(store, session.id)
    assert "Where the needles will go" in text
    for site in ("your left calf", "the palm side of your right forearm", "the back of your neck"):
        assert site in text
    assert "not chosen yet" not in text


def test_the_lung_risk_is_explained_exactly_when_a_planned_site_is_over_the_lung(store, patient):
    away = start_session(store, patient)
    needle(store, away.id, [CALF, FOREARM])
    over = start_session(store, patient)
    needle(store, over.id, [CALF, LUNG])
    assert not any(p.lung_risk_reason for p in store.points.for_session(away.id))
    away_text = form(store, away.id)
    for words in ("pneumothorax", "collapsed lung", "short of breath", "emergency department"):
        assert words not in away_text
    text = form(store, over.id)
    assert "A rare but serious risk: a collapsed lung" in text
    assert "(pneumothorax)" in text
    assert "hours after the session" in text and "short of breath or have chest pain" in text
    assert "Call an ambulance or go to an emergency department" in text


def test_before_any_point_is_marked_it_names_the_complaint_and_promises_the_sites(store, patient):
    session = start_session(store, patient, complaint_areas=frozenset({ComplaintArea.LOW_BACK}))
    text = form(store, session.id)
    assert "The exact spots are not chosen yet." in text
    assert "You told us your pain is in your low back." in text
    assert "The sites will be explained before needling." in text
    assert "collapsed lung" not in text  # nothing planned over the lung
    # No complaint area recorded: no half-sentence about it.
    bare = start_session(store, patient)
    text = form(store, bare.id)
    assert "The sites will be explained before needling." in text
    assert "your pain is in" not in text and "{area}" not in text


def test_risks_choice_and_both_signatures_are_on_the_form(store, patient):
    session = start_session(store, patient)
    needle(store, session.id, [CALF])
    text = form(store, session.id)
    for risk in ("sore, heavy muscles", "a bruise", "feeling tired", "feeling faint",
                 "an infection", "a nerve", "a needle that breaks"):  # fmt: skip
        assert risk in text, risk
    assert "You can say no now" in text and "stop at any time" in text
    assert "Your doctor will answer your questions" in text
    assert "Signature of patient or guardian" in text and "Relationship" in text
    assert "Signature of practitioner" in text
    # The practitioner's name and registration are printed, ready to sign beside.
    assert "Dr Ana Souza" in text and "CRM 1234" in text and "Registration" in text


def test_the_footer_names_the_wording_version_on_every_page(store, patient):
    session = start_session(store, patient)
    needle(store, session.id, [LUNG, *sorted({"back.scapula.right", "back.upper.right",
                                             "back.neck.posterior.left", CALF})])  # fmt: skip
    pdf = consent_form_pdf(load_session_record(store, session.id))
    texts = page_texts(pdf)
    assert all(f"Consent wording {CURRENT_VERSION}" in t for t in texts)


def test_the_recorded_version_is_printed_else_the_current_one(store, patient, monkeypatch):
    session = start_session(store, patient, consent_text_version="")
    needle(store, session.id, [CALF])
    assert f"Consent wording {CURRENT_VERSION}" in form(store, session.id)
    # A session signed under an older wording reprints that wording, not today's.
    older = replace(VERSIONS[CURRENT_VERSION], version="2025-01", title="Agreeing to needling")
    monkeypatch.setattr("tpchart.core.consent.VERSIONS", {**VERSIONS, "2025-01": older})
    store.sessions.update(replace(store.sessions.get(session.id), consent_text_version="2025-01"))
    text = form(store, session.id)
    assert "Consent wording 2025-01" in text and "Agreeing to needling" in text
    assert f"Consent wording {CURRENT_VERSION}" not in text


def test_a_version_this_app_never_issued_is_refused_and_nothing_written(store, patient, tmp_path):
    session = start_session(store, patient, consent_text_version="2099-01")
    before = len(store.audit_trail())
    with pytest.raises(ValidationError, match="No consent wording has version '2099-01'"):
        CONSENT.export(store, session.id, tmp_path / "c.pdf")
    assert not (tmp_path / "c.pdf").exists() and len(store.audit_trail()) == before


def test_no_clinician_only_words_reach_the_form(store, patient):
    # The aftercare sheet's list (tests/report/test_aftercare.py), less what a consent
    # form must print: "pneumothorax" named once beside "collapsed lung" (a word the
    # patient can say at an emergency department) and the practitioner's registration.
    session = start_session(
        store, patient, red_flag_reason=SAFE_REASON,
        notes="Practitioner only: query fibromyalgia, discuss with GP.",
    )  # fmt: skip
    for point in add_points(store, session.id, 40):
        store.points.update(replace(point, notes="Dense band, patient guarded"))
    record = load_session_record(store, session.id)
    text = form(store, session.id)
    lung_reasons = {p.lung_risk_reason for p in record.points} - {""}
    assert lung_reasons
    forbidden = [
        SAFE_REASON, "Red flag", "Safe to proceed", "Practitioner only", "Dense band",
        "small, point 4", "pressure applied", "Mild", "Bruising (", " mm", "depth", "Depth",
        "trigger point", "Trigger point", "NRS", "MCID", "twitch", "Pistoning", "Static",
        "Electrical", "latent", "Latent", "Contraindication", "Anticoagulants", "DRAFT",
        "Nackenschmerzen", "pleura", *(reason[:40] for reason in lung_reasons),
        *(MUSCLES[p.muscle_id].name for p in record.points if p.muscle_id in MUSCLES),
    ]  # fmt: skip
    assert [words for words in forbidden if words in text] == []
    assert text.count("pneumothorax") == 1


def test_the_wording_reads_at_about_age_twelve(store, patient):
    # The aftercare sheet's aim: Flesch reading ease 70 or more, grade 7 or less, with
    # every tailored part on (sites listed, the lung section).
    session = start_session(store, patient)
    needle(store, session.id, [LUNG, CALF, FOREARM])
    score = measure(consent_form_text(load_session_record(store, session.id)))
    assert score.words > 350
    assert score.reading_ease >= 70, score
    assert score.grade <= 7, score


def test_one_a4_page_for_a_few_sites_two_for_the_lung_and_a_whole_body_plan(store, patient):
    few = start_session(store, patient)
    needle(store, few.id, [CALF, FOREARM])
    pdf = consent_form_pdf(load_session_record(store, few.id))
    (page,) = pages(pdf)
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    many = start_session(store, patient)
    add_points(store, many.id, 40)
    pdf = consent_form_pdf(load_session_record(store, many.id))
    texts = page_texts(pdf)
    assert len(texts) == 2
    # The signatures sit under the right to say no, never alone on a page.
    assert "Your choice" in texts[-1] and "Signature of practitioner" in texts[-1]


def test_an_unnamed_clinic_prints_no_placeholder(store, patient):
    store.clinic.save(ClinicProfile())
    session = start_session(store, patient)
    needle(store, session.id, [CALF])
    text = form(store, session.id)
    assert "not set" not in text.lower() and "Klinik" not in text
    assert "Consent to dry needling" in text


def test_export_is_an_audited_disclosure_written_for_the_owner_only(store, patient, tmp_path):
    session = start_session(store, patient)
    needle(store, session.id, [CALF])
    path = CONSENT.export(store, session.id, tmp_path / "consent.pdf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Consent to dry needling" in pypdf.PdfReader(path).pages[0].extract_text()
    entry = store.audit_trail("sessions", session.id)[-1]
    assert entry.action == "export"
    assert entry.after == {"document": CONSENT_DOCUMENT, "file": "consent.pdf"}
    assert CONSENT.file_name(patient, session, UTC) == ("2026-11-24 A-001 consent.pdf")


# --- tpchart export-pdf --consent / --patient-copy ---


@pytest.fixture
def planned(store, patient):
    """A database file with a draft session planned over the lung, closed so the CLI
    opens it alone; (path, session id)."""
    session = start_session(store, patient)
    needle(store, session.id, [LUNG, CALF])
    path = store.path
    store.close()
    return path, session.id


def test_cli_writes_the_consent_form_0600_and_audits_it(planned, tmp_path, capsys):
    from tpchart.store import Store

    db, session_id = planned
    out = tmp_path / "consent.pdf"
    args = [
        "export-pdf",
        "--db",
        str(db),
        "--session",
        str(session_id),
        "--consent",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert "Consent to dry needling" in text and "collapsed lung" in text
    assert "the top of your right shoulder" in text
    with Store.open(db) as store:
        entry = store.audit_trail("sessions", session_id)[-1]
    assert entry.action == "export"
    assert entry.after == {"document": CONSENT_DOCUMENT, "file": "consent.pdf"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "99", "--consent"], "tpchart: Session 99 does not exist"),
        (["--patient", "1", "--consent"], "tpchart: --consent needs --session ID"),
        (["--session", "99", "--patient-copy"], "tpchart: Session 99 does not exist"),
        (["--patient", "1", "--patient-copy"], "tpchart: --patient-copy needs --session ID"),
    ],
)
def test_cli_errors_are_one_line_exit_2_and_write_nothing(planned, tmp_path, capsys, args,
                                                          message):  # fmt: skip
    db, _ = planned
    out = tmp_path / "x.pdf"
    assert main(["export-pdf", "--db", str(db), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not out.exists()


def test_cli_takes_one_document_at_a_time(planned, tmp_path, capsys):
    db, session_id = planned
    with pytest.raises(SystemExit) as stopped:
        main(["export-pdf", "--db", str(db), "--session", str(session_id), "--consent",
              "--handout", "-o", str(tmp_path / "x.pdf")])  # fmt: skip
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_bad_session_in_a_real_process_shows_no_traceback(planned, tmp_path):
    db, _ = planned
    out = tmp_path / "x.pdf"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export-pdf", "--db", str(db),
         "--session", "424242", "--consent", "-o", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "tpchart: Session 424242 does not exist"
    assert "Traceback" not in result.stderr and not out.exists()


def test_cli_writes_the_patients_copy_without_internal_notes(store, patient, tmp_path, capsys):
    from tpchart.store import Store

    internal = "Practitioner only: query fibromyalgia, discuss with GP."
    session = start_session(store, patient, notes=internal, notes_internal=True)
    needle(store, session.id, [CALF])
    db = store.path
    store.close()
    filed, copy = tmp_path / "filed.pdf", tmp_path / "copy.pdf"
    base = ["export-pdf", "--db", str(db), "--session", str(session.id)]
    assert main([*base, "-o", str(filed)]) == 0
    assert main([*base, "--patient-copy", "-o", str(copy)]) == 0
    filed_text = " ".join(p.extract_text() for p in pypdf.PdfReader(filed).pages)
    copy_text = " ".join(p.extract_text() for p in pypdf.PdfReader(copy).pages)
    assert "Practitioner only" in filed_text
    assert "Practitioner only" not in copy_text and "patient's copy" in copy_text
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with Store.open(db) as reopened:
        entry = reopened.audit_trail("sessions", session.id)[-1]
    assert entry.after == {"document": PATIENT_COPY_DOCUMENT, "file": "copy.pdf"}
