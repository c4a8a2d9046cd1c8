"""The chart builders: marks, encodings and the data each chart carries, read from to_dict()."""

import doctest

import numpy as np
import pandas as pd
import pytest

from embedlab import charts


def rows_of(spec: dict, part: dict | None = None) -> list[dict]:
    """The data rows a (sub)chart draws, looked up in the top-level datasets."""
    part = part or spec
    return spec["datasets"][part["data"]["name"]]


def similarity(words: list[str], X: np.ndarray) -> pd.DataFrame:
    """Cosine long form computed the plain way, as an independent reference."""
    rows = []
    for i, a in enumerate(words):
        for j, b in enumerate(words):
            cos = X[i] @ X[j] / (np.linalg.norm(X[i]) * np.linalg.norm(X[j]))
            rows.append({"word_a": a, "word_b": b, "cosine": float(cos)})
    return pd.DataFrame(rows)


@pytest.fixture
def metrics() -> pd.DataFrame:
    epochs = np.arange(4)
    return pd.DataFrame(
        {
            "epoch": epochs,
            "loss": [5.0, 4.0, 3.5, 3.3],
            "heldout_loss": [5.0, 4.2, 3.9, 3.8],
            "grad_norm": [1.0, 0.1, 0.01, 0.001],
            "lr": [10.0, 7.0, 4.0, 1.0],
            "mean_norm": [0.1, 1.0, 1.5, 1.7],
            "displacement": [np.nan, 1.0, 0.5, 0.2],
            "penalty": 0.0,
        }
    )


def test_heatmap_has_one_rect_per_word_pair_with_its_cosine():
    words = ["king", "queen", "man"]
    X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    frame = similarity(words, X)
    spec = charts.heatmap(frame, title="epoch 3", domain=(0.0, 1.0)).to_dict()
    rect = spec["layer"][0]
    assert rect["mark"]["type"] == "rect"
    assert rect["encoding"]["x"]["field"] == "word_a" and rect["encoding"]["y"]["field"] == "word_b"
    assert rect["encoding"]["color"]["field"] == "cosine"
    assert rect["encoding"]["x"]["scale"]["domain"] == words  # the caller's word order, not alphabetical
    assert rect["encoding"]["color"]["scale"]["domain"] == [0.0, 1.0]
    assert rect["encoding"]["color"]["legend"]["orient"] == "right"  # beside the grid, in view
    tooltips = [t["field"] for t in rect["encoding"]["tooltip"]]
    assert tooltips == ["word_a", "word_b", "cosine"]
    cells = {(r["word_a"], r["word_b"]): r["cosine"] for r in rows_of(spec, rect if "data" in rect else spec)}
    assert len(cells) == len(words) ** 2
    assert cells[("king", "queen")] == pytest.approx(1 / np.sqrt(2))
    assert cells[("king", "man")] == pytest.approx(0.0)
    assert cells[("queen", "queen")] == pytest.approx(1.0)


def test_difference_heatmap_is_diverging_and_symmetric_about_zero():
    frame = pd.DataFrame({"word_a": ["a", "a", "b"], "word_b": ["a", "b", "a"], "change": [0.0, -0.4, 0.25]})
    spec = charts.heatmap(frame, "change", diverging=True).to_dict()["layer"][0]
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == pytest.approx([-0.4, 0.4])
    assert scale["scheme"] == "redblue"
    assert spec["encoding"]["color"]["field"] == "change"


def test_heatmap_draws_a_line_where_the_planted_group_changes():
    words = ["king", "queen", "dog", "cat"]
    frame = similarity(words, np.eye(4))
    spec = charts.heatmap(frame, groups={"king": "royalty", "queen": "royalty", "dog": "animals", "cat": "animals"})
    spec = spec.to_dict()
    rules = [layer for layer in spec["layer"][1:] if layer["mark"]["type"] == "rule"]
    assert len(rules) == 2  # one across, one down
    assert [r["word"] for r in rows_of(spec, rules[0])] == ["dog"]  # the first word of the second group
    assert rules[0]["encoding"]["x"]["bandPosition"] == 0
    # The layers share one word order as an explicit domain. A per-layer sort list would be
    # dropped by Vega-Lite when it unions the layers' scales (alphabetical rows, lines misplaced).
    for layer in spec["layer"]:
        for channel, encoding in layer["encoding"].items():
            if channel in ("x", "y"):
                assert encoding["scale"]["domain"] == words and "sort" not in encoding


