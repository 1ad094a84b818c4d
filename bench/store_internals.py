"""Everything the benchmark takes from below ``tpchart.store``'s public face, in one place.

The rest of the benchmark uses ``Store`` and its repositories (``store.patients``,
``store.sessions``, ...) as the app does. The synthetic-clinic generator
(``bench.synthetic``) is the exception: writing a million audited rows one transaction
at a time through ``Store`` would take hours, so it builds rows itself and inserts them
in bulk through its own connection. For the file to be one the app could have written
(``tpchart check`` passes on it; tests/test_bench.py runs the check), those rows must be
exactly what the store writes: its text for times and JSON, its search words, its audit
hash chain. They come from the store's own functions, imported here and nowhere else in
``bench`` (an import-linter contract in pyproject.toml holds this), so when the store's
modules move, this file is the one to update.
"""

from __future__ import annotations

# Each audit row is chained to the previous one by this hash; ``tpchart check``
# recomputes it, so generated rows must use the very same function.
from tpchart.store.records.audit import link_hash

# The words the patient search index (``patient_name_words``) holds for a name.
from tpchart.store.records.patients import name_words

# The stored text of a datetime and of a JSON column (the audit trail keeps rows as
# JSON text and hashes that text, so it must match to the byte).
from tpchart.store.records.rows import to_json, to_text

__all__ = ["link_hash", "name_words", "to_json", "to_text"]
