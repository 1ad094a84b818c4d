"""The cryptography of accounts: passphrase hashing, the practitioner's key pair and
its wrapping, and the digital signature of a signed session version.

- A passphrase goes through scrypt (n=2**15, r=8, p=1: about 0.1 s and 32 MB, so a
  guess costs an attacker the same) into 64 bytes: the first half is the stored
  verifier, the second half the key-encryption key that wraps the practitioner's
  Ed25519 private key with AES-GCM. One derivation per sign-in; the second half is
  never stored, so the verifier alone cannot unwrap the key.
- A signed version is signed over a canonical encoding of (session id, version,
  signed_by, signed_at, SHA-256 of the snapshot as stored). Changing the snapshot,
  the signer or the time breaks the signature; making a new one needs the signer's
  private key, which needs their passphrase.
- A version that came from another database keeps its signature as it was made
  there (the sender's ids, the snapshot as signed): `transfer` verifies it with the
  public key the file carries and keeps it as evidence (docs/transfer.md).

Nothing here stores a secret: callers keep the verifier, salt and wrapped key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

# cryptography is imported inside the functions that use a key: loading it costs the
# window's start about 17 ms and 6 MB, and most starts sign nothing before the first
# sign-in (which is where a key is first unwrapped). Passphrase hashing is hashlib.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# scrypt cost. n=2**15 needs 128*r*n = 32 MiB; maxmem leaves room above that.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 2**20
SALT_BYTES = 16

# The recovery code: 6 groups of 4 from an alphabet without look-alikes (no 0/O,
# 1/I/L, 5/S, 2/Z, 8/B), read aloud or typed from paper: 24 symbols of 25, ~111 bits.
RECOVERY_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LENGTH = 4

# What the signature covers, versioned so the encoding can change without ambiguity.
SIGNATURE_CONTEXT = "tpchart signed session version v1"


@dataclass(frozen=True)
class Derived:
    """What one scrypt derivation of a secret gives: the stored verifier and the
    key-encryption key (never stored)."""

    verifier: bytes
    wrapping_key: bytes


def new_salt() -> bytes:
    """A fresh random salt for scrypt."""
    return os.urandom(SALT_BYTES)


def derive(
    secret: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P
) -> Derived:
    """scrypt over the secret (UTF-8, NFC as typed) into a verifier and a wrapping key."""
    out = hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=64
    )
    return Derived(out[:32], out[32:])


def hash_text(secret: str) -> str:
    """A stored hash of a secret: ``scrypt$n$r$p$salt$verifier`` (hex)."""
    return new_hash(secret)[0]


def new_hash(secret: str) -> tuple[str, Derived]:
    """A stored hash of a secret with a fresh salt, and the derivation it came from
    (whose wrapping key the caller may use, never store)."""
    salt = new_salt()
    # The cost read now, not when ``derive`` was defined: the stored text names it.
    derived = derive(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    text = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${derived.verifier.hex()}"
    return text, derived


# Columns holding a hash or a wrapped key: the audit trail keeps only a digest of them,
# so an old wrapping (under a passphrase since changed) is not kept for ever beside
# the record. The fact of the change is audited, not the secret.
SECRET_COLUMNS = ("passphrase_hash", "pin_hash", "wrapped_key")


def audit_image(row: dict[str, object]) -> dict[str, object]:
    """``row`` as the audit trail records it: secret-bearing columns as digests."""
    return {
        k: (
            "sha256:" + hashlib.sha256(str(v).encode()).hexdigest()
            if k in SECRET_COLUMNS and v not in (None, "")
            else v
        )
        for k, v in row.items()
    }


def check_hash(secret: str, stored: str) -> Derived | None:
    """The derivation of ``secret`` when it matches ``stored``, else None (compared in
    constant time). The parameters are read from ``stored``: a hash made with other
    parameters still verifies."""
    try:
        scheme, n, r, p, salt, verifier = stored.split("$")
        if scheme != "scrypt":
            return None
        derived = derive(secret, bytes.fromhex(salt), int(n), int(r), int(p))
    except (ValueError, MemoryError):
        return None
    return derived if hmac.compare_digest(derived.verifier, bytes.fromhex(verifier)) else None


def new_key_pair() -> tuple[Ed25519PrivateKey, bytes]:
    """A new Ed25519 key pair: the private key and the raw 32-byte public key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    return private, public_bytes(private)


def public_bytes(private: Ed25519PrivateKey) -> bytes:
    """The raw public key of ``private``."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def wrap(private: Ed25519PrivateKey, wrapping_key: bytes, context: str) -> bytes:
    """The private key encrypted with AES-256-GCM (nonce first). ``context`` (the
    practitioner and the public key) is authenticated too: a wrapped key moved to
    another row does not unwrap."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    nonce = os.urandom(12)
    return nonce + AESGCM(wrapping_key).encrypt(nonce, raw, context.encode())


def unwrap(wrapped: bytes, wrapping_key: bytes, context: str) -> Ed25519PrivateKey | None:
    """The private key, or None when the wrapping key or the context is wrong."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = AESGCM(wrapping_key).decrypt(wrapped[:12], wrapped[12:], context.encode())
    except (InvalidTag, ValueError):
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)


def key_context(practitioner_id: int, public_key: bytes) -> str:
    """What a wrapped key is bound to."""
    return f"tpchart key of practitioner {practitioner_id}: {public_key.hex()}"


def snapshot_digest(snapshot: str) -> str:
    """SHA-256 of a snapshot exactly as stored."""
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


def signed_message(
    session_id: int, version: int, signed_by: int, signed_at: str, digest: str
) -> bytes:
    """The canonical bytes a signature covers."""
    fields = [SIGNATURE_CONTEXT, session_id, version, signed_by, signed_at, digest]
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()


def key_fingerprint(public_key: bytes) -> str:
    """A public key's fingerprint, as people compare it: the first 128 bits of its
    SHA-256, in groups of four hex digits."""
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def sign(private: Ed25519PrivateKey, message: bytes) -> bytes:
    """An Ed25519 signature (64 bytes)."""
    return private.sign(message)


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` over ``message`` was made by ``public_key``'s owner."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def new_recovery_code() -> str:
    """A random recovery code in groups, e.g. ``KM4T-9XQA-...``, shown once."""
    groups = (
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
        for _ in range(RECOVERY_GROUPS)
    )
    return "-".join(groups)


def normalise_recovery_code(code: str) -> str:
    """A typed recovery code as issued: upper case, groups rejoined, spaces ignored."""
    letters = "".join(c for c in code.upper() if c.isalnum())
    size = RECOVERY_GROUP_LENGTH
    return "-".join(letters[i : i + size] for i in range(0, len(letters), size))
