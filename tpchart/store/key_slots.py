"""Key slots that follow the accounts (issue 18, docs/security.md): on an encrypted
database, a practitioner's slot is wrapped with their passphrase, so every change of
passphrase, reset, recovery, new account and closed account rewrites the key file in
the same user action. Here, where the records (accounts) and the file wing (key
slots) meet: the records never import the file wing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from tpchart.core.accounts import Account, Role
from tpchart.core.errors import PermissionRefused, SignInError, TpchartError
from tpchart.core.practitioner import Practitioner
from tpchart.store.errors import DatabaseRefused
from tpchart.store.file import encryption
from tpchart.store.file.database import key_for
from tpchart.store.records import (
    Accounts,
    AccountsContext,
    Practitioners,
    Settings,
    signatures,
)

if TYPE_CHECKING:
    from tpchart.store import Store

log = logging.getLogger("tpchart.store")


class _Staged:
    """Key slots written for one account change before its commit (docs/security.md,
    "Encryption at rest"): taken back if it does not commit, settled after it does."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path, self.key = path, key
        self.slots: list[encryption.KeySlot] = []

    def stage(self, secret: str, practitioner_id: int | None, label: str, kind: str) -> None:
        slot = encryption.stage_slot(
            self.path, self.key, secret, practitioner_id=practitioner_id, label=label, kind=kind
        )
        self.slots.append(slot)

    def take_back(self) -> None:
        for slot in self.slots:
            try:
                encryption.drop_slot(self.path, slot)
            except Exception:  # the old slot still opens the file; sign-in tidies up
                log.exception("A key slot staged for a change that failed stays")

    def settle(self, drop_clinic: bool) -> None:
        for slot in self.slots:
            encryption.settle_slot(self.path, slot, drop_clinic=drop_clinic)


