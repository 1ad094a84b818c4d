"""Conversions between core values and the plain types stored in SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar, overload

# Set only while a demo database is written (`Store.clock_at`): made-up sessions are
# stamped on the made-up days they happened, signed the same day.
_demo_clock: ContextVar[datetime | None] = ContextVar("demo_clock", default=None)


def now() -> datetime:
    """The current time in UTC (what every stored timestamp uses)."""
    return _demo_clock.get() or datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Stamp ``moment`` instead of the current time until the block ends."""
    token = _demo_clock.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _demo_clock.reset(token)


def to_text(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC, so stored times sort as text."""
    return None if value is None else value.astimezone(UTC).isoformat()


@overload
def to_datetime(text: str) -> datetime: ...
@overload
def to_datetime(text: str | None) -> datetime | None: ...
def to_datetime(text: str | None) -> datetime | None:
    """Stored ISO 8601 text back to an aware datetime (None stays None)."""
    return None if text is None else datetime.fromisoformat(text)


def to_date(text: str) -> date:
    """Stored ISO date back to a date."""
    return date.fromisoformat(text)


def to_json(values: Any) -> str:
    """Sets become sorted lists so the stored text is stable and diffable."""
    if isinstance(values, dict) and all(type(v) in _SCALARS for v in values.values()):
        plain = values  # a row as SQLite returns it: the audit trail's common case
    else:
        plain = _plain(values)
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


_SCALARS = (str, int, float, type(None))


def from_json(text: str | None) -> Any:
    """Stored JSON text back to Python values."""
    # Most stored lists are empty (no red flags, no events): a session row has five
    # of them, and opening a patient reads a hundred rows. A new list each time, as
    # json.loads would give, since callers may keep or change what they get.
    if text == "[]":
        return []
    return None if text is None else json.loads(text)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def boolean(value: int) -> bool:
    """SQLite stores booleans as 0/1."""
    return bool(value)


Record = TypeVar("Record")


def stored_record(cls: type[Record], *fields: Mapping[str, Any]) -> Record:
    """A frozen dataclass ``cls`` holding ``fields`` (later ones win), built without its
    ``__post_init__``: for a row read back, validated when it was written
    (`stored_point`, `stored_session`, `stored_patient`). The caller makes the values
    what ``__post_init__`` would have made them."""
    record = object.__new__(cls)
    # A frozen dataclass refuses attribute assignment; its fields live in __dict__.
    for part in fields:
        record.__dict__.update(part)
    return record
