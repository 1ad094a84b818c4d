"""A child process that writes records and acknowledges each commit on stdout.

Usage: python writer.py DB [SEED]; DB is a file's path or a clinic server's
``postgresql://`` address (password included). Each line printed is ``kind id`` of a record whose
transaction has committed (printed and flushed only after the commit returned), so
the parent knows exactly which writes were acknowledged before it kills the child.
``zygote.py`` runs ``write_forever`` in forked children to skip Python's start-up.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import TextIO

# The script's folder is on sys.path, so the shared helpers import directly.
from records import add_patient, make_point, start_session

from tpchart.core.practitioner import Practitioner
from tpchart.store import open_store


def write_forever(location: Path | str, seed: int, out: TextIO) -> None:
    """Open ``location`` and write patients, sessions and points until killed."""
    rng = random.Random(seed)
    store = open_store(location)
    doctors = store.practitioners.all()
    store.practitioner_id = (
        doctors[0].id if doctors else store.practitioners.add(Practitioner(name="Dr W")).id
    )
    print("ready", file=out, flush=True)
    n = store.patients.count(include_archived=True)
    while True:
        n += 1
        patient = add_patient(store, n, medical_history="x" * rng.randint(0, 3000))
        print(f"patient {patient.id}", file=out, flush=True)
        session = start_session(store, patient.id, notes="y" * rng.randint(0, 3000))
        print(f"session {session.id}", file=out, flush=True)
        with store.transaction():  # several points in one user action
            ids = [store.points.add(make_point(session.id, k)).id for k in range(1, 4)]
        print(f"points {' '.join(map(str, ids))}", file=out, flush=True)


if __name__ == "__main__":
    write_forever(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0, sys.stdout)
