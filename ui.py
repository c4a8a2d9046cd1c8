"""The Streamlit side of the dashboard: session state, cached loaders, the sidebar.

The only module besides the pages that imports Streamlit. Pages call these helpers and the
chart builders in ``embedlab.charts``; every number comes from an ``embedlab`` function and
every default from ``embedlab.config``.

Isolation and memory on a shared server (every visitor is served by one process):
- what belongs to a visitor lives in ``st.session_state`` only: the uploaded corpora and their
  prepared form, the current corpus, the training settings, this session's runs and its job;
- the large part of it (uploads, their prepared form and statistics) sits in containers of
  :func:`visitors` that ``st.session_state`` points at: a timer empties them once the session
  has been disconnected for ``VISITOR_GRACE`` seconds and gives the memory back to the OS
  (Streamlit itself keeps a closed session's state for two minutes and drops it lazily);
- caches shared across sessions hold only what every visitor may see (the built-in corpora)
  or what is keyed by content the visitor already holds (a run by its directory, whose name
  hashes the corpus sha256 and every setting; an opened run by the sha256 of the files opened),
  and are bounded in bytes. No cache holds "the
  last upload" or "all runs";
- training runs as a job (``embedlab.jobs``, ``embedlab.scheduler``) in a background thread, at most
  ``Limits.max_trainings`` at once on the server; Cancel, a closed tab or a new Train press
  stop it within a second.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from embedlab import agreement as agreement_analysis
from embedlab import (
    alignment,
    analogies,
    analysis,
    charts,
    embedding_map,
    importer,
    job_estimate,
    jobs,
    lecture,
    lecture_experiments,
    memory,
    metrics,
    neighbours,
    sizing,
    training,
)
from embedlab import finetune as finetune_analysis
from embedlab.builtin_corpora import planted_groups, shifted_words
from embedlab.cli.options import train_command
from embedlab.config import (
    BUILTIN_CORPORA,
    CorpusOptions,
    DashboardSettings,
    ImportOptions,
    Limits,
    MapOptions,
    TrainOptions,
    cache_root,
)
from embedlab.corpus import (
    Corpus,
    corpus_from_bytes,
    corpus_stats,
    frequency_table,
    load_corpus,
)
from embedlab.errors import EmbedLabError
from embedlab.evaluate import scorer_for
from embedlab.finetune import finetune
from embedlab.hooks import Hooks
from embedlab.prepared import Prepared, check_feasible, prepare
from embedlab.scheduler import Scheduler
from embedlab.sitemap import PAGES
from embedlab.store import Run, load_run
from embedlab.training import default_cache_dir, maths_fingerprint, train_cached

ROOT = Path(__file__).resolve().parent


# Charts are drawn from their Vega-Lite dicts without Altair's JSON-schema validation: validating is
# ~0.07 s a chart, most of a page's run (every chart is validated in tests/test_charts.py). The
# theme "none" is what st.altair_chart uses (Streamlit sizes charts, not Altair's 300 px default);
# no row cap, the map draws the whole vocabulary. Both are process-wide, set once here.
alt.theme.enable("none")
alt.data_transformers.disable_max_rows()


def chart(figure: alt.TopLevelMixin | dict, **kwargs) -> None:
    """Draw an Altair chart, or its Vega-Lite spec (built once and cached), with st.altair_chart's
    layout arguments and without re-validating the spec."""
    st.vega_lite_chart(figure if isinstance(figure, dict) else figure.to_dict(validate=False), **kwargs)


memory.map_large_blocks()  # one server process for every visitor: large arrays go back to the OS when freed
MAX_UPLOADS = 3  # uploaded corpora a session keeps (memory on a shared server)
MAX_RUNS = 20  # entries in a session's run list
TRAINER_ROLES = ("numpy", "gensim")  # the runs shown side by side
# seconds a disconnected session keeps its uploads (a network blip); EMBEDLAB_VISITOR_GRACE changes it (tests)
VISITOR_GRACE = float(os.environ.get("EMBEDLAB_VISITOR_GRACE") or 60)
JANITOR_SECONDS = 5.0  # how often gone visitors are looked for
JOB_POLL_SECONDS = 1.0  # how often the Train page redraws a job's progress
FOLLOW_YIELD_SECONDS = 0.1  # how long a click waits for the Train page's job panel to let go
TIME_LIMIT_SLACK = 1.5  # a job is stopped after running this × Limits.max_job_seconds
BIG_CONTAINERS = ("uploads", "prepared_uploads", "overviews")  # per-visitor data emptied when the visitor goes
CACHE_BYTES = "64MB"  # the byte bound of each st.cache_data function (server.maxCacheDataSize bounds them all)

ROLE_NAMES = {
    "numpy": "NumPy softmax",
    "gensim": "gensim Word2Vec",
    "numpy_l2_off": "NumPy softmax, λ = 0 (constant lr)",
    "numpy_l2": "NumPy softmax, with L2 (constant lr)",
    "imported": "imported",
}
IMPORTED = "imported"  # the role of a run opened from files (Corpus page, "Open embeddings")
# One colour per trainer on every page (Tableau 10: blue, orange), so a legend means the same everywhere.
TRAINER_COLOURS = charts.TRAINER_COLOURS


# ---------------------------------------------------------------- settings and runs


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
        return {role: run for role, run in self.by_role.items() if not role.startswith("numpy_l2")}

    @property
    def first(self) -> Run:
        return next(iter(self.runs().values()))

    @property
    def numpy(self) -> Run | None:
        return self.by_role.get("numpy")

    @property
    def gensim(self) -> Run | None:
        return self.by_role.get("gensim")

    def l2_pair(self) -> tuple[Run, Run] | None:
        if "numpy_l2" in self.by_role and "numpy_l2_off" in self.by_role:
            return self.by_role["numpy_l2_off"], self.by_role["numpy_l2"]
        return None

    @property
    def epochs(self) -> int:
        return min(run.epochs for run in self.runs().values())

    @property
    def imported(self) -> Run | None:
        return self.by_role.get(IMPORTED)


def init_session() -> None:
    """Give a new session its defaults (the toy corpus, the dashboard's training settings), bind
    its large data to its containers in :func:`visitors`, and collect a job that has finished."""
    state = st.session_state
    visitor = visitor_id()
    for name in BIG_CONTAINERS:  # uploads: sha256 → Corpus; prepared_uploads: (sha256, min_count) → Prepared
        container = visitors().container(visitor, name)
        if state.get(name) is not container:
            state[name] = container
    state.setdefault("corpus_source", "toy")  # a built-in name, or the sha256 of an upload
    if state.corpus_source not in BUILTIN_CORPORA and state.corpus_source not in state.uploads:
        state.corpus_source = "toy"  # the upload was released while the visitor was away
        state["upload_released"] = True
    state.setdefault("settings", DashboardSettings())
    state.setdefault("runs", [])  # RunRecord, this session only
    state.setdefault("current_run", 0)
    state.setdefault("chosen_words", {})  # run id → word list picked on the pages
    collect_job()


def open_page(page_file: str) -> None:
    """First line of every page (``ui.open_page(__file__)``): run the page inside app.py's frame.

    A server's very first request for a page URL (e.g. a bookmarked /heatmaps) is answered by
    Streamlit's legacy ``pages/`` mode, which runs the page file alone, before app.py has
    called ``st.navigation``; such a visitor goes through app.py, which then opens this page.
    """
    if not st.session_state.get("framed"):
        st.session_state["wanted_page"] = Path(page_file).resolve().relative_to(ROOT).as_posix()
        st.switch_page("app.py")


def wanted_page() -> str | None:
    """The page a visitor asked for before app.py first ran (see :func:`open_page`), once."""
    return st.session_state.pop("wanted_page", None)


@contextmanager
def guard() -> Iterator[None]:
    """Show an EmbedLabError as ``st.error`` and carry on with the rest of the page."""
    try:
        yield
    except EmbedLabError as error:
        st.error(str(error).splitlines()[0])


# ---------------------------------------------------------------- corpora


@st.cache_resource(max_entries=len(BUILTIN_CORPORA), show_spinner="Reading the corpus…")
def builtin_corpus(name: str) -> Corpus:
    """A built-in corpus (the same for every visitor, so it may be shared)."""
    return load_corpus(name)


def current_corpus() -> Corpus:
    source = st.session_state.corpus_source
    uploads = st.session_state.uploads
    return uploads[source] if source in uploads else builtin_corpus(source)


def corpus_label(source: str) -> str:
    uploads = st.session_state.uploads
    return f"{uploads[source].name} (uploaded)" if source in uploads else source


def add_upload(data: bytes, filename: str) -> Corpus:
    """Read an uploaded file into this session and make it the current corpus.

    Raises EmbedLabError for a file that cannot be a corpus; the current corpus is unchanged then.
    """
    corpus = corpus_from_bytes(data, filename)
    uploads = st.session_state.uploads
    uploads.pop(corpus.sha256, None)
    uploads[corpus.sha256] = corpus
    while len(uploads) > MAX_UPLOADS:
        dropped = uploads.pop(next(iter(uploads)))
        for store in (st.session_state.prepared_uploads, st.session_state.overviews):
            for key in [k for k in store if k[0] == dropped.sha256]:
                del store[key]
    st.session_state.corpus_source = corpus.sha256
    return corpus


@st.cache_resource(max_entries=8, show_spinner="Building the vocabulary…")
def _builtin_prepared(name: str, sha256: str, min_count: int) -> Prepared:
    return prepare(builtin_corpus(name), CorpusOptions(source=name, min_count=min_count))


def prepared(corpus: Corpus, min_count: int) -> Prepared:
    """The split and vocabulary of a corpus: shared for a built-in, this session's for an upload."""
    if corpus.name in BUILTIN_CORPORA and st.session_state.corpus_source in BUILTIN_CORPORA:
        return _builtin_prepared(corpus.name, corpus.sha256, min_count)
    store = st.session_state.prepared_uploads
    key = (corpus.sha256, min_count)
    if key not in store:
        with st.spinner("Building the vocabulary…"):
            store[key] = prepare(corpus, CorpusOptions(source=corpus.name, min_count=min_count))
    return store[key]


@st.cache_data(max_entries=2 * len(BUILTIN_CORPORA), max_size=CACHE_BYTES, show_spinner=False)
def _builtin_overview(name: str, sha256: str, min_count: int) -> tuple[dict, pd.DataFrame]:
    corpus = builtin_corpus(name)
    return corpus_stats(corpus, min_count), frequency_table(corpus)


def corpus_overview(corpus: Corpus, min_count: int) -> tuple[dict, pd.DataFrame]:
    """(statistics, frequency table) of a corpus: shared for a built-in, this session's for an
    upload (its word list is the visitor's, never kept in a cache other sessions share)."""
    if corpus.name in BUILTIN_CORPORA and st.session_state.corpus_source in BUILTIN_CORPORA:
        return _builtin_overview(corpus.name, corpus.sha256, min_count)
    store = st.session_state.overviews
    key = (corpus.sha256, min_count)
    if key not in store:
        store[key] = (corpus_stats(corpus, min_count), frequency_table(corpus))
    return store[key]


def fit_batch_to_corpus(corpus: Corpus) -> None:
    """Once per corpus: lower the NumPy batch size so a small corpus still gets ≥ 50 steps an epoch."""
    state = st.session_state
    if state.get("batch_fitted_for") == corpus.sha256:
        return
    state.batch_fitted_for = corpus.sha256
    settings = state.settings
    positions = sizing.positions_per_epoch(prepared(corpus, settings.min_count), settings.numpy)
    batch = min(DashboardSettings().numpy.batch_size, sizing.suggested_batch_size(positions))
    state.settings = replace(settings, numpy=settings.numpy.replace(batch_size=batch))


@st.cache_data(
    ttl=600, max_entries=64, max_size="1MB", show_spinner="Measuring how fast this server trains these settings…"
)
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
    correction = scheduler().correction()
    out = {}
    for role, options in settings.runs():
        check_feasible(data, options)
        if fresh:
            _run_estimate.clear(corpus.sha256, settings.min_count, options, data, scorer)
        measured = _run_estimate(corpus.sha256, settings.min_count, options, data, scorer)
        out[role] = {key: value * correction for key, value in measured.items()}
    return out


def work_message(corpus: Corpus, settings: DashboardSettings) -> tuple[str, bool, int]:
    """The Train page's estimate as one sentence, whether it is slow enough to warn (> 2 min), and
    the NumPy trainer's SGD steps per epoch."""
    data = prepared(corpus, settings.min_count)
    work = sizing.work_estimate(data, settings.numpy)
    runs = estimates(corpus, settings)
    total = sum(run["total"] for run in runs.values())
    message = (
        f"NumPy full softmax: {work['positions']:,.0f} centre positions per epoch × V = {work['V']:,} × "
        f"d = {work['d']} → ≈ {work['gflop']:,.1f} GFLOP for {work['epochs']} epochs. Both trainers with their "
        f"metrics at every epoch take about {job_estimate.duration(total)} at this server's measured speed (NumPy "
        f"{job_estimate.duration(runs['numpy']['epoch'])} an epoch, gensim {job_estimate.duration(runs['gensim']['epoch'])}, "
        f"metrics and scores {job_estimate.duration(runs['numpy']['snapshot'])} a snapshot)."
    )
    too_slow = total > 120
    limits = Limits.from_env()
    if total > limits.max_job_seconds:
        message += f" That is more than the {job_estimate.duration(limits.max_job_seconds)} one training may take here."
    if too_slow:
        message += " Raise min_count or lower d or the epochs for a quicker run."
    if work["steps"] < 20:
        batch = sizing.suggested_batch_size(work["positions"])
        message += (
            f" Only {work['steps']} SGD step(s) per epoch at batch size {settings.numpy.batch_size}: "
            f"the NumPy vectors will barely move; try batch size {batch}."
        )
        too_slow = True
    return message, too_slow, work["steps"]


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


# ---------------------------------------------------------------- training


def record_for(corpus_name: str, settings: DashboardSettings, paths: dict, stopped: str = "") -> RunRecord:
    """The run list's entry; ``stopped`` says which run stopped early, e.g. "NumPy stopped at epoch 5 of 20"."""
    o = settings.numpy
    label = f"{corpus_name} · d={o.dim} · {o.epochs} epochs · window {o.window} · seed {o.seed} · min_count {settings.min_count}"
    if o.l2:
        label += f" · λ={o.l2:g}"
    if settings.l2_compare is not None:
        label += f" · L2 vs λ={settings.l2_compare:g}"
    if settings.gensim.sg == 0:
        label += " · CBOW"
    if settings.gensim.hs:
        label += " · hs"
    if stopped:
        label += f" · {stopped}"
    return RunRecord(label, corpus_name, dict(paths))


def remember(record: RunRecord) -> None:
    """Add a record to this session's list (or find it there) and make it current."""
    runs = st.session_state.runs
    keys = [r.key() for r in runs]
    if record.key() in keys:
        st.session_state.current_run = keys.index(record.key())
        return
    runs.append(record)
    del runs[:-MAX_RUNS]
    st.session_state.current_run = len(runs) - 1


def train_settings(
    corpus: Corpus,
    settings: DashboardSettings,
    on_epoch: Callable[[str, int, dict], None] | None = None,
    on_progress: Callable[[str, int, float], None] | None = None,
) -> RunRecord:
    """Train (or fetch from the disk cache) every run of ``settings`` on one vocabulary and seed.

    ``on_epoch(role, epoch, metrics_row)`` after every snapshot of a run being trained;
    ``on_progress(role, epoch, fraction)`` during its epochs.
    """
    data = prepared(corpus, settings.min_count)
    scorer = scorer_for(data.vocab, data.corpus.name)
    paths = {}
    for role, options in settings.runs():
        hooks = Hooks(
            on_epoch=(lambda epoch, _snapshot, row, role=role: on_epoch(role, epoch, row)) if on_epoch else None,
            on_progress=(lambda epoch, fraction, role=role: on_progress(role, epoch, fraction))
            if on_progress
            else None,
        )
        paths[role] = str(train_cached(data, options, hooks=hooks, scorer=scorer).path)
    record = record_for(corpus.name, settings, paths)
    remember(record)
    return record


# ---------------------------------------------------------------- opening embeddings trained elsewhere


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
    source = files[0][0] if len(files) == 1 else f"{files[0][0]} + {len(files) - 1} more"
    label = f"{source} (opened) · V = {len(run.vocab):,} · d = {run.dim} · {run.epochs} epochs"
    record = RunRecord(label, source, {IMPORTED: str(target)})
    remember(record)
    return record


def import_notes(run: Run) -> list[str]:
    """Short notes on how an opened run differs from a trained one (for the sidebar)."""
    info = run.config.get("import") or {}
    notes = []
    if info.get("epoch0") == "copy of epoch 1":
        notes.append("epoch 0 repeats epoch 1 (no initial vectors given)")
    if info.get("aligned"):
        notes.append("aligned to the last epoch")
    if not run.has_loss:
        notes.append("no loss or output vectors")
    return notes


@st.cache_resource
def _default_runs_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource(show_spinner=False)
def _seed_cache_from_shipped_runs() -> None:
    """Once per server process: the shipped default runs into the run cache."""
    training.seed_cache(training.SHIPPED_RUNS, default_cache_dir())


def ensure_default_runs() -> None:
    """On a session's first page: both trainers on the toy corpus with the default settings.

    They come from the shipped runs (data/default_runs) or the disk cache; they are trained
    only when neither holds them (e.g. after a change to the maths).
    """
    if st.session_state.runs:
        return
    _seed_cache_from_shipped_runs()
    holder = st.empty()
    with holder.status(
        "Getting the default runs on the toy corpus (trained on the first visit, then read from the cache)…"
    ) as status:
        bar = st.progress(0.0)
        settings = DashboardSettings()
        total = sum(options.epochs + 1 for _, options in settings.runs())
        done = []

        def on_epoch(role: str, epoch: int, row: dict) -> None:
            done.append(1)
            bar.progress(min(len(done) / total, 1.0), text=f"{ROLE_NAMES[role]}: epoch {epoch}, loss {row['loss']:.3f}")

        with guard(), _default_runs_lock():  # visitors arriving together on a cold cache train them once
            train_settings(builtin_corpus("toy"), settings, on_epoch)
        status.update(state="complete")
    if st.session_state.runs:
        holder.empty()


# ---------------------------------------------------------------- training jobs and per-visitor memory


def visitor_id() -> str:
    """This session's own id (Streamlit's session id is the same for every AppTest session)."""
    state = st.session_state
    if "visitor_id" not in state:
        state["visitor_id"] = uuid.uuid4().hex
    ctx = get_script_run_ctx()
    if ctx is not None:
        _sessions()[state["visitor_id"]] = ctx.session_id
    return state["visitor_id"]


@st.cache_resource
def _sessions() -> dict[str, str]:
    """visitor id → Streamlit session id, to ask the runtime whether the visitor is still connected."""
    return {}


def connected(visitor: str) -> bool:
    """Is the visitor's browser tab still connected? (Outside a server, e.g. in AppTest: yes.)"""
    session = _sessions().get(visitor)
    if session is None or not Runtime.exists():
        return True
    return bool(Runtime.instance().is_active_session(session))


def _forget_session(visitor: str) -> None:
    """A visitor gone for good: Streamlit's copy of their uploaded files goes too (it keeps them
    until the session is shut down, which its two-minute storage never does)."""
    session = _sessions().pop(visitor, None)
    if session is not None and Runtime.exists():
        try:
            Runtime.instance().uploaded_file_mgr.remove_session_files(session)
        except Exception:  # an internal API changed: the data above is released anyway
            pass
    scheduler().forget(visitor)


@st.cache_resource
def visitors() -> memory.PerVisitor:
    """The server's per-visitor containers, with a timer that empties those of gone visitors
    and gives the memory back."""
    store = memory.PerVisitor(grace=VISITOR_GRACE)

    def janitor() -> None:
        while True:
            time.sleep(JANITOR_SECONDS)
            gone = store.sweep(connected)
            for visitor in gone:
                _forget_session(visitor)
            if gone:
                memory.release()

    threading.Thread(target=janitor, name="embedlab-janitor", daemon=True).start()
    return store


@st.cache_resource
def scheduler() -> Scheduler:
    """The server's one job scheduler: at most Limits.max_trainings trainings at once."""
    return Scheduler(Limits.from_env().max_trainings, on_finish=lambda job: memory.release())


def training_order(settings: DashboardSettings) -> list[tuple[str, TrainOptions]]:
    """The runs of ``settings`` in the order they are trained: gensim first (seconds), so that a
    training stopped during the long NumPy run still has both trainers to compare."""
    runs = settings.runs()
    return sorted(runs, key=lambda run: run[0] != "gensim")


def start_training(corpus: Corpus, settings: DashboardSettings) -> jobs.Job | None:
    """Queue this visitor's training (cancelling the one before, if any); None when it is refused
    by its estimate, with the refusal and the commands that run it locally shown on the page."""
    data = prepared(corpus, settings.min_count)
    runs = estimates(corpus, settings)
    limits = Limits.from_env()
    refused = job_estimate.refusal(sum(run["total"] for run in runs.values()), limits)
    if refused:
        # Measured again before refusing: the cached figure may have been taken while another
        # visitor's upload or training had the cores (seen: 15.7 min beside another's 3.7 min for
        # the same work, measured a minute apart). A burst only ever slows a measurement down.
        runs = estimates(corpus, settings, fresh=True)
        refused = job_estimate.refusal(sum(run["total"] for run in runs.values()), limits)
    if refused:
        st.error(refused)
        source = corpus.name if corpus.name in BUILTIN_CORPORA else f"path/to/{corpus.name}"
        options = CorpusOptions(source=source, min_count=settings.min_count)
        st.code("\n".join(train_command(source, options, o) for _, o in settings.runs()), language="bash")
        return None
    scorer = scorer_for(data.vocab, data.corpus.name)
    order = training_order(settings)
    visitor = visitor_id()
    job = scheduler().submit(
        visitor,
        lambda job: jobs.train_runs(job, data, order, scorer),
        {role: runs[role]["total"] for role, _ in order},
        label=record_for(corpus.name, settings, {}).label,
        alive=lambda: connected(visitor),
        time_limit=limits.max_job_seconds * TIME_LIMIT_SLACK,
    )
    st.session_state["job"] = job
    st.session_state["job_for"] = (corpus.sha256, corpus.name, settings)
    groups = planted_groups(data.corpus.name) or {}
    words = analysis.default_words(data.vocab, groups or None, n=LIVE_WORDS)
    group_of = {word: group for group, members in groups.items() for word in members}
    st.session_state["job_view"] = (data.vocab, tuple(words), group_of or None)
    st.session_state["job_collected"] = False
    return job


def cancel_job() -> None:
    """The Cancel button's callback."""
    job = st.session_state.get("job")
    if job is not None:
        scheduler().cancel(job, "you pressed Cancel")


def collect_job() -> None:
    """Once a job has finished: its runs become this session's current runs (when both trainers
    have at least one epoch), and the page is told what happened."""
    state = st.session_state
    job = state.get("job")
    if job is None or not job.finished or state.get("job_collected"):
        return
    state["job_collected"] = True
    _, name, settings = state["job_for"]
    paths = dict(job.result or {})
    stopped = []
    for role, path in paths.items():
        run = run_at(path)
        if run.stopped_early:
            stopped.append(f"{ROLE_NAMES[role]} stopped at epoch {run.epochs} of {run.config['planned_epochs']}")
    kept = all(role in paths for role in TRAINER_ROLES)
    ordered = {role: paths[role] for role, _ in settings.runs() if role in paths}
    if kept:
        remember(record_for(name, settings, ordered, "; ".join(stopped)))
    state["job_outcome"] = outcome(job, kept, stopped)


def outcome(job: jobs.Job, kept: bool, stopped: list[str]) -> tuple[str, str]:
    """(kind, message) for the Train page: "success", "warning" or "error"."""
    took = job_estimate.duration(job.running_seconds())
    if job.state == jobs.State.FAILED:
        return "error", job.error or "training failed."
    if job.state == jobs.State.DONE:
        return "success", f"Trained (or found in the cache) in {took}: {job.label}. Every page now shows these runs."
    why = job.stop_reason or "it was cancelled"
    if kept and stopped:
        return "warning", f"Training stopped after {took} because {why}: {'; '.join(stopped)}, kept as a shorter run."
    if kept:
        return "warning", f"Training stopped because {why}, after every run had finished; every page shows them."
    return "warning", f"Training stopped because {why} before both trainers had an epoch; nothing new to show."


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def job_status(job: jobs.Job) -> str:
    """One line on a job that has not finished: its place in the queue, or how far it is."""
    position = scheduler().position(job)
    if position:
        running = len(scheduler().running())
        return (
            f"Waiting for a free training slot: you are {_ordinal(position)} in line "
            f"({running} training{'s' if running != 1 else ''} running, at most {scheduler().slots} at once on this "
            f"server); about {job_estimate.duration(scheduler().wait_seconds(job))} until yours starts."
        )
    current = job.current()
    where = "setting up"
    if current is not None and current[2]:
        part, epoch, epochs = current
        where = f"{ROLE_NAMES.get(part, part)}, epoch {epoch} of {epochs}"
    elif current is not None:
        where = f"{ROLE_NAMES.get(current[0], current[0])}: counting pairs and measuring epoch 0"
    return f"{job.progress():.0%} · {where} · about {job_estimate.duration(job.seconds_left())} left"


@st.cache_data(max_entries=32, max_size="4MB", show_spinner=False)
def _loss_spec(job_id: str, role: str, epochs: int, _rows: list[dict]) -> dict:
    """A job's live loss and ‖∇J‖ curves as a Vega-Lite spec, built once per finished epoch
    (Altair's validation costs ~0.1 s a chart: the page redraws every second while the job runs)."""
    return charts.live_curves(pd.DataFrame(_rows), title=ROLE_NAMES[role], width=170, height=120).to_dict()


LIVE_WORDS = 14  # words in the Train page's live heatmap


@st.cache_data(max_entries=8, max_size=CACHE_BYTES, show_spinner=False)
def _space_spec(job_id: str, role: str, epoch: int, _vectors: np.ndarray, _view: tuple) -> dict:
    """The live view of the space: the cosines of a few words (planted groups first) at the
    job's last snapshot, as a small heatmap spec, built once per finished epoch."""
    vocab, words, groups = _view
    frame = analysis.similarity_frame(_vectors, words, vocab)
    floor = min(LIVE_FLOOR, float(frame["cosine"].min()))
    title = f"{ROLE_NAMES[role]}: cosines after epoch {epoch}"
    return charts.heatmap(frame, title=title, cell=12, domain=(floor, 1.0), groups=groups).to_dict()


LIVE_FLOOR = -0.25  # the live heatmap's colour scale runs from here (or lower) to 1 at every epoch


def _live_view(job: jobs.Job) -> None:
    """Per trainer, side by side: the live curves and the small heatmap of the last snapshot."""
    view = st.session_state.get("job_view")
    parts = [role for role in TRAINER_ROLES if role in job.parts and job.rows(role)]  # NumPy left
    if not parts:
        return
    for column, role in zip(st.columns(len(parts)), parts, strict=True):
        rows = job.rows(role)
        column.vega_lite_chart(_loss_spec(job.id, role, len(rows), rows))
        snapshot = job.latest(role)
        if view is not None and snapshot is not None:
            column.vega_lite_chart(_space_spec(job.id, role, snapshot.epoch, snapshot.input_vectors, view))


def _next_pages() -> None:
    """Where to look once the runs are trained."""
    st.markdown("**Look at the new runs:**")
    for column, (path, title, icon) in zip(st.columns(len(NEXT_PAGES)), NEXT_PAGES, strict=True):
        column.page_link(path, label=title, icon=icon)


NEXT_PAGES = tuple(page for page in PAGES if page[1] in ("Lecture", "Heatmaps", "Map", "Dynamics", "Neighbours"))


class TrainingPanel:
    """The Train page's view of this visitor's job: its queue place or progress, Cancel and the
    live loss curves and space while it runs, then what happened and where to look.

    Drawn where the page calls it; :meth:`follow`, the page's last call, keeps it current. (It was
    an ``st.fragment(run_every=1 s)``: under load a fragment rerun racing a full rerun made
    Streamlit's frontend throw "Cannot set a node at a delta path" and blank the tab, issue 18.
    A plain script that waits sends its deltas in order.)
    """

    def __init__(self, job: jobs.Job) -> None:
        self.job = job
        self.status = st.empty()
        if not job.finished:
            help_text = "Stops within a second; finished epochs are kept."
            st.button("Cancel", on_click=cancel_job, key=f"cancel_{job.id}", help=help_text)
        self.live = st.empty()
        self.live_shown: tuple | None = None  # the epochs the live view was drawn at
        self.draw()

    def draw(self) -> None:
        job = self.job
        if job.finished and st.session_state.get("job_collected"):
            kind, message = st.session_state.get("job_outcome", ("info", ""))
            with self.status.container():
                getattr(st, kind)(message)
                if job.state == jobs.State.DONE:
                    _next_pages()
        elif scheduler().position(job):
            self.status.info(job_status(job))
        else:
            self.status.progress(min(job.progress(), 1.0), text=job_status(job))
        shown = tuple(len(job.rows(role)) for role in TRAINER_ROLES)
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

        ``st.session_state["job_follow"] = False`` draws the panel once and returns, which is how
        an AppTest sees the page while its job runs (AppTest waits for a script to end)."""
        job = self.job
        if not st.session_state.get("job_follow", True):
            return
        next_draw = time.monotonic() + JOB_POLL_SECONDS
        try:
            while not job.wait(FOLLOW_YIELD_SECONDS):
                # Reading session state is where Streamlit ends a waiting script for a rerun or a
                # stop (SafeSessionState's yield callback), without sending the browser anything.
                st.session_state.get("job")
                if time.monotonic() >= next_draw:
                    self.draw()
                    next_draw = time.monotonic() + JOB_POLL_SECONDS
        except StopException:  # the toolbar's Stop while the page follows a job means the job too
            scheduler().cancel(job, "you pressed Stop")
            raise
        if not st.session_state.get("job_collected"):
            st.rerun()  # training_panel() collects the job


def training_panel() -> TrainingPanel | None:
    """Draw the Train page's job panel here (None when this visitor has no job); the page ends
    with ``panel.follow()``."""
    job = st.session_state.get("job")
    if job is None:
        return None
    if job.finished and not st.session_state.get("job_collected"):  # it ended after app.py collected jobs
        collect_job()
        st.rerun()  # the sidebar, drawn before the page, names the new runs
    return TrainingPanel(job)


def run_as_job(name: str, compute: Callable[[Hooks], object], on_cancel: Callable[[], None] | None = None):
    """Run ``compute(hooks)`` as this visitor's job — in one of the server's training slots (in
    the queue until one is free) and stopped within a second by Cancel, a closed tab or leaving
    the page — showing its queue place or progress until it ends. ``compute`` reports
    ``hooks.on_progress(count, overall_fraction)`` and must not call Streamlit.

    Returns its result, or None when it was stopped; a failure raises its EmbedLabError. Used by
    the pages whose work is training but not the Train page's runs (the bias–variance sweep,
    the stability runs, fine-tuning); the script waits here, so nothing else of the page runs.
    """
    visitor = visitor_id()
    limits = Limits.from_env()
    job = scheduler().submit(
        visitor,
        lambda job: compute(job.fraction_hooks(name)),
        {name: 1.0},
        label=name,
        alive=lambda: connected(visitor),
        time_limit=limits.max_job_seconds * TIME_LIMIT_SLACK,
    )

    def cancel() -> None:
        scheduler().cancel(job, "you pressed Cancel")
        if on_cancel is not None:
            on_cancel()

    button = st.empty()
    button.button("Cancel", key=f"cancel_{job.id}", on_click=cancel, help="Stops within a second.")
    status = st.empty()
    try:
        while not job.wait(JOB_POLL_SECONDS):
            if scheduler().position(job):
                status.info(job_status(job))
            else:
                status.progress(
                    job.progress(),
                    text=f"{name}: {job.progress():.0%}, about {job_estimate.duration(job.seconds_left())} left",
                )
    finally:  # a rerun (Cancel, any click, another page) or a closed tab ends the wait: the job goes too
        if not job.finished:
            scheduler().cancel(job, "the page was left or rerun")
    status.empty()
    button.empty()  # nothing left to cancel
    if job.state == jobs.State.FAILED:
        raise EmbedLabError(job.error or f"{name} failed.")
    return job.result if job.state == jobs.State.DONE else None


def finetune_current(corpus: Corpus, epochs: int, lr_factor: float) -> RunRecord | None:
    """Fine-tune every trainer run of the current runs on ``corpus`` (cached on disk like any
    run: by the parent run, the corpus sha256 and the settings) as this visitor's job, and make
    the longer runs current; None when it was stopped."""
    pair = require_pair()
    parents = pair.runs()
    first_corpus = {role: corpus_by_sha(parent.config["corpus"]["sha256"]) for role, parent in parents.items()}
    focus = shifted_words() if corpus.name == "toy-shift" else None

    def compute(hooks: Hooks) -> dict[str, str]:
        paths = {}
        for i, (role, parent) in enumerate(parents.items()):
            lr = lr_factor * parent.config["train_options"]["lr"]
            key = hashlib.sha256(
                f"{parent.run_id}|{corpus.sha256}|{epochs}|{lr!r}|{maths_fingerprint()}".encode()
            ).hexdigest()
            target = default_cache_dir() / f"{parent.run_id}-ft-{key[:16]}"
            if not target.exists():
                scratch = target.with_name(target.name + ".partial")
                shutil.rmtree(scratch, ignore_errors=True)
                first = parent.epochs

                def progress(epoch: int, fraction: float, i=i, first=first) -> None:
                    hooks.progress(i, (i + (epoch - first - 1 + fraction) / epochs) / len(parents))

                finetune(
                    parent,
                    corpus,
                    scratch,
                    epochs=epochs,
                    lr=lr,
                    corpus_a=first_corpus[role],
                    focus_words=focus,
                    hooks=Hooks(should_stop=hooks.should_stop, on_progress=progress),
                    scorer_for=scorer_for,
                )
                try:
                    os.rename(scratch, target)
                except OSError:  # another visitor finished the same fine-tuning first
                    shutil.rmtree(scratch, ignore_errors=True)
            paths[role] = str(target)
        return paths

    paths = run_as_job(f"fine-tuning on {corpus.name}", compute)
    if paths is None:
        return None
    label = f"{pair.record.label} → fine-tuned on {corpus.name} for {epochs} epochs (lr × {lr_factor:g})"
    record = RunRecord(label, corpus.name, paths)
    remember(record)
    return record


def corpus_by_sha(sha256: str) -> Corpus | None:
    """A corpus this visitor can read, by its sha256: a built-in or one of this session's uploads."""
    uploads = st.session_state.uploads
    if sha256 in uploads:
        return uploads[sha256]
    for name in BUILTIN_CORPORA:
        if name == "wiki":
            continue  # never parsed just to look: it is the slow one, and its runs are checked by sha256 below
        corpus = builtin_corpus(name)
        if corpus.sha256 == sha256:
            return corpus
    return None


