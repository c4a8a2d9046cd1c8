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
    ("wordsim353_spearman", N_("WordSim-353 ρ"), "wordsim353_pairs", "pairs", 353),
    ("simlex999_spearman", N_("SimLex-999 ρ"), "simlex999_pairs", "pairs", 999),
    ("analogy_accuracy", N_("analogy accuracy (3CosAdd)"), "analogy_count", "questions", None),
    ("group_gap", N_("planted groups: within − between cosine"), None, None, None),
    ("group_silhouette", N_("planted groups: silhouette (cosine)"), None, None, None),
)


def quality_long(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per-epoch scores of several runs in long form for small multiples.

    tables: trainer name → an :func:`evaluate_run` table. Returns ``trainer, epoch, panel,
    value, low, high, coverage`` with one row per score that is a number: NaN scores (too few
    pairs) and absent group columns are left out, so a chart never draws them. low/high: the
    95% interval (Fisher z for ρ, Wilson for an accuracy; none for the planted groups).

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


def quality_panels(
    long: pd.DataFrame, colours: dict[str, str] | None = None, *, height: int = 190
) -> list[alt.LayerChart]:
    """One small chart per score, both trainers as coloured lines with their 95% interval as a
    band, coverage in the tooltip; the panels in :data:`PANELS`' order, each on its own y axis.
    ``colours``: trainer name → colour (one colour per trainer on every page).

    The panels have no width: a page draws them two a row in columns, each as wide as its column
    (a faceted chart keeps its fixed panel widths). The first row carries the trainers' legend,
    so the panels of a row keep one height.

    >>> t = pd.DataFrame({"epoch": [0, 1], "wordsim353_spearman": [0.1, 0.25], "wordsim353_pairs": [99, 99]})
    >>> [p.to_dict()["title"] for p in quality_panels(quality_long({"gensim": t}))]
    ['WordSim-353 ρ']
    """
    names = {title: _(title) for _column, title, *_rest in PANELS}  # the panels in the current language
    epochs = alt.Scale(domain=[0, int(long["epoch"].max())])  # every panel the same epochs
    panels = []
    for title in names:
        rows = long[long["panel"] == title]
        if rows.empty:
            continue
        legend = alt.Legend(orient="top", title=None) if len(panels) < 2 else None
        colour = trainer_colour(long["trainer"], colours=colours, title=None, legend=legend)
        base = alt.Chart(rows).encode(x=alt.X("epoch:Q", scale=epochs, axis=alt.Axis(tickMinStep=1)), color=colour)
        band = base.mark_area(opacity=0.18).encode(y=alt.Y("low:Q", title=None), y2="high:Q")
        line = base.mark_line(point=True).encode(
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            tooltip=[
                "trainer:N",
                "epoch:Q",
                alt.Tooltip("value:Q", format=".3f"),
                alt.Tooltip("low:Q", format=".3f", title=_("95% from")),
                alt.Tooltip("high:Q", format=".3f", title=_("95% to")),
                "coverage:N",
            ],
        )
        panels.append(alt.layer(band, line, title=names[title]).properties(height=height))
    return panels
