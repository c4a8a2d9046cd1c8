"""Training jobs on a shared server: a background thread per job, one job per visitor, at most
N jobs at once and the rest queued, stopped within a second by Cancel, a closed tab or a new job.

    scheduler = Scheduler(slots=Limits.from_env().max_trainings)
    job = scheduler.submit("visitor-1", work, parts={"gensim": 4.0, "numpy": 60.0}, alive=is_connected)
    scheduler.position(job)     # 0 running (or finished), k = k-th in the queue
    job.progress(), job.seconds_left(), job.rows("numpy")
    job.cancel("Cancel pressed"); job.wait(1.0)

``work(job)`` runs in the job's own thread and trains through :func:`train_runs` (or anything
that passes ``job.hooks(part, epochs)`` or ``job.fraction_hooks(part)`` to the training code):
the trainers ask ``job.should_stop()`` between batches, so a cancelled job stops within a
batch. The scheduler's watcher thread asks every job's ``alive()`` a few times a second and
cancels the jobs of visitors who are gone, and stops a job that runs past its time limit.

Before a job is submitted, :func:`run_estimate` measures how long each of its runs takes on this
machine now (the real trainer, metrics kernel and scorer, each for a fraction of a second), and
:func:`refusal` says whether that fits the per-job limit of a shared server.

No Streamlit here: the dashboard passes ``alive`` (is the visitor's session still connected)
and reads the job's state from its page; the tests drive everything with events.
"""

from __future__ import annotations

import logging
import os
import statistics
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import scipy.sparse

from embedlab import metrics, objectives, objectives_sampled, sizing
from embedlab.config import Limits, TrainOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.gensim_trainer import GensimTrainer
from embedlab.hooks import Hooks, Snapshot
from embedlab.objectives import NegativeSampling, Softmax
from embedlab.prepared import Prepared
from embedlab.softmax import SoftmaxTrainer, initial_vectors
from embedlab.training import Scorer, pair_counts, train_cached
from embedlab.vocab import Encoded

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often the watcher asks whether a job's visitor is still there
LIVE_AFTER_SECONDS = 2.0  # a running job's own speed replaces the estimate after this long...
LIVE_AFTER_SHARE = 0.01  # ...and this share of its estimated work
RECENT_JOBS = 8  # finished jobs whose actual ÷ estimated time corrects the next estimates
JOB_NICE = 10  # a job's thread (and the threads it starts) yields the CPU to the pages of other visitors


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
        return self._cancel.is_set()

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
        """Hooks for work that reports its own overall fraction: ``on_progress(count, fraction)``
        (the bias–variance sweep, the stability runs, fine-tuning) and asks ``should_stop``."""

        def on_progress(_count: int, fraction: float) -> None:
            with self._lock:
                self._fraction[part] = min(max(float(fraction), 0.0), 1.0)
                self._epoch[part] = (0, 0)
                self._changed.notify_all()

        return Hooks(should_stop=self.should_stop, on_progress=on_progress)

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


