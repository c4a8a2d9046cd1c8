"""What every chart builder shares: the check of a frame's columns, the order of its values,
and the line over epochs that most per-epoch charts draw."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd


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
