"""The Lecture's charts: one small chart per step, from the tables :mod:`embedlab.lecture` measures.

Every chart has epoch 0 on the left (the sweep over d is the one exception), one colour per
trainer (``colours``: trainer name → colour, the same on every page) and any second distinction
(training/held-out, within/between, step/distance) as a dash pattern, so colour always means
the trainer. Titles say what is drawn, with units.

>>> import pandas as pd
>>> from embedlab.lecture import Measured
>>> frame = pd.DataFrame({"epoch": [0, 1], "grad_norm": [0.01, 0.1], "grad_norm_se": [0.0, 0.0],
...                       "trainer": ["NumPy softmax"] * 2})
>>> step_chart(Measured("gradient", frame, "")).to_dict()["layer"][0]["mark"]["type"]
'line'
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from embedlab.lecture import Measured

HEIGHT = 340  # the whole chart, title and legend included: Streamlit fits a chart to its height
DASHES = [[1, 0], [6, 4], [2, 3], [8, 3, 2, 3]]  # solid, dashed, dotted, dash-dot


def _colour(frame: pd.DataFrame, colours: dict[str, str] | None, field: str = "trainer") -> alt.Color:
    names = list(dict.fromkeys(frame[field].tolist()))
    legend = alt.Legend(orient="top", title=None, labelLimit=320)
    if colours and all(name in colours for name in names):
        return alt.Color(f"{field}:N", scale=alt.Scale(domain=names, range=[colours[n] for n in names]), legend=legend)
    return alt.Color(f"{field}:N", legend=legend)


def _dash(field: str, values: list) -> alt.StrokeDash:
    return alt.StrokeDash(
        f"{field}:N",
        scale=alt.Scale(domain=values, range=DASHES[: len(values)]),
        legend=alt.Legend(
            orient="bottom",
            title=None,
            labelLimit=320,
            symbolType="stroke",
            symbolStrokeColor="#555",
            symbolStrokeWidth=2,
            symbolSize=400,
        ),
        sort=values,
    )


def _epoch_x() -> alt.X:
    return alt.X("epoch:Q", title="epoch (0 = the random start)", axis=alt.Axis(tickMinStep=1))


def epoch_lines(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    y_title: str,
    colours: dict[str, str] | None = None,
    dash: str | None = None,
    log: bool = False,
    reverse: bool = False,
    zero: bool = False,
    tooltip_extra: tuple = (),
    fmt: str = ".4g",
) -> alt.LayerChart:
    """``value`` per epoch, one colour per ``trainer`` and, if ``dash`` names a column, one dash
    pattern per value of it. The chart is a layer so that the caller can add rules to it."""
    y_scale = alt.Scale(type="log", reverse=reverse) if log else alt.Scale(zero=zero, reverse=reverse)
    base = alt.Chart(frame).encode(x=_epoch_x(), y=alt.Y(f"{value}:Q", title=y_title, scale=y_scale))
    line_encoding = {"color": _colour(frame, colours)}
    if dash:
        line_encoding["strokeDash"] = _dash(dash, list(dict.fromkeys(frame[dash].tolist())))
        line_encoding["detail"] = alt.Detail("trainer:N")
    lines = base.mark_line().encode(**line_encoding)
    # The points carry the tooltips; drawn apart from the lines so the dash legend shows dashes.
    points = base.mark_circle(size=22, opacity=1).encode(
        color=alt.Color("trainer:N", legend=None),
        tooltip=[
            "trainer:N",
            *([f"{dash}:N"] if dash else []),
            "epoch:Q",
            alt.Tooltip(f"{value}:Q", format=fmt),
            *tooltip_extra,
        ],
    )
    return alt.layer(lines, points).properties(title=title, height=HEIGHT)


def _rule(y: float, label: str, at_epoch: float) -> alt.LayerChart:
    """A dotted horizontal line at ``y``, labelled at its right end (``at_epoch``, the last one)."""
    frame = pd.DataFrame({"y": [y], "epoch": [at_epoch], "label": [label]})
    rule = alt.Chart(frame).mark_rule(color="#888", strokeDash=[3, 3]).encode(y="y:Q")
    text = (
        alt.Chart(frame)
        .mark_text(align="right", dy=-7, color="#555", fontSize=11)
        .encode(y="y:Q", x="epoch:Q", text="label:N")
    )
    return alt.layer(rule, text)


def cosine_band(frame: pd.DataFrame, *, colours: dict[str, str] | None = None, quantiles=(0.05, 0.5, 0.95)):
    """The spread of cosines per epoch: a band from the low to the high quantile and the median
    as a line, one colour per trainer (frame: epoch, low, median, high, trainer)."""
    low, _, high = (f"{q:.0%}" for q in quantiles)
    base = alt.Chart(frame).encode(x=_epoch_x())
    band = base.mark_area(opacity=0.18).encode(
        y=alt.Y("low:Q", title=f"cosine (median, {low}–{high} band)", scale=alt.Scale(domain=[-1, 1])),
        y2="high:Q",
        color=alt.Color("trainer:N", legend=None),
    )
    median = base.mark_line(point=alt.OverlayMarkDef(size=22)).encode(
        y="median:Q",
        color=_colour(frame, colours),
        tooltip=[
            "trainer:N",
            "epoch:Q",
            alt.Tooltip("low:Q", format=".3f", title=f"{low} quantile"),
            alt.Tooltip("median:Q", format=".3f"),
            alt.Tooltip("high:Q", format=".3f", title=f"{high} quantile"),
            alt.Tooltip("sd:Q", format=".3f"),
        ],
    )
    return alt.layer(band, median).properties(title="cosines of all pairs of the most frequent words", height=HEIGHT)


def sweep_terms(table: pd.DataFrame, *, colour: str | None = None) -> alt.LayerChart:
    """The sweep over d in one panel: bias² (corrected), variance (R − 1), noise and their total
    against d on a log₂ axis, one dash pattern per term (all NumPy runs: one colour)."""
    terms = {"total": "total", "bias2_corrected": "bias²", "variance_unbiased": "variance", "noise": "noise σ²"}
    long = table[["dim", *terms]].melt("dim", var_name="term", value_name="value")
    long["term"] = long["term"].map(terms)
    order = list(terms.values())
    base = alt.Chart(long).encode(
        x=alt.X("dim:Q", title="dimension d (log₂ axis)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("value:Q", title="Brier score (mean over held-out pairs)"),
    )
    lines = base.mark_line(color=colour or "#4c78a8").encode(strokeDash=_dash("term", order))
    points = base.mark_circle(size=22, opacity=1, color=colour or "#4c78a8").encode(
        tooltip=["term:N", "dim:Q", alt.Tooltip("value:Q", format=".4f")]
    )
    return alt.layer(lines, points).properties(title="held-out Brier score split over d (NumPy trainer)", height=HEIGHT)


def step_chart(measured: Measured, colours: dict[str, str] | None = None):
    """The chart of one Lecture step (None when the step has no table)."""
    frame, kind = measured.frame, measured.kind
    if frame is None:
        return None
    if kind == "analogy":
        a, b, c, expected = measured.extra.get("words", ("a", "b", "c", "the answer"))
        return epoch_lines(
            frame,
            "rank",
            title=f"rank of “{expected}” as the answer to {a} − {b} + {c}",
            y_title="rank (1 = nearest; log scale)",
            colours=colours,
            log=True,
            reverse=True,
            fmt="d",
            tooltip_extra=(alt.Tooltip("cosine:Q", format=".3f"), alt.Tooltip("best:N", title="nearest answer")),
        )
    if kind == "loss":
        chart = epoch_lines(
            frame,
            "value",
            title="loss per pair, −mean log P(c | w) (nats)",
            y_title="loss (nats per pair)",
            colours=colours,
            dash="series",
        )
        ln_v = measured.extra["ln_V"]
        return chart + _rule(ln_v, f"ln V = {ln_v:.2f}: guessing uniformly", frame["epoch"].max())
    if kind == "steps":
        return epoch_lines(
            frame,
            "value",
            title=f"“{measured.extra['word']}”: each epoch's step and the distance travelled",
            y_title="length (same units as v)",
            colours=colours,
            dash="quantity",
            zero=True,
        )
    if kind == "spread":
        return cosine_band(frame, colours=colours, quantiles=measured.extra.get("quantiles", (0.05, 0.5, 0.95)))
    if kind == "clusters":
        return epoch_lines(
            frame,
            "cosine",
            title="mean cosine of the planted groups' word pairs",
            y_title="mean cosine",
            colours=colours,
            dash="pairs",
            fmt=".3f",
        )
    if kind == "gradient":
        return epoch_lines(
            frame[frame["grad_norm"] > 0],  # a log axis cannot show 0
            "grad_norm",
            title="‖∇L‖ over all parameters, per epoch",
            y_title="‖∇L‖ (log scale)",
            colours=colours,
            log=True,
            tooltip_extra=(alt.Tooltip("grad_norm_se:Q", format=".2g", title="standard error"),),
        )
    if kind == "l2":
        return epoch_lines(
            frame,
            "mean_norm",
            title=f"mean ‖v‖ without and with L2 (λ = {measured.extra['lambda']:g}), constant learning rate",
            y_title="mean ‖v‖",
            colours=colours,
            dash="run",
            zero=True,
        )
    if kind == "norms":
        return epoch_lines(
            frame, "mean_norm", title="mean ‖v‖ of the input vectors", y_title="mean ‖v‖", colours=colours, zero=True
        )
    if kind == "gap":
        chart = epoch_lines(
            frame,
            "gap",
            title="held-out loss minus training loss (the generalisation gap)",
            y_title="gap (nats per pair)",
            colours=colours,
            zero=True,
        )
        return chart + _rule(0.0, "no gap", frame["epoch"].max())
    if kind == "sweep":
        return sweep_terms(frame, colour=(colours or {}).get("NumPy softmax"))
    if kind == "drift":
        chart = epoch_lines(
            frame,
            "drift",
            title="mean drift since the switch, 1 − cos(v(t), v(switch))",
            y_title="mean drift",
            colours=colours,
            dash="kind",
            zero=True,
        )
        switch = pd.DataFrame({"epoch": [measured.extra["switch"]]})
        return chart + alt.Chart(switch).mark_rule(color="#555", strokeDash=[5, 4]).encode(x="epoch:Q")
    if kind == "displacement":
        return epoch_lines(
            frame,
            "displacement",
            title="mean step of a vector per epoch, ‖v(t) − v(t−1)‖",
            y_title="mean displacement",
            colours=colours,
            zero=True,
        )
    raise ValueError(f"no Lecture chart for kind {kind!r}")
