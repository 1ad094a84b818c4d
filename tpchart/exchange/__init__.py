"""Records that travel to other systems: a coded FHIR R4 bundle of one patient
(``fhir``) and a de-identified research table of every patient (``research_csv``).

Pure Python over the store's public API (no Qt, no FHIR library at run time; tests
validate the bundle with ``fhir.resources``). Every export is a disclosure, audited
before anything is written (``disclosure``).
"""
