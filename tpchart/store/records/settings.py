"""Small settings that travel with the records (the clinic profile, for example)."""

from __future__ import annotations

from typing import overload

from tpchart.core.accounts import Role
from tpchart.core.errors import PermissionRefused
from tpchart.store.records import audit
from tpchart.store.records.context import Context


class Settings:
    """The settings table: text values by key."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @overload
    def get(self, key: str, default: str = "") -> str: ...
    @overload
    def get(self, key: str, default: None) -> str | None: ...
    def get(self, key: str, default: str | None = "") -> str | None:
        """The stored value, or ``default``."""
        row = self._ctx.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else row[0]

    def require_admin(self, doing: str) -> None:
        """Refuse (PermissionRefused, nothing written) unless the signed-in practitioner
        is an active administrator, once the clinic has accounts (issue 18: the clinic
        profile heads every document; before set-up anyone may write it, as always).
        The role is read from the file, not from the sign-in: a role taken away since
        counts at once."""
        if not getattr(self._ctx, "set_up", False):
            return
        signed = getattr(self._ctx, "signed", None)
        if signed is None:
            raise PermissionRefused("Sign in before making changes")
        row = self._ctx.db.execute(
            "SELECT role, active FROM accounts WHERE practitioner_id = ?",
            [signed.account.practitioner_id],
        ).fetchone()
        if row is None or row[0] != Role.ADMIN.value or not row[1]:
            raise PermissionRefused(f"Only an administrator can {doing}")

    def set_many(self, values: dict[str, str]) -> None:
        """Store several values in one audited transaction."""
        db = self._ctx.db
        with self._ctx.transaction():
            for key, value in values.items():
                old = self.get(key, default=None)
                if old == value:
                    continue
                db.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )
                audit.record(
                    db, self._ctx.practitioner_id, "update" if old is not None else "insert",
                    "settings", None,
                    None if old is None else {"key": key, "value": old},
                    {"key": key, "value": value},
                )  # fmt: skip
