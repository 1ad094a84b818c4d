"""Render the body-map SVGs with Qt and with reportlab, for looking at them.

    .venv/bin/python tools/render_body_maps.py [--src DIR] [--out DIR] [--scale 2]

Writes, per view, ``<view>_qt.png`` (QSvgRenderer onto a white QImage) and
``<view>_reportlab.png`` (svglib -> reportlab PDF -> ``pdftoppm``), plus
``<view>_side_by_side.png`` with the two next to each other. The committed
screenshots in docs/body_maps/ come from this script with the defaults.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ("front", "back", "head_side")


def render_qt(svg: Path, png: Path, scale: float) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"Qt cannot read {svg}")
    box = renderer.viewBoxF()
    image = QImage(round(box.width() * scale), round(box.height() * scale), QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    image.save(str(png))


def render_reportlab(svg: Path, png: Path, dpi: int) -> None:
    from reportlab.graphics import renderPDF
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(str(svg))
    if drawing is None:
        raise SystemExit(f"svglib cannot read {svg}")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "map.pdf"
        renderPDF.drawToFile(drawing, str(pdf))
        stem = Path(tmp) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(stem)], check=True
        )
        png.write_bytes(stem.with_suffix(".png").read_bytes())


def side_by_side(left: Path, right: Path, out: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    a, b = Image.open(left).convert("RGB"), Image.open(right).convert("RGB")
    h = max(a.height, b.height)
    b = b.resize((round(b.width * a.height / b.height), a.height)) if b.height != a.height else b
    canvas = Image.new("RGB", (a.width + b.width + 10, h + 24), "white")
    canvas.paste(a, (0, 24))
    canvas.paste(b, (a.width + 10, 24))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=15)
    draw.text((6, 3), "Qt (QSvgRenderer)", fill="black", font=font)
    draw.text((a.width + 16, 3), "reportlab (svglib -> PDF -> pdftoppm)", fill="black", font=font)
    canvas = canvas.convert("P", palette=Image.Palette.ADAPTIVE, colors=128)
    canvas.save(out, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "assets" / "body_maps")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "body_maps")
    parser.add_argument("--scale", type=float, default=1.0, help="Qt pixels per SVG unit")
    parser.add_argument("--keep", action="store_true", help="keep the single renders too")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # 1 SVG unit is 1/72 inch in reportlab, so this dpi matches the Qt scale.
    dpi = round(72 * args.scale)
    for view in VIEWS:
        svg = args.src / f"{view}.svg"
        qt_png = args.out / f"{view}_qt.png"
        rl_png = args.out / f"{view}_reportlab.png"
        render_qt(svg, qt_png, args.scale)
        render_reportlab(svg, rl_png, dpi)
        side_by_side(qt_png, rl_png, args.out / f"{view}.png")
        if not args.keep:
            qt_png.unlink()
            rl_png.unlink()
        print(args.out / f"{view}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
