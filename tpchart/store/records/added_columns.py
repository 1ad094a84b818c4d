"""The columns later migrations added to clinical tables, and the value each one gave a
row written before it.

A row's audited after-image names the columns it had when it was written. Until its
next audited change, a column added since must still hold what the migration gave it:
the tamper check compares that (`tamper`), and a discarded draft brought back from an
older image gets it (`sessions.restore_discarded`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tpchart.core.muscles import muscle_id_for

# Schema 4 (core issue "Safety that follows the patient"), by table: the column and
# the value a row written before it was given. None marks a derived value (below).
SINCE_4: Mapping[str, Mapping[str, Any]] = {
    "trigger_points": {"muscle_id": None, "lung_precautions": "[]"},
    "sessions": {
        "complaint_areas": None,
        "red_flag_decision": None,
        "red_flag_reason": "",
        "precaution_sites": "[]",
        "adverse_events_asked": 0,
        "both_sides_acknowledged": 0,
    },
    "patients": {"precaution_sites": "[]", "build": None},
}

# Schema 5 (documents issue): columns whose default reads "not recorded".
SINCE_5: Mapping[str, Mapping[str, Any]] = {
    "trigger_points": {
        "notes_internal": 0,
        "stim_frequency_hz": None,
        "stim_pulse_width_us": None,
        "stim_intensity_ma": None,
    },
    "sessions": {"consent_text_version": "", "notes_internal": 0},
}

# The complaint area of a first-version session with a red flag: it asked neck flags only.
NECK_ONLY = '["neck"]'


def added_values(
    table: str, row: Mapping[str, Any], muscle_ids: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The columns added since schema 3 to ``table``, as the migrations set them for
    ``row`` (a row written before them; the caller keeps the values the row's image
    has, so only the columns added after it was written count). ``muscle_ids`` maps
    muscle words to the ids the migration gave them (recorded in its audit entry);
    without it, today's catalogue decides."""
    values = {**SINCE_4.get(table, {}), **SINCE_5.get(table, {})}
    if table == "trigger_points":
        words = row.get("muscle", "")
        known = (muscle_ids or {}).get(words)
        values["muscle_id"] = known if known is not None else muscle_id_for(words)
    elif table == "sessions":
        values["complaint_areas"] = NECK_ONLY if row.get("red_flags", "[]") != "[]" else "[]"
    return values
