"""A read-only view of a database in a folder the viewer cannot write follows its owner.

Such a file is opened ``immutable`` when nothing is beside it: SQLite then trusts it not
to change. Before the mend (found in review on 29 Nov 2026) a view went on showing the
patients it first read after the folder's owner had added more, and a checkpoint under a
read could fail as "malformed" on a sound file. The viewer is a child process bound by
file permissions (``run_bound``'s ``without_override``); the owner is this test, as root,
writing the same file through the store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tpchart.store import Store

from .conftest import ROOT, held_open, run_bound, without_override
from .records import add_patient

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="the owner writes a folder the viewer cannot: one user is both only as root",
)

# The viewer: "count" prints the patients it sees; "spin PATH" reads until PATH exists
# and prints every count it saw and every error it met.
VIEWER = """
import json, sys, os
from tpchart.store import Store
store = Store.open(sys.argv[1])
print(json.dumps({"read_only": store.read_only, "count": store.patients.count()}), flush=True)
for line in sys.stdin:
    word, *rest = line.split()
    if word == "count":
        try:
            print(json.dumps(store.patients.count()), flush=True)
        except Exception as exc:
            print(json.dumps(f"{type(exc).__name__}: {exc}"), flush=True)
        continue
    counts, errors = [], []
    while not os.path.exists(rest[0]):
        try:
            counts.append(store.patients.count())
            len(store.patients.find("Patient"))
        except Exception as exc:
            errors.append(repr(exc))
    print(json.dumps({"counts": counts, "errors": errors}), flush=True)
"""


class Viewer:
    """The viewing child process: ``ask`` sends a line and waits for its answer."""

    def __init__(self, path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            without_override([sys.executable, "-c", VIEWER, str(path)]),
            env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self):
        return json.loads(self.process.stdout.readline())

    def ask(self, line: str):
        self.send(line)
        return self.answer()


@pytest.fixture
def viewer(read_only_folder):
    view = Viewer(read_only_folder)
    assert view.answer() == {"read_only": True, "count": 2}
    yield view
    view.process.stdin.close()
    assert view.process.wait(timeout=30) == 0


def owner(path):
    """The folder's owner, this process, with the file open for writing."""
    store = Store.open(path)
    store.practitioner_id = store.practitioners.all()[0].id
    return store


def test_the_view_shows_what_the_owner_saved_while_it_was_open(read_only_folder, viewer):
    assert viewer.ask("count") == 2
    with owner(read_only_folder) as store:
        for n in range(3, 203):
            add_patient(store, n)
        assert viewer.ask("count") == 202  # the owner's -shm is there: opened normally
    assert viewer.ask("count") == 202


def test_the_view_shows_what_the_owner_saved_between_two_reads(read_only_folder, viewer):
    # The owner opens, saves and closes between two reads: its -wal and -shm are gone
    # again by the second read, and only the file itself shows the change.
    assert viewer.ask("count") == 2
    with owner(read_only_folder) as store:
        for n in range(3, 203):
            add_patient(store, n)
    assert not (read_only_folder.parent / "clinic.db-shm").exists()
    assert viewer.ask("count") == 202


def test_reads_meet_an_owner_saving_and_closing_again_and_again(read_only_folder, viewer, tmp_path):
    stop = tmp_path / "stop"
    viewer.send(f"spin {stop}")
    total = 2
    for cycle in range(12):
        with owner(read_only_folder) as store:
            for n in range(30):
                add_patient(store, 1000 + cycle * 30 + n)
        total += 30
    stop.touch()
    seen = viewer.answer()
    assert seen["errors"] == []
    assert seen["counts"] == sorted(seen["counts"]), "a read went back in time"
    assert seen["counts"][-1] <= total  # the last read may have begun before the last save
    assert viewer.ask("count") == total
    assert len(set(seen["counts"])) > 2, "the reads did not overlap the owner's work"


# The view opened while the owner had the file open, and the owner closed (removing its
# -shm) before the view's first read: the connection opened normally cannot read now.
FIRST_READ_AFTER_THE_OWNER_LEFT = """
import json, sys
from pathlib import Path
from tpchart.store.file.database import _read_only_connection
from tpchart.store.file.read_only_view import ReadOnlyView
path = Path(sys.argv[1])
view = ReadOnlyView(path, _read_only_connection)
print(json.dumps(view.immutable), flush=True)
sys.stdin.readline()
count = view.execute("SELECT count(*) FROM patients").fetchone()[0]
print(json.dumps([view.immutable, count]), flush=True)
"""


