# Replaces PyInstaller's hook for PySide6.QtNetwork (see hook-PySide6.QtGui.py): tpchart
# uses QtNetwork only for QLocalServer/QLocalSocket (one window per database), so the TLS
# backends (which pull OpenSSL) and the network-information plugins stay out.
import re

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

UNUSED = re.compile(r"plugins/(tls|networkinformation|networkaccess)/")

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [b for b in binaries if not UNUSED.search(b[0].replace("\\", "/"))]
