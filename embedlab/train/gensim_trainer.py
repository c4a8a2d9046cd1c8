"""gensim Word2Vec, trained epoch by epoch, snapshotted through a gensim callback.

The model gets embedlab's vocabulary (same words, same row order, same counts) through
``build_vocab_from_freq``, so its rows line up with the NumPy trainer's, and its initial
vectors come from the same ``prep_vectors`` draw (``softmax.initial_vectors`` reproduces it).
Each epoch is one ``train()`` call whose alpha runs over that epoch's slice of the linear
schedule, so the run matches one long call.

gensim has no per-batch callback, so the sentences are fed through a generator that asks
``should_stop()`` every few hundred sentences and reports progress: a stop ends the epoch
within a fraction of a second (the partial epoch is then thrown away by the training loop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from embedlab.errors import TrainingCancelled
from embedlab.hooks import Snapshot
from embedlab.text.vocab import Encoded, as_encoded

logging.getLogger("gensim").setLevel(logging.WARNING)
CHECK_EVERY = 256  # sentences between two should_stop() calls


class _EpochSnapshot(CallbackAny2Vec):
    """Copies the weights when gensim finishes an epoch (fresh copies: gensim updates in place)."""

    def __init__(self, trainer: GensimTrainer):
        self.trainer = trainer

    def on_epoch_end(self, model):
        self.trainer._last = (model.wv.vectors.copy(), self.trainer._output_weights().copy())


class GensimTrainer:
    """Word2Vec with embedlab's vocabulary; ``train_epoch`` runs one epoch, ``snapshot`` reads it.

    ``initial``/``initial_out`` (optional) replace the starting vectors, e.g. a parent run's
    last snapshot when fine-tuning.
    """

    name = "gensim"

    def __init__(
        self,
        encoded,
        words,
        counts: np.ndarray,
        options,
        *,
        initial: np.ndarray | None = None,
        initial_out: np.ndarray | None = None,
    ):
        self.encoded: Encoded = as_encoded(encoded)
        self.words = list(words)
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
            sample=options.resolved_sample(),
            seed=options.seed,
            workers=options.workers,
            alpha=self.alpha,
            min_alpha=self.min_alpha,
            epochs=options.epochs,
            sorted_vocab=0,  # keep our order: gensim breaks count ties differently
        )
        self.model.build_vocab_from_freq(
            {w: int(c) for w, c in zip(words, counts, strict=True)}, corpus_count=len(self.encoded)
        )
        if list(self.model.wv.index_to_key) != self.words:
            raise RuntimeError("gensim reordered the vocabulary; rows would not match the NumPy trainer")
        if initial is not None:
            self.model.wv.vectors[:] = initial
        if initial_out is not None:
            self._output_weights()[:] = initial_out
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

    def _sentences(self, stopped: list, should_stop, progress) -> Iterator[list[str]]:
        """The training sentences as word lists, built one at a time (no list of every token)."""
        words, total = np.array(self.words, dtype=object), len(self.encoded)
        for i, sentence in enumerate(self.encoded):
            if i % CHECK_EVERY == 0:
                if should_stop is not None and should_stop():
                    stopped.append(True)
                    return
                if progress is not None:
                    progress(i / total)
            yield words[sentence].tolist()

    def train_epoch(
        self,
        epoch: int,
        should_stop: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> dict:
        E = self.options.epochs
        start = self.alpha - (self.alpha - self.min_alpha) * (epoch - 1) / E
        end = self.alpha - (self.alpha - self.min_alpha) * epoch / E
        stopped: list = []
        self.model.train(
            self._sentences(stopped, should_stop, progress),
            total_examples=len(self.encoded),
            epochs=1,
            start_alpha=start,
            end_alpha=end,
            callbacks=[self._callback],
        )
        if stopped:
            raise TrainingCancelled(f"training stopped during epoch {epoch}.")
        self.model.wv.fill_norms(force=True)  # most_similar's cached norms go stale otherwise
        self.lr = end
        return {"pairs": None, "positions": self.encoded.n_tokens, "words": self.encoded.n_tokens, "lr": end}
