"""The store imports sqlite-utils without NumPy and runs dateutil's parser only when it
is used (``tpchart.store.lean_import``), imports cryptography only when a key is used,
and reads a patient's earlier session without building all of them (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tpchart.core.session import Session, SessionStatus
from tpchart.demo import write_demo
from tpchart.store import Store


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


def test_dateutils_parser_runs_when_first_used_and_parses_as_ever():
    out = run(
        "import sys\n"
        "import tpchart.store\n"
        "print('dateutil.parser._parser' in sys.modules)\n"
        "from sqlite_utils.recipes import parsedate, parsedatetime\n"
        "print(parsedate('3 Jan 2026'), parsedatetime('2026-01-03 09:30'))\n"
        "print('dateutil.parser._parser' in sys.modules)\n"
        "from dateutil import parser\n"
        "print(parser.isoparse('2026-01-03').year)\n"
    )
    assert out == ["False", "2026-01-03", "2026-01-03T09:30:00", "True", "2026"]


def test_dateutils_parser_imported_first_is_left_as_it_is():
    out = run(
        "import sys\n"
        "from dateutil import parser\n"
        "import tpchart.store\n"
        "from sqlite_utils import recipes\n"
        "print(recipes.parser is parser, parser.parse('3 Jan 2026').day)\n"
    )
    assert out == ["True", "3"]


PASSPHRASE = "the tide comes in at one"

# A start as the window makes it: the app's modules, the file opened, a patient's
# sessions, points and progress read; then (with accounts) the first signing in.
START = """
import sys
import tpchart.app, tpchart.ui.main_window
from tpchart.core.progress import point_tracks
from tpchart.store import Store
store = Store.open(sys.argv[1])
print('cryptography' in sys.modules)
patient = store.patients.find('')[0]
sessions = store.sessions.for_patient(patient.id)
point_tracks(sessions, store.points.for_patient(patient.id))
store.sessions.last_signed_before(sessions[-1])
accounts = store.accounts.all()
print('cryptography' in sys.modules)
if accounts:
    store.accounts.sign_in(accounts[0].practitioner_id, sys.argv[2])
    print('cryptography' in sys.modules)
"""


def test_cryptography_waits_for_a_key_to_be_used(tmp_path):
    """About 6 MB and a share of the start: a file without accounts never needs it, a
    clinic with accounts from the first signing in (which unlocks the signing key)."""
    plain, clinic = tmp_path / "plain.db", tmp_path / "clinic.db"
    for path in (plain, clinic):
        store = Store.open(path)
        write_demo(store, patients=2)
        if path == clinic:
            doctor = store.practitioners.get(store.practitioner_id)
            store.accounts.set_up_clinic(doctor, PASSPHRASE)
        store.close()
    assert run_with(plain) == ["False", "False"]
    assert run_with(clinic) == ["False", "False", "True"]


def run_with(path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", START, str(path), PASSPHRASE],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


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


def test_last_signed_before_is_the_last_earlier_signed_session(store, patient):
    """What later adverse events are reported against (the session panel asks it when a
    patient is opened): the latest signed session started before the one shown, drafts
    and the session itself never; of two signed at one start time, the first listed."""
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def begin(days_ago: float, sign: bool) -> Session:
        session = store.sessions.start(
            Session(
                patient_id=patient.id,
                practitioner_id=store.practitioner_id,
                started_at=now - timedelta(days=days_ago),
                screening_done=True,
                consent_given=True,
                consent_by="Patient",
            )
        )
        return store.sessions.sign(session.id) if sign else session

    first = begin(0, sign=False)
    assert store.sessions.last_signed_before(first) is None  # the first session
    draft = begin(3, sign=False)  # a draft in between never counts
    tied = [begin(14, sign=True), begin(14, sign=True)]  # signed at the same moment
    oldest = begin(30, sign=True)
    later = begin(-1, sign=True)  # after today's: not "before"
    amending = store.sessions.amend(begin(7, sign=True).id, "Typo in the notes")

    assert store.sessions.last_signed_before(first) == tied[0]
    assert store.sessions.last_signed_before(draft) == tied[0]
    assert store.sessions.last_signed_before(amending) == tied[0]
    # Neither of two started at one moment is before the other.
    assert store.sessions.last_signed_before(tied[1]) == oldest
    assert store.sessions.last_signed_before(tied[0]) == oldest
    assert store.sessions.last_signed_before(oldest) is None
    assert store.sessions.last_signed_before(later) == tied[0]
    # The rule the session panel applied to every session read (`previous_session`).
    listed = store.sessions.for_patient(patient.id)
    for shown in listed:
        earlier = [
            s
            for s in listed
            if s.id != shown.id
            and s.started_at < shown.started_at
            and s.status is SessionStatus.SIGNED
        ]
        expected = max(earlier, key=lambda s: s.started_at) if earlier else None
        assert store.sessions.last_signed_before(shown) == expected
    # Another patient's sessions never count.
    other = replace(first, id=None, patient_id=patient.id + 1000)
    assert store.sessions.last_signed_before(other) is None
