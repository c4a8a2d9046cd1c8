"""Both trainers end to end: loss falls, planted groups pull together, runs are reproducible,
epoch 0 is shared, divergence and cancellation leave nothing behind."""

import doctest
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import embedlab.hooks
import embedlab.train.sizing
import embedlab.train.training
from embedlab.config import CorpusOptions, DashboardSettings, TrainOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.hooks import Hooks
from embedlab.runs.evaluate import scorer_for
from embedlab.store import METRIC_COLUMNS, load_run
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train.sizing import positions_per_epoch, suggested_batch_size, work_estimate
from embedlab.train.training import SHIPPED_RUNS, cache_path, train

GROUPS = json.loads((Path(__file__).resolve().parent.parent / "data" / "toy_groups.json").read_text())


@pytest.fixture(scope="module")
def toy():
    return prepare(load_corpus("toy"), CorpusOptions(min_count=5))


def group_gap(X, vocab):
    """Mean within-group cosine minus mean between-group cosine, by explicit loops."""
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    members = [(g, vocab.index[w]) for g, words in GROUPS.items() for w in words if w in vocab.index]
    within, between = [], []
    for a, (ga, ia) in enumerate(members):
        for gb, ib in members[a + 1 :]:
            (within if ga == gb else between).append(float(unit[ia] @ unit[ib]))
    return np.mean(within) - np.mean(between)


