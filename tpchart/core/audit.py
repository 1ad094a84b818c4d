"""Records of who changed what: the audit trail and signed-session history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    """One change to clinical data: who, when (UTC), what, before and after."""

    id: int
    at: datetime
    practitioner_id: int | None
    action: str
    table: str
    row_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str = ""


@dataclass(frozen=True)
class Amendment:
    """Why a signed session was reopened, by whom and when."""

    session_id: int
    from_version: int
    reason: str
    practitioner_id: int
    at: datetime


@dataclass(frozen=True)
class SignedVersion:
    """A signed session exactly as it was signed, kept readable after amendments."""

    session_id: int
    version: int
    signed_by: int
    signed_at: datetime
    snapshot: dict[str, Any]
