"""Altair chart builders for the dashboard: DataFrames in, ``alt.Chart`` out, no Streamlit.

Each builder takes the long-form tables that :mod:`embedlab.analysis` and a run's
``metrics`` produce and returns a chart; the pages only place it. Tests read
``chart.to_dict()`` (marks, encodings, data), so every chart here is checkable without a
browser.

>>> import pandas as pd
>>> frame = pd.DataFrame({"word_a": ["a", "a", "b", "b"], "word_b": ["a", "b", "a", "b"],
...                       "cosine": [1.0, 0.5, 0.5, 1.0]})
>>> heatmap(frame).to_dict()["layer"][0]["mark"]["type"]
'rect'
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

SERIES_NAMES = {"loss": "training", "heldout_loss": "held-out"}  # legend entries of the loss lines

# Every metric panel of a run: (column(s), title, log scale?)
METRIC_PANELS = (
    (("loss", "heldout_loss"), "loss J (nats per pair)", False),
    (("grad_norm",), "gradient norm ‖∇J‖ (log scale)", True),
    (("mean_norm",), "mean vector length ‖v‖", False),
    (("displacement",), "mean step ‖v(t) − v(t−1)‖", False),
    (("lr",), "learning rate η", False),
)
METRIC_TITLES = {  # readable names of metrics.csv columns, for titles and legends
    "loss": "training loss J",
    "heldout_loss": "held-out loss",
    "grad_norm": "‖∇J‖",
    "mean_norm": "mean ‖v‖",
    "displacement": "mean step ‖Δv‖",
    "penalty": "L2 penalty λ‖W‖²",
    "lr": "learning rate η",
}


def _require(frame: pd.DataFrame, columns: Sequence[str], builder: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{builder} needs columns {list(columns)}; the frame has {list(frame.columns)}")


def _order(values: pd.Series) -> list:
    """Distinct values in order of first appearance (the order the caller chose)."""
    return list(dict.fromkeys(values.tolist()))


def heatmap(
    frame: pd.DataFrame,
    value: str = "cosine",
    *,
    title: str = "",
    diverging: bool = False,
    cell: int = 17,
    domain: tuple[float, float] = (-1.0, 1.0),
    groups: dict[str, str] | None = None,
) -> alt.LayerChart:
    """A word × word matrix as coloured rectangles, one per row of ``frame``.

    frame: long form with columns word_a, word_b and ``value`` (k² rows for k words), as
    :func:`embedlab.analysis.similarity_frame` returns. Axes keep the order of the words in
    the frame. Cosines use a fixed ``domain`` (the range over every epoch, so colours mean the
    same at every epoch); ``diverging=True`` (a difference matrix) centres a red–blue scale on
    0, symmetric about the largest absolute value. ``groups`` (word → group) draws a line
    where the group changes along each axis. The legend sits to the right, in view beside the
    grid; ``cell`` is the height in pixels of one row, so every word label has room.

    >>> f = pd.DataFrame({"word_a": ["x", "y"], "word_b": ["x", "y"], "cosine": [1.0, 0.2]})
    >>> [d["cosine"] for d in next(iter(heatmap(f).to_dict()["datasets"].values()))]
    [1.0, 0.2]
    """
    _require(frame, ("word_a", "word_b", value), "heatmap")
    words = _order(frame["word_a"])
    if diverging:
        extent = float(np.nanmax(np.abs(frame[value].to_numpy()))) if len(frame) else 1.0
        extent = extent if extent > 0 else 1.0
        scale = alt.Scale(scheme="redblue", domain=[-extent, extent], reverse=True)
    else:
        scale = alt.Scale(scheme="viridis", domain=list(domain))
    x = alt.X("word_a:N", sort=words, title=None, axis=alt.Axis(labelAngle=-50, labelOverlap=False))
    y = alt.Y("word_b:N", sort=words, title=None, axis=alt.Axis(labelOverlap=False))
    cells = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=x,
            y=y,
            color=alt.Color(f"{value}:Q", scale=scale, title=value, legend=alt.Legend(orient="right")),
            tooltip=[
                alt.Tooltip("word_a:N", title="word"),
                alt.Tooltip("word_b:N", title="other word"),
                alt.Tooltip(f"{value}:Q", format=".3f"),
            ],
        )
    )
    layers = [cells]
    if groups:
        starts = [w for i, w in enumerate(words) if i > 0 and groups.get(w) != groups.get(words[i - 1])]
        if starts:
            edges = pd.DataFrame({"word": starts})
            rule = alt.Chart(edges).mark_rule(color="white", strokeWidth=2)
            layers.append(rule.encode(x=alt.X("word:N", sort=words, bandPosition=0)))
            layers.append(rule.encode(y=alt.Y("word:N", sort=words, bandPosition=0)))
    return alt.layer(*layers, title=title).properties(height=cell * len(words) + 90)  # + room for the title, labels


def zipf(frequencies: pd.DataFrame, max_points: int = 2000) -> alt.Chart:
    """Zipf plot: log rank against log count, one point per word.

    frequencies: columns word, count, rank (:func:`embedlab.corpus.frequency_table`), sorted by
    rank. A large vocabulary is thinned to at most ``max_points`` ranks spaced evenly on the log
    axis (first and last kept), so the plot looks the same and stays light.

    >>> f = pd.DataFrame({"word": ["a", "b"], "count": [10, 5], "rank": [1, 2]})
    >>> zipf(f).to_dict()["encoding"]["x"]["scale"]["type"]
    'log'
    """
    _require(frequencies, ("word", "count", "rank"), "zipf")
    if len(frequencies) > max_points:
        keep = np.unique(np.geomspace(1, len(frequencies), max_points).round().astype(int)) - 1
        frequencies = frequencies.iloc[keep]
    return (
        alt.Chart(frequencies, title="Zipf plot")
        .mark_circle(size=18, opacity=0.7)
        .encode(
            x=alt.X("rank:Q", scale=alt.Scale(type="log"), title="rank (log)"),
            y=alt.Y("count:Q", scale=alt.Scale(type="log"), title="count (log)"),
            tooltip=["word:N", "count:Q", "rank:Q"],
        )
        .properties(height=400)
    )


def loss_curve(metrics: pd.DataFrame, *, title: str = "loss", width: int | None = None) -> alt.Chart:
    """Training and held-out loss per epoch as two lines (the live curve while training).

    metrics: a run's metrics table (columns epoch, loss, heldout_loss); rows may still be
    arriving, so one row is enough.

    >>> m = pd.DataFrame({"epoch": [0, 1], "loss": [5.0, 4.0], "heldout_loss": [5.1, 4.3]})
    >>> len(loss_curve(m).to_dict()["datasets"].popitem()[1])
    4
    """
    _require(metrics, ("epoch", "loss", "heldout_loss"), "loss_curve")
    long = metrics.melt(id_vars="epoch", value_vars=["loss", "heldout_loss"], var_name="series", value_name="value")
    long["series"] = long["series"].map(SERIES_NAMES)
    chart = (
        alt.Chart(long, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title="loss", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["series:N", "epoch:Q", alt.Tooltip("value:Q", format=".4f")],
        )
    )
    return chart.properties(width=width) if width else chart


def metric_panels(
    metrics: pd.DataFrame, *, title: str = "", panel_width: int = 190, switch_epoch: int | None = None
) -> alt.ConcatChart:
    """Small multiples of one run's metrics per epoch, three to a row, each on its own y axis.

    metrics: a run's metrics table (epoch, loss, heldout_loss, grad_norm, mean_norm,
    displacement, lr; ``grad_norm_se`` drawn as a ±2 SE band where ‖∇J‖ was estimated).
    ‖∇J‖ is on a log scale; epoch 0 has no displacement and is left out of that panel.
    ``switch_epoch`` (a fine-tuned run) draws a dashed rule on every panel. A panel whose
    columns are absent or empty is left out (a run opened from checkpoints has only mean_norm and
    displacement, computed from its vectors); with none left it is a ValueError.

    >>> m = pd.DataFrame({"epoch": [0, 1], "loss": [5.0, 4.0], "heldout_loss": [5.1, 4.3], "grad_norm": [0.0, 0.1],
    ...                   "mean_norm": [0.1, 1.0], "displacement": [0.0, 0.9], "lr": [10.0, 5.0]})
    >>> len(metric_panels(m).to_dict()["concat"])
    5
    >>> len(metric_panels(m[["epoch", "mean_norm", "displacement"]]).to_dict()["concat"])
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
    panels = []
    for cols, panel_title, log in shown:
        data = metrics[
            ["epoch", *cols, *(["grad_norm_se"] if cols == ("grad_norm",) and "grad_norm_se" in metrics else [])]
        ]
        if cols == ("displacement",):
            data = data[data["epoch"] > 0]
        if log:
            data = data[data[cols[0]] > 0]  # a log axis cannot show 0
        long = data.melt(id_vars="epoch", value_vars=list(cols), var_name="series", value_name="value")
        long["series"] = long["series"].map(lambda name: SERIES_NAMES.get(name, name))
        y_scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
        encoding = {
            "x": alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            "y": alt.Y("value:Q", scale=y_scale, title=None),
            "tooltip": ["series:N", "epoch:Q", alt.Tooltip("value:Q", format=".4g")],
        }
        if len(cols) > 1:
            encoding["color"] = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
        layers = [alt.Chart(long, title=panel_title).mark_line(point=True).encode(**encoding)]
        if "grad_norm_se" in data and (data["grad_norm_se"] > 0).any():
            band = data.assign(
                low=(data["grad_norm"] - 2 * data["grad_norm_se"]).clip(lower=data["grad_norm"] * 0.05),
                high=data["grad_norm"] + 2 * data["grad_norm_se"],
            )
            layers.insert(0, alt.Chart(band).mark_area(opacity=0.2).encode(x="epoch:Q", y="low:Q", y2="high:Q"))
        if switch_epoch is not None:
            layers.append(switch_rule(switch_epoch))
        panels.append(alt.layer(*layers).properties(width=panel_width, height=160))
    return alt.concat(*panels, columns=3, title=title).resolve_scale(color="independent")


