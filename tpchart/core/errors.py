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


class SignInError(TpchartError):
    """A sign-in or a confirmation refused: a wrong passphrase or PIN, an unknown or
    inactive account, or too many failures in a row (a short lock-out). The message
    never says more than "wrong passphrase": not whether the account exists."""


class PermissionRefused(TpchartError):
    """An action that needs a signed-in practitioner, or the admin role, attempted
    without it. Nothing was written."""
