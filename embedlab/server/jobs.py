"""Training jobs on a shared server: one job (a visitor's training), how far it has got and how long
it has left, and the dashboard's work that runs in it.

    job = scheduler.submit("visitor-1", work, parts={"gensim": 4.0, "numpy": 60.0}, alive=is_connected)
    job.progress(), job.seconds_left(), job.rows("numpy")
    job.cancel("Cancel pressed"); job.wait(1.0)

``work(job)`` runs in the job's own thread (started by :class:`embedlab.server.scheduler.Scheduler`)
and trains through :func:`train_runs` (or anything that passes ``job.hooks(part, epochs)`` or
``job.fraction_hooks(part)`` to the training code): the trainers ask ``job.should_stop()``
between batches, so a cancelled job stops within a batch.

How many jobs run at once, the queue and the watcher that cancels the jobs of visitors who are
gone live in :mod:`embedlab.server.scheduler`; the measured estimate of a job before it starts, and its
refusal, in :mod:`embedlab.train.job_estimate`.

No Streamlit here: the dashboard passes ``alive`` (is the visitor's session still connected)
and reads the job's state from its page; the tests drive everything with events.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from embedlab.config import TrainOptions
from embedlab.errors import TrainingCancelled
from embedlab.hooks import Hooks, Snapshot
from embedlab.text.prepared import Prepared
from embedlab.train.training import Scorer, train_cached

LIVE_AFTER_SECONDS = 2.0  # a running job's own speed replaces the estimate after this long...
LIVE_AFTER_SHARE = 0.01  # ...and this share of its estimated work


class State(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


ACTIVE = (State.QUEUED, State.RUNNING)


@dataclass(eq=False)  # a job is itself: compared by identity in the queue
class Job:
    """One visitor's training job: its parts (runs) with their estimated seconds, and how far
    each has got. Created by :meth:`Scheduler.submit`; read from any thread."""

    owner: str
    work: Callable[[Job], object]
    parts: dict[str, float]  # part name → estimated seconds (the runs of one training, in order)
    label: str = ""
    alive: Callable[[], bool] | None = None  # False once the visitor has gone: the job is cancelled
    time_limit: float | None = None  # seconds of running after which the job is stopped
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: State = State.QUEUED
    result: object = None
    error: str | None = None  # the one-line message of a failed job
    stop_reason: str | None = None  # why a cancelled job stopped, for the visitor
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    cancelled_at: float | None = None  # when it was first told to stop
    stopped_at: float | None = None  # when its work first saw the stop (between two batches)
    finished_at: float | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()  # re-entered by wait_until's predicates
        self._changed = threading.Condition(self._lock)  # notified at every report and at the end
        self._cancel = threading.Event()
        self._started = threading.Event()
        self._done = threading.Event()
        self._fraction = dict.fromkeys(self.parts, 0.0)
        self._rows: dict[str, list[dict]] = {name: [] for name in self.parts}
        self._epoch: dict[str, tuple[int, int]] = {}  # part → (epoch running, epochs planned)
        self._latest: dict[str, Snapshot] = {}  # part → its last snapshot (for a live view of the space)

    # ------------------------------------------------------------ control

    def should_stop(self) -> bool:
        """Asked by the trainers between batches: True once the job is cancelled."""
        if not self._cancel.is_set():
            return False
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()  # the computation stops here; saving what is kept follows
        return True

    def cancel(self, reason: str = "cancelled") -> None:
        """Ask the job to stop (it does within a batch); the first reason given is kept."""
        with self._lock:
            if self.stop_reason is None and self.state in ACTIVE:
                self.stop_reason = reason
                self.cancelled_at = time.monotonic()
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (True) or ``timeout`` seconds have passed (False)."""
        return self._done.wait(timeout)

    def wait_started(self, timeout: float | None = None) -> bool:
        return self._started.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    # ------------------------------------------------------------ its life, as the scheduler runs it

    def start(self) -> None:
        """The scheduler gave the job a slot: it is running from now."""
        with self._lock:
            self.state, self.started_at = State.RUNNING, time.monotonic()

    def begin(self) -> None:
        """The job's thread has started (what ``wait_started`` waits for)."""
        self._started.set()

    def finish(self, state: State, result: object = None, error: str | None = None) -> None:
        """The job has ended in ``state``: its result or error kept, its work let go (the closure
        holds the visitor's prepared corpus), and everyone waiting on it woken."""
        with self._lock:
            self.state, self.result, self.error = state, result, error
            self.work = None
            self.finished_at = time.monotonic()
            if self.started_at is None:
                self.started_at = self.finished_at
            self._started.set()
            self._done.set()
            self._changed.notify_all()

    # ------------------------------------------------------------ what the trainers report

    def hooks(self, part: str, epochs: int) -> Hooks:
        """The hooks of one part (run): progress within epochs, the metrics rows, and stop."""

        def on_epoch(epoch: int, snapshot: Snapshot, row: dict) -> None:
            with self._lock:
                self._rows[part].append(dict(row))
                self._latest[part] = snapshot
                self._fraction[part] = min(1.0, epoch / epochs)
                self._epoch[part] = (epoch, epochs)
                self._changed.notify_all()

        def on_progress(epoch: int, fraction: float) -> None:
            with self._lock:
                self._fraction[part] = min(1.0, (epoch - 1 + fraction) / epochs)
                self._epoch[part] = (epoch, epochs)
                self._changed.notify_all()

        return Hooks(on_epoch=on_epoch, should_stop=self.should_stop, on_progress=on_progress)

    def fraction_hooks(self, part: str) -> Hooks:
        """Hooks for work that reports its own share done: ``on_work(runs done, share)`` (the
        bias–variance sweep, the stability runs, fine-tuning), and asks ``should_stop``."""

        def on_work(_done: int, fraction: float) -> None:
            with self._lock:
                self._fraction[part] = min(max(float(fraction), 0.0), 1.0)
                self._epoch[part] = (0, 0)
                self._changed.notify_all()

        return Hooks(should_stop=self.should_stop, on_work=on_work)

    def part_done(self, part: str) -> None:
        with self._lock:
            self._fraction[part] = 1.0
            self._changed.notify_all()

    def wait_until(self, predicate: Callable[[Job], bool], timeout: float | None = None) -> bool:
        """Block until ``predicate(job)`` holds (checked at every report and at the end)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                if self.finished:
                    return bool(predicate(self))
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def latest(self, part: str) -> Snapshot | None:
        """The last snapshot one part has reported (its vectors are not copied: read only)."""
        with self._lock:
            return self._latest.get(part)

    def rows(self, part: str) -> list[dict]:
        """The metrics rows of one part so far (copies)."""
        with self._lock:
            return list(self._rows.get(part, ()))

    def current(self) -> tuple[str, int, int] | None:
        """(part, epoch being trained, epochs) of the part in progress, or None before the first."""
        with self._lock:
            for name in self.parts:
                if self._fraction[name] < 1.0 and name in self._epoch:
                    return (name, *self._epoch[name])
            for name in self.parts:
                if self._fraction[name] < 1.0:
                    return (name, 0, 0)
        return None

    # ------------------------------------------------------------ how far, how long

    def progress(self) -> float:
        """Share of the job's estimated work done, 0..1 (each part weighted by its estimate)."""
        with self._lock:
            total = sum(self.parts.values())
            if total <= 0:
                return sum(self._fraction.values()) / max(len(self._fraction), 1)
            return sum(self.parts[name] * self._fraction[name] for name in self.parts) / total

    def running_seconds(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at or time.monotonic()) - self.started_at

    def estimated_seconds(self) -> float:
        return float(sum(self.parts.values()))

    def seconds_left(self) -> float:
        """Seconds until the job ends: its estimate at first, then from its own measured speed
        (the time it has run ÷ the estimated work it has done), so the figure follows this
        server's real speed while the job runs."""
        if self.finished:
            return 0.0
        done = self.progress()
        total = self.estimated_seconds()
        running = self.running_seconds()
        if running >= LIVE_AFTER_SECONDS and done >= LIVE_AFTER_SHARE:
            return running / done * (1.0 - done)
        return max(min(total * (1.0 - done), total - running), 0.0)

    def speed_ratio(self) -> float | None:
        """Actual ÷ estimated seconds of the work done, once enough is done to tell."""
        done = self.progress()
        if done < LIVE_AFTER_SHARE or self.running_seconds() < LIVE_AFTER_SECONDS or not self.estimated_seconds():
            return None
        return self.running_seconds() / (done * self.estimated_seconds())


