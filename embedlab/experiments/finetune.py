"""Domain fine-tuning (SEED §8): continue a finished run on a second corpus and watch words shift.

    child = finetune(load_run("runs/a"), load_corpus("toy-shift"), "runs/a-shift", epochs=10)

The child run is the parent's run made longer: epochs 0..E are the parent's snapshots, epoch E
is the switch, epochs E+1..E+E2 train on corpus B from the parent's last vectors with the same
trainer and settings (and the one training loop, ``training.fit``). Its vocabulary is the
parent's, rows unchanged, followed by the words of B the parent did not know; those new rows
start as the trainer starts any word (uniform in [−1/d, 1/d), output rows zero) and hold that
vector before the switch. The run directory keeps the contract; config.json names the parent
run, both corpora and the switch epoch.

Drift is measured after alignment: each epoch's vectors of the parent's words are rotated
onto the parent's last epoch E by orthogonal Procrustes before the cosine is taken, so a
turn of the whole space — which leaves the objective unchanged — is not counted as every
word's movement. Fine-tuning does turn the space a little (‖R − I‖_F ≈ 0.1–0.2 on the
toy-shift demonstration), so raw 1 − cos, kept as ``drift_raw``, overstates every word's drift.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks, Snapshot
from embedlab.i18n import _
from embedlab.runs.alignment import procrustes_rotation
from embedlab.runs.analysis import normalize_rows
from embedlab.store import Run, load_run
from embedlab.text.builtin_corpora import shifted_words
from embedlab.text.corpus import Corpus
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.prepared import CorpusInfo, Prepared, check_feasible
from embedlab.text.vocab import Vocabulary, build_vocabulary, encode, heldout_indices
from embedlab.train import objectives
from embedlab.train.fingerprint import maths_fingerprint
from embedlab.train.metrics import build_measure, keep_for, objective_for, trainer_pairs
from embedlab.train.softmax import initial_vectors
from embedlab.train.training import History, Scorer, default_cache_dir, make_trainer, write_run

NEW_ROWS_SEED_OFFSET = 1  # new words' initial vectors: seed + 1, so they differ from the parent's rows
LR_FACTOR = 0.25  # default fine-tuning rate: a quarter of the parent's; at the full rate the restart shakes every word
EPOCHS = 10  # default fine-tuning epochs, on the command line and the page


def parent_corpus_options(parent: Run, min_count: int | None = None) -> CorpusOptions:
    options = dict(parent.config.get("corpus_options", {}))
    if min_count is not None:
        options["min_count"] = min_count
    return CorpusOptions(**options)


def continuation(parent: Run, corpus: Corpus, corpus_options: CorpusOptions) -> tuple[Prepared, int]:
    """Corpus B split as the parent split its corpus, encoded with the parent's vocabulary plus
    B's new words (appended, most frequent first). Returns (prepared, number of new words).

    Counts are B's training counts over that vocabulary (at least 1, so a word the parent
    knew but B lacks keeps a place in gensim's vocabulary and noise table).
    """
    corpus_options = corpus_options.validate()
    held = heldout_indices(corpus.sentences, corpus_options.heldout_fraction, corpus_options.split_seed)
    is_held = np.zeros(len(corpus.sentences), dtype=bool)
    is_held[held] = True
    train_sentences = [s for s, h in zip(corpus.sentences, is_held, strict=True) if not h]
    parent_words = parent.vocab.words
    try:
        own = build_vocabulary(train_sentences, corpus_options.min_count, corpus_options.max_vocab)
    except EmbedLabError:
        own = Vocabulary.from_words([], [])
    known = set(parent_words)
    seen = Counter(word for sentence in train_sentences for word in sentence if word in known)
    if not seen:
        raise EmbedLabError(
            _(
                "{corpus} shares no word with this run's vocabulary, so there is nothing to fine-tune; "
                "pick a corpus in the same language and domain family."
            ).format(corpus=corpus.name)
        )
    new_words = [w for w in own.words if w not in known]
    words = (*parent_words, *new_words)
    counts = Counter(word for sentence in train_sentences for word in sentence)
    vocab = Vocabulary.from_words(words, np.maximum([counts.get(w, 0) for w in words], 1))
    heldout_sentences = [corpus.sentences[i] for i in held]
    info = CorpusInfo.of(corpus)
    prepared = Prepared(
        info, corpus_options, vocab, encode(train_sentences, vocab), encode(heldout_sentences, vocab), held
    )
    return prepared, len(new_words)


def _only_rows(counts, rows: list[int]):
    """The pair counts of the centre words ``rows`` only (the other rows zeroed)."""
    keep = np.zeros(counts.shape[0])
    keep[rows] = 1.0
    return (counts.T.multiply(keep).T).tocsr()


def _first_domain_heldout(parent: Run, corpus_a: Corpus | None, options: TrainOptions):
    """The expected held-out pairs of the parent's corpus (its own split), in parent rows, or
    None when the parent's corpus is not at hand."""
    if corpus_a is None or corpus_a.sha256 != parent.config["corpus"]["sha256"]:
        return None
    corpus_options = parent_corpus_options(parent)
    held = heldout_indices(corpus_a.sentences, corpus_options.heldout_fraction, corpus_options.split_seed)
    heldout = encode([corpus_a.sentences[i] for i in held], parent.vocab)  # parent rows only
    if not len(heldout):
        return None
    return expected_pair_counts(heldout, options.window, len(parent.vocab), keep_for(parent.vocab.counts, options))


