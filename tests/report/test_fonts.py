"""Names in Tamil, Chinese, Greek and Cyrillic print as real, shaped glyphs, and every
font a document names is embedded in it (an archived record must carry its fonts)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pdfplumber
import pypdf
import pytest
from reportlab.pdfbase import pdfmetrics

from tests.report.conftest import add_points, history, start_session
from tpchart.core.patient import Patient, Sex
from tpchart.report.documents import handout_pdf, progress_pdf, session_pdf
from tpchart.report.fonts import FACE_FILES, TAMIL, covers, register_fonts, runs

TAMIL_NAME = "செல்வி சுப்பிரமணியம்"  # Selvi Subramaniam
CHINESE_NAME = "陈美玲"
GREEK_NAME = "Ελένη Παπαδοπούλου"
CYRILLIC_NAME = "Ирина Петрова"


@pytest.fixture
def tamil_patient(store):
    return store.patients.add(Patient(
        record_number="T-7", full_name=TAMIL_NAME, date_of_birth=date(1975, 6, 2), sex=Sex.FEMALE,
    ))  # fmt: skip


@pytest.fixture
def summary(store, tamil_patient) -> bytes:
    session = start_session(
        store, tamil_patient,
        chief_complaint=f"Referred by {CHINESE_NAME}; interpreter {CYRILLIC_NAME}; "
        f"physiotherapist {GREEK_NAME}",
    )  # fmt: skip
    add_points(store, session.id, 4)
    return session_pdf(store, session.id)


@pytest.fixture
def handout(store, tamil_patient) -> bytes:
    session = start_session(store, tamil_patient)
    add_points(store, session.id, 4)
    return handout_pdf(store, session.id)


@pytest.fixture
def progress(store, tamil_patient) -> bytes:
    history(store, tamil_patient, count=3)
    return progress_pdf(store, tamil_patient.id)


def _fonts_by_pdf_name() -> dict[str, str]:
    """The registered font of each embedded face's PostScript name (the PDF's BaseFont
    without its subset tag): "SourceSans3-Regular" -> "TPSans"."""
    register_fonts()
    return {pdfmetrics.getFont(name).face.name.decode(): name for name in FACE_FILES}


def _chars(pdf: bytes) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [char for page in doc.pages for char in page.chars]


def test_every_character_of_the_four_names_is_in_the_face_it_falls_to():
    for name in (TAMIL_NAME, CHINESE_NAME, GREEK_NAME, CYRILLIC_NAME):
        for face, run in runs(name):
            assert covers(face, run.replace(" ", "")), (name, face, run)
    assert {face for face, _ in runs(TAMIL_NAME)} == {TAMIL}


def test_the_names_print_without_missing_glyphs(summary):
    """Each character drawn is in the character map of the embedded font that draws it
    (a missing glyph would be drawn as glyph 0, a box, yet still extract as text), and
    the Chinese, Greek and Cyrillic names read back as written."""
    faces = _fonts_by_pdf_name()
    chars = _chars(summary)
    for char in chars:
        # "AAAAAA+WenQuanYiMicroHei-0": subset tag, then reportlab's subset number.
        base = re.sub(r"-\d+$", "", char["fontname"].split("+", 1)[-1])
        font = faces[base]  # KeyError: a font that is not one of ours
        code = ord(char["text"])
        if 0xE000 <= code <= 0xF8FF:
            continue  # a shaped Tamil conjunct: a glyph of the font, given a private code
        assert covers(font, char["text"]), (char["text"], base)
    text = "".join(char["text"] for char in chars)
    for name in (CHINESE_NAME, GREEK_NAME, CYRILLIC_NAME):
        assert name.replace(" ", "") in text.replace(" ", "")
    tamil = {c["text"] for c in chars if c["fontname"].endswith("NotoSansTamil-Regular")}
    assert {"ச", "ெ", "ம", "ண"} <= tamil


def test_tamil_names_are_shaped(summary):
    """HarfBuzz puts the vowel sign of "செ" before its consonant on paper, as a reader
    expects: the drawn (visual) order differs from the typed (logical) order."""
    bold = [c["text"] for c in _chars(summary) if "NotoSansTamil" in c["fontname"]]
    drawn = "".join(bold)
    assert "ெச" in drawn  # visual order: shaped
    assert "செ" not in drawn  # logical order would mean unshaped


def _unembedded_fonts(pdf: bytes) -> list[str]:
    """Every font of every page that has no embedded font program."""
    missing = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if font.get("/Subtype") == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(font.get("/BaseFont")))
    return missing


@pytest.mark.parametrize("document", ["summary", "handout", "progress"])
def test_every_font_is_embedded(document, request, tmp_path):
    pdf = request.getfixturevalue(document)
    assert _unembedded_fonts(pdf) == []
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed; scripts/setup.sh --test adds it")
    path = tmp_path / f"{document}.pdf"
    path.write_bytes(pdf)
    table = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = table.stdout.splitlines()[2:]
    assert rows, table.stdout
    for row in rows:
        emb = row.split()[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", row
    assert not any("Helvetica" in row for row in rows)
