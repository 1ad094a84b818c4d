"""A demo database made richer for export tests: e-mail addresses, and one more
session with an electrically stimulated point and a midline point."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tpchart.core.regions import Side
from tpchart.core.session import Session
from tpchart.core.trigger_point import Technique
from tpchart.demo import write_demo
from tpchart.store import Store


@pytest.fixture
def demo(tmp_path):
    """An open demo store with four patients; the first is the rich one."""
    store = Store.open(tmp_path / "demo.db")
    patients = write_demo(store, patients=4)
    for index, patient in enumerate(patients):
        store.patients.update(replace(patient, email=f"person{index}@example.org"))
    first = patients[0]
    assert first.id is not None
    sessions = store.sessions.for_patient(first.id)
    earlier = store.points.for_session(sessions[-1].id)[0]
    session = store.sessions.start(
        Session(
            patient_id=first.id,
            practitioner_id=store.practitioner_id,
            started_at=sessions[-1].started_at + timedelta(days=7),
            pain_before=4,
            ndi=22.0,
            odi=18.0,
            psfs=6.5,
            screening_done=True,
        )
    )
    stimulated = replace(
        earlier.carried_to(session.id, 1),
        technique=Technique.ELECTRICAL,
        minutes=15,
        depth_mm=12.0,
        stim_frequency_hz=2.0,
        stim_pulse_width_us=250,
        stim_intensity_ma=5.5,
    )
    store.points.add(stimulated)
    store.points.add(replace(earlier.carried_to(session.id, 2), side=Side.MIDLINE))
    yield store
    store.close()
