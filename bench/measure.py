"""Timing helpers: repeated runs summarised as median and p95, and a subprocess's
start-up time and peak memory.

The machine is shared with other work, so one run says little: every figure is a
median over repeats, and the load average is printed beside the table.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Repeated measurements of one thing, in seconds (or bytes for memory)."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        """The middle value: robust to a run slowed by another process."""
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        """95th percentile, nearest-rank: with fewer than 20 runs this is the slowest."""
        ordered = sorted(self.values)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def __len__(self) -> int:
        return len(self.values)


def repeat(
    action: Callable[[], object],
    runs: int,
    *,
    warmup: int = 1,
    before: Callable[[], object] | None = None,
    after: Callable[[], object] | None = None,
    cpu: list[float] | None = None,
    pace: list[float] | None = None,
) -> Sample:
    """Time ``action`` ``runs`` times after ``warmup`` untimed runs. ``before`` and
    ``after`` run around each call outside the timing (set-up, undo). The garbage
    collector is paused while timing, as a collection would land on a random run.
    ``cpu``, if given, receives each timed run's CPU time (this process, all threads):
    beside the wall time it tells a slow run that worked from one that waited (a sync,
    another process). ``pace``, if given, receives the machine's pace around each
    timed run (`machine_pace`, the slower of just before and just after): it tells a
    run that worked more from one the machine ran slowly."""
    values = []
    for index in range(warmup + runs):
        if before is not None:
            before()
        gc.disable()
        try:
            paced = machine_pace() if pace is not None else 0.0
            start, start_cpu = time.perf_counter(), time.process_time()
            action()
            elapsed = time.perf_counter() - start
            worked = time.process_time() - start_cpu
            if pace is not None:
                paced = max(paced, machine_pace())
        finally:
            gc.enable()
        if after is not None:
            after()
        if index >= warmup:
            values.append(elapsed)
            if cpu is not None:
                cpu.append(worked)
            if pace is not None:
                pace.append(paced)
    return Sample(tuple(values))


def machine_pace() -> float:
    """Seconds a fixed piece of Python work takes now (about 1 ms on the 2-core
    machine): the same work every time, so it is slower only when the machine is. On a
    virtual machine a slow minute shows as CPU time too (the host takes the core and
    the guest still counts it), so CPU time alone cannot tell it from more work."""
    start = time.perf_counter()
    total = 0
    for number in range(20_000):
        total += number * number
    return time.perf_counter() - start


def at_usual_pace(sample: Sample, pace: Sample, slack: float = 1.25) -> Sample:
    """The runs of ``sample`` around which the fixed work took at most ``slack`` times
    its median time (``pace`` holds each run's, from `repeat`): the machine's slow
    moments left out."""
    usual = pace.median * slack
    return Sample(tuple(v for v, p in zip(sample.values, pace.values, strict=True) if p <= usual))


@dataclass(frozen=True)
class ProcessRun:
    """One child process: seconds from launch to its "ready" line, and its peak RSS."""

    ready_seconds: float
    peak_rss_bytes: int


# Appended to every child: it reports its own peak memory as its last line. The
# parent cannot ask the kernel afterwards: on Linux a child's ru_maxrss starts from the
# parent's memory at fork/exec, so every child would look as big as the benchmark.
REPORT_PEAK = """
def _tpchart_bench_peak():
    try:
        with open("/proc/self/status") as status:  # VmHWM: this process's own peak
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource, sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
print("peak", _tpchart_bench_peak(), flush=True)
"""


def run_child(
    code: str, args: Sequence[str] = (), env: dict[str, str] | None = None, timeout: float = 300
) -> ProcessRun:
    """Run ``python -c code args`` and time it until it prints a line starting with
    "ready"; the child's own report of its peak resident memory comes last."""
    # stderr goes to a file: Qt's chatter must never fill a pipe nobody is reading.
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", code + REPORT_PEAK, *args],
            stdout=subprocess.PIPE,
            stderr=errors,
            env={**os.environ, **(env or {})},
            text=True,
        )
        ready, peak = None, None
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ready") and ready is None:
                ready = time.perf_counter() - start
            elif line.startswith("peak "):
                peak = int(line.split()[1])
        child.wait(timeout)
        errors.seek(0)
        error = errors.read()
    if child.returncode != 0 or ready is None or peak is None:
        raise RuntimeError(f"benchmark child failed ({child.returncode}): {error.strip()[-2000:]}")
    return ProcessRun(ready, peak)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the core count, for the report."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # Windows
        return "load average unavailable"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
