"""The Lecture's last steps, §6–§8: each reads an experiment beyond the current runs when this
session ran it (the L2 comparison, the sweep over d, fine-tuning), else what the current runs
can show, with one line (``Measured.more``) on how to get the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from embedlab.lecture import Measured, _bullets, _long, _per_epoch, _runs_with, _with_loss
from embedlab.store import Run

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
    long = _per_epoch({"λ = 0": off, f"λ = {lam:g}": on}, "mean_norm", "run")
    long["trainer"] = next((n for n, r in runs.items() if r.trainer == "numpy"), "NumPy softmax")
    mo, mn = off.metrics.iloc[-1], on.metrics.iloc[-1]
    note = (
        f"NumPy trainer, constant learning rate, {int(mo['epoch'])} epochs: mean ‖v‖ at the last epoch "
        f"{mo['mean_norm']:.2f} with λ = 0 and {mn['mean_norm']:.2f} with λ = {lam:g} "
        f"({mn['mean_norm'] / mo['mean_norm']:.0%}); without L2 it still grew {_growth(off.metrics):.1%} in the "
        f"last epoch, with L2 {_growth(on.metrics):+.1%}. Held-out loss {mo['heldout_loss']:.3f} against "
        f"{mn['heldout_loss']:.3f}: here L2 {'lowers' if mn['heldout_loss'] < mo['heldout_loss'] else 'raises'} "
        f"it by {abs(mn['heldout_loss'] - mo['heldout_loss']):.3f}."
    )
    ln_v = math.log(len(on.vocab))
    if mn["loss"] - mn.get("penalty", 0.0) > 0.95 * ln_v:
        note += (
            f" With this λ the cross-entropy stays near ln V = {ln_v:.2f}: the penalty is too strong for the "
            "vectors to learn anything."
        )
    return Measured("l2", long, note, extra={"lambda": lam})


def _current_norms(runs: Mapping[str, Run]) -> Measured:
    """No comparison runs: the current runs' mean ‖v‖, and how to get the comparison."""
    with_norms = _runs_with(runs, "mean_norm")
    if not with_norms:
        return Measured("norms", None, "The current runs carry no mean ‖v‖ (an imported run without metrics).")
    note = _bullets(
        [_norm_line(name, run) for name, run in with_norms.items()],
        "The growth slows at the end because the learning rate has decayed, not because of a penalty: gensim has "
        "no L2, and these runs do not compare λ.",
    )
    more = (
        "To see what λ does, tick “L2 comparison” on the Train page: it trains the NumPy trainer twice more, "
        "with and without λ, at a constant learning rate, and this step then compares them."
    )
    return Measured("norms", _per_epoch(with_norms, "mean_norm"), note, more=more)


def _norm_line(name: str, run: Run) -> str:
    m = run.metrics
    lam = run.config.get("train_options", {}).get("l2", 0.0) if run.trainer == "numpy" else 0.0
    return (
        f"**{name}** (λ = {lam:g}): mean ‖v‖ {m['mean_norm'].iloc[0]:.3f} at epoch 0, "
        f"{m['mean_norm'].iloc[-1]:.2f} at epoch {int(m['epoch'].iloc[-1])}, {_growth(m):+.1%} in the last epoch"
    )


# ---------------------------------------------------------------- §7 bias–variance


def bias_variance(runs: Mapping[str, Run], sweep: pd.DataFrame | None = None, verdict_text: str = "") -> Measured:
    """§7: a sweep's bias², variance and noise over d if this session ran one; else the current
    runs' generalisation gap (held-out minus training loss) per epoch.

    sweep: a :func:`embedlab.biasvar.sweep` table; verdict_text: its :func:`~embedlab.biasvar.optimum_text`.
    """
    if sweep is not None and len(sweep):
        return _sweep(sweep, verdict_text)
    return _generalisation_gap(runs)


def _sweep(sweep: pd.DataFrame, verdict_text: str) -> Measured:
    best = sweep.loc[sweep["total"].idxmin()]
    note = (
        f"{verdict_text} Over d = {', '.join(str(int(d)) for d in sweep['dim'])}: bias² "
        f"{sweep['bias2'].iloc[0]:.4f} → {sweep['bias2'].iloc[-1]:.4f}, variance {sweep['variance'].iloc[0]:.4f} → "
        f"{sweep['variance'].iloc[-1]:.4f}, noise σ² = {sweep['noise'].iloc[0]:.4f} at every d; the total is "
        f"lowest at d = {int(best['dim'])} ({best['total']:.4f})."
    )
    return Measured("sweep", sweep, note)