@dataclass(frozen=True)
class Forgetting:
    """Held-out losses of a fine-tuned run on the first corpus (A) and around the focus words.

    ``a``: A's held-out pairs (parent rows) against every word the model now knows; ``a_focus``
    / ``b_focus``: A's and B's held-out pairs whose centre is a focus word; ``a_before``: the
    same as ``a_focus`` over the parent's words only (for the parent's own epochs).
    """

    objective: object
    parent_words: int
    a: object = None
    a_focus: object = None
    b_focus: object = None
    a_before: object = None

    def __call__(self, snapshot: Snapshot) -> dict:
        W_in, W_out = snapshot.input_vectors, snapshot.output_vectors
        parent_rows = W_in[: self.parent_words]  # A's centres are the parent's words
        return {
            "domain": "B",
            "heldout_loss_a": self._loss(parent_rows, W_out, self.a),
            "heldout_loss_a_focus": self._loss(parent_rows, W_out, self.a_focus),
            "heldout_loss_focus": self._loss(W_in, W_out, self.b_focus),
        }

    def _loss(self, W_in, W_out, counts) -> float:
        if counts is None or not counts.nnz:
            return float("nan")
        return objectives.exact(self.objective, W_in, W_out, counts, grads=False)[0]


def _forgetting(parent: Run, prepared: Prepared, options: TrainOptions, objective, corpus_a, focus_words) -> Forgetting:
    V_a, V = len(parent.vocab), len(prepared.vocab)
    rows = [parent.vocab.index[w] for w in focus_words or () if w in parent.vocab.index]
    parts: dict = {}
    if rows and len(prepared.heldout):
        keep = keep_for(prepared.vocab.counts, options)
        parts["b_focus"] = _only_rows(expected_pair_counts(prepared.heldout, options.window, V, keep), rows)
    first_domain = _first_domain_heldout(parent, corpus_a, options)
    if first_domain is not None:
        if rows:
            parts["a_before"] = _only_rows(first_domain, rows)
            parts["a_focus"] = parts["a_before"].copy()
            parts["a_focus"].resize((V_a, V))
        first_domain.resize((V_a, V))  # predictions over every word the model now knows
        parts["a"] = first_domain
    return Forgetting(objective, V_a, **parts)


def _history(parent: Run, forgetting: Forgetting, options: TrainOptions, pad_in, pad_out) -> History:
    """The parent's epochs 0..E − 1 as the child's first epochs (trained on A), with their rows."""
    E = parent.epochs
    previous = parent.metrics.iloc[:E].copy()
    previous["domain"] = "A"
    if "heldout_loss" in previous:
        previous["heldout_loss_a"] = previous["heldout_loss"]
    focus = forgetting.a_before
    if focus is not None and focus.nnz and not options.hs:  # HS: the parent's Huffman tree is gone
        parent_objective = objective_for(options, parent.vocab.counts)  # over the parent's words only
        previous["heldout_loss_a_focus"] = [
            objectives.exact(parent_objective, parent.input_vectors[e], parent.output_vectors[e], focus, grads=False)[0]
            for e in range(E)
        ]
    return History(
        E,
        lambda e: pad_in(parent.input_vectors[e]),
        lambda e: pad_out(parent.output_vectors[e]),
        previous.to_dict("records"),
    )


