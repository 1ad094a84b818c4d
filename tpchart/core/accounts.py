"""Practitioner accounts: who may sign in, with which role, and what makes a good
passphrase or PIN. The rules live here (no Qt, no SQL) so the set-up screen, the
accounts dialog and the store refuse the same things with the same words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from tpchart.core.errors import ValidationError

# The idle lock a new clinic gets; the admin may choose 1 to 120 minutes.
DEFAULT_IDLE_LOCK_MINUTES = 10
IDLE_LOCK_RANGE = (1, 120)

MIN_PASSPHRASE = 10
MAX_PASSPHRASE = 1024  # scrypt reads it all; a pasted novel is a mistake, not security
PIN_DIGITS = (4, 8)

# The most common passwords of the public breach lists that are 10 characters or
# longer (shorter ones are refused by length already). Kept short on purpose: the
# length rule does most of the work, this stops the few everyone tries first.
COMMON_PASSPHRASES = frozenset(
    {
        "1234567890", "0123456789", "12345678910", "123456789a", "1q2w3e4r5t",
        "qwertyuiop", "1qaz2wsx3edc", "password123", "password12", "password1!",
        "passw0rd123", "iloveyou123", "abcdefghij", "abc1234567", "qwerty1234",
        "qwerty12345", "qwertyuiop123", "asdfghjkl1", "zxcvbnm123", "1111111111",
        "0000000000", "aaaaaaaaaa", "letmein123", "welcome123", "welcome1234",
        "administrator", "changeme123", "football123", "baseball123", "princess123",
        "superman123", "trustno1234", "sunshine123", "dragon1234", "monkey1234",
        "tpchart123", "tpchart2024", "tpchart2025", "tpchart2026", "drneedling",
        "dryneedling", "triggerpoint", "triggerpoints", "clinic1234", "doctor1234",
        "password2024", "password2025", "password2026", "p@ssw0rd123", "secret1234",
    }
)  # fmt: skip


class Role(StrEnum):
    """What an account may do beyond charting as itself."""

    ADMIN = "admin"  # manages accounts, the clinic profile, backups and the idle lock
    PRACTITIONER = "practitioner"

    @property
    def label(self) -> str:
        """The role as the accounts dialog shows it."""
        return {Role.ADMIN: "Administrator", Role.PRACTITIONER: "Practitioner"}[self]


@dataclass(frozen=True)
class Account:
    """A practitioner's sign-in. An inactive account (a practitioner who left) cannot
    sign in; the signatures they made still verify with their public key."""

    practitioner_id: int
    role: Role
    has_pin: bool
    active: bool

    @property
    def is_admin(self) -> bool:
        """True for an active administrator."""
        return self.active and self.role is Role.ADMIN


def check_new_passphrase_typed_twice(passphrase: str, repeat: str, name: str = "") -> None:
    """``check_new_passphrase`` for a passphrase typed twice, as every form asks for a
    new one: the two must be the same first (ValidationError, plain words)."""
    if passphrase != repeat:
        raise ValidationError("The two passphrases differ: type them again.")
    check_new_passphrase(passphrase, name)


def check_new_passphrase(passphrase: str, name: str = "") -> None:
    """Refuse (ValidationError, plain words) a passphrase that is too short, is the
    practitioner's name, or is one of the passwords tried first. Any characters,
    spaces included, are allowed: a sentence is a good passphrase."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"A passphrase needs at least {MIN_PASSPHRASE} characters; a short sentence "
            "is easy to remember and hard to guess"
        )
    if len(passphrase) > MAX_PASSPHRASE:
        raise ValidationError(f"A passphrase can have at most {MAX_PASSPHRASE} characters")
    if not passphrase.strip():
        raise ValidationError("A passphrase cannot be only spaces")
    folded = _fold(passphrase)
    if name.strip() and (folded == _fold(name) or folded == _fold(name).replace("dr", "", 1)):
        raise ValidationError("A passphrase cannot be your name")
    if folded in COMMON_PASSPHRASES or len(set(folded)) <= 2:
        raise ValidationError(
            "This passphrase is among the first ones anybody would try; choose another"
        )


def check_new_pin(pin: str) -> None:
    """Refuse (ValidationError) a PIN that is not 4 to 8 digits, or that is all one
    digit or a run such as 1234 or 9876."""
    low, high = PIN_DIGITS
    if not (low <= len(pin) <= high and pin.isascii() and pin.isdigit()):
        raise ValidationError(f"A PIN is {low} to {high} digits")
    if len(set(pin)) == 1:
        raise ValidationError("A PIN cannot be one digit repeated")
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    if steps in ({1}, {9}):
        raise ValidationError("A PIN cannot be a run of digits such as 1234")


def check_idle_lock_minutes(minutes: int) -> None:
    """Refuse an idle-lock time outside 1 to 120 minutes."""
    low, high = IDLE_LOCK_RANGE
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not low <= minutes <= high:
        raise ValidationError(f"The screen locks after {low} to {high} minutes without use")


def _fold(text: str) -> str:
    """Case, spaces and dots do not make a different passphrase."""
    return "".join(text.casefold().split()).replace(".", "")
