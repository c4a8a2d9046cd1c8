"""The Lecture's last steps, §6–§8: each reads an experiment beyond the current runs when this
session ran it (the L2 comparison, the sweep over d, fine-tuning), else what the current runs
can show, with one line (``Measured.more``) on how to get the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from embedlab import roles
from embedlab.i18n import _, listing
from embedlab.i18n import number as num
from embedlab.store import Run
from embedlab.teaching.measured import Measured, bullets, long_form, per_epoch, runs_with, runs_with_loss

# ---------------------------------------------------------------- §6 L2


def _growth(metrics: pd.DataFrame) -> float:
    norms = metrics["mean_norm"].to_numpy()
    return float(norms[-1] / norms[-2] - 1.0) if len(norms) > 1 else 0.0


def regularisation(runs: Mapping[str, Run], l2_pair: tuple[Run, Run] | None) -> Measured:
    """§6: mean ‖v‖ per epoch without and with L2 (the comparison runs), else of the current runs."""
    if l2_pair is not None:
        return _l2_comparison(runs, *l2_pair)
    return _current_norms(runs)


def _l2_comparison(runs: Mapping[str, Run], off: Run, on: Run) -> Measured:
    """The comparison runs: the same NumPy training without (``off``) and with (``on``) λ."""
    lam = on.config["train_options"]["l2"]
    long = per_epoch({"λ = 0": off, f"λ = {num(lam, 'g')}": on}, "mean_norm", "run")
    long["trainer"] = next((n for n, r in runs.items() if r.trainer == roles.NUMPY), roles.name(roles.NUMPY))
    mo, mn = off.metrics.iloc[-1], on.metrics.iloc[-1]
    lowers = mn["heldout_loss"] < mo["heldout_loss"]
    note = _(
        "NumPy trainer, constant learning rate, {epochs} epochs: mean ‖v‖ at the last epoch {off} with λ = 0 and "
        "{on} with λ = {lam} ({share}); without L2 it still grew {growth_off} in the last epoch, with L2 {growth_on}. "
        "Held-out loss {heldout_off} against {heldout_on}: here L2 {verb} it by {change}."
    ).format(
        epochs=int(mo["epoch"]),
        off=num(mo["mean_norm"], ".2f"),
        on=num(mn["mean_norm"], ".2f"),
        lam=num(lam, "g"),
        share=num(mn["mean_norm"] / mo["mean_norm"], ".0%"),
        growth_off=num(_growth(off.metrics), ".1%"),
        growth_on=num(_growth(on.metrics), "+.1%"),
        heldout_off=num(mo["heldout_loss"], ".3f"),
        heldout_on=num(mn["heldout_loss"], ".3f"),
        verb=_("lowers") if lowers else _("raises"),
        change=num(abs(mn["heldout_loss"] - mo["heldout_loss"]), ".3f"),
    )
    ln_v = math.log(len(on.vocab))
    if mn["loss"] - mn.get("penalty", 0.0) > 0.95 * ln_v:
        note += " " + _(
            "With this λ the cross-entropy stays near ln V = {ln_V}: the penalty is too strong for the vectors to "
            "learn anything."
        ).format(ln_V=num(ln_v, ".2f"))
    return Measured("l2", long, note, extra={"lambda": lam})


def _current_norms(runs: Mapping[str, Run]) -> Measured:
    """No comparison runs: the current runs' mean ‖v‖, and how to get the comparison."""
    with_norms = runs_with(runs, "mean_norm")
    if not with_norms:
        return Measured("norms", None, _("The current runs carry no mean ‖v‖ (an imported run without metrics)."))
    note = bullets(
        [_norm_line(name, run) for name, run in with_norms.items()],
        _(
            "The growth slows at the end because the learning rate has decayed, not because of a penalty: gensim has "
            "no L2, and these runs do not compare λ."
        ),
    )
    more = _(
        "To see what λ does, tick “L2 comparison” on the Train page: it trains the NumPy trainer twice more, "
        "with and without λ, at a constant learning rate, and this step then compares them."
    )
    return Measured("norms", per_epoch(with_norms, "mean_norm"), note, more=more)