def _config(parent: Run, prepared: Prepared, options: TrainOptions, n_new: int, focus_words, scorer) -> dict:
    corpus = {"name": prepared.corpus.name, "sha256": prepared.corpus.sha256}
    return {
        "embedlab_version": parent.config.get("embedlab_version"),
        "maths": parent.config.get("maths"),
        "trainer": parent.trainer,
        "corpus": corpus,
        "corpus_options": {**vars(prepared.options)},
        "train_options": options.as_dict(),
        "vocab_size": len(prepared.vocab),
        "dim": parent.dim,
        "epochs": parent.epochs + options.epochs,
        "batch_size": options.batch_size if options.trainer == "numpy" else None,
        "quality_metrics": getattr(scorer, "key", None),
        "parent": {
            "run_id": parent.run_id,
            "path": str(parent.path),
            "corpus": dict(parent.config["corpus"]),
            "epochs": parent.epochs,
            "vocab_size": len(parent.vocab),
        },
        "corpora": [dict(parent.config["corpus"]), corpus],
        "switch_epoch": parent.epochs,
        "focus_words": [w for w in focus_words or () if w in parent.vocab.index],
        "new_words": n_new,
        "vocab_counts": "counts in the fine-tuning corpus's training sentences, at least 1",
    }


def finetune(
    parent: Run,
    corpus: Corpus,
    out_dir,
    *,
    epochs: int,
    lr: float | None = None,
    corpus_a: Corpus | None = None,
    focus_words: list[str] | None = None,
    min_count: int | None = None,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    scorer_for=None,
) -> Run:
    """Continue ``parent`` on ``corpus`` for ``epochs`` epochs; write the longer run to ``out_dir``.

    ``lr`` defaults to LR_FACTOR × the parent's starting rate (it decays over the new epochs as
    in any run). With ``corpus_a`` (the parent's corpus, checked by sha256) every new epoch
    also records ``heldout_loss_a``, the held-out loss on the first domain (forgetting), and
    with ``focus_words`` ``heldout_loss_a_focus`` and ``heldout_loss_focus``, the held-out loss
    on A and on B of the pairs whose centre is one of those words (e.g. the words known to
    change company); ``heldout_loss`` is corpus B's. ``scorer_for(vocab, corpus_name)`` builds the
    per-epoch quality scorer (``evaluate.scorer_for``).
    """
    if parent.trainer not in ("numpy", "gensim"):
        raise EmbedLabError(
            _("only runs trained by EmbedLab can be fine-tuned; {run} is {trainer}.").format(
                run=parent.path.name, trainer=parent.trainer
            )
        )
    if not parent.has_outputs:
        raise EmbedLabError(
            _("{run} has no output vectors, which fine-tuning continues; train the run here.").format(
                run=parent.path.name
            )
        )
    base = TrainOptions.from_dict(parent.config["train_options"])
    options = base.replace(epochs=epochs, lr=LR_FACTOR * base.resolved_lr() if lr is None else lr).validate(limits)
    prepared, n_new = continuation(parent, corpus, parent_corpus_options(parent, min_count))
    check_feasible(prepared, options, limits)
    d = parent.dim
    new_rows = initial_vectors(n_new, d, options.seed + NEW_ROWS_SEED_OFFSET) if n_new else np.zeros((0, d), np.float32)
    pad_in = lambda X: np.vstack([np.asarray(X, np.float32), new_rows])  # noqa: E731
    pad_out = lambda X: np.vstack([np.asarray(X, np.float32), np.zeros((n_new, d), np.float32)])  # noqa: E731

    train_pairs = trainer_pairs(prepared.train, prepared.vocab.counts, options)
    start_in, start_out = pad_in(parent.input_vectors[-1]), pad_out(parent.output_vectors[-1])
    trainer = make_trainer(
        prepared.train, prepared.vocab, options, train_pairs, initial=start_in, initial_out=start_out
    )
    objective = objective_for(options, prepared.vocab.counts, trainer)
    measure = build_measure(prepared.train, prepared.heldout, prepared.vocab.counts, options, objective, train_pairs)
    forgetting = _forgetting(parent, prepared, options, objective, corpus_a, focus_words)
    scorer: Scorer | None = scorer_for(prepared.vocab, corpus.name) if scorer_for is not None else None
    history = _history(parent, forgetting, options, pad_in, pad_out)
    config = _config(parent, prepared, options, n_new, focus_words, scorer) | measure.describe()
    return write_run(
        prepared, options, trainer, measure, config, out_dir, hooks, scorer, history=history, extra=forgetting
    )


def focus_words_for(corpus: Corpus) -> list[str] | None:
    """The words known to change company in ``corpus``: a shifted toy corpus's planted ones, else None."""
    return shifted_words(corpus.name) if corpus.name in ("toy-shift", "toy-vi-shift") else None


