"""A corpus made ready for training: the held-out split, the vocabulary, the encoded sentences.

prepared = prepare(load_corpus("toy"), CorpusOptions(min_count=5))
prepared.train, prepared.heldout        # Encoded: flat int32 word rows + sentence bounds
prepared.heldout_sentences              # which corpus sentences are held out (recorded in a run)

The Prepared object keeps only the corpus's name, hash and size, not its token strings, so a
cache of prepared corpora does not pin every word of every visitor's upload in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.i18n import _
from embedlab.text.corpus import Corpus
from embedlab.text.vocab import Encoded, Vocabulary, build_vocabulary, encode, heldout_indices


def nothing_held_out(name: str) -> str:
    """Why a corpus has no held-out sentence (see :meth:`Prepared.heldout_note`), in one sentence."""
    return _(
        "no sentence of {name} could be held out (each repeated sentence stays wholly in training "
        "or wholly out, and this text repeats too few different ones), so heldout_loss is empty (nan); "
        "add different sentences to measure it."
    ).format(name=name)


@dataclass(frozen=True)
class CorpusInfo:
    """What a run needs to know about its corpus (not the text itself)."""

    name: str
    sha256: str
    description: str
    n_sentences: int
    n_tokens: int
    segmentation: str = "syllables"  # what its words are: "words" (Vietnamese segmented) or "syllables" as written

    @classmethod
    def of(cls, corpus: Corpus) -> CorpusInfo:
        return cls(
            corpus.name,
            corpus.sha256,
            corpus.description,
            len(corpus.sentences),
            corpus.n_tokens,
            corpus.segmentation.applied,
        )


@dataclass(frozen=True)
class Prepared:
    """A corpus split and encoded with one vocabulary: what both trainers consume."""

    corpus: CorpusInfo
    options: CorpusOptions
    vocab: Vocabulary
    train: Encoded  # training sentences, out-of-vocabulary words dropped
    heldout: Encoded  # held-out sentences, never trained on
    heldout_sentences: np.ndarray  # (h,) int64 indices of the held-out sentences in the corpus

    # the names of v0.1, still read by callers
    @property
    def train_ids(self) -> Encoded:
        return self.train

    @property
    def heldout_ids(self) -> Encoded:
        return self.heldout

    def heldout_note(self) -> str | None:
        """Why heldout_loss will be empty (nan), or None when there is a held-out part to measure."""
        if len(self.heldout) or self.options.heldout_fraction == 0:
            return None
        if len(self.heldout_sentences):
            return _(
                "the held-out sentences hold no word of the vocabulary, so heldout_loss is empty (nan); "
                "lower min_count or use a larger corpus to measure it."
            )
        return nothing_held_out(self.corpus.name)

    def split_record(self) -> dict:
        """The split as a run records it: enough to rebuild it from the corpus file alone."""
        return {
            "heldout_fraction": self.options.heldout_fraction,
            "split_seed": self.options.split_seed,
            "corpus_sentences": self.corpus.n_sentences,
            "heldout_sentences": self.heldout_sentences.tolist(),
        }


def prepare(corpus: Corpus, options: CorpusOptions | None = None) -> Prepared:
    """Held-out split (by sentence, repeated sentences on one side), then the vocabulary of
    the training part only, then both parts encoded."""
    options = (options or CorpusOptions()).validate()
    held = heldout_indices(corpus.sentences, options.heldout_fraction, options.split_seed)
    is_held = np.zeros(len(corpus.sentences), dtype=bool)
    is_held[held] = True
    train_sentences = [s for s, h in zip(corpus.sentences, is_held, strict=True) if not h]
    heldout_sentences = [corpus.sentences[i] for i in held]
    vocab = build_vocabulary(train_sentences, options.min_count, options.max_vocab)
    return Prepared(
        CorpusInfo.of(corpus), options, vocab, encode(train_sentences, vocab), encode(heldout_sentences, vocab), held
    )


def check_feasible(prepared: Prepared, options: TrainOptions, limits: Limits | None = None) -> None:
    """Refuse settings this corpus cannot support, before any work starts."""
    limits = limits or Limits.from_env()
    if not len(prepared.train):
        raise EmbedLabError(_("no training sentence has a word in the vocabulary; lower min_count."))
    if not np.any(prepared.train.lengths > 1):
        raise EmbedLabError(
            _(
                "every training sentence has fewer than two known words, so there are no pairs; "
                "lower min_count or use a larger corpus."
            )
        )
    if options.trainer == "numpy" and len(prepared.vocab) > limits.max_softmax_vocab:
        raise EmbedLabError(
            _(
                "the full-softmax trainer is capped at {most} words here and this vocabulary has {V}; raise "
                "min_count or set max_vocab (or EMBEDLAB_UNLIMITED=1 locally)."
            ).format(most=limits.max_softmax_vocab, V=len(prepared.vocab))
        )
