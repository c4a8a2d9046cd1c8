"""This session's runs: the run list, the current runs every page shows, the default runs a new
session starts with, and runs opened from files."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from dashboard.cached import run_at
from dashboard.corpora import builtin_corpus, current_corpus, prepared
from dashboard.language import default_corpus
from dashboard.session import session
from dashboard.widgets import guard
from embedlab import importer, roles
from embedlab.config import DashboardSettings, ImportOptions, cache_root
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks
from embedlab.i18n import N_, Deferred, _, format_in, number
from embedlab.markup import inert
from embedlab.runs import current
from embedlab.runs.evaluate import scorer_for
from embedlab.server import jobs
from embedlab.store import Run
from embedlab.text.corpus import Corpus
from embedlab.train import training
from embedlab.train.training import default_cache_dir

MAX_RUNS = 20  # entries in a session's run list


@dataclass(frozen=True)
class RunRecord:
    """One entry of this session's run list: run directories by role, and how to name them."""

    label: str
    corpus: str
    paths: dict  # role → run directory (str)

    def key(self) -> tuple:
        return tuple(sorted(self.paths.items()))


@dataclass(frozen=True)
class Current:
    """The current runs, loaded: usually both trainers (and the L2 comparison runs if asked for);
    one run for an import."""

    record: RunRecord
    by_role: dict  # role → Run

    def runs(self) -> dict[str, Run]:
        """The runs shown side by side (trainer role → run): both trainers, or the one import."""
        return {role: run for role, run in self.by_role.items() if not roles.is_l2_comparison(role)}

    @property
    def first(self) -> Run:
        return next(iter(self.runs().values()))

    @property
    def numpy(self) -> Run | None:
        return self.by_role.get(roles.NUMPY)

    @property
    def gensim(self) -> Run | None:
        return self.by_role.get(roles.GENSIM)

    def l2_pair(self) -> tuple[Run, Run] | None:
        if roles.L2_ON in self.by_role and roles.L2_OFF in self.by_role:
            return self.by_role[roles.L2_OFF], self.by_role[roles.L2_ON]
        return None

    @property
    def epochs(self) -> int:
        return min(run.epochs for run in self.runs().values())

    @property
    def snapshot_epochs(self) -> list[int]:
        """The epoch of each snapshot row the runs share (0..epochs, unless a run kept every k-th)."""
        kept = [run.snapshot_epochs[: self.epochs + 1] for run in self.runs().values()]
        return kept[0] if all(k == kept[0] for k in kept) else list(range(self.epochs + 1))

    @property
    def imported(self) -> Run | None:
        return self.by_role.get(roles.IMPORTED)


def current_pair() -> Current | None:
    runs = session.runs
    if not runs:
        return None
    record = runs[min(session.current_run, len(runs) - 1)]
    return Current(record, {role: run_at(path) for role, path in record.paths.items()})


def runs_notice(pair: Current | None) -> None:
    """In the first screen of a page that shows runs: when they are not of the current corpus (an
    upload not trained yet), say so, naming both, with the Train page one click away."""
    if pair is None or pair.imported is not None:
        return
    parent = pair.first.config.get("parent")  # a fine-tuned run is of its first corpus too
    notice = current.runs_notice(
        current_corpus().name, pair.record.corpus, parent["corpus"]["name"] if parent else None
    )
    if notice is not None:
        with st.container(border=True, horizontal=True, vertical_alignment="center", key="runs_notice"):
            st.warning(inert(notice), icon=":material/history:")
            st.page_link("pages/train.py", label=_("Train"), icon=":material/play_arrow:")


def require_pair() -> Current:
    """The current runs, or a message and the end of the page when there are none."""
    pair = current_pair()
    if pair is None:
        st.info(_("No trained runs yet: open the Train page and press Train."))
        st.stop()
    runs_notice(pair)
    for run in pair.by_role.values():
        if run.diverged:
            message = _(
                "{trainer} diverged: its loss ended at {last:.4g}, more than twice where it started ({first:.4g}). "
                "Its pages show it as it is; lower the learning rate on the Train page to get a run that learns."
            )
            last, first = run.metrics["loss"].iloc[-1], run.metrics["loss"].iloc[0]
            st.error(format_in(message, trainer=roles.name(run.trainer), last=float(last), first=float(first)))
    return pair


def record_for(corpus_name: str, settings: DashboardSettings, paths: dict, stopped: str = "") -> RunRecord:
    """The run list's entry; ``stopped`` says which run stopped early, e.g. "NumPy stopped at epoch 5 of 20"."""
    o = settings.numpy
    extras = ""  # symbols, the same in every language
    if o.l2:
        extras += f" · λ={o.l2:g}"
    if settings.l2_compare is not None:
        extras += f" · L2 vs λ={settings.l2_compare:g}"
    if settings.gensim.sg == 0:
        extras += " · CBOW"
    if settings.gensim.hs:
        extras += " · hs"
    if stopped:
        extras += f" · {stopped}"
    # Deferred: kept in the session, shown in the language of the page that shows it
    label = Deferred(
        N_("{corpus} · d={d} · {epochs} epochs · window {window} · seed {seed} · min_count {min_count}{extras}"),
        corpus=corpus_name,
        d=o.dim,
        epochs=o.epochs,
        window=o.window,
        seed=o.seed,
        min_count=settings.min_count,
        extras=extras,
    )
    return RunRecord(label, corpus_name, dict(paths))


