"""Patients: identity, history, precautions; search by name, record number or birth date."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date
from typing import Any

from tpchart.core.dates import parse_date
from tpchart.core.errors import ValidationError
from tpchart.core.lung import Build
from tpchart.core.patient import Patient, Sex
from tpchart.core.precaution_sites import parse_sites
from tpchart.core.screening import parse_precautions
from tpchart.core.validation import check_aware
from tpchart.store.records import audit
from tpchart.store.records.context import Context, RecordDatabase
from tpchart.store.records.rows import (
    from_json,
    now,
    stored_record,
    to_date,
    to_datetime,
    to_json,
    to_text,
)

_WORD_SPLIT = re.compile(r"[\s,.;:()\-‐'’\"/]+")
_TOP = "\U0010ffff"  # sorts after every character: upper bound of a prefix range

# Han characters (CJK unified ideographs, extension A, compatibility, extensions B-G):
# the ones pypinyin can romanise.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# A romanised syllable as pypinyin writes it without tones ("lü" keeps its umlaut).
_SYLLABLE = re.compile(r"[a-zü]+")


def name_words(name: str) -> set[str]:
    """The searchable words of a name: casefolded, also without accents; for scripts
    written without spaces (Chinese, Japanese) every tail, so a given name matches too;
    for Han characters also their pinyin, so "chen", "meiling" and "chen mei" find 陈美玲."""
    text = _fold(name)
    words: set[str] = set()
    for word in filter(None, _WORD_SPLIT.split(text)):
        words.add(word)
        words.add(_plain(word))
        if any(unicodedata.east_asian_width(c) == "W" for c in word):
            words.update(word[i:] for i in range(1, len(word)))
        if _HAN.search(word):
            for romanised in _pinyin_words(word):
                words.add(romanised)
                words.add(_plain(romanised))  # "lü" is typed "lu" ...
                words.add(romanised.replace("ü", "v"))  # ... or "lv", as on a keyboard
    return words


def _pinyin_words(word: str) -> set[str]:
    """Pinyin search words of the Han characters in ``word`` (family name first, as
    Chinese names are written): each syllable, the syllables joined from each one to the
    end ("chenmeiling", "meiling"), and every reading of the first character, since
    many family names are read unlike the common word (曾 is Zeng, not ceng)."""
    # Imported here, not at the top: pypinyin loads its dictionaries for about 0.3 s,
    # which start-up and a clinic without Chinese names should not pay.
    from pypinyin import Style, lazy_pinyin, pinyin

    words: set[str] = set()
    for run in _HAN.findall(word):
        # Read as a whole, for the readings that depend on the next character.
        syllables = lazy_pinyin(run, style=Style.NORMAL, v_to_u=True)
        if len(syllables) != len(run):
            # A character pypinyin does not know came back as itself, merged with its
            # neighbours: read one by one so the syllables line up with the characters.
            syllables = [lazy_pinyin(c, style=Style.NORMAL, v_to_u=True)[0] for c in run]
        syllables = [s if _SYLLABLE.fullmatch(s) else "" for s in syllables]
        for i, syllable in enumerate(syllables):
            if syllable:
                words.add(syllable)
                words.add("".join(syllables[i:]))
        rest = "".join(syllables[1:])
        for reading in pinyin(run[0], style=Style.NORMAL, heteronym=True, v_to_u=True)[0]:
            if _SYLLABLE.fullmatch(reading):
                words.update((reading, reading + rest))
    words.discard("")
    return words


def rebuild_name_index(db: RecordDatabase) -> None:
    """Fill ``patient_name_words`` anew from every patient's name, with today's
    `name_words`: for migrations that change what a name is searchable by. The caller
    holds the transaction."""
    db.execute("DELETE FROM patient_name_words")
    patients = db.execute("SELECT id, full_name FROM patients").fetchall()
    db.conn.executemany(
        "INSERT OR IGNORE INTO patient_name_words (word, patient_id) VALUES (?, ?)",
        [(word, patient_id) for patient_id, name in patients for word in name_words(name)],
    )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# How many typed words a search uses.
MAX_WORDS = 12


def _plain(word: str) -> str:
    """Without accents, so "muller" finds "Müller" and "alvarez" finds "Álvarez"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _name_key(name: str) -> tuple[str, tuple[str, ...]]:
    """A name as compared for "same person": its words without case, accents, spaces or
    punctuation, joined ("Anne-Marie" is "Anne Marie") and in alphabetical order (a family
    name written first or last)."""
    words = [_plain(w) for w in _WORD_SPLIT.split(_fold(name)) if w]
    return "".join(words), tuple(sorted(words))


def _without_surrogates(text: str) -> str:
    """``text`` without lone surrogates (the characters UTF-8 cannot encode)."""
    if text.isascii():
        return text
    return "".join(c for c in text if not "\ud800" <= c <= "\udfff")


