"""The gensim callback's checkpoints open as a run that holds exactly what gensim held each epoch."""

from __future__ import annotations

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from embedlab.config import CorpusOptions, ImportOptions, TrainOptions
from embedlab.importer import import_run
from embedlab.importer.files import read_paths
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train.gensim_checkpoints import EpochCheckpoints
from embedlab.train.training import train

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


def test_plain_gensim_with_the_callback_imports_as_embedlabs_own_gensim_run(tmp_path):
    """The researcher's path (plain gensim, one train() call, the callback, import) gives the run
    EmbedLab trains itself with the same settings, epoch by epoch: same vocabulary order and counts,
    same initial draw, same learning-rate schedule, one worker (gensim is deterministic only then)."""
    prepared = prepare(load_corpus("toy"), CorpusOptions(min_count=5))
    options = TrainOptions(trainer="gensim", dim=8, epochs=3, seed=5, workers=1)
    ours = train(prepared, options, tmp_path / "ours")

    words = prepared.vocab.words
    model = Word2Vec(
        vector_size=options.dim,
        window=options.window,
        min_count=1,
        sg=options.sg,
        negative=options.negative,
        sample=options.resolved_sample(),
        seed=options.seed,
        workers=1,
        alpha=options.resolved_lr(),
        min_alpha=options.resolved_lr() * options.min_lr_fraction,
        sorted_vocab=0,
    )
    model.build_vocab_from_freq(dict(zip(words, map(int, prepared.vocab.counts), strict=True)))
    sentences = [[words[t] for t in sentence] for sentence in prepared.train]
    writer = EpochCheckpoints(tmp_path / "ckpt")
    model.train(sentences, total_examples=len(sentences), epochs=options.epochs, callbacks=[writer])
    theirs = import_run(read_paths(sorted(writer.written)), tmp_path / "theirs", ImportOptions(align=False))

    assert list(theirs.vocab.words) == list(ours.vocab.words)
    assert theirs.snapshot_epochs == ours.snapshot_epochs == [0, 1, 2, 3]
    for epoch in ours.snapshot_epochs:
        np.testing.assert_array_equal(theirs.input_vectors[epoch], ours.input_vectors[epoch])
    assert not np.array_equal(ours.input_vectors[0], ours.input_vectors[3])