# ---------------------------------------------------------------- the current runs


@st.cache_resource(max_entries=16, scope="session", show_spinner=False)
def run_at(path: str) -> Run:
    """A run directory, opened once per session (memory-mapped) and shared by its pages; the
    maps and the vocabulary go when the session disconnects."""
    return load_run(path)


def current_pair() -> Current | None:
    runs = st.session_state.runs
    if not runs:
        return None
    record = runs[min(st.session_state.current_run, len(runs) - 1)]
    return Current(record, {role: run_at(path) for role, path in record.paths.items()})


def require_pair() -> Current:
    """The current runs, or a message and the end of the page when there are none."""
    pair = current_pair()
    if pair is None:
        st.info("No trained runs yet: open the Train page and press Train.")
        st.stop()
    for run in pair.by_role.values():
        if run.diverged:
            st.error(
                f"{ROLE_NAMES.get(run.trainer, run.trainer)} diverged: its loss ended at "
                f"{run.metrics['loss'].iloc[-1]:.4g}, more than twice where it started "
                f"({run.metrics['loss'].iloc[0]:.4g}). Its pages show it as it is; lower the learning rate on the "
                "Train page to get a run that learns."
            )
    return pair


def groups_for(run: Run) -> dict[str, list[str]] | None:
    """The planted word groups of the run's corpus (the toy corpus), else None."""
    return planted_groups(run.corpus_name)


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def default_words(path: str, per_group: int = 4) -> list[str]:
    """The first few words of each planted group (a heatmap stays readable), else frequent words."""
    run = run_at(path)
    groups = groups_for(run)
    trimmed = {name: words[:per_group] for name, words in groups.items()} if groups else None
    return analysis.default_words(run.vocab, trimmed)


