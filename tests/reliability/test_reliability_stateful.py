"""The store against an in-memory model: random sequences of create, edit, sign,
amend, archive, delete and reopen, with the invariants checked after every step.

Part of the store's contract suite: the same machine runs on a database file and on a
clinic server (a fresh copy of the test server's template clinic for each example),
and each example ends with the engine's own ``check``."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.clinic_server import ServerClinics
from tpchart.core.errors import SignedRecordError, ValidationError
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import SessionStatus
from tpchart.core.validation import has_visible_text
from tpchart.store import RecordStore, Store
from tpchart.store.file.health import check_file

from .records import add_patient, make_point, start_session

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30
)  # any script, no control characters
# An amendment's reason: any text, and often one a doctor might type that shows nothing
# (empty, a space, a lone combining accent, a zero-width space, a Hangul filler).
REASONS = st.sampled_from(["", " ", "\u0301", "\u200b", "\u3164"]) | TEXT


class OnFile:
    """A new database file for one example."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tpchart-model-"))
        self.path = self.folder / "model.db"

    def open(self) -> RecordStore:
        return Store.open(self.path)

    def findings(self) -> list[str]:
        """The file's whole check (health, chain, rows, signatures), once closed."""
        report = check_file(self.path, audit=True)
        return [] if report.ok else report.lines()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class OnServer:
    """A new clinic database on the test server for one example."""

    def __init__(self, clinics: ServerClinics) -> None:
        self.clinics = clinics
        self.name = clinics.ready()

    def open(self) -> RecordStore:
        return self.clinics.app_store(self.name)

    def findings(self) -> list[str]:
        """The server's check (guards, chain, rows, signatures), on a new connection."""
        store = self.open()
        try:
            return store.check().findings  # type: ignore[attr-defined]
        finally:
            store.close()

    def remove(self) -> None:
        self.clinics.discard(self.name)


