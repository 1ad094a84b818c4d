"""The SVGs load in both renderers the app uses: Qt (screen) and svglib (PDF)."""

from __future__ import annotations

import pytest

from tpchart.bodymap import load_body_map, svg_path
from tpchart.core.regions import View


@pytest.mark.parametrize("view", list(View))
def test_qt_renders_every_region(view: View) -> None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg_path(view)))
    assert renderer.isValid()
    body = load_body_map(view)
    box = renderer.viewBoxF()
    assert (box.x(), box.y(), box.width(), box.height()) == body.view_box
    for region_id in body.region_ids():
        assert renderer.elementExists(region_id), region_id
        # Qt's idea of the region agrees with ours (no transforms in the file).
        qt = renderer.boundsOnElement(region_id)
        x, y, w, h = body.bounds(region_id)
        assert qt.x() == pytest.approx(x, abs=0.5) and qt.width() == pytest.approx(w, abs=1)
        assert qt.y() == pytest.approx(y, abs=0.5) and qt.height() == pytest.approx(h, abs=1)


@pytest.mark.parametrize("view", list(View))
def test_qt_paints_the_body_inside_the_view(view: View, qapp) -> None:
    # qapp (pytest-qt) is the one QApplication of the test session; a bare
    # QGuiApplication here would make later widget tests abort.
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg_path(view)))
    body = load_body_map(view)
    _, _, w, h = body.view_box
    image = QImage(int(w), int(h), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, w, h))
    painter.end()
    # Region interiors are painted (not white), far outside is white.
    for region_id in body.region_ids():
        x, y = body.interior_point(region_id)
        assert image.pixelColor(int(x), int(y)) != QColor("white"), region_id
    assert image.pixelColor(2, int(h) - 2) == QColor("white")


@pytest.mark.parametrize("view", list(View))
def test_svglib_loads_at_the_view_box_size(view: View) -> None:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(str(svg_path(view)))
    assert drawing is not None
    _, _, w, h = load_body_map(view).view_box
    assert (drawing.width, drawing.height) == (w, h)
