"""The store imports sqlite-utils without NumPy (``tpchart.store.lean_import``), and
reads a patient's earlier session without building all of them (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tpchart.core.session import Session


def run(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


def test_the_store_leaves_numpy_out_and_numpy_still_imports_later():
    out = run(
        "import sys\n"
        "import tpchart.store\n"
        "from sqlite_utils import db\n"
        "print('numpy' in sys.modules, db.np is None)\n"
        "import numpy\n"
        "print(numpy.arange(3).sum())\n"
    )
    assert out == ["False", "True", "3"]


def test_numpy_imported_first_is_left_as_it_is():
    out = run(
        "import numpy, sys\n"
        "import tpchart.store\n"
        "from sqlite_utils import db\n"
        "print(db.np is numpy)\n"
    )
    assert out == ["True"]


def test_latest_before_is_the_last_earlier_session_of_for_patient(store, patient):
    def begin(days_ago: float) -> Session:
        return store.sessions.start(
            Session(
                patient_id=patient.id,
                practitioner_id=store.practitioner_id,
                started_at=now - timedelta(days=days_ago),
            )
        )

    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    first = begin(0)
    assert store.sessions.latest_before(first) is None  # the first session
    older = [begin(days) for days in (30, 14, 14, 7)]  # two on the same day and time
    later = begin(-1)
    for session in [first, *older, later]:
        listed = store.sessions.for_patient(patient.id)
        earlier = [s for s in listed if s.started_at < session.started_at]
        expected = earlier[-1].id if earlier else None
        assert store.sessions.latest_before(session) == expected
    assert store.sessions.latest_before(later) == first.id
    assert store.sessions.latest_before(older[1]) == older[0].id
    # Another patient's sessions never count.
    other = replace(first, id=None, patient_id=patient.id + 1000)
    assert store.sessions.latest_before(other) is None