class StoreMachine(RuleBasedStateMachine):
    patients = Bundle("patients")
    sessions = Bundle("sessions")

    def __init__(self, engine: OnFile | OnServer) -> None:
        super().__init__()
        self.engine = engine
        self.store = engine.open()
        self.store.practitioner_id = self.store.practitioners.add(Practitioner(name="Dr M")).id
        # The model: what a doctor expects to find.
        self.history: dict[int, str] = {}
        self.archived: dict[int, bool] = {}
        self.notes: dict[int, str] = {}  # session id -> notes
        self.status: dict[int, tuple[SessionStatus, int]] = {}  # session id -> (status, version)
        self.points: dict[int, dict[int, int | None]] = {}  # session id -> {point id: pain}
        self.audit_rows = 1

    def teardown(self) -> None:
        self.store.close()
        try:
            findings = self.engine.findings()
        finally:
            self.engine.remove()
        assert not findings, findings

    # -- patients -------------------------------------------------------------------
    @rule(target=patients, history=TEXT)
    def add(self, history):
        patient = add_patient(self.store, len(self.history) + 1, medical_history=history)
        self.history[patient.id] = history
        self.archived[patient.id] = False
        return patient.id

    @rule(patient_id=patients, history=TEXT)
    def edit(self, patient_id, history):
        patient = self.store.patients.get(patient_id)
        self.store.patients.update(replace(patient, medical_history=history))
        self.history[patient_id] = history

    @rule(patient_id=patients, archived=st.booleans())
    def archive(self, patient_id, archived):
        self.store.patients.archive(patient_id, archived)
        self.archived[patient_id] = archived

    # -- sessions -------------------------------------------------------------------
    @rule(target=sessions, patient_id=patients, notes=TEXT)
    def start(self, patient_id, notes):
        session = start_session(
            self.store, patient_id, notes=notes, screening_done=True, consent_given=True,
            consent_by="Patient",
        )  # fmt: skip
        self.notes[session.id] = notes
        self.status[session.id] = (SessionStatus.DRAFT, 1)
        self.points[session.id] = {}
        return session.id

    @rule(session_id=sessions, notes=TEXT)
    def edit_notes(self, session_id, notes):
        session = self.store.sessions.get(session_id)
        if self.status[session_id][0] is SessionStatus.SIGNED:
            try:
                self.store.sessions.update(replace(session, notes=notes))
            except SignedRecordError:
                return  # refused, and the model is unchanged
            raise AssertionError("a signed session was edited in place")
        self.store.sessions.update(replace(session, notes=notes))
        self.notes[session_id] = notes

    @rule(session_id=sessions, pain=st.none() | st.integers(0, 10))
    def add_point(self, session_id, pain):
        if self.status[session_id][0] is SessionStatus.SIGNED:
            return
        number = self.store.points.next_number(session_id)
        point = self.store.points.add(make_point(session_id, number, pain=pain))
        self.points[session_id][point.id] = pain

    @rule(session_id=sessions, pain=st.integers(0, 10))
    def edit_point(self, session_id, pain):
        if self.status[session_id][0] is SessionStatus.SIGNED or not self.points[session_id]:
            return
        point_id = min(self.points[session_id])
        self.store.points.update(replace(self.store.points.get(point_id), pain=pain))
        self.points[session_id][point_id] = pain

    @rule(session_id=sessions)
    def sign(self, session_id):
        status, version = self.status[session_id]
        if status is SessionStatus.SIGNED:
            return
        self.store.sessions.sign(session_id)
        self.status[session_id] = (SessionStatus.SIGNED, version)

    @rule(session_id=sessions, reason=REASONS)
    def amend(self, session_id, reason):
        status, version = self.status[session_id]
        if status is not SessionStatus.SIGNED:
            return
        if not has_visible_text(reason):
            # Blank, or only marks that draw nothing: refused in its own words, and the
            # signed session stays as it was (the invariants check that).
            refusal = (
                "An amendment needs a reason"
                if not reason.strip()
                else "Amendment reason is required: it has only invisible characters"
            )
            with pytest.raises(ValidationError) as refused:
                self.store.sessions.amend(session_id, reason)
            assert str(refused.value) == refusal
            return
        self.store.sessions.amend(session_id, reason)
        self.status[session_id] = (SessionStatus.AMENDING, version + 1)

    @rule(session_id=consumes(sessions))
    def delete_if_draft(self, session_id):
        if self.status[session_id] != (SessionStatus.DRAFT, 1):
            return
        self.store.sessions.discard_draft(session_id)
        del self.notes[session_id], self.status[session_id], self.points[session_id]

    @precondition(lambda self: self.history)
    @rule()
    def reopen(self):
        self.store.close()
        self.store = self.engine.open()

    # -- invariants -------------------------------------------------------------------
    @invariant()
    def records_match_the_model(self):
        for patient_id, history in self.history.items():
            patient = self.store.patients.get(patient_id)
            assert patient.medical_history == history
            assert patient.archived == self.archived[patient_id]
        visible = {p.id for p in self.store.patients.find("", limit=10_000)}
        assert visible == {i for i, a in self.archived.items() if not a}
        for session_id, notes in self.notes.items():
            session = self.store.sessions.get(session_id)
            assert (session.notes, (session.status, session.version)) == (
                notes, self.status[session_id])  # fmt: skip
            points = {p.id: p.pain for p in self.store.points.for_session(session_id)}
            assert points == self.points[session_id]
            signings = self.store.sessions.signed_versions(session_id)
            signed = self.status[session_id]
            assert len(signings) == signed[1] - (signed[0] is not SessionStatus.SIGNED)

    @invariant()
    def the_audit_trail_only_grows(self):
        rows = len(self.store.audit_trail())
        assert rows >= self.audit_rows
        self.audit_rows = rows


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_store_behaves_like_the_model_on_a_file():
    run_state_machine_as_test(lambda: StoreMachine(OnFile()), settings=SETTINGS)


def test_store_behaves_like_the_model_on_the_clinic_server(server_clinics):
    run_state_machine_as_test(lambda: StoreMachine(OnServer(server_clinics)), settings=SETTINGS)