def compare_runs(frame: pd.DataFrame, metrics: Sequence[str] = ("mean_norm", "loss")) -> alt.HConcatChart:
    """The same metrics of several runs on shared panels (e.g. NumPy with and without L2).

    frame: a run's metrics tables stacked, with a ``run`` column naming each run.
    """
    _require(frame, ("run", "epoch", *metrics), "compare_runs")
    panels = []
    for metric in metrics:
        panel = (
            alt.Chart(frame[["run", "epoch", metric]], title=METRIC_TITLES.get(metric, metric))
            .mark_line(point=True)
            .encode(
                x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False), title=None),
                color=alt.Color("run:N", title=None, legend=alt.Legend(orient="bottom")),
                tooltip=["run:N", "epoch:Q", alt.Tooltip(f"{metric}:Q", format=".4g")],
            )
            .properties(width=260, height=200)
        )
        panels.append(panel)
    return alt.hconcat(*panels)


def _per_trainer(long: pd.DataFrame, panel, title: str) -> alt.Chart | alt.HConcatChart:
    """One panel per value of ``trainer`` side by side (shared y scale), or one chart without it."""
    if "trainer" not in long.columns:
        return panel(long, title)
    names = _order(long["trainer"])
    panels = [panel(long[long["trainer"] == name], f"{title}: {name}") for name in names]
    return alt.hconcat(*panels).resolve_scale(y="shared")


