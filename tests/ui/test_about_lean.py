"""Help > About costs the start nothing it does not need: its escaping comes from
``html`` (``xml.sax.saxutils`` pulls in urllib, http and ssl) and package versions are
read only when the dialog is opened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tpchart.ui.about import about_html

PROBE = """
import sys
import PySide6.QtWidgets, tpchart, tpchart.store.file
before = set(sys.modules)
import tpchart.ui.about
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_importing_about_loads_no_network_or_metadata_modules():
    root = Path(__file__).resolve().parents[2]
    new = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, cwd=root).stdout.split()  # fmt: skip
    assert "tpchart.ui.about" in new
    for heavy in ("xml.sax.saxutils", "urllib.request", "http.client", "ssl",
                  "importlib.metadata"):  # fmt: skip
        assert heavy not in new, heavy


def test_a_path_with_markup_characters_reads_as_written(tmp_path):
    database = tmp_path / "Dr <Souza> & Partner" / "clinic.db"
    html = about_html(database)
    assert "Dr &lt;Souza&gt; &amp; Partner" in html
    assert "<Souza>" not in html
    assert "reportlab" in html and "BSD-3-Clause" in html  # versions read on opening
