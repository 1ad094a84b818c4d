"""Practitioner accounts: set-up, sign-in, confirmation, roles, passphrases, PINs,
the recovery code and the idle-lock time (docs/security.md).

Once a clinic is set up (its first account), every write needs a signed-in
practitioner, who is the "who" of every audit row. Signing in unwraps the
practitioner's private signing key into memory only; signing out forgets it. Each
account change is one transaction with one audit row whose image holds digests of
the hashes and wrapped keys (`signatures.audit_image`), never a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tpchart.core.accounts import (
    DEFAULT_IDLE_LOCK_MINUTES,
    Account,
    Role,
    check_idle_lock_minutes,
    check_new_passphrase,
    check_new_pin,
)
from tpchart.core.errors import PermissionRefused, SignInError, ValidationError
from tpchart.core.practitioner import Practitioner
from tpchart.store.errors import StorageError
from tpchart.store.records import audit, signatures
from tpchart.store.records.context import Context, RecordDatabase, WriteGate
from tpchart.store.records.practitioners import Practitioners
from tpchart.store.records.rows import now, to_datetime, to_text
from tpchart.store.records.settings import Settings

if TYPE_CHECKING:
    # Only for annotations: cryptography is loaded when a key is first used, not at
    # start (``signatures`` imports it lazily), which saves the window's first paint.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger("tpchart.store")

# Settings keys (audited like any setting).
RECOVERY_KEY = "recovery_code_hash"
IDLE_LOCK_KEY = "idle_lock_minutes"

# Wrong passphrases in a row before sign-in pauses, and for how long. The pause is
# audited, so it also holds across a restart of the app.
MAX_FAILURES = 5
LOCK_OUT_SECONDS = 30

# The audit actions of accounts (table "accounts").
SET_UP = "set_up"
SIGN_IN = "sign_in"
SIGN_IN_PAUSED = "sign_in_paused"

WRONG = "Wrong passphrase. Try again."
WRONG_SECRET = "Wrong passphrase or PIN. Try again."
UNKNOWN = "This practitioner has no sign-in: an administrator can create one"
INACTIVE = "This practitioner's sign-in was closed by an administrator"


@dataclass
class SignedIn:
    """Who is signed in, with the private key unlocked for this sitting only."""

    account: Account
    key_id: int
    private_key: Ed25519PrivateKey


class AccountsContext(Context):
    """The shared context with accounts: who is signed in, and the rule that while
    the clinic has accounts nothing is written without a signed-in practitioner.
    ``after_commit`` is told after each outermost transaction commits (the anchor)."""

    def __init__(self, db: RecordDatabase, gate: WriteGate | None = None) -> None:
        super().__init__(db, None, gate)
        self.signed: SignedIn | None = None
        self.after_commit: Callable[[], None] | None = None
        self._set_up: bool | None = None
        self._unguarded = 0
        self.failures: dict[int, int] = {}

    @property
    def set_up(self) -> bool:
        """True once the clinic has accounts (read once, then kept up to date here)."""
        if self._set_up is None:
            self._set_up = clinic_set_up(self.db)
        return self._set_up

    def mark_set_up(self) -> None:
        """The first account was just created."""
        self._set_up = True

    def forget_set_up(self) -> None:
        """Read the set-up state again (a transaction that created it rolled back)."""
        self._set_up = None

    def who(self) -> int:
        """The signed-in practitioner once the clinic has accounts; before that, the
        practitioner chosen (as always)."""
        if self.set_up and self.signed is None:
            raise PermissionRefused("Sign in before making changes")
        return super().who()

    @contextmanager
    def transaction(self) -> Iterator[RecordDatabase]:
        """As ``Context.transaction``, refused (PermissionRefused, nothing written) while
        the clinic has accounts and nobody is signed in; tells ``after_commit``."""
        if self._unguarded == 0 and self.signed is None and self.set_up:
            raise PermissionRefused("Sign in before making changes")
        outermost = not self.db.conn.in_transaction
        try:
            with super().transaction() as db:
                yield db
        except BaseException:
            if outermost:
                self.forget_set_up()
            raise
        if outermost and self.after_commit is not None:
            try:
                self.after_commit()
            except Exception:  # the write is committed; the anchor is best effort
                log.exception("After-commit step failed")

    @contextmanager
    def unguarded(self) -> Iterator[None]:
        """Let the account code write before anyone is signed in (a sign-in's audit row,
        a recovery)."""
        self._unguarded += 1
        try:
            yield
        finally:
            self._unguarded -= 1


def clinic_set_up(db: RecordDatabase) -> bool:
    """True when the file has accounts, or had them (its set-up is in the audit trail:
    deleting the accounts outside tpchart does not open the clinic to everyone)."""
    try:
        if db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone():
            return True
    except Exception:  # no accounts table: a file not yet updated to schema 6
        return False
    row = db.execute(
        "SELECT 1 FROM audit_log WHERE table_name = 'accounts' AND action = ? LIMIT 1", [SET_UP]
    ).fetchone()
    return row is not None


def _account(row: dict[str, Any]) -> Account:
    return Account(
        practitioner_id=row["practitioner_id"],
        role=Role(row["role"]),
        has_pin=row["pin_hash"] is not None,
        active=bool(row["active"]),
    )


class Accounts:
    """The accounts of a clinic's practitioners (``store.accounts``)."""

    def __init__(self, ctx: AccountsContext, settings: Settings) -> None:
        self._ctx = ctx
        self._settings = settings

    # -- reading ------------------------------------------------------------------
    def any(self) -> bool:
        """True once the clinic has been set up (it has accounts)."""
        return self._ctx.set_up

    def all(self) -> list[Account]:
        """Every account, active or not, by practitioner name."""
        if not self._has_table():
            return []
        rows = self._ctx.rows(
            "SELECT a.* FROM accounts a JOIN practitioners p ON p.id = a.practitioner_id"
            " ORDER BY p.name, a.practitioner_id"
        )
        return [_account(r) for r in rows]

    def get(self, practitioner_id: int) -> Account | None:
        """The practitioner's account, or None."""
        row = self._row(practitioner_id)
        return None if row is None else _account(row)

    @property
    def idle_lock_minutes(self) -> int:
        """Minutes without use before the screen locks (the admin's choice)."""
        value = self._settings.get(IDLE_LOCK_KEY, "")
        return int(value) if value.isdigit() else DEFAULT_IDLE_LOCK_MINUTES

    @property
    def signed_in(self) -> Account | None:
        """The signed-in practitioner's account, or None."""
        signed = self._ctx.signed
        return None if signed is None else signed.account

    # -- setting up ---------------------------------------------------------------
    def set_up_clinic(
        self, practitioner: Practitioner, passphrase: str
    ) -> tuple[Practitioner, str]:
        """The first run: add the practitioner (or take the existing one whose id is
        set), give them an administrator account and sign them in. Returns the
        practitioner and the clinic's recovery code, which is shown once and stored
        only as a hash. Refused once the clinic has any account."""
        if self._ctx.set_up:
            raise PermissionRefused("This clinic is already set up: sign in instead")
        check_new_passphrase(passphrase, practitioner.name)
        stored, derived = signatures.new_hash(passphrase)
        code = signatures.new_recovery_code()
        code_hash = signatures.hash_text(code)
        with self._ctx.transaction():
            if practitioner.id is None:
                saved = _add_practitioner(self._ctx, practitioner)
            else:
                saved = _existing_practitioner(self._ctx, practitioner.id)
            self._ctx.practitioner_id = saved.id
            assert saved.id is not None
            self._insert_account(saved.id, Role.ADMIN, stored, SET_UP, saved.id, "Clinic set up")
            key_id, private = self._new_key(saved.id, derived, saved.id)
            self._set_recovery(code_hash, saved.id)
            self._ctx.mark_set_up()
        account = self.get(saved.id)
        assert account is not None
        self._ctx.signed = SignedIn(account, key_id, private)
        self._ctx.practitioner_id = saved.id
        return saved, code

    def create(
        self, practitioner: int | Practitioner, passphrase: str, role: Role = Role.PRACTITIONER
    ) -> Account:
        """An account for a practitioner (admin only): give the id of a practitioner
        without one, or a new ``Practitioner`` (no id) to add them in the same
        transaction. The passphrase is the first one; they may change it."""
        admin = self._admin()
        with self._ctx.transaction():
            if isinstance(practitioner, Practitioner) and practitioner.id is None:
                check_new_passphrase(passphrase, practitioner.name)
                target = _add_practitioner(self._ctx, practitioner)
            else:
                pid = practitioner.id if isinstance(practitioner, Practitioner) else practitioner
                assert pid is not None
                target = _existing_practitioner(self._ctx, pid)
                check_new_passphrase(passphrase, target.name)
            assert target.id is not None
            if self._row(target.id) is not None:
                raise ValidationError(f"{target.name} already has a sign-in")
            stored, derived = signatures.new_hash(passphrase)
            self._insert_account(target.id, Role(role), stored, "insert", admin, "Account created")
            self._new_key(target.id, derived, admin)
        account = self.get(target.id)
        assert account is not None
        return account

    # -- administering ------------------------------------------------------------
    def set_role(self, practitioner_id: int, role: Role) -> Account:
        """Make a practitioner an administrator or not (admin only). The clinic always
        keeps one active administrator."""
        admin = self._admin()
        role = Role(role)
        with self._ctx.transaction():
            row = self._required(practitioner_id)
            if row["role"] == role.value:
                return _account(row)
            if role is not Role.ADMIN:
                self._keep_an_admin(practitioner_id)
            self._update(row, {"role": role.value}, admin, f"Role set to {role.label}")
        return self._get(practitioner_id)

    def deactivate(self, practitioner_id: int) -> Account:
        """Close a practitioner's sign-in (admin only): they cannot sign in any more,
        their key is retired (its private part erased), and every signature they made
        still verifies. The last active administrator cannot be closed."""
        admin = self._admin()
        with self._ctx.transaction():
            row = self._required(practitioner_id)
            if not row["active"]:
                return _account(row)
            if row["role"] == Role.ADMIN.value:
                self._keep_an_admin(practitioner_id)
            self._update(row, {"active": 0}, admin, "Sign-in closed")
            self._retire_keys(practitioner_id, admin)
        return self._get(practitioner_id)

    def reset_passphrase(self, practitioner_id: int, new: str) -> Account:
        """Give a practitioner who forgot their passphrase a new one (admin only). Their
        private key cannot be unwrapped without the old passphrase, so they get a new
        key pair; the old public key stays for verifying their past signatures."""
        admin = self._admin()
        with self._ctx.transaction():
            row = self._required(practitioner_id)
            check_new_passphrase(new, _existing_practitioner(self._ctx, practitioner_id).name)
            self._replace_passphrase(row, new, admin, "Passphrase reset by an administrator")
        return self._get(practitioner_id)

    def recover(self, recovery_code: str, practitioner_id: int, new_passphrase: str) -> str:
        """Rescue an administrator who forgot their passphrase with the clinic's
        recovery code: a new passphrase and key pair, and a NEW recovery code returned
        (the old one stops working). Nobody needs to be signed in; a wrong code is a
        SignInError and nothing is written."""
        row = self._row(practitioner_id)
        stored = self._settings.get(RECOVERY_KEY, "")
        code = signatures.normalise_recovery_code(recovery_code)
        if not stored or signatures.check_hash(code, stored) is None:
            raise SignInError("That recovery code is not this clinic's. Check it and try again.")
        if row is None or row["role"] != Role.ADMIN.value or not row["active"]:
            raise SignInError("The recovery code resets an active administrator's passphrase only")
        check_new_passphrase(
            new_passphrase, _existing_practitioner(self._ctx, practitioner_id).name
        )
        new_code = signatures.new_recovery_code()
        new_code_hash = signatures.hash_text(new_code)
        with self._ctx.unguarded(), self._ctx.transaction():
            self._replace_passphrase(
                row, new_passphrase, practitioner_id, "Passphrase reset with the recovery code"
            )
            self._set_recovery(new_code_hash, practitioner_id)
        if self._ctx.signed and self._ctx.signed.account.practitioner_id == practitioner_id:
            self.sign_out()  # the key in memory was retired
        return new_code

    def set_idle_lock_minutes(self, minutes: int) -> None:
        """The idle-lock time, 1 to 120 minutes (admin only)."""
        self._admin()
        check_idle_lock_minutes(minutes)
        self._settings.set_many({IDLE_LOCK_KEY: str(minutes)})

    # -- the signed-in practitioner's own ---------------------------------------
    def change_passphrase(self, old: str, new: str) -> None:
        """Change the signed-in practitioner's passphrase; their private key is
        re-wrapped under the new one (the same key: past and future signatures match)."""
        signed = self._signed()
        pid = signed.account.practitioner_id
        row = self._required(pid)
        if signatures.check_hash(old, row["passphrase_hash"]) is None:
            raise SignInError(WRONG)
        check_new_passphrase(new, _existing_practitioner(self._ctx, pid).name)
        if new == old:
            raise ValidationError("The new passphrase is the same as the old one")
        stored, derived = signatures.new_hash(new)
        with self._ctx.transaction():
            self._update(row, {"passphrase_hash": stored}, pid, "Passphrase changed")
            key = self._ctx.row("practitioner_keys", signed.key_id, "Signing key")
            context = signatures.key_context(pid, bytes.fromhex(key["public_key"]))
            wrapped = signatures.wrap(signed.private_key, derived.wrapping_key, context)
            self._update_key(key, {"wrapped_key": wrapped.hex()}, pid, "Key re-wrapped")

    def set_pin(self, pin: str, passphrase: str) -> Account:
        """Set (or, with ``pin=""``, remove) the signed-in practitioner's PIN, which
        confirms signing and amending instead of the passphrase; needs the passphrase."""
        signed = self._signed()
        pid = signed.account.practitioner_id
        row = self._required(pid)
        if signatures.check_hash(passphrase, row["passphrase_hash"]) is None:
            raise SignInError(WRONG)
        if pin:
            check_new_pin(pin)
        stored = signatures.hash_text(pin) if pin else None
        with self._ctx.transaction():
            self._update(row, {"pin_hash": stored}, pid, "PIN set" if pin else "PIN removed")
        account = self._get(pid)
        self._ctx.signed = SignedIn(account, signed.key_id, signed.private_key)
        return account

    # -- signing in ---------------------------------------------------------------
    def sign_in(self, practitioner_id: int, passphrase: str) -> Account:
        """Sign a practitioner in: verify the passphrase (scrypt), unlock their key into
        memory and make them the "who" of every change; audited, naming the
        practitioner it takes over from. Wrong passphrases pause sign-in for
        LOCK_OUT_SECONDS after MAX_FAILURES in a row (the pause is audited)."""
        row = self._row(practitioner_id)
        if row is None:
            raise SignInError(UNKNOWN)
        if not row["active"]:
            raise SignInError(INACTIVE)
        self._refuse_while_paused(practitioner_id)
        derived = signatures.check_hash(passphrase, row["passphrase_hash"])
        if derived is None:
            self._failed(practitioner_id, row["id"])
            raise SignInError(WRONG)
        key_id, private = self._unlock(practitioner_id, derived)
        self._ctx.failures.pop(practitioner_id, None)
        previous = self._ctx.signed
        account = _account(row)
        reason = "Signed in"
        if previous is not None and previous.account.practitioner_id != practitioner_id:
            reason = f"Signed in, taking over from practitioner {previous.account.practitioner_id}"
        try:
            with self._ctx.unguarded(), self._ctx.transaction():
                audit.record(
                    self._ctx.db, practitioner_id, SIGN_IN, "accounts", row["id"], reason=reason
                )
        except StorageError as exc:
            # A read-only window (another tpchart writes the file) still needs to know
            # who looks at the records: the passphrase is verified, nothing is written
            # (SQLite refuses a write on a read-only connection at once, before any lock).
            if exc.kind != "read_only":
                raise
            log.info("Signed in on a read-only database: verified, not audited")
        self._ctx.signed = SignedIn(account, key_id, private)
        self._ctx.practitioner_id = practitioner_id
        return account

    def sign_out(self) -> None:
        """Forget the signed-in practitioner and their unlocked key."""
        self._ctx.signed = None
        if self._ctx.set_up:
            self._ctx.practitioner_id = None

    def confirm(self, secret: str) -> None:
        """Check the signed-in practitioner's passphrase or PIN (before signing or
        amending); SignInError when wrong. Repeated failures sign them out."""
        signed = self._signed(SignInError)
        pid = signed.account.practitioner_id
        row = self._required(pid)
        for stored in (row["pin_hash"], row["passphrase_hash"]):
            if stored and signatures.check_hash(secret, stored) is not None:
                self._ctx.failures.pop(pid, None)
                return
        failures = self._ctx.failures[pid] = self._ctx.failures.get(pid, 0) + 1
        if failures >= MAX_FAILURES:
            self._ctx.failures.pop(pid, None)
            self.sign_out()
            raise SignInError(
                f"{MAX_FAILURES} wrong answers in a row: you were signed out. Sign in again."
            )
        raise SignInError(WRONG_SECRET if row["pin_hash"] else WRONG)

    def private_key(self) -> tuple[int, Ed25519PrivateKey]:
        """The signed-in practitioner's key id and unlocked private key."""
        signed = self._signed()
        return signed.key_id, signed.private_key

    # -- inside -------------------------------------------------------------------
    def _has_table(self) -> bool:
        return bool(
            self._ctx.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
            ).fetchone()
        )

    def _row(self, practitioner_id: int) -> dict[str, Any] | None:
        if not self._has_table():
            return None
        rows = self._ctx.rows("SELECT * FROM accounts WHERE practitioner_id = ?", [practitioner_id])
        return rows[0] if rows else None

    def _required(self, practitioner_id: int) -> dict[str, Any]:
        row = self._row(practitioner_id)
        if row is None:
            raise SignInError(UNKNOWN)
        return row

    def _get(self, practitioner_id: int) -> Account:
        return _account(self._required(practitioner_id))

    def _signed(self, error: type[Exception] = PermissionRefused) -> SignedIn:
        if self._ctx.signed is None:
            raise error("Sign in first")
        return self._ctx.signed

    def _admin(self) -> int:
        signed = self._signed()
        account = self.get(signed.account.practitioner_id)
        if account is None or not account.is_admin:
            raise PermissionRefused("Only an administrator can do this")
        return signed.account.practitioner_id

    def _keep_an_admin(self, practitioner_id: int) -> None:
        others = self._ctx.db.execute(
            "SELECT count(*) FROM accounts WHERE role = 'admin' AND active = TRUE"
            " AND practitioner_id <> ?",
            [practitioner_id],
        ).fetchone()[0]
        if not others:
            raise ValidationError(
                "The clinic needs at least one active administrator: make someone else "
                "an administrator first"
            )

    def _insert_account(
        self, pid: int, role: Role, stored: str, action: str, who: int, reason: str
    ) -> None:
        stamp = to_text(now())
        new_id = self._ctx.insert(
            "accounts",
            {
                "practitioner_id": pid,
                "role": role.value,
                "passphrase_hash": stored,
                "pin_hash": None,
                "active": 1,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        after = signatures.audit_image(self._ctx.row("accounts", new_id, "Account"))
        audit.record(self._ctx.db, who, action, "accounts", new_id, after=after, reason=reason)

    def _update(self, row: dict[str, Any], values: dict[str, Any], who: int, reason: str) -> None:
        self._ctx.update("accounts", row["id"], {**values, "updated_at": to_text(now())})
        after = self._ctx.row("accounts", row["id"], "Account")
        audit.record(
            self._ctx.db, who, "update", "accounts", row["id"],
            signatures.audit_image(row), signatures.audit_image(after), reason,
        )  # fmt: skip

    def _update_key(
        self, key: dict[str, Any], values: dict[str, Any], who: int, reason: str
    ) -> None:
        self._ctx.update("practitioner_keys", key["id"], values)
        after = self._ctx.row("practitioner_keys", key["id"], "Signing key")
        audit.record(
            self._ctx.db, who, "update", "practitioner_keys", key["id"],
            signatures.audit_image(key), signatures.audit_image(after), reason,
        )  # fmt: skip

    def _new_key(
        self, pid: int, derived: signatures.Derived, who: int
    ) -> tuple[int, Ed25519PrivateKey]:
        private, public = signatures.new_key_pair()
        wrapped = signatures.wrap(
            private, derived.wrapping_key, signatures.key_context(pid, public)
        )
        key_id = self._ctx.insert(
            "practitioner_keys",
            {
                "practitioner_id": pid,
                "public_key": public.hex(),
                "wrapped_key": wrapped.hex(),
                "created_at": to_text(now()),
                "retired_at": None,
            },
        )
        after = signatures.audit_image(self._ctx.row("practitioner_keys", key_id, "Signing key"))
        audit.record(
            self._ctx.db, who, "insert", "practitioner_keys", key_id, after=after,
            reason="Signing key created",
        )  # fmt: skip
        return key_id, private

    def _retire_keys(self, pid: int, who: int) -> None:
        for key in self._ctx.rows(
            "SELECT * FROM practitioner_keys WHERE practitioner_id = ? AND retired_at IS NULL",
            [pid],
        ):
            self._update_key(
                key, {"retired_at": to_text(now()), "wrapped_key": ""}, who, "Signing key retired"
            )

    def _replace_passphrase(self, row: dict[str, Any], new: str, who: int, reason: str) -> None:
        stored, derived = signatures.new_hash(new)
        pid = row["practitioner_id"]
        self._update(row, {"passphrase_hash": stored, "pin_hash": None}, who, reason)
        self._retire_keys(pid, who)
        self._new_key(pid, derived, who)

    def _set_recovery(self, code_hash: str, who: int) -> None:
        db = self._ctx.db
        old = self._settings.get(RECOVERY_KEY, default=None)
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [RECOVERY_KEY, code_hash],
        )
        # The code has ~111 random bits: its scrypt hash gives nothing away, and the
        # audited image is what the tamper check compares the setting with.
        audit.record(
            db, who, "insert" if old is None else "update", "settings", None,
            None if old is None else {"key": RECOVERY_KEY, "value": old},
            {"key": RECOVERY_KEY, "value": code_hash}, "Recovery code issued",
        )  # fmt: skip

    def _unlock(self, pid: int, derived: signatures.Derived) -> tuple[int, Ed25519PrivateKey]:
        rows = self._ctx.rows(
            "SELECT * FROM practitioner_keys WHERE practitioner_id = ? AND retired_at IS NULL"
            " ORDER BY id DESC LIMIT 1",
            [pid],
        )
        if not rows:
            raise SignInError("This sign-in has no signing key: an administrator can reset it")
        key = rows[0]
        public = bytes.fromhex(key["public_key"])
        private = signatures.unwrap(
            bytes.fromhex(key["wrapped_key"]), derived.wrapping_key,
            signatures.key_context(pid, public),
        )  # fmt: skip
        if private is None or signatures.public_bytes(private) != public:
            # The passphrase matched its hash but not the key: one of them was replaced.
            raise SignInError(
                "This sign-in's signing key does not open with its passphrase: the file was "
                "changed outside tpchart. Ask an administrator to reset your passphrase."
            )
        return key["id"], private

    def _refuse_while_paused(self, pid: int) -> None:
        row = self._ctx.db.execute(
            "SELECT at FROM audit_log WHERE table_name = 'accounts' AND action = ?"
            " AND row_id = (SELECT id FROM accounts WHERE practitioner_id = ?)"
            " ORDER BY id DESC LIMIT 1",
            [SIGN_IN_PAUSED, pid],
        ).fetchone()
        if row is None:
            return
        left = LOCK_OUT_SECONDS - (now() - to_datetime(row[0])).total_seconds()
        if left > 0:
            raise SignInError(
                f"Too many wrong passphrases: wait {int(left) + 1} seconds, then try again."
            )

    def _failed(self, pid: int, account_id: int) -> None:
        failures = self._ctx.failures[pid] = self._ctx.failures.get(pid, 0) + 1
        if failures < MAX_FAILURES:
            return
        self._ctx.failures.pop(pid, None)
        # Who typed is unknown: the row names the account, not a practitioner.
        try:
            with self._ctx.unguarded(), self._ctx.transaction():
                audit.record(
                    self._ctx.db, None, SIGN_IN_PAUSED, "accounts", account_id,
                    reason=f"{MAX_FAILURES} wrong passphrases in a row: sign-in paused for "
                    f"{LOCK_OUT_SECONDS} seconds",
                )  # fmt: skip
        except StorageError as exc:
            if exc.kind != "read_only":
                raise
            # Read-only: the pause cannot be recorded; the count starts again, and the
            # scrypt cost of each guess still slows a guesser down.
        raise SignInError(
            f"{MAX_FAILURES} wrong passphrases in a row: wait {LOCK_OUT_SECONDS} seconds, "
            "then try again."
        )


def _add_practitioner(ctx: Context, practitioner: Practitioner) -> Practitioner:
    """Add a practitioner inside the caller's transaction (as `Practitioners.add`)."""
    return Practitioners(ctx).add(practitioner)


def _existing_practitioner(ctx: Context, practitioner_id: int) -> Practitioner:
    return Practitioners(ctx).get(practitioner_id)


def confirmed_signer(ctx: Context, confirm: str | None) -> SignedIn | None:
    """Before signing or amending: once the clinic has accounts, the signed-in
    practitioner with their passphrase or PIN confirmed (SignInError when wrong or
    missing, PermissionRefused when nobody is signed in); None for a clinic without
    accounts, which signs as before (no digital signature)."""
    if not isinstance(ctx, AccountsContext):
        if clinic_set_up(ctx.db):
            raise PermissionRefused("Sign in before signing or amending")
        return None
    if not ctx.set_up:
        return None
    if ctx.signed is None:
        raise PermissionRefused("Sign in before signing or amending")
    if not confirm:
        raise SignInError("Type your passphrase or PIN to confirm")
    Accounts(ctx, Settings(ctx)).confirm(confirm)
    return ctx.signed


def seal_version(
    ctx: Context,
    signer: SignedIn,
    session_id: int,
    version: int,
    signed_at: str,
    snapshot: str,
) -> None:
    """Sign the version just stored with the signer's key; call inside the signing
    transaction, after the ``session_versions`` row is written. Audited (the
    signature is public: its image is the row as is)."""
    pid = signer.account.practitioner_id
    digest = signatures.snapshot_digest(snapshot)
    message = signatures.signed_message(session_id, version, pid, signed_at, digest)
    new_id = ctx.insert(
        "version_signatures",
        {
            "session_id": session_id,
            "version": version,
            "key_id": signer.key_id,
            "snapshot_sha256": digest,
            "signature": signatures.sign(signer.private_key, message).hex(),
        },
    )
    after = ctx.row("version_signatures", new_id, "Signature")
    audit.record(ctx.db, pid, "insert", "version_signatures", new_id, after=after)