def test_heatmap_names_missing_columns():
    with pytest.raises(ValueError, match="word_a"):
        charts.heatmap(pd.DataFrame({"cosine": [1.0]}))


def test_zipf_plots_log_rank_against_log_count():
    freq = pd.DataFrame({"word": ["the", "cat", "sat"], "count": [100, 50, 33], "rank": [1, 2, 3]})
    spec = charts.zipf(freq).to_dict()
    assert spec["mark"]["type"] == "circle"
    assert spec["encoding"]["x"]["field"] == "rank" and spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["y"]["field"] == "count" and spec["encoding"]["y"]["scale"]["type"] == "log"
    assert [r["count"] for r in rows_of(spec)] == [100, 50, 33]


def test_loss_curve_draws_training_and_heldout_loss(metrics):
    spec = charts.loss_curve(metrics).to_dict()
    assert spec["mark"]["type"] == "line"
    rows = rows_of(spec)
    assert len(rows) == 2 * len(metrics)
    held = {r["epoch"]: r["value"] for r in rows if r["series"] == "held-out"}
    assert held == dict(zip(metrics["epoch"], metrics["heldout_loss"], strict=True))


def test_metric_panels_one_panel_per_metric_and_log_gradient_norm(metrics):
    panels = [panel.to_dict() for panel in charts.metric_panels(metrics)]
    lines = [p["layer"][-1] for p in panels]  # the line of each panel
    assert [line["title"] for line in lines] == [title for _, title, _ in charts.METRIC_PANELS]
    assert lines[1]["encoding"]["y"]["scale"]["type"] == "log"
    # no fixed width (each drawn as wide as its column), and the same epochs on every panel
    assert all("width" not in p for p in panels)
    assert {str(line["encoding"]["x"]["scale"]["domain"]) for line in lines} == {"[0, 3]"}

    def rows(spec):
        return rows_of(spec, spec["layer"][-1] if "data" in spec["layer"][-1] else spec)

    assert [r["value"] for r in rows(panels[1])] == [1.0, 0.1, 0.01, 0.001]
    assert [r["epoch"] for r in rows(panels[3])] == [1, 2, 3]  # epoch 0 has none


def test_metric_panels_draw_the_standard_error_band_and_the_switch(metrics):
    estimated = metrics.assign(grad_norm_se=metrics["grad_norm"] * 0.1)
    spec = charts.metric_panels(estimated, switch_epoch=2)[1].to_dict()
    grad = spec["layer"]
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in grad]
    assert marks == ["area", "line", "rule"]
    band = rows_of(spec, grad[0])
    assert [r["high"] for r in band] == pytest.approx([1.2, 0.12, 0.012, 0.0012])


def test_compare_runs_colours_by_run(metrics):
    stacked = pd.concat([metrics.assign(run="λ = 0"), metrics.assign(run="λ = 0.01", mean_norm=metrics.mean_norm / 2)])
    spec = charts.compare_runs(stacked).to_dict()
    norms = spec["hconcat"][0]
    assert norms["encoding"]["color"]["field"] == "run"
    rows = rows_of(spec, norms)
    assert {r["run"] for r in rows} == {"λ = 0", "λ = 0.01"}
    assert max(r["mean_norm"] for r in rows if r["run"] == "λ = 0.01") == pytest.approx(0.85)


def test_turnover_drops_the_undefined_epoch_zero_value():
    frame = pd.DataFrame({"epoch": [0, 1, 2], "jaccard_previous": [np.nan, 0.2, 0.6], "jaccard_last": [0.1, 0.4, 1.0]})
    spec = charts.turnover(frame).to_dict()
    rows = rows_of(spec)
    previous = [r for r in rows if r["compared with"] == "previous epoch"]
    assert [r["epoch"] for r in previous] == [1, 2]
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1]


def test_trajectories_layers_path_points_epoch_labels_and_names():
    frame = pd.DataFrame(
        {"epoch": [0, 1, 0, 1], "word": ["a", "a", "b", "b"], "x": [0.0, 1.0, 0.0, -1.0], "y": [0.0, 0.5, 1.0, 1.0]}
    )
    spec = charts.trajectories(frame).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["line", "circle", "text", "text"]
    assert spec["layer"][0]["encoding"]["order"]["field"] == "epoch"
    names = rows_of(spec, spec["layer"][3])
    assert {(r["word"], r["x"]) for r in names} == {("a", 1.0), ("b", -1.0)}  # at the last epoch


