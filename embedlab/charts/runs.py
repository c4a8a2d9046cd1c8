"""One run's geometry and the two trainers side by side: cosine heatmaps, the Zipf plot,
neighbour turnover and overlap, trajectories, change scores, agreement, planted groups.

Each builder takes the long-form tables that :mod:`embedlab.runs.analysis` produces and returns
a chart; the pages only place it (the per-epoch metric curves are in
:mod:`embedlab.charts.curves`). Tests read ``chart.to_dict()`` (marks, encodings, data), so
every chart here is checkable without a browser.

>>> import pandas as pd
>>> frame = pd.DataFrame({"word_a": ["a", "a", "b", "b"], "word_b": ["a", "b", "a", "b"],
...                       "cosine": [1.0, 0.5, 0.5, 1.0]})
>>> heatmap(frame).to_dict()["layer"][0]["mark"]["type"]
'rect'
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from embedlab.charts._common import _epoch_lines, _order, _require, series_colour, shown_words
from embedlab.i18n import N_, _
from embedlab.text.lookup import display_word

HEATMAP_VALUES = {"cosine": N_("cosine"), "change": N_("change")}  # the legend's title


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
    :func:`embedlab.runs.analysis.similarity_frame` returns. Axes keep the order of the words in
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
    frame = shown_words(frame, "word_a", "word_b")
    groups = {display_word(word): group for word, group in (groups or {}).items()}
    words = _order(frame["word_a"])
    scale = _diverging_scale(frame[value]) if diverging else alt.Scale(scheme="viridis", domain=list(domain))
    # The word order is the scale's domain, the same in every layer: a ``sort`` list would not do, as
    # Vega-Lite drops it when it unions the layers' scales and falls back to alphabetical order,
    # with the group lines then drawn between the wrong words.
    order = alt.Scale(domain=words)
    # upright labels take one line's height across the band: at -50° thirty words overlapped in a half-width chart
    x = alt.X("word_a:N", scale=order, title=None, axis=alt.Axis(labelAngle=-90, labelOverlap=False, labelFontSize=11))
    y = alt.Y("word_b:N", scale=order, title=None, axis=alt.Axis(labelOverlap=False))
    cells = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                f"{value}:Q", scale=scale, title=_(HEATMAP_VALUES.get(value, value)), legend=alt.Legend(orient="right")
            ),
            tooltip=[
                alt.Tooltip("word_a:N", title=_("word")),
                alt.Tooltip("word_b:N", title=_("other word")),
                alt.Tooltip(f"{value}:Q", format=".3f"),
            ],
        )
    )
    layers = [cells, *_group_lines(words, groups or {}, order)]
    return alt.layer(*layers, title=title).properties(height=cell * len(words) + 90)  # + room for the title, labels


def _diverging_scale(values: pd.Series) -> alt.Scale:
    """A red–blue scale centred on 0, symmetric about the largest absolute value."""
    extent = float(np.nanmax(np.abs(values.to_numpy()))) if len(values) else 1.0
    extent = extent if extent > 0 else 1.0
    return alt.Scale(scheme="redblue", domain=[-extent, extent], reverse=True)


def _group_lines(words: list[str], groups: dict[str, str], order: alt.Scale) -> list[alt.Chart]:
    """White lines along both axes before each word whose group differs from the word before it."""
    starts = [w for i, w in enumerate(words) if i > 0 and groups.get(w) != groups.get(words[i - 1])]
    if not starts:
        return []
    rule = alt.Chart(pd.DataFrame({"word": starts})).mark_rule(color="white", strokeWidth=2)
    return [
        rule.encode(x=alt.X("word:N", scale=order, bandPosition=0)),
        rule.encode(y=alt.Y("word:N", scale=order, bandPosition=0)),
    ]


def zipf(frequencies: pd.DataFrame, max_points: int = 2000) -> alt.Chart:
    """Zipf plot: log rank against log count, one point per word.

    frequencies: columns word, count, rank (:func:`embedlab.text.corpus.frequency_table`), sorted by
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
        alt.Chart(shown_words(frequencies, "word"), title=_("Zipf plot"))
        .mark_circle(size=18, opacity=0.7)
        .encode(
            x=alt.X("rank:Q", scale=alt.Scale(type="log"), title=_("rank (log)")),
            y=alt.Y("count:Q", scale=alt.Scale(type="log"), title=_("count (log)")),
            tooltip=["word:N", "count:Q", "rank:Q"],
        )
        .properties(height=400)
    )


