"""Altair chart builders: DataFrames in, ``alt.Chart`` out, no Streamlit.

All of the app's charts live here, by subject: ``runs`` (one run's curves, heatmaps,
neighbours, trajectories), ``quality`` (benchmarks per epoch), ``sweep`` (bias–variance and
stability), ``map`` (the embedding map and what its plane hides). Pages only place them;
tests read ``chart.to_dict()``.
"""

from embedlab.charts.map import embedding_map, map_readout
from embedlab.charts.quality import PANELS, quality_long, quality_panels
from embedlab.charts.runs import *  # noqa: F403
from embedlab.charts.runs import SERIES_NAMES, drift_lines, forgetting, heatmap, loss_curve, metric_panels, switch_rule
from embedlab.charts.sweep import decomposition_chart, loss_chart, stability_chart, tradeoff_chart

__all__ = [
    "PANELS",
    "SERIES_NAMES",
    "decomposition_chart",
    "drift_lines",
    "forgetting",
    "embedding_map",
    "heatmap",
    "loss_chart",
    "loss_curve",
    "map_readout",
    "metric_panels",
    "quality_long",
    "quality_panels",
    "stability_chart",
    "switch_rule",
    "tradeoff_chart",
]
