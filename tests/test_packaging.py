"""tpchart works when installed from its wheel, not only from this checkout.

The wheel is built from a copy of the files a build reads, installed without ``-e``
into a fresh virtual environment, and run as a user would: ``demo``, ``check``,
``export-pdf`` for a session and a progress report, and the window offscreen.

Offline and quick: the fresh environment gets tpchart's dependencies (read from the
wheel's own metadata, and theirs in turn) as links to this venv's installed copies,
and nothing else, so code that imports an undeclared package fails here as it would
for a user; pip installs only the wheel. About 20 s; ``-m "not slow"`` skips it.
"""

from __future__ import annotations

import email
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import tpchart
from tpchart.demo import DEMO_PASSPHRASE

from .outside import outside_env

ROOT = Path(__file__).resolve().parents[1]
# What a build reads (pyproject's package-data, setup.py's hook, MANIFEST.in's grafts).
BUILD_INPUTS = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "tpchart", "assets"]

pytestmark = pytest.mark.slow


def _build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    out = tmp / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Deprecat" not in build.stdout + build.stderr, build.stdout + build.stderr
    (wheel,) = out.glob("tpchart-*.whl")
    return wheel


def _requirements(
    meta: email.message.Message | metadata.PackageMetadata, extras: frozenset[str] = frozenset()
) -> list[tuple[str, frozenset[str]]]:
    """What a distribution needs at run time, with the extras asked of it (``psycopg[binary]``
    brings ``psycopg-binary``): (name, extras) pairs, markers for this Python."""
    needed = []
    for line in meta.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
            needed.append((req.name, frozenset(req.extras)))
    return needed


def _dependency_closure(wheel: Path) -> list[metadata.Distribution]:
    with zipfile.ZipFile(wheel) as archive:
        (meta_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        wheel_meta = email.message_from_bytes(archive.read(meta_name))
    seen: dict[str, metadata.Distribution] = {}
    asked: set[tuple[str, frozenset[str]]] = set()
    todo = _requirements(wheel_meta)
    while todo:
        name, extras = todo.pop()
        if (name.lower(), extras) in asked:
            continue
        asked.add((name.lower(), extras))
        dist = metadata.distribution(name)  # PackageNotFoundError: not installed here
        seen[dist.metadata["Name"].lower().replace("_", "-")] = dist
        todo.extend(_requirements(dist.metadata, extras))
    return list(seen.values())


def _link_dependencies(dists: list[metadata.Distribution], target: Path) -> None:
    """Each top-level file or folder of each distribution, linked into ``target``."""
    target.mkdir()
    for dist in dists:
        site = Path(str(dist.locate_file("")))
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or (target / top).exists():
                continue
            os.symlink(site / top, target / top)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(tmp)
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    _link_dependencies(_dependency_closure(wheel), tmp / "deps")
    (site / "tpchart-deps.pth").write_text(str(tmp / "deps") + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
         "--no-deps", "-q", str(wheel)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    home = tmp / "home"
    env = outside_env(home, f"{env_dir / 'bin'}:/usr/bin:/bin")
    return {"bin": env_dir / "bin", "env": env, "work": tmp, "site": site}


def _run(installed: dict, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(installed["bin"] / "tpchart"), *args],
        capture_output=True, text=True, env=installed["env"], cwd=installed["work"],
        timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_the_installed_package_is_the_wheel_not_this_checkout(installed):
    where = subprocess.check_output(
        [installed["bin"] / "python", "-c", "import tpchart, tpchart.bodymap as b;"
         "print(tpchart.__file__); print(b.ASSETS_DIR)"],
        text=True, env=installed["env"], cwd=installed["work"],  # not this checkout's tpchart/
    ).split()  # fmt: skip
    assert all(line.startswith(str(installed["site"])) for line in where), where
    assert Path(where[1]).name == "maps"


def test_demo_check_and_both_pdfs_from_the_wheel(installed):
    db = installed["work"] / "demo.db"
    assert (
        "Added 2 demo patients"
        in _run(installed, "demo", "--db", str(db), "--patients", "2").stdout
    )
    assert _run(installed, "check", "--db", str(db)).returncode == 0
    session_pdf, progress_pdf = (
        installed["work"] / "session.pdf",
        installed["work"] / "progress.pdf",
    )
    _run(installed, "export-pdf", "--db", str(db), "--session", "1", "-o", str(session_pdf))
    _run(installed, "export-pdf", "--db", str(db), "--patient", "1", "--progress",
         "-o", str(progress_pdf))  # fmt: skip
    for pdf in (session_pdf, progress_pdf):
        assert pdf.read_bytes().startswith(b"%PDF")
        assert b"SourceSans3" in pdf.read_bytes()  # the shipped face, embedded
    assert _run(installed, "--version").stdout.strip() == f"tpchart {tpchart.__version__}"


def test_the_window_opens_offscreen_from_the_wheel(installed):
    """The window runs until a SIGTERM closes it normally: exit code 0, no traceback,
    and the backup taken at close (only a window that ran takes it)."""
    db = installed["work"] / "window.db"
    _run(installed, "demo", "--db", str(db), "--patients", "1")
    secret = installed["work"] / "demo-passphrase"
    secret.write_text(DEMO_PASSPHRASE)
    # The demo has accounts (issue 18): signed in from the command line, no dialog.
    process = subprocess.Popen(
        [str(installed["bin"] / "tpchart"), "--db", str(db), "--practitioner", "1",
         "--passphrase-file", str(secret)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=installed["env"],
    )  # fmt: skip
    time.sleep(4)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, out + err
    assert "Traceback" not in err, err
    backups = Path(installed["env"]["XDG_DATA_HOME"]) / "tpchart" / "backups"
    assert [p for p in backups.rglob("*") if p.is_file()], "no backup at close: no window ran"