def _per_trainer(long: pd.DataFrame, panel, title: str) -> alt.Chart | alt.HConcatChart:
    """One panel per value of ``trainer`` side by side (shared y scale), or one chart without it."""
    if "trainer" not in long.columns:
        return panel(long, title)
    names = _order(long["trainer"])
    panels = [panel(long[long["trainer"] == name], f"{title}: {name}") for name in names]
    return alt.hconcat(*panels).resolve_scale(y="shared")


def turnover(frame: pd.DataFrame) -> alt.Chart | alt.HConcatChart:
    """Neighbour turnover per epoch: Jaccard@k against the previous and against the last epoch.

    frame: columns epoch, jaccard_previous, jaccard_last (:func:`~embedlab.runs.neighbours.
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
    names = {"jaccard_previous": _("previous epoch"), "jaccard_last": _("last epoch")}
    long["compared with"] = long["compared with"].map(names)
    colour = series_colour(
        list(names.values()), "compared with", legend=alt.Legend(orient="top", title=_("compared with"))
    )

    def panel(data: pd.DataFrame, title: str) -> alt.Chart:
        return _epoch_lines(
            data,
            title,
            y=alt.Y("jaccard:Q", scale=alt.Scale(domain=[0, 1]), title=_("mean Jaccard@k")),
            color=colour,
            tooltip=["compared with:N", "epoch:Q", alt.Tooltip("jaccard:Q", format=".3f")],
        ).properties(width=200, height=220)

    return _per_trainer(long, panel, _("neighbour overlap"))


def trajectories(frame: pd.DataFrame, *, title: str = "") -> alt.LayerChart:
    """Aligned 2-D paths of words over epochs: a line per word, a point per epoch, the epoch
    number beside every point and the word's name at its last position.

    frame: columns epoch, word, x, y (:func:`~embedlab.runs.alignment.aligned_trajectories`).
    """
    _require(frame, ("epoch", "word", "x", "y"), "trajectories")
    frame = shown_words(frame, "word")
    base = alt.Chart(frame, title=title).encode(
        x=alt.X("x:Q", title=_("PC 1"), scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=_("PC 2"), scale=alt.Scale(zero=False)),
        color=alt.Color("word:N", legend=None),
    )
    path = base.mark_line(opacity=0.6).encode(order="epoch:Q")
    points = base.mark_circle(size=40).encode(tooltip=["word:N", "epoch:Q"])
    epochs = base.mark_text(dx=7, dy=-6, fontSize=9, opacity=0.7).encode(text="epoch:Q")
    last = frame[frame["epoch"] == frame["epoch"].max()].copy()
    span_x = float(frame["x"].max() - frame["x"].min()) or 1.0
    span_y = float(frame["y"].max() - frame["y"].min()) or 1.0
    # words that end together would print their names on top of each other: spread them apart
    last["label_y"] = spread_labels(
        last["x"].to_numpy(), last["y"].to_numpy(), last["word"].str.len().to_numpy(), span_x, span_y
    )
    names = (
        alt.Chart(last)
        .mark_text(dx=10, dy=8, fontSize=13, fontWeight="bold", align="left")
        .encode(x="x:Q", y="label_y:Q", text="word:N", color=alt.Color("word:N", legend=None))
    )
    return alt.layer(path, points, epochs, names).properties(height=600)


LABEL_HEIGHT = 0.035  # a 13-px name on a 600-px chart, as a share of the y range
CHAR_WIDTH = 0.014  # one character of it on a ~600-px-wide chart, as a share of the x range


def spread_labels(x: np.ndarray, y: np.ndarray, lengths: np.ndarray, span_x: float, span_y: float) -> np.ndarray:
    """The y of each label so that no two labels overlap, moving as few as possible and only up.

    Labels start at (x, y) and run right for ``lengths`` characters. One pass from the lowest label
    up: a label that overlaps one already placed is raised just above it, once, so the work is
    bounded (n² comparisons at most) whatever the positions: it cannot loop.

    >>> spread_labels(np.array([0.0, 0.01, 5.0]), np.array([1.0, 1.0, 1.0]), np.array([5, 5, 5]), 10, 10).round(2).tolist()
    [1.0, 1.35, 1.0]
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    height, width = LABEL_HEIGHT * span_y, CHAR_WIDTH * span_x * np.asarray(lengths, dtype=float)
    placed = y.copy()
    done: list[int] = []
    for i in np.argsort(y, kind="stable"):
        for j in sorted(done, key=lambda k: placed[k]):  # lowest first, so a raise never meets one below
            overlaps_x = x[i] < x[j] + width[j] and x[j] < x[i] + width[i]
            if overlaps_x and abs(placed[i] - placed[j]) < height:
                placed[i] = placed[j] + height
        done.append(i)
    return placed


