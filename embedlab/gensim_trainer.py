"""gensim Word2Vec, trained epoch by epoch, snapshotted through a gensim callback.

The model gets embedlab's vocabulary (same words, same row order, same counts) through
``build_vocab_from_freq``, so its rows line up with the NumPy trainer's, and its initial
vectors come from the same ``prep_vectors`` draw (``softmax.initial_vectors`` reproduces it).
Each epoch is one ``train()`` call whose alpha runs over that epoch's slice of the linear
schedule, so the run matches one long call, and stopping between epochs is clean.
"""

from __future__ import annotations

import logging

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from embedlab.hooks import Snapshot

logging.getLogger("gensim").setLevel(logging.WARNING)


class _EpochSnapshot(CallbackAny2Vec):
    """Copies the weights when gensim finishes an epoch (fresh copies: gensim updates in place)."""

    def __init__(self, trainer: GensimTrainer):
        self.trainer = trainer

    def on_epoch_end(self, model):
        self.trainer._last = (model.wv.vectors.copy(), self.trainer._output_weights().copy())


class GensimTrainer:
    """Word2Vec with embedlab's vocabulary; ``train_epoch`` runs one epoch, ``snapshot`` reads it."""

    name = "gensim"

    def __init__(self, sentences: list[list[str]], words, counts: np.ndarray, options):
        self.sentences = sentences
        self.options = options
        self.alpha = options.resolved_lr()
        self.min_alpha = self.alpha * options.min_lr_fraction
        self.model = Word2Vec(
            vector_size=options.dim,
            window=options.window,
            min_count=1,
            sg=options.sg,
            hs=options.hs,
            negative=options.negative,
            sample=options.sample,
            seed=options.seed,
            workers=options.workers,
            alpha=self.alpha,
            min_alpha=self.min_alpha,
            epochs=options.epochs,
            sorted_vocab=0,  # keep our order: gensim breaks count ties differently
        )
        self.model.build_vocab_from_freq(
            {w: int(c) for w, c in zip(words, counts, strict=True)}, corpus_count=len(sentences)
        )
        if list(self.model.wv.index_to_key) != list(words):
            raise RuntimeError("gensim reordered the vocabulary; rows would not match the NumPy trainer")
        self.objective = "hs" if options.hs else "negative"
        self._callback = _EpochSnapshot(self)
        self._last = (self.model.wv.vectors.copy(), self._output_weights().copy())
        self.lr = self.alpha

    def _output_weights(self) -> np.ndarray:
        return self.model.syn1 if self.options.hs else self.model.syn1neg

    def huffman_paths(self) -> tuple[list, list]:
        """(codes, points) of every word, for the hierarchical-softmax objective."""
        wv = self.model.wv
        return (
            [wv.get_vecattr(i, "code") for i in range(len(wv))],
            [wv.get_vecattr(i, "point") for i in range(len(wv))],
        )

    def snapshot(self, epoch: int) -> Snapshot:
        input_vectors, output_vectors = self._last
        return Snapshot(epoch, input_vectors, output_vectors)

    def train_epoch(self, epoch: int) -> dict:
        E = self.options.epochs
        start = self.alpha - (self.alpha - self.min_alpha) * (epoch - 1) / E
        end = self.alpha - (self.alpha - self.min_alpha) * epoch / E
        self.model.train(
            self.sentences,
            total_examples=len(self.sentences),
            epochs=1,
            start_alpha=start,
            end_alpha=end,
            callbacks=[self._callback],
        )
        self.model.wv.fill_norms(force=True)  # most_similar's cached norms go stale otherwise
        self.lr = end
        return {"pairs": None, "words": int(sum(len(s) for s in self.sentences)), "lr": end}
