"""One run's metrics per epoch as curves: the loss, the small multiples of every metric,
several runs compared, and a fine-tuned run's switch, forgetting and drift.

Each builder takes a run's ``metrics`` table (or a long form built from it) and returns an
Altair chart; tests read ``chart.to_dict()``.

>>> import pandas as pd
>>> m = pd.DataFrame({"epoch": [0, 1], "loss": [5.0, 4.0], "heldout_loss": [5.1, 4.3]})
>>> loss_curve(m).to_dict()["mark"]["type"]
'line'
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from embedlab.charts._common import _epoch_lines, _order, _require, series_colour, shown_words
from embedlab.i18n import N_, _
from embedlab.text.lookup import display_word

SERIES_NAMES = {"loss": N_("training"), "heldout_loss": N_("held-out")}  # legend entries of the loss lines

# Every metric panel of a run: (column(s), title, log scale?)
METRIC_PANELS = (
    (("loss", "heldout_loss"), N_("loss J (nats per pair)"), False),
    (("grad_norm",), N_("gradient norm ‖∇J‖ (log scale)"), True),
    (("mean_norm",), N_("mean vector length ‖v‖"), False),
    (("displacement",), N_("mean step ‖v(t) − v(t−1)‖"), False),
    (("lr",), N_("learning rate η"), False),
)

METRIC_TITLES = {  # readable names of metrics.csv columns, for titles and legends
    "loss": N_("training loss J"),
    "heldout_loss": N_("held-out loss"),
    "grad_norm": "‖∇J‖",
    "mean_norm": N_("mean ‖v‖"),
    "displacement": N_("mean step ‖Δv‖"),
    "penalty": N_("L2 penalty λ‖W‖²"),
    "lr": N_("learning rate η"),
}


def loss_curve(metrics: pd.DataFrame, *, title: str | None = None, width: int | None = None) -> alt.Chart:
    """Training and held-out loss per epoch as two lines (the live curve while training).

    metrics: a run's metrics table (columns epoch, loss, heldout_loss); rows may still be
    arriving, so one row is enough.

    >>> m = pd.DataFrame({"epoch": [0, 1], "loss": [5.0, 4.0], "heldout_loss": [5.1, 4.3]})
    >>> len(loss_curve(m).to_dict()["datasets"].popitem()[1])
    4
    """
    _require(metrics, ("epoch", "loss", "heldout_loss"), "loss_curve")
    long = metrics.melt(id_vars="epoch", value_vars=["loss", "heldout_loss"], var_name="series", value_name="value")
    long["series"] = long["series"].map(lambda name: _(SERIES_NAMES[name]))
    chart = _epoch_lines(
        long,
        _("loss") if title is None else title,
        y=alt.Y("value:Q", title=_("loss"), scale=alt.Scale(zero=False)),
        color=_loss_colour(),
        tooltip=["series:N", "epoch:Q", alt.Tooltip("value:Q", format=".4f")],
    )
    return chart.properties(width=width) if width else chart


def _loss_colour() -> alt.Color:
    """Training and held-out loss, each its colour in every language."""
    names = [_(SERIES_NAMES[column]) for column in ("loss", "heldout_loss")]
    return series_colour(names, "series", title=None, legend=alt.Legend(orient="bottom"))


def live_curves(metrics: pd.DataFrame, *, title: str = "", width: int = 200, height: int = 140) -> alt.HConcatChart:
    """The Train page's live view of one run: the loss (training and held-out) and ‖∇J‖ on a log
    scale, side by side and small, from the rows that have arrived (one is enough).

    >>> m = pd.DataFrame({"epoch": [0, 1], "loss": [5.0, 4.0], "heldout_loss": [5.1, 4.3], "grad_norm": [0.5, 0.1]})
    >>> [c["title"] for c in live_curves(m, title="NumPy").to_dict()["hconcat"]]
    ['NumPy: loss J', 'NumPy: ‖∇J‖']
    """
    _require(metrics, ("epoch", "loss", "heldout_loss", "grad_norm"), "live_curves")
    prefix = f"{title}: " if title else ""
    loss = loss_curve(metrics, title=prefix + _("loss J")).properties(width=width, height=height)
    gradient = _epoch_lines(
        metrics[metrics["grad_norm"] > 0],  # ‖∇J‖ = 0 has no place on a log axis
        prefix + "‖∇J‖",  # the scale goes on the axis: a 200 px panel cut "(thang log)" off the title
        y=alt.Y("grad_norm:Q", title=_("‖∇J‖ (log scale)"), scale=alt.Scale(type="log")),
        tooltip=["epoch:Q", alt.Tooltip("grad_norm:Q", title="‖∇J‖", format=".3g")],
    ).properties(width=width, height=height)
    return alt.hconcat(loss, gradient)


def metric_panels(metrics: pd.DataFrame, *, switch_epoch: int | None = None, height: int = 190) -> list[alt.LayerChart]:
    """Small multiples of one run's metrics per epoch, one chart per metric, each on its own y axis.

    The panels have no width: a page draws them two a row in columns, each as wide as its column
    (Vega-Lite cannot stretch a grid of panels to its container, so one concatenated chart kept
    its fixed panel widths in the left half of a wide page).

    metrics: a run's metrics table (epoch, loss, heldout_loss, grad_norm, mean_norm,
    displacement, lr; ``grad_norm_se`` drawn as a ±2 SE band where ‖∇J‖ was estimated).
    ‖∇J‖ is on a log scale; epoch 0 has no displacement and is left out of that panel.
    ``switch_epoch`` (a fine-tuned run) draws a dashed rule on every panel. A panel whose
    columns are absent or empty is left out (a run opened from checkpoints has only mean_norm and
    displacement, computed from its vectors); with none left it is a ValueError.

    >>> m = pd.DataFrame({"epoch": [0, 1], "loss": [5.0, 4.0], "heldout_loss": [5.1, 4.3], "grad_norm": [0.0, 0.1],
    ...                   "mean_norm": [0.1, 1.0], "displacement": [0.0, 0.9], "lr": [10.0, 5.0]})
    >>> len(metric_panels(m))
    5
    >>> len(metric_panels(m[["epoch", "mean_norm", "displacement"]]))
    2
    """
    _require(metrics, ("epoch",), "metric_panels")
    shown = [
        panel
        for panel in METRIC_PANELS
        if all(c in metrics.columns for c in panel[0]) and metrics[list(panel[0])].notna().any().any()
    ]
    if not shown:
        columns = sorted({c for cols, _, _ in METRIC_PANELS for c in cols})
        raise ValueError(f"metric_panels needs some of the columns {columns}; the frame has {list(metrics.columns)}")
    epochs = alt.Scale(domain=[0, int(metrics["epoch"].max())])  # every panel the same epochs
    return [_metric_panel(metrics, panel, epochs, switch_epoch).properties(height=height) for panel in shown]


def _metric_panel(metrics: pd.DataFrame, panel: tuple, epochs: alt.Scale, switch_epoch: int | None) -> alt.LayerChart:
    """One panel of :func:`metric_panels`: ``panel`` is an entry of METRIC_PANELS."""
    cols, panel_title, log = panel
    data = metrics[
        ["epoch", *cols, *(["grad_norm_se"] if cols == ("grad_norm",) and "grad_norm_se" in metrics else [])]
    ]
    if cols == ("displacement",):
        data = data[data["epoch"] > 0]
    if log:
        data = data[data[cols[0]] > 0]  # a log axis cannot show 0
    long = data.melt(id_vars="epoch", value_vars=list(cols), var_name="series", value_name="value")
    long["series"] = long["series"].map(lambda name: _(SERIES_NAMES.get(name, name)))
    y_scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    encoding = {
        "x": alt.X("epoch:Q", scale=epochs, axis=alt.Axis(tickMinStep=1)),
        "y": alt.Y("value:Q", scale=y_scale, title=None),
        "tooltip": ["series:N", "epoch:Q", alt.Tooltip("value:Q", format=".4g")],
    }
    if len(cols) > 1:
        names = [_(SERIES_NAMES.get(c, c)) for c in cols]
        encoding["color"] = series_colour(names, "series", title=None, legend=alt.Legend(orient="bottom"))
    layers = [alt.Chart(long, title=_(panel_title)).mark_line(point=True).encode(**encoding)]
    if "grad_norm_se" in data and (data["grad_norm_se"] > 0).any():
        band = data.assign(
            low=(data["grad_norm"] - 2 * data["grad_norm_se"]).clip(lower=data["grad_norm"] * 0.05),
            high=data["grad_norm"] + 2 * data["grad_norm_se"],
        )
        layers.insert(0, alt.Chart(band).mark_area(opacity=0.2).encode(x="epoch:Q", y="low:Q", y2="high:Q"))
    if switch_epoch is not None:
        layers.append(switch_rule(switch_epoch))
    return alt.layer(*layers)


def compare_runs(frame: pd.DataFrame, metrics: Sequence[str] = ("mean_norm", "loss")) -> alt.HConcatChart:
    """The same metrics of several runs on shared panels (e.g. NumPy with and without L2).

    frame: a run's metrics tables stacked, with a ``run`` column naming each run.
    """
    _require(frame, ("run", "epoch", *metrics), "compare_runs")
    panels = []
    for metric in metrics:
        panel = _epoch_lines(
            frame[["run", "epoch", metric]],
            _(METRIC_TITLES.get(metric, metric)),
            y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False), title=None),
            color=series_colour(_order(frame["run"]), "run", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["run:N", "epoch:Q", alt.Tooltip(f"{metric}:Q", format=".4g")],
        ).properties(width=260, height=200)
        panels.append(panel)
    return alt.hconcat(*panels)


def loss_by_trainer(frames: dict[str, pd.DataFrame], *, width: int = 190) -> alt.HConcatChart:
    """Each trainer's loss on its own axis (their objectives differ, so one shared axis would
    flatten one of them): one panel per entry of ``frames`` (trainer name → metrics table)."""
    panels = [
        loss_curve(metrics, title=_("{name}: loss").format(name=name), width=width) for name, metrics in frames.items()
    ]
    return alt.hconcat(*panels).resolve_scale(y="independent")


def switch_rule(epoch: int | None) -> alt.Chart | None:
    """A dashed vertical rule at the epoch a fine-tuned run switched corpus (None: no switch)."""
    if epoch is None:
        return None
    frame = pd.DataFrame({"epoch": [epoch], "label": [_("switch to corpus B")]})
    return (
        alt.Chart(frame)
        .mark_rule(color="#555555", strokeDash=[5, 4])
        .encode(x="epoch:Q", tooltip=[alt.Tooltip("label:N", title="")])
    )


def forgetting(metrics: pd.DataFrame, switch_epoch: int, *, title: str = "") -> alt.LayerChart:
    """Held-out loss on the first corpus (all pairs, and the pairs of the words that change
    company) and on the second, over every epoch of a fine-tuned run, the switch marked.

    metrics: a fine-tuned run's metrics (epoch, domain, heldout_loss, heldout_loss_a,
    heldout_loss_a_focus); before the switch ``heldout_loss`` is A's, after it B's.
    """
    _require(metrics, ("epoch", "domain", "heldout_loss", "heldout_loss_a"), "forgetting")
    after = metrics["epoch"] >= switch_epoch
    series = {
        _("A (first corpus): all pairs"): metrics["heldout_loss_a"],
        _("B (new corpus): all pairs"): metrics["heldout_loss"].where(after),
    }
    if "heldout_loss_a_focus" in metrics:
        series[_("A: pairs around the shifted words")] = metrics["heldout_loss_a_focus"]
    if "heldout_loss_focus" in metrics:
        series[_("B: pairs around the shifted words")] = metrics["heldout_loss_focus"].where(after)
    long = pd.concat(
        [pd.DataFrame({"epoch": metrics["epoch"], "series": name, "loss": values}) for name, values in series.items()],
        ignore_index=True,
    ).dropna(subset=["loss"])
    lines = _epoch_lines(
        long,
        "",
        y=alt.Y("loss:Q", title=_("held-out loss (nats per pair)"), scale=alt.Scale(zero=False)),
        color=series_colour(
            _order(long["series"]), "series", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=0)
        ),
        tooltip=["series:N", "epoch:Q", alt.Tooltip("loss:Q", format=".4f")],
    )
    # Streamlit fits the whole chart (legend included) into its height: room for the four legend rows
    return alt.layer(lines, switch_rule(switch_epoch), title=title).properties(height=420)


def drift_lines(frame: pd.DataFrame, highlight: Sequence[str] = (), *, title: str = "") -> alt.Chart:
    """Drift since the switch (1 − cos to the word's vector at the switch) per epoch, one line per
    word; ``highlight`` words (e.g. the planted shifted words) drawn thick.

    frame: columns epoch, word, drift (:func:`embedlab.experiments.finetune.drift`, a few words).
    """
    _require(frame, ("epoch", "word", "drift"), "drift_lines")
    data = shown_words(frame, "word")
    data = data.assign(
        kind=np.where(data["word"].isin([display_word(w) for w in highlight]), "planted shift", "other word")
    )
    return _epoch_lines(
        data,
        title,
        y=alt.Y("drift:Q", title=_("drift since the switch (1 − cos, after Procrustes)")),
        color=alt.Color("word:N", legend=alt.Legend(orient="right", title=None)),
        strokeWidth=alt.StrokeWidth(
            "kind:N", scale=alt.Scale(domain=["planted shift", "other word"], range=[3.5, 1.2]), legend=None
        ),
        tooltip=["word:N", "epoch:Q", alt.Tooltip("drift:Q", format=".3f")],
    ).properties(height=300)
