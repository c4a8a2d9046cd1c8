"""The Train page's work: the form's values made into settings, their measured estimate, the
training started as this visitor's job, and its runs collected once it ends."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dashboard import server
from dashboard.cached import run_at
from dashboard.corpora import prepared
from dashboard.runs import record_for, remember
from dashboard.session import JobContext, session
from embedlab import roles
from embedlab.cli.options import train_command
from embedlab.config import BUILTIN_CORPORA, CorpusOptions, DashboardSettings, Limits, TrainOptions
from embedlab.i18n import N_, Deferred, _, format_in, shown
from embedlab.markup import inert
from embedlab.runs import analysis
from embedlab.runs.evaluate import scorer_for
from embedlab.server import jobs
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.corpus import Corpus
from embedlab.text.prepared import Prepared, check_feasible
from embedlab.train import advice, job_estimate, sizing

LIVE_WORDS = 14  # words in the Train page's live heatmap
# fixed when the module is imported, before any visitor's language is known: both languages
MEASURING_SPINNER = "Measuring how fast this server trains these settings… · Đang đo tốc độ huấn luyện của máy chủ này…"


def settings_from_form(base: DashboardSettings, **form) -> DashboardSettings:
    """New settings from the Train form's values, checked by embedlab.config (EmbedLabError if not)."""
    shared = {key: int(form[key]) for key in ("dim", "epochs", "window", "seed")}
    numpy = base.numpy.replace(
        **shared,
        lr=float(form["lr"]),
        batch_size=int(form["batch_size"]),
        l2=float(form["l2"]),
        sample=float(form["numpy_sample"]),
    )
    hs = int(form["hs"])
    gensim = base.gensim.replace(
        **shared,
        lr=float(form["alpha"]),
        sg=int(form["sg"]),
        hs=hs,
        negative=0 if hs else int(form["negative"]),
        sample=float(form["gensim_sample"]),
    )
    l2_compare = None if form["l2_compare"] is None else float(form["l2_compare"])
    return DashboardSettings(int(form["min_count"]), numpy, gensim, l2_compare).validate()


@st.cache_data(ttl=600, max_entries=64, max_size="1MB", show_spinner=MEASURING_SPINNER)
def _run_estimate(sha256: str, min_count: int, options: TrainOptions, _prepared: Prepared, _scorer) -> dict:
    """One run's measured estimate (``job_estimate.run_estimate``), kept ten minutes per corpus and settings."""
    return job_estimate.run_estimate(_prepared, options, _scorer)


def estimates(corpus: Corpus, settings: DashboardSettings, fresh: bool = False) -> dict[str, dict]:
    """role → the measured estimate of every run of ``settings`` on ``corpus`` (seconds, see
    ``job_estimate.run_estimate``), corrected by how recent jobs on this server compared with theirs;
    ``fresh`` measures again instead of using the ten-minute cache (whose entry it replaces).
    Raises EmbedLabError for settings the corpus cannot support."""
    data = prepared(corpus, settings.min_count)
    scorer = scorer_for(data.vocab, data.corpus.name)
    correction = server.scheduler().correction()
    out = {}
    for role, options in settings.runs():
        check_feasible(data, options)
        if fresh:
            _run_estimate.clear(corpus.sha256, settings.min_count, options, data, scorer)
        measured = _run_estimate(corpus.sha256, settings.min_count, options, data, scorer)
        out[role] = {key: value * correction for key, value in measured.items()}
    return out


def work_message(corpus: Corpus, settings: DashboardSettings) -> tuple[str, bool, int]:
    """The Train page's estimate as one sentence whose parts add up to its total, whether it is slow
    enough to warn (> 2 min, or too few NumPy steps), and the NumPy trainer's SGD steps per epoch."""
    data = prepared(corpus, settings.min_count)
    work = sizing.work_estimate(data, settings.numpy)
    runs = estimates(corpus, settings)
    total = sum(run["total"] for run in runs.values())
    duration = job_estimate.duration
    epochs = {role: options.epochs for role, options in settings.runs()}
    message = format_in(
        _(
            "NumPy full softmax: {positions:,.0f} centre positions per epoch × V = {V:,} × d = {d} → ≈ {gflop:,.1f} "
            "GFLOP for {epochs} epochs. Both trainers with their metrics at every epoch take {estimate}"
        ),
        positions=work["positions"],
        V=work["V"],
        d=work["d"],
        gflop=work["gflop"],
        epochs=work["epochs"],
        estimate=job_estimate.estimate_sentence(runs, epochs, server.scheduler().correction()),
    )
    too_slow = total > 120
    limits = Limits.from_env()
    if total > limits.max_job_seconds:
        message += " " + _("That is more than the {limit} one training may take here.").format(
            limit=duration(limits.max_job_seconds)
        )
    if too_slow:
        message += " " + _("Raise min_count or lower d or the epochs for a quicker run.")
    few_steps = advice.steps_warning(work["positions"], settings.numpy, limits.max_epochs)
    if few_steps:
        message += " " + few_steps
        too_slow = True
    return message, too_slow, work["steps"]


