"""The Lecture's step registry: for each step of ``embedlab.teaching.tour.STEPS``, what it measures on the
current runs (``embedlab.teaching.lecture``, ``embedlab.teaching.lecture_experiments``), cached by run directory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import streamlit as st

from dashboard import vega
from dashboard.cached import drift, run_at, separation
from dashboard.runs import Current
from embedlab import charts, i18n, roles
from embedlab.store import Run
from embedlab.teaching import lecture, lecture_experiments, tour
from embedlab.text.corpus import Corpus


@dataclass(frozen=True)
class Inputs:
    """What a step may measure: the runs shown side by side (display name → run), the L2
    comparison runs if trained, the word §3 follows and the visitor's uploads (sha256 → Corpus),
    which §3 rebuilds a run's objective from when it was trained on one."""

    runs: Mapping[str, Run]
    l2_pair: tuple[Run, Run] | None
    word: str
    corpora: Mapping[str, Corpus] = field(default_factory=dict)


def _clusters(inputs: Inputs) -> lecture.Measured:
    separations = {name: separation(str(run.path)) for name, run in inputs.runs.items()}
    return lecture.clusters(inputs.runs, separations)


def _fine_tuning(inputs: Inputs) -> lecture.Measured:
    first = next(iter(inputs.runs.values()))
    if first.config.get("switch_epoch") is None:
        return lecture_experiments.fine_tuning(inputs.runs)
    drifts = {name: drift(str(run.path)) for name, run in inputs.runs.items()}
    return lecture_experiments.fine_tuning(inputs.runs, drifts, first.config.get("focus_words") or ())


STEPS: dict[str, Callable[[Inputs], lecture.Measured]] = {
    "embeddings": lambda inputs: lecture.embeddings(inputs.runs),
    "softmax": lambda inputs: lecture.softmax(inputs.runs),
    "geometry": lambda inputs: lecture.geometry(inputs.runs, inputs.word, inputs.corpora),
    "random": lambda inputs: lecture.random_start(inputs.runs),
    "clusters": _clusters,
    "gradient": lambda inputs: lecture.gradient(inputs.runs),
    "l2": lambda inputs: lecture_experiments.regularisation(inputs.runs, inputs.l2_pair),
    # without a sweep: a sweep is this session's data, not the runs' (the page passes it itself)
    "biasvar": lambda inputs: lecture_experiments.bias_variance(inputs.runs),
    "finetune": _fine_tuning,
}
if set(STEPS) != {step.key for step in tour.STEPS}:  # the tour and its measurements name the same steps
    raise RuntimeError(f"Lecture steps measured {sorted(STEPS)} differ from the tour's {[s.key for s in tour.STEPS]}")


@st.cache_data(max_entries=128, show_spinner=False)
def measure(
    key: str,
    paths: tuple[tuple[str, str], ...],
    word: str = "",
    language: str = "en",
    held: tuple[tuple[str, str], ...] = (),
    _corpora: Mapping[str, Corpus] | None = None,
) -> lecture.Measured:
    """One step of the Lecture (``embedlab.teaching.tour.STEPS`` key) measured on the runs given as
    (display name, run directory) pairs, the L2 comparison runs by their role (see :func:`paths_of`).
    ``_corpora``: the visitor's uploads the runs were trained on, which §3 rebuilds their objective
    from; they stay out of the cache key (a Corpus is large), ``held`` (:func:`held`) stands for them in it."""
    by_name = dict(paths)
    runs = {name: run_at(path) for name, path in paths if not roles.is_l2_comparison(name)}
    l2_pair = (run_at(by_name[roles.L2_OFF]), run_at(by_name[roles.L2_ON])) if roles.L2_ON in by_name else None
    with i18n.use(language):  # the notes' words and numbers, in the cache key's language
        return STEPS[key](Inputs(runs, l2_pair, word, dict(_corpora or {})))


@st.cache_data(max_entries=128, show_spinner=False)
def view(
    key: str,
    paths: tuple[tuple[str, str], ...],
    word: str = "",
    language: str = "en",
    held: tuple[tuple[str, str], ...] = (),
    _corpora: Mapping[str, Corpus] | None = None,
) -> tuple[dict | None, lecture.Measured]:
    """A Lecture step's chart as a Vega-Lite spec (None if it has none) and its measurements.

    The spec is cached, not the Altair chart: building nine Altair charts costs about 0.3 s of CPU
    a run, and the Lecture is the page every visitor opens first.
    """
    measured = measure(key, paths, word, language, held, _corpora)
    with i18n.use(language):
        chart = charts.step_chart(measured, roles.colours())
    return (None if chart is None else vega.spec(chart, language)), measured


def uploads_of(pair: Current, uploads: Mapping[str, Corpus]) -> dict[str, Corpus]:
    """The visitor's uploads (sha256 → Corpus) that the current runs were trained on."""
    wanted = {run.config.get("corpus", {}).get("sha256") for run in pair.runs().values()}
    return {sha256: corpus for sha256, corpus in uploads.items() if sha256 in wanted}


def held(corpora: Mapping[str, Corpus]) -> tuple[tuple[str, str], ...]:
    """``corpora`` as a cache key: each sha256 with how its words were cut (the same file read as
    words or as syllables rebuilds different objectives)."""
    return tuple(sorted((sha256, corpus.segmentation.applied) for sha256, corpus in corpora.items()))


def paths_of(pair: Current) -> tuple[tuple[str, str], ...]:
    """The current runs as (display name, run directory) pairs, the L2 comparison runs by role."""
    shown = [(roles.name(role), str(run.path)) for role, run in pair.runs().items()]
    extra = [(role, str(run.path)) for role, run in pair.by_role.items() if roles.is_l2_comparison(role)]
    return tuple(shown + extra)
