"""Build hook: the body-map SVGs go into the wheel as ``tpchart/bodymap/maps/*.svg``.

``assets/body_maps/`` stays the one copy in git (``tools/draw_body_maps.py`` writes it,
the tests check it), so it is copied into the package at build time rather than kept
twice. setuptools' package-data only takes files inside a package folder, and a
``package-dir`` entry for a data-only package is ignored by ``packages.find``. Every
other setting is in pyproject.toml; an editable install reads ``assets/`` directly
(``tpchart.bodymap.geometry``).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MAPS_SOURCE = Path(__file__).parent / "assets" / "body_maps"
MAPS_TARGET = ("tpchart", "bodymap", "maps")


class BuildWithBodyMaps(build_py):
    """build_py that also copies the body-map SVGs into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # the source checkout reads assets/body_maps itself
        svgs = sorted(MAPS_SOURCE.glob("*.svg"))
        if not svgs:
            raise SystemExit(f"setup.py: no body-map SVGs in {MAPS_SOURCE}")
        target = Path(self.build_lib, *MAPS_TARGET)
        self.mkpath(str(target))
        for svg in svgs:
            self.copy_file(str(svg), str(target / svg.name))


setup(cmdclass={"build_py": BuildWithBodyMaps})