def finetune_cached(
    parent: Run,
    corpus: Corpus,
    *,
    epochs: int,
    lr_factor: float = LR_FACTOR,
    corpus_a: Corpus | None = None,
    hooks: Hooks | None = None,
    cache_dir=None,
    scorer_for=None,
) -> Run:
    """``parent`` fine-tuned on ``corpus`` (:func:`finetune`, at ``lr_factor`` × the parent's rate),
    read from the run cache when it is there. The key hashes the parent run, the corpus sha256,
    the epochs, the rate and the maths; the run is published whole (``store.RunWriter``), and when
    two visitors fine-tune the same run at once the first to finish is kept."""
    lr = lr_factor * parent.config["train_options"]["lr"]
    key = hashlib.sha256(f"{parent.run_id}|{corpus.sha256}|{epochs}|{lr!r}|{maths_fingerprint()}".encode())
    target = Path(cache_dir or default_cache_dir()) / f"{parent.run_id}-ft-{key.hexdigest()[:16]}"
    if not target.exists():
        finetune(
            parent,
            corpus,
            target,
            epochs=epochs,
            lr=lr,
            corpus_a=corpus_a,
            focus_words=focus_words_for(corpus),
            hooks=hooks,
            scorer_for=scorer_for,
        )
    return load_run(target)


# ---------------------------------------------------------------- what moved


def switch_epoch(run: Run) -> int | None:
    """The epoch a fine-tuned run switched corpus (None for any other run)."""
    return run.config.get("switch_epoch")


def drift(run: Run) -> pd.DataFrame:
    """Each word's drift since the switch, per epoch: ``epoch, word, count_b, drift, drift_raw,
    rotation``.

    drift = 1 − cos(v_w(t) R_t, v_w(E)), R_t the orthogonal Procrustes rotation of epoch t's
    vectors of the parent's words onto epoch E's (``alignment.procrustes_rotation``, fitted on
    all of them); drift_raw = 1 − cos(v_w(t), v_w(E)) without it; rotation = ‖R_t − I‖_F. Only
    the words the parent knew (a new word had no meaning before the switch); ``count_b`` is the
    word's count in the fine-tuning corpus.
    """
    E = switch_epoch(run)
    if E is None:
        raise EmbedLabError(_("this run was not fine-tuned; fine-tune it on the Fine-tune page first."))
    V_a = run.config["parent"]["vocab_size"]
    before = np.asarray(run.input_vectors[E][:V_a], dtype=np.float64)
    start = normalize_rows(before)
    frames = []
    for epoch in range(E, run.epochs + 1):
        now = np.asarray(run.input_vectors[epoch][:V_a], dtype=np.float64)
        rotation = procrustes_rotation(now, before)
        frames.append(
            pd.DataFrame(
                {
                    "epoch": epoch,
                    "word": list(run.vocab.words[:V_a]),
                    "count_b": run.vocab.counts[:V_a],
                    "drift": 1.0 - np.sum(start * normalize_rows(now @ rotation), axis=1),
                    "drift_raw": 1.0 - np.sum(start * normalize_rows(now), axis=1),
                    "rotation": float(np.linalg.norm(rotation - np.eye(len(rotation)))),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def top_movers(run: Run, n: int = 15) -> pd.DataFrame:
    """The words that moved most by the last epoch (drift after alignment), in three frequency
    bands of corpus B: ``band, word, count_b, drift, drift_raw, rank`` (rank among all the
    parent's words, 1 = moved most)."""
    last = drift(run).query("epoch == @run.epochs").reset_index(drop=True)
    last["rank"] = last["drift"].rank(ascending=False, method="first").astype(int)
    bands = pd.qcut(last["count_b"].rank(method="first"), 3, labels=["rare in B", "middle", "frequent in B"])
    last["band"] = bands.astype(str)
    return (
        last.sort_values("drift", ascending=False)
        .groupby("band", sort=False)
        .head(n)[["band", "word", "count_b", "drift", "drift_raw", "rank"]]
        .reset_index(drop=True)
    )


def drift_ranks(run: Run, words: list[str] | None = None, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """At the last epoch: the ``top`` words that drifted most, and the rank of each of
    ``words`` (e.g. the planted shifted words) among all the parent's words (1 = moved most),
    both as ``word, count_b, drift, drift_raw, rank``."""
    last = drift(run).query("epoch == @run.epochs").reset_index(drop=True)
    last["rank"] = last["drift"].rank(ascending=False, method="first").astype(int)
    last = last.sort_values("rank")[["word", "count_b", "drift", "drift_raw", "rank"]]
    chosen = last[last["word"].isin(words or [])]
    return last.head(top).reset_index(drop=True), chosen.reset_index(drop=True)
