"""Charts of runs as Vega-Lite specs, built once per run and view and cached: building an Altair
chart and turning it into a dict costs 0.1–0.3 s, which every rerun (a page switch, a Play tick)
would otherwise pay again. Runs come as directories, or as ((role or name, directory), …)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import vega
from dashboard.cached import (
    change_scores,
    geometry,
    run_at,
    separation,
    similarity,
    similarity_change,
    trajectories,
    turnover,
    word_groups,
)
from dashboard.corpora import CACHE_BYTES
from dashboard.language import keyed_by_language
from embedlab import charts, roles
from embedlab.store import Run


def with_trainer(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Frames by role, one below the other, with a ``trainer`` column of display names."""
    return pd.concat([frame.assign(trainer=roles.name(role)) for role, frame in frames.items()], ignore_index=True)


def stacked_metrics(runs: dict[str, Run]) -> pd.DataFrame:
    """Metrics tables of several runs, one below the other, with a ``run`` column."""
    return pd.concat([run.metrics.assign(run=name) for name, run in runs.items()], ignore_index=True)


@keyed_by_language
@st.cache_data(max_entries=256, max_size=CACHE_BYTES, show_spinner=False)
def heatmap(
    path: str, epoch: int, words: tuple[str, ...], change: bool, floor: float, title: str, language: str = "en"
) -> dict:
    """One heatmap of the Heatmaps page: the cosines of ``words`` at ``epoch``, or their change
    since epoch 0, on a colour scale from ``floor`` to 1."""
    frame = similarity_change(path, epoch, words) if change else similarity(path, epoch, words)
    value = "change" if change else "cosine"
    chart = charts.heatmap(
        frame, value, title=title, diverging=change, domain=(floor, 1.0), groups=word_groups(run_at(path))
    )
    return vega.spec(chart)


@keyed_by_language
@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def separation_chart(paths: tuple[tuple[str, str], ...], epoch: int, language: str = "en") -> dict:
    """The within/between-group cosines of runs ((role, path), …) with ``epoch`` marked."""
    frames = {role: separation(path) for role, path in paths}
    return vega.spec(charts.separation(with_trainer(frames), epoch=epoch))


@keyed_by_language
@st.cache_data(max_entries=16, max_size=CACHE_BYTES, show_spinner=False)
def losses(paths: tuple[tuple[str, str], ...], language: str = "en") -> dict:
    """Each trainer's loss curves, runs given as ((name, path), …) (Quality and Compare)."""
    return vega.spec(charts.loss_by_trainer({name: run_at(path).metrics for name, path in paths}))


@keyed_by_language
@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def turnover_chart(paths: tuple[tuple[str, str], ...], words: tuple[str, ...], k: int, language: str = "en") -> dict:
    """The Neighbours page's neighbour-turnover chart of runs ((role, path), …)."""
    frames = {role: turnover(path, words, k) for role, path in paths}
    return vega.spec(charts.turnover(with_trainer(frames)))


@keyed_by_language
@st.cache_data(max_entries=64, max_size=CACHE_BYTES, show_spinner=False)
def trajectories_chart(path: str, words: tuple[str, ...], language: str = "en") -> dict:
    """The aligned trajectories of ``words``."""
    return vega.spec(charts.trajectories(trajectories(path, words)))


@keyed_by_language
@st.cache_data(max_entries=16, max_size=CACHE_BYTES, show_spinner=False)
def metric_panels(path: str, language: str = "en") -> list[dict]:
    """The Dynamics page's metric panels of a run, one spec each. A run opened without training
    metrics gets the panels its vectors give (mean ‖v‖, displacement)."""
    run = run_at(path)
    if not run.has_loss:
        return [vega.spec(panel) for panel in charts.metric_panels(geometry(path))]
    panels = charts.metric_panels(run.metrics, switch_epoch=run.config.get("switch_epoch"))
    return [vega.spec(panel) for panel in panels]


@keyed_by_language
@st.cache_data(max_entries=16, max_size=CACHE_BYTES, show_spinner=False)
def change_scatter(path: str, language: str = "en") -> dict:
    """The change-score scatter of a run (every word of its vocabulary)."""
    return vega.spec(charts.change_scatter(change_scores(path)))
