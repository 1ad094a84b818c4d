"""The research table: no direct identifier anywhere in its bytes, dates shifted by one
offset per patient (intervals kept), private files in a private folder, audited before
writing, nothing left behind by a failure or a cancel."""

from __future__ import annotations

import csv
import io
import os
import random
import stat
from datetime import date

import pytest

from tpchart.cli import main
from tpchart.exchange.disclosure import ExportCancelled, ExportRefused
from tpchart.exchange.research_csv import DOCUMENT, export_research_csv
from tpchart.store.file import exports

FILES = ["README.txt", "data_dictionary.csv", "points.csv", "sessions.csv"]


def _rows(folder, name):
    text = (folder / name).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _everyone(store):
    return sorted(store.patients.find("", include_archived=True), key=lambda p: p.id)


def test_no_direct_identifier_in_any_file(demo, tmp_path):
    out = tmp_path / "research"
    export_research_csv(demo, out)
    data = b"".join((out / name).read_bytes() for name in FILES)
    identifiers = []
    for patient in _everyone(demo):
        born = patient.date_of_birth
        identifiers += [patient.full_name, patient.record_number, patient.email, patient.phone,
                        born.isoformat(), born.strftime("%d/%m/%Y")]  # fmt: skip
        for session in demo.sessions.for_patient(patient.id):
            if session.chief_complaint:
                identifiers.append(session.chief_complaint)
    identifiers += [p.name for p in demo.practitioners.all()]
    assert all(identifiers)
    for text in identifiers:
        assert text.encode("utf-8") not in data, text
    sessions = _rows(out, "sessions.csv")
    assert "patient_id" not in sessions[0] and "date_of_birth" not in sessions[0]
    assert all(row["patient_key"].startswith("P") and len(row["patient_key"]) == 11
               for row in sessions)  # fmt: skip


def test_dates_are_shifted_by_one_offset_per_patient(demo, tmp_path):
    out = tmp_path / "research"
    export_research_csv(demo, out, shift_days=30, rng=random.Random(4))
    rows = _rows(out, "sessions.csv")
    keys = list(dict.fromkeys(r["patient_key"] for r in rows))
    patients = [p for p in _everyone(demo) if demo.sessions.for_patient(p.id)]
    assert len(keys) == len(patients) == 4
    offsets = set()
    for key, patient in zip(keys, patients, strict=True):
        mine = [r for r in rows if r["patient_key"] == key]
        real = [s.started_at.astimezone().date() for s in demo.sessions.for_patient(patient.id)]
        shifted = [date.fromisoformat(r["session_date"]) for r in mine]
        shifts = {(s - d).days for s, d in zip(shifted, real, strict=True)}
        assert len(shifts) == 1  # one offset for all of a patient's dates
        (shift,) = shifts
        assert shift != 0 and abs(shift) <= 30
        offsets.add(shift)
        # The intervals between the patient's sessions are exact.
        assert [int(r["days_since_first_session"]) for r in mine] == [
            (d - real[0]).days for d in real
        ]
        ages = {int(r["age_years"]) for r in mine}
        assert ages <= {patient.age_on(d) for d in real}
    assert len(offsets) > 1  # drawn for each patient, not one for all


def test_every_point_has_a_row_with_its_codes(demo, tmp_path):
    out = tmp_path / "research"
    done = export_research_csv(demo, out)
    points = _rows(out, "points.csv")
    total = sum(len(ps) for p in _everyone(demo) for ps in demo.points.for_patient(p.id).values())
    assert len(points) == done.points == total
    by_side = {(r["side"], r["laterality_snomed"]) for r in points}
    assert by_side >= {("left", "7771000"), ("right", "24028007"), ("midline", "")}
    traps = [r for r in points if r["muscle_id"] == "upper_trapezius"]
    assert not traps or {r["muscle_snomed"] for r in traps} == {"31764008"}
    dictionary = _rows(out, "data_dictionary.csv")
    assert {(d["file"], d["column"]) for d in dictionary} == {
        *(("points.csv", c) for c in points[0]),
        *(("sessions.csv", c) for c in _rows(out, "sessions.csv")[0]),
    }
    assert "shifted" in (out / "README.txt").read_text(encoding="utf-8")


def test_files_are_private_and_a_non_empty_folder_is_refused(demo, tmp_path):
    out = tmp_path / "research"
    export_research_csv(demo, out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert sorted(os.listdir(out)) == FILES
    assert {stat.S_IMODE(os.stat(out / f).st_mode) for f in FILES} == {0o600}
    before = (out / "points.csv").read_bytes()
    with pytest.raises(ExportRefused, match="is not empty"):
        export_research_csv(demo, out)
    assert (out / "points.csv").read_bytes() == before
    empty = tmp_path / "empty"
    empty.mkdir()
    export_research_csv(demo, empty)  # an empty folder is fine
    assert sorted(os.listdir(empty)) == FILES


def test_every_patient_is_audited_before_the_files_are_written(demo, tmp_path, monkeypatch):
    out = tmp_path / "research"

    def crash(*_args):
        raise OSError("the disk went away")

    monkeypatch.setattr(exports.os, "rename", crash)
    with pytest.raises(OSError):
        export_research_csv(demo, out)
    assert not out.exists() and not list(tmp_path.glob(".research.*"))
    for patient in _everyone(demo):
        rows = [e.after for e in demo.audit_trail("patients", patient.id) if e.action == "export"]
        assert rows == [
            {"document": DOCUMENT, "file": "research"},
            {"document": DOCUMENT, "file": "research", "not written": "the disk went away"},
        ]


def test_cancel_while_reading_writes_and_discloses_nothing(demo, tmp_path):
    seen = []

    def cancel_at_second(done, total):
        seen.append((done, total))
        if done == 2:
            raise ExportCancelled("stopped")

    with pytest.raises(ExportCancelled):
        export_research_csv(demo, tmp_path / "research", progress=cancel_at_second)
    assert seen == [(1, 4), (2, 4)]
    assert not (tmp_path / "research").exists() and not list(tmp_path.glob(".research*"))
    assert not [e for e in demo.audit_trail() if e.action == "export"]


def test_cli_export_csv(demo, tmp_path, capsys):
    demo.close()
    db = str(tmp_path / "demo.db")
    assert main(["export-csv", "--db", db, "--to", str(tmp_path / "out")]) == 0
    assert "Wrote 4 patients" in capsys.readouterr().out
    assert main(["export-csv", "--db", db, "--to", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not empty" in err
