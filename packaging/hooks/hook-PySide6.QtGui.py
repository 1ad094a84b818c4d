# Replaces PyInstaller's hook for PySide6.QtGui (packaging/tpchart.spec lists this folder in
# hookspath): the same collection, without the Qt plugins tpchart does not use. Dropped
# here, before PyInstaller follows their library dependencies, so their system libraries
# (GTK, Wayland, EGL, image codecs) do not come along either.
#
# Kept: platforms xcb (a desktop) and offscreen (headless, tests); SVG icons and images;
# the XDG desktop portal theme; the compose input context (dead keys, accents). A Wayland
# desktop runs the app through XWayland (xcb).
import re

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# File names of Linux (libq*.so), Windows (q*.dll) and macOS (libq*.dylib) alike, so the
# same spec builds on each (docs/install.md): there the desktop platform is qwindows or
# qcocoa.
_KEEP = r"(?!(lib)?q(xcb|offscreen|windows|cocoa|svg|xdgdesktopportal)\.(so|dll|dylib)$)"
UNUSED = re.compile(
    r"plugins/("
    rf"(platforms|imageformats|platformthemes)/{_KEEP}"
    r"|egldeviceintegrations/|wayland-[^/]+/|generic/|accessiblebridge/"
    r"|platforminputcontexts/(?!libcomposeplatforminputcontextplugin\.so)"
    r")"
)

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [b for b in binaries if not UNUSED.search(b[0].replace("\\", "/"))]