def _norm_line(name: str, run: Run) -> str:
    m = run.metrics
    lam = run.config.get("train_options", {}).get("l2", 0.0) if run.trainer == "numpy" else 0.0
    return _(
        "**{name}** (λ = {lam}): mean ‖v‖ {start} at epoch 0, {last} at epoch {epoch}, {growth} in the last epoch"
    ).format(
        name=name,
        lam=num(lam, "g"),
        start=num(m["mean_norm"].iloc[0], ".3f"),
        last=num(m["mean_norm"].iloc[-1], ".2f"),
        epoch=int(m["epoch"].iloc[-1]),
        growth=num(_growth(m), "+.1%"),
    )


# ---------------------------------------------------------------- §7 bias–variance


def bias_variance(runs: Mapping[str, Run], sweep: pd.DataFrame | None = None, verdict_text: str = "") -> Measured:
    """§7: a sweep's bias², variance and noise over d if this session ran one; else the current
    runs' generalisation gap (held-out minus training loss) per epoch.

    sweep: a :func:`embedlab.experiments.biasvar.sweep` table; verdict_text: its :func:`~embedlab.experiments.biasvar.optimum_text`.
    """
    if sweep is not None and len(sweep):
        return _sweep(sweep, verdict_text)
    return _generalisation_gap(runs)


def _sweep(sweep: pd.DataFrame, verdict_text: str) -> Measured:
    best = sweep.loc[sweep["total"].idxmin()]
    note = _(
        "{verdict} Over d = {dims}: the model's bias² {bias_first} → {bias_last}, variance (R − 1) {variance_first} → "
        "{variance_last}, noise σ² = {noise} at every d; the total is lowest at d = {best} ({total}). The plug-in bias² "
        "‖q̂ − p̄‖² also holds the held-out sample's own error ({sampling} at every d, here moved to the noise, where "
        "it belongs), and variance / R from averaging only R runs (removed)."
    ).format(
        verdict=verdict_text,
        dims=", ".join(str(int(d)) for d in sweep["dim"]),
        bias_first=num(sweep["bias2_model"].iloc[0], ".4f"),
        bias_last=num(sweep["bias2_model"].iloc[-1], ".4f"),
        variance_first=num(sweep["variance_unbiased"].iloc[0], ".4f"),
        variance_last=num(sweep["variance_unbiased"].iloc[-1], ".4f"),
        noise=num(sweep["noise_unbiased"].iloc[0], ".4f"),
        best=int(best["dim"]),
        total=num(best["total"], ".4f"),
        sampling=num(sweep["bias2_sampling"].iloc[0], ".4f"),
    )
    return Measured("sweep", sweep, note)


def _generalisation_gap(runs: Mapping[str, Run]) -> Measured:
    """No sweep yet: held-out minus training loss per epoch, and how to get the sweep."""
    with_loss = runs_with_loss(runs)
    if not with_loss:
        return Measured("gap", None, _("The current runs carry no held-out loss (an imported run without metrics)."))
    with_loss = {name: run for name, run in with_loss.items() if run.metrics["heldout_loss"].notna().any()}
    if not with_loss:
        return Measured(
            "gap",
            None,
            _(
                "The current runs have no held-out loss: their held-out sentences gave no (centre, context) pair "
                "(the Corpus page says why). A larger text, or a larger held-out share, gives one."
            ),
        )
    frames = {
        name: run.metrics[["epoch"]].assign(gap=run.metrics["heldout_loss"] - run.metrics["loss"])
        for name, run in with_loss.items()
    }
    parts = [
        _("**{name}** (d = {d}): {start} at epoch 0, {last} at epoch {epoch}").format(
            name=name,
            d=with_loss[name].dim,
            start=num(frame["gap"].iloc[0], "+.3f"),
            last=num(frame["gap"].iloc[-1], "+.3f"),
            epoch=int(frame["epoch"].iloc[-1]),
        )
        for name, frame in frames.items()
    ]
    note = (
        _("No sweep over d in this session yet, so this shows what one run can: held-out minus training loss")
        + "\n\n"
        + bullets(
            parts,
            _(
                "What a model fits in its own training sample and does not carry to new sentences grows with "
                "training; the variance of §7 measures the same thing across samples, and at one d a run cannot show "
                "how it trades against bias."
            ),
        )
    )
    more = _(
        "To split the error over d, press “Run the sweep” on the Bias–variance page: it trains the NumPy trainer "
        "several times per d, and this step then shows bias², variance and noise."
    )
    return Measured("gap", long_form(frames), note, more=more)