def turnover(frame: pd.DataFrame) -> alt.Chart | alt.HConcatChart:
    """Neighbour turnover per epoch: Jaccard@k against the previous and against the last epoch.

    frame: columns epoch, jaccard_previous, jaccard_last (:func:`~embedlab.neighbours.
    neighbour_turnover`), plus ``trainer`` when several runs are stacked (one panel each).
    """
    _require(frame, ("epoch", "jaccard_previous", "jaccard_last"), "turnover")
    id_vars = ["epoch", "trainer"] if "trainer" in frame.columns else ["epoch"]
    long = frame.melt(
        id_vars=id_vars,
        value_vars=["jaccard_previous", "jaccard_last"],
        var_name="compared with",
        value_name="jaccard",
    ).dropna(subset=["jaccard"])
    long["compared with"] = long["compared with"].map(
        {"jaccard_previous": "previous epoch", "jaccard_last": "last epoch"}
    )

    def panel(data: pd.DataFrame, title: str) -> alt.Chart:
        return (
            alt.Chart(data, title=title)
            .mark_line(point=True)
            .encode(
                x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("jaccard:Q", scale=alt.Scale(domain=[0, 1]), title="mean Jaccard@k"),
                color=alt.Color("compared with:N", legend=alt.Legend(orient="top")),
                tooltip=["compared with:N", "epoch:Q", alt.Tooltip("jaccard:Q", format=".3f")],
            )
            .properties(width=340, height=220)
        )

    return _per_trainer(long, panel, "neighbour turnover")