class Scheduler:
    """At most ``slots`` jobs run at once, the others wait in submission order; each owner (a
    visitor) has at most one active job: submitting another cancels the one before.

    ``on_finish(job)`` runs in the job's thread after it ends (e.g. giving memory back).
    """

    def __init__(self, slots: int, on_finish: Callable[[Job], None] | None = None, poll: float = POLL_SECONDS):
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        self.slots = slots
        self.on_finish = on_finish
        self.poll = poll
        self._lock = threading.Condition()
        self._queue: deque[Job] = deque()
        self._running: list[Job] = []
        self._latest: dict[str, Job] = {}  # owner → the owner's newest job
        self._ratios: deque[float] = deque(maxlen=RECENT_JOBS)
        self._watcher: threading.Thread | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------ submitting and reading

    def submit(
        self,
        owner: str,
        work: Callable[[Job], object],
        parts: dict[str, float],
        *,
        label: str = "",
        alive: Callable[[], bool] | None = None,
        time_limit: float | None = None,
    ) -> Job:
        """Queue a job for ``owner``; the owner's previous job, if still active, is cancelled."""
        job = Job(owner, work, dict(parts), label, alive, time_limit)
        with self._lock:
            previous = self._latest.get(owner)
            if previous is not None and previous.state in ACTIVE:
                previous.cancel(f"you started another job{': ' + label if label else ''}")
                self._purge()
            self._latest[owner] = job
            self._queue.append(job)
            self._dispatch()
            self._ensure_watcher()
            self._lock.notify_all()
        return job

    def cancel(self, job: Job, reason: str = "cancelled") -> None:
        """Stop ``job``: a running job stops within a batch, a queued one leaves the queue now."""
        job.cancel(reason)
        with self._lock:
            self._purge()
            self._lock.notify_all()

    def _purge(self) -> None:
        """Take cancelled jobs out of the queue (holding the lock): they never start."""
        for job in [j for j in self._queue if j.cancelled]:
            self._queue.remove(job)
            self._finish(job, State.CANCELLED)

    def job_of(self, owner: str) -> Job | None:
        """The owner's newest job (active or finished), if any."""
        with self._lock:
            return self._latest.get(owner)

    def forget(self, owner: str) -> None:
        """Drop the owner's finished job (its result has been read); an active job is cancelled."""
        with self._lock:
            job = self._latest.pop(owner, None)
        if job is not None and job.state in ACTIVE:
            self.cancel(job, "the visitor left")

    def position(self, job: Job) -> int:
        """0 when the job runs or has finished; k when k − 1 jobs are queued before it."""
        with self._lock:
            try:
                return self._queue.index(job) + 1
            except ValueError:
                return 0

    def running(self) -> list[Job]:
        with self._lock:
            return list(self._running)

    def queued(self) -> list[Job]:
        with self._lock:
            return list(self._queue)

    def wait_seconds(self, job: Job) -> float:
        """About how long a queued job waits for a slot: the running jobs' time left and the
        estimates of the jobs before it, shared over the slots."""
        with self._lock:
            if job not in self._queue:
                return 0.0
            ahead = list(self._queue)[: self._queue.index(job)]
            running = list(self._running)
        ends = sorted(j.seconds_left() for j in running) + [0.0] * (self.slots - len(running))
        for queued in ahead:  # each job ahead takes the slot that frees first
            ends.sort()
            ends[0] += queued.estimated_seconds() * self.correction()
        return min(ends)

    def correction(self) -> float:
        """Actual ÷ estimated seconds of recent jobs on this server (1 before any), to multiply
        new estimates by; kept within [0.25, 4]."""
        with self._lock:
            ratios = list(self._ratios)
        return min(4.0, max(0.25, statistics.median(ratios))) if ratios else 1.0

    # ------------------------------------------------------------ running

    def _dispatch(self) -> None:
        """Start queued jobs while a slot is free (holding the lock)."""
        while self._queue and len(self._running) < self.slots:
            job = self._queue.popleft()
            if job.cancelled:  # cancelled while it waited: it never starts
                self._finish(job, State.CANCELLED)
                continue
            job.state, job.started_at = State.RUNNING, time.monotonic()
            self._running.append(job)
            thread = threading.Thread(target=self._run, args=(job,), name=f"embedlab-job-{job.id}", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _run(self, job: Job) -> None:
        _lower_priority()
        job._started.set()
        state, result, error = State.DONE, None, None
        try:
            result = job.work(job)
            if job.cancelled:
                state = State.CANCELLED
        except TrainingCancelled:
            state = State.CANCELLED
        except EmbedLabError as problem:
            state, error = State.FAILED, str(problem).splitlines()[0]
        except Exception as problem:  # a bug: the visitor gets one line, the log the traceback
            log.exception("training job %s failed", job.id)
            state, error = (
                State.FAILED,
                f"training failed with an internal error ({type(problem).__name__}); please report it.",
            )
        ratio = job.speed_ratio()
        with self._lock:
            if job in self._running:
                self._running.remove(job)
            job.result = result
            job.error = error
            job.work = None  # its closure holds the visitor's prepared corpus
            if ratio is not None:
                self._ratios.append(ratio)
            self._finish(job, state)
            self._dispatch()
            self._lock.notify_all()
        if self.on_finish is not None:
            try:
                self.on_finish(job)
            except Exception:
                log.exception("on_finish of job %s failed", job.id)

    @staticmethod
    def _finish(job: Job, state: State) -> None:
        job.state = state
        job.finished_at = time.monotonic()
        if job.started_at is None:
            job.started_at = job.finished_at
        job._started.set()
        job._done.set()
        with job._changed:
            job._changed.notify_all()

    # ------------------------------------------------------------ the watcher

    def _ensure_watcher(self) -> None:
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._watch, name="embedlab-job-watcher", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        """Cancel the jobs of visitors who left and jobs past their time limit; ends when no job
        is active (the next submit starts it again)."""
        while True:
            with self._lock:
                active = list(self._running) + list(self._queue)
                if not active:
                    self._watcher = None
                    return
            for job in active:
                if job.alive is not None and not _alive(job):
                    job.cancel("the visitor closed the page")
                elif job.time_limit is not None and job.running_seconds() > job.time_limit:
                    job.cancel(f"it ran past the {job.time_limit / 60:.0f}-minute limit of this server")
            with self._lock:
                self._purge()
                if self._running or self._queue:
                    self._lock.wait(self.poll)
                # a finished job's notify wakes the loop early: it re-reads the lists

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every job and wait for their threads (tests, server shutdown)."""
        with self._lock:
            jobs = list(self._running) + list(self._queue)
            threads = list(self._threads)
        for job in jobs:
            job.cancel("the server is shutting down")
        for thread in threads:
            thread.join(timeout)


def _lower_priority() -> None:
    """Lower this thread's CPU priority (Linux: nice is per thread, and threads it starts inherit
    it), so that on a busy server the OS runs page renders before training."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), JOB_NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: training at normal priority
        pass


