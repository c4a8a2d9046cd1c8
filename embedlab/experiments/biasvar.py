"""Bias² + variance + noise over the dimension d (SEED.md §7): the sweep, and its verdict.

For every d we train the NumPy full-softmax skip-gram R times; run r uses seed ``base + r``
and a bootstrap resample of the training sentences, so the runs differ the way models
trained on different samples of the language would. Their held-out predictions are split
exactly into noise + bias² + variance by :mod:`embedlab.experiments.decomposition`; :func:`sweep` gives one
row per d, and :func:`optimum` says whether a best d is resolved at this R.

Yin & Shen (NeurIPS 2018) show the same trade-off for the Pairwise Inner Product loss
against an oracle embedding; here it is measured directly on held-out predictions.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from embedlab.config import Limits, Seeds, SweepOptions
from embedlab.errors import EmbedLabError
from embedlab.experiments.decomposition import CHUNK, Decomposition, cross_entropy, decompose_models
from embedlab.hooks import Hooks
from embedlab.i18n import _, number
from embedlab.text.prepared import Prepared, check_feasible
from embedlab.text.vocab import skipgram_pairs
from embedlab.train.training import train_final

MAX_HELDOUT_PAIRS = 200_000  # a fixed uniform sample above this (keeps the counts small)
TRAIN_SAMPLE_PAIRS = 5_000

COLUMNS = [
    "dim",
    "runs",
    "bias2",
    "variance",
    "noise",
    "total",
    "variance_unbiased",
    "bias2_corrected",
    "bias2_sampling",
    "bias2_model",
    "noise_unbiased",
    "single_pair_share",
    "total_se",
    "total_se_runs",
    "bias2_se",
    "bias2_model_se",
    "variance_se",
    "train_loss",
    "train_loss_sd",
    "heldout_loss",
    "heldout_loss_sd",
    "heldout_pairs",
    "seconds",
]


def _fixed_pairs(encoded: list, window: int, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, context) pairs of ``encoded`` (gensim's reduced window, no subsampling),
    or a fixed uniform sample of ``limit`` of them; the same for every d and run."""
    rng = np.random.default_rng(seed)
    centres, contexts = skipgram_pairs(encoded, window, rng, keep_prob=None)
    if len(centres) > limit:
        pick = np.sort(rng.choice(len(centres), limit, replace=False))
        centres, contexts = centres[pick], contexts[pick]
    return centres, contexts


def bootstrap_sentences(n_sentences: int, seed: int, share: float = 1.0) -> np.ndarray:
    """Row numbers of a bootstrap resample: round(share · n) sentences drawn with replacement
    (at least 1) from ``default_rng(seed)``; share = 1 is the classical bootstrap.

    >>> bootstrap_sentences(10, seed=3).shape, bootstrap_sentences(10, seed=3, share=0.5).shape
    ((10,), (5,))
    """
    size = max(1, int(round(share * n_sentences)))
    return np.random.default_rng(seed).integers(0, n_sentences, size)


def sweep(
    prepared: Prepared,
    options: SweepOptions,
    hooks: Hooks | None = None,
    *,
    limits: Limits | None = None,
    chunk: int = CHUNK,
) -> pd.DataFrame:
    """Train R bootstrap runs of the NumPy softmax model for each d and decompose their
    held-out Brier score. Returns one row per d with ``COLUMNS``.

    Run r (0-based) uses seed ``options.train.seed + r`` for its initial vectors, its SGD and
    its bootstrap resample of ``options.share`` × the training sentences; the same resamples
    serve every d, so the dimensions are compared on equal data (and runs are paired across d).
    The held-out pairs (all of them, or a fixed sample of MAX_HELDOUT_PAIRS) are the same for
    every d and run. ``hooks.on_work(done_runs, share)`` reports progress;
    ``hooks.should_stop()`` stops it with TrainingCancelled.

    Besides the plug-in split (bias2, variance, noise, total): ``variance_unbiased`` (divisor
    R − 1), ``bias2_corrected`` (bias² without variance / R), ``bias2_sampling`` (the part
    of it that is the held-out distribution q's own sampling error, the same at every d),
    ``bias2_model`` (bias2_corrected net of it: the model's own bias²), ``noise_unbiased``
    (noise + bias2_sampling; total = noise_unbiased + bias2_model + variance_unbiased),
    ``single_pair_share`` (held-out pairs whose centre has one pair: their sampling error
    has no unbiased estimate and stays in bias2_model), standard errors over the held-out
    sample (``*_se``, a bootstrap over centre words) and over runs (``total_se_runs``), each
    run's total (``total_run_<r>``, for paired comparisons), and the mean cross-entropy on
    each run's training pairs and on the held-out pairs (± sd over runs).
    """
    hooks = hooks or Hooks()
    options = options.validate(limits)
    base = options.trained()
    check_feasible(prepared, base, limits)
    centres, contexts = _fixed_pairs(prepared.heldout, base.window, MAX_HELDOUT_PAIRS, Seeds.HELDOUT_PAIRS)
    if len(centres) == 0:
        raise EmbedLabError(_("the held-out sentences give no (centre, context) pairs; raise the held-out fraction."))
    seeds = [base.seed + r for r in range(options.runs)]
    resamples = [prepared.train.select(bootstrap_sentences(len(prepared.train), seed, options.share)) for seed in seeds]
    train_samples = [_fixed_pairs(data, base.window, TRAIN_SAMPLE_PAIRS, Seeds.TRAIN_SAMPLE) for data in resamples]
    total_runs, done = len(options.dims) * options.runs, 0
    table = []
    for dim in options.dims:
        started = time.perf_counter()
        models = []
        for seed, data in zip(seeds, resamples, strict=True):
            run_hooks = hooks.for_run(done, total_runs, base.epochs)
            final = train_final(data, prepared.vocab, base.replace(dim=dim, seed=seed), run_hooks)
            models.append((final.input_vectors, final.output_vectors))
            done += 1
            hooks.work(done, done / total_runs)
        parts, heldout_loss = decompose_models(models, centres, contexts, chunk)
        train_loss = np.array(
            [cross_entropy(*model, *sample, chunk) for model, sample in zip(models, train_samples, strict=True)]
        )
        table.append(_row(dim, parts, train_loss, heldout_loss) | {"seconds": time.perf_counter() - started})
    return pd.DataFrame(table)[[*COLUMNS, *(f"total_run_{r}" for r in range(options.runs))]]