@pytest.fixture(scope="module")
def toy_runs(toy, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    runs = {}
    for trainer in ("numpy", "gensim"):
        runs[trainer] = train(toy, TrainOptions(trainer=trainer, dim=30, epochs=6, seed=7), out / trainer)
    return runs


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_loss_falls_and_planted_groups_pull_together(toy_runs, trainer):
    run = toy_runs[trainer]
    metrics = run.metrics
    assert list(metrics["epoch"]) == list(range(7))
    assert set(METRIC_COLUMNS) <= set(metrics.columns)
    assert metrics["loss"].iloc[-1] < 0.9 * metrics["loss"].iloc[0]
    assert metrics["heldout_loss"].iloc[-1] < metrics["heldout_loss"].iloc[0]
    start, end = group_gap(run.input_vectors[0], run.vocab), group_gap(run.input_vectors[-1], run.vocab)
    assert abs(start) < 0.1  # random vectors: no structure
    assert end - start > 0.3  # clearly formed groups


def test_numpy_epoch0_loss_is_log_v(toy_runs, toy):
    # W_out = 0: every word equally likely; float32 snapshots are scored in float32 (sums in float64)
    assert toy_runs["numpy"].metrics["loss"].iloc[0] == pytest.approx(np.log(len(toy.vocab)), rel=1e-7)


def test_epoch0_input_vectors_identical_across_trainers(toy_runs):
    assert np.array_equal(toy_runs["numpy"].input_vectors[0], toy_runs["gensim"].input_vectors[0])
    assert not np.any(toy_runs["numpy"].output_vectors[0]) and not np.any(toy_runs["gensim"].output_vectors[0])
    assert toy_runs["numpy"].vocab.words == toy_runs["gensim"].vocab.words


@pytest.mark.slow
@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_same_seed_same_snapshots(toy, tmp_path, trainer):
    options = TrainOptions(trainer=trainer, dim=10, epochs=2, seed=3)
    a = train(toy, options, tmp_path / "a")
    b = train(toy, options, tmp_path / "b")
    c = train(toy, options.replace(seed=4), tmp_path / "c")
    assert np.array_equal(a.input_vectors, b.input_vectors)
    assert np.array_equal(a.output_vectors, b.output_vectors)
    assert not np.array_equal(a.input_vectors[-1], c.input_vectors[-1])


def test_run_directory_contract(toy_runs):
    run = toy_runs["numpy"]
    assert sorted(p.name for p in run.path.iterdir()) == sorted(
        [
            "config.json",
            "vocab.tsv",
            "input_vectors.npy",
            "output_vectors.npy",
            "metrics.csv",
            "manifest.json",
            "split.json",
        ]
    )
    config = json.loads((run.path / "config.json").read_text())
    assert config["trainer"] == "numpy" and config["corpus"]["name"] == "toy"
    assert len(config["corpus"]["sha256"]) == 64 and config["embedlab_version"]
    assert config["batch_size"] == 256 and config["train_options"]["lr"] == 10.0
    assert config["train_options"]["sample"] == 0.0 and config["metric_method"] == "exact"
    assert config["diverged"] is False
    vocab = pd.read_csv(run.path / "vocab.tsv", sep="\t", keep_default_na=False)
    assert list(vocab.columns) == ["word", "count"] and len(vocab) == run.input_vectors.shape[1]
    arrays = np.load(run.path / "input_vectors.npy", mmap_mode="r")
    assert arrays.dtype == np.float32 and arrays.shape == (7, len(vocab), 30)
    assert "pairs_per_second" in run.metrics.columns


@pytest.mark.parametrize(
    "options",
    [
        TrainOptions(trainer="gensim", dim=8, epochs=2, sg=0),  # CBOW
        TrainOptions(trainer="gensim", dim=8, epochs=2, hs=1, negative=0),  # hierarchical softmax
        TrainOptions(trainer="numpy", dim=8, epochs=2, l2=0.001),
    ],
)
def test_other_objectives_train_and_fall(toy, tmp_path, options):
    metrics = train(toy, options, tmp_path / "run").metrics
    assert np.isfinite(metrics[["loss", "heldout_loss", "grad_norm"]].to_numpy()).all()
    assert metrics["loss"].iloc[-1] < metrics["loss"].iloc[0]


def test_l2_keeps_norms_smaller(toy, tmp_path):
    plain = train(toy, TrainOptions(dim=10, epochs=3), tmp_path / "plain").metrics
    l2 = train(toy, TrainOptions(dim=10, epochs=3, l2=0.0005), tmp_path / "l2").metrics
    assert l2["mean_norm"].iloc[-1] < plain["mean_norm"].iloc[-1]
    assert l2["penalty"].iloc[-1] > 0 and plain["penalty"].iloc[-1] == 0


def test_hooks_see_every_epoch_and_lr_decays(toy, tmp_path):
    seen = []
    hooks = Hooks(on_epoch=lambda epoch, snapshot, metrics: seen.append((epoch, snapshot.input_vectors.shape, metrics)))
    run = train(toy, TrainOptions(trainer="gensim", dim=5, epochs=3), tmp_path / "run", hooks)
    assert [e for e, _, _ in seen] == [0, 1, 2, 3]
    assert all(shape == (len(toy.vocab), 5) for _, shape, _ in seen)
    lr = run.metrics["lr"].to_numpy()
    assert lr[0] == pytest.approx(0.025) and np.all(np.diff(lr) < 0)


def test_non_finite_training_names_the_epoch_and_saves_nothing(toy, tmp_path):
    with pytest.raises(EmbedLabError, match=r"diverged in epoch 1.*lower the learning rate"):
        train(toy, TrainOptions(dim=20, epochs=3, lr=1000.0), tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_cancel_keeps_the_finished_epochs_as_a_shorter_run(toy, tmp_path):
    epochs_done = []
    hooks = Hooks(on_epoch=lambda e, s, m: epochs_done.append(e), should_stop=lambda: len(epochs_done) >= 3)
    run = train(toy, TrainOptions(dim=5, epochs=5), tmp_path / "run", hooks, keep_partial=True)
    assert epochs_done == [0, 1, 2] and run.epochs == 2 and run.stopped_early
    assert run.config["stopped_at_epoch"] == 2 and run.config["planned_epochs"] == 5
    assert list(run.metrics["epoch"]) == [0, 1, 2]
    # without keep_partial, or before any epoch finished, nothing is left behind
    with pytest.raises(TrainingCancelled):
        train(
            toy, TrainOptions(dim=5, epochs=5), tmp_path / "other", Hooks(should_stop=lambda: True), keep_partial=True
        )
    assert not (tmp_path / "other").exists()


def test_heldout_share_is_the_default_tenth_and_no_heldout_sentence_is_trained_on(toy):
    assert 0.05 < len(toy.heldout) / (len(toy.train) + len(toy.heldout)) < 0.15
    corpus = load_corpus("toy")
    held = {tuple(corpus.sentences[i]) for i in toy.heldout_sentences}
    trained = {tuple(s) for i, s in enumerate(corpus.sentences) if i not in set(toy.heldout_sentences.tolist())}
    assert held and not held & trained  # the toy corpus repeats sentences: they go to one side


def test_work_estimate_counts_the_positions_the_trainer_sees(toy):
    options = TrainOptions(dim=7, epochs=3, batch_size=100, seed=5)
    estimate = work_estimate(toy, options)
    positions = toy.train.n_tokens  # no subsampling by default for the NumPy trainer
    assert estimate["positions"] == positions == positions_per_epoch(toy, options)
    assert estimate["steps"] == -(-positions // 100)
    assert estimate["gflop"] == pytest.approx(6 * positions * len(toy.vocab) * 7 * 3 / 1e9)
    assert suggested_batch_size(positions) <= 512 and positions / suggested_batch_size(positions) >= 50


def test_doctests():
    results = [doctest.testmod(module) for module in (embedlab.train.training, embedlab.train.sizing, embedlab.hooks)]
    assert sum(r.attempted for r in results) > 0 and sum(r.failed for r in results) == 0


def test_default_dashboard_numpy_run_shows_the_gradient_norm_falling_to_a_twentieth_of_its_peak():
    """SEED §5.3 on the default toy run: ‖∇J‖ is 0 at epoch 0 (W_out = 0: a saddle), rises as
    the symmetry breaks, then falls as training converges. The run read is the one shipped in
    data/default_runs, which test_default_runs.py checks equals a fresh training."""
    settings = DashboardSettings()
    toy = prepare(load_corpus("toy"), CorpusOptions(source="toy", min_count=settings.min_count))
    grad = load_run(cache_path(toy, settings.numpy, SHIPPED_RUNS, scorer_for(toy.vocab, "toy"))).metrics["grad_norm"]
    assert grad.iloc[0] < 0.1 * grad.max()
    assert grad.iloc[-1] <= grad.max() / 20


def test_a_finite_blow_up_is_kept_and_flagged_diverged(tmp_path, two_sentences):
    run = train(two_sentences, TrainOptions(dim=8, epochs=3, lr=30.0), tmp_path / "run")
    assert run.diverged and run.epochs == 3
    assert run.metrics["loss"].iloc[-1] > 2 * run.metrics["loss"].iloc[0]
    assert run.metrics["heldout_loss"].isna().all()  # --heldout 0: the held-out columns are empty


def test_a_non_finite_blow_up_keeps_the_finite_epochs(tmp_path, two_sentences):
    run = train(two_sentences, TrainOptions(dim=8, epochs=3, lr=100.0), tmp_path / "run")
    assert run.diverged and run.stopped_early and run.epochs == 1
    assert "diverged in epoch 2" in run.config["diverged_message"]
    assert np.isfinite(run.input_vectors).all()