def chosen_words(run: Run) -> list[str]:
    """The words picked on the Heatmaps page for this run, or the default set."""
    return st.session_state.chosen_words.get(run.run_id) or default_words(str(run.path))


def word_picker(run: Run, label: str = "words", max_selections: int = 60) -> list[str]:
    """A multiselect of words shared by the pages (kept per run while the visitor moves around)."""
    chosen = st.session_state.chosen_words
    key = f"_words_{run.run_id}"
    if key not in st.session_state:  # the widget's state is dropped when another page is shown
        st.session_state[key] = chosen.get(run.run_id) or default_words(str(run.path))[:max_selections]
    words = st.multiselect(label, run.vocab.words, key=key, max_selections=max_selections)
    chosen[run.run_id] = words
    return words


def rows_of(run: Run, words: list[str]) -> list[int]:
    index = run.vocab.index
    return [index[w] for w in words if w in index]


# ---------------------------------------------------------------- cached computations (keyed by run path)


@st.cache_data(max_entries=256, max_size=CACHE_BYTES, show_spinner=False)
def similarity(path: str, epoch: int, words: tuple[str, ...]) -> pd.DataFrame:
    run = run_at(path)
    return analysis.similarity_frame(run.input_vectors[epoch], words, run.vocab)


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def similarity_floor(paths: tuple[str, ...], words: tuple[str, ...]) -> float:
    """The lowest cosine among ``words`` at any epoch of any of the runs, rounded down to 0.1
    (at most 0): the heatmaps' colour scale then spans what the data reach, the same at every epoch."""
    lowest = 0.0
    for path in paths:
        run = run_at(path)
        rows = rows_of(run, list(words))
        for epoch in range(run.epochs + 1):
            lowest = min(lowest, float(analysis.cosine_matrix(run.input_vectors[epoch], rows).min()))
    return float(np.floor(lowest * 10) / 10)


