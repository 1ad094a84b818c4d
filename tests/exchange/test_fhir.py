"""The FHIR R4 export: the bundle of a rich demo patient validates with the R4B models
of fhir.resources and carries every point with its muscle code and laterality; the
CLI and the menu's dialog write real, private, audited files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import replace

import pytest
from fhir.resources.R4B.bundle import Bundle

from tpchart.cli import main
from tpchart.core import coding
from tpchart.core.regions import Side
from tpchart.core.session import SessionStatus
from tpchart.core.trigger_point import Technique, TriggerPoint
from tpchart.exchange import disclosure
from tpchart.exchange.disclosure import ExportCancelled
from tpchart.exchange.fhir import DOCUMENT, _point_notes, build_bundle, export_fhir
from tpchart.store.file import exports


def _first(store):
    return min(store.patients.find(""), key=lambda p: p.id)


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _by_url(bundle):
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def test_bundle_of_a_rich_patient_validates_with_r4b_models(demo):
    bundle = build_bundle(demo, _first(demo).id)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds >= {"Patient", "Practitioner", "Encounter", "Procedure", "Observation",
                     "BodyStructure", "Provenance", "AdverseEvent"}  # fmt: skip
    # The validation is real: a Procedure without its patient is refused.
    broken = json.loads(json.dumps(bundle))
    del _resources(broken, "Procedure")[0]["subject"]
    with pytest.raises(ValueError):
        Bundle.model_validate(broken)


def test_every_point_is_a_procedure_with_its_muscle_code_and_laterality(demo):
    patient = _first(demo)
    bundle = build_bundle(demo, patient.id)
    urls = _by_url(bundle)
    procedures = {int(p["identifier"][0]["value"]): p for p in _resources(bundle, "Procedure")}
    points = [p for ps in demo.points.for_patient(patient.id).values() for p in ps]
    assert sorted(procedures) == sorted(p.id for p in points)
    assert any(p.side is Side.MIDLINE for p in points)
    for point in points:
        procedure = procedures[point.id]
        assert procedure["code"]["coding"][0]["code"] == coding.DRY_NEEDLING.code
        site = procedure["bodySite"][0]
        expected = [(c.system, c.code) for c in coding.muscle_codes(point.muscle_id, point.muscle)]
        assert [(c["system"], c["code"]) for c in site["coding"]] == expected
        structure = urls[procedure["extension"][0]["valueReference"]["reference"]]
        assert structure["resourceType"] == "BodyStructure"
        assert structure["location"] == site
        side = coding.laterality(point.side)
        if side is None:
            assert "locationQualifier" not in structure
        else:
            assert structure["locationQualifier"][0]["coding"][0]["code"] == side.code


def test_needle_depth_technique_and_stimulation_are_in_the_note(demo):
    bundle = build_bundle(demo, _first(demo).id)
    notes = [n["text"] for p in _resources(bundle, "Procedure") for n in p.get("note", [])]
    assert any("Depth 12 mm" in n or "depth 12 mm" in n for n in notes)
    assert any("stimulation 2 Hz, 250 µs pulse width, 5.5 mA" in n for n in notes)
    point = TriggerPoint(1, 1, "back", "back.neck", Side.LEFT, 1, 1, needle_gauge_mm=0.25,
                         needle_length_mm=30, depth_mm=15, technique=Technique.PISTONING,
                         passes=8)  # fmt: skip
    assert _point_notes(point)[0] == (
        "Needle 0.25 × 30 mm; depth 15 mm; technique: Pistoning, 8 passes; 1 needle"
    )


def test_pain_outcomes_adverse_events_and_signatures(demo):
    patient = _first(demo)
    bundle = build_bundle(demo, patient.id)
    sessions = demo.sessions.for_patient(patient.id)
    observations = _resources(bundle, "Observation")
    pain = [o for o in observations if o["code"]["coding"][0]["code"] == "72514-3"]
    recorded = [v for s in sessions for v in (s.pain_before, s.pain_after) if v is not None]
    assert sorted(o["valueInteger"] for o in pain) == sorted(recorded)
    ndi = [o for o in observations if o["code"]["coding"][0]["code"] == "ndi"]
    assert [o["valueQuantity"]["value"] for o in ndi] == [s.ndi for s in sessions if s.ndi]
    later = demo.later_events.for_patient(patient.id)
    events = sum(len(s.adverse_events) for s in sessions) + sum(map(len, later.values()))
    assert len(_resources(bundle, "AdverseEvent")) == events > 0
    signed = [s for s in sessions if s.status is SessionStatus.SIGNED]
    provenances = _resources(bundle, "Provenance")
    assert len(provenances) == len(signed) == len(sessions) - 1
    assert {p["recorded"] for p in provenances} == {s.signed_at.isoformat() for s in signed}
    # The draft's findings are preliminary, the signed ones final.
    assert {o["status"] for o in observations} == {"final", "preliminary"}


def test_the_export_needs_no_fhir_library():
    code = (
        "import sys, tpchart.exchange.fhir, tpchart.exchange.research_csv; "
        "assert not {'fhir', 'pydantic'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_writes_a_private_bundle_audited_as_a_disclosure(demo, tmp_path, capsys):
    patient = _first(demo)
    demo.close()
    target = tmp_path / "bundle.json"
    assert main(["export-fhir", "--db", str(tmp_path / "demo.db"), "--patient",
                 str(patient.id), "-o", str(target)]) == 0  # fmt: skip
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    Bundle.model_validate(json.loads(target.read_text(encoding="utf-8")))
    from tpchart.store import Store

    with Store.open(tmp_path / "demo.db") as store:
        rows = [e for e in store.audit_trail("patients", patient.id) if e.action == "export"]
    assert rows[-1].after == {"document": DOCUMENT, "file": "bundle.json"}
    assert "Wrote" in capsys.readouterr().out


def test_audit_row_comes_before_the_file(demo, tmp_path, monkeypatch):
    patient = _first(demo)
    target = tmp_path / "bundle.json"

    def full_disk(*_args):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports.os, "replace", full_disk)
    with pytest.raises(OSError):
        export_fhir(demo, patient.id, target)
    assert not target.exists() and not list(tmp_path.glob(".bundle.json.*"))
    rows = [e.after for e in demo.audit_trail("patients", patient.id) if e.action == "export"]
    assert rows[-2] == {"document": DOCUMENT, "file": "bundle.json"}
    assert rows[-1]["not written"] == "No space left on device"


def test_cancel_leaves_no_file_and_no_disclosure(demo, tmp_path):
    patient = _first(demo)

    def cancel(done, total):
        raise ExportCancelled("stopped")

    with pytest.raises(ExportCancelled):
        export_fhir(demo, patient.id, tmp_path / "bundle.json", progress=cancel)
    assert os.listdir(tmp_path) == ["demo.db", "demo.db-shm", "demo.db-wal"] or not list(
        tmp_path.glob("*.json*")
    )
    assert not [e for e in demo.audit_trail("patients", patient.id) if e.action == "export"]


def test_cli_bad_patient_is_one_plain_line(demo, tmp_path, capsys):
    demo.close()
    code = main(["export-fhir", "--db", str(tmp_path / "demo.db"), "--patient", "999",
                 "-o", str(tmp_path / "b.json")])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and err == "tpchart: Patient 999 does not exist\n"
    assert not (tmp_path / "b.json").exists()


def test_an_existing_file_that_is_not_a_bundle_is_not_replaced(demo, tmp_path):
    notes = tmp_path / "notes.json"
    notes.write_text("remember the milk", encoding="utf-8")
    with pytest.raises(disclosure.ExportRefused):
        export_fhir(demo, _first(demo).id, notes)
    assert notes.read_text(encoding="utf-8") == "remember the milk"
    with pytest.raises(disclosure.ExportRefused):
        export_fhir(demo, _first(demo).id, demo.path)


def test_menu_dialog_saves_the_bundle(demo, tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from tpchart.ui import exchange_export

    target = tmp_path / "from menu"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))  # fmt: skip
    patient = replace(_first(demo))
    saved = exchange_export.export_patient_fhir(None, demo, patient.id)
    assert saved == tmp_path / "from menu.json" and saved.exists()
    Bundle.model_validate(json.loads(saved.read_text(encoding="utf-8")))
    for box in list(exchange_export._open_messages):
        assert isinstance(box, QMessageBox)
        box.close()
    assert exchange_export.bundle_file_name("Anne-Marie O'Brien: a/b").endswith(
        "Anne-Marie O'Brien a b FHIR.json"
    )
