# Replaces PyInstaller's hook for PySide6.QtCore (see hook-PySide6.QtGui.py): without Qt's
# translations (14 MB). tpchart's own text is English, so Qt's dialogs stay English too.
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
datas = [d for d in datas if "/translations/" not in d[0].replace("\\", "/")]
