"""The clinic profile, kept in the settings table under ``clinic.*`` keys."""

from __future__ import annotations

from tpchart.core.clinic import ClinicProfile
from tpchart.store.records.settings import Settings

# Field name -> settings key. Keys are stable: renaming one loses the stored value.
KEYS = {
    "name": "clinic.name",
    "address": "clinic.address",
    "phone": "clinic.phone",
    "email": "clinic.email",
}


class Clinic:
    """The clinic's letterhead details (``store.clinic``)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def load(self) -> ClinicProfile:
        """The stored profile; empty fields where nothing was saved yet."""
        return ClinicProfile(**{field: self._settings.get(key) for field, key in KEYS.items()})

    def save(self, profile: ClinicProfile) -> ClinicProfile:
        """Store every field in one audited transaction (unchanged values write nothing).
        Once the clinic has accounts, only an administrator may (PermissionRefused)."""
        self._settings.require_admin("change the clinic profile")
        cleaned = ClinicProfile(
            name=profile.name.strip(),
            address="\n".join(line.strip() for line in profile.address.strip().splitlines()),
            phone=profile.phone.strip(),
            email=profile.email.strip(),
        )
        self._settings.set_many({key: getattr(cleaned, field) for field, key in KEYS.items()})
        return cleaned
