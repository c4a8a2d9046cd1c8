"""Stability across seeds: each measure against a naive loop or a closed form, then real runs."""

import doctest
import itertools

import numpy as np
import pytest

import embedlab.experiments.stability
from embedlab.charts import stability_chart
from embedlab.config import CorpusOptions, SweepOptions, TrainOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.experiments.stability import (
    DIM_COLUMNS,
    EPOCH_COLUMNS,
    cosine_sd,
    cosine_variance,
    mean_procrustes_residual,
    procrustes_residual,
    seed_cosines,
    seed_jaccard,
    seed_stability,
    stability_by_dim,
    stability_over_epochs,
)
from embedlab.hooks import Hooks
from embedlab.text.builtin_corpora import toy_groups
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.text.vocab import Vocabulary


def test_doctests():
    result = doctest.testmod(embedlab.experiments.stability)
    assert result.failed == 0 and result.attempted > 0


def _spaces(S=3, V=25, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(V, d)) for _ in range(S)]


def _rotation(d, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def _cos(a, b):
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def test_cosines_variance_and_sd_against_loops():
    spaces = _spaces()
    rows = [3, 7, 11, 20]
    cosines = seed_cosines(spaces, rows)
    pairs = list(itertools.combinations(rows, 2))
    expected = np.array([[_cos(X[a], X[b]) for a, b in pairs] for X in spaces])
    np.testing.assert_allclose(cosines, expected, rtol=1e-12)
    per_pair_var = [np.sum((col - col.mean()) ** 2) / (len(col) - 1) for col in expected.T]
    assert cosine_variance(spaces, rows) == pytest.approx(np.mean(per_pair_var), rel=1e-12)
    assert cosine_sd(spaces, rows) == pytest.approx(np.mean(np.sqrt(per_pair_var)), rel=1e-12)
    chosen = [(7, 3), (20, 11)]
    np.testing.assert_allclose(
        seed_cosines(spaces, rows, chosen), [[_cos(X[a], X[b]) for a, b in chosen] for X in spaces], rtol=1e-12
    )


def test_seed_jaccard_against_a_naive_loop():
    spaces = _spaces(S=3, V=30, d=3, seed=1)
    vocab = Vocabulary.from_words([f"w{i}" for i in range(30)], np.arange(30, 0, -1))
    rows, k = [0, 5, 9, 17], 4

    def top(X, row):
        sims = [(_cos(X[row], X[j]), j) for j in range(len(X)) if j != row]
        return {j for _, j in sorted(sims, reverse=True)[:k]}

    scores = [
        len(top(A, r) & top(B, r)) / len(top(A, r) | top(B, r))
        for A, B in itertools.combinations(spaces, 2)
        for r in rows
    ]
    assert seed_jaccard(spaces, rows, vocab, k) == pytest.approx(np.mean(scores), rel=1e-12)


def test_procrustes_residual_removes_rotations_and_matches_the_svd_solution():
    rng = np.random.default_rng(2)
    target = rng.normal(size=(40, 5))
    assert procrustes_residual(target @ _rotation(5, 3), target) == pytest.approx(0.0, abs=1e-12)
    source = target @ _rotation(5, 4) + 0.3 * rng.normal(size=(40, 5))
    u, _, vt = np.linalg.svd(source.T @ target)  # the closed form R = U Vᵀ
    expected = np.linalg.norm(source @ (u @ vt) - target) / np.linalg.norm(target)
    assert procrustes_residual(source, target) == pytest.approx(expected, rel=1e-10)
    assert 0.2 < expected < 0.5
    # sourceᵀ target = 0: no rotation helps, residual = sqrt(1 + ‖source‖²/‖target‖²)
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    b = np.array([[0.0, 0.0], [0.0, 2.0]])
    assert procrustes_residual(a, b) == pytest.approx(np.sqrt(1 + 1 / 4), rel=1e-12)


def test_rotated_seeds_are_perfectly_stable_at_every_epoch():
    base = np.random.default_rng(5).normal(size=(3, 20, 4))  # (E+1, V, d)
    runs = [base, np.einsum("evd,df->evf", base, _rotation(4, 6)), np.einsum("evd,df->evf", base, _rotation(4, 7))]
    vocab = Vocabulary.from_words([f"w{i}" for i in range(20)], np.arange(20, 0, -1))
    table = stability_over_epochs(runs, vocab, rows=range(8), k=5)
    assert table["epoch"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(table["jaccard"], 1.0)
    np.testing.assert_allclose(table["procrustes_residual"], 0.0, atol=1e-12)
    np.testing.assert_allclose(table["cosine_sd"], 0.0, atol=1e-12)


def test_independent_seeds_are_unstable():
    runs = [np.random.default_rng(s).normal(size=(2, 200, 8)) for s in range(3)]
    vocab = Vocabulary.from_words([f"w{i}" for i in range(200)], np.arange(200, 0, -1))
    table = stability_over_epochs(runs, vocab, rows=range(20), k=10)
    assert (table["jaccard"] < 0.2).all()  # ≈ 10/199 shared by chance
    assert (table["procrustes_residual"] > 1.2).all()  # ≈ √2 for unrelated spaces of equal size
    assert (table["cosine_sd"] > 0.2).all()


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least two"):
        mean_procrustes_residual(_spaces(S=1))
    with pytest.raises(ValueError, match=r"\(25, 4\)"):
        cosine_variance([np.zeros((25, 4)), np.zeros((24, 4))], [0, 1])
    with pytest.raises(ValueError, match="not among rows"):
        seed_cosines(_spaces(), [0, 1], pairs=[(0, 2)])


# ---------------------------------------------------------------- real runs on the toy corpus


@pytest.fixture(scope="module")
def toy():
    return prepare(load_corpus("toy"), CorpusOptions())


@pytest.fixture(scope="module")
def words(toy):
    groups = toy_groups()
    return [w for name in ("royalty", "animals", "food") for w in groups[name]]


@pytest.fixture(scope="module")
def per_epoch(toy, words, tmp_path_factory):
    cache = tmp_path_factory.mktemp("stability-cache")
    options = TrainOptions(dim=10, epochs=3, window=3)
    both = [options, options.replace(trainer="gensim")]
    table = seed_stability(toy, both, 2, words, cache_dir=cache)
    return table, cache


def test_seed_stability_table_shape_and_shared_start(per_epoch):
    table, cache = per_epoch
    assert list(table.columns) == EPOCH_COLUMNS
    assert table.groupby("trainer")["epoch"].apply(list).to_dict() == {"numpy": [0, 1, 2, 3], "gensim": [0, 1, 2, 3]}
    start = table[table["epoch"] == 0].set_index("trainer")
    # both trainers start from the same initial vectors per seed, so epoch 0 is identical
    np.testing.assert_array_equal(start.loc["numpy", EPOCH_COLUMNS[2:]], start.loc["gensim", EPOCH_COLUMNS[2:]])
    assert len(list(cache.iterdir())) == 4  # two seeds × two trainers, cached for next time


def test_training_makes_seeds_agree(per_epoch):
    table, _ = per_epoch
    for trainer, frame in table.groupby("trainer"):
        first, last = frame.iloc[0], frame.iloc[-1]
        assert last["jaccard"] > first["jaccard"] + 0.2, trainer  # planted structure: seeds find the same neighbours
        assert last["procrustes_residual"] < first["procrustes_residual"] - 0.3, trainer
    assert stability_chart(table)[0].to_dict()["mark"]["type"] == "line"


def test_seed_stability_leaves_no_runs_without_a_cache(toy, words, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    table = seed_stability(toy, [TrainOptions(trainer="gensim", dim=4, epochs=1)], 2, words)
    assert table["trainer"].unique().tolist() == ["gensim"]
    assert list(tmp_path.iterdir()) == []


def test_stability_by_dim_for_gensim(toy, words):
    calls = []
    options = SweepOptions(dims=(2, 16), runs=2, train=TrainOptions(trainer="gensim", epochs=2))
    table = stability_by_dim(toy, options, words, hooks=Hooks(on_work=lambda done, f: calls.append((done, f))))
    assert list(table.columns) == DIM_COLUMNS
    assert table["dim"].tolist() == [2, 16] and (table["trainer"] == "gensim").all()
    assert sorted({done for done, _ in calls}) == [0, 1, 2, 3, 4] and calls[-1][1] == pytest.approx(1.0)
    assert ((table["jaccard"] >= 0) & (table["jaccard"] <= 1)).all()
    assert (table["cosine_variance"] > 0).all()


def test_stability_can_be_cancelled_and_needs_words(toy, words):
    options = SweepOptions(dims=(2,), runs=2, train=TrainOptions(trainer="gensim", epochs=2))
    with pytest.raises(TrainingCancelled):
        stability_by_dim(toy, options, words, hooks=Hooks(should_stop=lambda: True))
    with pytest.raises(EmbedLabError, match="two words"):
        stability_by_dim(toy, options, ["king", "not-a-word"])
    with pytest.raises(EmbedLabError, match="2 seeds"):
        seed_stability(toy, [TrainOptions(dim=4, epochs=1)], 1, words)
    with pytest.raises(ValueError, match="one TrainOptions per trainer"):
        seed_stability(toy, [TrainOptions(dim=4), TrainOptions(dim=8)], 2, words)
