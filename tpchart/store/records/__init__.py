"""The clinical records: schema and migrations, the audit trail and its tamper checks,
and one repository per aggregate (practitioners, patients, sessions, trigger points,
settings, the clinic profile, disclosures). Nothing here knows where the file lives
or how it is kept safe; ``tpchart.store.file`` does, and ``tpchart.store.Store`` puts
the two together. ``accounts`` holds who is signed in; ``redaction`` lets an administrator remove
wrongly entered content from the audit trail, signed, the chain kept verifiable."""

from __future__ import annotations

from tpchart.store.records import audit
from tpchart.store.records.accounts import Accounts, AccountsContext
from tpchart.store.records.clinic import Clinic
from tpchart.store.records.context import Context, RecordDatabase, WriteGate
from tpchart.store.records.exports import Disclosure, Disclosures
from tpchart.store.records.later_events import LaterEvents
from tpchart.store.records.patients import Patients, parse_birth_date
from tpchart.store.records.points import TriggerPoints
from tpchart.store.records.practitioners import Practitioners
from tpchart.store.records.redaction import Redacted, Redaction, Redactions
from tpchart.store.records.schema import APPLICATION_ID, DATABASE_ID_TABLE, SCHEMA_VERSION
from tpchart.store.records.sessions import Sessions
from tpchart.store.records.settings import Settings

__all__ = [
    "APPLICATION_ID",
    "DATABASE_ID_TABLE",
    "SCHEMA_VERSION",
    "Accounts",
    "AccountsContext",
    "Clinic",
    "Context",
    "Disclosure",
    "Disclosures",
    "LaterEvents",
    "Patients",
    "Practitioners",
    "RecordDatabase",
    "Redacted",
    "Redaction",
    "Redactions",
    "Sessions",
    "Settings",
    "TriggerPoints",
    "WriteGate",
    "audit",
    "parse_birth_date",
]
