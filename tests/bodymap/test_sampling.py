"""The maps' curves are sampled without NumPy (issue 19), to the same floats as
svgelements' NumPy path, and parsing a map leaves NumPy unimported."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy  # noqa: F401  # svgelements' npoint below takes its NumPy path
import pytest
from svgelements import SVG, CubicBezier
from svgelements import Path as SvgPath

from tpchart.bodymap.geometry import _sample, _shapes_by_region, svg_path
from tpchart.core.regions import View


def curves(view: View) -> list[CubicBezier]:
    svg = SVG.parse(str(svg_path(view)), reify=True)
    found = []
    for _region, shape in _shapes_by_region(svg):
        path = shape if isinstance(shape, SvgPath) else SvgPath(shape)
        found += [seg for seg in path if isinstance(seg, CubicBezier)]
    return found


@pytest.mark.parametrize("view", list(View))
def test_every_curve_is_sampled_to_the_same_floats_as_numpy(view):
    segments = curves(view)
    assert len(segments) > 100  # the silhouette and the rounded regions
    positions = [k / 37 for k in range(38)]
    for seg in segments:
        with_numpy = [(float(x), float(y)) for x, y in seg.npoint(positions)]
        assert _sample(seg, positions) == with_numpy  # exactly, not approximately


def test_parsing_a_map_imports_neither_numpy_nor_svgelements_before_it_is_needed():
    code = (
        "import sys\n"
        "from tpchart.bodymap import load_body_map\n"
        "from tpchart.core.regions import View\n"
        "print('svgelements' in sys.modules)\n"
        "body = load_body_map(View.FRONT)\n"
        "print('svgelements' in sys.modules, 'numpy' in sys.modules, len(body.region_ids()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    before, after = result.stdout.splitlines()
    assert before == "False"
    imported, numpy_loaded, regions = after.split()
    assert (imported, numpy_loaded) == ("True", "False") and int(regions) > 20
