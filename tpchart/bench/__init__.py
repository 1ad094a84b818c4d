"""Benchmarks: synthetic clinics and the timings a doctor feels, against baselines
measured in the same run. ``python main.py bench [--quick] [--json FILE]``; see
docs/performance.md."""
