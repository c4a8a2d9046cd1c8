"""Analysis recomputed another way: hand-worked 2-D angles, naive Python loops, known rotations.

Every number the pages show about the space (cosines, neighbours, turnover, analogies,
alignment, movement, group separation, agreement of two trainers) is checked here against
something computed independently of embedlab/runs/analysis.py, neighbours.py, analogies.py,
alignment.py and agreement.py.
"""

import doctest
import hashlib
import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import embedlab.runs.agreement as agreement
import embedlab.runs.alignment as alignment
import embedlab.runs.analogies as analogies
import embedlab.runs.analysis as analysis
import embedlab.runs.neighbours as neighbours
from embedlab.errors import EmbedLabError
from embedlab.runs.agreement import agreement_over_epochs, neighbour_overlap, similarity_agreement
from embedlab.runs.alignment import (
    align_to_last,
    aligned_trajectories,
    change_scores,
    principal_axes,
    procrustes_rotation,
)
from embedlab.runs.analogies import analogy, analogy_over_epochs
from embedlab.runs.analysis import (
    cosine_matrix,
    default_words,
    group_separation,
    normalize_rows,
    separation_over_epochs,
    similarity_frame,
)
from embedlab.runs.neighbours import (
    jaccard,
    nearest_neighbours,
    neighbour_table,
    neighbour_table_wide,
    neighbour_turnover,
)
from embedlab.text.vocab import Vocabulary

# ---------------------------------------------------------------- independent helpers


def vocab_of(n: int) -> Vocabulary:
    return Vocabulary.from_words([f"w{i}" for i in range(n)], np.arange(n, 0, -1) * 10)


def at_angles(degrees, lengths=None) -> np.ndarray:
    """2-D vectors at the given angles (degrees), with the given lengths (default 1)."""
    lengths = lengths or [1.0] * len(degrees)
    return np.array(
        [[r * math.cos(math.radians(a)), r * math.sin(math.radians(a))] for a, r in zip(degrees, lengths, strict=True)]
    )


def naive_cosine(u, v) -> float:
    nu = math.sqrt(sum(x * x for x in u))
    nv = math.sqrt(sum(x * x for x in v))
    if nu == 0 or nv == 0:
        return 0.0
    return sum(x * y for x, y in zip(u, v, strict=True)) / (nu * nv)


def naive_neighbours(X, index, k) -> list[int]:
    """Top-k by a full Python sort of (−cosine, row) over every other row."""
    scored = sorted((-naive_cosine(X[index], X[j]), j) for j in range(len(X)) if j != index)
    return [j for _, j in scored[:k]]


def random_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random orthogonal matrix with determinant +1 (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def rotated_run(last: np.ndarray, epochs: int, rng: np.random.Generator) -> np.ndarray:
    """Snapshots that differ only by a rotation: epoch t = last @ R_tᵀ, and the final one = last."""
    d = last.shape[1]
    return np.stack([last @ random_rotation(d, rng).T for _ in range(epochs)] + [last])


def read_only_memmap(array: np.ndarray, path) -> np.memmap:
    """The array written to disk and opened the way a run's snapshots are: float32, mode 'r'."""
    np.save(path, array.astype(np.float32))
    return np.load(path, mmap_mode="r")


# ---------------------------------------------------------------- cosine


def test_normalize_rows_hand_values_and_zero_row():
    unit = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]], dtype=np.float32))
    assert unit.dtype == np.float64
    np.testing.assert_allclose(unit, [[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]], atol=1e-15)


def test_cosine_matrix_matches_angles():
    degrees = [0, 45, 90, 180, 300]
    X = at_angles(degrees, lengths=[1, 2, 0.5, 3, 7])
    expected = [[math.cos(math.radians(a - b)) for b in degrees] for a in degrees]
    np.testing.assert_allclose(cosine_matrix(X, range(5)), expected, atol=1e-12)
    assert cosine_matrix(X, [0, 1])[0, 1] == pytest.approx(math.sqrt(2) / 2, abs=1e-12)


def test_cosine_matrix_on_random_rows_matches_loops():
    X = np.random.default_rng(1).normal(size=(30, 7))
    rows = [3, 17, 0, 29]
    expected = [[naive_cosine(X[a], X[b]) for b in rows] for a in rows]
    np.testing.assert_allclose(cosine_matrix(X, rows), expected, atol=1e-12)