def _alive(job: Job) -> bool:
    try:
        return bool(job.alive())
    except Exception:  # a liveness probe that fails says nothing: keep the job
        log.exception("alive() of job %s failed", job.id)
        return True


# ---------------------------------------------------------------- the dashboard's training job


def train_runs(
    job: Job,
    prepared: Prepared,
    runs: list[tuple[str, TrainOptions]],
    scorer: Scorer | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, str]:
    """Train (or fetch from the cache) each (part, options) of ``runs`` in order, under ``job``.

    Returns part → run directory of every run that has at least one finished epoch. When the
    job is cancelled the run in progress is kept as a shorter run ("stopped at epoch k of E",
    ``embedlab.training.train_cached(keep_partial=True)``) and the later runs are not started;
    a run cancelled before its first epoch ended leaves nothing.
    """
    paths: dict[str, str] = {}
    for part, options in runs:
        if job.should_stop():
            break
        try:
            run = train_cached(
                prepared, options, cache_dir, job.hooks(part, options.epochs), scorer=scorer, keep_partial=True
            )
        except TrainingCancelled:
            break
        paths[part] = str(run.path)
        job.part_done(part)
        if run.stopped_early:
            break
    return paths


# ---------------------------------------------------------------- estimating a job before it starts


def _timed_batches(seconds: float) -> tuple[Callable[[], bool], list[float]]:
    """A should_stop() that records when it is asked (before each batch) and says stop after ``seconds``."""
    calls: list[float] = []

    def stop() -> bool:
        calls.append(time.perf_counter())
        return calls[-1] - calls[0] > seconds

    return stop, calls