def word_groups(run: Run) -> dict[str, str] | None:
    """word → planted group of the run's corpus (the toy corpus), else None."""
    groups = groups_for(run)
    return {w: name for name, words in groups.items() for w in words} if groups else None


@st.cache_data(max_entries=256, max_size=CACHE_BYTES, show_spinner=False)
def similarity_change(path: str, epoch: int, words: tuple[str, ...]) -> pd.DataFrame:
    """word_a, word_b, change: cosine at ``epoch`` minus cosine at epoch 0."""
    now, start = similarity(path, epoch, words), similarity(path, 0, words)
    return now.assign(change=now["cosine"] - start["cosine"]).drop(columns="cosine")


@st.cache_data(max_entries=256, max_size=CACHE_BYTES, show_spinner=False)
def heatmap_spec(path: str, epoch: int, words: tuple[str, ...], change: bool, floor: float, title: str) -> dict:
    """One heatmap of the Heatmaps page as a Vega-Lite spec, built once per run, epoch, words and
    view (Altair took ~0.15 s a heatmap on every rerun: every page switch and Play tick)."""
    frame = similarity_change(path, epoch, words) if change else similarity(path, epoch, words)
    value = "change" if change else "cosine"
    chart = charts.heatmap(
        frame, value, title=title, diverging=change, domain=(floor, 1.0), groups=word_groups(run_at(path))
    )
    return chart.to_dict(validate=False)


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def separation_spec(paths: tuple[tuple[str, str], ...], epoch: int) -> dict:
    """The within/between-group cosine chart of runs ((role, path), …) with ``epoch`` marked, as a
    Vega-Lite spec built once per runs and epoch."""
    frames = {role: separation(path) for role, path in paths}
    return charts.separation(with_trainer(frames), epoch=epoch).to_dict(validate=False)


