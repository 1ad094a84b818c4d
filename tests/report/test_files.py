"""Writing a document never leaves a half-written file behind."""

from __future__ import annotations

import os

import pytest

from tpchart.report.files import write_atomic, write_bytes_atomic


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
