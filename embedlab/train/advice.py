"""Warnings before training: NumPy-trainer settings that will stall or diverge, with the numbers.

The L2 term λ(‖W_in‖² + ‖W_out‖²) adds 2λW to the gradient, so every SGD step multiplies every
vector by (1 − 2ηλ) before the data's gradient moves it (``softmax.SoftmaxTrainer``). That factor
alone says a lot:

- 2ηλ ≥ 1: the step overshoots zero; vectors flip sign every step and grow once 2ηλ > 2.
- the half-life ln 2 / −ln(1 − 2ηλ) in steps, against the steps in one epoch: when the penalty
  alone halves every vector several times within an epoch, the data's gradient (a mean over a
  batch's pairs, small for any one word) cannot build structure, and the loss stays near
  ln V — what λ = 0.01 at η = 10 does on the toy corpus.

The learning rate has no closed-form limit here (the softmax's curvature grows as the vectors
do), so its warning rests on a measurement on the toy corpus at the dashboard's defaults (d = 50,
batch 256, 20 epochs, η decaying): ``python -m embedlab train --corpus toy --trainer numpy --lr 12``
trains (loss 5.67 → 3.44), ``--lr 15`` diverges in epoch 1 (the loss non-finite once η had
decayed to 14.27), ``--lr 20`` too. Other corpora and batch sizes move the edge."""

from __future__ import annotations

import math

from embedlab.config import TrainOptions
from embedlab.i18n import _, format_in

STABLE_LR = 12.0  # the largest η measured to train on the toy corpus at the defaults
DIVERGED_LR = 14.27  # where the toy run at --lr 15 diverged (η had decayed to this in epoch 1)
STALL_HALVINGS = 2.0  # the penalty halving every vector this often per epoch drowns the data


def l2_half_life(lr: float, l2: float) -> float:
    """Steps for the L2 shrinkage alone to halve a vector: ln 2 / −ln(1 − 2ηλ) (inf for λ = 0).

    >>> round(l2_half_life(10, 1e-4), 1), round(l2_half_life(10, 0.01), 2), l2_half_life(10, 0)
    (346.2, 3.11, inf)
    """
    shrink = 2.0 * lr * l2
    if shrink <= 0:
        return math.inf
    if shrink >= 1:
        return 0.0
    return math.log(2.0) / -math.log1p(-shrink)


def numpy_warnings(options: TrainOptions, steps_per_epoch: int) -> list[str]:
    """One sentence per setting of the NumPy trainer that will stall or diverge (empty if none).

    >>> numpy_warnings(TrainOptions(trainer="numpy", lr=10, l2=1e-4), 250)
    []
    >>> [w.split(":")[0] for w in numpy_warnings(TrainOptions(trainer="numpy", lr=10, l2=0.01), 250)]
    ['L2 λ = 0.01 will stall learning']
    """
    lr, l2 = options.resolved_lr(), options.l2
    warnings = []
    if l2 > 0 and 2 * lr * l2 >= 1:
        message = _(
            "L2 λ = {l2:g} with η = {lr:g} will diverge: every step multiplies the vectors by 1 − 2ηλ = "
            "{factor:.3g}, past zero. Keep 2ηλ well below 1 (λ ≤ {bound:.2g} here)."
        )
        warnings.append(format_in(message, l2=l2, lr=lr, factor=1 - 2 * lr * l2, bound=0.01 / lr))
    elif l2 > 0 and steps_per_epoch / l2_half_life(lr, l2) > STALL_HALVINGS:
        halvings = steps_per_epoch / l2_half_life(lr, l2)
        message = _(
            "L2 λ = {l2:g} will stall learning: with η = {lr:g} the penalty alone halves every vector every "
            "{half_life:.3g} steps, {halvings:,.0f} times per epoch of {steps:,} steps, "
            "faster than the data's gradient builds structure; the loss will stay near ln V. "
            "Try λ ≤ {suggested:.2g}."
        )
        fields = dict(l2=l2, lr=lr, half_life=l2_half_life(lr, l2), halvings=halvings, steps=steps_per_epoch)
        warnings.append(format_in(message, **fields, suggested=suggested_l2(lr, steps_per_epoch)))
    if lr > STABLE_LR:
        message = _(
            "η = {lr:g} may diverge: on the toy corpus at the default settings η = {stable:g} trains and the "
            "run diverged at η = {diverged:g}. A run stops at the first non-finite epoch and keeps the finished "
            "ones (none if it is the first). The default is 10."
        )
        warnings.append(format_in(message, lr=lr, stable=STABLE_LR, diverged=DIVERGED_LR))
    return warnings


def suggested_l2(lr: float, steps_per_epoch: int) -> float:
    """The largest λ whose shrinkage halves a vector at most once per epoch: the half-life equals
    the steps in an epoch, 1 − 2ηλ = 2^(−1/steps).

    >>> round(l2_half_life(10, suggested_l2(10, 250)))
    250
    """
    return (1.0 - 2.0 ** (-1.0 / max(steps_per_epoch, 1))) / (2.0 * lr)


FEW_STEPS = 20  # fewer NumPy SGD steps an epoch than this and the vectors barely move


def steps_warning(positions: float, options: TrainOptions, max_epochs: int = 100) -> str | None:
    """One sentence when the NumPy trainer takes fewer than FEW_STEPS steps an epoch, with the
    fix that applies: a smaller batch when a smaller one helps, else more epochs (None if enough).

    ``positions``: centre positions an epoch (``sizing.positions_per_epoch``).

    >>> steps_warning(1_000, TrainOptions(trainer="numpy", batch_size=256, epochs=20))[-38:]
    'try batch size 16 (63 steps an epoch).'
    >>> steps_warning(188, TrainOptions(trainer="numpy", batch_size=16, epochs=20))[-78:]
    'is already the smallest that helps; 84 epochs give 1,008 steps instead of 240.'
    >>> steps_warning(100_000, TrainOptions(trainer="numpy", batch_size=256, epochs=20)) is None
    True
    """
    from embedlab.train.corpus_feedback import epochs_for_steps, steps_per_epoch
    from embedlab.train.sizing import suggested_batch_size

    steps = steps_per_epoch(positions, options.batch_size)
    if steps >= FEW_STEPS:
        return None
    head = _("Only {steps} SGD step(s) per epoch at batch size {batch}: the NumPy vectors will barely move").format(
        steps=steps, batch=options.batch_size
    )
    smaller = suggested_batch_size(positions)
    if smaller < options.batch_size:
        message = _("{head}; try batch size {smaller} ({steps:,} steps an epoch).")
        return format_in(message, head=head, smaller=smaller, steps=steps_per_epoch(positions, smaller))
    from embedlab.config import Limits

    more = epochs_for_steps(steps, options.epochs, Limits(max_epochs=max_epochs))
    if more is None:
        message = _("{head}, and {total:,} steps in all is what this text gives: add text for more.")
        return format_in(message, head=head, total=steps * options.epochs)
    message = _(
        "{head}. Batch size {batch} is already the smallest that helps; {more} epochs give {more_steps:,} steps "
        "instead of {total:,}."
    )
    fields = dict(head=head, batch=options.batch_size, more=more)
    return format_in(message, **fields, more_steps=steps * more, total=steps * options.epochs)
