"""A healthy database in a folder the user cannot write opens read-only with the banner,
as the docs promise (issue 11, finding 7). Before: refused as "not closed properly",
because a WAL reader needs to create the -shm beside the file.

The folder really is read-only to the child process: mode 0555, and as root the child
runs without the capabilities that would override it (``run_bound``).
"""

from __future__ import annotations

import json
import sqlite3

from .conftest import run_bound

OPEN = """
import json, sys
from tpchart.store import Store
with Store.open(sys.argv[1]) as store:
    print(json.dumps({"read_only": store.read_only, "patients": store.patients.count(),
                      "unclean": store.unclean_exit, "ok": store.health.ok}))
"""


def test_a_cleanly_closed_database_in_a_read_only_folder_opens_read_only(read_only_folder):
    listing = sorted(p.name for p in read_only_folder.parent.iterdir())
    result = run_bound(str(read_only_folder), code=OPEN)
    assert result.returncode == 0, result.stderr
    opened = json.loads(result.stdout)
    assert opened == {"read_only": True, "patients": 2, "unclean": False, "ok": True}
    assert sorted(p.name for p in read_only_folder.parent.iterdir()) == listing


def test_check_in_a_read_only_folder_is_ok(read_only_folder):
    result = run_bound("check", "--db", str(read_only_folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Integrity: ok" in result.stdout and "Audit trail: ok" in result.stdout


def test_the_app_shows_it_read_only_with_the_banner(read_only_folder):
    result = run_bound(str(read_only_folder), code=APP)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"read_only": True, "banner": True, "patients": 2}


APP = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from tpchart import app as tpapp

qt = QApplication([])
seen = {}

def look():
    window = tpapp_instance.window
    seen["read_only"] = window.store.read_only
    seen["banner"] = getattr(window, "read_only_banner", None) is not None
    seen["patients"] = window.store.patients.count()
    qt.quit()

original = tpapp.App.run_once
def run_once(self, hook):
    global tpapp_instance
    tpapp_instance = self
    QTimer.singleShot(300, look)
    return original(self, hook)
tpapp.App.run_once = run_once
code = tpapp.run_app(Path(sys.argv[1]))
print(json.dumps(seen))
sys.exit(code)
"""


def test_unsaved_changes_in_a_read_only_folder_are_refused_in_plain_words(clinic, tmp_path):
    # A -wal with changes, no -shm, and a folder that cannot be written: SQLite cannot
    # apply the changes there, and reading without them would show an older state.
    records = tmp_path / "records"
    records.mkdir()
    db = records / "clinic.db"
    conn = sqlite3.connect(clinic)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE patients SET phone = phone || '1'")  # frames in the -wal
    conn.commit()
    for name in ("", "-wal"):
        (records / f"clinic.db{name}").write_bytes(
            clinic.with_name(clinic.name + name).read_bytes()
        )
    conn.close()
    records.chmod(0o555)
    try:
        result = run_bound(str(db), code=OPEN)
    finally:
        records.chmod(0o700)
    assert result.returncode != 0
    assert "can only be read where its folder can be written" in result.stderr
