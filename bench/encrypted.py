"""``python -m bench.encrypted [--patients N]``: click, search, start and backup on an
encrypted database beside the same clinic plain (issue 18, docs/security.md).

The same synthetic clinic is generated once, copied, and the copy encrypted with
``encrypt_in_place``; each measurement runs on both and prints the ratio, so the
price of SQLCipher is read against the plain file measured in the same run. "Click"
is the store's part of a click on the body map (one point added: one transaction
with its audit row), "start" opening and closing the store (the checks included).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
from pathlib import Path

import tpchart.store.file as store_file
from bench.measure import Sample, repeat
from bench.scenarios import keystrokes
from bench.synthetic import ClinicSize, generate_clinic
from tpchart.core.regions import Side, View
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store

PASSPHRASE = "benchmark passphrase, not a secret"


def measure(path: Path, draft_session: int, runs: int) -> dict[str, Sample]:
    """Click, search, start and backup on the database at ``path``."""
    numbers = itertools.count(1000)
    results: dict[str, Sample] = {}
    results["start"] = repeat(lambda: Store.open(path).close(), runs)
    with Store.open(path) as store:
        store.practitioner_id = store.practitioners.all()[0].id

        def click() -> None:
            store.points.add(
                TriggerPoint(
                    session_id=draft_session, number=next(numbers), view=View.BACK,
                    region_id="back.neck.posterior.right", side=Side.RIGHT, x=270.0,
                    y=160.0, muscle="Upper trapezius",
                )
            )  # fmt: skip

        results["click"] = repeat(click, runs * 4)
        values: list[float] = []
        for typed in keystrokes():
            values += repeat(lambda t=typed: store.patients.find(t), runs).values
        results["search"] = Sample(tuple(values))
    folder = path.parent / f"backups-{path.stem}"
    results["backup"] = repeat(lambda: store_file.backup_to(path, folder), max(3, runs // 2))
    return results


def main(argv: list[str] | None = None) -> int:
    """Generate, encrypt a copy, measure both, print medians and ratios."""
    parser = argparse.ArgumentParser(prog="python -m bench.encrypted")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tpchart-bench-enc-") as temporary:
        folder = Path(temporary)
        plain = folder / "plain.db"
        clinic = generate_clinic(plain, ClinicSize(args.patients, 3, 10))
        encrypted = folder / "encrypted.db"
        shutil.copyfile(plain, encrypted)
        store_file.encryption.encrypt_in_place(encrypted, PASSPHRASE)
        rows = {
            "plain": measure(plain, clinic.draft_session, args.runs),
            "encrypted": measure(encrypted, clinic.draft_session, args.runs),
        }
    print(f"Encrypted vs plain, {clinic.size.label} (median ms; ratio encrypted/plain)")
    for name in ("click", "search", "start", "backup"):
        a, b = rows["plain"][name].median, rows["encrypted"][name].median
        print(f"  {name:<7} plain {a * 1000:8.2f}  encrypted {b * 1000:8.2f}  x{b / a:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