def _generalisation_gap(runs: Mapping[str, Run]) -> Measured:
    """No sweep yet: held-out minus training loss per epoch, and how to get the sweep."""
    with_loss = _with_loss(runs)
    if not with_loss:
        return Measured("gap", None, "The current runs carry no held-out loss (an imported run without metrics).")
    frames = {
        name: run.metrics[["epoch"]].assign(gap=run.metrics["heldout_loss"] - run.metrics["loss"])
        for name, run in with_loss.items()
    }
    parts = [
        f"**{name}** (d = {with_loss[name].dim}): {frame['gap'].iloc[0]:+.3f} at epoch 0, "
        f"{frame['gap'].iloc[-1]:+.3f} at epoch {int(frame['epoch'].iloc[-1])}"
        for name, frame in frames.items()
    ]
    note = "No sweep over d in this session yet, so this shows what one run can: held-out minus training loss\n\n" + (
        _bullets(
            parts,
            "What a model fits in its own training sample and does not carry to new sentences grows with training; "
            "the variance of §7 measures the same thing across samples, and at one d a run cannot show how it trades "
            "against bias.",
        )
    )
    more = (
        "To split the error over d, press “Run the sweep” on the Bias–variance page: it trains the NumPy trainer "
        "several times per d, and this step then shows bias², variance and noise."
    )
    return Measured("gap", _long(frames), note, more=more)


# ---------------------------------------------------------------- §8 fine-tuning


def fine_tuning(
    runs: Mapping[str, Run], drifts: Mapping[str, pd.DataFrame] | None = None, focus: Sequence[str] = ()
) -> Measured:
    """§8: for fine-tuned runs, the mean drift since the switch of the ``focus`` words (the
    planted shifts) against all other words; else the current runs' displacement per epoch.

    drifts: name → :func:`embedlab.finetune.drift` of each fine-tuned run.
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
    kind = np.where(drift["word"].isin(chosen), moved, "all other words")
    mean = drift.assign(kind=kind).groupby(["epoch", "kind"], as_index=False)["drift"].mean()
    return mean.sort_values(
        ["epoch", "kind"],
        key=lambda c: c.eq(moved) if c.name == "kind" else c,
        ascending=[True, False],
        ignore_index=True,
    )


def _drift(drifts: Mapping[str, pd.DataFrame], focus: Sequence[str], switch: int) -> Measured:
    """Fine-tuned runs: the mean drift since the switch, the moved words against all others."""
    moved = "words that change company" if len(focus) else "the 5 words that moved most"
    frames = {name: _mean_drift(drift, focus, moved) for name, drift in drifts.items()}
    parts = []
    for name, mean in frames.items():
        at_last = mean[mean["epoch"] == mean["epoch"].max()].set_index("kind")["drift"]
        parts.append(f"**{name}**: " + ", ".join(f"{kind} {value:.3f}" for kind, value in at_last.items()))
    note = (
        f"Trained on the first corpus until epoch {switch}, then on the second. Mean drift 1 − cos(v(t), "
        f"v({switch})) at the last epoch:\n\n"
        + _bullets(parts, f"The planted words: {', '.join(focus)}." if len(focus) else "")
    )
    return Measured("drift", _long(frames), note, extra={"switch": switch})


def _displacement(runs: Mapping[str, Run]) -> Measured:
    """Runs not fine-tuned: the mean step of a vector per epoch, and how to fine-tune them."""
    moving = _runs_with(runs, "displacement")
    if not moving:
        return Measured("displacement", None, "The current runs carry no displacement (an imported run).")
    parts = [_displacement_line(name, run.metrics) for name, run in moving.items() if len(run.metrics) > 1]
    note = (
        "The current runs are not fine-tuned. On one corpus they show the opposite of §8's claim, the space settling; "
        "the mean step of a vector per epoch, ‖v(t) − v(t−1)‖:\n\n" + _bullets(parts)
    )
    toy = next(iter(runs.values())).corpus_name == "toy"
    more = (
        "To see a domain shift, fine-tune both runs on a second corpus on the Fine-tune page"
        + (" (the built-in toy-shift moves four planted words to new company)" if toy else "")
        + "; this step then shows how far each word drifts."
    )
    return Measured("displacement", _per_epoch(moving, "displacement"), note, more=more)


def _displacement_line(name: str, metrics: pd.DataFrame) -> str:
    return (
        f"**{name}**: {metrics['displacement'].iloc[1]:.2f} in epoch 1, {metrics['displacement'].iloc[-1]:.3f} in "
        f"epoch {int(metrics['epoch'].iloc[-1])}"
    )