def test_read_only_memmap_is_read_not_written(tmp_path):
    run = np.random.default_rng(2).normal(size=(3, 12, 4))
    mapped = read_only_memmap(run, tmp_path / "v.npy")
    before = np.array(mapped)
    normalize_rows(mapped[1])
    neighbour_turnover(mapped, [0, 1, 2], k=3)
    align_to_last(mapped)
    change_scores(mapped, vocab_of(12))
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), before)


def test_similarity_frame_long_form_skips_unknown_words():
    vocab = Vocabulary.from_words(["a", "b", "c"], [3, 2, 1])
    X = at_angles([0, 45, 90])
    frame = similarity_frame(X, ["c", "nope", "a", "c"], vocab)
    assert list(frame.columns) == ["word_a", "word_b", "cosine"]
    assert list(zip(frame["word_a"], frame["word_b"], strict=True)) == [("c", "c"), ("c", "a"), ("a", "c"), ("a", "a")]
    np.testing.assert_allclose(frame["cosine"], [1, 0, 0, 1], atol=1e-12)
    assert similarity_frame(X, ["a", "b"], vocab)["cosine"].iloc[1] == pytest.approx(math.sqrt(2) / 2)
    assert similarity_frame(X, ["nope"], vocab).empty


# ---------------------------------------------------------------- neighbours


def test_nearest_neighbours_hand_worked_angles():
    X = at_angles([0, 10, 50, 90, 180], lengths=[1, 5, 2, 1, 3])
    indices, cosines = nearest_neighbours(X, 0, k=3)
    assert indices.tolist() == [1, 2, 3]
    np.testing.assert_allclose(cosines, [math.cos(math.radians(a)) for a in (10, 50, 90)], atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 4, 10])
def test_nearest_neighbours_match_a_python_sort(seed, k):
    X = np.random.default_rng(seed).normal(size=(25, 5))
    for index in (0, 7, 24):
        indices, cosines = nearest_neighbours(X, index, k)
        assert indices.tolist() == naive_neighbours(X, index, k)
        np.testing.assert_allclose(cosines, [naive_cosine(X[index], X[j]) for j in indices], atol=1e-12)


def test_nearest_neighbours_k_is_capped_and_self_excluded():
    X = at_angles([0, 0, 90])  # row 1 is identical to row 0, but row 0 is not its own neighbour
    indices, cosines = nearest_neighbours(X, 0, k=50)
    assert indices.tolist() == [1, 2]
    np.testing.assert_allclose(cosines, [1.0, 0.0], atol=1e-12)


def test_neighbour_table_long_and_wide():
    vocab = Vocabulary.from_words(["a", "b", "c", "d"], [4, 3, 2, 1])
    epoch0 = at_angles([0, 90, 20, 180])
    epoch1 = at_angles([0, 5, 60, 170])
    long = neighbour_table(np.stack([epoch0, epoch1]), vocab, "a", k=2)
    assert list(long.columns) == ["epoch", "rank", "neighbour", "cosine"]
    assert long["epoch"].tolist() == [0, 0, 1, 1]
    assert long["rank"].tolist() == [1, 2, 1, 2]
    assert long["neighbour"].tolist() == ["c", "b", "b", "c"]
    np.testing.assert_allclose(long["cosine"], [math.cos(math.radians(a)) for a in (20, 90, 5, 60)], atol=1e-12)
    wide = neighbour_table_wide(long)
    assert list(wide.columns) == ["epoch 0", "epoch 1"]
    assert wide.loc[1, "epoch 0"] == "c (0.94)"
    assert wide.loc[2, "epoch 1"] == "c (0.50)"
    only_last = neighbour_table(np.stack([epoch0, epoch1]), vocab, "a", k=1, epochs=[1])
    assert only_last[["epoch", "neighbour"]].values.tolist() == [[1, "b"]]


def test_neighbour_table_wide_orders_epochs_numerically():
    long = pd.DataFrame({"epoch": [10, 2], "rank": [1, 1], "neighbour": ["x", "y"], "cosine": [0.1, 0.2]})
    assert list(neighbour_table_wide(long).columns) == ["epoch 2", "epoch 10"]


def test_neighbour_table_rejects_unknown_word_and_epoch():
    vocab = vocab_of(4)
    run = np.random.default_rng(0).normal(size=(2, 4, 3))
    with pytest.raises(EmbedLabError, match="'queen'"):
        neighbour_table(run, vocab, "queen")
    with pytest.raises(EmbedLabError, match="from 0 to 1"):
        neighbour_table(run, vocab, "w0", epochs=[5])


