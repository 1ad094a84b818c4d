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


MEASURED = ("click", "search", "start", "backup")


def compare(folder: Path, size: ClinicSize, runs: int) -> dict[str, dict[str, float]]:
    """Generate ``size`` in ``folder``, encrypt a copy, measure both: for each of
    MEASURED, the plain and encrypted medians in ms and their ratio."""
    plain = folder / "plain.db"
    clinic = generate_clinic(plain, size)
    encrypted = folder / "encrypted.db"
    shutil.copyfile(plain, encrypted)
    store_file.encryption.encrypt_in_place(encrypted, PASSPHRASE)
    both = {
        "plain": measure(plain, clinic.draft_session, runs),
        "encrypted": measure(encrypted, clinic.draft_session, runs),
    }
    out = {}
    for name in MEASURED:
        a, b = both["plain"][name].median * 1000, both["encrypted"][name].median * 1000
        out[name] = {"plain": a, "encrypted": b, "ratio": b / a}
    return out


def lines(rows: dict[str, dict[str, float]], size: ClinicSize) -> list[str]:
    """The comparison as printed: one line per measurement."""
    head = f"Encrypted beside plain, {size.label} (median ms; ratio encrypted/plain)"
    return [head] + [
        f"  {name:<7} plain {r['plain']:8.2f}  encrypted {r['encrypted']:8.2f}  x{r['ratio']:5.2f}"
        for name, r in rows.items()
    ]


def main(argv: list[str] | None = None) -> int:
    """Generate, encrypt a copy, measure both, print medians and ratios."""
    parser = argparse.ArgumentParser(prog="python -m bench.encrypted")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    size = ClinicSize(args.patients, 3, 10)
    with tempfile.TemporaryDirectory(prefix="tpchart-bench-enc-") as temporary:
        rows = compare(Path(temporary), size, args.runs)
    print("\n".join(lines(rows, size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
