"""What every chart builder shares: the check of a frame's columns, the order of its values,
and the line over epochs that most per-epoch charts draw."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from embedlab import roles
from embedlab.text.lookup import display_word

TRAINER_COLOURS = roles.COLOURS  # display name → colour, the same on every chart
OTHER_TRAINER_COLOURS = ["#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"]
# Streamlit's own category colours, in its order: the series of a chart take them one by one
SERIES_COLOURS = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0"]


def trainer_colour_of(name: str) -> str | None:
    """The trainer colour of a run's display name: "NumPy softmax, λ = 0 …" is a NumPy run
    (blue), "gensim Word2Vec …" or "gensim" orange, "numpy" blue; None for any other name."""
    lowered = name.lower()
    for trainer, colour in {**TRAINER_COLOURS, **roles.colours()}.items():  # English and translated names
        if lowered.startswith(trainer.split()[0].lower()):
            return colour
    return None


def trainer_colour(
    names: Sequence[str], field: str = "trainer", colours: dict[str, str] | None = None, **options
) -> alt.Color:
    """A colour channel on ``field`` whose values are trainer names: each name its colour in
    ``colours`` if given there, else its trainer's colour on every chart; names that are no
    trainer's take the next of OTHER_TRAINER_COLOURS. Only the names shown are in the legend.
    ``options``: alt.Color's other arguments (title, legend)."""
    names = list(dict.fromkeys(names))
    given = colours or {}
    others = iter(OTHER_TRAINER_COLOURS * (1 + len(names) // len(OTHER_TRAINER_COLOURS)))
    shades = [given.get(name) or trainer_colour_of(name) or next(others) for name in names]
    return alt.Color(f"{field}:N", scale=alt.Scale(domain=names, range=shades), **options)


def series_colour(names: Sequence[str], field: str, **options) -> alt.Color:
    """A colour channel on ``field`` whose names take SERIES_COLOURS in the order given (the
    series' own order), so a series keeps its colour in every language: left to Vega, the
    colours follow the labels' sorted order, which a translation changes. ``options``:
    alt.Color's other arguments (title, legend).

    >>> series_colour(["training", "held-out"], "series").to_dict()["scale"]
    {'domain': ['training', 'held-out'], 'range': ['#0068c9', '#83c9ff']}
    """
    names = list(dict.fromkeys(names))
    shades = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(names))]
    return alt.Color(f"{field}:N", scale=alt.Scale(domain=names, range=shades), **options)


def shown_words(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with its word ``columns`` as the pages show words (``lookup.display_word``:
    "hoàng_hậu" as "hoàng hậu", as in the word pickers), so an axis, a label and a chip agree.

    >>> shown_words(pd.DataFrame({"word": ["hoàng_hậu", "max_len"]}), "word")["word"].tolist()
    ['hoàng hậu', 'max_len']
    """
    return frame.assign(**{column: frame[column].map(display_word) for column in columns})


def _require(frame: pd.DataFrame, columns: Sequence[str], builder: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{builder} needs columns {list(columns)}; the frame has {list(frame.columns)}")


def _order(values: pd.Series) -> list:
    """Distinct values in order of first appearance (the order the caller chose)."""
    return list(dict.fromkeys(values.tolist()))


def _epoch_lines(data: pd.DataFrame, title: str, **channels) -> alt.Chart:
    """A line with a point at every epoch (x: epoch, whole-epoch ticks); ``channels`` are the
    other encodings (y, color, tooltip, …)."""
    return (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)), **channels)
    )
