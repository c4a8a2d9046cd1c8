"""A job on the page: its queue place or progress, Cancel, the Train page's live curves and space,
then what happened and where to look; and any page's work (a sweep, fine-tuning) run as a job."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from dashboard import server, vega
from dashboard.corpora import CACHE_BYTES
from dashboard.language import keyed_by_language
from dashboard.session import session
from dashboard.train_job import cancel_job, collect_job, collected
from embedlab import charts, i18n, roles
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks
from embedlab.i18n import N_, Deferred, _, ngettext, number, shown
from embedlab.markup import inert
from embedlab.runs import analysis
from embedlab.server import jobs
from embedlab.teaching.sitemap import PAGES
from embedlab.train import job_estimate

JOB_POLL_SECONDS = 1.0  # how often a page redraws a job's progress
FOLLOW_YIELD_SECONDS = 0.1  # how long a click waits for the Train page's job panel to let go
LIVE_FLOOR = -0.25  # the live heatmap's colour scale runs from here (or lower) to 1 at every epoch
NEXT_PAGES = tuple(page for page in PAGES if page[1] in ("Lecture", "Heatmaps", "Map", "Dynamics", "Neighbours"))


def _place(n: int) -> str:
    """A place in the queue: "1st" in English; the number alone where the sentence says "number n"."""
    if i18n.current() != i18n.ENGLISH:
        return str(n)
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def job_status(job: jobs.Job) -> str:
    """One line on a job that has not finished: its place in the queue, or how far it is."""
    scheduler = server.scheduler()
    position = scheduler.position(job)
    if position:
        running = len(scheduler.running())
        running = ngettext(
            "{running} training running", "{running} trainings running", len(scheduler.running())
        ).format(running=len(scheduler.running()))
        return _(
            "Waiting for a free training slot: you are {place} in line ({running}, at most {slots} at "
            "once on this server); about {wait} until yours starts."
        ).format(
            place=_place(position),
            running=running,
            slots=scheduler.slots,
            wait=job_estimate.duration(scheduler.wait_seconds(job)),
        )
    current = job.current()
    where = _("setting up")
    if current is not None and current[2]:
        part, epoch, epochs = current
        # a part is a trainer, or a page's job named after a visitor's file: Markdown either way
        where = _("{trainer}, epoch {epoch} of {epochs}").format(
            trainer=inert(roles.name(part)), epoch=epoch, epochs=epochs
        )
    elif current is not None:
        where = _("{trainer}: counting pairs and measuring epoch 0").format(trainer=inert(roles.name(current[0])))
    return _("{progress} · {where} · about {left} left").format(
        progress=number(job.progress(), ".0%"), where=where, left=job_estimate.duration(job.seconds_left())
    )


@keyed_by_language
@st.cache_data(max_entries=32, max_size="4MB", show_spinner=False)
def _loss_spec(job_id: str, role: str, epochs: int, _rows: list[dict], language: str = "en") -> dict:
    """A job's live loss and ‖∇J‖ curves, built once per finished epoch (the page redraws every
    second while the job runs)."""
    return vega.spec(charts.live_curves(pd.DataFrame(_rows), title=roles.name(role), width=170, height=120))


@keyed_by_language
@st.cache_data(max_entries=8, max_size=CACHE_BYTES, show_spinner=False)
def _space_spec(job_id: str, role: str, epoch: int, _vectors: np.ndarray, _view: tuple, language: str = "en") -> dict:
    """The live view of the space: the cosines of a few words (planted groups first) at the
    job's last snapshot, as a small heatmap, built once per finished epoch."""
    vocab, words, groups = _view
    frame = analysis.similarity_frame(_vectors, words, vocab)
    floor = min(LIVE_FLOOR, float(frame["cosine"].min()))
    title = _("{trainer}: cosines after epoch {epoch}").format(trainer=roles.name(role), epoch=epoch)
    return vega.spec(charts.heatmap(frame, title=title, cell=12, domain=(floor, 1.0), groups=groups))


def _live_view(job: jobs.Job) -> None:
    """Per trainer, side by side: the live curves and the small heatmap of the last snapshot."""
    context = session.job_context
    parts = [role for role in roles.TRAINERS if role in job.parts and job.rows(role)]  # NumPy left
    if not parts:
        return
    for column, role in zip(st.columns(len(parts)), parts, strict=True):
        rows = job.rows(role)
        column.vega_lite_chart(_loss_spec(job.id, role, len(rows), rows))
        snapshot = job.latest(role)
        if context is not None and snapshot is not None:
            column.vega_lite_chart(_space_spec(job.id, role, snapshot.epoch, snapshot.input_vectors, context.view))


def _next_pages() -> None:
    """Where to look once the runs are trained."""
    st.markdown(_("**Look at the new runs:**"))
    for column, (path, title, icon) in zip(st.columns(len(NEXT_PAGES)), NEXT_PAGES, strict=True):
        column.page_link(path, label=_(title), icon=icon)
    st.space("medium")  # the chart below shows its toolbar above its top edge on hover: not over the links