def test_jaccard_hand_cases():
    assert jaccard({1, 2}, {1, 2}) == 1.0
    assert jaccard([1, 2], [3, 4]) == 0.0
    assert jaccard("abc", "bcd") == pytest.approx(2 / 4)
    assert jaccard([], []) == 1.0
    assert jaccard([1], []) == 0.0


@pytest.mark.parametrize("seed", [0, 5])
def test_neighbour_turnover_matches_loops(seed):
    rng = np.random.default_rng(seed)
    run = np.cumsum(rng.normal(size=(5, 30, 4)), axis=0)  # a random walk: neighbours drift
    rows, k = [0, 3, 11, 29], 5
    table = neighbour_turnover(run, rows, k)
    assert table["epoch"].tolist() == list(range(5))
    assert math.isnan(table["jaccard_previous"].iloc[0])
    top = {(e, r): naive_neighbours(run[e], r, k) for e in range(5) for r in rows}
    for e in range(5):
        last = np.mean([jaccard(top[e, r], top[4, r]) for r in rows])
        assert table["jaccard_last"].iloc[e] == pytest.approx(last, abs=1e-12)
        if e > 0:
            previous = np.mean([jaccard(top[e, r], top[e - 1, r]) for r in rows])
            assert table["jaccard_previous"].iloc[e] == pytest.approx(previous, abs=1e-12)
    assert table["jaccard_last"].iloc[-1] == 1.0
    assert table["jaccard_last"].iloc[0] < 1.0  # a random walk of 5 steps does change some neighbours


