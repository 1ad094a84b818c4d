"""The bundle's entry point: ``dist/tpchart/tpchart`` runs this.

The same command line as the installed ``tpchart`` script (``tpchart.cli:main``); not
``main.py``, whose ``bench`` command would pull the benchmark (not part of the app)
into the bundle.

``TPCHART_BUNDLE_SELF_TEST=1 tpchart/tpchart`` checks a copied bundle instead of
starting the app (docs/install.md; tests/test_bundle.py runs it).
"""

import os
import sys

SELF_TEST = "TPCHART_BUNDLE_SELF_TEST"


def self_test() -> int:
    """Import every module of tpchart, then draw a body map, a chart and a PDF page
    offscreen; print one line and return 0 when all works.

    The window loads some libraries only when a doctor first opens a tab or a dialog
    (pyqtgraph and numpy for Progress, pypdfium2 for Print), so a start of the window
    does not show that the bundle carries them; this does, in a second."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import importlib
    import io
    import pkgutil

    import pypdfium2 as pdfium
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication
    from reportlab.pdfgen.canvas import Canvas

    import tpchart
    from tpchart.bodymap.geometry import svg_path
    from tpchart.core.regions import View
    from tpchart.report.fonts import FACE_FILES, font_file

    modules = sorted(m.name for m in pkgutil.walk_packages(tpchart.__path__, "tpchart."))
    for name in modules:
        importlib.import_module(name)
    for face in FACE_FILES:
        font_file(face)  # FontsMissing if a font did not come along

    app = QApplication([])  # noqa: F841 (kept alive while drawing)
    drawn = []
    for view in View:
        renderer = QSvgRenderer(str(svg_path(view)))
        image = QImage(200, 300, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        if not renderer.isValid() or image.isNull():
            raise SystemExit(f"self-test: the body map {svg_path(view)} did not draw")
        drawn.append(view.value)
    chart = pg.PlotWidget()
    chart.plot([1, 2, 3], [6, 4, 2])
    if chart.grab().isNull():
        raise SystemExit("self-test: the chart did not draw")
    pdf = io.BytesIO()
    canvas = Canvas(pdf)
    canvas.drawString(72, 720, "tpchart")
    canvas.save()
    page = pdfium.PdfDocument(pdf.getvalue())[0].render(scale=0.5)
    if page.width <= 0:
        raise SystemExit("self-test: PDFium did not render a page")
    print(
        f"tpchart {tpchart.__version__} bundle self-test: ok ({len(modules)} modules, "
        f"{len(FACE_FILES)} fonts, body maps {', '.join(drawn)}, chart, PDF page)"
    )
    return 0


if __name__ == "__main__":
    if os.environ.get(SELF_TEST) == "1":
        sys.exit(self_test())
    from tpchart.cli import main

    sys.exit(main())