def test_change_scatter_has_log_count_axis_and_word_tooltip():
    frame = pd.DataFrame(
        {"word": ["a", "b"], "count": [100, 5], "rank": [1, 2], "change": [0.1, 0.7], "path_length": [1.0, 2.0]}
    )
    spec = charts.change_scatter(frame).to_dict()
    assert spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["y"]["field"] == "change"
    assert "word" in [t["field"] for t in spec["encoding"]["tooltip"]]


def test_agreement_and_overlap_charts_carry_their_values():
    agree = pd.DataFrame({"epoch": [0, 1], "pearson": [0.05, 0.8], "spearman": [0.0, 0.7]})
    spec = charts.agreement(agree).to_dict()
    assert {(r["correlation"], r["epoch"]): r["value"] for r in rows_of(spec)}[("pearson", 1)] == 0.8
    overlap = pd.DataFrame({"word": ["a", "b"], "jaccard": [0.25, 1.0]})
    spec = charts.overlap_bars(overlap).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["sort"] == "-y"
    assert [r["jaccard"] for r in rows_of(spec)] == [0.25, 1.0]


def test_loss_by_trainer_gives_each_trainer_its_own_axis(metrics):
    gensim = metrics.assign(loss=metrics.loss / 10, heldout_loss=metrics.heldout_loss / 10)
    spec = charts.loss_by_trainer({"numpy": metrics, "gensim": gensim}).to_dict()
    assert spec["resolve"]["scale"]["y"] == "independent"
    assert [p["title"] for p in spec["hconcat"]] == ["numpy: loss", "gensim: loss"]
    gensim_rows = rows_of(spec, spec["hconcat"][1])
    assert max(r["value"] for r in gensim_rows) == pytest.approx(0.5)


def test_separation_chart_has_within_between_and_gap():
    frame = pd.DataFrame({"epoch": [0, 1], "within": [0.0, 0.6], "between": [0.0, 0.1], "gap": [0.0, 0.5]})
    spec = charts.separation(frame).to_dict()
    assert {r["cosine"] for r in rows_of(spec)} == {"within a group", "between groups", "gap (within − between)"}


def test_doctests():
    import embedlab.charts.curves
    import embedlab.charts.map
    import embedlab.charts.quality
    import embedlab.charts.runs
    import embedlab.charts.sweep

    modules = (
        embedlab.charts.curves,
        embedlab.charts.runs,
        embedlab.charts.quality,
        embedlab.charts.sweep,
        embedlab.charts.map,
    )
    results = [doctest.testmod(m) for m in modules]
    result = doctest.TestResults(sum(r.failed for r in results), sum(r.attempted for r in results))
    assert result.attempted > 0 and result.failed == 0


def test_turnover_of_two_trainers_gets_one_panel_each_with_its_own_rows():
    frame = pd.DataFrame(
        {
            "epoch": [0, 1, 0, 1],
            "jaccard_previous": [np.nan, 0.5, np.nan, 0.25],
            "jaccard_last": [0.1, 1.0, 0.2, 1.0],
            "trainer": ["numpy", "numpy", "gensim", "gensim"],
        }
    )
    spec = charts.turnover(frame).to_dict()
    assert [p["title"] for p in spec["hconcat"]] == ["neighbour overlap: numpy", "neighbour overlap: gensim"]
    gensim = rows_of(spec, spec["hconcat"][1])
    assert {r["trainer"] for r in gensim} == {"gensim"}
    assert [r["jaccard"] for r in gensim if r["compared with"] == "previous epoch"] == [0.25]


def test_separation_of_two_trainers_shares_the_y_axis():
    one = pd.DataFrame({"epoch": [0, 1], "within": [0.0, 0.6], "between": [0.0, 0.1], "gap": [0.0, 0.5]})
    spec = charts.separation(pd.concat([one.assign(trainer="a"), one.assign(trainer="b", gap=[0.0, 0.2])])).to_dict()
    assert spec["resolve"]["scale"]["y"] == "shared"
    gaps = [r["value"] for r in rows_of(spec, spec["hconcat"][1]) if r["cosine"].startswith("gap")]
    assert gaps == [0.0, 0.2]