# ---------------------------------------------------------------- §8 fine-tuning


def fine_tuning(
    runs: Mapping[str, Run], drifts: Mapping[str, pd.DataFrame] | None = None, focus: Sequence[str] = ()
) -> Measured:
    """§8: for fine-tuned runs, the mean drift since the switch of the ``focus`` words (the
    planted shifts) against all other words; else the current runs' displacement per epoch.

    drifts: name → :func:`embedlab.experiments.finetune.drift` of each fine-tuned run.
    """
    switch = next(iter(runs.values())).config.get("switch_epoch")
    if switch is not None and drifts:
        return _drift(drifts, focus, switch)
    return _displacement(runs)


def _mean_drift(drift: pd.DataFrame, focus: Sequence[str], moved: str) -> pd.DataFrame:
    """``epoch, kind, drift``: the mean drift of the ``focus`` words (``moved``) and of all other words."""
    chosen = list(focus)
    if not chosen:  # no planted shift: the words that moved most by the last epoch
        chosen = drift[drift["epoch"] == drift["epoch"].max()].nlargest(5, "drift")["word"].tolist()
    kind = np.where(drift["word"].isin(chosen), moved, _("all other words"))
    mean = drift.assign(kind=kind).groupby(["epoch", "kind"], as_index=False)["drift"].mean()
    return mean.sort_values(
        ["epoch", "kind"],
        key=lambda c: c.eq(moved) if c.name == "kind" else c,
        ascending=[True, False],
        ignore_index=True,
    )


def _drift(drifts: Mapping[str, pd.DataFrame], focus: Sequence[str], switch: int) -> Measured:
    """Fine-tuned runs: the mean drift since the switch, the moved words against all others."""
    moved = _("words that change company") if len(focus) else _("the 5 words that moved most")
    frames = {name: _mean_drift(drift, focus, moved) for name, drift in drifts.items()}
    parts = []
    for name, mean in frames.items():
        at_last = mean[mean["epoch"] == mean["epoch"].max()].set_index("kind")["drift"]
        parts.append(f"**{name}**: " + listing([f"{kind} {num(value, '.3f')}" for kind, value in at_last.items()]))
    note = (
        _(
            "Trained on the first corpus until epoch {switch}, then on the second. Mean drift 1 − cos(v(t) R_t, "
            "v({switch})) at the last epoch, R_t the Procrustes rotation that removes the whole space's turn:"
        ).format(switch=switch)
        + "\n\n"
        + bullets(parts, _("The planted words: {words}.").format(words=", ".join(focus)) if len(focus) else "")
    )
    return Measured("drift", long_form(frames), note, extra={"switch": switch})


def _displacement(runs: Mapping[str, Run]) -> Measured:
    """Runs not fine-tuned: the mean step of a vector per epoch, and how to fine-tune them."""
    moving = runs_with(runs, "displacement")
    if not moving:
        return Measured("displacement", None, _("The current runs carry no displacement (an imported run)."))
    parts = [_displacement_line(name, run.metrics) for name, run in moving.items() if len(run.metrics) > 1]
    note = (
        _(
            "The current runs are not fine-tuned. On one corpus they show the opposite of §8's claim, the space "
            "settling; the mean step of a vector per epoch, ‖v(t) − v(t−1)‖:"
        )
        + "\n\n"
        + bullets(parts)
    )
    toy = next(iter(runs.values())).corpus_name == "toy"
    if toy:
        more = _(
            "To see a domain shift, fine-tune both runs on a second corpus on the Fine-tune page (the built-in "
            "toy-shift moves four planted words to new company); this step then shows how far each word drifts."
        )
    else:
        more = _(
            "To see a domain shift, fine-tune both runs on a second corpus on the Fine-tune page; this step then "
            "shows how far each word drifts."
        )
    return Measured("displacement", per_epoch(moving, "displacement"), note, more=more)


def _displacement_line(name: str, metrics: pd.DataFrame) -> str:
    return _("**{name}**: {first} in epoch 1, {last} in epoch {epoch}").format(
        name=name,
        first=num(metrics["displacement"].iloc[1], ".2f"),
        last=num(metrics["displacement"].iloc[-1], ".3f"),
        epoch=int(metrics["epoch"].iloc[-1]),
    )