def parse_birth_date(text: str) -> date | None:
    """A search box entry read as a date, in every form the patient form accepts
    (`tpchart.core.dates.parse_date`: 12.03.1980, 12/03/1980, 1980-03-12, 12 Mar 1980,
    day first); None when it is not one."""
    # Most of what is typed into the search box is a name: no digit, no date.
    if not any(c.isdigit() for c in text):
        return None
    try:
        return parse_date(text)
    except ValidationError:
        return None


def _to_row(p: Patient) -> dict[str, Any]:
    return {
        "record_number": p.record_number.strip(),
        "full_name": p.full_name.strip(),
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex.value,
        "phone": p.phone,
        "email": p.email,
        "medical_history": p.medical_history,
        "precautions": to_json(p.precautions),
        "precaution_sites": to_json([site.as_stored() for site in p.precaution_sites]),
        "build": p.build.value if p.build is not None else None,
        "archived": int(p.archived),
    }


def patient_from_row(row: dict[str, Any]) -> Patient:
    """A row of the patients table as a Patient, validated as any new one is (after a
    write, and where `stored_patient` is checked against it)."""
    return Patient(
        id=row["id"],
        record_number=row["record_number"],
        full_name=row["full_name"],
        date_of_birth=to_date(row["date_of_birth"]),
        sex=Sex(row["sex"]),
        phone=row["phone"],
        email=row["email"],
        medical_history=row["medical_history"],
        precautions=parse_precautions(from_json(row["precautions"])),
        precaution_sites=parse_sites(from_json(row.get("precaution_sites"))),
        build=Build(row["build"]) if row.get("build") else None,
        archived=bool(row["archived"]),
        created_at=to_datetime(row["created_at"]),
        updated_at=to_datetime(row["updated_at"]),
    )


_SEXES = {m.value: m for m in Sex}
_BUILDS = {m.value: m for m in Build}


def stored_patient(row: dict[str, Any]) -> Patient:
    """A row read from the patients table as a Patient, built without validating it
    again (issue 19: a search keystroke, and the list's first page at every start, build
    up to 200). It was validated when written, and the table's CHECKs hold the sex and
    the build; a row an older version wrote that today's rules refuse still loads, as
    it must, and is judged when changed (every change builds a new patient, which
    validates). What ``Patient.__post_init__`` would change is done here: the sex, the
    precautions and the build become enums, the sites a tuple; the times must still
    carry their zone (tests/store/test_stored_patients.py compares with
    `patient_from_row`)."""
    build = row.get("build")
    values = {
        "record_number": row["record_number"],
        "full_name": row["full_name"],
        "date_of_birth": to_date(row["date_of_birth"]),
        "sex": _SEXES.get(row["sex"]) or Sex(row["sex"]),
        "phone": row["phone"],
        "email": row["email"],
        "medical_history": row["medical_history"],
        # Built again from itself, as __post_init__ does: a set's order of iteration
        # follows how it was filled, and a list or a print may follow that order.
        "precautions": frozenset(iter(parse_precautions(from_json(row["precautions"])))),
        "precaution_sites": parse_sites(from_json(row.get("precaution_sites"))),
        "build": (_BUILDS.get(build) or Build(build)) if build else None,
        "archived": bool(row["archived"]),
        "id": row["id"],
        "created_at": to_datetime(row["created_at"]),
        "updated_at": to_datetime(row["updated_at"]),
    }
    check_aware("Created", values["created_at"])
    check_aware("Updated", values["updated_at"])
    return stored_record(Patient, values)


