"""THIRD-PARTY-NOTICES.txt and LICENSES/ for the one-folder bundle.

Called by packaging/tpchart.spec once PyInstaller has collected the bundle, with the
source path of every file it took. Each file is traced to where it came from: a Python
distribution (its RECORD, read through importlib.metadata), the Python runtime itself,
or a Debian package of this machine (``dpkg -S``: system libraries that Qt, CUPS or
Pillow need). Names, versions and licences are read from there, never written by hand,
so the list always matches what the bundle carries; the licence texts are copied beside.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# PySide6's wheels carry no licence file; Qt for Python is LGPL-3.0 (or GPL), whose
# text refers to the GPL-3.0, so both ship (packaging/licenses/, the FSF texts).
QT_DISTRIBUTIONS = {"pyside6-essentials", "shiboken6"}
QT_LICENCE_TEXTS = [HERE / "licenses" / "LGPL-3.0.txt", HERE / "licenses" / "GPL-3.0.txt"]
_LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)

QT_NOTE = """\
Qt for Python (PySide6, Shiboken6) and the Qt libraries are used under the GNU Lesser
General Public License v3 (LICENSES/pyside6-essentials/). They stay separate shared
libraries beside the executable (_internal/PySide6/Qt/lib/libQt6*.so.6, the modules in
_internal/PySide6/), loaded at run time and not linked into tpchart, so they can be
replaced with a compatible build of the same Qt version, as the LGPL asks. The source
of Qt is at https://download.qt.io/official_releases/qt/ and of Qt for Python at
https://code.qt.io/cgit/pyside/pyside-setup.git/.
"""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(path)


def _owners() -> dict[str, metadata.Distribution]:
    """Every file of every installed distribution, by its real path."""
    owners: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions():
        for file in dist.files or []:
            owners[_real(dist.locate_file(file))] = dist
    return owners


def _licence(dist: metadata.Distribution) -> str:
    """The distribution's own statement: SPDX expression, else the short License field,
    else its trove classifiers."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 80:
        return field
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if classifiers:
        return ", ".join(classifiers)
    return field.splitlines()[0] if field else "not stated; see its licence files"


def _licence_files(dist: metadata.Distribution) -> list[tuple[Path, Path]]:
    """Its licence texts: (file, name to give the copy, keeping any subfolders)."""
    files = []
    for file in dist.files or []:
        if not file.parts[0].endswith((".dist-info", ".egg-info")):
            continue
        # PEP 639 puts them under licenses/, some by licence name (pypdfium2: Apache-2.0.txt).
        if len(file.parts) > 2 and file.parts[1] == "licenses":
            files.append((Path(str(dist.locate_file(file))), Path(*file.parts[2:])))
        elif _LICENCE_FILE.search(file.name):
            files.append((Path(str(dist.locate_file(file))), Path(*file.parts[1:])))
    return sorted(files)


def _debian_packages(paths: Iterable[str]) -> dict[str, list[str]]:
    """Debian package -> the bundled system files it installed (``dpkg -S``)."""
    found: dict[str, list[str]] = defaultdict(list)
    if shutil.which("dpkg") is None:  # not Debian (or not Linux): say so, name the files
        found["(no dpkg on the build machine to name their packages)"] = sorted(set(paths))
        return found
    for path in sorted(set(paths)):
        # With a merged /usr, dpkg may know the file under /lib or under /usr/lib.
        candidates = [path]
        if path.startswith("/usr/lib/"):
            candidates.append(path[len("/usr") :])
        elif path.startswith("/lib/"):
            candidates.append("/usr" + path)
        for candidate in candidates:
            done = subprocess.run(
                ["dpkg", "-S", candidate], capture_output=True, text=True, check=False
            )
            if done.returncode == 0:
                package = done.stdout.split(":", 1)[0].split(",")[0].strip()
                found[package].append(path)
                break
        else:
            found["(not from a Debian package)"].append(path)
    return found


