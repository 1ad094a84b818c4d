"""Benchmarks: synthetic clinics and the timings a doctor feels, against baselines
measured in the same run. ``python main.py bench [--quick] [--json FILE]``; see
docs/performance.md.

Beside ``tpchart/``, not inside it: a development tool, not part of the installed app
(the wheel holds ``tpchart`` only). ``main.py`` sends the ``bench`` command here; the
package itself never imports ``bench`` (import-linter contracts in pyproject.toml).
"""
