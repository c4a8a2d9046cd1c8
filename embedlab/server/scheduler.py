"""The scheduler of training jobs on a shared server: a background thread per job, one job per
visitor, at most N jobs at once and the rest queued, stopped within a second by Cancel, a closed
tab or a new job.

    scheduler = Scheduler(slots=Limits.from_env().max_trainings)
    job = scheduler.submit("visitor-1", work, parts={"gensim": 4.0, "numpy": 60.0}, alive=is_connected)
    scheduler.position(job)     # 0 running (or finished), k = k-th in the queue
    scheduler.cancel(job, "Cancel pressed")

A job (:class:`embedlab.server.jobs.Job`) runs ``work(job)`` in its own thread. The scheduler's watcher
thread asks every job's ``alive()`` a few times a second and cancels the jobs of visitors who
are gone, and stops a job that runs past its time limit.
"""

from __future__ import annotations

import logging
import os
import statistics
import threading
from collections import deque
from collections.abc import Callable

from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.i18n import N_, Deferred
from embedlab.server.jobs import ACTIVE, Job, State

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often the watcher asks whether a job's visitor is still there
RECENT_JOBS = 8  # finished jobs whose actual ÷ estimated time corrects the next estimates
JOB_NICE = 10  # a job's thread (and the threads it starts) yields the CPU to the pages of other visitors


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
                previous.cancel(
                    Deferred(N_("you started another job: {label}"), label=label)
                    if label
                    else Deferred(N_("you started another job"))
                )
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
            job.finish(State.CANCELLED)

    def job_of(self, owner: str) -> Job | None:
        """The owner's newest job (active or finished), if any."""
        with self._lock:
            return self._latest.get(owner)

    def forget(self, owner: str) -> None:
        """Drop the owner's finished job (its result has been read); an active job is cancelled."""
        with self._lock:
            job = self._latest.pop(owner, None)
        if job is not None and job.state in ACTIVE:
            self.cancel(job, Deferred(N_("the visitor left")))

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
                job.finish(State.CANCELLED)
                continue
            job.start()
            self._running.append(job)
            thread = threading.Thread(target=self._run, args=(job,), name=f"embedlab-job-{job.id}", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _run(self, job: Job) -> None:
        _lower_priority()
        job.begin()
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
                Deferred(
                    N_("training failed with an internal error ({kind}); please report it."),
                    kind=type(problem).__name__,
                ),
            )
        ratio = job.speed_ratio()
        with self._lock:
            if job in self._running:
                self._running.remove(job)
            if ratio is not None:
                self._ratios.append(ratio)
            job.finish(state, result, error)
            self._dispatch()
            self._lock.notify_all()
        if self.on_finish is not None:
            try:
                self.on_finish(job)
            except Exception:
                log.exception("on_finish of job %s failed", job.id)

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
                    job.cancel(Deferred(N_("the visitor closed the page")))
                elif job.time_limit is not None and job.running_seconds() > job.time_limit:
                    job.cancel(
                        Deferred(
                            N_("it ran past the {minutes:.0f}-minute limit of this server"), minutes=job.time_limit / 60
                        )
                    )
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
            job.cancel(Deferred(N_("the server is shutting down")))
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
