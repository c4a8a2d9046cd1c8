"""The gensim callback's checkpoints open as a run that holds exactly what gensim held each epoch."""

from __future__ import annotations

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from embedlab.config import ImportOptions
from embedlab.importer import import_run
from embedlab.importer.files import read_paths
from embedlab.train.gensim_checkpoints import EpochCheckpoints

SENTENCES = [
    ["king", "queen", "royal", "crown"],
    ["dog", "cat", "pet", "animal"],
    ["red", "blue", "green", "colour"],
] * 40


class _Copies(CallbackAny2Vec):
    """An independent record: gensim's vectors copied in memory at the same moments."""

    def __init__(self):
        self.copies: list[np.ndarray] = []

    def on_train_begin(self, model):
        if not self.copies:
            self.copies.append(model.wv.vectors.copy())

    def on_epoch_end(self, model):
        self.copies.append(model.wv.vectors.copy())


def test_checkpoints_import_as_the_vectors_gensim_held_at_every_epoch(tmp_path):
    writer, copies = EpochCheckpoints(tmp_path / "ckpt"), _Copies()
    model = Word2Vec(vector_size=8, window=2, min_count=1, sg=1, negative=3, seed=3, workers=1)
    model.build_vocab(SENTENCES)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=3, callbacks=[writer, copies])

    assert [p.name for p in writer.written] == ["epoch0.bin", "epoch1.bin", "epoch2.bin", "epoch3.bin"]
    assert not list((tmp_path / "ckpt").glob(".tmp-*"))
    run = import_run(read_paths(sorted(writer.written)), tmp_path / "run", ImportOptions(align=False))

    assert list(run.vocab.words) == list(model.wv.index_to_key)
    stack = np.asarray(run.input_vectors)
    assert stack.shape == (4, len(model.wv), 8)
    for epoch, expected in enumerate(copies.copies):
        np.testing.assert_array_equal(stack[epoch], expected)
    assert not np.array_equal(stack[0], stack[3])  # training moved the vectors


def test_a_second_train_call_continues_the_numbering(tmp_path):
    writer = EpochCheckpoints(tmp_path / "ckpt")
    model = Word2Vec(vector_size=4, min_count=1, seed=1, workers=1)
    model.build_vocab(SENTENCES)
    for _ in range(2):
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1, callbacks=[writer])
    assert [p.name for p in writer.written] == ["epoch0.bin", "epoch1.bin", "epoch2.bin"]
