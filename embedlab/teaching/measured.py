"""What every Lecture step returns (:class:`Measured`), and the small pieces its note is written from:
the runs of one trainer or with one column, their metrics stacked in long form, a learning rate's
range, an objective's name, a Markdown list of one line per trainer."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from embedlab.i18n import _
from embedlab.i18n import number as num
from embedlab.store import Run


@dataclass(frozen=True)
class Measured:
    """What one step shows of the current runs.

    ``kind`` names what ``frame`` holds (the chart :func:`embedlab.charts.lecture.step_chart`
    draws); ``frame`` is None when the runs cannot show the claim at all (then ``note`` says
    why). ``more``: for a step whose full data come from opt-in work, one line on how to get
    it ("" when it is all there). ``extra``: numbers the chart needs besides the table.
    """

    kind: str
    frame: pd.DataFrame | None
    note: str
    more: str = ""
    extra: dict = field(default_factory=dict)


def by_trainer(runs: Mapping[str, Run], trainer: str) -> dict[str, Run]:
    return {name: run for name, run in runs.items() if run.trainer == trainer}


def runs_with_loss(runs: Mapping[str, Run]) -> dict[str, Run]:
    return {name: run for name, run in runs.items() if run.has_loss}


def runs_with(runs: Mapping[str, Run], column: str) -> dict[str, Run]:
    """The runs whose metrics have ``column`` (an imported run may have none)."""
    return {name: run for name, run in runs.items() if column in run.metrics}


def long_form(frames: Mapping[str, pd.DataFrame], column: str = "trainer") -> pd.DataFrame:
    return pd.concat([frame.assign(**{column: name}) for name, frame in frames.items()], ignore_index=True)


def per_epoch(runs: Mapping[str, Run], column: str, label: str = "trainer") -> pd.DataFrame:
    """``epoch, <column>, <label>``: one metrics column of every run, stacked (label = the run's name)."""
    return long_form({name: run.metrics[["epoch", column]] for name, run in runs.items()}, label)


def lr_range(run: Run) -> str:
    lr = run.metrics["lr"]
    if lr.iloc[-1] != lr.iloc[0]:
        return _("from {first} to {last}").format(first=num(lr.iloc[0], ".3g"), last=num(lr.iloc[-1], ".2g"))
    return _("{lr} throughout").format(lr=num(lr.iloc[0], ".3g"))


def objective_name(run: Run) -> str:
    options = run.config.get("train_options", {})
    objective = run.config.get("objective")
    if objective == "softmax":
        return _("the full softmax")
    if objective == "negative" or options.get("negative"):
        return _("negative sampling ({noise} noise words per pair)").format(noise=options.get("negative", "?"))
    if objective in ("hierarchical", "hs") or options.get("hs"):
        return _("hierarchical softmax")
    return str(objective or _("its own objective"))


def bullets(parts: Sequence[str], remark: str = "") -> str:
    """A Markdown list, one line per trainer, then a remark as its own paragraph."""
    text = "\n".join(f"- {part}" for part in parts)
    return f"{text}\n\n{remark}" if remark else text


def loss_note(name: str, run: Run) -> str:
    """§2's note on the full-softmax run: its loss against ln V, held out too when the held-out
    sentences gave pairs (their loss is NaN when they gave none), and how a step is taken."""
    V = len(run.vocab)
    m = run.metrics
    last = m.iloc[-1]
    options = run.config.get("train_options", {})
    batch = options.get("batch_size", "?")
    held_out = math.isfinite(last["heldout_loss"])  # NaN: the held-out sentences gave no pair
    return (
        _(
            "**{name}**: L = {start} at epoch 0 against ln V = ln {V} = {ln_V}; at epoch {epoch} {loss} on the "
            "training pairs and {heldout} held out, as if choosing among e^L = {choices} of the {V} words. Each step "
            "is the mean gradient over a batch of {batch} centre positions (all their contexts), with η {lr} (the lr "
            "column), not one pair at a time."
        )
        if held_out
        else _(
            "**{name}**: L = {start} at epoch 0 against ln V = ln {V} = {ln_V}; at epoch {epoch} {loss} on the "
            "training pairs, as if choosing among e^L = {choices} of the {V} words (the held-out sentences gave no "
            "pair to measure: the Corpus page says why). Each step is the mean gradient over a batch of {batch} "
            "centre positions (all their contexts), with η {lr} (the lr column), not one pair at a time."
        )
    ).format(
        name=name,
        start=num(m["loss"].iloc[0], ".3f"),
        V=num(V, ","),
        ln_V=num(math.log(V), ".3f"),
        epoch=int(last["epoch"]),
        loss=num(last["loss"], ".3f"),
        heldout=num(last["heldout_loss"], ".3f"),
        choices=num(math.exp(last["heldout_loss" if held_out else "loss"]), ",.0f"),
        batch=num(batch, ",") if isinstance(batch, int) else batch,
        lr=lr_range(run),
    )