def test_heatmap_gives_every_word_a_row_of_the_requested_height():
    words = [f"w{i}" for i in range(20)]
    frame = similarity(words, np.random.default_rng(0).normal(size=(20, 3)))
    spec = charts.heatmap(frame, cell=10).to_dict()
    assert spec["height"] == 10 * 20 + 90
    assert spec["layer"][0]["encoding"]["y"]["axis"]["labelOverlap"] is False


def test_zipf_thins_a_large_vocabulary_evenly_on_the_log_axis():
    n = 50_000
    freq = pd.DataFrame({"word": [f"w{i}" for i in range(n)], "count": n - np.arange(n), "rank": np.arange(1, n + 1)})
    ranks = [r["rank"] for r in rows_of(charts.zipf(freq, max_points=500).to_dict())]
    assert len(ranks) <= 500 and ranks[0] == 1 and ranks[-1] == n
    assert ranks[:10] == list(range(1, 11))  # dense where the log axis is wide
    gaps = np.diff(np.log(ranks))  # beyond the first ranks, every step is about one log-spaced step
    assert gaps[np.array(ranks[1:]) > 100].max() < 2 * np.log(n) / 500


# ---------------------------------------------------------------- the embedding map


def map_points(colours: list[str], highlighted: list[bool] | None = None) -> pd.DataFrame:
    n = len(colours)
    return pd.DataFrame(
        {
            "word": [f"w{i}" for i in range(n)],
            "count": np.arange(n, 0, -1),
            "x": np.linspace(-1, 1, n),
            "y": np.linspace(1, -1, n),
            "colour": colours,
            "neighbours": [f"w{(i + 1) % n} 0.50" for i in range(n)],
            "highlighted": highlighted or [False] * n,
        }
    )


def test_map_draws_every_point_on_fixed_square_axes_with_its_neighbours_on_hover():
    points = map_points(["other", "royalty", "animals"], [False, True, False])
    paths = pd.DataFrame({"word": ["w1", "w1"], "epoch": [0, 1], "x": [0.0, 0.5], "y": [0.0, 0.5]})
    spec = charts.embedding_map(points, paths, domain=([-2.0, 2.0], [-3.0, 1.0]), title="epoch 1").to_dict()
    assert spec["width"] == spec["height"]
    rings, dots, lines, names = spec["layer"]  # the ring under the word's dot, which keeps the hover
    assert [r["word"] for r in rows_of(spec, dots)] == ["w0", "w1", "w2"]
    assert dots["encoding"]["x"]["scale"]["domain"] == [-2.0, 2.0]
    assert dots["encoding"]["y"]["scale"]["domain"] == [-3.0, 1.0]
    assert [t["field"] for t in dots["encoding"]["tooltip"]] == ["word", "count", "colour", "neighbours"]
    assert rows_of(spec, dots)[0]["neighbours"] == "w1 0.50"
    assert [(r["epoch"], r["x"]) for r in rows_of(spec, lines)] == [(0, 0.0), (1, 0.5)]
    assert lines["encoding"]["order"]["field"] == "epoch" and lines["encoding"]["detail"]["field"] == "word"
    assert [r["word"] for r in rows_of(spec, rings)] == ["w1"] and [r["word"] for r in rows_of(spec, names)] == ["w1"]


def test_map_colours_are_the_same_on_every_chart_and_other_is_grey():
    labels = ["royalty", "animals", "other", "royalty"]
    one = charts.embedding_map(map_points(["animals", "other"]), domain=([0, 1], [0, 1]), labels=labels).to_dict()
    two = charts.embedding_map(map_points(["royalty"]), domain=([0, 1], [0, 1]), labels=labels).to_dict()
    scales = [chart["layer"][1]["encoding"]["color"]["scale"] for chart in (one, two)]
    assert scales[0] == scales[1]
    assert scales[0]["domain"] == ["royalty", "animals", "other"] and scales[0]["range"][-1] == "#c8c8c8"
    assert len(set(scales[0]["range"])) == 3


