"""Errors the clinic's code raises, each with a message a doctor can read."""

from __future__ import annotations


class TpchartError(Exception):
    """Base of every expected problem; the message is shown to the user as is."""


class ValidationError(TpchartError, ValueError):
    """A value a record cannot hold, e.g. "Pain score must be 0-10, got 12"."""


class SignedRecordError(TpchartError):
    """A signed session (or one of its points) was about to be changed in place."""


class NotFoundError(TpchartError, LookupError):
    """A record asked for by id does not exist."""