@st.cache_data(max_entries=16, max_size=CACHE_BYTES, show_spinner=False)
def losses_spec(paths: tuple[tuple[str, str], ...]) -> dict:
    """Each trainer's loss curves, runs given as ((name, path), …), as a Vega-Lite spec built once
    per runs (Quality and Compare; Altair took ~0.14 s on every rerun)."""
    return charts.loss_by_trainer({name: run_at(path).metrics for name, path in paths}).to_dict(validate=False)


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def turnover_spec(paths: tuple[tuple[str, str], ...], words: tuple[str, ...], k: int) -> dict:
    """The Neighbours page's neighbour-turnover chart of runs ((role, path), …), as a Vega-Lite spec
    built once per runs, words and k."""
    frames = {role: turnover(path, words, k) for role, path in paths}
    return charts.turnover(with_trainer(frames)).to_dict(validate=False)


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def separation(path: str) -> pd.DataFrame | None:
    run = run_at(path)
    groups = groups_for(run)
    return analysis.separation_over_epochs(run.input_vectors, run.vocab, groups) if groups else None


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def neighbours_wide(path: str, word: str, k: int) -> pd.DataFrame:
    run = run_at(path)
    return neighbours.neighbour_table_wide(neighbours.neighbour_table(run.input_vectors, run.vocab, word, k))


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def turnover(path: str, words: tuple[str, ...], k: int) -> pd.DataFrame:
    run = run_at(path)
    return neighbours.neighbour_turnover(run.input_vectors, rows_of(run, list(words)), k)


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def analogies_wide(path: str, a: str, b: str, c: str, k: int = 5) -> pd.DataFrame:
    """Answers of a − b + c per epoch, as the neighbour table's wide form (rows = rank)."""
    run = run_at(path)
    long = analogies.analogy_over_epochs(run.input_vectors, run.vocab, a, b, c, k)
    return neighbours.neighbour_table_wide(long.rename(columns={"word": "neighbour"}))


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def trajectories(path: str, words: tuple[str, ...]) -> pd.DataFrame:
    run = run_at(path)
    return alignment.aligned_trajectories(run.input_vectors, run.vocab, words)


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def trajectories_chart(path: str, words: tuple[str, ...]) -> dict:
    """The aligned trajectories of ``words`` as a Vega-Lite spec, built once per word set."""
    return charts.trajectories(trajectories(path, words)).to_dict(validate=False)


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def geometry(path: str) -> pd.DataFrame:
    """epoch, mean_norm, displacement computed from the vectors (a run opened without metrics)."""
    return metrics.geometry_over_epochs(run_at(path).input_vectors)


