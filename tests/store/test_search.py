"""Patient search: any script, any case, prefixes, record numbers and birth dates."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest
import sqlite_utils

from tpchart.core.patient import Patient
from tpchart.store import Store
from tpchart.store.file.locations import backup_folder_for
from tpchart.store.records.schema import SCHEMA_VERSION, migrations

NAMES = [
    ("R1", "José Álvarez", date(1970, 1, 2)),
    ("R2", "Ирина Петрова", date(1985, 5, 6)),
    ("R3", "王小明", date(1980, 3, 12)),
    ("R4", "Γιώργος Παπαδόπουλος", date(1990, 7, 8)),
    ("R5", "Anne-Marie O'Brien", date(1962, 11, 30)),
    ("X-100", "Thomas Müller", date(1955, 4, 4)),
]


@pytest.fixture
def clinic(store):
    for number, name, born in NAMES:
        store.patients.add(Patient(record_number=number, full_name=name, date_of_birth=born))
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jos", ["José Álvarez"]),
        ("alvarez", ["José Álvarez"]),
        ("ИРИНА", ["Ирина Петрова"]),
        ("пет", ["Ирина Петрова"]),
        ("王", ["王小明"]),
        ("小明", ["王小明"]),
        ("γιώργος", ["Γιώργος Παπαδόπουλος"]),
        ("ΠΑΠΑ", ["Γιώργος Παπαδόπουλος"]),
        ("marie", ["Anne-Marie O'Brien"]),
        ("o'brien", ["Anne-Marie O'Brien"]),
        ("brien anne", ["Anne-Marie O'Brien"]),
        ("muller", ["Thomas Müller"]),
        ("x-1", ["Thomas Müller"]),
        ("r3", ["王小明"]),
        ("12.03.1980", ["王小明"]),
        ("1980-03-12", ["王小明"]),
        ("zzz", []),
        ("%", []),
    ],
)
def test_find(clinic, query, expected):
    assert [p.full_name for p in clinic.patients.find(query)] == expected


def test_renamed_patient_is_found_by_the_new_name_only(clinic):
    (jose,) = clinic.patients.find("josé")

    clinic.patients.update(replace(jose, full_name="María Alvarez"))
    assert [p.full_name for p in clinic.patients.find("maria")] == ["María Alvarez"]
    assert [p.full_name for p in clinic.patients.find("álvarez")] == ["María Alvarez"]
    assert clinic.patients.find("josé") == []


# -- birth dates typed in every form the patient form accepts ------------------------------


@pytest.mark.parametrize(
    "typed", ["12/03/1980", "12-03-1980", "12 Mar 1980", "12 March 1980", "12031980", "12.3.1980"]
)
def test_birth_date_in_any_form_the_form_accepts(clinic, typed):
    assert [p.full_name for p in clinic.patients.find(typed)] == ["王小明"]


# -- Chinese names by their pinyin ---------------------------------------------------------


@pytest.fixture
def chinese(store):
    for number, name in [
        ("C1", "陈美玲"),
        ("C2", "王小明 (Wang Xiaoming)"),
        ("C3", "曾国藩"),
        ("C4", "吕小红"),
        ("C5", "Chen Li Ting"),
    ]:
        store.patients.add(
            Patient(record_number=number, full_name=name, date_of_birth=date(1980, 1, 1))
        )
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chen", ["Chen Li Ting", "陈美玲"]),
        ("Chén", ["Chen Li Ting", "陈美玲"]),
        ("meiling", ["陈美玲"]),
        ("chen mei", ["陈美玲"]),
        ("chenmeiling", ["陈美玲"]),
        ("mei chen", ["陈美玲"]),
        ("ling", ["陈美玲"]),
        ("xiaoming", ["王小明 (Wang Xiaoming)"]),
        ("xiao", ["吕小红", "王小明 (Wang Xiaoming)"]),
        # A family name read unlike the common word: 曾 is Zeng as a name.
        ("zeng guofan", ["曾国藩"]),
        ("zengguofan", ["曾国藩"]),
        # ü typed as u or v, as on a keyboard without it.
        ("lu xiaohong", ["吕小红"]),
        ("lvxiaohong", ["吕小红"]),
        ("陈美", ["陈美玲"]),
        ("chen ting", ["Chen Li Ting"]),
        ("chenx", []),
    ],
)
def test_chinese_names_are_found_by_pinyin(chinese, query, expected):
    assert [p.full_name for p in chinese.patients.find(query)] == expected


def test_renamed_chinese_patient_loses_the_old_pinyin(chinese):
    (meiling,) = chinese.patients.find("meiling")
    chinese.patients.update(replace(meiling, full_name="陈美华"))
    assert chinese.patients.find("meiling") == []
    assert [p.full_name for p in chinese.patients.find("chen meihua")] == ["陈美华"]


def test_pinyin_is_not_loaded_for_names_without_han_characters():
    # pypinyin takes about 0.3 s to load: a clinic without Chinese names never pays it.
    code = (
        "import sys\n"
        "from tpchart.store.records.patients import name_words\n"
        "name_words('José Álvarez'); name_words('Ирина'); name_words('김민준')\n"
        "assert 'pypinyin' not in sys.modules, 'loaded for a name without Han'\n"
        "name_words('陈美玲')\n"
        "assert 'pypinyin' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_version_2_database_gets_pinyin_words_on_opening(db_path):
    """A clinic's file from before pinyin search: opening it re-indexes every name."""
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="m003_romanised_name_words")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    stamp = "2025-01-01T00:00:00+00:00"
    db.execute(
        "INSERT INTO patients (id, record_number, full_name, date_of_birth, sex, created_at,"
        " updated_at) VALUES (7, 'OLD-7', '陈美玲', '1985-03-15', 'female', ?, ?)",
        [stamp, stamp],
    )
    # The index as version 2 wrote it: the characters and their tails, no pinyin.
    db.conn.executemany(
        "INSERT INTO patient_name_words (word, patient_id) VALUES (?, 7)",
        [("陈美玲",), ("美玲",), ("玲",)],
    )
    db.close()

    with Store.open(db_path) as store:
        assert [p.record_number for p in store.patients.find("chen meiling")] == ["OLD-7"]
        assert [p.record_number for p in store.patients.find("美玲")] == ["OLD-7"]
        version = store._ctx.db.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    # The file as it was is kept first, as before every update.
    (backup,) = backup_folder_for(db_path).glob("tpchart-*-before-update.db")
    assert sqlite_utils.Database(backup).execute("PRAGMA user_version").fetchone()[0] == 2


# -- the same person twice -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["Anne-Marie O'Brien", "anne marie obrien", "ANNE-MARIE  O’BRIEN", "O'Brien Anne-Marie",
     "Anne-Marie O'Brién"],
)  # fmt: skip
def test_same_person_ignores_case_accents_spacing_and_order(clinic, typed):
    found = clinic.patients.same_person(typed, date(1962, 11, 30))
    assert [p.record_number for p in found] == ["R5"]


def test_same_person_needs_the_same_birth_date_and_name(clinic):
    assert clinic.patients.same_person("Anne-Marie O'Brien", date(1962, 11, 29)) == []
    assert clinic.patients.same_person("Anne O'Brien", date(1962, 11, 30)) == []
    assert clinic.patients.same_person("  ", date(1962, 11, 30)) == []


def test_same_person_includes_archived_patients(clinic):
    (wang,) = clinic.patients.find("王小明")
    clinic.patients.archive(wang.id)
    assert clinic.patients.find("王小明") == []
    (found,) = clinic.patients.same_person("王 小明", date(1980, 3, 12))
    assert found.id == wang.id and found.archived