def test_map_readout_shows_the_share_kept_and_the_movement_shown_per_trainer():
    readout = pd.DataFrame(
        {
            "epoch": [0, 1],
            "variance_kept": [0.05, 0.4],
            "movement_full": [np.nan, 2.0],
            "movement_picture": [np.nan, 0.5],
        }
    )
    frame = pd.concat([readout.assign(trainer="numpy"), readout.assign(trainer="gensim")])
    spec = charts.map_readout(frame).to_dict()
    rows = rows_of(spec)
    kept = [(r["trainer"], r["epoch"], r["value"]) for r in rows if r["share"].startswith("variance")]
    shown = [(r["trainer"], r["epoch"], r["value"]) for r in rows if r["share"].startswith("movement")]
    assert kept == [("numpy", 0, 0.05), ("numpy", 1, 0.4), ("gensim", 0, 0.05), ("gensim", 1, 0.4)]
    assert shown == [("numpy", 1, 0.25), ("gensim", 1, 0.25)]  # epoch 0 has no movement
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1]


def test_forgetting_draws_a_before_and_after_the_switch_and_b_only_after():
    epochs = np.arange(5)
    metrics = pd.DataFrame(
        {
            "epoch": epochs,
            "domain": ["A", "A", "A", "B", "B"],
            "heldout_loss": [5.0, 4.0, 3.5, 4.5, 4.0],
            "heldout_loss_a": [5.0, 4.0, 3.5, 3.6, 3.7],
        }
    )
    spec = charts.forgetting(metrics, switch_epoch=2, title="forgetting").to_dict()
    assert spec["title"] == "forgetting"  # on the layer: an inner title is not drawn
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    a = rows[rows["series"].str.startswith("A")]
    b = rows[rows["series"].str.startswith("B")]
    assert a["epoch"].tolist() == [0, 1, 2, 3, 4] and a["loss"].tolist() == [5.0, 4.0, 3.5, 3.6, 3.7]
    assert b["epoch"].tolist() == [2, 3, 4] and b["loss"].tolist() == [3.5, 4.5, 4.0]


def test_each_trainer_has_one_colour_on_every_chart_whatever_its_name():
    """Vega colours nominal values in sorted order, so "gensim" < "numpy" but "NumPy …" <
    "gensim …": without a fixed scale the trainers swapped colours between pages."""
    numpy_blue, gensim_orange = charts.TRAINER_COLOURS["NumPy softmax"], charts.TRAINER_COLOURS["gensim Word2Vec"]
    readout = pd.DataFrame(
        {"epoch": [0], "variance_kept": [0.1], "movement_full": [np.nan], "movement_picture": [np.nan]}
    )
    by_role = pd.concat([readout.assign(trainer="gensim"), readout.assign(trainer="numpy")])
    by_name = pd.concat([readout.assign(trainer="gensim Word2Vec"), readout.assign(trainer="NumPy softmax")])
    for frame in (by_role, by_name):
        scale = charts.map_readout(frame).to_dict()["encoding"]["color"]["scale"]
        assert dict(zip(scale["domain"], scale["range"], strict=True)) == dict(
            zip(frame["trainer"], [gensim_orange, numpy_blue], strict=True)
        )
    stability = pd.DataFrame(
        {
            "trainer": ["gensim Word2Vec", "NumPy softmax"],
            "epoch": [1, 1],
            "jaccard": [0.5, 0.4],
            "procrustes_residual": [0.5, 0.6],
            "cosine_sd": [0.1, 0.2],
        }
    )
    for panel in (chart.to_dict() for chart in charts.stability_chart(stability)):
        assert panel["encoding"]["color"]["scale"]["range"] == [gensim_orange, numpy_blue]
    # a run that is no trainer's still gets a colour of its own, not a trainer's
    other = charts.trainer_colour(["NumPy softmax", "my run"]).to_dict()["scale"]["range"]
    assert other[0] == numpy_blue and other[1] not in charts.TRAINER_COLOURS.values()