class Patients:
    """The patients table and its name index."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, patient: Patient) -> Patient:
        """Register a new patient; the record number must be unused."""
        db, who = self._ctx.db, self._ctx.who()
        patient.check_for_saving()
        row = _to_row(patient)
        stamp = to_text(now())
        with self._ctx.transaction():
            self._check_record_number_free(row["record_number"])
            new_id = self._ctx.insert("patients", {**row, "created_at": stamp, "updated_at": stamp})
            self._index_name(new_id, row["full_name"])
            after = self._ctx.row("patients", new_id, "Patient")
            audit.record(db, who, "insert", "patients", new_id, after=after)
        return patient_from_row(after)

    def update(self, patient: Patient) -> Patient:
        """Save changed details of an existing patient."""
        if patient.id is None:
            raise ValidationError("This patient has not been saved yet")
        db, who = self._ctx.db, self._ctx.who()
        row = _to_row(patient)
        with self._ctx.transaction():
            before = self._ctx.row("patients", patient.id, "Patient")
            patient.check_for_saving(stored_patient(before))
            if row["record_number"].casefold() != before["record_number"].casefold():
                self._check_record_number_free(row["record_number"])
            changed = {k: v for k, v in row.items() if before[k] != v}
            if not changed:
                return stored_patient(before)
            changed["updated_at"] = to_text(now())
            self._ctx.update("patients", patient.id, changed)
            if "full_name" in changed:
                db.execute("DELETE FROM patient_name_words WHERE patient_id = ?", [patient.id])
                self._index_name(patient.id, row["full_name"])
            after = self._ctx.row("patients", patient.id, "Patient")
            audit.record(db, who, "update", "patients", patient.id, before, after)
        return patient_from_row(after)

    def archive(self, patient_id: int, archived: bool = True) -> Patient:
        """Hide a patient from the list (or bring them back); nothing is deleted."""
        return self.update(replace(self.get(patient_id), archived=archived))

    def get(self, patient_id: int) -> Patient:
        """One patient by id."""
        return stored_patient(self._ctx.row("patients", patient_id, "Patient"))

    def count(self, include_archived: bool = False) -> int:
        """How many patients there are."""
        where = "" if include_archived else " WHERE archived = FALSE"
        return self._ctx.db.execute(f"SELECT count(*) FROM patients{where}").fetchone()[0]

    def archived(self) -> list[Patient]:
        """Every archived patient, by name (to bring one back)."""
        return [
            stored_patient(r)
            for r in self._ctx.rows(
                "SELECT * FROM patients WHERE archived = TRUE ORDER BY full_name, id"
            )
        ]

    def find(
        self, query: str = "", include_archived: bool = False, limit: int = 200
    ) -> list[Patient]:
        """Patients whose name words start with every word typed (any script, any case),
        or whose record number starts with the text, or born on the date typed."""
        archived = "" if include_archived else " AND archived = FALSE"
        typed = query.strip()
        # Lone surrogates (a broken paste, os.fsdecode of bad bytes) cannot be sent to
        # SQLite and are in no stored name: they are left out; if nothing else was
        # typed, nothing matches.
        # Control characters too: no stored text holds one (validation refuses them), and
        # the clinic server refuses a NUL even in a search.
        query = "".join(c for c in _without_surrogates(typed) if unicodedata.category(c) != "Cc")
        query = query.strip()
        if typed and not query:
            return []
        if not query:
            return [
                stored_patient(r)
                for r in self._ctx.rows(
                    f"SELECT * FROM patients WHERE TRUE{archived} ORDER BY full_name LIMIT ?",
                    [limit],
                )
            ]
        # A name has a handful of words; a pasted page has hundreds, more than one query
        # may join (SQLite's limit is 500 terms): the first few narrow it down enough.
        words = sorted({_plain(w) for w in _WORD_SPLIT.split(_fold(query)) if w})[:MAX_WORDS]
        branches, params = [], []
        if words:
            branches.append(
                " INTERSECT ".join(
                    "SELECT patient_id FROM patient_name_words WHERE word >= ? AND word < ?"
                    for _ in words
                )
            )
            for w in words:
                params += [w, w + _TOP]
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        branches.append(
            # SQLite's LIKE ignores case (its index is NOCASE); the server's index is on
            # lower(record_number), in byte order so that a prefix can use it.
            "SELECT id FROM patients WHERE lower(record_number) LIKE lower(?) ESCAPE '\\'"
            if self._ctx.on_server
            else "SELECT id FROM patients WHERE record_number LIKE ? ESCAPE '\\'"
        )
        params.append(escaped + "%")
        born = parse_birth_date(query)
        if born is not None:
            branches.append("SELECT id FROM patients WHERE date_of_birth = ?")
            params.append(born.isoformat())
        sql = (
            f"SELECT * FROM patients WHERE id IN ({' UNION '.join(branches)}){archived}"
            " ORDER BY full_name LIMIT ?"
        )
        return [stored_patient(r) for r in self._ctx.rows(sql, [*params, limit])]

    def same_person(self, full_name: str, date_of_birth: date) -> list[Patient]:
        """Patients, archived ones too, born on ``date_of_birth`` whose name is
        ``full_name`` written another way: other case, accents, spacing or punctuation,
        or its words in another order. Asked before a new patient is added, so one
        person does not get two record numbers."""
        joined, ordered = _name_key(full_name)
        if not joined:
            return []
        rows = self._ctx.rows(
            "SELECT * FROM patients WHERE date_of_birth = ? ORDER BY archived, id",
            [date_of_birth.isoformat()],
        )
        found = []
        for row in rows:
            other_joined, other_ordered = _name_key(row["full_name"])
            if other_joined == joined or other_ordered == ordered:
                found.append(stored_patient(row))
        return found

    def _check_record_number_free(self, record_number: str) -> None:
        # The file's column compares without case (NOCASE); the server's unique index is
        # on lower(record_number).
        where = "lower(record_number) = lower(?)" if self._ctx.on_server else "record_number = ?"
        taken = self._ctx.db.execute(
            f"SELECT full_name FROM patients WHERE {where}", [record_number]
        ).fetchone()
        if taken:
            raise ValidationError(f"Record number {record_number} is already used by {taken[0]}")

    def _index_name(self, patient_id: int, full_name: str) -> None:
        self._ctx.db.conn.executemany(
            "INSERT OR IGNORE INTO patient_name_words (word, patient_id) VALUES (?, ?)",
            [(w, patient_id) for w in name_words(full_name)],
        )
