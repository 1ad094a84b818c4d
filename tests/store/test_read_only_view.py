"""``ReadOnlyView`` on a real file opened ``immutable``, with a second, real connection
writing it. (A folder the viewer cannot write, with the owner in another process, is in
``tests/reliability/test_read_only_view.py``; here the view is told to open immutable
in a folder that can be written, to reach each of its branches.)"""

from __future__ import annotations

import sqlite3

import pytest

from tpchart.store.errors import StorageError
from tpchart.store.file import read_only_view
from tpchart.store.file.read_only_view import ReadOnlyView


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "clinic.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.executemany("INSERT INTO notes (text) VALUES (?)", [("one",), ("two",)])
    conn.commit()
    conn.close()
    return path


def immutable(path) -> sqlite3.Connection:
    uri = f"{path.as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None)


@pytest.fixture
def view(path):
    view = ReadOnlyView(path, immutable, lambda _: True)
    yield view
    view.close()


def write(path, *texts: str) -> None:
    """The owner: opens, saves, closes (its close checkpoints into the file)."""
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO notes (text) VALUES (?)", [(t,) for t in texts])
    conn.commit()
    conn.close()


def count(view) -> int:
    return view.execute("SELECT count(*) FROM notes").fetchone()[0]


def test_an_immutable_connection_alone_goes_on_showing_what_it_first_read(path):
    # Why the view exists: SQLite trusts an immutable file never to change.
    conn = immutable(path)
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 2
    write(path, "three")
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 2
    conn.close()


def test_the_view_reads_what_was_saved_since(path, view):
    assert count(view) == 2
    write(path, "three", "four")
    assert count(view) == 4


def test_rows_are_read_whole_and_behave_as_a_cursor(view):
    rows = view.execute("SELECT id, text FROM notes ORDER BY id")
    assert [d[0] for d in rows.description] == ["id", "text"]
    assert rows.fetchone() == (1, "one")
    assert rows.fetchmany(5) == [(2, "two")]
    assert rows.fetchall() == [] and rows.fetchone() is None
    assert list(view.execute("SELECT text FROM notes WHERE id = ?", [2])) == [("two",)]


def test_a_change_inside_a_transaction_is_refused_in_plain_words(path, view):
    view.execute("BEGIN")
    assert count(view) == 2
    write(path, "three")
    with pytest.raises(StorageError, match="changed by someone who can write its folder"):
        count(view)
    assert not view.in_transaction
    assert count(view) == 3


def test_a_read_that_keeps_meeting_changes_is_given_up(monkeypatch, view):
    states = iter(range(10**6))
    monkeypatch.setattr(read_only_view, "_state", lambda _: next(states))
    with pytest.raises(StorageError, match="Try again in a moment"):
        count(view)


def test_an_error_on_an_unchanged_file_is_the_error(view):
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        view.execute("SELECT * FROM missing")
