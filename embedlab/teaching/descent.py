"""§3 as a check that could fail: does each epoch's step go down the gradient of the objective?

SEED §3 says every step moves a vector by Δv = −η ∇L. The snapshots hold one vector per epoch,
so the claim is checked epoch by epoch: for each word w, the cosine between its actual movement
Δv_w(t) = v_w(t) − v_w(t−1) and −∇_w J at the epoch's start (both matrices at t−1: the exact
gradient of the objective the trainer optimises, :func:`input_gradients`):

    cos_w(t) = −Δv_w(t) · ∇_w J(t−1) / (‖Δv_w(t)‖ ‖∇_w J(t−1)‖)

A movement in a random direction gives cos ≈ N(0, 1/d); the mean over n words then has standard
deviation 1/√(n·d), so ``z = mean · √(n·d)`` far above 0 cannot be chance. What limits it: an
epoch is thousands of SGD steps, each on a few pairs, taken while v and u both move, so the
epoch's sum is not the gradient at its start — near the optimum the gradient is small and the
steps' noise dominates, and at a large rate (the NumPy trainer's η = 10) the path curves within
an epoch. At epoch 1 ∇_v J(v(0)) = 0 (every u starts at 0), so the first epoch has no cosine.
Snapshots run backwards can pass too, and that is no contradiction: a step at a large rate
overshoots, so the gradient at its end points back along it.

v(0) + Σ Δv(t) = v(T) holds for any sequence of arrays (it telescopes): the Lecture shows it as
bookkeeping of the path, not as evidence.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from embedlab import i18n
from embedlab.config import BUILTIN_CORPORA, CorpusOptions, Limits, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.i18n import _, listing
from embedlab.i18n import number as num
from embedlab.markup import inert
from embedlab.store import Run
from embedlab.text.corpus import Corpus, load_corpus
from embedlab.text.lookup import display_word
from embedlab.train import objectives
from embedlab.train.blas import blas_threads

if TYPE_CHECKING:  # SciPy loads where it is used
    import scipy.sparse

DESCENT_WORDS = 300  # the most frequent centre words measured (bounded work on any V)
DESCENT_MAX_VOCAB = 50_000  # beyond it, rebuilding the exact objective is no page's work
Z_PASS = 4.0  # mean cosine this many null standard deviations above 0 (one-sided p ≈ 3e-5)


@dataclass(frozen=True)
class TrainingObjective:
    """What a run was trained on, rebuilt from its corpus: the objective, the expected pair
    counts of its training sentences (V, V) and the L2 weight."""

    objective: object
    counts: object  # scipy.sparse.csr_array
    l2: float


_REBUILT: OrderedDict[tuple[str, str], TrainingObjective | str] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 2  # rebuilt objectives kept (a pair of current runs): picking another word reuses them


def training_objective(run: Run, corpora: Mapping[str, Corpus] | None = None) -> TrainingObjective | str:
    """The objective a run optimised, rebuilt from its corpus and config.json; or, when that
    cannot be done, one sentence saying why (the corpus is not at hand, the run was imported or
    fine-tuned, hierarchical softmax, whose Huffman tree is not stored).

    The corpus is one of ``corpora`` (sha256 → Corpus: a visitor's uploads) with the run's
    sha256, or a built-in named in its config.json, or — only where the caps are lifted
    (:attr:`Limits.lifted`, one's own machine) — the file its config.json names: an opened bundle's
    config.json is a visitor's text, and must not make a shared server read a path of its choosing.
    """
    sha256 = run.config.get("corpus", {}).get("sha256")
    corpus = (corpora or {}).get(sha256)
    config = json.dumps(run.config, sort_keys=True, default=str)
    held = None if corpus is None else corpus.segmentation.applied
    # the reasons are sentences in the visitor's language: a key per language
    key = (str(run.path), config, held, Limits.from_env().lifted, i18n.current())
    with _LOCK:
        found = _REBUILT.get(key)
    if found is None:
        found = _rebuild(run, corpus)
    with _LOCK:  # pages run in threads
        _REBUILT[key] = found
        _REBUILT.move_to_end(key)
        while len(_REBUILT) > _KEEP:
            _REBUILT.popitem(last=False)
    return found


def _rebuild(run: Run, corpus: Corpus | None) -> TrainingObjective | str:
    from embedlab.text.prepared import prepare
    from embedlab.train.metrics import objective_for, pair_counts  # the metrics pull SciPy in

    if run.trainer not in ("numpy", "gensim") or not run.has_outputs:
        return _("the check needs the output vectors and the objective of a run trained here")
    if run.config.get("switch_epoch") is not None:
        return _("a fine-tuned run trained on two corpora; the check reads runs trained on one")
    options = TrainOptions.from_dict(run.config.get("train_options", {}))
    if options.trainer == "gensim" and (options.hs or options.sg == 0):
        return _("gensim's hierarchical softmax or CBOW objective is not rebuilt from the run directory")
    if run.config.get("corpus_read") == "streamed" or len(run.vocab) > DESCENT_MAX_VOCAB:
        return _(
            "its objective is too large to rebuild on a page (V = {V}); its own measurements are on the Dynamics page"
        ).format(V=num(len(run.vocab), ","))
    corpus_options = CorpusOptions(**run.config.get("corpus_options", {}))
    source = corpus_options.source
    if corpus is None and source not in BUILTIN_CORPORA and not Limits.from_env().lifted:
        return _(
            "its corpus {source} is not one of this session's uploads, and a server shared by visitors reads no file "
            "a run names (on your own machine, EMBEDLAB_UNLIMITED=1 lets it)"
        ).format(source=inert(source))
    try:
        corpus = corpus or load_corpus(source)
    except (EmbedLabError, OSError):
        return _("the corpus {source} is not at hand on this server").format(source=inert(source))
    if corpus.sha256 != run.config.get("corpus", {}).get("sha256"):
        return _("the corpus on this server is not the one the run was trained on (its sha256 differs)")
    prepared = prepare(corpus, corpus_options)
    if tuple(prepared.vocab.words) != tuple(run.vocab.words):
        return _("the corpus rebuilds a different vocabulary from the run's")
    counts = pair_counts(prepared.train, prepared.vocab.counts, options)
    l2 = options.l2 if options.trainer == "numpy" else 0.0
    return TrainingObjective(objective_for(options, prepared.vocab.counts), counts, l2)


def measured_rows(counts, n: int = DESCENT_WORDS, also: tuple[int, ...] = ()) -> np.ndarray:
    """The rows of the ``n`` most frequent words that are centres of some pair, plus ``also``."""
    centres = np.flatnonzero(np.asarray(counts.sum(axis=1)).ravel() > 0)
    return np.unique(np.concatenate([centres[:n], [r for r in also if r in set(centres.tolist())]])).astype(np.int64)


def input_gradients(
    objective,
    W_in: np.ndarray,
    W_out: np.ndarray,
    counts: scipy.sparse.csr_array,
    rows: np.ndarray,
    l2: float = 0.0,
) -> np.ndarray:
    """∂J/∂v_w for the input vectors of ``rows`` only: (len(rows), d) float64, the rows of
    :func:`embedlab.train.objectives.exact`'s dW_in at a cost of len(rows)·V·d (each row needs only its own scores).

    >>> import scipy.sparse
    >>> from embedlab.train.objectives import Softmax
    >>> W_in, W_out = np.eye(3)[:, :2], np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    >>> counts = scipy.sparse.csr_array(np.array([[0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    >>> full = objectives.exact(Softmax(), W_in, W_out, counts)[1]
    >>> bool(np.allclose(input_gradients(Softmax(), W_in, W_out, counts, np.array([1, 0])), full[[1, 0]]))
    True
    """
    rows = np.asarray(rows, dtype=np.int64)
    total = float(counts.sum())
    W_out = np.asarray(W_out, dtype=np.float64)
    H = np.asarray(W_in[rows], dtype=np.float64)  # (r, d)
    grads = np.zeros(H.shape)
    if total <= 0:
        return grads
    step = objectives._block_rows(W_out.shape[0])
    for start in range(0, len(rows), step):
        block = slice(start, start + step)
        Z = H[block] @ W_out.T  # (b, V) scores
        _, C = objective.block(Z, counts[rows[block]].toarray())
        grads[block] = C @ W_out / total
    if l2:
        grads += 2.0 * l2 * H
    return grads


def descent_cosines(
    input_vectors: np.ndarray,
    output_vectors: np.ndarray,
    objective,
    counts,
    rows: np.ndarray,
    l2: float = 0.0,
) -> pd.DataFrame:
    """``epoch, row, cosine, step, grad`` for epochs 1..E and every row in ``rows``.

    cosine = cos(Δv_w(t), −∇_w J(t−1)) (NaN where the step or the gradient is 0); step =
    ‖Δv_w(t)‖; grad = ‖∇_w J(t−1)‖. Vectors (E+1, V, d), computed in float64.

    >>> import scipy.sparse
    >>> from embedlab.train.objectives import Softmax
    >>> U = np.array([[[1.0, 0.0], [0.0, 1.0]]] * 2)  # output vectors, epochs 0..1
    >>> V0 = np.zeros((2, 2)); counts = scipy.sparse.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> G = input_gradients(Softmax(), V0, U[0], counts, np.array([0, 1]))
    >>> descent_cosines(np.stack([V0, V0 - G]), U, Softmax(), counts, np.array([0, 1]))["cosine"].round(6).tolist()
    [1.0, 1.0]
    """
    rows = np.asarray(rows, dtype=np.int64)
    frames = []
    with blas_threads(len(rows) * output_vectors.shape[1] * output_vectors.shape[2]):
        grads_per_epoch = [
            input_gradients(objective, input_vectors[t - 1], output_vectors[t - 1], counts, rows, l2)
            for t in range(1, input_vectors.shape[0])
        ]  # (r, d) each
    for t, grads in enumerate(grads_per_epoch, start=1):
        before = np.asarray(input_vectors[t - 1], dtype=np.float64)
        steps = np.asarray(input_vectors[t][rows], dtype=np.float64) - before[rows]  # (r, d)
        step, grad = np.linalg.norm(steps, axis=1), np.linalg.norm(grads, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = -np.einsum("rd,rd->r", steps, grads) / (step * grad)
        cosine[(step == 0) | (grad <= 1e-12 * max(float(grad.max()), 1e-300))] = np.nan
        frames.append(pd.DataFrame({"epoch": t, "row": rows, "cosine": cosine, "step": step, "grad": grad}))
    return pd.concat(frames, ignore_index=True)


def descent_summary(cosines: pd.DataFrame, dim: int) -> pd.DataFrame:
    """Per epoch over words: ``epoch, words, low, median, high, mean, sd, downhill, z, passes``.

    low/median/high: 10 %, 50 %, 90 % quantiles of the cosine; downhill: the share of words
    with cosine > 0; z = mean · √(words·d), the mean in standard deviations of a random
    direction's; passes: z > Z_PASS. Epochs with no finite cosine (epoch 1) are left out.

    >>> frame = pd.DataFrame({"epoch": [2, 2, 2], "row": [0, 1, 2], "cosine": [0.9, 0.8, 0.7]})
    >>> descent_summary(frame, 16)[["median", "downhill", "passes"]].values.tolist()
    [[0.8, 1.0, True]]
    """
    rows = []
    for epoch, group in cosines.dropna(subset=["cosine"]).groupby("epoch"):
        c = group["cosine"].to_numpy()
        low, median, high = np.quantile(c, (0.1, 0.5, 0.9))
        z = float(c.mean() * np.sqrt(len(c) * dim))
        rows.append((int(epoch), len(c), low, median, high, c.mean(), c.std(), float(np.mean(c > 0)), z, z > Z_PASS))
    columns = ["epoch", "words", "low", "median", "high", "mean", "sd", "downhill", "z", "passes"]
    return pd.DataFrame(rows, columns=columns)


def random_walk(input_vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """Snapshots that did not come from SGD: from the same v(0), every word takes each epoch's
    step with the same length as in ``input_vectors`` but in a random direction (E+1, V, d)."""
    rng = np.random.default_rng(seed)
    X = np.asarray(input_vectors, dtype=np.float64)
    lengths = np.linalg.norm(np.diff(X, axis=0), axis=2, keepdims=True)  # (E, V, 1)
    directions = rng.standard_normal(X[1:].shape)
    directions /= np.linalg.norm(directions, axis=2, keepdims=True)
    return np.concatenate([X[:1], X[:1] + np.cumsum(lengths * directions, axis=0)])


def summary_line(name: str, summary: pd.DataFrame, own: pd.DataFrame, word: str) -> str:
    """The Lecture's line for one run: the median cosine at the first and last epoch checked, the
    share of words stepping downhill, the smallest z and the verdict, then ``word``'s own cosines
    (``own``: its ``epoch, cosine`` rows)."""
    first, last = summary.iloc[0], summary.iloc[-1]
    failed = summary.loc[~summary["passes"], "epoch"].tolist()
    verdict = (
        _("downhill beyond chance at every epoch")
        if not failed
        else _("not beyond chance at epoch(s) {epochs}").format(epochs=listing([str(e) for e in failed]))
    )
    own = own.dropna()
    own_text = (
        _("; *{word}*: {first} at epoch {epoch}, {last} at the last").format(
            word=inert(display_word(word)),
            first=num(own["cosine"].iloc[0], "+.2f"),
            epoch=int(own["epoch"].iloc[0]),
            last=num(own["cosine"].iloc[-1], "+.2f"),
        )
        if len(own)
        else ""
    )
    return (
        _(
            "**{name}** ({words} most frequent words): median cosine {first} at epoch {first_epoch}, {last} at "
            "epoch {last_epoch}; {downhill} of the words step downhill at the last epoch; the mean is at least "
            "{z} standard deviations of a random direction's above 0 — {verdict}"
        ).format(
            name=name,
            words=int(first["words"]),
            first=num(first["median"], ".2f"),
            first_epoch=int(first["epoch"]),
            last=num(last["median"], ".2f"),
            last_epoch=int(last["epoch"]),
            downhill=num(last["downhill"], ".0%"),
            z=num(summary["z"].min(), ".0f"),
            verdict=verdict,
        )
        + own_text
    )
