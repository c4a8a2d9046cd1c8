"""Charts of intrinsic quality per epoch: WordSim-353, SimLex-999, analogies, planted groups."""

from __future__ import annotations

import altair as alt
import numpy as np  # noqa: F401  (the doctests use it)
import pandas as pd

from embedlab.charts._common import trainer_colour
from embedlab.i18n import N_, _
from embedlab.runs.quality import spearman_interval, wilson_interval

# (score column, panel title, count column, what is counted, benchmark size)
PANELS = (
    ("wordsim353_spearman", "WordSim-353 ρ", "wordsim353_pairs", "pairs", 353),
    ("simlex999_spearman", "SimLex-999 ρ", "simlex999_pairs", "pairs", 999),
    ("analogy_accuracy", N_("analogy accuracy (3CosAdd)"), "analogy_count", "questions", None),
    ("group_gap", N_("planted groups: within − between cosine"), None, None, None),
    ("group_silhouette", N_("planted groups: silhouette (cosine)"), None, None, None),
)


def quality_long(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per-epoch scores of several runs in long form for small multiples.

    tables: trainer name → an :func:`evaluate_run` table. Returns ``trainer, epoch, panel,
    value, low, high, coverage`` with one row per score that is a number: NaN scores (too few
    pairs) and absent group columns are left out, so a chart never draws them. low/high: the
    95 % interval (Fisher z for ρ, Wilson for an accuracy; none for the planted groups).

    >>> t = pd.DataFrame({"epoch": [0, 1], "wordsim353_spearman": [np.nan, 0.25], "wordsim353_pairs": [99, 99]})
    >>> quality_long({"gensim": t}).round(3).values.tolist()
    [['gensim', 1, 'WordSim-353 ρ', 0.25, 0.049, 0.431, '99 of 353 pairs in vocabulary']]
    """
    frames = []
    for trainer, table in tables.items():
        for column, title, count, unit, total in PANELS:
            if column not in table:
                continue
            frame = table[["epoch", column]].rename(columns={column: "value"}).assign(trainer=trainer, panel=title)
            frame["low"], frame["high"] = np.nan, np.nan
            if count is None:
                frame["coverage"] = "planted groups of the corpus"
            else:
                interval = wilson_interval if total is None else spearman_interval
                bounds = [interval(v, int(n)) for v, n in zip(frame["value"], table[count], strict=True)]
                frame["low"], frame["high"] = [b[0] for b in bounds], [b[1] for b in bounds]
                if total is None:
                    frame["coverage"] = table[count].map(lambda n, unit=unit: f"{int(n):,} {unit} evaluated")
                else:
                    frame["coverage"] = table[count].map(
                        lambda n, t=total, u=unit: f"{int(n)} of {t} {u} in vocabulary"
                    )
            frames.append(frame.dropna(subset=["value"]))
    columns = ["trainer", "epoch", "panel", "value", "low", "high", "coverage"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def quality_panels(long: pd.DataFrame, colours: dict[str, str] | None = None) -> alt.FacetChart:
    """One small panel per score, both trainers as coloured lines with their 95 % interval as a
    band, coverage in the tooltip. ``colours``: trainer name → colour (one colour per trainer
    on every page)."""
    names = {title: _(title) for _column, title, *_rest in PANELS}  # the facets in the current language
    long = long.assign(panel=long["panel"].map(lambda title: names.get(title, title)))
    order = list(names.values())
    colour = trainer_colour(long["trainer"], colours=colours, title=None, legend=alt.Legend(orient="bottom"))
    base = alt.Chart().encode(x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)), color=colour)
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("low:Q", title=None), y2="high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        tooltip=[
            "trainer:N",
            "epoch:Q",
            alt.Tooltip("value:Q", format=".3f"),
            alt.Tooltip("low:Q", format=".3f", title=_("95 % from")),
            alt.Tooltip("high:Q", format=".3f", title=_("95 % to")),
            "coverage:N",
        ],
    )
    return (
        alt.layer(band, line, data=long)
        .properties(width=190, height=170)
        # two panels a row fit the main column of a 1024 px window (three were cut off there)
        .facet(facet=alt.Facet("panel:N", sort=order, title=None), columns=2)
        .resolve_scale(y="independent")
    )
