"""Practitioners: who charts, signs and amends."""

from __future__ import annotations

from typing import Any

from tpchart.core.practitioner import Practitioner
from tpchart.store.records import audit
from tpchart.store.records.context import Context
from tpchart.store.records.rows import now, to_text


def _from_row(row: dict[str, Any]) -> Practitioner:
    return Practitioner(
        id=row["id"], name=row["name"], registration=row["registration"], active=bool(row["active"])
    )


class Practitioners:
    """The practitioners table."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, practitioner: Practitioner) -> Practitioner:
        """Register a practitioner; audited as made by themselves when none is chosen yet."""
        db = self._ctx.db
        practitioner.check_for_saving()
        with self._ctx.transaction():
            new_id = self._ctx.insert(
                "practitioners",
                {
                    "name": practitioner.name,
                    "registration": practitioner.registration,
                    "active": int(practitioner.active),
                    "created_at": to_text(now()),
                },
            )
            saved = self.get(new_id)
            audit.record(
                db,
                self._ctx.practitioner_id or new_id,
                "insert",
                "practitioners",
                new_id,
                after=self._ctx.row("practitioners", new_id, "Practitioner"),
            )
        return saved

    def get(self, practitioner_id: int) -> Practitioner:
        """One practitioner by id."""
        return _from_row(self._ctx.row("practitioners", practitioner_id, "Practitioner"))

    def all(self, include_inactive: bool = False) -> list[Practitioner]:
        """Practitioners by name."""
        where = "" if include_inactive else " WHERE active = TRUE"
        return [
            _from_row(r)
            for r in self._ctx.rows(f"SELECT * FROM practitioners{where} ORDER BY name")
        ]