class SlotFollowingAccounts(Accounts):
    """``store.accounts``. On an encrypted file each practitioner's key slot follows
    their account in the same user action: set-up, a new account, a passphrase changed,
    reset or recovered, a sign-in without a slot; closing a sign-in removes it.

    The order makes a crash safe: the new slot is added to the key file BEFORE the
    database commits, beside the old one, and the old one is removed only AFTER the
    commit. Killed in between, the key file opens with the old passphrase and the new
    one, so whichever the database accepts also opens the file; the next sign-in keeps
    only the slot that opens with the passphrase the database accepted. A closed sign-in
    whose slot removal did not happen is tidied at the next open (``tidy_slots``).
    It lives here, where the two wings meet: the records wing never imports the file wing."""

    def __init__(self, ctx: AccountsContext, settings: Settings, store: Store) -> None:
        super().__init__(ctx, settings)
        self._store = store

    def _key(self) -> bytes | None:
        """The database key, on an encrypted file this window may write; else None."""
        store = self._store
        if store.read_only or encryption.is_plain(store.path):
            return None
        return key_for(store.path)

    def _name(self, practitioner_id: int) -> str:
        return Practitioners(self._ctx).get(practitioner_id).name

    @contextmanager
    def _following(
        self, key: bytes, *, unguarded: bool = False, drop_clinic: bool = False
    ) -> Iterator[_Staged]:
        """One transaction whose key slots are staged inside it and settled after it."""
        staged = _Staged(self._store.path, key)
        try:
            with self._ctx.unguarded() if unguarded else nullcontext(), self._ctx.transaction():
                yield staged
        except BaseException:
            staged.take_back()
            raise
        staged.settle(drop_clinic)

    def set_up_clinic(
        self, practitioner: Practitioner, passphrase: str
    ) -> tuple[Practitioner, str]:
        """As ``Accounts.set_up_clinic``; on an encrypted file the administrator's
        passphrase and the clinic's recovery code (the same code for both) open it."""
        key = self._key()
        if key is None:
            return super().set_up_clinic(practitioner, passphrase)
        try:
            with self._following(key, drop_clinic=True) as slots:
                saved, code = super().set_up_clinic(practitioner, passphrase)
                assert saved.id is not None
                slots.stage(passphrase, saved.id, saved.name, "passphrase")
                slots.stage(code, None, "recovery code", "recovery")
        except BaseException:
            self._ctx.signed = None  # set by the set-up that did not commit
            self._ctx.practitioner_id = None
            raise
        return saved, code

    def create(
        self, practitioner: int | Practitioner, passphrase: str, role: Role = Role.PRACTITIONER
    ) -> Account:
        """As ``Accounts.create``; their first passphrase opens an encrypted file."""
        key = self._key()
        if key is None:
            return super().create(practitioner, passphrase, role)
        with self._following(key) as slots:
            account = super().create(practitioner, passphrase, role)
            pid = account.practitioner_id
            slots.stage(passphrase, pid, self._name(pid), "passphrase")
        return account

    def change_passphrase(self, old: str, new: str) -> None:
        """As ``Accounts.change_passphrase``; the new passphrase opens an encrypted file
        from now on, the old one no longer."""
        key, signed = self._key(), self.signed_in
        if key is None or signed is None:
            return super().change_passphrase(old, new)
        pid = signed.practitioner_id
        with self._following(key) as slots:
            super().change_passphrase(old, new)
            slots.stage(new, pid, self._name(pid), "passphrase")

    def reset_passphrase(self, practitioner_id: int, new: str) -> Account:
        """As ``Accounts.reset_passphrase``; the new passphrase opens an encrypted file."""
        key = self._key()
        if key is None:
            return super().reset_passphrase(practitioner_id, new)
        with self._following(key) as slots:
            account = super().reset_passphrase(practitioner_id, new)
            slots.stage(new, practitioner_id, self._name(practitioner_id), "passphrase")
        return account

    def recover(self, recovery_code: str, practitioner_id: int, new_passphrase: str) -> str:
        """As ``Accounts.recover``; on an encrypted file the new passphrase and the new
        recovery code open it, the old ones no longer."""
        key = self._key()
        if key is None:
            return super().recover(recovery_code, practitioner_id, new_passphrase)
        with self._following(key, unguarded=True) as slots:
            code = super().recover(recovery_code, practitioner_id, new_passphrase)
            name = self._name(practitioner_id)
            slots.stage(new_passphrase, practitioner_id, name, "passphrase")
            slots.stage(code, None, "recovery code", "recovery")
        return code

    def deactivate(self, practitioner_id: int) -> Account:
        """As ``Accounts.deactivate``; their passphrase no longer opens an encrypted
        file (removed after the commit; ``tidy_slots`` at the next open if killed)."""
        account = super().deactivate(practitioner_id)
        if self._key() is not None:
            self._remove_slot(practitioner_id)
        return account

    def sign_in(self, practitioner_id: int, passphrase: str) -> Account:
        """As ``Accounts.sign_in``; on an encrypted file, a practitioner without a slot
        that opens with this passphrase gets one (an account made before the file was
        encrypted, or a change interrupted by a crash), in the same user action."""
        account = super().sign_in(practitioner_id, passphrase)
        key = self._key()
        if key is not None:
            try:
                self._slot_for(practitioner_id, passphrase, key)
            except (OSError, TpchartError) as exc:  # signed in all the same
                log.warning("No key slot written for practitioner %s: %s", practitioner_id, exc)
        return account

    def _slot_for(self, practitioner_id: int, passphrase: str, key: bytes) -> None:
        path = self._store.path
        own = [s for s in encryption.read_slots(path) if s.practitioner_id == practitioner_id]
        if len(own) == 1 and own[0].unwrap(passphrase) == key:
            return
        staged = _Staged(path, key)
        staged.stage(passphrase, practitioner_id, self._name(practitioner_id), "passphrase")
        staged.settle(drop_clinic=False)
        log.info("Key slot of practitioner %s written at sign-in", practitioner_id)

    def _remove_slot(self, practitioner_id: int) -> None:
        try:
            encryption.remove_slot(self._store.path, practitioner_id)
        except (OSError, TpchartError) as exc:  # the last passphrase slot is kept
            log.warning("Key slot of practitioner %s kept: %s", practitioner_id, exc)

    def check_passphrase(self, passphrase: str) -> None:
        """The signed-in practitioner's passphrase (not their PIN: it will wrap the
        database key), or SignInError; nothing is written."""
        signed = self.signed_in
        if signed is None:
            raise PermissionRefused("Sign in first")
        row = self._row(signed.practitioner_id)
        if row is None or signatures.check_hash(passphrase, row["passphrase_hash"]) is None:
            raise SignInError("Wrong passphrase. Try again.")

    def adopt_recovery_code(self, code: str) -> None:
        """After ``encrypt_in_place`` (administrator only): the code that opens the file
        becomes the clinic's recovery code for accounts too, so the clinic keeps ONE
        code; the old one stops working. One transaction, audited."""
        if self._key() is None or not any(
            s.kind == "recovery" and s.unwrap(code) is not None
            for s in encryption.read_slots(self._store.path)
        ):
            raise DatabaseRefused("That code does not open this database; nothing was changed.")
        admin = self._admin()
        with self._ctx.transaction():
            self._set_recovery(signatures.hash_text(code), admin)

    def tidy_slots(self) -> None:
        """Remove the key slots of practitioners whose sign-in is closed or gone (a
        closing interrupted between its commit and the key file). At every open."""
        if self._key() is None or not self.any():
            return
        active = {a.practitioner_id for a in self.all() if a.active}
        for slot in encryption.read_slots(self._store.path):
            if slot.practitioner_id is not None and slot.practitioner_id not in active:
                self._remove_slot(slot.practitioner_id)
