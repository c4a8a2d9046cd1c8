"""The embedding map, each number recomputed another way: PCA by eigendecomposition, variance
kept as one minus the residual, movement and roads by loops over words, neighbours by the
float64 search of embedlab.runs.neighbours."""

import doctest

import numpy as np
import pytest

import embedlab.runs.embedding_map as embedding_map
from embedlab.config import Limits, MapOptions
from embedlab.errors import EmbedLabError
from embedlab.runs.embedding_map import (
    OTHER,
    build_map,
    colour_labels,
    find_words,
    frequency_bands,
    frequent_rows,
    map_paths,
    map_points,
    neighbour_labels,
    parse_word_lists,
    travel,
    travel_table,
)
from embedlab.runs.neighbours import nearest_neighbours
from embedlab.text.vocab import Vocabulary


def vocab_of(n: int, seed: int = 0) -> Vocabulary:
    """n words whose counts are not in row order, so "most frequent" is not "first rows"."""
    counts = np.random.default_rng(seed).permutation(np.arange(1, n + 1)) * 3
    return Vocabulary.from_words([f"w{i}" for i in range(n)], counts)


def random_run(epochs: int = 3, V: int = 40, d: int = 6, seed: int = 0) -> np.ndarray:
    """Snapshots whose spread grows along a few directions, like training."""
    rng = np.random.default_rng(seed)
    run = [rng.normal(scale=0.1, size=(V, d))]
    for _ in range(epochs):
        run.append(run[-1] + rng.normal(size=(V, d)) * np.linspace(1.0, 0.2, d))
    return np.stack(run).astype(np.float32)


