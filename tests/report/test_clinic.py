"""The clinic profile is stored with the records and every export is audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from tpchart.core.clinic import ClinicProfile
from tpchart.core.errors import ValidationError
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store import Store
from tpchart.store.records import Disclosure

from .pdf_reading import page_texts


def test_profile_survives_reopening(store, tmp_path):
    entered = ClinicProfile(
        name="  Praxis Müller ", address="Hauptstraße 1\n 80331 München ", phone="+49 89 1",
        email="info@example.org",
    )  # fmt: skip
    store.clinic.save(entered)
    path = store.path
    store.close()
    with Store.open(path) as again:
        profile = again.clinic.load()
    assert profile.name == "Praxis Müller"
    assert profile.address == "Hauptstraße 1\n80331 München"
    assert profile.contact_line() == "Tel. +49 89 1 · info@example.org"


def test_fresh_database_has_an_empty_profile(tmp_path):
    with Store.open(tmp_path / "new.db") as fresh:
        assert fresh.clinic.load().is_empty


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not an address"}, "E-mail address looks wrong"),
        ({"name": "x" * 201}, "Clinic name is too long"),
        ({"address": "\n".join("line" for _ in range(8))}, "too many lines"),
    ],
)
def test_profile_validation_speaks_plainly(values, message):
    with pytest.raises(ValidationError, match=message):
        ClinicProfile(**values)


def test_saving_the_profile_audits_only_what_changed(store):
    before = len(store.audit_trail("settings"))
    store.clinic.save(replace(store.clinic.load(), name="Clinic B"))
    entries = store.audit_trail("settings")[before:]
    assert [e.after["key"] for e in entries] == ["clinic.name"]


def test_export_and_print_are_audited(store, signed):
    store.disclosures.record("sessions", signed.id, "session summary", file_name="a.pdf")
    store.disclosures.record("sessions", signed.id, "session summary", how=Disclosure.PRINT)
    last_two = store.audit_trail("sessions", signed.id)[-2:]
    assert [e.action for e in last_two] == ["export", "print"]
    assert last_two[0].after == {"document": "session summary", "file": "a.pdf"}
    assert last_two[0].practitioner_id == store.practitioner_id


def test_no_document_prints_a_placeholder_for_a_missing_clinic_name(store, signed):
    # A command-line export may run before the profile is filled in: the letterhead
    # then stays empty rather than printing instructions on a clinical record.
    record = replace(load_session_record(store, signed.id), clinic=ClinicProfile())
    text = " ".join(page_texts(session_summary_pdf(record, tz=UTC)))
    assert "not set" not in text and "Settings" not in text