def _debian_details(package: str) -> tuple[str, str, Path | None]:
    """Version, licences named in its DEP-5 copyright file, and that file."""
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    copyright_file = Path("/usr/share/doc") / package.split(":")[0] / "copyright"
    if not copyright_file.is_file():
        return version, "see the package's copyright file", None
    names = re.findall(r"^License:\s*(\S[^\n]*)", copyright_file.read_text(errors="replace"), re.M)
    licences = ", ".join(sorted(set(n.strip() for n in names))) or "see copyright"
    return version, licences, copyright_file


def _copy(files: Iterable[tuple[Path, Path]], folder: Path) -> list[str]:
    """Copies ``(file, name)`` pairs into ``folder``; their paths from the bundle."""
    copied = []
    for file, name in files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        copied.append(str(target.relative_to(folder.parents[1])))
    return copied


def write_notices(bundle: Path, sources: Iterable[str], version: str) -> None:
    """Write ``bundle/THIRD-PARTY-NOTICES.txt`` and ``bundle/LICENSES/`` for the files in
    ``sources`` (the source paths PyInstaller collected into ``bundle``)."""
    owners = _owners()
    runtime = _real(sys.base_prefix)
    root = _real(ROOT)
    distributions: dict[str, metadata.Distribution] = {}
    python_runtime = False
    system: list[str] = []
    for source in sources:
        if not source or not os.path.isabs(source):
            continue  # generated by PyInstaller itself (base_library, bootstrap code)
        real = _real(source)
        dist = owners.get(real)
        if dist is not None:
            distributions.setdefault(_normal(dist.metadata["Name"]), dist)
        elif real.startswith(root + os.sep):
            continue  # tpchart's own files (an editable install has no RECORD of them)
        elif real.startswith(runtime + os.sep):
            python_runtime = True
        else:
            system.append(real)
    distributions.pop("tpchart", None)
    distributions.pop("pyinstaller", None)  # its bootloader: GPL with an exception for bundles

    licences = bundle / "LICENSES"
    if licences.exists():
        shutil.rmtree(licences)
    lines = [
        f"tpchart {version}: third-party software in this bundle",
        "=" * 60,
        "",
        "Generated at build time from the files PyInstaller collected. Licence texts are",
        "in the LICENSES/ folder beside this file.",
        "",
        QT_NOTE,
        "Python distributions",
        "--------------------",
    ]
    for key in sorted(distributions):
        dist = distributions[key]
        texts = _licence_files(dist)
        if key in QT_DISTRIBUTIONS:
            texts += [(text, Path(text.name)) for text in QT_LICENCE_TEXTS]
        copied = _copy(texts, licences / key)
        lines.append(f"{dist.metadata['Name']} {dist.version}: {_licence(dist)}")
        lines.extend(f"    {path}" for path in copied)
    if python_runtime:
        lines += ["", "Python runtime", "--------------"]
        stdlib = (
            Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        )
        copied = _copy([(stdlib / "LICENSE.txt", Path("LICENSE.txt"))], licences / "python")
        lines.append(f"Python {sys.version.split()[0]}: PSF-2.0")
        lines.extend(f"    {path}" for path in copied)
    fonts = sorted(
        p for p in (ROOT / "tpchart/report/fonts").iterdir() if _LICENCE_FILE.search(p.name)
    )
    lines += ["", "Fonts (in _internal/tpchart/report/fonts/, sources in its README.md)", "-----"]
    lines.extend(
        f"    {path}" for path in _copy([(f, Path(f.name)) for f in fonts], licences / "fonts")
    )
    lines += ["", "System libraries (from this build machine's Debian packages)", "-----"]
    for package, files in sorted(_debian_packages(system).items()):
        names = ", ".join(sorted({Path(f).name for f in files}))
        if package.startswith("("):
            lines.append(f"{package}: {names}")
            continue
        version_, named, copyright_file = _debian_details(package)
        lines.append(f"{package} {version_}: {named}")
        lines.append(f"    files: {names}")
        if copyright_file is not None:
            target = licences / "debian" / f"{package.split(':')[0]}.copyright"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copyright_file, target)
            lines.append(f"    {target.relative_to(bundle)}")
    (bundle / "THIRD-PARTY-NOTICES.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