def _row(dim: int, parts: Decomposition, train_loss: np.ndarray, heldout_loss: np.ndarray) -> dict:
    R = parts.runs
    return {
        "dim": dim,
        "runs": R,
        "bias2": parts.bias2,
        "variance": parts.variance,
        "noise": parts.noise,
        "total": parts.total,
        "variance_unbiased": parts.variance_unbiased,
        "bias2_corrected": parts.bias2_corrected,
        "bias2_sampling": parts.sampling,
        "bias2_model": parts.bias2_model,
        "noise_unbiased": parts.noise_unbiased,
        "single_pair_share": parts.single_pairs / parts.pairs,
        **parts.standard_errors(),
        "train_loss": float(train_loss.mean()),
        "train_loss_sd": float(train_loss.std(ddof=1)),
        "heldout_loss": float(heldout_loss.mean()),
        "heldout_loss_sd": float(heldout_loss.std(ddof=1)),
        "heldout_pairs": parts.pairs,
        **{f"total_run_{r}": float(parts.run_totals[r]) for r in range(R)},
    }


LEVEL = 0.95  # two-sided level of the optimum's comparisons


def t_quantile(runs: int, level: float = LEVEL) -> float:
    """The two-sided ``level`` quantile of Student's t on runs − 1 degrees of freedom: the
    number of standard errors a paired difference over ``runs`` runs must exceed.

    >>> round(t_quantile(3), 2), round(t_quantile(30), 2)
    (4.3, 2.05)
    """
    from scipy.stats import t  # SciPy loads where it is used

    return float(t.ppf(0.5 + level / 2, runs - 1)) if runs > 1 else float("inf")


def _runs_needed(gap: float, se: float, runs: int, level: float = LEVEL) -> int | None:
    """The fewest runs R' at which ``gap`` would exceed t(R' − 1) standard errors, the SE
    shrinking as √(runs / R') (the same spread between runs); None if the gap is not positive."""
    if gap <= 0 or not np.isfinite(se):
        return None
    sd = se * np.sqrt(runs)
    for more in range(runs + 1, 10_000):
        if gap > t_quantile(more, level) * sd / np.sqrt(more):
            return more
    return None


