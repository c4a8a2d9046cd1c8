"""Per-snapshot metrics: the objective actually trained, ‖∇J‖, norms and movement.

    loss            J on the training sentences: the mean per-pair loss of the trainer's own
                    objective over the pairs it draws (window weights, subsampling as
                    trained; gensim's NS in expectation over the negatives, or HS), + penalty
    heldout_loss    the same mean per-pair loss on the held-out sentences, no penalty
    grad_norm       ‖∇J‖ over (W_in, W_out), the penalty's gradient included
    penalty         λ(‖W_in‖² + ‖W_out‖²), its own column (0 without L2)
    mean_norm       mean ‖v_w‖ of the input vectors
    displacement    mean ‖v_w(t) − v_w(t−1)‖ (0 at epoch 0)

``loss`` and ``grad_norm`` are exact over every training pair when that costs little next to
an epoch (always for the NumPy trainer: O(V²·d) against O(tokens·V·d) for an epoch);
otherwise (gensim on a large vocabulary, and CBOW, whose windows do not reduce to pair counts)
they are estimated on 1,024–8,192 examples drawn from the training distribution (as many as fit in
about 15 % of an epoch, :func:`metric_plan`),
unbiased, with standard errors in ``*_se`` columns. ``metric_method`` in config.json says which.
An estimate of gensim's negative-sampling objective draws NEGATIVE_DRAWS noise words per example
(``metric_negatives``) in place of the expectation over all V words: still unbiased, O(d) a draw.

gensim's own running loss is never read: it is cumulative per ``train()`` call and loses
float32 precision (gensim issues #2617, #2735).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from embedlab.config import Seeds, TrainOptions
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.pair_draws import draw_pairs
from embedlab.text.vocab import Encoded, as_encoded, keep_probabilities
from embedlab.train import objectives, objectives_sampled
from embedlab.train.objectives import Hierarchical, NegativeSampling, Softmax
from embedlab.train.objectives_sampled import Examples, draw_negatives, sample_cbow, sample_pairs

if TYPE_CHECKING:  # SciPy loads where it is used: the first page needs none of it
    import scipy.sparse

# Choosing exact or estimated metrics: a cost model of this machine class (2 cores, OpenBLAS),
# calibrated on the Wikipedia sample (V = 8,330, d = 100); only the choice depends on it.
EXACT_SHARE = 0.3  # exact metrics when they cost at most this share of an epoch...
EXACT_SECONDS_ALWAYS = 0.5  # ...or at most this long, whatever the epoch costs
ESTIMATE_SHARE = 0.15  # an estimate aims at this share of an epoch, within:
MIN_EXAMPLES, MAX_EXAMPLES = 1024, 8192
NEGATIVE_DRAWS = 16  # noise words an example of an estimated negative-sampling objective (64: SE 3 % less, 2× cost)
SECONDS_PER_SCORE = 1.2e-8  # exp/log and the elementwise passes, per (row, word) score
BLAS_FLOPS = 3e10  # float32 matrix products
GENSIM_SECONDS_PER_UPDATE = 2.1e-9  # gensim skip-gram, per pair × output row × dimension
NUMPY_FLOPS = 5.8e10  # the NumPy trainer's grouped kernel


def keep_for(counts: np.ndarray, options: TrainOptions) -> np.ndarray | None:
    sample = options.resolved_sample()
    return keep_probabilities(counts, sample) if sample > 0 else None


def pair_counts(
    encoded: Encoded, counts: np.ndarray, options: TrainOptions, should_stop: Callable[[], bool] | None = None
) -> scipy.sparse.csr_array:
    """Expected (centre, context) counts of one epoch as the trainer draws them."""
    return expected_pair_counts(
        encoded, options.window, len(counts), keep_for(counts, options), should_stop=should_stop
    )


def pairs_per_position(
    encoded: Encoded, counts: np.ndarray, pairs: scipy.sparse.csr_array, options: TrainOptions
) -> float:
    """Expected pairs per kept centre position (the NumPy trainer's batch divisor)."""
    keep = keep_for(counts, options)
    positions = float(encoded.n_tokens if keep is None else keep[encoded.tokens].sum())
    return float(pairs.sum()) / max(positions, 1.0)


def objective_for(options: TrainOptions, counts: np.ndarray, trainer=None):
    """The objective object of a trainer (HS needs the gensim trainer's Huffman paths)."""
    if options.trainer == "numpy":
        return Softmax()
    if options.hs:
        codes, points = trainer.huffman_paths()
        return Hierarchical.from_paths(codes, points, len(counts))
    return NegativeSampling.from_counts(counts, options.negative)


def _score_seconds(dim: int) -> float:
    """Seconds per (input row, output word) score of an objective: three products + its exp/log."""
    return 3 * 2 * dim / BLAS_FLOPS + SECONDS_PER_SCORE


def numpy_epoch_flops(positions: float, V: int, d: int) -> float:
    """The NumPy trainer's flops in one epoch: each centre position costs three (1 × V)·(V × d)
    products in the full softmax (logits, ∂v, ∂U), whatever its number of contexts: 6·V·d."""
    return 6.0 * positions * V * d


def epoch_seconds(options: TrainOptions, pairs: float, positions: float, V: int) -> float:
    """A rough time of one epoch on the reference machine (``pairs``: expected pairs an epoch)."""
    if options.trainer == "numpy":
        return numpy_epoch_flops(positions, V, options.dim) / NUMPY_FLOPS
    rows = np.log2(max(V, 2)) if options.hs else options.negative + 1
    return pairs * rows * options.dim * GENSIM_SECONDS_PER_UPDATE


def _plan(options: TrainOptions, rows: float, pairs: float, positions: float, V: int) -> tuple[str, int, float]:
    """(method, examples, seconds to measure one snapshot) by the cost model above."""
    per_score = _score_seconds(options.dim)
    exact_seconds = rows * V * per_score
    epoch = epoch_seconds(options, pairs, positions, V)
    cbow = options.trainer == "gensim" and options.sg == 0
    if not cbow and (exact_seconds <= EXACT_SECONDS_ALWAYS or exact_seconds <= EXACT_SHARE * epoch):
        return "exact", 0, exact_seconds
    scores = 1 + NEGATIVE_DRAWS if _draws_negatives(options) else V  # per example
    examples = int(np.clip(ESTIMATE_SHARE * epoch / (2.5 * scores * per_score), MIN_EXAMPLES, MAX_EXAMPLES))
    return "estimated", examples, 2.5 * examples * scores * per_score  # two passes for training, one for held-out


def _draws_negatives(options: TrainOptions) -> bool:
    """An estimate draws noise words per example: gensim with negative sampling."""
    return options.trainer == "gensim" and not options.hs


def metric_plan(options: TrainOptions, pairs: scipy.sparse.csr_array, positions: float, V: int) -> tuple[str, int]:
    """("exact", 0) or ("estimated", examples) for a run, by the cost model above."""
    rows = float(np.count_nonzero(np.asarray(pairs.sum(axis=1)).ravel()))
    method, examples, _ = _plan(options, rows, float(pairs.sum()), positions, V)
    return method, examples


@dataclass(frozen=True)
class Measure:
    """Measures one snapshot: the objective on training and held-out sentences, and geometry."""

    objective: object
    l2: float
    method: str  # "exact" or "estimated"
    train_pairs: scipy.sparse.csr_array | None = None  # exact
    heldout_pairs: scipy.sparse.csr_array | None = None
    train_examples: Examples | None = None  # estimated
    heldout_examples: Examples | None = None

    def describe(self) -> dict:
        """What config.json records about how the metrics were measured."""
        out = {"metric_method": self.method, "objective": self.objective.name}
        if self.method == "estimated":
            out["metric_examples"] = len(self.train_examples)
            out["metric_seed"] = Seeds.METRICS
            if self.train_examples.negatives is not None:
                out["metric_negatives"] = self.train_examples.negatives.shape[1]
        return out

    def __call__(
        self,
        W_in: np.ndarray,
        W_out: np.ndarray,
        previous_W_in: np.ndarray | None,
        should_stop: Callable[[], bool] | None = None,
    ) -> dict:
        """One metrics row; ``should_stop()`` is asked between blocks (TrainingCancelled)."""
        stop = {"should_stop": should_stop}
        row = {"penalty": objectives.penalty(W_in, W_out, self.l2)}
        if self.method == "exact":
            loss, dW_in, dW_out = objectives.exact(self.objective, W_in, W_out, self.train_pairs, self.l2, **stop)
            row.update(loss=loss, grad_norm=float(np.sqrt(np.sum(dW_in**2) + np.sum(dW_out**2))))
            row.update(loss_se=0.0, grad_norm_se=0.0)
            heldout = float("nan")
            if self.heldout_pairs is not None and self.heldout_pairs.nnz:
                heldout = objectives.exact(self.objective, W_in, W_out, self.heldout_pairs, grads=False, **stop)[0]
            row.update(heldout_loss=heldout, heldout_loss_se=0.0 if np.isfinite(heldout) else float("nan"))
        else:
            est = objectives_sampled.estimate(self.objective, W_in, W_out, self.train_examples, self.l2, **stop)
            row.update(loss=est.loss, loss_se=est.loss_se, grad_norm=est.grad_norm, grad_norm_se=est.grad_norm_se)
            heldout, heldout_se = float("nan"), float("nan")
            if self.heldout_examples is not None and len(self.heldout_examples) > 1:
                heldout, heldout_se = objectives_sampled.estimated_loss(
                    self.objective, W_in, W_out, self.heldout_examples, **stop
                )
            row.update(heldout_loss=heldout, heldout_loss_se=heldout_se)
        row.update(geometry(W_in, previous_W_in))
        return row


def geometry(W_in: np.ndarray, previous_W_in: np.ndarray | None) -> dict:
    """mean_norm = mean ‖v_w‖; displacement = mean ‖v_w(t) − v_w(t−1)‖ (0 without a previous)."""
    norms = _row_norms(W_in)
    displacement = 0.0 if previous_W_in is None else float(np.mean(_row_norms(W_in, previous_W_in)))
    return {"mean_norm": float(norms.mean()), "displacement": displacement}


def _row_norms(W: np.ndarray, minus: np.ndarray | None = None, rows: int = 1 << 14) -> np.ndarray:
    """‖W[v] − minus[v]‖ per row in float64, a block of rows at a time: float64 copies of a whole
    (V, d) snapshot would be the largest arrays a measurement holds."""
    out = np.empty(len(W))
    for a in range(0, len(W), rows):
        block = W[a : a + rows] if minus is None else W[a : a + rows] - minus[a : a + rows]
        out[a : a + rows] = np.linalg.norm(np.asarray(block, dtype=np.float64), axis=1)
    return out


def geometry_over_epochs(vectors: np.ndarray) -> pd.DataFrame:
    """``epoch, mean_norm, displacement`` of every snapshot of (E+1, V, d) input vectors, by
    :func:`geometry` as training writes them: the curves of a run opened without metrics.csv.

    >>> geometry_over_epochs(np.array([[[3.0, 4.0]], [[0.0, 5.0]]])).values.tolist()
    [[0.0, 5.0, 0.0], [1.0, 5.0, 3.1622776601683795]]
    """
    rows, previous = [], None
    for epoch in range(vectors.shape[0]):
        current = np.asarray(vectors[epoch])
        rows.append({"epoch": epoch, **geometry(current, previous)})
        previous = current
    return pd.DataFrame(rows, columns=["epoch", "mean_norm", "displacement"])


def trainer_pairs(
    encoded: Encoded, counts: np.ndarray, options: TrainOptions, should_stop: Callable[[], bool] | None = None
) -> scipy.sparse.csr_array | None:
    """The expected pair counts a trainer needs before it starts: the NumPy trainer's batch
    divisor; gensim needs none (its measurement draws pairs, or counts them itself if exact)."""
    return pair_counts(encoded, counts, options, should_stop) if options.trainer == "numpy" else None


def rows_with_pairs(encoded: Encoded) -> int:
    """Words with at least one expected pair: those in a sentence of two words or more."""
    encoded = as_encoded(encoded)
    long = np.repeat(encoded.lengths >= 2, encoded.lengths)
    return int(np.count_nonzero(np.bincount(encoded.tokens[long])))


def drawn_pairs(
    encoded: Encoded, options: TrainOptions, keep, n: int, seed: int, should_stop=None
) -> tuple[Examples, float]:
    """``n`` skip-gram examples drawn as training draws its pairs, and the estimated pairs an epoch."""
    centres, contexts, pairs = draw_pairs(encoded, options.window, keep, n, seed, should_stop=should_stop)
    return Examples(centres[:, None], contexts), pairs


def build_measure(
    train: Encoded,
    heldout: Encoded,
    counts: np.ndarray,
    options: TrainOptions,
    objective,
    train_pairs: scipy.sparse.csr_array | None = None,
    *,
    force: str | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Measure:
    """Choose exact or estimated metrics for this run and prepare what they need once.

    ``train_pairs``: the expected pair counts of the training sentences if the trainer already
    counted them (:func:`trainer_pairs`). Without them the choice is made from pairs drawn as
    training draws them (:func:`embedlab.text.pair_draws.draw_pairs`, which estimates Σ N), and
    the pairs are counted only if the metrics are exact. ``force`` = "exact" or "estimated"
    overrides the cost rule (tests). ``should_stop()`` is asked while pairs are counted or drawn.
    """
    l2 = options.l2 if options.trainer == "numpy" else 0.0
    keep = keep_for(counts, options)
    positions = float(train.n_tokens if keep is None else keep[train.tokens].sum())
    cbow = options.trainer == "gensim" and options.sg == 0
    drawn = None
    if train_pairs is not None:
        method, n = metric_plan(options, train_pairs, positions, len(counts))
    else:
        drawn, pairs = drawn_pairs(train, options, keep, MAX_EXAMPLES, Seeds.METRICS, should_stop)
        method, n, _ = _plan(options, float(rows_with_pairs(train)), pairs, positions, len(counts))
    if force is not None:
        method, n = force, n or MAX_EXAMPLES
    if method == "exact":
        if cbow:
            raise ValueError("CBOW metrics can only be estimated: its windows do not reduce to pair counts")
        if train_pairs is None:
            train_pairs = pair_counts(train, counts, options, should_stop)
        heldout_pairs = None
        if len(heldout):
            heldout_pairs = expected_pair_counts(heldout, options.window, len(counts), keep, should_stop=should_stop)
        return Measure(objective, l2, "exact", train_pairs=train_pairs, heldout_pairs=heldout_pairs)
    train_examples, heldout_examples = _estimate_examples(
        train, heldout, counts, options, train_pairs, drawn, n, should_stop
    )
    if _draws_negatives(options):
        train_examples = draw_negatives(train_examples, objective, NEGATIVE_DRAWS, Seeds.METRICS + 2)
        if heldout_examples is not None:
            heldout_examples = draw_negatives(heldout_examples, objective, NEGATIVE_DRAWS, Seeds.METRICS + 3)
    return Measure(objective, l2, "estimated", train_examples=train_examples, heldout_examples=heldout_examples)


def _estimate_examples(train, heldout, counts, options, train_pairs, drawn, n: int, should_stop):
    """(training examples, held-out examples or None) of an estimated measurement: CBOW windows,
    or skip-gram pairs sampled from counts already made, else drawn without counting."""
    keep = keep_for(counts, options)
    if options.trainer == "gensim" and options.sg == 0:
        train_examples = sample_cbow(train, options.window, keep, n, Seeds.METRICS)
        heldout_examples = sample_cbow(heldout, options.window, keep, n, Seeds.METRICS + 1) if len(heldout) else None
        return train_examples, heldout_examples
    heldout_examples = None
    if train_pairs is not None:
        train_examples = sample_pairs(train_pairs, n, Seeds.METRICS)
        if len(heldout):
            heldout_pairs = expected_pair_counts(heldout, options.window, len(counts), keep, should_stop=should_stop)
            if heldout_pairs.nnz:
                heldout_examples = sample_pairs(heldout_pairs, n, Seeds.METRICS + 1)
        return train_examples, heldout_examples
    if drawn is None:
        drawn = drawn_pairs(train, options, keep, n, Seeds.METRICS, should_stop)[0]
    train_examples = Examples(drawn.inputs[:n], drawn.targets[:n])  # a random n of iid draws are iid
    if len(heldout):
        heldout_examples = drawn_pairs(heldout, options, keep, n, Seeds.METRICS + 1, should_stop)[0]
        heldout_examples = heldout_examples if len(heldout_examples) > 1 else None
    return train_examples, heldout_examples
