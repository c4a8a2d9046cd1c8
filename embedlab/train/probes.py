"""Probes of the real kernels a training job will run, each for a fraction of a second on this
corpus at these settings: one epoch of the trainer, one snapshot's measurement, the scorer, the
counting or drawing of pairs. :func:`embedlab.train.job_estimate.run_estimate` scales them up to a job.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from embedlab.config import Seeds, TrainOptions
from embedlab.errors import TrainingCancelled
from embedlab.text.prepared import Prepared
from embedlab.train import metrics, objectives_sampled, sizing
from embedlab.train.metrics import pair_counts
from embedlab.train.objectives import NegativeSampling, Softmax
from embedlab.train.softmax import SoftmaxTrainer, initial_vectors
from embedlab.train.training import Scorer

PROBE_MIN_WORDS = 20_000  # gensim's probe trains at least this many words (or the whole text): a rate, not a start-up
# An epoch probe runs for this share of the training it predicts, within [seconds, PROBE_MAX_SECONDS]:
# a longer job is worth a longer look, which a burst of other work on a shared machine skews less.
PROBE_SHARE, PROBE_MAX_SECONDS = 0.03, 1.0


def probe_long_enough(elapsed: float, predicted: float, seconds: float) -> bool:
    """Whether an epoch probe that has run ``elapsed`` seconds and predicts ``predicted`` seconds of
    training may stop: after ``seconds``, and after PROBE_SHARE of the prediction up to PROBE_MAX_SECONDS.

    >>> probe_long_enough(0.31, 5.0, 0.3), probe_long_enough(0.31, 20.0, 0.3), probe_long_enough(1.01, 600.0, 0.3)
    (True, False, True)
    """
    return elapsed > max(seconds, min(PROBE_SHARE * predicted, PROBE_MAX_SECONDS))


def timed_batches(seconds: float, batches: float = 0) -> tuple[Callable[[], bool], list[float]]:
    """A should_stop() that records when it is asked (before each batch) and says stop after
    ``seconds``, or later when the ``batches`` to come at the rate so far call for a longer look
    (:func:`probe_long_enough`)."""
    calls: list[float] = []

    def stop() -> bool:
        calls.append(time.perf_counter())
        elapsed = calls[-1] - calls[0]
        return probe_long_enough(elapsed, elapsed / max(len(calls) - 1, 1) * batches, seconds)

    return stop, calls


def probe_epoch(prepared: Prepared, options: TrainOptions, seconds: float) -> tuple[float, float]:
    """(seconds of one training epoch of ``options`` here and now, seconds to build its trainer),
    from the real trainer run on this corpus for ``seconds`` or longer (:func:`probe_long_enough`;
    exact when the epoch is shorter)."""
    V = len(prepared.vocab)
    initial = initial_vectors(V, options.dim, options.seed)
    if options.trainer == "numpy":
        started = time.perf_counter()
        trainer = SoftmaxTrainer(
            prepared.train, prepared.vocab.counts, options, initial, pairs_per_position=options.window + 1.0
        )
        steps = -(-sizing.positions_per_epoch(prepared, options) // options.batch_size)
        stop, calls = timed_batches(seconds, steps * options.epochs)
        built, started = time.perf_counter() - started, time.perf_counter()
        try:
            trainer.train_epoch(1, stop)
        except TrainingCancelled:
            per_batch = (calls[-1] - calls[0]) / max(len(calls) - 1, 1)
            return (calls[0] - started) + per_batch * steps, built  # the epoch's draw of windows and order, its batches
        return time.perf_counter() - started, built
    from embedlab.train.gensim_trainer import GensimTrainer  # gensim loads when first needed

    started = time.perf_counter()
    trainer = GensimTrainer(prepared.train, prepared.vocab.words, prepared.vocab.counts, options, initial=initial)
    built, started = time.perf_counter() - started, time.perf_counter()
    words, tokens = trainer.words, prepared.train.n_tokens
    at_least = min(PROBE_MIN_WORDS, tokens)

    def sentences():  # long enough, and never fewer than ``at_least`` words: a stalled start is no rate
        given = 0
        for sentence in prepared.train:
            elapsed = time.perf_counter() - started
            if given >= at_least and probe_long_enough(elapsed, elapsed / given * tokens * options.epochs, seconds):
                return
            given += len(sentence)
            yield [words[t] for t in sentence]

    _, raw_words = trainer.model.train(sentences(), total_examples=len(prepared.train), epochs=1)
    elapsed = time.perf_counter() - started
    return elapsed * tokens / max(raw_words, 1), built


def measure_plan(prepared: Prepared, options: TrainOptions) -> tuple[str, int, float]:
    """(method, examples, seconds of drawing the examples) of the run's measurement, as
    :func:`metrics.build_measure` will choose them: gensim's choice is made from pairs drawn from
    the text (drawn here, as the run will), the NumPy trainer's from the pairs it counts."""
    V = len(prepared.vocab)
    positions = sizing.positions_per_epoch(prepared, options)
    rows = float(metrics.rows_with_pairs(prepared.train))
    if options.trainer == "numpy":
        return *metrics._plan(options, rows, positions * (options.window + 1), positions, V)[:2], 0.0
    keep = metrics.keep_for(prepared.vocab.counts, options)
    started = time.perf_counter()
    _, pairs = metrics.drawn_pairs(prepared.train, options, keep, metrics.MAX_EXAMPLES, Seeds.METRICS)
    method, examples, _ = metrics._plan(options, rows, pairs, positions, V)
    if method == "estimated" and options.sg == 0:  # CBOW's windows, from the training and held-out text
        for part in (prepared.train, prepared.heldout):
            objectives_sampled.sample_cbow(part, options.window, keep, examples, Seeds.METRICS)
    elif method == "estimated" and len(prepared.heldout):
        metrics.drawn_pairs(prepared.heldout, options, keep, examples, Seeds.METRICS + 1)
    return method, examples, time.perf_counter() - started


