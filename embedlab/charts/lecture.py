"""The Lecture's charts: one small chart per step, from the tables :mod:`embedlab.teaching.lecture` measures.

Every chart has epoch 0 on the left (the sweep over d is the one exception), one colour per
trainer (``colours``: trainer name → colour, the same on every page) and any second distinction
(training/held-out, within/between, step/distance) as a dash pattern, so colour always means
the trainer. Titles say what is drawn, with units.

>>> import pandas as pd
>>> from embedlab.teaching.measured import Measured
>>> frame = pd.DataFrame({"epoch": [0, 1], "grad_norm": [0.01, 0.1], "grad_norm_se": [0.0, 0.0],
...                       "trainer": ["numpy"] * 2})
>>> step_chart(Measured("gradient", frame, "")).to_dict()["layer"][0]["mark"]["type"]
'line'
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from embedlab import roles
from embedlab.charts._common import trainer_colour
from embedlab.i18n import _
from embedlab.i18n import number as num
from embedlab.teaching.measured import Measured
from embedlab.text.lookup import display_word

HEIGHT = 340  # the whole chart, title and legend included: Streamlit fits a chart to its height
DASHES = [[1, 0], [6, 4], [2, 3], [8, 3, 2, 3]]  # solid, dashed, dotted, dash-dot


def _colour(frame: pd.DataFrame, colours: dict[str, str] | None, field: str = "trainer") -> alt.Color:
    return trainer_colour(frame[field], field, colours, legend=alt.Legend(orient="top", title=None, labelLimit=320))


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
    return alt.X("epoch:Q", title=_("epoch (0 = the random start)"), axis=alt.Axis(tickMinStep=1))


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
            alt.Tooltip("trainer:N", title=_("trainer")),
            *([alt.Tooltip(f"{dash}:N", title=_("line"))] if dash else []),
            alt.Tooltip("epoch:Q", title=_("epoch")),
            alt.Tooltip(f"{value}:Q", format=fmt, title=y_title),
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


def cosine_band(
    frame: pd.DataFrame,
    *,
    colours: dict[str, str] | None = None,
    quantiles=(0.05, 0.5, 0.95),
    title: str | None = None,
):
    """The spread of cosines per epoch: a band from the low to the high quantile and the median
    as a line, one colour per trainer (frame: epoch, low, median, high, trainer)."""
    low, _median, high = (f"{q:.0%}" for q in quantiles)
    base = alt.Chart(frame).encode(x=_epoch_x())
    band = base.mark_area(opacity=0.18).encode(
        y=alt.Y(
            "low:Q",
            title=_("cosine (median, {low}–{high} band)").format(low=low, high=high),
            scale=alt.Scale(domain=[-1, 1]),
        ),
        y2="high:Q",
        # the first layer's legend is the chart's: the same one as the medians', not none
        color=_colour(frame, colours),
    )
    median = base.mark_line(point=alt.OverlayMarkDef(size=22)).encode(
        y="median:Q",
        color=_colour(frame, colours),
        tooltip=[
            alt.Tooltip("trainer:N", title=_("trainer")),
            alt.Tooltip("epoch:Q", title=_("epoch")),
            alt.Tooltip("low:Q", format=".3f", title=_("{q} quantile").format(q=low)),
            alt.Tooltip("median:Q", format=".3f", title=_("median")),
            alt.Tooltip("high:Q", format=".3f", title=_("{q} quantile").format(q=high)),
            alt.Tooltip("sd:Q", format=".3f", title=_("sd")),
        ],
    )
    title = title or _("cosines of all pairs of the most frequent words")
    return alt.layer(band, median).properties(title=title, height=HEIGHT)


def sweep_terms(table: pd.DataFrame, *, colour: str | None = None) -> alt.LayerChart:
    """The sweep over d in one panel: the model's bias² (net of the held-out sample's error),
    the variance (R − 1), the noise (with that sampling error) and their total — they add up
    to the total exactly — against d on a log₂ axis, one dash pattern per term (one colour)."""
    terms = {
        "total": _("total"),
        "bias2_model": _("bias²"),
        "variance_unbiased": _("variance"),
        "noise_unbiased": _("noise σ²"),
    }
    long = table[["dim", *terms]].melt("dim", var_name="term", value_name="value")
    long["term"] = long["term"].map(terms)
    order = list(terms.values())
    base = alt.Chart(long).encode(
        x=alt.X("dim:Q", title=_("dimension d (log₂ axis)"), scale=alt.Scale(type="log", base=2)),
        y=alt.Y("value:Q", title=_("Brier score (mean over held-out pairs)")),
    )
    lines = base.mark_line(color=colour or "#4c78a8").encode(strokeDash=_dash("term", order))
    points = base.mark_circle(size=22, opacity=1, color=colour or "#4c78a8").encode(
        tooltip=[
            alt.Tooltip("term:N", title=_("term")),
            alt.Tooltip("dim:Q", title="d"),
            alt.Tooltip("value:Q", format=".4f", title=_("Brier score")),
        ]
    )
    title = _("held-out Brier score split over d (NumPy trainer)")
    return alt.layer(lines, points).properties(title=title, height=HEIGHT)


def _lines(measured: Measured, colours: dict[str, str] | None, value: str, title: str, y_title: str, **options):
    """:func:`epoch_lines` of a step's table, in the trainers' colours."""
    return epoch_lines(measured.frame, value, title=title, y_title=y_title, colours=colours, **options)


def _analogy(measured: Measured, colours: dict[str, str] | None):
    a, b, c, expected = map(display_word, measured.extra.get("words", ("a", "b", "c", _("the answer"))))
    title = _("rank of “{expected}” as the answer to {a} − {b} + {c}").format(expected=expected, a=a, b=b, c=c)
    cosine = alt.Tooltip("cosine:Q", format=".3f", title=_("cosine"))
    best = alt.Tooltip("best:N", title=_("nearest answer"))
    options = {"log": True, "reverse": True, "fmt": "d", "tooltip_extra": (cosine, best)}
    return _lines(measured, colours, "rank", title, _("rank (1 = nearest; log scale)"), **options)


def _loss(measured: Measured, colours: dict[str, str] | None):
    title = _("loss per pair, −mean log P(c | w) (nats)")
    chart = _lines(measured, colours, "value", title, _("loss (nats per pair)"), dash="series")
    ln_v = measured.extra["ln_V"]
    label = _("ln V = {ln_V}: guessing uniformly").format(ln_V=num(ln_v, ".2f"))
    return chart + _rule(ln_v, label, measured.frame["epoch"].max())


def _descent(measured: Measured, colours: dict[str, str] | None):
    """cos(Δv_w(t), −∇_w J(t−1)) over words per epoch (10–90 % band, median), the grey band a
    random direction's ±2/√d, and the followed word's own cosine as points."""
    frame = measured.frame
    title = _("cos(Δv(t), −∇J at t−1) over words, ◆ “{word}”: does each step go downhill?").format(
        word=display_word(measured.extra["word"])
    )
    chart = cosine_band(frame, colours=colours, quantiles=(0.1, 0.5, 0.9))
    bound = 2 / measured.extra["d"] ** 0.5
    chance = pd.DataFrame({"epoch": [0, frame["epoch"].max()], "low": -bound, "high": bound})  # the axis from 0
    band = (
        alt.Chart(chance)
        .mark_area(color="#999", opacity=0.25)
        .encode(x="epoch:Q", y="low:Q", y2="high:Q", tooltip=[alt.Tooltip("high:Q", format=".2f", title="±2/√d")])
    )
    word = measured.extra.get("word_cosines")
    # alt.layer lifted the band's and medians' shared data to `chart`: give it back to each layer.
    layers = [band, *(layer.properties(data=chart.data) for layer in chart.layer)]
    if word is not None and len(word):
        layers.append(
            alt.Chart(word.dropna())
            .mark_point(shape="diamond", size=40, filled=True)
            .encode(
                x="epoch:Q",
                y="cosine:Q",
                color=alt.Color("trainer:N", legend=None),
                tooltip=[
                    alt.Tooltip("trainer:N", title=_("trainer")),
                    alt.Tooltip("epoch:Q", title=_("epoch")),
                    alt.Tooltip("cosine:Q", format=".3f", title=measured.extra["word"]),
                ],
            )
        )
    return alt.layer(*layers).properties(title=title, height=HEIGHT)


def _spread(measured: Measured, colours: dict[str, str] | None):
    quantiles = measured.extra.get("quantiles", (0.05, 0.5, 0.95))
    return cosine_band(measured.frame, colours=colours, quantiles=quantiles)


def _clusters(measured: Measured, colours: dict[str, str] | None):
    title = _("mean cosine of the planted groups' word pairs")
    return _lines(measured, colours, "cosine", title, _("mean cosine"), dash="pairs", fmt=".3f")


def _gradient(measured: Measured, colours: dict[str, str] | None):
    frame = measured.frame
    return epoch_lines(
        frame[frame["grad_norm"] > 0],  # a log axis cannot show 0
        "grad_norm",
        title=_("‖∇L‖ over all parameters, per epoch"),
        y_title=_("‖∇L‖ (log scale)"),
        colours=colours,
        log=True,
        tooltip_extra=(alt.Tooltip("grad_norm_se:Q", format=".2g", title=_("standard error")),),
    )


def _l2(measured: Measured, colours: dict[str, str] | None):
    title = _("mean ‖v‖ without and with L2 (λ = {lam}), constant learning rate").format(
        lam=num(measured.extra["lambda"], "g")
    )
    return _lines(measured, colours, "mean_norm", title, _("mean ‖v‖"), dash="run", zero=True)


def _norms(measured: Measured, colours: dict[str, str] | None):
    title = _("mean ‖v‖ of the input vectors")
    return _lines(measured, colours, "mean_norm", title, _("mean ‖v‖"), zero=True)


def _gap(measured: Measured, colours: dict[str, str] | None):
    title = _("held-out loss minus training loss (the generalisation gap)")
    chart = _lines(measured, colours, "gap", title, _("gap (nats per pair)"), zero=True)
    return chart + _rule(0.0, _("no gap"), measured.frame["epoch"].max())


def _sweep(measured: Measured, colours: dict[str, str] | None):
    return sweep_terms(measured.frame, colour=(colours or {}).get(roles.name(roles.NUMPY)))


def _drift(measured: Measured, colours: dict[str, str] | None):
    title = _("mean drift since the switch, 1 − cos(v(t) R_t, v(switch)), R_t: Procrustes")
    chart = _lines(measured, colours, "drift", title, _("mean drift"), dash="kind", zero=True)
    switch = pd.DataFrame({"epoch": [measured.extra["switch"]]})
    return chart + alt.Chart(switch).mark_rule(color="#555", strokeDash=[5, 4]).encode(x="epoch:Q")


def _displacement(measured: Measured, colours: dict[str, str] | None):
    title = _("mean step of a vector per epoch, ‖v(t) − v(t−1)‖")
    return _lines(measured, colours, "displacement", title, _("mean displacement"), zero=True)


# Measured.kind → the function drawing that step's table.
STEP_CHARTS = {
    "analogy": _analogy,
    "loss": _loss,
    "descent": _descent,
    "spread": _spread,
    "clusters": _clusters,
    "gradient": _gradient,
    "l2": _l2,
    "norms": _norms,
    "gap": _gap,
    "sweep": _sweep,
    "drift": _drift,
    "displacement": _displacement,
}


def step_chart(measured: Measured, colours: dict[str, str] | None = None):
    """The chart of one Lecture step (None when the step has no table)."""
    if measured.frame is None:
        return None
    if measured.kind not in STEP_CHARTS:
        raise ValueError(f"no Lecture chart for kind {measured.kind!r}")
    return STEP_CHARTS[measured.kind](measured, colours)
