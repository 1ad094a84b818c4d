"""Demo data never goes into a clinic's database (issue 14, finding 7): it lives in a
demo database of its own, which the window names DEMO, with a way back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from tpchart.app import run_app
from tpchart.cli import main
from tpchart.core.practitioner import Practitioner
from tpchart.demo import write_demo
from tpchart.store import DemoRefused, Store
from tpchart.store.file import demo_database

from .records import add_patient


@pytest.fixture(autouse=True)
def private_qsettings(tmp_path, qapp):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))


def test_demo_data_is_refused_in_a_clinics_database(db_path):
    with Store.open(db_path) as store:
        store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Real")).id
        with pytest.raises(DemoRefused, match="clinic's records"):
            write_demo(store)
        assert store.patients.count(include_archived=True) == 0
        assert not store.is_demo
        add_patient(store, 1)
    assert main(["demo", "--db", str(db_path)]) == 2
    with Store.open(db_path) as store:
        assert store.patients.count() == 1 and not store.is_demo


def test_tpchart_demo_writes_the_demo_database_by_default(capsys):
    assert main(["demo", "--patients", "2"]) == 0
    assert str(demo_database()) in capsys.readouterr().out
    with Store.open(demo_database()) as store:
        assert store.is_demo
        assert store.patients.count() == 2
        doctors = sorted(p.name for p in store.practitioners.all())
        assert doctors == ["Dr Demo Colleague", "Dr Demo Example"]


def _window() -> QMainWindow:
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMainWindow) and w.isVisible())  # fmt: skip


def test_the_welcome_page_opens_the_demo_and_the_banner_leads_back(db_path):
    seen = []

    def on_clinic_db():
        window = _window()
        seen.append((window.store.path, window.windowTitle()))
        window.welcome.demo.click()  # no practitioner name needed: the demo has its own
        QTimer.singleShot(150, on_demo_db)

    def on_demo_db():
        window = _window()
        seen.append((window.store.path, window.windowTitle()))
        assert window.demo_banner is not None and window.demo_banner.isVisible()
        assert window.store.patients.count() == 8
        window.demo_banner.back.click()
        QTimer.singleShot(150, back_home)

    def back_home():
        window = _window()
        seen.append((window.store.path, window.windowTitle()))
        assert window.demo_banner is None
        QApplication.instance().exit(0)

    QTimer.singleShot(100, on_clinic_db)
    assert run_app(db_path) == 0
    assert [path for path, _ in seen] == [db_path, demo_database(), db_path]
    assert [("DEMO" in title) for _, title in seen] == [False, True, False]
    with Store.open(db_path) as store:
        assert store.patients.count(include_archived=True) == 0
        assert store.practitioners.all() == [] and not store.is_demo
