"""The one-folder bundle works on its own, copied away from this checkout.

``scripts/build-bundle.sh`` builds ``dist/tpchart/`` (about 45 s here); the folder is
copied to a temporary place outside the repo and run there with its own HOME and XDG
folders and a PATH without this venv, as on a clinic's computer without Python:
``--version``, ``demo``, ``check``, both PDFs, ``backup``/``restore``, the bundle
self-test (every module, body maps, a chart, a PDF page) and the window for five
seconds. Building takes too long for every run: only with ``TPCHART_BUNDLE_TESTS=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from tpchart import __version__

from .outside import outside_env

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TPCHART_BUNDLE_TESTS") != "1",
        reason="builds the PyInstaller bundle (about a minute): set TPCHART_BUNDLE_TESTS=1",
    ),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> dict:
    started = time.monotonic()
    build = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-bundle.sh")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    print(f"\nbuild-bundle.sh: {time.monotonic() - started:.0f} s")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert ROOT not in elsewhere.parents
    shutil.copytree(ROOT / "dist" / "tpchart", elsewhere / "tpchart", symlinks=True)
    home = elsewhere / "home"
    env = outside_env(home)  # no venv, no python of this checkout
    return {"folder": elsewhere / "tpchart", "work": elsewhere, "env": env, "home": home}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(bundle: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    started = time.monotonic()
    done = subprocess.run(
        [str(bundle["folder"] / "tpchart"), *args],
        capture_output=True, text=True, env=env or bundle["env"], cwd=bundle["work"],
        timeout=120, check=False,
    )  # fmt: skip
    print(f"tpchart {' '.join(args)}: {time.monotonic() - started:.1f} s")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_version(bundle):
    assert _run(bundle, "--version").stdout.strip() == f"tpchart {__version__}"


def test_self_test_imports_every_module_and_draws_with_every_library(bundle):
    """The window loads pyqtgraph, numpy and PDFium only when a tab or dialog first
    opens; the self-test proves the bundle carries them (it caught a missing QtOpenGL)."""
    env = {**bundle["env"], "TPCHART_BUNDLE_SELF_TEST": "1"}
    out = _run(bundle, env=env).stdout
    assert "bundle self-test: ok" in out, out
    assert "body maps front, back, head" in out, out


def test_demo_check_and_both_pdfs_with_every_font_embedded(bundle):
    db = bundle["work"] / "demo.db"
    assert (
        "Added 3 demo patients" in _run(bundle, "demo", "--db", str(db), "--patients", "3").stdout
    )
    assert "Integrity: ok" in _run(bundle, "check", "--db", str(db)).stdout
    session_pdf, progress_pdf = bundle["work"] / "session.pdf", bundle["work"] / "progress.pdf"
    _run(bundle, "export-pdf", "--db", str(db), "--session", "1", "-o", str(session_pdf))
    _run(bundle, "export-pdf", "--db", str(db), "--patient", "1", "--progress",
         "-o", str(progress_pdf))  # fmt: skip
    for pdf in (session_pdf, progress_pdf):
        reader = PdfReader(pdf)
        assert "".join(page.extract_text() for page in reader.pages).strip()
        fonts = [
            font.get_object()
            for page in reader.pages
            for font in (page["/Resources"].get("/Font") or {}).values()
        ]
        assert fonts
        for font in fonts:  # the vendored faces, each with its font file inside the PDF
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile" in descriptor, font["/BaseFont"]


def test_backup_and_restore(bundle):
    db = bundle["work"] / "kept.db"
    _run(bundle, "demo", "--db", str(db), "--patients", "1")
    backups = bundle["work"] / "backups"
    assert "Backed up" in _run(bundle, "backup", "--db", str(db), "--to", str(backups)).stdout
    assert list(backups.glob("*.db"))
    assert "Restored" in _run(bundle, "restore", "--db", str(db), "--from", str(backups)).stdout
    assert "Integrity: ok" in _run(bundle, "check", "--db", str(db)).stdout


def test_the_window_runs_five_seconds_offscreen(bundle):
    """Runs until a SIGTERM closes it normally: exit code 0, no traceback, and the backup
    taken at close (only a window that ran takes it)."""
    db = bundle["work"] / "window.db"
    _run(bundle, "demo", "--db", str(db), "--patients", "1")
    process = subprocess.Popen(
        [str(bundle["folder"] / "tpchart"), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=bundle["env"],
        cwd=bundle["work"],
    )  # fmt: skip
    time.sleep(5)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, out + err
    assert "Traceback" not in err, err
    backups = bundle["home"] / "data" / "tpchart" / "backups"
    assert [p for p in backups.rglob("*close*") if p.is_file()], "no backup at close"


def test_licences_of_qt_svglib_and_the_fonts_ship_with_the_bundle(bundle):
    folder = bundle["folder"]
    notices = (folder / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert re.search(r"^PySide6_Essentials \S+: LGPL-3\.0", notices, re.M), notices
    assert re.search(r"^svglib \S+: LGPL-3\.0", notices, re.M), notices
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (
        folder / "LICENSES" / "pyside6-essentials" / "LGPL-3.0.txt"
    ).read_text(encoding="utf-8")
    assert "LESSER" in (folder / "LICENSES" / "svglib" / "LICENSE.txt").read_text().upper()
    fonts = {p.name for p in (folder / "LICENSES" / "fonts").iterdir()}
    assert {"SourceSans3-LICENSE.md", "NotoSansTamil-LICENSE.txt"} <= fonts
    assert "WenQuanYiMicroHei-LICENSE.txt" in fonts
    # Every Python distribution whose metadata the bundle carries is listed, with a version.
    listed = {
        (_normal(name), version) for name, version in re.findall(r"^(\S+) (\S+): ", notices, re.M)
    }
    carried = [
        info.name.removesuffix(".dist-info").rsplit("-", 1)
        for info in (folder / "_internal").glob("*.dist-info")
    ]
    assert carried
    for name, version in carried:
        assert (_normal(name), version) in listed, name


def test_qt_stays_replaceable_shared_libraries_with_only_the_used_plugins(bundle):
    """The LGPL asks that a user can swap Qt: its libraries are files beside the
    executable, not linked into it. Of the platform plugins, a desktop's (xcb) and the
    headless one (offscreen) ship; no translations, Wayland or EGL device plugins."""
    qt = bundle["folder"] / "_internal" / "PySide6" / "Qt"
    for library in ("Core", "Gui", "Widgets", "Svg", "PrintSupport"):
        assert (qt / "lib" / f"libQt6{library}.so.6").is_file(), library
    platforms = {p.name for p in (qt / "plugins" / "platforms").iterdir()}
    assert platforms == {"libqxcb.so", "libqoffscreen.so"}
    assert not (qt / "translations").exists()
    assert not list((qt / "plugins").glob("wayland-*"))
