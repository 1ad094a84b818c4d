"""Reading produced PDFs back, as a person would: the text of each page, the drawn shapes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pdfplumber
import pypdf


def page_texts(pdf: bytes) -> list[str]:
    """The extracted text of every page, whitespace collapsed to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


@dataclass(frozen=True)
class Shape:
    """A drawn path's bounding box in points, y measured down from the top of the page."""

    page: int
    x0: float
    top: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x0 + self.width / 2, self.top + self.height / 2


def shapes(pdf: bytes) -> tuple[list[Shape], list[Shape]]:
    """(rectangles, curves) drawn on every page."""
    rects, curves = [], []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            for kind, found in (("rects", rects), ("curves", curves)):
                for obj in getattr(page, kind):
                    found.append(Shape(number, obj["x0"], obj["top"], obj["width"], obj["height"]))
    return rects, curves


def words(pdf: bytes) -> list[list[dict]]:
    """Every page's words with positions (pdfplumber's dicts: text, x0, top, ...),
    without the DRAFT watermark, whose huge letters would merge into the words below."""

    def content(obj: dict) -> bool:
        return not (obj["object_type"] == "char" and obj["size"] > 50)

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.filter(content).extract_words() for page in doc.pages]