def test_neighbour_turnover_memory_is_rows_times_v_not_v_squared():
    V, d, rows = 4000, 8, list(range(10))
    run = np.random.default_rng(0).normal(size=(2, V, d)).astype(np.float32)
    tracemalloc.start()
    neighbour_turnover(run, rows, k=10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.05 * V * V * 8  # a (V, V) float64 matrix would be 128 MB; we stay under 6.4 MB


# ---------------------------------------------------------------- analogies


def analogy_fixture():
    """man at 0°, woman at 90°, king at 30°: king − man + woman points at ≈ 95.1°, where queen is."""
    target = np.array([math.cos(math.radians(30)) - 1, math.sin(math.radians(30)) + 1])
    words = ["king", "man", "woman", "queen", "prince", "apple"]
    X = np.vstack([at_angles([30, 0, 90]), 2.5 * target, at_angles([60]), at_angles([-45])])
    return Vocabulary.from_words(words, [6, 5, 4, 3, 2, 1]), X, target


def test_analogy_3cosadd_on_a_constructed_example():
    vocab, X, target = analogy_fixture()
    table = analogy(X, vocab, "king", "man", "woman", k=3)
    assert list(table.columns) == ["word", "cosine"]
    # woman (≈ 0.996 to the target) would win if the query words were not excluded
    assert table["word"].tolist() == ["queen", "prince", "apple"]
    expected = [naive_cosine(target, X[i]) for i in (3, 4, 5)]
    np.testing.assert_allclose(table["cosine"], expected, atol=1e-12)
    assert table["cosine"].iloc[0] == pytest.approx(1.0, abs=1e-12)


def test_analogy_over_epochs_and_unknown_word():
    vocab, X, _ = analogy_fixture()
    run = np.stack([X[[0, 1, 2, 5, 4, 3]], X])  # epoch 0: queen and apple swapped
    table = analogy_over_epochs(run, vocab, "king", "man", "woman", k=1)
    assert list(table.columns) == ["epoch", "rank", "word", "cosine"]
    assert table["word"].tolist() == ["apple", "queen"]
    with pytest.raises(EmbedLabError, match="'emperor'"):
        analogy(X, vocab, "king", "emperor", "woman")


# ---------------------------------------------------------------- alignment and movement


def test_procrustes_recovers_a_known_rotation():
    rng = np.random.default_rng(3)
    R = random_rotation(6, rng)
    A = rng.normal(size=(40, 6))
    found = procrustes_rotation(A, A @ R)
    np.testing.assert_allclose(found, R, atol=1e-10)
    np.testing.assert_allclose(found @ found.T, np.eye(6), atol=1e-12)


def test_align_to_last_undoes_rotations(tmp_path):
    rng = np.random.default_rng(4)
    last = rng.normal(size=(50, 5))
    run = rotated_run(last, 4, rng)
    aligned = align_to_last(run)
    assert aligned.shape == run.shape and aligned.dtype == np.float64
    for epoch in range(5):
        np.testing.assert_allclose(aligned[epoch], last, atol=1e-10)
    # fitted on a subset of rows, the rotation still carries every row home
    np.testing.assert_allclose(align_to_last(run, fit_rows=range(10))[0], last, atol=1e-10)
    # and a float32 read-only memory map works the same (to float32 precision)
    mapped = read_only_memmap(run, tmp_path / "run.npy")
    np.testing.assert_allclose(align_to_last(mapped)[0], last, atol=1e-5)


def test_principal_axes_are_the_top_eigenvectors_of_the_covariance():
    X = np.random.default_rng(4).normal(size=(50, 5)) * [3.0, 2.0, 1.0, 0.5, 0.1]
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    top = vectors[:, np.argsort(values)[::-1][:2]]
    axes = principal_axes(centred)
    np.testing.assert_allclose(np.abs(axes.T @ top), np.eye(2), atol=1e-10)  # the same axes, up to sign
    assert np.all(axes[np.abs(axes).argmax(axis=0), [0, 1]] > 0)  # the largest loading is positive
    np.testing.assert_allclose(principal_axes(centred[:, :1]), [[1.0, 0.0]])  # d = 1: a flat second axis


def test_trajectories_of_a_pure_rotation_do_not_move():
    rng = np.random.default_rng(5)
    vocab = vocab_of(40)
    run = rotated_run(rng.normal(size=(40, 6)), 5, rng)
    words = ["w1", "w4", "w9", "w20"]
    paths = aligned_trajectories(run, vocab, words)
    assert list(paths.columns) == ["epoch", "word", "x", "y"]
    assert len(paths) == 6 * 4
    for _, path in paths.groupby("word"):
        assert np.ptp(path["x"]) < 1e-9 and np.ptp(path["y"]) < 1e-9


def test_trajectories_in_2d_preserve_distances_and_skip_unknown_words():
    rng = np.random.default_rng(6)
    vocab = vocab_of(20)
    run = np.cumsum(rng.normal(size=(4, 20, 2)), axis=0)
    paths = aligned_trajectories(run, vocab, ["w0", "zzz", "w3", "w7"])
    assert sorted(set(paths["word"])) == ["w0", "w3", "w7"]
    # with d = 2, PCA onto 2 axes is a rigid motion of the aligned points: distances are kept
    aligned = align_to_last(run)[:, [0, 3, 7]].reshape(-1, 2)
    plotted = paths[["x", "y"]].to_numpy()
    np.testing.assert_allclose(
        np.linalg.norm(plotted[:, None] - plotted[None], axis=2),
        np.linalg.norm(aligned[:, None] - aligned[None], axis=2),
        atol=1e-10,
    )
    with pytest.raises(EmbedLabError):
        aligned_trajectories(run, vocab, ["zzz"])


def test_change_scores_zero_for_pure_rotation():
    rng = np.random.default_rng(7)
    vocab = vocab_of(30)
    scores = change_scores(rotated_run(rng.normal(size=(30, 4)), 3, rng), vocab)
    assert list(scores.columns) == ["word", "count", "rank", "change", "path_length"]
    assert scores["word"].tolist() == list(vocab.words)
    assert scores["count"].tolist() == vocab.counts.tolist()
    assert scores["rank"].tolist() == list(range(1, 31))
    np.testing.assert_allclose(scores["change"], 0, atol=1e-10)
    np.testing.assert_allclose(scores["path_length"], 0, atol=1e-10)


def test_change_scores_single_moved_word_and_loops():
    rng = np.random.default_rng(8)
    vocab = vocab_of(60)
    last = rng.normal(size=(60, 4))
    run = rotated_run(last, 3, rng)
    run[0, 17] = -run[0, 17]  # word 17 starts pointing the other way: change ≈ 2
    scores = change_scores(run, vocab)
    assert scores["change"].idxmax() == 17 and scores["change"].iloc[17] > 1.5
    assert scores["path_length"].idxmax() == 17
    assert scores["change"].drop(17).max() < 0.1
    # recomputed with align_to_last and a loop over words
    aligned = align_to_last(run)
    for i in (0, 17, 59):
        assert scores["change"].iloc[i] == pytest.approx(1 - naive_cosine(aligned[0, i], aligned[-1, i]), abs=1e-10)
        path = sum(np.linalg.norm(aligned[t, i] - aligned[t - 1, i]) for t in range(1, 4))
        assert scores["path_length"].iloc[i] == pytest.approx(path, abs=1e-10)


# ---------------------------------------------------------------- planted groups


def test_group_separation_hand_worked():
    vocab = Vocabulary.from_words(["a", "b", "c", "d"], [4, 3, 2, 1])
    X = at_angles([0, 60, 180, 240], lengths=[1, 3, 2, 0.5])
    # within: cos 60° twice = 0.5; between: cos 180°, 240°, 120°, 180° → mean −0.75
    assert group_separation(X, vocab, {"x": ["a", "b"], "y": ["c", "d", "missing"]}) == pytest.approx(1.25)


def test_group_separation_matches_loops_on_random_data():
    rng = np.random.default_rng(9)
    vocab = vocab_of(20)
    X = rng.normal(size=(20, 5))
    groups = {"g1": ["w0", "w3", "w5"], "g2": ["w1", "w2", "nope"], "g3": ["w10", "w19"]}
    members = [(g, vocab.index[w]) for g, ws in groups.items() for w in ws if w in vocab.index]
    within, between = [], []
    for a, (ga, ia) in enumerate(members):
        for gb, ib in members[a + 1 :]:
            (within if ga == gb else between).append(naive_cosine(X[ia], X[ib]))
    expected = np.mean(within) - np.mean(between)
    assert group_separation(X, vocab, groups) == pytest.approx(expected, abs=1e-12)
    table = separation_over_epochs(np.stack([X, 2 * X]), vocab, groups)
    assert list(table.columns) == ["epoch", "within", "between", "gap"]
    np.testing.assert_allclose(table["within"], np.mean(within), atol=1e-12)
    np.testing.assert_allclose(table["between"], np.mean(between), atol=1e-12)
    np.testing.assert_allclose(table["gap"], expected, atol=1e-12)


def test_group_separation_nan_without_between_pairs():
    vocab = vocab_of(3)
    assert math.isnan(group_separation(np.eye(3), vocab, {"only": ["w0", "w1", "w2"]}))


# ---------------------------------------------------------------- two trainers


def test_similarity_agreement_identical_and_rotated():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(30, 6))
    rows = [0, 2, 4, 6, 8, 10, 12]
    assert similarity_agreement(X, X, rows) == pytest.approx(1.0, abs=1e-12)
    assert similarity_agreement(X, 3.0 * X @ random_rotation(6, rng), rows) == pytest.approx(1.0, abs=1e-12)
    Y = rng.normal(size=(30, 6))
    pairs = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]]
    expected = stats.pearsonr(
        [naive_cosine(X[a], X[b]) for a, b in pairs], [naive_cosine(Y[a], Y[b]) for a, b in pairs]
    )
    assert similarity_agreement(X, Y, rows) == pytest.approx(expected.statistic, abs=1e-12)
    assert math.isnan(similarity_agreement(X, Y, [0, 1]))  # one pair only


