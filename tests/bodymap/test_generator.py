"""The committed SVGs are exactly what tools/draw_body_maps.py draws."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tpchart.bodymap import svg_path
from tpchart.core.regions import View

TOOL = Path(__file__).resolve().parents[2] / "tools" / "draw_body_maps.py"


def test_committed_svgs_match_the_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edit the generator and re-run it, never the SVGs by hand: a hand edit
    would be lost at the next re-run."""
    spec = importlib.util.spec_from_file_location("draw_body_maps", TOOL)
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, tool)  # dataclasses look it up
    spec.loader.exec_module(tool)
    assert tool.main(["--out", str(tmp_path)]) == 0
    for view in View:
        fresh = (tmp_path / svg_path(view).name).read_text(encoding="utf-8")
        committed = svg_path(view).read_text(encoding="utf-8")
        assert fresh == committed, (
            f"{svg_path(view).name} differs from tools/draw_body_maps.py output; "
            "re-run the tool and commit its output"
        )
