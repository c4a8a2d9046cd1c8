"""Per-epoch word2vec checkpoints from a plain gensim training, in the form ``import`` opens.

For a corpus beyond one machine's dashboard: train with gensim anywhere, pass one callback, and
open the folder it fills here (``python -m embedlab import DIR/*.bin --no-align --out RUN``)::

    from gensim.models import Word2Vec
    from embedlab.train.gensim_checkpoints import EpochCheckpoints

    Word2Vec(corpus_file="big.txt", vector_size=100, epochs=5, callbacks=[EpochCheckpoints("ckpt")])

``epoch0.bin`` holds the vectors before the first update (gensim's own random start), then
``epoch1.bin`` … after each epoch: binary word2vec, float32 exactly as gensim holds them, words in
gensim's order (most frequent first). The files are the input vectors only (``wv``); an opened run
says it lacks output vectors and metrics. One training's checkpoints share one coordinate system,
so open them with ``--no-align`` (alignment is for checkpoints of separate trainings).
"""

from __future__ import annotations

import os
from pathlib import Path

from gensim.models.callbacks import CallbackAny2Vec


class EpochCheckpoints(CallbackAny2Vec):
    """A gensim callback that writes ``folder/epoch{N}.bin`` before training and after every epoch.

    Each file is written whole or not at all (a killed training leaves complete checkpoints only).
    Several ``train()`` calls on one model continue the numbering; epoch 0 is written once.
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.epoch = 0
        self.written: list[Path] = []

    def _write(self, model) -> None:
        path = self.folder / f"epoch{self.epoch}.bin"
        tmp = self.folder / f".tmp-{os.getpid()}-{path.name}"
        try:
            model.wv.save_word2vec_format(str(tmp), binary=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self.written.append(path)

    def on_train_begin(self, model) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.written:
            self._write(model)

    def on_epoch_end(self, model) -> None:
        self.epoch += 1
        self._write(model)