# ---------------------------------------------------------------- the dashboard's training job


def train_all(
    prepared: Prepared,
    runs: list[tuple[str, TrainOptions]],
    scorer: Scorer | None = None,
    cache_dir: str | Path | None = None,
    *,
    hooks_for: Callable[[str, TrainOptions], Hooks | None] | None = None,
    on_done: Callable[[str], None] | None = None,
    keep_partial: bool = False,
) -> dict[str, str]:
    """Train (or fetch from the cache) each (role, options) of ``runs`` in order on one vocabulary:
    the one loop over every run of a setting, for a job and for the default runs alike.

    Returns role → run directory of every run that has at least one finished epoch.
    ``hooks_for(role, options)`` gives each run its hooks; ``on_done(role)`` follows each run.
    A run stopped with ``keep_partial`` is kept as a shorter run and the later runs are not
    started; a run cancelled before its first epoch ended leaves nothing.
    """
    paths: dict[str, str] = {}
    for role, options in runs:
        hooks = hooks_for(role, options) if hooks_for is not None else None
        if hooks is not None and hooks.stop_requested():
            break
        try:
            run = train_cached(prepared, options, cache_dir, hooks, scorer=scorer, keep_partial=keep_partial)
        except TrainingCancelled:
            break
        paths[role] = str(run.path)
        if on_done is not None:
            on_done(role)
        if run.stopped_early:
            break
    return paths


def train_runs(
    job: Job,
    prepared: Prepared,
    runs: list[tuple[str, TrainOptions]],
    scorer: Scorer | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, str]:
    """:func:`train_all` under ``job``: its progress, its stop, a cancelled run kept as a shorter
    run ("stopped at epoch k of E", ``training.train_cached(keep_partial=True)``)."""
    hooks_for = lambda part, options: job.hooks(part, options.epochs)  # noqa: E731
    return train_all(prepared, runs, scorer, cache_dir, hooks_for=hooks_for, on_done=job.part_done, keep_partial=True)