@st.cache_data(max_entries=16, max_size=CACHE_BYTES, show_spinner=False)
def metric_panels(path: str) -> dict:
    """The Dynamics page's metric panels of a run, as a Vega-Lite spec: built once per run (Altair
    took ~0.3 s a run to build them, on every rerun of the page). A run opened without training
    metrics gets the panels its vectors give (mean ‖v‖, displacement)."""
    run = run_at(path)
    if not run.has_loss:
        return charts.metric_panels(geometry(path)).to_dict(validate=False)
    return charts.metric_panels(run.metrics, switch_epoch=run.config.get("switch_epoch")).to_dict(validate=False)


@st.cache_data(max_entries=16, max_size=CACHE_BYTES, show_spinner=False)
def change_scatter(path: str) -> dict:
    """The change-score scatter of a run (every word of its vocabulary), as a Vega-Lite spec built once."""
    return charts.change_scatter(change_scores(path)).to_dict(validate=False)


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def change_scores(path: str) -> pd.DataFrame:
    run = run_at(path)
    return alignment.change_scores(run.input_vectors, run.vocab)


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def drift(path: str) -> pd.DataFrame:
    return finetune_analysis.drift(run_at(path))


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def top_movers(path: str, n: int = 8) -> pd.DataFrame:
    return finetune_analysis.top_movers(run_at(path), n)


