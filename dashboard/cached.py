"""The pages' computations on runs, cached by run directory (a run's path names its content: the
corpus sha256 and every setting), so a rerun, a page switch or a Play tick only reads them.

Each is one ``embedlab`` function over the run's vectors; the bound is per function, in bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.corpora import CACHE_BYTES
from dashboard.language import keyed_by_language
from embedlab.experiments import finetune as finetune_analysis
from embedlab.runs import agreement as agreement_analysis
from embedlab.runs import alignment, analogies, analysis, neighbours
from embedlab.store import Run, load_run
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.lookup import WordIndex
from embedlab.train import metrics


@st.cache_resource(max_entries=16, scope="session", show_spinner=False)
def run_at(path: str) -> Run:
    """A run directory, opened once per session (memory-mapped) and shared by its pages; the
    maps and the vocabulary go when the session disconnects."""
    return load_run(path)


def groups_for(run: Run) -> dict[str, list[str]] | None:
    """The planted word groups of the run's corpus (the toy corpus), else None."""
    return planted_groups(run.corpus_name)


def word_groups(run: Run) -> dict[str, str] | None:
    """word → planted group of the run's corpus (the toy corpus), else None."""
    groups = groups_for(run)
    return {w: name for name, words in groups.items() for w in words} if groups else None


def by_epoch(run: Run, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``epoch`` column (rows of the arrays) as the run's epochs: they differ for a
    run that kept every k-th snapshot (``train --snapshot-every``)."""
    return table.assign(epoch=np.asarray(run.snapshot_epochs)[table["epoch"].to_numpy(dtype=int)])


def rows_of(run: Run, words: list[str]) -> list[int]:
    index = run.vocab.index
    return [index[w] for w in words if w in index]


@st.cache_resource(max_entries=16, scope="session", show_spinner=False)
def word_index(path: str) -> WordIndex:
    """A run's vocabulary for finding a typed word ("hoc sinh" → học_sinh)."""
    return WordIndex(run_at(path).vocab.words)


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def default_words(path: str, per_group: int = 4) -> list[str]:
    """The first few words of each planted group (a heatmap stays readable), else frequent words."""
    run = run_at(path)
    groups = groups_for(run)
    trimmed = {name: words[:per_group] for name, words in groups.items()} if groups else None
    return analysis.default_words(run.vocab, trimmed)


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


@st.cache_data(max_entries=256, max_size=CACHE_BYTES, show_spinner=False)
def similarity_change(path: str, epoch: int, words: tuple[str, ...]) -> pd.DataFrame:
    """word_a, word_b, change: cosine at ``epoch`` minus cosine at epoch 0."""
    now, start = similarity(path, epoch, words), similarity(path, 0, words)
    return now.assign(change=now["cosine"] - start["cosine"]).drop(columns="cosine")


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def separation(path: str) -> pd.DataFrame | None:
    run = run_at(path)
    groups = groups_for(run)
    return by_epoch(run, analysis.separation_over_epochs(run.input_vectors, run.vocab, groups)) if groups else None


@keyed_by_language  # the cells' numbers are written in the visitor's language
@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def neighbours_wide(path: str, word: str, k: int, language: str = "en") -> pd.DataFrame:
    run = run_at(path)
    long = neighbours.neighbour_table(run.input_vectors, run.vocab, word, k)
    return neighbours.neighbour_table_wide(by_epoch(run, long))


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def turnover(path: str, words: tuple[str, ...], k: int) -> pd.DataFrame:
    run = run_at(path)
    return by_epoch(run, neighbours.neighbour_turnover(run.input_vectors, rows_of(run, list(words)), k))


@keyed_by_language
@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def analogies_wide(path: str, a: str, b: str, c: str, k: int = 5, language: str = "en") -> pd.DataFrame:
    """Answers of a − b + c per epoch, as the neighbour table's wide form (rows = rank)."""
    run = run_at(path)
    long = analogies.analogy_over_epochs(run.input_vectors, run.vocab, a, b, c, k)
    return neighbours.neighbour_table_wide(by_epoch(run, long.rename(columns={"word": "neighbour"})))


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def trajectories(path: str, words: tuple[str, ...]) -> pd.DataFrame:
    run = run_at(path)
    return by_epoch(run, alignment.aligned_trajectories(run.input_vectors, run.vocab, words))


@st.cache_data(max_entries=32, max_size=CACHE_BYTES, show_spinner=False)
def geometry(path: str) -> pd.DataFrame:
    """epoch, mean_norm, displacement computed from the vectors (a run opened without metrics)."""
    run = run_at(path)
    return by_epoch(run, metrics.geometry_over_epochs(run.input_vectors))


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


@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def agreement(path_a: str, path_b: str, words: tuple[str, ...]) -> pd.DataFrame:
    a, b = run_at(path_a), run_at(path_b)
    table = agreement_analysis.agreement_over_epochs(a.input_vectors, b.input_vectors, rows_of(a, list(words)))
    return by_epoch(a, table)


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def overlap(path_a: str, path_b: str, words: tuple[str, ...], k: int, epoch: int) -> pd.DataFrame:
    a, b = run_at(path_a), run_at(path_b)
    rows = rows_of(a, list(words))
    return agreement_analysis.neighbour_overlap(a.input_vectors[epoch], b.input_vectors[epoch], rows, a.vocab, k)
