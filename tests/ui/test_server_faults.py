"""The clinic server's faults as the doctor meets them in the window (issue 21): a click
that lost the server's connection is saved once, silently, when it certainly did not
commit; when the server stays away the point is not shown as saved and one plain
message says so; an unknown outcome is never repeated.

The window charts on a real clinic server through the fault proxy of
tests/server/test_faults.py (the conftest's ``window`` fixture over this module's
``empty_store``)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.clinic_server import server_dsn
from tests.server.test_faults import COMMIT, INSERT_POINT, Proxy, end_backend, through
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.store.server import connect
from tpchart.store.server.database import ServerDatabase

from .charting import click_region

NECK = "back.neck.posterior.right"


@pytest.fixture
def proxy():
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(server_dsn())
    made = Proxy(str(params.get("host", "127.0.0.1")), int(params.get("port", 5432)))
    yield made
    made.close()


@pytest.fixture
def clinic(server_clinics):
    name = server_clinics.new()
    yield name
    server_clinics.drop(name)


@pytest.fixture
def empty_store(proxy, server_clinics, clinic):
    store = ClinicServerStore.connect(through(proxy), **server_clinics.app_login(clinic))
    yield store
    proxy.refusing = False
    store.close()


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: shown.append(a[2])))
    return shown


def stored_points(clinic: str) -> int:
    with connect(server_dsn(), dbname=clinic) as conn:
        return conn.execute("SELECT count(*) FROM trigger_points").fetchone()[0]


def database(store) -> ServerDatabase:
    db = store._ctx.db
    assert isinstance(db, ServerDatabase)
    return db


def test_connection_ended_before_a_click_saves_the_point_once_without_a_word(
    qtbot, window, store, clinic, warnings
):
    end_backend(database(store).pg.info.backend_pid)
    click_region(qtbot, window, NECK)
    assert stored_points(clinic) == 1
    assert len(window.chart.points) == 1 and warnings == []


def test_connection_lost_mid_click_is_tried_once_more_and_saved_once(
    qtbot, window, store, proxy, clinic, warnings
):
    proxy.arm(INSERT_POINT, "drop")
    click_region(qtbot, window, NECK)
    assert proxy.fired.is_set()  # the first attempt really was cut mid-change
    assert stored_points(clinic) == 1
    assert len(window.chart.points) == 1 and warnings == []
    (point,) = window.chart.points.values()
    assert point.id is not None


def test_server_gone_the_click_is_not_shown_as_saved(qtbot, window, store, proxy, clinic, warnings):
    proxy.refusing = True
    proxy.cut_all()
    click_region(qtbot, window, NECK)
    assert len(warnings) == 1
    assert warnings[0].startswith("The clinic server cannot be reached; your last change was")
    assert stored_points(clinic) == 0
    qtbot.waitUntil(lambda: len(window.chart.points) == 0)
    assert not window.chart.undo_stack.canUndo()
    proxy.refusing = False  # the server is back: the next click saves
    click_region(qtbot, window, NECK)
    assert stored_points(clinic) == 1 and len(warnings) == 1


def test_unknown_outcome_is_said_and_never_repeated(qtbot, window, store, proxy, clinic, warnings):
    database(store).settle_seconds = 0.3
    proxy.arm(COMMIT, "answer_lost", after=INSERT_POINT)
    proxy.refusing = True  # gone right after it committed: nobody to ask
    click_region(qtbot, window, NECK)
    assert len(warnings) == 1 and "could not find out whether it was saved" in warnings[0]
    proxy.refusing = False
    assert stored_points(clinic) == 1  # saved once; nothing tried it again
    # The window shows what the server holds once it answers again.
    window.reload_from_store()
    qtbot.waitUntil(lambda: len(window.chart.points) == 1)