def training_order(settings: DashboardSettings) -> list[tuple[str, TrainOptions]]:
    """The runs of ``settings`` in the order they are trained: gensim first (seconds), so that a
    training stopped during the long NumPy run still has both trainers to compare."""
    return sorted(settings.runs(), key=lambda run: run[0] != roles.GENSIM)


def _refusal(corpus: Corpus, settings: DashboardSettings) -> tuple[str | None, dict]:
    """Why the server refuses this training (None if it does not), and the runs' estimates."""
    limits = Limits.from_env()
    runs = estimates(corpus, settings)
    refused = job_estimate.refusal(sum(run["total"] for run in runs.values()), limits)
    if refused:
        # Measured again before refusing: the cached figure may have been taken while another
        # visitor's work had the cores, and a burst only ever slows a measurement down.
        runs = estimates(corpus, settings, fresh=True)
        refused = job_estimate.refusal(sum(run["total"] for run in runs.values()), limits)
    return refused, runs


def start_training(corpus: Corpus, settings: DashboardSettings) -> jobs.Job | None:
    """Queue this visitor's training (cancelling the one before, if any); None when it is refused
    by its estimate, with the refusal and the commands that run it locally shown on the page."""
    data = prepared(corpus, settings.min_count)
    refused, runs = _refusal(corpus, settings)
    if refused:
        st.error(refused)
        source = corpus.name if corpus.name in BUILTIN_CORPORA else f"path/to/{corpus.name}"
        options = CorpusOptions(source=source, min_count=settings.min_count)
        st.code("\n".join(train_command(source, options, o) for _role, o in settings.runs()), language="bash")
        return None
    scorer = scorer_for(data.vocab, data.corpus.name)
    order = training_order(settings)
    job = server.submit(
        lambda job: jobs.train_runs(job, data, order, scorer),
        {role: runs[role]["total"] for role, _ in order},
        label=record_for(corpus.name, settings, {}).label,
    )
    groups = planted_groups(data.corpus.name) or {}
    words = analysis.default_words(data.vocab, groups or None, n=LIVE_WORDS)
    group_of = {word: group for group, members in groups.items() for word in members}
    session.job = job
    session.job_context = JobContext(corpus.name, settings, (data.vocab, tuple(words), group_of or None))
    return job


def cancel_job() -> None:
    """The Cancel button's callback."""
    if session.job is not None:
        server.scheduler().cancel(session.job, Deferred(N_("you pressed Cancel")))


def collected() -> bool:
    """Has this visitor's finished job been collected (its runs made current, its outcome kept)?"""
    context = session.job_context
    return context is not None and context.outcome is not None


def collect_job() -> None:
    """Once a job has finished: its runs become this session's current runs (when both trainers
    have at least one epoch), and the page is told what happened."""
    job, context = session.job, session.job_context
    if job is None or context is None or not job.finished or collected():
        return
    paths = dict(job.result or {})
    stopped = []
    for role, path in paths.items():
        run = run_at(path)
        if run.stopped_early:
            stopped.append(
                _("{trainer} stopped at epoch {epoch} of {planned}").format(
                    trainer=roles.name(role), epoch=run.epochs, planned=run.config["planned_epochs"]
                )
            )
    kept = all(role in paths for role in roles.TRAINERS)
    ordered = {role: paths[role] for role, _ in context.settings.runs() if role in paths}
    if kept:
        remember(record_for(context.corpus_name, context.settings, ordered, "; ".join(stopped)))
    session.job_context = replace(context, outcome=outcome(job, kept, stopped))


def outcome(job: jobs.Job, kept: bool, stopped: list[str]) -> tuple[str, str]:
    """(kind, message) for the Train page: "success", "warning" or "error"."""
    took = job_estimate.duration(job.running_seconds())
    if job.state == jobs.State.FAILED:  # an error or a label may quote the visitor's file name: as text
        return "error", inert(shown(job.error)) if job.error else _("training failed.")
    if job.state == jobs.State.DONE:
        message = _("Trained (or found in the cache) in {took}: {label}. Every page now shows these runs.")
        return "success", message.format(took=took, label=inert(shown(job.label)))
    why = shown(job.stop_reason) or _("it was cancelled")
    if kept and stopped:
        message = _("Training stopped after {took} because {why}: {stopped}, kept as a shorter run.")
        return "warning", message.format(took=took, why=why, stopped="; ".join(stopped))
    if kept:
        message = _("Training stopped because {why}, after every run had finished; every page shows them.")
        return "warning", message.format(why=why)
    return "warning", _(
        "Training stopped because {why} before both trainers had an epoch; nothing new to show."
    ).format(why=why)