def test_quality_panels_name_only_the_trainers_shown_one_chart_a_score():
    table = pd.DataFrame(
        {
            "epoch": [0, 1, 2],
            "wordsim353_spearman": [np.nan, 0.1, 0.25],
            "wordsim353_pairs": [99, 99, 99],
            "analogy_accuracy": [0.0, 0.1, 0.2],
            "analogy_count": [50, 50, 50],
            "group_gap": [0.0, 0.3, 0.5],
        }
    )
    long = charts.quality_long({"NumPy softmax": table, "gensim Word2Vec": table})
    panels = [panel.to_dict() for panel in charts.quality_panels(long, charts.TRAINER_COLOURS)]
    assert [p["title"] for p in panels] == [
        "WordSim-353 ρ",
        "analogy accuracy (3CosAdd)",
        "planted groups: within − between cosine",
    ]
    scale = panels[0]["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["NumPy softmax", "gensim Word2Vec"]  # no legend entry for "imported"
    assert scale["range"] == [charts.TRAINER_COLOURS["NumPy softmax"], charts.TRAINER_COLOURS["gensim Word2Vec"]]
    # drawn as wide as their columns, the legend on the first row only, the same epochs on each
    assert all("width" not in p for p in panels)
    legends = [p["layer"][0]["encoding"]["color"]["legend"] for p in panels]
    assert legends[0] is not None and legends[1] is not None and legends[2] is None
    assert {str(p["layer"][1]["encoding"]["x"]["scale"]["domain"]) for p in panels} == {"[0, 2]"}
    assert [r["epoch"] for r in rows_of(panels[0])] == [1, 2, 1, 2]  # WordSim's NaN epoch 0 left out


# ---------------------------------------------------------------- trajectory names apart


def _boxes_overlap(x, y, lengths, span_x, span_y):
    from embedlab.charts.runs import CHAR_WIDTH, LABEL_HEIGHT

    h, w = LABEL_HEIGHT * span_y, CHAR_WIDTH * span_x * np.asarray(lengths, float)
    return [
        (i, j)
        for i in range(len(x))
        for j in range(i + 1, len(x))
        if x[i] < x[j] + w[j] and x[j] < x[i] + w[i] and abs(y[i] - y[j]) < h - 1e-12
    ]


@pytest.mark.parametrize("seed", range(5))
def test_spread_labels_leaves_no_two_names_overlapping_and_moves_only_up(seed):
    from embedlab.charts.runs import spread_labels

    rng = np.random.default_rng(seed)
    n = 40
    x, y = rng.uniform(0, 1, n).round(1), rng.uniform(0, 1, n).round(1)  # rounded: many end together
    lengths = rng.integers(3, 10, n)
    placed = spread_labels(x, y, lengths, 1.0, 1.0)
    assert not _boxes_overlap(x, placed, lengths, 1.0, 1.0)
    assert np.all(placed >= y)
    assert _boxes_overlap(x, y, lengths, 1.0, 1.0)  # the case is a real one: they overlapped before


def test_spread_labels_is_bounded_when_every_word_ends_on_one_point():
    from embedlab.charts.runs import LABEL_HEIGHT, spread_labels

    n = 300
    placed = spread_labels(np.zeros(n), np.zeros(n), np.full(n, 6), 1.0, 1.0)
    assert sorted(placed.round(9).tolist()) == [round(k * LABEL_HEIGHT, 9) for k in range(n)]


def test_far_apart_names_stay_where_the_words_end():
    from embedlab.charts.runs import spread_labels

    x, y = np.array([0.0, 0.5, 0.0]), np.array([0.0, 0.0, 0.5])
    assert spread_labels(x, y, np.array([5, 5, 5]), 1.0, 1.0).tolist() == y.tolist()


def test_trajectory_names_of_words_ending_together_are_drawn_apart():
    frame = pd.DataFrame(
        {
            "epoch": [0, 1, 0, 1],
            "word": ["king", "king", "queen", "queen"],
            "x": [0, 1, 0.5, 1.0],
            "y": [0, 1, 0.2, 1.0],
        }
    )
    spec = charts.trajectories(frame).to_dict()
    names = next(layer for layer in spec["layer"] if layer["encoding"].get("text", {}).get("field") == "word")
    assert names["encoding"]["y"]["field"] == "label_y"
    rows = spec["datasets"][names["data"]["name"]]
    ys = {row["word"]: row["label_y"] for row in rows}
    assert abs(ys["king"] - ys["queen"]) >= 0.035 * 1.0 - 1e-12


def test_heatmap_word_labels_are_upright_so_thirty_fit_side_by_side():
    words = [f"w{i:02d}" for i in range(30)]
    frame = pd.DataFrame([(a, b, 0.0) for a in words for b in words], columns=["word_a", "word_b", "cosine"])
    axis = charts.heatmap(frame).to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert axis["labelAngle"] == -90 and axis["labelFontSize"] <= 11  # one 11-px line per band


def colour_scales(spec) -> list[dict]:
    """Every colour channel on a nominal field in a spec (layers, panels and facets included)."""
    found = []
    if isinstance(spec, dict):
        colour = spec.get("encoding", {}).get("color")
        if isinstance(colour, dict) and colour.get("type") == "nominal":
            found.append(colour)
        for value in spec.values():
            found += colour_scales(value)
    elif isinstance(spec, list):
        for value in spec:
            found += colour_scales(value)
    return found


def series_colours(build, language: str) -> list[str]:
    """The colours of a chart's series in the order the chart defines them, built in ``language``:
    each label's colour read from its scale. A channel without a fixed scale leaves Vega to colour
    the labels in their sorted order, which a translation changes."""
    from embedlab import i18n

    with i18n.use(language):
        built = build()
        spec = [panel.to_dict() for panel in built] if isinstance(built, list) else built.to_dict()
    colours = []
    for channel in colour_scales(spec):
        scale = channel.get("scale", {})
        assert "domain" in scale and "range" in scale, f"{channel['field']}: no fixed colour per label"
        colours.append(list(zip(scale["domain"], scale["range"], strict=True)))
    return colours


def test_each_series_keeps_its_colour_in_every_language(metrics):
    """Vega colours nominal labels in sorted order: 'held-out' < 'training' in English but
    'huấn luyện' (training) < 'tập giữ lại' (held-out) in Vietnamese, so the two losses swapped
    colours when the visitor switched language. Each series' colour is fixed by its place."""
    turnover = pd.DataFrame({"epoch": [0, 1], "jaccard_previous": [np.nan, 0.2], "jaccard_last": [0.1, 1.0]})
    separation = pd.DataFrame({"epoch": [0, 1], "within": [0.0, 0.6], "between": [0.0, 0.1], "gap": [0.0, 0.5]})
    switched = pd.DataFrame(
        {
            "epoch": [0, 1, 2],
            "domain": ["A", "B", "B"],
            "heldout_loss": [5.0, 4.0, 3.9],
            "heldout_loss_a": [5.0, 4.5, 4.6],
        }
    )
    sweep = pd.DataFrame(
        {"dim": [1, 2], "bias2": [0.3, 0.2], "variance": [0.01, 0.02], "noise": [0.5, 0.5], "total": [0.81, 0.72]}
    )
    losses = pd.DataFrame(
        {"dim": [1, 2], "train_loss": [5.0, 4.0], "train_loss_sd": [0.1, 0.1], "heldout_loss": [5.1, 4.5]}
    ).assign(heldout_loss_sd=0.1)
    builders = {
        "loss_curve": lambda: charts.loss_curve(metrics),
        "metric_panels": lambda: charts.metric_panels(metrics),
        "turnover": lambda: charts.turnover(turnover),
        "separation": lambda: charts.separation(separation),
        "forgetting": lambda: charts.forgetting(switched, switch_epoch=1),
        "decomposition_chart": lambda: charts.decomposition_chart(sweep),
        "loss_chart": lambda: charts.loss_chart(losses),
    }
    for name, build in builders.items():
        english, vietnamese = series_colours(build, "en"), series_colours(build, "vi")
        assert english, name
        assert [[c for _, c in ch] for ch in english] == [[c for _, c in ch] for ch in vietnamese], name
        for channel in english:  # distinct series, distinct colours
            assert len({c for _, c in channel}) == len(channel), name
    # the losses' labels are translated, and training is the first colour in both languages
    (english,), (vietnamese,) = (
        series_colours(builders["loss_curve"], "en"),
        series_colours(builders["loss_curve"], "vi"),
    )
    assert english[0] == ("training", vietnamese[0][1]) and vietnamese[0][0] != "training"


def test_charts_write_a_word_as_the_word_pickers_do():
    """The pickers show học_sinh as "học sinh" (lookup.display_word); a heatmap's axis, a
    trajectory's name, a bar, a map label and a neighbour's cell showed "học_sinh" beside it."""
    from embedlab.runs.neighbours import neighbour_table_wide
    from embedlab.text.lookup import display_word

    words = ["vua", "hoàng_hậu", "max_len"]
    shown = [display_word(w) for w in words]
    assert shown == ["vua", "hoàng hậu", "max_len"]  # an English identifier keeps its underscore
    frame = similarity(words, np.random.default_rng(0).normal(size=(3, 4)))
    heat = charts.heatmap(frame, groups={"vua": "royal", "hoàng_hậu": "royal", "max_len": "code"}).to_dict()
    assert heat["layer"][0]["encoding"]["x"]["scale"]["domain"] == shown
    assert [r["word"] for r in rows_of(heat, heat["layer"][1])] == ["max_len"]  # the group line, before max_len
    paths = pd.DataFrame({"epoch": [0, 1] * 3, "word": np.repeat(words, 2), "x": np.arange(6.0), "y": np.arange(6.0)})
    names = charts.trajectories(paths).to_dict()
    assert {r["word"] for r in rows_of(names, names["layer"][-1])} == set(shown)
    bars = charts.overlap_bars(pd.DataFrame({"word": words, "jaccard": [0.1, 0.2, 0.3]})).to_dict()
    assert [r["word"] for r in rows_of(bars)] == shown
    drift = pd.DataFrame({"epoch": [1, 1, 1], "word": words, "drift": [0.1, 0.2, 0.3]})
    thick = charts.drift_lines(drift, highlight=["hoàng_hậu"]).to_dict()
    assert {r["word"]: r["kind"] for r in rows_of(thick)}["hoàng hậu"] == "planted shift"
    points = pd.DataFrame(
        {"word": words, "count": [3, 2, 1], "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 2.0], "colour": "g"}
    ).assign(neighbours="", highlighted=True)
    mapped = charts.embedding_map(points, domain=([-1.0, 3.0], [-1.0, 3.0])).to_dict()
    assert {r["word"] for r in rows_of(mapped, mapped["layer"][-1])} == set(shown)
    long = pd.DataFrame({"epoch": [0], "rank": [1], "neighbour": ["hoàng_hậu"], "cosine": [0.5]})
    assert neighbour_table_wide(long).iloc[0, 0] == "hoàng hậu (0.50)"


def sweep_table() -> pd.DataFrame:
    """A three-d sweep table (the columns the trade-off chart reads): bias² falls, variance rises."""
    return pd.DataFrame(
        {
            "dim": [1, 2, 4],
            "train_loss": [5.0, 4.0, 3.5],
            "train_loss_sd": 0.1,
            "heldout_loss": [5.1, 4.5, 4.6],
            "heldout_loss_sd": 0.1,
            "bias2_model": [0.1, 0.05, 0.04],
            "bias2_model_se": 0.01,
            "variance_unbiased": [0.01, 0.02, 0.04],
            "variance_se": 0.001,
            "total": [0.8, 0.7, 0.75],
            "total_se_runs": 0.01,
        }
    )


def test_the_trade_off_and_stability_panels_are_charts_of_their_own_without_a_width():
    """Drawn two a row in columns at their column's width (widgets.chart_grid): a concatenated
    grid keeps its panels' fixed widths, in the left part of a wide page."""
    table = sweep_table()
    stability = pd.DataFrame(
        {"trainer": ["numpy"] * 2, "epoch": [0, 1], "jaccard": [0.0, 0.5], "procrustes_residual": [1.0, 0.5]}
    ).assign(cosine_sd=0.1)
    for panels, count in ((charts.tradeoff_chart(table, {"best": 2, "resolved": True, "t": 4.3}), 4),
                          (charts.stability_chart(stability), 3)):  # fmt: skip
        specs = [panel.to_dict() for panel in panels]
        assert len(specs) == count
        assert all("width" not in spec and not {"concat", "hconcat", "vconcat"} & set(spec) for spec in specs)


def test_the_trade_off_titles_tell_the_trend_this_sweep_shows():
    """'bias² falls…' and '…variance rises' only where the sweep's ends show it (a Vietnamese reader's
    sweep showed the opposite under those titles)."""
    table = sweep_table()
    verdict = {"best": 2, "resolved": False, "t": 4.3}

    def titles(frame):
        specs = [panel.to_dict() for panel in charts.tradeoff_chart(frame, verdict)[:2]]
        return [spec.get("title") or spec["layer"][0]["title"] for spec in specs]

    assert titles(table) == ["bias² falls as d grows…", "…variance between runs rises"]
    reversed_ = table.assign(bias2_model=table["bias2_model"][::-1].to_numpy(), variance_unbiased=[0.04, 0.02, 0.01])
    assert titles(reversed_) == [
        "bias² does not fall from the smallest d to the largest here",
        "variance between runs does not rise from the smallest d to the largest here",
    ]
