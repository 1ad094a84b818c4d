"""Documents by record id: file names a doctor would choose, atomic writes, audit."""

from __future__ import annotations

from datetime import UTC, date

import pypdf
import pytest

from tpchart.core.errors import NotFoundError
from tpchart.report.documents import (
    export_progress,
    export_session,
    progress_file_name,
    safe_file_name,
    session_file_name,
)


def test_file_names_start_with_the_date(patient, signed):
    assert session_file_name(patient, signed, UTC) == "2026-11-24 A-001 session.pdf"
    assert progress_file_name(patient, date(2026, 12, 1)) == ("2026-12-01 A-001 progress.pdf")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("A/B: C?*", "A B C"), ("Anne-Marie O'Brien.", "Anne-Marie O'Brien"), ("<>", "document")],
)
def test_unsafe_characters_are_replaced(text, expected):
    assert safe_file_name(text) == expected


def test_export_writes_and_audits(store, patient, signed, tmp_path):
    path = export_session(store, signed.id, tmp_path / "s.pdf")
    assert "Signed by Dr Ana Souza" in pypdf.PdfReader(path).pages[0].extract_text()
    assert store.audit_trail("sessions", signed.id)[-1].action == "export"
    path = export_progress(store, patient.id, tmp_path / "p.pdf")
    assert pypdf.PdfReader(path).pages
    assert store.audit_trail("patients", patient.id)[-1].action == "export"


def test_missing_session_is_a_plain_error_and_writes_nothing(store, tmp_path):
    with pytest.raises(NotFoundError, match="Session 99 does not exist"):
        export_session(store, 99, tmp_path / "s.pdf")
    assert not (tmp_path / "s.pdf").exists()