def test_agreement_over_epochs_matches_scipy():
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(3, 15, 4)), rng.normal(size=(4, 15, 6))
    rows = list(range(0, 15, 2))
    table = agreement_over_epochs(a, b, rows)
    assert table["epoch"].tolist() == [0, 1, 2]  # the epochs both runs have
    pairs = [(p, q) for i, p in enumerate(rows) for q in rows[i + 1 :]]
    for e in range(3):
        ca = [naive_cosine(a[e, p], a[e, q]) for p, q in pairs]
        cb = [naive_cosine(b[e, p], b[e, q]) for p, q in pairs]
        assert table["pearson"].iloc[e] == pytest.approx(stats.pearsonr(ca, cb).statistic, abs=1e-12)
        assert table["spearman"].iloc[e] == pytest.approx(stats.spearmanr(ca, cb).statistic, abs=1e-12)


def test_neighbour_overlap_matches_loops():
    rng = np.random.default_rng(12)
    vocab = vocab_of(25)
    XA, XB = rng.normal(size=(25, 4)), rng.normal(size=(25, 4))
    rows = [1, 5, 9]
    table = neighbour_overlap(XA, XB, rows, vocab, k=6)
    assert table["word"].tolist() == ["w1", "w5", "w9"]
    for r, value in zip(rows, table["jaccard"], strict=True):
        assert value == pytest.approx(jaccard(naive_neighbours(XA, r, 6), naive_neighbours(XB, r, 6)))
    assert neighbour_overlap(XA, XA, rows, vocab, k=6)["jaccard"].tolist() == [1.0, 1.0, 1.0]