# ---------------------------------------------------------------- the Lecture (keyed by run paths)


@st.cache_data(max_entries=128, show_spinner=False)
def lecture_step(key: str, paths: tuple[tuple[str, str], ...], word: str = "") -> lecture.Measured:
    """One step of the Lecture (``embedlab.tour.STEPS`` key) measured on the runs given as
    (display name, run directory) pairs; ``word``: the word followed in §3. The L2 comparison
    runs come as the names "numpy_l2_off" and "numpy_l2". §7 here is without a sweep (a sweep is
    this session's data, not the runs')."""
    runs = {name: run_at(path) for name, path in paths if not name.startswith("numpy_l2")}
    l2 = dict(paths)
    if key == "embeddings":
        return lecture.embeddings(runs)
    if key == "softmax":
        return lecture.softmax(runs)
    if key == "geometry":
        return lecture.geometry(runs, word)
    if key == "random":
        return lecture.random_start(runs)
    if key == "clusters":
        return lecture.clusters(runs, {name: separation(str(run.path)) for name, run in runs.items()})
    if key == "gradient":
        return lecture.gradient(runs)
    if key == "l2":
        pair = (run_at(l2["numpy_l2_off"]), run_at(l2["numpy_l2"])) if "numpy_l2" in l2 else None
        return lecture_experiments.regularisation(runs, pair)
    if key == "biasvar":  # no sweep: the page passes this session's sweep itself
        return lecture_experiments.bias_variance(runs)
    if key == "finetune":
        first = next(iter(runs.values()))
        if first.config.get("switch_epoch") is None:
            return lecture_experiments.fine_tuning(runs)
        drifts = {name: drift(str(run.path)) for name, run in runs.items()}
        return lecture_experiments.fine_tuning(runs, drifts, first.config.get("focus_words") or ())
    raise ValueError(f"no Lecture step {key!r}")


@st.cache_data(max_entries=128, show_spinner=False)
def lecture_view(key: str, paths: tuple[tuple[str, str], ...], word: str = "") -> tuple[dict | None, lecture.Measured]:
    """A Lecture step's chart as a Vega-Lite spec (None if it has none) and its measurements.

    The spec is cached, not the Altair chart: building and validating nine Altair charts costs
    about 0.3 s of CPU a run, and the Lecture is the page every visitor opens first.
    """
    measured = lecture_step(key, paths, word)
    chart = charts.step_chart(measured, TRAINER_COLOURS)
    return (None if chart is None else chart.to_dict()), measured


def lecture_paths(pair: Current) -> tuple[tuple[str, str], ...]:
    """The current runs as (display name, run directory) pairs, the L2 comparison runs by role."""
    shown = [(ROLE_NAMES.get(role, role), str(run.path)) for role, run in pair.runs().items()]
    extra = [(role, str(run.path)) for role, run in pair.by_role.items() if role.startswith("numpy_l2")]
    return tuple(shown + extra)


# ---------------------------------------------------------------- the embedding map (keyed by run path)


# Hover neighbours of every epoch are computed with the map when that costs a second or two
# (2·N·V·d flops an epoch): moving the slider then only redraws. Larger runs get them epoch by epoch.
NEIGHBOURS_AHEAD_FLOPS = 1.5e10  # the wiki sample at N = 500, d = 100, 10 epochs needs 0.9e10


@st.cache_resource(max_entries=8, show_spinner="Projecting every epoch onto the map…")
def embedding_map_of(path: str, words: int, unit: bool) -> embedding_map.EmbeddingMap:
    """The run's map (one PCA plane for all epochs), computed once and shared read-only."""
    run = run_at(path)
    emap = embedding_map.build_map(run.input_vectors, run.vocab, words, unit=unit)
    if 2 * (run.epochs + 1) * len(emap.rows) * len(run.vocab) * run.dim <= NEIGHBOURS_AHEAD_FLOPS:
        for epoch in range(run.epochs + 1):
            map_neighbours(path, epoch, words)
    return emap


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def map_neighbours(path: str, epoch: int, words: int, extra: tuple[str, ...] = ()) -> list[str]:
    """Hover text at ``epoch``: the nearest neighbours in the full space of the ``words`` most
    frequent words, or (``extra``) of these words instead. Keyed by words, not rows: a short key
    hashes fast."""
    run = run_at(path)
    if extra:
        rows = [run.vocab.index[w] for w in extra]
    else:
        rows = embedding_map.frequent_rows(run.vocab, words)
    return embedding_map.neighbour_labels(run.input_vectors[epoch], rows, run.vocab)


@dataclass(frozen=True)
class MapView:
    """What one trainer's map shows at one epoch: its points, the roads of the words found, its axes."""

    points: pd.DataFrame
    paths: pd.DataFrame
    labels: list  # colour labels of the fitted words, most frequent first (the legend's order)
    domain: tuple
    emap: embedding_map.EmbeddingMap


def map_view(
    run: Run, epoch: int, options: MapOptions, colour_by: str, word_lists: list[list[str]], found: list[str]
) -> MapView:
    """One run's map at ``epoch``: every fitted word coloured by ``colour_by``, and the ``found``
    words (those in this run's vocabulary) ringed, with their roads from epoch 0."""
    path = str(run.path)
    emap = embedding_map_of(path, options.words, options.unit)
    labels = embedding_map.colour_labels(run.vocab, emap.rows, colour_by, groups_for(run), word_lists)
    found = embedding_map.find_words(run.vocab, found)[0]
    marked = [run.vocab.index[w] for w in found]
    fitted = set(emap.rows.tolist())
    extra = [r for r in marked if r not in fitted]  # found words outside the N most frequent
    neighbours = map_neighbours(path, epoch, options.words)
    if extra:
        neighbours = neighbours + map_neighbours(path, epoch, options.words, tuple(run.vocab.words[r] for r in extra))
    points = embedding_map.map_points(emap, run.vocab, epoch, labels, neighbours, marked)
    paths = embedding_map.map_paths(emap, run.vocab, found, epoch)
    return MapView(points, paths, labels, emap.extent(extra), emap)