def probe_snapshot(prepared: Prepared, options: TrainOptions, seconds: float, plan: tuple[str, int]) -> float:
    """Seconds to measure one snapshot of ``options`` here, without its scores: the run's own
    :class:`metrics.Measure` (exact or estimated with ``examples``, ``plan``) called on stand-in
    pairs of this vocabulary — whole when that takes under ``seconds / 3``, else a part of it scaled
    up. Only the part's own cost is scaled: the call's fixed cost (its (V, d) arrays, the geometry)
    is timed apart on a one-row call, so a small part is not multiplied up with it."""
    V = len(prepared.vocab)
    method, examples = plan
    if method == "exact":
        full = (V, metrics.rows_with_pairs(prepared.heldout) if len(prepared.heldout) else 0)
    else:
        full = (examples, examples if len(prepared.heldout) else 0)
    rng = np.random.default_rng(0)
    W_in, W_out = (rng.standard_normal((V, options.dim), dtype=np.float32) / options.dim for _ in range(2))
    objective = (
        Softmax()
        if options.trainer == "numpy"
        else NegativeSampling.from_counts(prepared.vocab.counts, options.negative or 5)
    )
    l2 = options.l2 if options.trainer == "numpy" else 0.0

    def call(share: float) -> float:
        sizes = [max(1, round(share * n)) if n else 0 for n in full]
        if method == "exact":
            parts = [stand_in_counts(V, rows, rng) if rows else None for rows in sizes]
            measure = metrics.Measure(objective, l2, "exact", train_pairs=parts[0], heldout_pairs=parts[1])
        else:
            parts = [stand_in_examples(options, objective, V, max(n, 2), rng) if n else None for n in sizes]
            measure = metrics.Measure(objective, l2, "estimated", train_examples=parts[0], heldout_examples=parts[1])
        started = time.perf_counter()
        measure(W_in, W_out, W_in)
        return time.perf_counter() - started

    return scaled_cost(call, 1 / max(full[0], 1), seconds / 3)