def pca_by_eigh(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre, top-2 eigenvectors (d, 2), all eigenvalues descending) of the covariance of X."""
    centre = X.mean(axis=0)
    values, vectors = np.linalg.eigh((X - centre).T @ (X - centre))
    order = np.argsort(values)[::-1]
    return centre, vectors[:, order[:2]], values[order]


@pytest.mark.parametrize("unit", [False, True])
def test_one_pca_of_the_frequent_words_at_the_last_epoch_projects_every_epoch(unit):
    run, vocab = random_run(), vocab_of(40)
    emap = build_map(run, vocab, words=25, unit=unit)
    top = np.argsort(-vocab.counts)[:25]
    assert sorted(emap.rows.tolist()) == sorted(top.tolist())
    assert emap.coords.shape == (4, 40, 2)

    geometry = [x / np.linalg.norm(x, axis=1, keepdims=True) if unit else x for x in run.astype(np.float64)]
    centre, axes, _ = pca_by_eigh(geometry[-1][top])
    axes = axes * np.sign(np.sum(axes * emap.axes, axis=0))  # an axis is defined up to its sign
    np.testing.assert_allclose(emap.axes, axes, atol=1e-8)
    for epoch, Y in enumerate(geometry):  # the same plane for every epoch and every word
        np.testing.assert_allclose(emap.coords[epoch], (Y - centre) @ axes, atol=1e-5)


def test_a_point_moves_only_when_its_vector_moves():
    run, vocab = random_run(epochs=2), vocab_of(40)
    run[2] = run[1]
    run[2, 7] += 5.0  # only w7 moves in the last epoch
    emap = build_map(run, vocab, words=40, unit=False)
    moved = np.linalg.norm(emap.coords[2] - emap.coords[1], axis=1)
    assert moved[7] > 0 and np.all(np.delete(moved, 7) < 1e-6)


def test_variance_kept_and_movement_recomputed_word_by_word():
    run, vocab = random_run(), vocab_of(40)
    emap = build_map(run, vocab, words=30, unit=False)
    rows, P = emap.rows, emap.axes
    _, _, values = pca_by_eigh(run[-1].astype(np.float64)[rows])
    readout = emap.readout
    assert readout["epoch"].tolist() == [0, 1, 2, 3]
    # at the fitted epoch: the two largest eigenvalues over all of them
    assert readout["variance_kept"].iloc[-1] == pytest.approx(values[:2].sum() / values.sum())
    for epoch in range(4):
        Y = run[epoch].astype(np.float64)[rows]
        Y = Y - Y.mean(axis=0)
        residual = np.sum((Y - Y @ P @ P.T) ** 2) / np.sum(Y**2)  # what the plane loses
        assert readout["variance_kept"].iloc[epoch] == pytest.approx(1 - residual)
    assert np.isnan(readout["movement_full"].iloc[0]) and np.isnan(readout["movement_picture"].iloc[0])
    for epoch in range(1, 4):
        full = [np.linalg.norm(run[epoch, r].astype(float) - run[epoch - 1, r]) for r in rows]
        picture = [np.linalg.norm(emap.coords[epoch, r].astype(float) - emap.coords[epoch - 1, r]) for r in rows]
        assert readout["movement_full"].iloc[epoch] == pytest.approx(np.mean(full))
        assert readout["movement_picture"].iloc[epoch] == pytest.approx(np.mean(picture), rel=1e-5)
        assert readout["movement_picture"].iloc[epoch] <= readout["movement_full"].iloc[epoch]


def test_unit_map_ignores_lengths():
    run, vocab = random_run(), vocab_of(40)
    stretched = run * np.random.default_rng(5).uniform(0.1, 10, size=(4, 40, 1)).astype(np.float32)
    np.testing.assert_allclose(
        build_map(run, vocab, 20, unit=True).coords, build_map(stretched, vocab, 20, unit=True).coords, atol=1e-5
    )


def test_flat_data_keeps_everything_and_a_one_dimensional_run_has_a_flat_second_axis():
    vocab = vocab_of(5)
    run = np.zeros((2, 5, 3), np.float32)
    run[1, :, :2] = np.random.default_rng(1).normal(size=(5, 2))  # the last epoch lies in a plane
    assert build_map(run, vocab, 5).readout["variance_kept"].iloc[1] == pytest.approx(1.0)
    assert np.isnan(build_map(run, vocab, 5).readout["variance_kept"].iloc[0])  # epoch 0: no spread at all
    line = np.random.default_rng(2).normal(size=(2, 5, 1)).astype(np.float32)
    emap = build_map(line, vocab, 5)
    assert np.all(emap.coords[:, :, 1] == 0) and emap.readout["variance_kept"].iloc[-1] == pytest.approx(1.0)


def test_extent_covers_every_epoch_with_equal_spans():
    emap = build_map(random_run(), vocab_of(40), 20)
    (x0, x1), (y0, y1) = emap.extent()
    points = emap.coords[:, emap.rows].reshape(-1, 2)
    assert x1 - x0 == pytest.approx(y1 - y0)
    assert points[:, 0].min() >= x0 and points[:, 0].max() <= x1
    assert points[:, 1].min() >= y0 and points[:, 1].max() <= y1
    outside = next(r for r in range(40) if r not in set(emap.rows.tolist()))
    (x0, x1), (y0, y1) = emap.extent([outside])  # a found word outside the fitted ones stays in view
    points = emap.coords[:, [*emap.rows, outside]].reshape(-1, 2)
    assert points[:, 0].min() >= x0 and points[:, 0].max() <= x1
    assert points[:, 1].min() >= y0 and points[:, 1].max() <= y1


# ---------------------------------------------------------------- what a point says


def test_hover_neighbours_are_the_full_space_neighbours_among_all_words():
    X = np.random.default_rng(3).normal(size=(60, 8)).astype(np.float32)
    vocab = vocab_of(60)
    labels = neighbour_labels(X, [0, 11, 59], vocab, k=5)
    for row, label in zip([0, 11, 59], labels, strict=True):
        indices, cosines = nearest_neighbours(X.astype(np.float64), row, k=5)
        assert label == ", ".join(f"{vocab.words[i]} {c:.2f}" for i, c in zip(indices, cosines, strict=True))


def test_frequency_bands_follow_the_rank_by_count():
    vocab = Vocabulary.from_words([f"w{i}" for i in range(1200)], np.arange(1200, 0, -1))
    assert frequency_bands(vocab, [0, 9, 10, 99, 100, 999, 1000]) == [
        "ranks 1–10",
        "ranks 1–10",
        "ranks 11–100",
        "ranks 11–100",
        "ranks 101–1,000",
        "ranks 101–1,000",
        "ranks 1,001–10,000",
    ]
    shuffled = Vocabulary.from_words(["a", "b", "c"], [1, 30, 2])  # rank by count, not by row
    assert frequent_rows(shuffled, 3).tolist() == [1, 2, 0]


def test_colours_by_group_and_by_typed_lists_first_one_wins():
    vocab = Vocabulary.from_words(["king", "queen", "cat", "dog", "the"], [5, 4, 3, 2, 1])
    groups = {"royalty": ["king", "queen", "emperor"], "pets": ["cat", "dog", "king"]}
    assert colour_labels(vocab, range(5), "planted group", groups) == ["royalty", "royalty", "pets", "pets", OTHER]
    lists = parse_word_lists("Cat dog\nqueen, zzz")
    assert lists == [["Cat", "dog"], ["queen", "zzz"]]
    assert colour_labels(vocab, range(5), "word lists", word_lists=lists) == [
        OTHER,
        "list 2: queen…",
        "list 1: Cat…",
        "list 1: Cat…",
        OTHER,
    ]
    assert find_words(vocab, ["CAT", "zzz", "cat", "Zzz"]) == (["cat"], ["zzz", "Zzz"])
    with pytest.raises(ValueError, match="colour by"):
        colour_labels(vocab, [0], "size")


def test_points_put_uncoloured_words_first_and_add_highlighted_words_outside_the_top():
    run, vocab = random_run(), vocab_of(40)
    emap = build_map(run, vocab, words=10)
    outside = next(r for r in range(40) if r not in set(emap.rows.tolist()))
    labels = ["g" if i % 2 else OTHER for i in range(10)]
    neighbours = [f"n{r}" for r in [*emap.rows.tolist(), outside]]
    points = map_points(emap, vocab, 2, labels, neighbours, [int(emap.rows[3]), outside])
    assert len(points) == 11 and points["colour"].tolist() == [OTHER] * 6 + ["g"] * 5
    assert set(points.loc[points["highlighted"], "row"]) == {int(emap.rows[3]), outside}
    for _, point in points.iterrows():
        assert point["word"] == vocab.words[point["row"]] and point["neighbours"] == f"n{point['row']}"
        assert (point["x"], point["y"]) == pytest.approx(tuple(emap.coords[2, point["row"]]))
    with pytest.raises(ValueError, match="labels"):
        map_points(emap, vocab, 2, labels[:3], neighbours, [outside])


# ---------------------------------------------------------------- roads: v(T) = v(0) − η Σ ∇L


def test_travel_is_the_sum_of_the_steps_against_the_net_displacement():
    run = random_run(epochs=4)
    path, net = travel(run, [0, 5, 9], epoch=3)
    for i, row in enumerate([0, 5, 9]):
        steps = [np.linalg.norm(run[t, row].astype(float) - run[t - 1, row]) for t in range(1, 4)]
        assert path[i] == pytest.approx(sum(steps))
        # v(3) = v(0) + Σ Δv: the net displacement is the length of the sum of the steps
        total = sum(run[t, row].astype(float) - run[t - 1, row] for t in range(1, 4))
        assert net[i] == pytest.approx(np.linalg.norm(total)) and net[i] <= path[i] + 1e-9
    straight = np.stack([np.full((1, 2), t, dtype=float) for t in range(4)])  # one word on a straight road
    path, net = travel(straight, [0], 3)
    assert path[0] == pytest.approx(net[0]) == pytest.approx(3 * np.sqrt(2))
    assert travel(run, [2], 0)[0].tolist() == [0.0]


def test_travel_table_and_paths_of_found_words():
    run, vocab = random_run(), vocab_of(40)
    emap = build_map(run, vocab, words=10, unit=True)
    table = travel_table(run, emap, vocab, ["w3", "nope", "W5"], epoch=2)
    assert table["word"].tolist() == ["w3", "w5"]
    path, net = travel(run, [3, 5], 2)  # the vectors as trained, whatever the map's geometry
    np.testing.assert_allclose(table["path_length"], path)
    np.testing.assert_allclose(table["straightness"], net / path)
    np.testing.assert_allclose(table["map_path_length"], travel(emap.coords, [3, 5], 2)[0])
    paths = map_paths(emap, vocab, ["w3", "w5"], epoch=2)
    assert paths[["word", "epoch"]].values.tolist() == [
        ["w3", 0],
        ["w5", 0],
        ["w3", 1],
        ["w5", 1],
        ["w3", 2],
        ["w5", 2],
    ]
    np.testing.assert_allclose(paths[["x", "y"]].to_numpy()[-1], emap.coords[2, 5])


def test_map_options_are_capped_by_the_limits():
    assert MapOptions().validate().words == 500 and MapOptions().unit
    with pytest.raises(EmbedLabError, match="capped at 2000"):
        MapOptions(words=2001).validate(Limits())
    assert MapOptions(words=5000).validate(Limits(max_map_words=10_000)).words == 5000
    with pytest.raises(EmbedLabError, match="at least 2"):
        MapOptions(words=1).validate()


def test_shape_errors_and_doctests():
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        build_map(np.zeros((3, 4)), vocab_of(3))
    with pytest.raises(ValueError, match="5 rows"):
        build_map(np.zeros((2, 5, 2)), vocab_of(4))
    result = doctest.testmod(embedding_map)
    assert result.failed == 0 and result.attempted > 0
