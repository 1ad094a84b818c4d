"""The log file: a private, rotating record of what tpchart did, for the app and the
command line alike (so nothing it logs lands on a terminal as a second line)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tpchart.store.file.locations import log_folder
from tpchart.store.file.private import private_folder, tighten, tighten_folder, touch_private

LOG_NAME = "tpchart.log"


def log_file(folder: Path | None = None) -> Path:
    """Where the log is written: ``LOG_NAME`` in ``folder`` (the user log folder)."""
    return (folder or log_folder()) / LOG_NAME


class PrivateLog(RotatingFileHandler):
    """A rotating log whose files are 0600: it names patients' files and records."""

    def _open(self) -> TextIOWrapper:
        # Created private before logging opens it (the umask could only widen it).
        touch_private(self.baseFilename)
        tighten(self.baseFilename)
        return super()._open()


def setup_logging(folder: Path | None = None) -> Path:
    """A rotating log file (1 MB x 5) for everything tpchart logs; returns its path."""
    folder = private_folder(folder or log_folder())
    path = log_file(folder)
    logger = logging.getLogger("tpchart")
    if not any(getattr(h, "baseFilename", None) == str(path) for h in logger.handlers):
        handler = PrivateLog(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    tighten_folder(folder)  # after the handler: what it says goes to the log, not a terminal
    return path


@contextmanager
def logging_to_file(folder: Path | None = None) -> Iterator[Path | None]:
    """Log to the file for the duration of one command, then detach again (a test or
    an app may run several commands in one process)."""
    logger = logging.getLogger("tpchart")
    before = list(logger.handlers)
    try:
        try:
            path: Path | None = setup_logging(folder)
        except OSError:
            # No log where the home folder cannot be written; the command still runs.
            logger.addHandler(logging.NullHandler())
            path = None
        yield path
    finally:
        for handler in set(logger.handlers) - set(before):
            logger.removeHandler(handler)
            handler.close()
