"""Timing on a shared, noisy machine, and peak memory of a child process.

Every figure is a ratio of two things measured in the same run. The two sides run in
alternation, round after round, and the figure is the median of the per-round ratios: load
from other processes changes slowly, so it hits both sides of one round alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Rounds:
    """Seconds per round for each named side, measured in alternation, and the work each
    side reported in that round (pairs, flops, …; 1 when a side returns nothing)."""

    seconds: dict[str, list[float]]
    work: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def rate(self, name: str) -> float:
        """Median over rounds of work per second."""
        return statistics.median(w / s for w, s in zip(self.work[name], self.seconds[name], strict=True))

    def ratio(self, numerator: str, denominator: str) -> tuple[float, float, float]:
        """(median, lowest, highest) over rounds of numerator seconds / denominator seconds."""
        ratios = [a / b for a, b in zip(self.seconds[numerator], self.seconds[denominator], strict=True)]
        return statistics.median(ratios), min(ratios), max(ratios)

    def rate_ratio(self, numerator: str, denominator: str) -> tuple[float, float, float]:
        """(median, lowest, highest) over rounds of numerator rate / denominator rate."""
        ratios = [
            (wa / sa) / (wb / sb)
            for wa, sa, wb, sb in zip(
                self.work[numerator],
                self.seconds[numerator],
                self.work[denominator],
                self.seconds[denominator],
                strict=True,
            )
        ]
        return statistics.median(ratios), min(ratios), max(ratios)


def alternate(sides: dict[str, Callable[[], float | None]], rounds: int, warmup: bool = True) -> Rounds:
    """Run every side once per round, in the given order, ``rounds`` times (after one untimed
    warm-up call each); wall-clock seconds and the work each call returned."""
    if warmup:
        for side in sides.values():
            side()
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    work: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            started = time.perf_counter()
            done = side()
            seconds[name].append(time.perf_counter() - started)
            work[name].append(1.0 if done is None else float(done))
    return Rounds(seconds, work)


@dataclass(frozen=True)
class ChildResult:
    """What a child process printed (its last line, as JSON) and what it cost."""

    output: dict
    max_rss_mb: float
    wall_seconds: float
    returncode: int
    stderr: str


# Runs argv[2:] as its own child and writes that child's rusage to argv[1]. Needed because a
# child started straight from this (large) process inherits its memory high-water mark:
# Linux carries the pre-exec RSS into ru_maxrss, so every child would report at least ours.
_SPAWNER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"max_rss_kib": usage.ru_maxrss, "status": os.waitstatus_to_exitcode(status)}, f)
"""


def run_child(argv: list[str], env: dict | None = None, timeout: float = 3600) -> ChildResult:
    """Run ``argv`` and measure its own peak resident memory (ru_maxrss from ``os.wait4``).

    A small Python process in between starts it (see _SPAWNER), so the figure is the child's
    own, not inherited from this process. File-backed pages of memory-mapped snapshots count
    while they are resident.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        usage_file = Path(scratch) / "usage.json"
        process = subprocess.Popen(
            [sys.executable, "-c", _SPAWNER, str(usage_file), *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            text=True,
        )
        try:
            stdout, stderr = _drain(process, started + timeout)  # both pipes, so neither fills up
        except TimeoutError:
            process.kill()
            process.wait()
            raise
        finally:
            process.stdout.close()
            process.stderr.close()
        process.wait()
        wall = time.perf_counter() - started
        try:
            usage = json.loads(usage_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            usage = {"max_rss_kib": 0, "status": process.returncode or 1}
    output = {}
    for line in reversed(stdout.strip().splitlines()):
        try:
            output = json.loads(line)
            break
        except ValueError:
            continue
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return ChildResult(output, usage["max_rss_kib"] / scale, wall, usage["status"], stderr)


def _drain(process: subprocess.Popen, deadline: float) -> tuple[str, str]:
    """stdout and stderr of a running child, each read in its own thread."""
    chunks: dict[str, list[str]] = {"out": [], "err": []}

    def read(stream, key):
        for line in stream:
            chunks[key].append(line)

    readers = [
        threading.Thread(target=read, args=(process.stdout, "out"), daemon=True),
        threading.Thread(target=read, args=(process.stderr, "err"), daemon=True),
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(max(0.0, deadline - time.perf_counter()))
        if reader.is_alive():
            raise TimeoutError(f"{process.args!r} did not finish in time")
    return "".join(chunks["out"]), "".join(chunks["err"])


def python() -> str:
    return sys.executable
