"""Charts of the embedding map (:mod:`embedlab.runs.embedding_map`): DataFrames in, ``alt.Chart`` out.

>>> import pandas as pd
>>> points = pd.DataFrame({"word": ["a", "b"], "count": [2, 1], "x": [0.0, 1.0], "y": [0.0, 1.0],
...                        "colour": ["g", "other"], "neighbours": ["b 0.50", "a 0.50"],
...                        "highlighted": [False, True]})
>>> spec = embedding_map(points, domain=([-1.0, 2.0], [-1.0, 2.0])).to_dict()
>>> [layer["mark"]["type"] for layer in spec["layer"]]
['point', 'circle', 'line', 'text']
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from embedlab.charts._common import _require, shown_words, trainer_colour
from embedlab.i18n import N_, _
from embedlab.runs.embedding_map import OTHER

OTHER_COLOUR = "#c8c8c8"
PATH_COLOUR = "#222222"
READOUT = {  # the shares drawn by map_readout, and their names
    "variance_kept": N_("variance of the epoch kept by the plane"),
    "movement_shown": N_("movement the picture shows (picture ÷ full space)"),
}
PALETTE = (  # Tableau 10 then its light half: one colour per group, the same on every map of a page
    "#4c78a8 #f58518 #e45756 #72b7b2 #54a24b #eeca3b #b279a2 #ff9da6 #9d755d #bab0ac "
    "#aec7e8 #ffbb78 #98df8a #ff9896 #c5b0d5 #c49c94 #f7b6d2 #dbdb8d #9edae5 #393b79"
).split()


def colour_scale(labels: Sequence[str]) -> alt.Scale:
    """Labels in their order of first appearance, ``"other"`` last and grey; the same labels
    get the same colours on every chart built with them."""
    other = _(OTHER)  # as embedding_map gives it, in the current language
    named = [label for label in dict.fromkeys(labels) if label != other]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(named))]
    return alt.Scale(domain=[*named, other], range=[*colours, OTHER_COLOUR])


def embedding_map(
    points: pd.DataFrame,
    paths: pd.DataFrame | None = None,
    *,
    domain: tuple[Sequence[float], Sequence[float]],
    title: str = "",
    colour_title: str = "colour",
    labels: Sequence[str] | None = None,
    size: int = 470,
) -> alt.LayerChart:
    """One epoch of the map: a point per word, coloured by its label, on fixed axes.

    points: columns word, count, x, y, colour, neighbours, highlighted
    (:func:`~embedlab.runs.embedding_map.map_points`); the hover shows the word, its count, its label
    and its nearest neighbours in the full space. paths: columns word, epoch, x, y
    (:func:`~embedlab.runs.embedding_map.map_paths`), drawn as a dark line per word with a dot per
    epoch. Highlighted words get a ringed dot and their name. ``domain`` = (x, y) ranges fixed
    across epochs (:meth:`~embedlab.runs.embedding_map.EmbeddingMap.extent`); the chart is square so
    both axes have the same scale. ``labels``: every label the page uses (so colours agree
    between charts); default: those in ``points``.
    """
    _require(points, ("word", "count", "x", "y", "colour", "neighbours", "highlighted"), "embedding_map")
    paths = paths if paths is not None else pd.DataFrame({"word": [], "epoch": [], "x": [], "y": []})
    _require(paths, ("word", "epoch", "x", "y"), "embedding_map")
    points, paths = shown_words(points, "word"), shown_words(paths, "word")
    x_domain, y_domain = domain
    x = alt.X("x:Q", title=_("PC 1"), scale=alt.Scale(domain=list(x_domain), nice=False, zero=False))
    y = alt.Y("y:Q", title=_("PC 2"), scale=alt.Scale(domain=list(y_domain), nice=False, zero=False))
    colour = alt.Color(
        "colour:N",
        title=colour_title,
        scale=colour_scale(labels if labels is not None else points["colour"]),
        legend=alt.Legend(orient="bottom", columns=4, symbolLimit=40),
    )
    tooltip = [
        alt.Tooltip("word:N"),
        alt.Tooltip("count:Q", format=","),
        alt.Tooltip("colour:N", title=colour_title),
        alt.Tooltip("neighbours:N", title=_("nearest (cosine, full space)")),
    ]
    dots = (
        alt.Chart(points).mark_circle(size=28, opacity=0.8, clip=True).encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    road = alt.Chart(paths).encode(x=x, y=y, detail="word:N", order="epoch:Q")
    lines = road.mark_line(
        color=PATH_COLOUR, strokeWidth=1.5, opacity=0.8, clip=True, point=alt.OverlayMarkDef(size=10, color=PATH_COLOUR)
    )
    marked = alt.Chart(points[points["highlighted"]]).encode(x=x, y=y)
    # a dark ring under the word's own dot (which keeps the hover), and its name
    rings = marked.mark_point(shape="circle", filled=False, size=170, strokeWidth=2.5, color=PATH_COLOUR, clip=True)
    names = marked.mark_text(
        dx=9, dy=-9, align="left", fontSize=13, fontWeight="bold", color=PATH_COLOUR, clip=True
    ).encode(text="word:N")
    return alt.layer(rings, dots, lines, names, title=title).properties(width=size, height=size)


def map_readout(frame: pd.DataFrame) -> alt.Chart:
    """What the picture hides, per epoch and trainer: the share of the epoch's variance the plane
    keeps (solid) and the share of the full-space movement the picture shows (dashed, picture ÷ full).

    frame: columns trainer, epoch, variance_kept, movement_full, movement_picture
    (:attr:`~embedlab.runs.embedding_map.EmbeddingMap.readout`, stacked with a ``trainer`` column).
    """
    _require(frame, ("trainer", "epoch", "variance_kept", "movement_full", "movement_picture"), "map_readout")
    shares = frame.assign(movement_shown=frame["movement_picture"] / frame["movement_full"])
    long = shares.melt(
        id_vars=["trainer", "epoch"], value_vars=list(READOUT), var_name="share", value_name="value"
    ).dropna(subset=["value"])
    names = {key: _(name) for key, name in READOUT.items()}
    long["share"] = long["share"].map(names)
    return (
        alt.Chart(long, title=_("what the picture hides"))
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=trainer_colour(long["trainer"], title=None, legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash(
                "share:N", sort=list(names.values()), title=None, legend=alt.Legend(orient="bottom")
            ),
            tooltip=["trainer:N", "share:N", "epoch:Q", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(height=260)
    )
