"""Body-map geometry: which region a point on a diagram falls in.

Reads the SVG diagrams in ``assets/body_maps`` (front, back, head side view)
and answers hit tests and outlines in the SVG's viewBox coordinates, for the
charting screen and the PDF alike. No Qt.
"""

from tpchart.bodymap.geometry import ASSETS_DIR, BodyMap, load_body_map, svg_path

__all__ = ["ASSETS_DIR", "BodyMap", "load_body_map", "svg_path"]