def remember(record: RunRecord) -> None:
    """Add a record to this session's list (or find it there) and make it current."""
    runs = session.runs
    keys = [r.key() for r in runs]
    if record.key() in keys:
        session.current_run = keys.index(record.key())
        return
    runs.append(record)
    del runs[:-MAX_RUNS]
    session.runs = runs
    session.current_run = len(runs) - 1


def choose(index: int) -> None:
    """Make the ``index``-th entry of the run list current."""
    session.current_run = index


def train_settings(
    corpus: Corpus, settings: DashboardSettings, on_epoch: Callable[[str, int, dict], None] | None = None
) -> RunRecord:
    """Train (or fetch from the disk cache) every run of ``settings`` in the page's script
    (``jobs.train_all``); ``on_epoch(role, epoch, metrics_row)`` after every snapshot."""
    data = prepared(corpus, settings.min_count)

    def hooks_for(role: str, _options) -> Hooks | None:
        return Hooks(on_epoch=lambda epoch, _snapshot, row: on_epoch(role, epoch, row)) if on_epoch else None

    paths = jobs.train_all(data, settings.runs(), scorer_for(data.vocab, data.corpus.name), hooks_for=hooks_for)
    record = record_for(corpus.name, settings, paths)
    remember(record)
    return record


@st.cache_resource
def _default_runs_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource(show_spinner=False)
def _seed_cache_from_shipped_runs() -> None:
    """Once per server process: the shipped default runs into the run cache."""
    training.seed_cache(training.SHIPPED_RUNS, default_cache_dir())


def ensure_default_runs() -> None:
    """On a session's first page: both trainers on the toy corpus with the default settings (the
    Vietnamese toy corpus for a Vietnamese visitor).

    They come from the shipped runs (data/default_runs) or the disk cache; they are trained
    only when neither holds them (e.g. after a change to the maths).
    """
    if session.runs:
        return
    _seed_cache_from_shipped_runs()
    holder = st.empty()
    corpus = default_corpus()
    with holder.status(
        _(
            "Getting the default runs on the {corpus} corpus (trained on the first visit, then read from the cache)…"
        ).format(corpus=corpus)
    ) as status:
        bar = st.progress(0.0)
        settings = DashboardSettings()
        total = sum(options.epochs + 1 for _role, options in settings.runs())
        done = []

        def on_epoch(role: str, epoch: int, row: dict) -> None:
            done.append(1)
            bar.progress(
                min(len(done) / total, 1.0),
                text=_("{trainer}: epoch {epoch}, loss {loss}").format(
                    trainer=roles.name(role), epoch=epoch, loss=number(row["loss"], ".3f")
                ),
            )

        with guard(), _default_runs_lock():  # visitors arriving together on a cold cache train them once
            train_settings(builtin_corpus(corpus), settings, on_epoch)
        status.update(state="complete")
    if session.runs:
        holder.empty()


def open_embeddings(
    files: list[tuple[str, bytes]], options: ImportOptions, progress: Callable[[float, str], None] | None = None
) -> RunRecord:
    """Open uploaded files (a run bundle, word2vec checkpoints, a .npy with its vocabulary) as a
    run of this session only (role ``imported``), and make it current.

    The run directory lives in the cache under the sha256 of the files and the options, so only a
    visitor who holds the same files can reach it, and opening them again is instant.
    Raises EmbedLabError (one line) for anything that cannot be opened; the current runs stay.
    """
    inputs = [importer.InputFile(name, data) for name, data in files]
    options = options.validate()
    target = cache_root() / "imports" / importer.content_key(inputs, options)[:32] / importer.run_name(inputs)
    if not (target / "manifest.json").is_file():
        try:
            importer.import_run(inputs, target, options, progress=progress)
        except EmbedLabError:
            if not (target / "manifest.json").is_file():  # else: another visitor opened the same files first
                raise
    run = run_at(str(target))
    source = (
        files[0][0]
        if len(files) == 1
        else Deferred(N_("{first} + {more} more"), first=files[0][0], more=len(files) - 1)
    )
    label = Deferred(
        N_("{source} (opened) · V = {V:,} · d = {d} · {epochs} epochs"),
        source=source,
        V=len(run.vocab),
        d=run.dim,
        epochs=run.epochs,
    )
    record = RunRecord(label, source, {roles.IMPORTED: str(target)})
    remember(record)
    return record


def import_notes(run: Run) -> list[str]:
    """Short notes on how an opened run differs from a trained one (for the sidebar)."""
    info = run.config.get("import") or {}
    notes = []
    if info.get("epoch0") == "copy of epoch 1":
        notes.append(_("epoch 0 repeats epoch 1 (no initial vectors given)"))
    if info.get("aligned"):
        notes.append(_("aligned to the last epoch"))
    if not run.has_loss:
        notes.append(_("no loss or output vectors"))
    return notes