def change_scatter(frame: pd.DataFrame) -> alt.Chart:
    """How far each word moved (1 − cos, epoch 0 → last, after alignment) against its count.

    frame: columns word, count, change, path_length (:func:`~embedlab.runs.alignment.change_scores`).
    """
    _require(frame, ("word", "count", "change", "path_length"), "change_scatter")
    return (
        alt.Chart(shown_words(frame, "word"), title=_("change score against frequency"))
        .mark_circle(size=30, opacity=0.6)
        .encode(
            x=alt.X("count:Q", scale=alt.Scale(type="log"), title=_("count (log)")),
            y=alt.Y("change:Q", title=_("change (1 − cos, epoch 0 → last)")),
            color=alt.Color("path_length:Q", scale=alt.Scale(scheme="viridis"), title=_("path length")),
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

    frame: columns epoch, pearson, spearman (:func:`~embedlab.runs.agreement.agreement_over_epochs`).
    """
    _require(frame, ("epoch", "pearson", "spearman"), "agreement")
    long = frame.melt(id_vars="epoch", value_vars=["pearson", "spearman"], var_name="correlation")
    return _epoch_lines(
        long,
        _("agreement of the two trainers' cosines"),
        y=alt.Y("value:Q", scale=alt.Scale(domain=[-1, 1]), title=_("correlation")),
        color=series_colour(["pearson", "spearman"], "correlation", legend=alt.Legend(orient="top", title=None)),
        tooltip=["correlation:N", "epoch:Q", alt.Tooltip("value:Q", format=".3f")],
    ).properties(height=420)


def overlap_bars(frame: pd.DataFrame, *, title: str | None = None) -> alt.Chart:
    """One bar per word: Jaccard of the two trainers' top-k neighbour sets, highest first.

    frame: columns word, jaccard (:func:`~embedlab.runs.agreement.neighbour_overlap`).
    """
    _require(frame, ("word", "jaccard"), "overlap_bars")
    return (
        alt.Chart(shown_words(frame, "word"), title=_("neighbour overlap") if title is None else title)
        .mark_bar()
        .encode(
            x=alt.X("word:N", sort="-y", title=None, axis=alt.Axis(labelAngle=-50, labelOverlap=False)),
            y=alt.Y("jaccard:Q", scale=alt.Scale(domain=[0, 1]), title=_("Jaccard@k")),
            tooltip=["word:N", alt.Tooltip("jaccard:Q", format=".3f")],
        )
        .properties(height=400)
    )


def separation(frame: pd.DataFrame, epoch: int | None = None) -> alt.Chart | alt.HConcatChart:
    """Mean within-group and between-group cosine of the planted groups per epoch, and their gap.

    frame: columns epoch, within, between, gap (:func:`~embedlab.runs.analysis.separation_over_epochs`),
    plus ``trainer`` when runs are stacked (one panel each). ``epoch`` marks the epoch shown
    beside it (e.g. by the heatmaps' slider) with a rule.
    """
    _require(frame, ("epoch", "within", "between", "gap"), "separation")
    id_vars = ["epoch", "trainer"] if "trainer" in frame.columns else ["epoch"]
    long = frame.melt(id_vars=id_vars, value_vars=["within", "between", "gap"], var_name="cosine")
    names = {key: _(name) for key, name in SEPARATION_NAMES.items()}
    long["cosine"] = long["cosine"].map(names)

    def panel(data: pd.DataFrame, title: str) -> alt.Chart:
        lines = _epoch_lines(
            data,
            title,
            y=alt.Y("value:Q", title=_("mean cosine")),
            color=series_colour(list(names.values()), "cosine", legend=alt.Legend(orient="top", title=None)),
            tooltip=["cosine:N", "epoch:Q", alt.Tooltip("value:Q", format=".3f")],
        )
        if epoch is not None:
            marker = pd.DataFrame({"epoch": [epoch]})
            lines = alt.layer(
                lines, alt.Chart(marker).mark_rule(color="#555555", strokeDash=[3, 3]).encode(x="epoch:Q")
            )
        return lines.properties(width=200, height=220)

    return _per_trainer(long, panel, _("planted groups"))


SEPARATION_NAMES = {
    "within": N_("within a group"),
    "between": N_("between groups"),
    "gap": N_("gap (within − between)"),
}