def trajectories(frame: pd.DataFrame, *, title: str = "") -> alt.LayerChart:
    """Aligned 2-D paths of words over epochs: a line per word, a point per epoch, the epoch
    number beside every point and the word's name at its last position.

    frame: columns epoch, word, x, y (:func:`~embedlab.alignment.aligned_trajectories`).
    """
    _require(frame, ("epoch", "word", "x", "y"), "trajectories")
    base = alt.Chart(frame, title=title).encode(
        x=alt.X("x:Q", title="PC 1", scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title="PC 2", scale=alt.Scale(zero=False)),
        color=alt.Color("word:N", legend=None),
    )
    path = base.mark_line(opacity=0.6).encode(order="epoch:Q")
    points = base.mark_circle(size=40).encode(tooltip=["word:N", "epoch:Q"])
    epochs = base.mark_text(dx=7, dy=-6, fontSize=9, opacity=0.7).encode(text="epoch:Q")
    last = frame[frame["epoch"] == frame["epoch"].max()]
    names = (
        alt.Chart(last)
        .mark_text(dx=10, dy=8, fontSize=13, fontWeight="bold", align="left")
        .encode(x="x:Q", y="y:Q", text="word:N", color=alt.Color("word:N", legend=None))
    )
    return alt.layer(path, points, epochs, names).properties(height=600)


def change_scatter(frame: pd.DataFrame) -> alt.Chart:
    """How far each word moved (1 − cos, epoch 0 → last, after alignment) against its count.

    frame: columns word, count, change, path_length (:func:`~embedlab.alignment.change_scores`).
    """
    _require(frame, ("word", "count", "change", "path_length"), "change_scatter")
    return (
        alt.Chart(frame, title="change score against frequency")
        .mark_circle(size=30, opacity=0.6)
        .encode(
            x=alt.X("count:Q", scale=alt.Scale(type="log"), title="count (log)"),
            y=alt.Y("change:Q", title="change (1 − cos, epoch 0 → last)"),
            color=alt.Color("path_length:Q", scale=alt.Scale(scheme="viridis"), title="path length"),
            tooltip=[
                "word:N",
                "count:Q",
                alt.Tooltip("change:Q", format=".3f"),
                alt.Tooltip("path_length:Q", format=".3f"),
            ],
        )
        .properties(height=460)
    )


def agreement(frame: pd.DataFrame) -> alt.Chart:
    """Correlation of the two trainers' cosine structure per epoch (Pearson and Spearman).

    frame: columns epoch, pearson, spearman (:func:`~embedlab.agreement.agreement_over_epochs`).
    """
    _require(frame, ("epoch", "pearson", "spearman"), "agreement")
    long = frame.melt(id_vars="epoch", value_vars=["pearson", "spearman"], var_name="correlation")
    return (
        alt.Chart(long, title="agreement of the two trainers' cosines")
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[-1, 1]), title="correlation"),
            color=alt.Color("correlation:N", legend=alt.Legend(orient="top", title=None)),
            tooltip=["correlation:N", "epoch:Q", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=420)
    )


def overlap_bars(frame: pd.DataFrame, *, title: str = "neighbour overlap") -> alt.Chart:
    """One bar per word: Jaccard of the two trainers' top-k neighbour sets, highest first.

    frame: columns word, jaccard (:func:`~embedlab.agreement.neighbour_overlap`).
    """
    _require(frame, ("word", "jaccard"), "overlap_bars")
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X("word:N", sort="-y", title=None, axis=alt.Axis(labelAngle=-50, labelOverlap=False)),
            y=alt.Y("jaccard:Q", scale=alt.Scale(domain=[0, 1]), title="Jaccard@k"),
            tooltip=["word:N", alt.Tooltip("jaccard:Q", format=".3f")],
        )
        .properties(height=400)
    )


def loss_by_trainer(frames: dict[str, pd.DataFrame], *, width: int = 340) -> alt.HConcatChart:
    """Each trainer's loss on its own axis (their objectives differ, so one shared axis would
    flatten one of them): one panel per entry of ``frames`` (trainer name → metrics table)."""
    panels = [loss_curve(metrics, title=f"{name}: loss", width=width) for name, metrics in frames.items()]
    return alt.hconcat(*panels).resolve_scale(y="independent")