def test_a_view_whose_owner_left_before_its_first_read_opens_again(read_only_folder):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    store = owner(read_only_folder)
    add_patient(store, 3)
    child = subprocess.Popen(
        without_override([sys.executable, "-c", FIRST_READ_AFTER_THE_OWNER_LEFT,
                          str(read_only_folder)]),
        env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert json.loads(child.stdout.readline()) is False  # the owner's -shm was there
        store.close()
        assert not (read_only_folder.parent / "clinic.db-shm").exists()
        child.stdin.write("read\n")
        child.stdin.flush()
        assert json.loads(child.stdout.readline()) == [True, 3]
    finally:
        store.close()
        child.stdin.close()
        assert child.wait(timeout=30) == 0


# A check, copy or other whole read of the file: ``steadily`` runs it again when the
# owner saved meanwhile. The read asks the owner (this test) to save during its first
# ``changes`` runs: "saved" comes back once the owner has saved and closed.
STEADILY = """
import json, sqlite3, sys
from pathlib import Path
from tpchart.store.errors import StorageError
from tpchart.store.file.health import check_file
from tpchart.store.file.read_only_view import steadily
path, changes = Path(sys.argv[1]), int(sys.argv[2])
runs = []

def read():
    report = check_file(path)
    runs.append(report.ok)
    if len(runs) <= changes:
        print("save", flush=True)
        assert sys.stdin.readline() == "saved\\n"
    conn = sqlite3.connect(path.as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM patients").fetchone()[0]
    finally:
        conn.close()

try:
    print(json.dumps({"count": steadily(path, read), "runs": len(runs)}), flush=True)
except StorageError as exc:
    print(json.dumps({"refused": str(exc), "runs": len(runs)}), flush=True)
"""


@pytest.mark.parametrize(("changes", "expected"), [(0, {"count": 2, "runs": 1}),
                                                   (2, {"count": 4, "runs": 3}),
                                                   (5, {"runs": 5})])  # fmt: skip
def test_a_whole_read_is_done_again_while_the_owner_saved_under_it(
    read_only_folder, changes, expected
):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        without_override([sys.executable, "-c", STEADILY, str(read_only_folder), str(changes)]),
        env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    saved = 2
    while (line := child.stdout.readline()) == "save\n":
        saved += 1
        with owner(read_only_folder) as store:
            add_patient(store, saved)
        child.stdin.write("saved\n")
        child.stdin.flush()
    answer = json.loads(line)
    assert child.wait(timeout=30) == 0
    if changes == 5:  # as many saves as tries: given up, in plain words
        assert "changed by someone who can write its folder" in answer.pop("refused")
    assert answer == expected


def test_a_view_opened_while_the_owner_has_the_file_open_reads_and_checks(read_only_folder):
    # Opened normally, a reader as root changes the times of the owner's -wal and -shm
    # itself (SQLite gives them the database's owner): no reason to read again.
    with held_open(read_only_folder):
        opened = run_bound(str(read_only_folder), code=COUNT)
        assert opened.returncode == 0, opened.stderr
        assert json.loads(opened.stdout) == {"read_only": True, "count": 2}
        checked = run_bound("check", "--db", str(read_only_folder))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "Integrity: ok" in checked.stdout


COUNT = """
import json, sys
from tpchart.store import Store
with Store.open(sys.argv[1]) as store:
    print(json.dumps({"read_only": store.read_only, "count": store.patients.count()}))
"""


@pytest.mark.parametrize("replacement", ["unreadable", "not a database"])
def test_a_file_replaced_by_one_the_viewer_cannot_read_is_said_in_plain_words(
    read_only_folder, viewer, replacement
):
    assert viewer.ask("count") == 2
    replaced = read_only_folder.with_name("replaced.db")
    if replacement == "unreadable":  # a restore by the owner: a sound file, 0600 its own
        replaced.write_bytes(read_only_folder.read_bytes())
        replaced.chmod(0)  # not even its owner may read it without root's override
    else:
        replaced.write_bytes(b"not a database " * 1000)
    os.replace(replaced, read_only_folder)
    answer = viewer.ask("count")
    assert answer.startswith("StorageError: This database was changed by someone")
    assert "cannot be read from here now" in answer and "Close this window" in answer
    if replacement == "unreadable":  # and a new window says why, never "damaged"
        opened = run_bound(str(read_only_folder), code=COUNT)
        assert opened.returncode != 0
        assert "may not be read by this user" in opened.stderr
        assert "Damaged" not in opened.stderr


# The owner closes between the read's choice of how to open and its connection's
# open (the -shm goes), then opens again and saves during the read. Before the mend the
# connection chose again, immutable, while the read was judged as opened normally (a
# -shm before and after): a read of two moments was kept. (Found by review.)
TWO_MOMENTS = """
import json, sys
from pathlib import Path
from tpchart.store.file.database import open_connection
from tpchart.store.file.read_only_view import opens_immutable, steadily
path, reads = Path(sys.argv[1]), []

def ask(word):
    print(word, flush=True)
    assert sys.stdin.readline() == "done\\n"

def read():
    reads.append(opens_immutable(path))
    if len(reads) == 1:
        ask("close")
    conn = open_connection(path, read_only=True, isolation_level=None)
    try:
        conn.execute("BEGIN")
        first = conn.execute("SELECT count(*) FROM notes WHERE rowid = 1").fetchone()[0]
        if len(reads) == 1:
            ask("save")
        return first, list(conn.execute("SELECT count(*), sum(n) FROM notes").fetchone())
    finally:
        conn.close()

print(json.dumps({"read": steadily(path, read), "reads": reads}), flush=True)
"""


def test_a_read_whose_owner_closed_as_it_opened_is_read_again(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    path = records / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (n INTEGER, pad TEXT)")
    conn.executemany("INSERT INTO notes VALUES (?, ?)", [(n, "p" * 200) for n in range(20_000)])
    conn.commit()
    conn.close()
    records.chmod(0o555)
    owner = sqlite3.connect(path, isolation_level=None)
    owner.execute("SELECT count(*) FROM notes").fetchone()  # the owner's -shm is there
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        without_override([sys.executable, "-c", TWO_MOMENTS, str(path)]),
        env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        while (line := child.stdout.readline()) in ("close\n", "save\n"):
            if line == "close\n":
                owner.close()
            else:
                owner = sqlite3.connect(path, isolation_level=None)
                owner.execute("DELETE FROM notes WHERE n % 3 = 0")
                owner.execute(
                    "INSERT INTO notes SELECT n + 100000, hex(randomblob(150)) FROM notes"
                )
                owner.execute("PRAGMA wal_checkpoint(FULL)")
            child.stdin.write("done\n")
            child.stdin.flush()
        answer = json.loads(line)
        assert child.wait(timeout=30) == 0
    finally:
        owner.close()
        records.chmod(0o700)
    # Read again, immutable now that the owner has closed: the file of one moment.
    assert answer == {"read": [1, [20_000, 199_990_000]], "reads": [False, True]}
