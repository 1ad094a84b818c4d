"""Tamper evidence on the clinic server, the twin of tests/reliability/test_reliability_tamper.py:
a change made outside tpchart is named by ``check``, whoever made it. The app role's own
password is enough to edit an unsigned clinical row with psql; the owner's to switch
the audit trail's guards off and edit, remove or recompute its rows. Either way the
same checks the file runs (the hash chain, every audited row, the signatures) find it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.clinic_server import ServerClinics
from tests.reliability.records import chart_a_day
from tpchart.cli import main
from tpchart.core.practitioner import Practitioner
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.store.records.audit import link_hash
from tpchart.store.server import connect


class Charted:
    """A clinic after a day of charting, and ways in from outside tpchart."""

    def __init__(self, server_clinics: ServerClinics, name: str) -> None:
        self.clinics, self.name = server_clinics, name

    def store(self) -> ClinicServerStore:
        return self.clinics.app_store(self.name)

    def findings(self) -> list[str]:
        store = self.store()
        try:
            return store.check().findings
        finally:
            store.close()

    def as_app(self, *statements: str) -> None:
        """What anyone with the workstations' password can run in psql."""
        with connect(self.clinics.dsn, **self.clinics.app_login(self.name)) as app:
            app.execute("SET search_path = tpchart")
            for statement in statements:
                app.execute(statement)  # type: ignore[arg-type]

    def as_owner(self, *statements: str) -> None:
        """What the schema's owner can run: switch a guard off, change, switch it on."""
        roles = self.clinics.roles
        with connect(
            self.clinics.dsn,
            dbname=self.name,
            user=roles.owner,
            password=self.clinics.owner_password,
        ) as owner:
            owner.execute("SET search_path = tpchart")
            for statement in statements:
                owner.execute(statement)  # type: ignore[arg-type]

    def one(self, query: str) -> Any:
        with connect(self.clinics.dsn, dbname=self.name) as su:
            su.execute("SET search_path = tpchart")
            row = su.execute(query).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return row[0]


@pytest.fixture
def charted(server_clinics, request):
    name = server_clinics.ready()
    request.addfinalizer(lambda: server_clinics.discard(name))
    clinic = Charted(server_clinics, name)
    store = clinic.store()
    store.practitioner_id = store.practitioners.add(
        Practitioner(name="Dr Ana Souza", registration="CRM 1234")
    ).id
    clinic.point = chart_a_day(store)  # type: ignore[attr-defined]
    return clinic


def _check(charted) -> int:
    """``tpchart check --db postgresql://…``'s exit code (the address holds the app
    role's password: pytest would print it with a failing ``main(...)`` call)."""
    return main(["check", "--db", charted.clinics.app_address(charted.name)])


def test_everything_the_app_writes_checks_clean(charted, capsys):
    assert charted.findings() == []
    assert _check(charted) == 0
    assert "Audit trail: intact" in capsys.readouterr().out


def test_a_note_edited_with_the_app_role_in_psql_is_named(charted, capsys):
    point = charted.point
    charted.as_app(f"UPDATE trigger_points SET notes = 'Tender band' WHERE id = {point.id}")
    # Only a signed session is guarded against the app role: this point's session was
    # amended, so it is open again, and the edit went through. Check names it.
    assert charted.findings() == [
        f"trigger_points row {point.id} differs from its last audited version (notes)"
    ]
    assert _check(charted) == 1
    assert f"trigger_points row {point.id} differs" in capsys.readouterr().out


def test_a_name_edited_by_the_owner_is_named(charted):
    charted.as_owner("UPDATE patients SET full_name = 'Patient 2' WHERE id = 1")
    assert charted.findings() == [
        "patients row 1 differs from its last audited version (full_name)"
    ]


def test_the_app_role_cannot_touch_the_audit_trail(charted):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        charted.as_app("UPDATE audit_log SET reason = 'Typo' WHERE action = 'amend'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        charted.as_app("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    assert charted.findings() == []


def test_an_audit_row_altered_by_the_owner_breaks_the_chain_there(charted):
    amend_id = charted.one("SELECT id FROM audit_log WHERE action = 'amend'")
    charted.as_owner(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "UPDATE audit_log SET reason = 'Typo' WHERE action = 'amend'",
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
    )
    assert charted.findings()[0] == f"audit_log row {amend_id} was altered after it was written"


def test_a_guard_left_off_is_named(charted):
    charted.as_owner("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    assert "the server's guard audit_log_append_only on audit_log is disabled" in (
        charted.findings()
    )


def test_removed_audit_rows_are_reported(charted):
    charted.as_owner(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "DELETE FROM audit_log WHERE id = 3",
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
    )
    assert charted.findings()[0].startswith("audit_log rows 3 to 3 are missing")


def test_a_recomputed_row_still_breaks_the_link_to_the_next(charted):
    # The owner changes row 2 and gives it the hash its new content would have: the row
    # verifies on its own, but row 3 was chained to the old hash.
    store = charted.store()
    try:
        cursor = store._ctx.db.execute("SELECT * FROM audit_log WHERE id = 2")
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    finally:
        store.close()
    row["reason"] = "Entered by mistake"
    forged = link_hash(row["prev_hash"], row)
    charted.as_owner(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        f"UPDATE audit_log SET reason = 'Entered by mistake', hash = '{forged}' WHERE id = 2",
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
    )
    assert charted.findings()[0] == "audit_log row 3 does not follow row 2: the chain is broken"


def test_rows_added_or_deleted_outside_are_named(charted):
    charted.as_owner(
        "INSERT INTO practitioners (name, created_at) VALUES ('Dr Nobody', '2026-01-01')",
        "ALTER TABLE trigger_points DISABLE TRIGGER trigger_points_signed",
        "DELETE FROM trigger_points WHERE session_id = 1",
        "ALTER TABLE trigger_points ENABLE TRIGGER trigger_points_signed",
    )
    nobody = charted.one("SELECT id FROM practitioners WHERE name = 'Dr Nobody'")
    findings = charted.findings()
    assert f"practitioners row {nobody} has no audit entry: it was added outside" in findings
    assert any(f.startswith("trigger_points row") and "deleted outside" in f for f in findings)


def test_a_setting_changed_with_the_app_role_in_psql_is_named(charted):
    # Settings are not guarded (the app changes them), but every change is audited.
    charted.as_app("""UPDATE settings SET value = '"Clínica Falsa"' WHERE key = 'clinic.name'""")
    assert charted.findings() == ["setting 'clinic.name' differs from its last audited value"]
