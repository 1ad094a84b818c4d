"""Patients: identity, history, precautions; search by name, record number or birth date."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient, Sex
from tpchart.core.screening import parse_precautions
from tpchart.store.records import audit
from tpchart.store.records.context import Context
from tpchart.store.records.rows import from_json, now, to_date, to_datetime, to_json, to_text

_WORD_SPLIT = re.compile(r"[\s,.;:()\-‐'’\"/]+")
_TOP = "\U0010ffff"  # sorts after every character: upper bound of a prefix range


def name_words(name: str) -> set[str]:
    """The searchable words of a name: casefolded, also without accents; for scripts
    written without spaces (Chinese, Japanese) every tail, so a given name matches too."""
    text = _fold(name)
    words: set[str] = set()
    for word in filter(None, _WORD_SPLIT.split(text)):
        words.add(word)
        words.add(_plain(word))
        if any(unicodedata.east_asian_width(c) == "W" for c in word):
            words.update(word[i:] for i in range(1, len(word)))
    return words


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# How many typed words a search uses.
MAX_WORDS = 12


def _plain(word: str) -> str:
    """Without accents, so "muller" finds "Müller" and "alvarez" finds "Álvarez"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _without_surrogates(text: str) -> str:
    """``text`` without lone surrogates (the characters UTF-8 cannot encode)."""
    if text.isascii():
        return text
    return "".join(c for c in text if not "\ud800" <= c <= "\udfff")


def parse_birth_date(text: str) -> date | None:
    """A search box entry read as a date: 1980-03-12, 12.03.1980 or 12/03/1980 (day first)."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
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
        "archived": int(p.archived),
    }


def _from_row(row: dict[str, Any]) -> Patient:
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
        archived=bool(row["archived"]),
        created_at=to_datetime(row["created_at"]),
        updated_at=to_datetime(row["updated_at"]),
    )


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
        return _from_row(after)

    def update(self, patient: Patient) -> Patient:
        """Save changed details of an existing patient."""
        if patient.id is None:
            raise ValidationError("This patient has not been saved yet")
        db, who = self._ctx.db, self._ctx.who()
        row = _to_row(patient)
        with self._ctx.transaction():
            before = self._ctx.row("patients", patient.id, "Patient")
            patient.check_for_saving(_from_row(before))
            if row["record_number"].casefold() != before["record_number"].casefold():
                self._check_record_number_free(row["record_number"])
            changed = {k: v for k, v in row.items() if before[k] != v}
            if not changed:
                return _from_row(before)
            changed["updated_at"] = to_text(now())
            self._ctx.update("patients", patient.id, changed)
            if "full_name" in changed:
                db.execute("DELETE FROM patient_name_words WHERE patient_id = ?", [patient.id])
                self._index_name(patient.id, row["full_name"])
            after = self._ctx.row("patients", patient.id, "Patient")
            audit.record(db, who, "update", "patients", patient.id, before, after)
        return _from_row(after)

    def archive(self, patient_id: int, archived: bool = True) -> Patient:
        """Hide a patient from the list (or bring them back); nothing is deleted."""
        return self.update(replace(self.get(patient_id), archived=archived))

    def get(self, patient_id: int) -> Patient:
        """One patient by id."""
        return _from_row(self._ctx.row("patients", patient_id, "Patient"))

    def count(self, include_archived: bool = False) -> int:
        """How many patients there are."""
        where = "" if include_archived else " WHERE archived = 0"
        return self._ctx.db.execute(f"SELECT count(*) FROM patients{where}").fetchone()[0]

    def find(
        self, query: str = "", include_archived: bool = False, limit: int = 200
    ) -> list[Patient]:
        """Patients whose name words start with every word typed (any script, any case),
        or whose record number starts with the text, or born on the date typed."""
        archived = "" if include_archived else " AND archived = 0"
        typed = query.strip()
        # Lone surrogates (a broken paste, os.fsdecode of bad bytes) cannot be sent to
        # SQLite and are in no stored name: they are left out; if nothing else was
        # typed, nothing matches.
        query = _without_surrogates(typed).strip()
        if typed and not query:
            return []
        if not query:
            return [
                _from_row(r)
                for r in self._ctx.rows(
                    f"SELECT * FROM patients WHERE 1{archived} ORDER BY full_name LIMIT ?", [limit]
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
        branches.append("SELECT id FROM patients WHERE record_number LIKE ? ESCAPE '\\'")
        params.append(escaped + "%")
        born = parse_birth_date(query)
        if born is not None:
            branches.append("SELECT id FROM patients WHERE date_of_birth = ?")
            params.append(born.isoformat())
        sql = (
            f"SELECT * FROM patients WHERE id IN ({' UNION '.join(branches)}){archived}"
            " ORDER BY full_name LIMIT ?"
        )
        return [_from_row(r) for r in self._ctx.rows(sql, [*params, limit])]

    def _check_record_number_free(self, record_number: str) -> None:
        taken = self._ctx.db.execute(
            "SELECT full_name FROM patients WHERE record_number = ?", [record_number]
        ).fetchone()
        if taken:
            raise ValidationError(f"Record number {record_number} is already used by {taken[0]}")

    def _index_name(self, patient_id: int, full_name: str) -> None:
        self._ctx.db.conn.executemany(
            "INSERT OR IGNORE INTO patient_name_words (word, patient_id) VALUES (?, ?)",
            [(w, patient_id) for w in name_words(full_name)],
        )