def separation(frame: pd.DataFrame, epoch: int | None = None) -> alt.Chart | alt.HConcatChart:
    """Mean within-group and between-group cosine of the planted groups per epoch, and their gap.

    frame: columns epoch, within, between, gap (:func:`~embedlab.analysis.separation_over_epochs`),
    plus ``trainer`` when runs are stacked (one panel each). ``epoch`` marks the epoch shown
    beside it (e.g. by the heatmaps' slider) with a rule.
    """
    _require(frame, ("epoch", "within", "between", "gap"), "separation")
    id_vars = ["epoch", "trainer"] if "trainer" in frame.columns else ["epoch"]
    long = frame.melt(id_vars=id_vars, value_vars=["within", "between", "gap"], var_name="cosine")
    long["cosine"] = long["cosine"].map(SEPARATION_NAMES)

    def panel(data: pd.DataFrame, title: str) -> alt.Chart:
        lines = (
            alt.Chart(data, title=title)
            .mark_line(point=True)
            .encode(
                x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("value:Q", title="mean cosine"),
                color=alt.Color(
                    "cosine:N", sort=list(SEPARATION_NAMES.values()), legend=alt.Legend(orient="top", title=None)
                ),
                tooltip=["cosine:N", "epoch:Q", alt.Tooltip("value:Q", format=".3f")],
            )
        )
        if epoch is not None:
            marker = pd.DataFrame({"epoch": [epoch]})
            lines = alt.layer(
                lines, alt.Chart(marker).mark_rule(color="#555555", strokeDash=[3, 3]).encode(x="epoch:Q")
            )
        return lines.properties(width=340, height=220)

    return _per_trainer(long, panel, "planted groups")


SEPARATION_NAMES = {
    "within": "within a group",
    "between": "between groups",
    "gap": "gap (within − between)",
}


def switch_rule(epoch: int | None) -> alt.Chart | None:
    """A dashed vertical rule at the epoch a fine-tuned run switched corpus (None: no switch)."""
    if epoch is None:
        return None
    frame = pd.DataFrame({"epoch": [epoch], "label": ["switch to corpus B"]})
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
        "held-out loss on A (first corpus)": metrics["heldout_loss_a"],
        "held-out loss on B (new corpus)": metrics["heldout_loss"].where(after),
    }
    if "heldout_loss_a_focus" in metrics:
        series["A, pairs around the shifted words"] = metrics["heldout_loss_a_focus"]
    if "heldout_loss_focus" in metrics:
        series["B, pairs around the shifted words"] = metrics["heldout_loss_focus"].where(after)
    long = pd.concat(
        [pd.DataFrame({"epoch": metrics["epoch"], "series": name, "loss": values}) for name, values in series.items()],
        ignore_index=True,
    ).dropna(subset=["loss"])
    lines = (
        alt.Chart(long, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("loss:Q", title="held-out loss (nats per pair)", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=1)),
            tooltip=["series:N", "epoch:Q", alt.Tooltip("loss:Q", format=".4f")],
        )
    )
    return alt.layer(lines, switch_rule(switch_epoch)).properties(height=300)


def drift_lines(frame: pd.DataFrame, highlight: Sequence[str] = (), *, title: str = "") -> alt.Chart:
    """Drift since the switch (1 − cos to the word's vector at the switch) per epoch, one line per
    word; ``highlight`` words (e.g. the planted shifted words) drawn thick.

    frame: columns epoch, word, drift (:func:`embedlab.finetune.drift`, a few words).
    """
    _require(frame, ("epoch", "word", "drift"), "drift_lines")
    data = frame.assign(kind=np.where(frame["word"].isin(list(highlight)), "planted shift", "other word"))
    return (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("drift:Q", title="drift since the switch (1 − cos)"),
            color=alt.Color("word:N", legend=alt.Legend(orient="right", title=None)),
            strokeWidth=alt.StrokeWidth(
                "kind:N", scale=alt.Scale(domain=["planted shift", "other word"], range=[3.5, 1.2]), legend=None
            ),
            tooltip=["word:N", "epoch:Q", alt.Tooltip("drift:Q", format=".3f")],
        )
        .properties(height=300)
    )