class TrainingPanel:
    """The Train page's view of this visitor's job: its queue place or progress, Cancel and the
    live loss curves and space while it runs, then what happened and where to look.

    Drawn where the page calls it; :meth:`follow`, the page's last call, keeps it current. A plain
    script that waits sends its deltas in order (an ``st.fragment(run_every=…)`` rerun racing a
    full rerun made Streamlit's frontend blank the tab under load).
    """

    def __init__(self, job: jobs.Job) -> None:
        self.job = job
        self.status = st.empty()
        if not job.finished:
            help_text = _("Stops within a second; finished epochs are kept.")
            st.button(_("Cancel"), on_click=cancel_job, key=f"cancel_{job.id}", help=help_text)
        self.live = st.empty()
        self.live_shown: tuple | None = None  # the epochs the live view was drawn at
        self.draw()

    def draw(self) -> None:
        job = self.job
        if job.finished and collected():
            kind, message = session.job_context.outcome
            with self.status.container():
                getattr(st, kind)(message)
                if job.state == jobs.State.DONE:
                    _next_pages()
        elif server.scheduler().position(job):
            self.status.info(job_status(job))
        else:
            self.status.progress(min(job.progress(), 1.0), text=job_status(job))
        shown = tuple(len(job.rows(role)) for role in roles.TRAINERS)
        if shown != self.live_shown:  # the curves and the space change once an epoch
            self.live_shown = shown
            with self.live.container():
                _live_view(job)

    def follow(self) -> None:
        """Redraw the panel every JOB_POLL_SECONDS until the job ends, then rerun the page (the
        sidebar and the run list show the new runs). The script waits here, at the end of the
        page, so everything above stays usable: a click or another page ends the wait within
        FOLLOW_YIELD_SECONDS and the job runs on (the next visit follows it again); the toolbar's
        Stop (shown while a script runs) cancels it, as Cancel does, and so does a closed tab
        (the scheduler's watcher).

        ``session.job_follow = False`` draws the panel once and returns, which is how an AppTest
        sees the page while its job runs (AppTest waits for a script to end)."""
        job = self.job
        if not session.job_follow:
            return
        next_draw = time.monotonic() + JOB_POLL_SECONDS
        try:
            while not job.wait(FOLLOW_YIELD_SECONDS):
                session.ping()
                if time.monotonic() >= next_draw:
                    self.draw()
                    next_draw = time.monotonic() + JOB_POLL_SECONDS
        except StopException:  # the toolbar's Stop while the page follows a job means the job too
            server.scheduler().cancel(job, Deferred(N_("you pressed Stop")))
            raise
        if not collected():
            st.rerun()  # training_panel() collects the job


def training_panel() -> TrainingPanel | None:
    """Draw the Train page's job panel here (None when this visitor has no job); the page ends
    with ``panel.follow()``."""
    job = session.job
    if job is None:
        return None
    if job.finished and not collected():  # it ended after app.py collected jobs
        collect_job()
        st.rerun()  # the sidebar, drawn before the page, names the new runs
    return TrainingPanel(job)


def run_as_job(name: str, compute: Callable[[Hooks], object], on_cancel: Callable[[], None] | None = None):
    """Run ``compute(hooks)`` as this visitor's job — in one of the server's training slots (in
    the queue until one is free) and stopped within a second by Cancel, a closed tab or leaving
    the page — showing its queue place or progress until it ends. ``compute`` reports through
    ``hooks.on_work`` and must not call Streamlit.

    Returns its result, or None when it was stopped; a failure raises its EmbedLabError. Used by
    the pages whose work is training but not the Train page's runs (the bias–variance sweep,
    the stability runs, fine-tuning); the script waits here, so nothing else of the page runs.
    """
    scheduler = server.scheduler()
    job = server.submit(lambda job: compute(job.fraction_hooks(name)), {name: 1.0}, label=name)

    def cancel() -> None:
        scheduler.cancel(job, Deferred(N_("you pressed Cancel")))
        if on_cancel is not None:
            on_cancel()

    button = st.empty()
    button.button(_("Cancel"), key=f"cancel_{job.id}", on_click=cancel, help=_("Stops within a second."))
    status = st.empty()
    try:
        while not job.wait(JOB_POLL_SECONDS):
            if scheduler.position(job):
                status.info(job_status(job))
            else:
                status.progress(
                    job.progress(),
                    text=_("{name}: {progress}, about {left} left").format(
                        name=inert(name),  # it may quote a file or corpus name; progress text is Markdown
                        progress=number(job.progress(), ".0%"),
                        left=job_estimate.duration(job.seconds_left()),
                    ),
                )
    finally:  # a rerun (Cancel, any click, another page) or a closed tab ends the wait: the job goes too
        if not job.finished:
            scheduler.cancel(job, Deferred(N_("the page was left or rerun")))
    status.empty()
    button.empty()  # nothing left to cancel
    if job.state == jobs.State.FAILED:
        raise EmbedLabError(shown(job.error) or _("{name} failed.").format(name=name))
    return job.result if job.state == jobs.State.DONE else None