def draw_maps(
    runs: dict[str, Run], epoch: int, options: MapOptions, colour_by: str, word_lists: list[list[str]], found: list[str]
) -> None:
    """The Map page's view at ``epoch`` (what its fragment redraws on an epoch change): each run's
    map side by side with what its plane keeps, then the roads v(T) = v(0) − η Σ ∇L of the
    ``found`` words."""
    for column, (role, run) in zip(st.columns(len(runs)), runs.items(), strict=True):
        with column, guard():
            view = map_view(run, epoch, options, colour_by, word_lists, found)
            title = f"{ROLE_NAMES.get(role, role)} · epoch {epoch}"
            figure = charts.embedding_map(
                view.points, view.paths, domain=view.domain, title=title, colour_title=colour_by, labels=view.labels
            )
            # as wide as the column (a fixed 470 px map was cut off in a 1024 px window's narrow columns)
            chart(figure, width="stretch")
            st.caption(map_readout_text(view.emap, epoch))
    st.caption(
        f"One projection per run: PCA of the {options.words:,} most frequent words at the last epoch, applied unchanged "
        "to every epoch, so a point moves only when its vector moves. Hover a point for its nearest neighbours in the "
        "full space."
    )
    if found:
        st.markdown(f"**v(T) = v(0) − η Σ ∇L**, from epoch 0 to T = {epoch}: the road against the net displacement")
        st.dataframe(travel_frame(runs, options, found, epoch), hide_index=True)
        st.caption(
            "Path and net of v: the vector as trained, in the full space; net ÷ path = 1 only for a straight road. "
            + (
                "On the map: the picture's units (unit vectors, so not comparable with v's)."
                if options.unit
                else "On the map: the same units, projected onto the plane."
            )
        )


def map_readout_text(emap: embedding_map.EmbeddingMap, epoch: int) -> str:
    """One line under a map: what its plane keeps of this epoch, and how much of the movement it shows."""
    row = emap.readout.iloc[epoch]
    text = f"The plane keeps **{row['variance_kept']:.0%}** of this epoch's variance"
    if epoch == 0:
        return text + " (epoch 0: the random initial vectors)."
    full, picture = row["movement_full"], row["movement_picture"]
    shown = f" ({picture / full:.0%} of it)" if full > 0 else ""
    return (
        f"{text}. Since epoch {epoch - 1} the {len(emap.rows):,} words moved {full:.3g} on average in the full "
        f"space and {picture:.3g} in the picture{shown}."
    )


def travel_frame(runs: dict[str, Run], options: MapOptions, found: list[str], epoch: int) -> pd.DataFrame:
    """v(T) = v(0) − η Σ ∇L for the words found, T = ``epoch``: road length against net displacement."""
    frames = []
    for role, run in runs.items():
        emap = embedding_map_of(str(run.path), options.words, options.unit)
        table = embedding_map.travel_table(run.input_vectors, emap, run.vocab, found, epoch)
        frames.append(table.assign(trainer=ROLE_NAMES.get(role, role)))
    table = pd.concat(frames, ignore_index=True)
    return table[["word", "trainer", *table.columns[1:-1]]].rename(
        columns={
            "path_length": "path Σ‖Δv‖",
            "net_displacement": "net ‖v(T) − v(0)‖",
            "straightness": "net ÷ path",
            "map_path_length": "path on the map",
            "map_net_displacement": "net on the map",
        }
    )


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def agreement(path_a: str, path_b: str, words: tuple[str, ...]) -> pd.DataFrame:
    a, b = run_at(path_a), run_at(path_b)
    return agreement_analysis.agreement_over_epochs(a.input_vectors, b.input_vectors, rows_of(a, list(words)))


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def overlap(path_a: str, path_b: str, words: tuple[str, ...], k: int, epoch: int) -> pd.DataFrame:
    a, b = run_at(path_a), run_at(path_b)
    rows = rows_of(a, list(words))
    return agreement_analysis.neighbour_overlap(a.input_vectors[epoch], b.input_vectors[epoch], rows, a.vocab, k)


def epoch_slider(key: str, last: int, playing: bool, label: str = "Epoch (0 = the random initial vectors)") -> int:
    """The epoch slider of a page with a play toggle: starts at the last epoch, and each run of a
    playing fragment moves it one epoch on (wrapping round to 0)."""
    state = st.session_state
    if state.get(key) is None or state[key] > last:
        state[key] = last
    elif playing:
        state[key] = (state[key] + 1) % (last + 1)
    return st.slider(label, 0, last, key=key)


def stacked_metrics(runs: dict[str, Run]) -> pd.DataFrame:
    """Metrics tables of several runs, one below the other, with a ``run`` column."""
    return pd.concat([run.metrics.assign(run=name) for name, run in runs.items()], ignore_index=True)


def with_trainer(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(
        [frame.assign(trainer=ROLE_NAMES.get(name, name)) for name, frame in frames.items()], ignore_index=True
    )


# ---------------------------------------------------------------- the frame around every page


def sidebar() -> None:
    """The current corpus and the current runs, on every page."""
    with st.container():
        st.markdown("### EmbedLab")
        st.caption("Watch word embeddings form, epoch by epoch.")
        corpus = None
        with guard():
            corpus = current_corpus()
            st.markdown(f"**Corpus:** {corpus_label(st.session_state.corpus_source)}")
            st.caption(f"{len(corpus.sentences):,} sentences · {corpus.n_tokens:,} tokens")
        job = st.session_state.get("job")
        if job is not None and not job.finished:
            # No percentage: the sidebar is drawn once a run, and the Train page's panel redraws
            # beside it every second (a frozen "0 %" next to a live "41 %" contradicts itself).
            where = "waiting for a training slot" if scheduler().position(job) else "running"
            st.caption(f"**Training** {job.label} ({where}): its progress is on the Train page.")
        if st.session_state.pop("upload_released", False):
            st.caption("Your upload was released while you were away; upload it again on the Corpus page.")
        pair = current_pair()
        if pair is None:
            st.markdown("**Runs:** none yet")
            return
        st.markdown("**Current runs:**")
        st.caption(pair.record.label)
        for role, run in pair.runs().items():
            stopped = f" (stopped early: {run.config.get('planned_epochs')} planned)" if run.stopped_early else ""
            st.caption(
                f"{ROLE_NAMES.get(role, role)}: V = {len(run.vocab):,}, d = {run.dim}, {run.epochs} epochs{stopped}"
            )
        if pair.imported is not None:
            notes = import_notes(pair.imported)
            st.caption(f"Opened from {pair.record.corpus}" + (f" · {' · '.join(notes)}." if notes else "."))
        elif corpus is not None and pair.record.corpus != corpus.name:
            parent = pair.first.config.get("parent")  # a fine-tuned run: trained on one corpus, then another
            if parent is not None:
                st.caption(
                    f"These runs were trained on {parent['corpus']['name']}, then fine-tuned on {pair.record.corpus}."
                )
            else:
                st.caption(
                    f"These runs were trained on {pair.record.corpus}; train on {corpus.name} from the Train page."
                )