MIN_SHARE = 1 / 8  # a part is never scaled up more than 8×, nor is a pause of a few ms within it


def scaled_cost(call: Callable[[float], float], smallest: float, budget: float) -> float:
    """The seconds of ``call(1.0)`` (a whole piece of work), from ``call(share)`` timings of parts.

    The share doubles from MIN_SHARE until a call takes ``budget`` or the whole is done; the line
    through that share's and ``smallest``'s costs (each the cheaper of two calls: the first warms
    up, either may be paused) is followed to the whole, so the fixed part of a call is not scaled up
    with its share. Costs about 3 × ``budget``, or a quarter of the whole when MIN_SHARE of it takes
    longer than ``budget``.

    >>> round(scaled_cost(lambda share: 0.5 + 2.0 * share, 0.01, 1.0), 9)  # stops at a share of 0.25 (1.0 s)
    2.5
    """
    fixed = call(smallest)
    share = min(1.0, max(MIN_SHARE, smallest))
    took = call(share)
    while share < 1.0 and took < budget:
        share = min(1.0, 2 * share)
        took = call(share)
    took = min(took, call(share))  # a pause of this process in one call is not scaled up either
    fixed = min(fixed, call(smallest))
    if share >= 1.0:
        return took
    return fixed + max(took - fixed, 0.0) * (1.0 - smallest) / (share - smallest)  # the line through both


def stand_in_counts(V: int, rows: int, rng: np.random.Generator):
    """(V, V) pair counts with ``rows`` non-empty rows of 20 contexts each (the cost of an exact
    measurement grows with its non-empty rows)."""
    import scipy.sparse

    per_row = min(V, 20)
    columns = np.concatenate([rng.choice(V, per_row, replace=False) for _ in range(rows)])
    indptr = np.concatenate([np.arange(rows + 1) * per_row, np.full(V - rows, rows * per_row)])
    return scipy.sparse.csr_array((np.ones(len(columns)), columns, indptr), shape=(V, V))


def stand_in_examples(options: TrainOptions, objective, V: int, n: int, rng: np.random.Generator):
    """``n`` examples of the kind the run's estimate draws: a centre word (skip-gram) or 2 × window
    context words (CBOW), a target, and for gensim's negative sampling its drawn noise words."""
    width = 2 * options.window if options.trainer == "gensim" and options.sg == 0 else 1
    sample = objectives_sampled.Examples(rng.integers(0, V, (n, width)), rng.integers(0, V, n))
    if metrics._draws_negatives(options):
        sample = objectives_sampled.draw_negatives(sample, objective, metrics.NEGATIVE_DRAWS, 0)
    return sample


def probe_scorer(scorer: Scorer | None, W_in: np.ndarray) -> tuple[float, float]:
    """(seconds of one scoring, what its first call costs on top): the first call in a process
    loads the benchmark files and builds its indexes, once; the second is what every snapshot pays."""
    if scorer is None:
        return 0.0, 0.0
    timings = []
    for _attempt in range(2):
        started = time.perf_counter()
        scorer(W_in)
        timings.append(time.perf_counter() - started)
    return timings[1], max(0.0, timings[0] - timings[1])


def probe_counting(prepared: Prepared, options: TrainOptions, tokens: int = 50_000) -> float:
    """Seconds to count the expected pairs of the whole text, from its first sentences (about
    ``tokens`` tokens: the cost per token depends on how long the sentences are)."""
    n_sentences = max(1, int(np.searchsorted(prepared.train.starts, tokens, side="right")) - 1)
    prefix = prepared.train.select(np.arange(min(n_sentences, len(prepared.train))))
    started = time.perf_counter()
    pair_counts(prefix, prepared.vocab.counts, options)
    per_token = (time.perf_counter() - started) / max(prefix.n_tokens, 1)
    return per_token * (prepared.train.n_tokens + prepared.heldout.n_tokens)