def optimum(table: pd.DataFrame, level: float = LEVEL) -> dict:
    """Is there a best d at this R? The d with the lowest total held-out error, and whether it
    beats each neighbour (and each end of the range) by more than t standard errors of the
    difference, t the two-sided ``level`` quantile of Student's t on R − 1 degrees of freedom
    (4.30 at R = 3, not 2). Runs are paired across d (same seeds and resamples), so the SE of a
    difference is the sd over runs of the per-run differences / √R: it covers the training's
    randomness (seeds, bootstrap resamples of the training sentences) with the held-out set fixed.

    Returns ``best`` (d), ``interior`` (not at either end), ``resolved`` (beats both
    neighbours), ``beats_ends`` (beats both ends, or is an end), ``margins`` (d → (gap, se)
    against each neighbour and end), ``t`` (the quantile used) and ``runs_needed`` (the fewest
    runs at which the smallest unresolved gap would pass, at the same spread, or None).

    >>> t = pd.DataFrame({"dim": [1, 2, 4], "total": [0.9, 0.7, 0.8],
    ...                   "total_run_0": [0.91, 0.70, 0.80], "total_run_1": [0.89, 0.70, 0.80]})
    >>> o = optimum(t); o["best"], o["interior"], o["resolved"]
    (2, True, True)
    """
    runs = table[[c for c in table.columns if c.startswith("total_run_")]].to_numpy()  # (D, R)
    R = runs.shape[1]
    quantile = t_quantile(R, level)
    i = int(np.argmin(table["total"].to_numpy()))
    D = len(table)
    others = sorted({j for j in (i - 1, i + 1, 0, D - 1) if 0 <= j < D and j != i})
    margins = {}
    for j in others:
        diff = runs[j] - runs[i]
        se = float(diff.std(ddof=1) / np.sqrt(R)) if R > 1 else float("inf")
        margins[int(table["dim"].iloc[j])] = (float(diff.mean()), se)
    clear = lambda j: margins[int(table["dim"].iloc[j])][0] > quantile * margins[int(table["dim"].iloc[j])][1]  # noqa: E731
    neighbours = [j for j in (i - 1, i + 1) if 0 <= j < D]
    resolved = all(clear(j) for j in neighbours)
    ends = [j for j in (0, D - 1) if j != i]
    needed = None
    unresolved = [margins[int(table["dim"].iloc[j])] for j in neighbours if not clear(j)]
    if unresolved:
        needed = max((_runs_needed(gap, se, R, level) or 0) for gap, se in unresolved) or None
    return {
        "best": int(table["dim"].iloc[i]),
        "interior": 0 < i < D - 1,
        "resolved": resolved,
        "beats_ends": all(clear(j) for j in ends),
        "margins": margins,
        "t": quantile,
        "level": level,
        "runs_needed": needed,
    }


def optimum_text(verdict: dict, runs: int) -> str:
    """The best d if it is resolved at this R, or why not and how many runs would do, and
    whether the lowest d beats both ends of the range (the trade-off itself) even so.

    >>> v = {"best": 8, "interior": True, "resolved": False, "beats_ends": True, "runs_needed": 4, "t": 4.303}
    >>> "within 4.30 standard errors of a neighbour; about 4 runs would resolve it" in optimum_text(v, 3)
    True
    """
    d = verdict["best"]
    t = number(verdict.get("t", 2.0), ".2f")
    basis = " " + _(
        "({t} is the {level} two-sided quantile of t on R − 1 = {dof} degrees of freedom; the standard error covers "
        "the training's randomness — seeds and bootstrap resamples — with the held-out set fixed.)"
    ).format(t=t, level=number(verdict.get("level", LEVEL), ".0%"), dof=runs - 1)
    if not verdict["interior"]:
        return _(
            "lowest total at d = {d}, an end of the range: the trade-off's other side is not in this range of d."
        ).format(d=d)
    if verdict["resolved"]:
        best = (
            _("best d = {d}: it beats its neighbours by more than {t} standard errors (and beats both ends).")
            if verdict["beats_ends"]
            else _("best d = {d}: it beats its neighbours by more than {t} standard errors (but not both ends).")
        )
        return best.format(d=d, t=t) + basis
    more = (
        _("; about {runs} runs would resolve it").format(runs=verdict["runs_needed"]) if verdict["runs_needed"] else ""
    )
    ends = " " + (
        _(
            "It does beat both ends of the range by more than {t} standard errors: the held-out total has an "
            "interior minimum, only not one exact d."
        )
        if verdict["beats_ends"]
        else _("Nor does it beat both ends by {t} standard errors: this sweep shows no trade-off beyond its noise.")
    ).format(t=t)
    return (
        _(
            "no resolvable optimum at R = {runs}: d = {d} is lowest but within {t} standard errors of a neighbour"
        ).format(runs=runs, d=d, t=t)
        + more
        + "."
        + ends
        + basis
    )


def parse_dims(text: str) -> tuple[int, ...]:
    """Dimensions typed as "1, 2, 4": a tuple of ints; anything else is an EmbedLabError.

    >>> parse_dims("1, 2,4")
    (1, 2, 4)
    """
    try:
        dims = tuple(int(part) for part in str(text).replace(" ", "").split(",") if part)
    except ValueError:
        dims = ()
    if not dims:
        raise EmbedLabError(
            _("write the dimensions as whole numbers separated by commas, e.g. 1,2,4,8; got {text}.").format(
                text=repr(text)
            )
        )
    return dims


def best_dim(table: pd.DataFrame) -> int:
    """The d with the lowest total held-out error in a ``sweep`` table.

    >>> best_dim(pd.DataFrame({"dim": [1, 2, 4], "total": [0.9, 0.7, 0.8]}))
    2
    """
    return int(table.loc[table["total"].idxmin(), "dim"])