def test_default_words_groups_then_frequent_content_words():
    vocab = Vocabulary.from_words(["the", "of", "and", "cat", "dog", "ox", "emu", "yak"], [9, 8, 7, 6, 5, 4, 3, 2])
    assert default_words(vocab, {"pets": ["dog", "lion", "cat"], "farm": ["yak", "dog"]}) == ["dog", "cat", "yak"]
    assert default_words(vocab, {"none": ["lion"]}, n=2) == ["cat", "dog"]  # no group word present
    assert default_words(vocab, None, n=10) == ["cat", "dog", "emu", "yak"]


# ---------------------------------------------------------------- errors and doctests


def test_shape_errors_name_the_shapes():
    vocab = vocab_of(4)
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"\(2, 4, 2\)"):
        cosine_matrix(np.zeros((2, 4, 2)), [0])
    with pytest.raises(ValueError, match=r"\(4, 2\)"):
        neighbour_turnover(X, [0])
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(4, 3\)"):
        procrustes_rotation(X, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="5 rows"):
        analogy(np.zeros((5, 2)), vocab, "w0", "w1", "w2")
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(5, 2\)"):
        similarity_agreement(X, np.zeros((5, 2)), [0, 1])
    with pytest.raises(ValueError, match="0..3"):
        nearest_neighbours(X, 4)


@pytest.mark.parametrize("module", [analysis, neighbours, analogies, alignment, agreement])
def test_doctests_run(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


# ---------------------------------------------------------------- end to end


def test_numpy_trainer_separates_planted_groups(tmp_path):
    from embedlab.config import CorpusOptions, TrainOptions
    from embedlab.text.corpus import Corpus
    from embedlab.text.prepared import prepare
    from embedlab.train.training import train

    rng = np.random.default_rng(0)
    groups = {name: [f"{name}{i}" for i in range(6)] for name in ("fruit", "tool", "bird")}
    sentences = [list(rng.choice(groups[name], size=8)) for name in rng.choice(list(groups), size=300)]
    text = "\n".join(" ".join(s) for s in sentences)
    corpus = Corpus(
        name="planted",
        sentences=[[str(w) for w in s] for s in sentences],
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        description="three groups of words that only co-occur within their group",
    )
    prepared = prepare(corpus, CorpusOptions(min_count=1))
    # sample=0: with only 18 words, each is "frequent", and subsampling would drop most tokens
    options = TrainOptions(trainer="numpy", dim=10, epochs=4, window=2, seed=3, sample=0.0)
    run = train(prepared, options, tmp_path / "run")
    table = separation_over_epochs(run.input_vectors, run.vocab, groups)
    assert table["epoch"].tolist() == list(range(5))
    assert abs(table["gap"].iloc[0]) < 0.2  # random initial vectors
    # three separated groups can reach at most 1 − (−1/2) = 1.5; training gets most of the way
    assert table["gap"].iloc[-1] > table["gap"].iloc[0] + 1.0
    assert table["within"].iloc[-1] > table["within"].iloc[0] and table["between"].iloc[-1] < table["between"].iloc[0]
    assert group_separation(run.input_vectors[-1], run.vocab, groups) == pytest.approx(table["gap"].iloc[-1])


def test_normalize_rows_in_blocks_equals_the_whole_array_formula_bit_for_bit():
    """Blocks bound the memory of a large V; each row's norm is its own sum, so nothing changes."""
    from embedlab.runs.analysis import NORMALIZE_ROWS, normalize_rows

    X = np.random.default_rng(0).standard_normal((NORMALIZE_ROWS * 2 + 7, 5)).astype(np.float32)
    X[NORMALIZE_ROWS] = 0.0  # a zero row, first of the second block, stays zero
    for dtype in (np.float32, np.float64):
        whole = X.astype(dtype)
        norms = np.linalg.norm(whole, axis=1, keepdims=True)
        np.divide(whole, norms, out=whole, where=norms > 0)
        np.testing.assert_array_equal(normalize_rows(X, dtype), whole)
