"""Charts of the bias–variance sweep over d and of stability across seeds (Altair)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from embedlab.charts._common import _order, trainer_colour
from embedlab.experiments.biasvar import best_dim
from embedlab.experiments.stability import EPOCH_COLUMNS
from embedlab.i18n import N_, _

# The panels of the trade-off and stability grids have no width: a page draws them two a row in
# columns, each as wide as its column (a concatenated grid keeps fixed widths, in the left half of a wide page).
# Streamlit fits the whole panel — title, axes, legend — into this height: at 220 px the plot was ~45 px
# tall and the fourth panel's vertical axis title, longer than its plot, pushed the panel's title out
# of its frame at 1400 px. 360 leaves a plot of ~180 px.
PANEL_HEIGHT = 360

# One colour per term in every panel and language (Streamlit's theme would otherwise use shades
# of one hue, in the sorted order of the labels, which a translation changes).
TERM_COLOURS = {
    N_("bias²"): "#1f77b4",
    N_("variance"): "#ff7f0e",
    N_("bias² + variance"): "#9467bd",
    N_("total"): "#222222",
    N_("noise"): "#8c8c8c",
    N_("training"): "#1f77b4",
    N_("held-out"): "#ff7f0e",
}


def _terms(terms: pd.Series) -> pd.Series:
    """The terms' labels in the current language."""
    return terms.map(_)


def _term_colour(terms: list[str], legend: alt.Legend | None, field: str = "term") -> alt.Color:
    """A colour channel on ``field`` whose (English) ``terms`` keep their colours in every language."""
    scale = alt.Scale(domain=[_(t) for t in terms], range=[TERM_COLOURS[t] for t in terms])
    return alt.Color(f"{field}:N", scale=scale, legend=legend)


def _dim_axis() -> alt.X:
    return alt.X(
        "dim:Q",
        scale=alt.Scale(type="log", base=2),
        axis=alt.Axis(values=[2**k for k in range(10)]),
        title=_("d (log₂)"),
    )


def decomposition_chart(table: pd.DataFrame) -> alt.HConcatChart:
    """Two panels over d (log₂ axis): bias², variance and their sum (= total − noise); and the
    total held-out error above its noise floor. The d with the lowest total is marked in both.

    table: the output of :func:`sweep` (columns dim, bias2, variance, noise, total).

    >>> t = pd.DataFrame({"dim": [1, 2, 4], "bias2": [0.3, 0.2, 0.1], "variance": [0.01, 0.02, 0.2],
    ...                   "noise": [0.5] * 3, "total": [0.81, 0.72, 0.8]})
    >>> spec = decomposition_chart(t).to_dict()
    >>> len(spec["hconcat"]), spec["hconcat"][0]["layer"][0]["encoding"]["x"]["scale"]
    (2, {'base': 2, 'type': 'log'})
    """
    missing = {"dim", "bias2", "variance", "noise", "total"} - set(table.columns)
    if missing:
        raise ValueError(f"decomposition_chart needs the sweep table; missing columns {sorted(missing)}")
    names = {"bias2": "bias²", "variance": "variance", "reducible": "bias² + variance"}
    parts = table.assign(reducible=table["bias2"] + table["variance"]).melt(
        id_vars="dim", value_vars=list(names), var_name="term", value_name="value"
    )
    parts["term"] = _terms(parts["term"].map(names))
    left = (
        alt.Chart(parts, title=_("bias² and variance over d"))
        .mark_line(point=True)
        .encode(
            x=_dim_axis(),
            y=alt.Y("value:Q", title=_("mean squared error (held-out)")),
            color=_term_colour(list(names.values()), alt.Legend(orient="bottom", title=None)),
            tooltip=["dim:Q", "term:N", alt.Tooltip("value:Q", format=".5f")],
        )
    )
    best = table.loc[[table["total"].idxmin()]].assign(value=float((table["bias2"] + table["variance"]).min()))
    best = best.assign(label=_("lowest total: d = {d}").format(d=best_dim(table)))
    rule = alt.Chart(best).mark_rule(color="black", strokeDash=[4, 3]).encode(x="dim:Q")
    totals = table.melt(id_vars="dim", value_vars=["total", "noise"], var_name="term", value_name="value")
    totals["term"] = _terms(totals["term"])
    right = (
        alt.Chart(totals, title=_("total = noise + bias² + variance"))
        .mark_line(point=True)
        .encode(
            x=_dim_axis(),
            y=alt.Y("value:Q", title=_("Brier score (held-out)"), scale=alt.Scale(zero=False)),
            color=_term_colour(["total", "noise"], None),
            strokeDash=alt.StrokeDash(
                "term:N", scale=alt.Scale(domain=[_("total"), _("noise")], range=[[1, 0], [5, 4]]), legend=None
            ),
            tooltip=["dim:Q", "term:N", alt.Tooltip("value:Q", format=".5f")],
        )
    )
    # the label goes on the side of the rule with more room (log₂ position of the best d)
    logs = np.log2(table["dim"].to_numpy(dtype=np.float64))
    right_half = np.log2(best_dim(table)) > (logs.min() + logs.max()) / 2
    label = (
        alt.Chart(best)
        .mark_text(align="right" if right_half else "left", dx=-5 if right_half else 5, dy=-10, fontWeight="bold")
        .encode(x="dim:Q", y="total:Q", text="label:N")
    )
    return alt.hconcat(
        alt.layer(left, rule).properties(width=380, height=300),
        alt.layer(right, rule, label).properties(width=380, height=300),
    )


