"""Altair chart builders: DataFrames in, ``alt.Chart`` out, no Streamlit.

All of the app's charts live here, by subject: ``lecture`` (one small chart per step of the
Lecture tour), ``curves`` (one run's metrics per epoch, a fine-tuned run's forgetting and
drift), ``runs`` (heatmaps, neighbours, trajectories, the two trainers compared), ``quality``
(benchmarks per epoch), ``sweep`` (bias–variance and stability), ``map`` (the embedding map
and what its plane hides). Pages only place them; tests read ``chart.to_dict()``.
"""

from embedlab.charts._common import TRAINER_COLOURS, trainer_colour
from embedlab.charts.curves import *  # noqa: F403
from embedlab.charts.curves import (
    SERIES_NAMES,
    drift_lines,
    forgetting,
    live_curves,
    loss_curve,
    metric_panels,
    switch_rule,
)
from embedlab.charts.lecture import cosine_band, epoch_lines, step_chart, sweep_terms
from embedlab.charts.map import embedding_map, map_readout
from embedlab.charts.quality import PANELS, quality_long, quality_panels
from embedlab.charts.runs import *  # noqa: F403
from embedlab.charts.runs import heatmap
from embedlab.charts.sweep import decomposition_chart, loss_chart, stability_chart, tradeoff_chart

__all__ = [
    "PANELS",
    "SERIES_NAMES",
    "TRAINER_COLOURS",
    "cosine_band",
    "decomposition_chart",
    "drift_lines",
    "forgetting",
    "embedding_map",
    "epoch_lines",
    "heatmap",
    "live_curves",
    "loss_chart",
    "loss_curve",
    "map_readout",
    "metric_panels",
    "quality_long",
    "quality_panels",
    "stability_chart",
    "step_chart",
    "sweep_terms",
    "switch_rule",
    "tradeoff_chart",
    "trainer_colour",
]
