"""tpchart export-pdf: the documents from the command line, errors in one line."""

from __future__ import annotations

import pypdf
import pytest

from tpchart.cli import main


@pytest.fixture
def db(store, signed):
    # The store fixture's file, with a signed session; closed so the CLI opens it alone.
    path = store.path
    store.close()
    return path


def test_session_summary(db, signed, tmp_path, capsys):
    out = tmp_path / "summary.pdf"
    assert main(["export-pdf", "--db", str(db), "--session", str(signed.id), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "王小明 (Wang Xiaoming)" in text and "Signed by Dr Ana Souza" in text


def test_progress_report(db, patient, tmp_path):
    out = tmp_path / "progress.pdf"
    args = [
        "export-pdf",
        "--db",
        str(db),
        "--patient",
        str(patient.id),
        "--progress",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    assert "Progress report" in pypdf.PdfReader(out).pages[0].extract_text()


def test_aftercare_sheet(db, signed, tmp_path, capsys):
    out = tmp_path / "aftercare.pdf"
    args = ["export-pdf", "--db", str(db), "--session", str(signed.id), "--handout", "-o", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "Aftercare sheet" in text and "王小明 (Wang Xiaoming)" in text
    assert "What you may feel" in text and "Signed by" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "99"], "tpchart: Session 99 does not exist"),
        (["--patient", "99", "--progress"], "tpchart: Patient 99 does not exist"),
        (["--patient", "1"], "tpchart: --patient needs --progress"),
        (["--patient", "1", "--handout"], "tpchart: --handout needs --session ID"),
        (["--session", "99", "--handout"], "tpchart: Session 99 does not exist"),
    ],
)
def test_errors_are_one_line_and_exit_2(db, tmp_path, capsys, args, message):
    out = tmp_path / "x.pdf"
    assert main(["export-pdf", "--db", str(db), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not out.exists()


def test_missing_folder_and_database_are_one_line(db, tmp_path, capsys):
    assert main(["export-pdf", "--db", str(db), "--session", "1", "-o",
                 str(tmp_path / "nowhere" / "x.pdf")]) == 2  # fmt: skip
    assert "There is no folder" in capsys.readouterr().err
    assert main(["export-pdf", "--db", str(tmp_path / "no.db"), "--session", "1", "-o",
                 str(tmp_path / "x.pdf")]) == 2  # fmt: skip
    assert (
        capsys.readouterr().err.strip() == f"tpchart: There is no database at {tmp_path / 'no.db'}"
    )


def test_session_or_patient_is_required(db, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["export-pdf", "--db", str(db), "-o", str(tmp_path / "x.pdf")])
    assert exit_info.value.code == 2
