"""Writing a document never leaves a half-written file behind."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pypdf
import pytest

from tpchart.report.documents import export_progress, export_session
from tpchart.report.pages import pdf_date
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store.file import write_atomic, write_bytes_atomic


def test_writes_the_whole_file(tmp_path):
    target = tmp_path / "summary.pdf"
    write_bytes_atomic(target, b"%PDF-1.4 new")
    assert target.read_bytes() == b"%PDF-1.4 new"
    assert os.listdir(tmp_path) == ["summary.pdf"]


def test_a_failing_writer_leaves_the_old_file(tmp_path):
    target = tmp_path / "summary.pdf"
    target.write_bytes(b"%PDF-1.4 old")

    def half_then_fail(file):
        file.write(b"%PDF-1.4 ha")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, half_then_fail)
    assert target.read_bytes() == b"%PDF-1.4 old"
    assert os.listdir(tmp_path) == ["summary.pdf"]  # no temporary file left over


def test_a_failing_writer_creates_nothing_new(tmp_path):
    def fail(file):
        raise RuntimeError("layout bug")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "new.pdf", fail)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_documents_are_private_whatever_the_umask_even_when_replacing(tmp_path):
    # Issue 11: exported PDFs were 0644. A patient's document is for its owner only.
    previous = os.umask(0o000)
    try:
        fresh = write_bytes_atomic(tmp_path / "new.pdf", b"%PDF-new")
        target = tmp_path / "summary.pdf"
        target.write_bytes(b"old")
        target.chmod(0o644)
        write_bytes_atomic(target, b"new")
    finally:
        os.umask(previous)
    assert fresh.stat().st_mode & 0o777 == 0o600
    assert target.stat().st_mode & 0o777 == 0o600


# -- the PDF's own dates ---------------------------------------------------------------
# Issue 14: every PDF said CreationDate 2000-01-01 (reportlab's invariant mode).


def _pdfinfo_dates(path) -> dict[str, datetime]:
    """CreationDate and ModDate as pdfinfo (poppler) reads them, in ISO form."""
    out = subprocess.run(["pdfinfo", "-isodates", str(path)], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    found = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return {key: datetime.fromisoformat(found[key].strip()) for key in ("CreationDate", "ModDate")}


def test_an_exported_pdf_is_dated_when_it_was_made(store, patient, signed, tmp_path):
    before = datetime.now(UTC).replace(microsecond=0)
    path = export_session(store, signed.id, tmp_path / "summary.pdf")
    after = datetime.now(UTC)
    meta = pypdf.PdfReader(path).metadata
    assert before <= meta.creation_date <= after
    assert meta.modification_date == meta.creation_date
    progress = export_progress(store, patient.id, tmp_path / "progress.pdf")
    assert before <= pypdf.PdfReader(progress).metadata.creation_date <= datetime.now(UTC)
    if shutil.which("pdfinfo"):  # the reader a doctor's Linux desktop uses
        dates = _pdfinfo_dates(path)
        assert before <= dates["CreationDate"] <= after
        assert dates["ModDate"] == dates["CreationDate"]


@pytest.mark.parametrize("zone", [timezone(timedelta(hours=5, minutes=30)),
                                  timezone(timedelta(hours=-3)), UTC])  # fmt: skip
def test_the_pdf_date_is_the_printed_moment_with_its_zone(store, signed, zone):
    printed = datetime(2026, 11, 24, 10, 42, 7, tzinfo=zone)
    record = load_session_record(store, signed.id)
    pdf = session_summary_pdf(record, printed_at=printed, tz=UTC)
    assert pypdf.PdfReader(io.BytesIO(pdf)).metadata.creation_date == printed
    # Same record, same moment: the same bytes (reproducible output is kept).
    assert session_summary_pdf(record, printed_at=printed, tz=UTC) == pdf


def test_pdf_date_strings():
    moment = datetime(2026, 3, 1, 8, 5, 9, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    assert pdf_date(moment) == "D:20260301080509-03'30'"
    assert pdf_date(moment.astimezone(UTC)) == "D:20260301113509+00'00'"
