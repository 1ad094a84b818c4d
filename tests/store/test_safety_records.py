"""What issue 15 records survives the store: red-flag decisions, precautions with a
site, the patient's build, muscles by catalogue id, lung precautions, adverse events as
records and events reported at a later session; needling refused until decided."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.errors import ValidationError
from tpchart.core.lung import Build, LungPrecaution
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision

from .conftest import audit_findings, make_point

LEFT_ARM = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)


def _audit_clean(store) -> list[str]:
    return audit_findings(store)


def test_session_safety_fields_round_trip(store, session):
    saved = store.sessions.update(
        replace(
            session,
            complaint_areas=frozenset({ComplaintArea.NECK, ComplaintArea.LOW_BACK}),
            red_flags=frozenset({RedFlag.NIGHT_PAIN}),
            red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            red_flag_reason="Night pain is positional; no other flag",
            contraindications=frozenset({Precaution.LYMPHOEDEMA}),
            precaution_sites=(LEFT_ARM,),
            adverse_events_asked=True,
            both_sides_acknowledged=True,
        )
    )
    assert store.sessions.get(session.id) == saved
    assert saved.precaution_sites == (LEFT_ARM,)
    assert saved.red_flag_decision is RedFlagDecision.SAFE_TO_PROCEED
    assert _audit_clean(store) == []


def test_a_site_without_its_precaution_ticked_is_refused(store, session, patient):
    with pytest.raises(ValidationError, match="tick Lymphoedema"):
        store.sessions.update(replace(session, precaution_sites=(LEFT_ARM,)))
    with pytest.raises(ValidationError, match="tick Lymphoedema"):
        store.patients.update(replace(patient, precaution_sites=(LEFT_ARM,)))
    assert store.sessions.get(session.id).precaution_sites == ()


def test_safe_to_proceed_needs_a_reason(store, session):
    with pytest.raises(ValidationError, match="why it is safe"):
        store.sessions.update(
            replace(
                session,
                red_flags=frozenset({RedFlag.FEVER}),
                red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            )
        )
    assert store.sessions.get(session.id).red_flags == frozenset()


def test_patient_build_and_standing_sites_round_trip(store, patient):
    saved = store.patients.update(
        replace(
            patient,
            build=Build.SLIM,
            precautions=frozenset({Precaution.LYMPHOEDEMA}),
            precaution_sites=(LEFT_ARM,),
        )
    )
    assert store.patients.get(patient.id) == saved
    assert saved.build is Build.SLIM


def test_a_point_keeps_the_words_and_stores_the_catalogue_id(store, session):
    point = store.points.add(make_point(session.id, muscle="upper traps"))
    assert (point.muscle, point.muscle_id, point.muscle_name) == (
        "upper traps",
        "upper_trapezius",
        "upper trapezius (upper traps)",
    )
    with pytest.raises(ValidationError, match="does not match its catalogue entry"):
        store.points.update(replace(point, muscle="levator scapulae"))  # a stale id
    other = store.points.add(make_point(session.id, number=2, muscle="my odd muscle"))
    assert (other.muscle_id, other.muscle_name) == ("other", "my odd muscle")
    moved = store.points.update(point.with_muscle("levator scapulae"))
    assert store.points.get(point.id).muscle_id == moved.muscle_id == "levator_scapulae"


def test_lung_precautions_round_trip(store, session):
    point = store.points.add(make_point(session.id, region_id="back.upper.right", x=215, y=260))
    taken = frozenset({LungPrecaution.PINCER_GRIP, LungPrecaution.ONTO_RIB})
    store.points.update(replace(point, lung_precautions=taken))
    assert store.points.get(point.id).lung_precautions == taken


@pytest.mark.parametrize(
    ("decision", "refused"),
    [(None, "record a decision first"), (RedFlagDecision.REFERRED, "referred")],
)
def test_no_point_is_marked_while_a_red_flag_is_undecided_or_referred(
    store, session, decision, refused
):
    store.sessions.update(
        replace(
            session,
            red_flags=frozenset({RedFlag.FEVER}),
            red_flag_decision=decision,
            red_flag_reason="Sent to the GP today" if decision else "",
        )
    )
    with pytest.raises(ValidationError, match=refused):
        store.points.add(make_point(session.id))
    assert store.points.for_session(session.id) == []


def test_safe_to_proceed_allows_needling(store, session):
    store.sessions.update(
        replace(
            session,
            red_flags=frozenset({RedFlag.CANCER_HISTORY}),
            red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            red_flag_reason="Breast cancer 2009, discharged; no new signs",
        )
    )
    assert store.points.add(make_point(session.id)).id is not None


def test_an_undone_delete_waits_for_the_red_flag_decision_too(store, session):
    # Undo and redo bring a point back with its id: they must not needle past a flag.
    point = store.points.add(make_point(session.id))
    store.points.delete(point.id)
    flagged = store.sessions.update(replace(session, red_flags=frozenset({RedFlag.FEVER})))
    with pytest.raises(ValidationError, match="record a decision first"):
        store.points.add(point)
    store.sessions.update(
        replace(
            flagged,
            red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            red_flag_reason="Fever was a cold last week; well today",
        )
    )
    assert store.points.add(point).id == point.id


def test_signing_waits_for_the_red_flag_decision(store, session):
    ready = store.sessions.update(
        replace(
            session,
            screening_done=True,
            red_flags=frozenset({RedFlag.SADDLE_NUMBNESS}),
            complaint_areas=frozenset({ComplaintArea.LOW_BACK}),
        )
    )
    with pytest.raises(ValidationError, match="decision on the red flag"):
        store.sessions.sign(ready.id)
    store.sessions.update(
        replace(ready, red_flag_decision=RedFlagDecision.REFERRED, red_flag_reason="ED today")
    )
    assert store.sessions.sign(ready.id).signed_at is not None


def test_adverse_events_as_records_round_trip(store, session):
    events = (
        AdverseEvent(
            AdverseEventType.VASOVAGAL,
            Severity.SIGNIFICANT,
            onset=Onset.DURING,
            action="Needles out, lying flat, legs raised",
            resolved=True,
        ),
        AdverseEvent(AdverseEventType.OTHER, description="Felt dizzy on standing"),
    )
    saved = store.sessions.update(replace(session, adverse_events=events))
    assert store.sessions.get(session.id).adverse_events == saved.adverse_events == events


def test_an_event_reported_later_leaves_the_signed_session_untouched(store, session):
    store.sessions.update(replace(session, screening_done=True))
    signed = store.sessions.sign(session.id)
    event = AdverseEvent(
        AdverseEventType.BRUISING, onset=Onset.DELAYED, action="Advised ice", resolved=True
    )
    reported = store.later_events.report(signed.id, event)
    assert reported.event == event and reported.recorded_by == store.practitioner_id
    assert store.sessions.get(signed.id) == signed  # still signed, same version
    assert store.later_events.for_session(signed.id) == [reported]
    assert store.later_events.for_patient(signed.patient_id) == {signed.id: [reported]}
    assert _audit_clean(store) == []


@pytest.mark.file_only  # edits the file with sqlite3; the server's twin: tests/server
def test_reported_events_are_permanent_and_tampering_is_found(store, session):
    store.sessions.update(replace(session, screening_done=True))
    store.later_events.report(
        store.sessions.sign(session.id).id, AdverseEvent(AdverseEventType.FATIGUE)
    )
    with sqlite3.connect(store.path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="permanent"):
            conn.execute("DELETE FROM adverse_events_later")
        conn.execute("DROP TRIGGER adverse_events_later_no_update")
        conn.execute("UPDATE adverse_events_later SET severity = 'serious'")
    assert any("adverse_events_later row 1 differs" in f for f in _audit_clean(store))


def test_a_flag_added_after_the_decision_needs_a_new_decision(store, session):
    decided = store.sessions.update(
        replace(
            session,
            red_flags=frozenset({RedFlag.SEVERE_HEADACHE}),
            red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            red_flag_reason="Known migraine, usual pattern",
        )
    )
    more = frozenset({RedFlag.SEVERE_HEADACHE, RedFlag.ARTERIAL_SIGNS})
    with pytest.raises(ValidationError, match="decide again"):
        store.sessions.update(replace(decided, red_flags=more))
    assert store.sessions.get(session.id).red_flags == decided.red_flags
    cleared = store.sessions.update(
        replace(decided, red_flags=more, red_flag_decision=None, red_flag_reason="")
    )
    assert cleared.red_flag_undecided


def test_every_value_the_core_knows_is_one_the_schema_accepts(store, session, patient):
    # The schema's CHECK lists are frozen in migration 4: a value added to a core enum
    # without a migration to accept it fails here, not in a clinic.
    store.sessions.update(replace(session, screening_done=True))
    signed = store.sessions.sign(session.id)
    for kind in AdverseEventType:
        severity = Severity.SERIOUS if kind is AdverseEventType.PNEUMOTHORAX else Severity.MILD
        for onset in (None, *Onset):
            event = AdverseEvent(kind, severity, description="what happened", onset=onset)
            store.later_events.report(signed.id, event)
    for build in Build:
        assert store.patients.update(replace(patient, build=build)).build is build
    for decision in RedFlagDecision:
        flagged = replace(
            session, id=None, red_flags=frozenset({RedFlag.FEVER}), red_flag_reason="why"
        )
        draft = store.sessions.start(replace(flagged, red_flag_decision=decision))
        assert draft.red_flag_decision is decision


def test_an_event_reported_later_goes_against_a_signed_session_only(store, session):
    with pytest.raises(ValidationError, match="against a signed session"):
        store.later_events.report(session.id, AdverseEvent(AdverseEventType.BRUISING))
    assert store.later_events.for_session(session.id) == []
    store.sessions.discard_draft(session.id)  # nothing ties the draft down
