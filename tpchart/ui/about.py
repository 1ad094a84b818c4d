"""Help > About: what this copy of tpchart is, where it keeps the clinic's files, and
the licences of the third-party parts it ships with."""

from __future__ import annotations

import sys
from html import escape
from importlib import resources
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from tpchart import __version__
from tpchart.store.file import configured_backup_folder, log_file

# The parts a wheel or bundle carries, with their licences. Qt stays a set of shared
# libraries (PySide6), so a clinic may replace it as the LGPL allows.
COMPONENTS = [
    ("Qt for Python (PySide6, Shiboken6)", "pyside6-essentials", "LGPL-3.0-only"),
    ("reportlab", "reportlab", "BSD-3-Clause"),
    ("svglib", "svglib", "LGPL-3.0-or-later"),
    ("svgelements", "svgelements", "MIT"),
    ("sqlite-utils", "sqlite-utils", "Apache-2.0"),
    ("pyqtgraph", "pyqtgraph", "MIT"),
    ("NumPy", "numpy", "BSD-3-Clause"),
    ("pypdfium2 (PDFium)", "pypdfium2", "Apache-2.0 or BSD-3-Clause"),
    ("uharfbuzz (HarfBuzz)", "uharfbuzz", "Apache-2.0 (HarfBuzz: MIT)"),
    ("platformdirs", "platformdirs", "MIT"),
    ("pypinyin", "pypinyin", "MIT"),
]
FONTS = [
    ("Source Sans 3", "SIL OFL 1.1", "SourceSans3-LICENSE.md"),
    ("Noto Sans Tamil", "SIL OFL 1.1", "NotoSansTamil-LICENSE.txt"),
    ("WenQuanYi Micro Hei", "Apache-2.0", "WenQuanYiMicroHei-LICENSE.txt"),
]


def icon_path() -> Path:
    """The app's icon (drawn for tpchart, shipped in the package)."""
    return Path(str(resources.files("tpchart.ui") / "icons" / "tpchart.svg"))


def app_icon() -> QIcon:
    """The window icon."""
    return QIcon(str(icon_path()))


def _version(distribution: str) -> str:
    # Imported here: importlib.metadata costs ~13 ms, paid only when About is opened.
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""  # a bundle may carry the code without its package metadata


def about_html(database: Path | str) -> str:
    """The About text: version, the clinic's files (or its server), and the licences."""
    fonts = Path(str(resources.files("tpchart.report") / "fonts"))
    files: list[tuple[str, Path | str]] = [("Database", database)]
    if isinstance(database, Path):  # a clinic server is backed up on the server
        files.append(("Backup folder", configured_backup_folder(database)))
    files.append(("Log file", log_file()))
    rows = "".join(
        f"<tr><td><b>{label}</b>&nbsp;</td><td>{escape(str(path))}</td></tr>"
        for label, path in files
    )
    parts = "".join(
        f"<tr><td>{escape(name)} {escape(_version(dist))}&nbsp;</td><td>{escape(licence)}</td></tr>"
        for name, dist, licence in COMPONENTS
    )
    font_rows = "".join(
        f"<tr><td>{escape(name)}&nbsp;</td><td>{escape(licence)} "
        f"(<a href='{(fonts / text).as_uri()}'>licence text</a>)</td></tr>"
        for name, licence, text in FONTS
    )
    return (
        f"<h2>tpchart {escape(__version__)}</h2>"
        "<p>Charting of myofascial trigger points and dry needling.</p>"
        f"<table>{rows}</table>"
        "<h3>Third-party parts</h3>"
        f"<table>{parts}</table>"
        f"{_bundle_notices()}"
        "<h3>Fonts embedded in the PDFs</h3>"
        f"<table>{font_rows}</table>"
        f"<p>Where each font comes from: {escape(str(fonts / 'README.md'))}</p>"
    )


def _bundle_notices() -> str:
    """In the desktop bundle, where the notices of every part it carries are: it also
    holds their own dependencies (Pillow, lxml, ...) that the table above leaves out."""
    if not getattr(sys, "frozen", False):
        return ""
    notices = Path(sys.executable).parent / "THIRD-PARTY-NOTICES.txt"
    return (
        f"<p>Every part this bundle carries, with its licence: {escape(str(notices))} "
        "(licence texts in the LICENSES folder beside it).</p>"
    )


class AboutDialog(QDialog):
    """Help > About tpchart."""

    def __init__(self, database: Path | str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About tpchart")
        self.setObjectName("aboutDialog")
        layout = QVBoxLayout(self)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(48, 48))
        logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(logo)
        self.text = QTextBrowser()
        self.text.setObjectName("aboutText")
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(about_html(database))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Fits the 1366x768 laptop at 125 % (about 1090x610 logical pixels).
        self.resize(600, 520)
