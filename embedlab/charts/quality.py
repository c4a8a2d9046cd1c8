"""Charts of intrinsic quality per epoch: WordSim-353, SimLex-999, analogies, planted groups."""

from __future__ import annotations

import altair as alt
import numpy as np  # noqa: F401  (the doctests use it)
import pandas as pd

# (score column, panel title, count column, what is counted, benchmark size)
PANELS = (
    ("wordsim353_spearman", "WordSim-353 ρ", "wordsim353_pairs", "pairs", 353),
    ("simlex999_spearman", "SimLex-999 ρ", "simlex999_pairs", "pairs", 999),
    ("analogy_accuracy", "analogy accuracy (3CosAdd)", "analogy_count", "questions", None),
    ("group_gap", "planted groups: within − between cosine", None, None, None),
    ("group_silhouette", "planted groups: silhouette (cosine)", None, None, None),
)


def quality_long(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per-epoch scores of several runs in long form for small multiples.

    tables: trainer name → an :func:`evaluate_run` table. Returns ``trainer, epoch, panel,
    value, coverage`` with one row per score that is a number: NaN scores (too few pairs) and
    absent group columns are left out, so a chart never draws them.

    >>> t = pd.DataFrame({"epoch": [0, 1], "wordsim353_spearman": [np.nan, 0.25], "wordsim353_pairs": [19, 19]})
    >>> quality_long({"gensim": t}).values.tolist()
    [['gensim', 1, 'WordSim-353 ρ', 0.25, '19 of 353 pairs in vocabulary']]
    """
    frames = []
    for trainer, table in tables.items():
        for column, title, count, unit, total in PANELS:
            if column not in table:
                continue
            frame = table[["epoch", column]].rename(columns={column: "value"}).assign(trainer=trainer, panel=title)
            if count is None:
                frame["coverage"] = "planted groups of the corpus"
            elif total is None:
                frame["coverage"] = table[count].map(lambda n, unit=unit: f"{int(n):,} {unit} evaluated")
            else:
                frame["coverage"] = table[count].map(lambda n, t=total, u=unit: f"{int(n)} of {t} {u} in vocabulary")
            frames.append(frame.dropna(subset=["value"]))
    columns = ["trainer", "epoch", "panel", "value", "coverage"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def quality_panels(long: pd.DataFrame) -> alt.FacetChart:
    """One small panel per score, both trainers as coloured lines, coverage in the tooltip."""
    order = [title for _, title, *_ in PANELS]
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color("trainer:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["trainer:N", "epoch:Q", alt.Tooltip("value:Q", format=".3f"), "coverage:N"],
        )
        .properties(width=190, height=170)
        .facet(facet=alt.Facet("panel:N", sort=order, title=None), columns=5)
        .resolve_scale(y="independent")
    )