def _probe_epoch(prepared: Prepared, options: TrainOptions, seconds: float) -> float:
    """Seconds of one training epoch of ``options`` here and now, from the real trainer run on
    this corpus for about ``seconds`` (exact when the epoch is shorter)."""
    V = len(prepared.vocab)
    initial = initial_vectors(V, options.dim, options.seed)
    if options.trainer == "numpy":
        trainer = SoftmaxTrainer(
            prepared.train, prepared.vocab.counts, options, initial, pairs_per_position=options.window + 1.0
        )
        stop, calls = _timed_batches(seconds)
        started = time.perf_counter()
        try:
            trainer.train_epoch(1, stop)
        except TrainingCancelled:
            per_batch = (calls[-1] - calls[0]) / max(len(calls) - 1, 1)
            steps = -(-sizing.positions_per_epoch(prepared, options) // options.batch_size)
            return (calls[0] - started) + per_batch * steps  # the epoch's draw of windows and order, then its batches
        return time.perf_counter() - started
    trainer = GensimTrainer(prepared.train, prepared.vocab.words, prepared.vocab.counts, options, initial=initial)
    words, started = trainer.words, time.perf_counter()

    def sentences():
        for sentence in prepared.train:
            if time.perf_counter() - started > seconds:
                return
            yield [words[t] for t in sentence]

    _, raw_words = trainer.model.train(sentences(), total_examples=len(prepared.train), epochs=1)
    elapsed = time.perf_counter() - started
    return elapsed * prepared.train.n_tokens / max(raw_words, 1)


def _probe_snapshot(prepared: Prepared, options: TrainOptions, scorer: Scorer | None, seconds: float) -> float:
    """Seconds to measure one snapshot of ``options`` here: the objective's kernel timed on a
    few blocks of this vocabulary, scaled to the rows the metrics plan (exact or estimated)
    will score, plus one call of ``scorer``."""
    V, d = len(prepared.vocab), options.dim
    positions = sizing.positions_per_epoch(prepared, options)
    method, examples, _ = metrics._plan(options, V, positions * (options.window + 1), positions, V)
    rng = np.random.default_rng(0)
    W_in = rng.standard_normal((V, d), dtype=np.float32) / d
    W_out = rng.standard_normal((V, d), dtype=np.float32) / d
    objective = Softmax() if options.trainer == "numpy" else NegativeSampling.from_counts(prepared.vocab.counts, 5)
    block = objectives._block_rows(V)
    rows = min(V, 2 * block)
    if method == "exact":  # training pairs with gradients, held-out pairs without: ~1⅓ passes over V rows
        counts = scipy.sparse.random(rows, V, density=min(1.0, 20 / V), format="csr", random_state=0)
        counts = scipy.sparse.vstack([counts, scipy.sparse.csr_array((V - rows, V))]).tocsr()
        stop, calls = _timed_batches(seconds)
        started = time.perf_counter()
        try:
            objectives.exact(objective, W_in, W_out, counts, should_stop=stop)
        except TrainingCancelled:
            pass
        measured = time.perf_counter() - started
        done = min(rows, max(len(calls) - 1, 1) * block)
        seconds_per_row = measured / done
        total = seconds_per_row * V * (4 / 3)
    else:  # estimated: examples × 2.5 passes
        n = min(examples, rows)
        sample = objectives_sampled.Examples(rng.integers(0, V, (n, 1)), rng.integers(0, V, n))
        started = time.perf_counter()
        objectives_sampled.estimate(objective, W_in, W_out, sample)
        total = (time.perf_counter() - started) / n * examples * 1.25
    if scorer is not None:
        started = time.perf_counter()
        scorer(W_in)
        total += time.perf_counter() - started
    return total


def _probe_setup(prepared: Prepared, options: TrainOptions, tokens: int = 50_000) -> float:
    """Seconds to count the expected pairs of the whole text, from a prefix of ``tokens`` tokens."""
    prefix = Encoded(prepared.train.tokens[:tokens], np.array([0, min(tokens, prepared.train.n_tokens)]))
    started = time.perf_counter()
    pair_counts(prefix, prepared.vocab.counts, options)
    per_token = (time.perf_counter() - started) / max(prefix.n_tokens, 1)
    return per_token * (prepared.train.n_tokens + prepared.heldout.n_tokens)


def run_estimate(prepared: Prepared, options: TrainOptions, scorer: Scorer | None = None, seconds: float = 0.3) -> dict:
    """Seconds one run takes here, measured now: the real trainer, metrics kernel and scorer are
    each run for a fraction of a second on this corpus at these settings and scaled up.

    Keys: ``setup`` (counting pairs), ``epoch`` (one training epoch), ``snapshot`` (measuring one
    snapshot), ``train`` (every epoch), ``measure`` (every snapshot, epoch 0 included), ``total``.
    Costs about ``3 × seconds`` plus the trainer's set-up; cache it per corpus and settings.
    """
    options = options.validate(Limits(max_dim=10**9, max_epochs=10**9))
    epoch = _probe_epoch(prepared, options, seconds)
    snapshot = _probe_snapshot(prepared, options, scorer, seconds)
    setup = _probe_setup(prepared, options)
    train_seconds, measure = options.epochs * epoch, (options.epochs + 1) * snapshot
    return {
        "setup": setup,
        "epoch": epoch,
        "snapshot": snapshot,
        "train": train_seconds,
        "measure": measure,
        "total": setup + train_seconds + measure,
    }


# ---------------------------------------------------------------- refusing a job by its estimate


def duration(seconds: float) -> str:
    """A duration as a person says it.

    >>> duration(42), duration(150), duration(4000)
    ('42 s', '2.5 min', '1 h 7 min')
    """
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds // 3600:.0f} h {seconds % 3600 / 60:.0f} min"


def refusal(seconds: float, limits: Limits) -> str | None:
    """Why a job estimated at ``seconds`` is refused on this server, or None when it fits."""
    if seconds <= limits.max_job_seconds:
        return None
    return (
        f"This training would take about {duration(seconds)} here (estimated from this server's measured speed), "
        f"more than the {duration(limits.max_job_seconds)} one visitor may use on a shared server. Lower the epochs "
        "or d, or raise min_count; or run it on your own machine with the commands below "
        "(EMBEDLAB_UNLIMITED=1 lifts the limits there)."
    )