def loss_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Training and held-out cross-entropy against d (log₂ axis), each with a ±1 sd band over runs.

    table: the output of :func:`sweep`.

    >>> t = pd.DataFrame({"dim": [1, 2], "train_loss": [5.0, 4.0], "train_loss_sd": [0.1, 0.1],
    ...                   "heldout_loss": [5.1, 4.5], "heldout_loss_sd": [0.2, 0.1]})
    >>> [layer["mark"]["type"] for layer in loss_chart(t).to_dict()["layer"]]
    ['area', 'line']
    """
    missing = {"dim", "train_loss", "train_loss_sd", "heldout_loss", "heldout_loss_sd"} - set(table.columns)
    if missing:
        raise ValueError(f"loss_chart needs the sweep table; missing columns {sorted(missing)}")
    frames = []
    for column, name in (("train_loss", "training"), ("heldout_loss", "held-out")):
        sd = table[f"{column}_sd"].fillna(0.0)
        frames.append(
            pd.DataFrame(
                {
                    "dim": table["dim"],
                    "split": _(name),
                    "loss": table[column],
                    "low": table[column] - sd,
                    "high": table[column] + sd,
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    base = alt.Chart(long, title=_("−log p(c|w), mean ± sd (runs)")).encode(  # short: a 200 px panel
        x=_dim_axis(),
        color=_term_colour(["training", "held-out"], alt.Legend(orient="bottom", title=None), "split"),
    )
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", title=_("cross-entropy"), scale=alt.Scale(zero=False)), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        y="loss:Q",
        tooltip=["dim:Q", "split:N", alt.Tooltip("loss:Q", format=".4f"), alt.Tooltip("high:Q", format=".4f")],
    )
    return alt.layer(band, line).properties(width=380, height=300)


def stability_chart(frame: pd.DataFrame) -> list[alt.Chart]:
    """Three panels over epochs — Jaccard@k between seeds, Procrustes residual, cosine sd —
    one line per trainer, a chart each. frame: ``EPOCH_COLUMNS`` (the output of :func:`seed_stability`).

    >>> f = pd.DataFrame({"trainer": ["numpy"] * 2, "epoch": [0, 1], "jaccard": [0.0, 0.5],
    ...                   "procrustes_residual": [1.0, 0.5], "cosine_sd": [0.3, 0.1]})
    >>> len(stability_chart(f))
    3
    """
    missing = set(EPOCH_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"stability_chart needs columns {EPOCH_COLUMNS}; missing {sorted(missing)}")
    panels = []
    for column, title in (
        ("jaccard", N_("neighbours shared between seeds (Jaccard@k)")),
        ("procrustes_residual", N_("Procrustes residual between seeds")),
        ("cosine_sd", N_("sd of pair cosines across seeds")),
    ):
        panels.append(
            alt.Chart(frame[["trainer", "epoch", column]], title=_(title))
            .mark_line(point=True)
            .encode(
                x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y(f"{column}:Q", title=None, scale=alt.Scale(zero=True)),
                color=trainer_colour(frame["trainer"], title=None, legend=alt.Legend(orient="bottom")),
                tooltip=["trainer:N", "epoch:Q", alt.Tooltip(f"{column}:Q", format=".4f")],
            )
            .properties(height=PANEL_HEIGHT)
        )
    return panels


def _with_band(table: pd.DataFrame, column: str, se: str, label: str, width: float = 2.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dim": table["dim"],
            "term": label,
            "value": table[column],
            "low": table[column] - width * table[se],
            "high": table[column] + width * table[se],
        }
    )


def _term_panel(
    long: pd.DataFrame, title: str | alt.Title, y_title: str, mark: pd.DataFrame | None = None
) -> alt.LayerChart:
    terms = _order(long["term"])
    base = alt.Chart(long.assign(term=_terms(long["term"])), title=title).encode(
        x=_dim_axis(), color=_term_colour(terms, alt.Legend(orient="bottom", title=None))
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=["dim:Q", "term:N", alt.Tooltip("value:Q", format=".5f"), alt.Tooltip("high:Q", format=".5f")],
    )
    bars = base.mark_errorbar(ticks=True).encode(y=alt.Y("low:Q", title=y_title), y2="high:Q")
    layers = [bars, line]
    if mark is not None:
        layers.append(alt.Chart(mark).mark_rule(color="black", strokeDash=[4, 3]).encode(x="dim:Q"))
    return alt.layer(*layers).properties(height=PANEL_HEIGHT)


def tradeoff_chart(table: pd.DataFrame, verdict: dict) -> list[alt.LayerChart]:
    """The sweep as a reader wants it: the model's bias² (corrected for the few runs and net of
    the held-out sample's own error) and the variance between runs (divisor R − 1), each ±2
    standard errors over the held-out sample; the total held-out error ± t standard errors over
    runs (t on R − 1 degrees of freedom, ``verdict["t"]``), its best d marked only when ``verdict``
    says it is resolved; and the training and held-out cross-entropy (±1 sd over runs) — the
    familiar picture of over-fitting — all over a log₂ d axis; four charts, each with its legend.

    table: :func:`embedlab.experiments.biasvar.sweep`'s output; verdict: :func:`embedlab.experiments.biasvar.optimum`.
    """
    mark = pd.DataFrame({"dim": [verdict["best"]]}) if verdict["resolved"] else None
    # the titles tell the trend this sweep shows, not the one the lecture expects
    ends = table.sort_values("dim").iloc[[0, -1]]
    bias_falls = ends["bias2_model"].iloc[-1] < ends["bias2_model"].iloc[0]
    variance_rises = ends["variance_unbiased"].iloc[-1] > ends["variance_unbiased"].iloc[0]
    bias = _term_panel(
        _with_band(table, "bias2_model", "bias2_model_se", "bias²"),
        _("bias² falls as d grows…")
        if bias_falls
        else _("bias² does not fall from the smallest d to the largest here"),
        _("bias²"),
    )
    variance = _term_panel(
        _with_band(table, "variance_unbiased", "variance_se", "variance"),
        _("…variance between runs rises")
        if variance_rises
        else _("variance between runs does not rise from the smallest d to the largest here"),
        _("variance"),
    )
    total = _term_panel(
        _with_band(table, "total", "total_se_runs", "total", verdict.get("t", 2.0)),
        # a title wider than its panel widens the panel's bounds and Streamlit shrinks the plot to fit:
        # the sum goes underneath, so the title fits a 1024 px window's column
        alt.Title(_("total held-out error"), subtitle=_("noise + bias² + variance")),
        _("Brier"),
        mark,
    )
    losses = loss_chart(table)
    losses.width = alt.Undefined  # as wide as its column, like the others
    return [bias, variance, total, losses.properties(height=PANEL_HEIGHT)]
