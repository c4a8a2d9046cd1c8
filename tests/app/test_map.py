"""The Map page through AppTest, on the default toy runs: what each map draws is recomputed from
the run directory (PCA by eigendecomposition, silhouettes by scipy distances, roads by loops)."""

import numpy as np
import pandas as pd
import pytest
from app_helpers import chart_data, chart_spec, charts, open_page
from scipy.spatial.distance import cdist

from embedlab.store import load_run
from embedlab.text.builtin_corpora import planted_groups


def maps(at) -> list[dict]:
    """Each map on the page: its title and its datasets (the points, the roads)."""
    found = []
    for chart in charts(at):
        spec, frames = chart_spec(chart), chart_data(chart)
        if not any("neighbours" in f.columns for f in frames):
            continue
        points = max((f for f in frames if "neighbours" in f.columns), key=len)
        roads = [f for f in frames if "epoch" in f.columns]
        found.append({"title": spec["title"], "points": points, "roads": roads[0] if roads else None})
    return found


def runs_of(at) -> dict:
    record = at.session_state["runs"][at.session_state["current_run"]]
    return {role: load_run(path) for role, path in record.paths.items()}


def silhouette(points: pd.DataFrame) -> float:
    """Mean silhouette of the coloured points of the map by their colour (Euclidean, in the picture)."""
    coloured = points[points["colour"] != "other"]
    xy, labels = coloured[["x", "y"]].to_numpy(), coloured["colour"].to_numpy()
    distances = cdist(xy, xy)
    scores = []
    for i in range(len(xy)):
        same = labels == labels[i]
        same[i] = False
        a = distances[i, same].mean()
        b = min(distances[i, labels == other].mean() for other in set(labels) - {labels[i]})
        scores.append((b - a) / max(a, b))
    return float(np.mean(scores))


def test_the_planted_groups_are_mixed_at_epoch_0_and_separated_at_the_last(app):
    at = open_page(app, "pages/map.py")
    assert not at.error, [e.value for e in at.error]
    last = {m["title"]: m["points"] for m in maps(at)}
    assert list(last) == ["NumPy softmax · epoch 20", "gensim Word2Vec · epoch 20"]
    at.slider[0].set_value(0).run()
    first = {m["title"].replace("epoch 0", "epoch 20"): m["points"] for m in maps(at)}
    groups = planted_groups("toy")
    for title, points in last.items():
        coloured = points[points["colour"] != "other"]
        assert set(coloured["colour"]) == set(groups) and len(points) == 291  # every word of the toy vocabulary
        before, after = silhouette(first[title]), silhouette(points)
        print(f"{title}: silhouette of the planted groups in the picture {before:.2f} → {after:.2f}")
        assert before < 0.05, "at epoch 0 the groups should be mixed"
        assert after > 0.3 and after > before + 0.3, "at the last epoch the groups should be apart"


def test_every_point_is_its_vector_through_one_fixed_pca_of_the_last_epoch(app):
    at = open_page(app, "pages/map.py")
    runs = runs_of(at)
    for epoch in (runs["numpy"].epochs, 3):
        at.slider[0].set_value(epoch).run()
        for role, shown in zip(("numpy", "gensim"), maps(at), strict=True):
            run, points = runs[role], shown["points"].sort_values("row")
            unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in np.asarray(run.input_vectors, float)]
            centre = unit[-1].mean(axis=0)  # the 291 words are the whole vocabulary
            values, vectors = np.linalg.eigh((unit[-1] - centre).T @ (unit[-1] - centre))
            axes = vectors[:, np.argsort(values)[::-1][:2]]
            expected = (unit[epoch] - centre) @ axes
            picture = points[["x", "y"]].to_numpy()
            signs = np.sign(np.sum(picture * expected, axis=0))  # an axis is defined up to its sign
            np.testing.assert_allclose(picture, expected * signs, atol=1e-4)


def test_a_search_draws_roads_up_to_the_epoch_and_measures_them(app):
    at = open_page(app, "pages/map.py")
    at.text_input(key="map_search").set_value("king Queen zzz").run()
    assert any("Not in the vocabulary: zzz" in c.value for c in at.caption)
    at.slider[0].set_value(3).run()
    runs = runs_of(at)
    for shown in maps(at):
        roads = shown["roads"]
        assert sorted(set(roads["word"])) == ["king", "queen"] and sorted(set(roads["epoch"])) == [0, 1, 2, 3]
        assert set(shown["points"].loc[shown["points"]["highlighted"], "word"]) == {"king", "queen"}
    table = at.dataframe[0].value
    assert table[["word", "trainer"]].values.tolist() == [
        ["king", "NumPy softmax"],
        ["queen", "NumPy softmax"],
        ["king", "gensim Word2Vec"],
        ["queen", "gensim Word2Vec"],
    ]
    for _, row in table.iterrows():
        run = runs["numpy" if row["trainer"] == "NumPy softmax" else "gensim"]
        v = np.asarray(run.input_vectors[:, run.vocab.index[row["word"]]], dtype=float)  # (E+1, d)
        path = sum(np.linalg.norm(v[t] - v[t - 1]) for t in range(1, 4))
        assert row["path Σ‖Δv‖"] == pytest.approx(path)
        assert row["net ‖v(T) − v(0)‖"] == pytest.approx(np.linalg.norm(v[3] - v[0]))
        assert row["net ÷ path"] <= 1 and row["net on the map"] <= row["path on the map"] + 1e-9


def test_colour_by_band_or_by_typed_lists_and_fewer_words(app):
    at = open_page(app, "pages/map.py")
    at.segmented_control(key="map_colour").set_value("frequency band").run()
    points = maps(at)[0]["points"]
    assert set(points["colour"]) == {"ranks 1–10", "ranks 11–100", "ranks 101–1,000"}
    assert points.sort_values("count", ascending=False)["colour"].iloc[:10].eq("ranks 1–10").all()

    at.segmented_control(key="map_colour").set_value("word lists").run()
    at.text_area(key="map_lists").set_value("king queen\ncat, dog").run()
    colours = maps(at)[1]["points"].set_index("word")["colour"]
    assert colours["queen"] == "list 1: king…" and colours["dog"] == "list 2: cat…" and colours["the"] == "other"

    at.number_input(key="map_words").set_value(100).run()
    assert not at.error
    for shown in maps(at):
        assert len(shown["points"]) == 100  # king, the searched word, is among the 100 most frequent
    assert any("PCA of the 100 most frequent words" in c.value for c in at.caption)


def test_lengths_kept_start_as_a_dot_and_the_readout_says_what_the_plane_keeps(app):
    at = open_page(app, "pages/map.py")
    at.toggle(key="map_unit").set_value(False).run()
    at.slider[0].set_value(0).run()
    start = maps(at)[0]["points"]
    at.slider[0].set_value(20).run()
    end = maps(at)[0]["points"]
    spread = lambda points: float(np.ptp(points[["x", "y"]].to_numpy(), axis=0).max())  # noqa: E731
    assert spread(start) < 0.1 * spread(end)  # the random initial vectors are tiny
    readouts = [c.value for c in at.caption if c.value.startswith("The plane keeps")]
    assert len(readouts) == 2 and all("Since epoch 19 the 291 words moved" in r for r in readouts)
    assert len(charts(at)) == 2  # the chart of every epoch is drawn only when its expander is opened
    at.session_state["map_hides"] = True
    at.run()
    readout = [f for c in charts(at) for f in chart_data(c) if "share" in f.columns]
    assert len(readout) == 1 and set(readout[0]["trainer"]) == {"NumPy softmax", "gensim Word2Vec"}
    runs = runs_of(at)
    numpy_kept = readout[0].query("trainer == 'NumPy softmax' and share.str.startswith('variance')")
    raw = np.asarray(runs["numpy"].input_vectors[-1], dtype=float)  # lengths kept: the toggle is off
    spread = raw - raw.mean(axis=0)
    values = np.linalg.eigvalsh(spread.T @ spread)[::-1]
    assert numpy_kept["value"].iloc[-1] == pytest.approx(values[:2].sum() / values.sum())


def test_a_single_imported_run_without_outputs_or_metrics_gets_one_map(app, tmp_path):
    from dashboard.runs import RunRecord
    from embedlab.store import RunWriter
    from embedlab.text.vocab import Vocabulary

    words = [f"w{i}" for i in range(30)]
    vocab = Vocabulary.from_words(words, np.arange(30, 0, -1))
    snapshots = np.random.default_rng(0).normal(size=(4, 30, 5)).astype(np.float32)
    with RunWriter(tmp_path / "imported", 3, 30, 5, outputs=False) as writer:
        for epoch in range(4):
            writer.write_snapshot(epoch, snapshots[epoch], None)
        config = {"trainer": "imported", "corpus": {"name": "mine"}, "lacks": ["output_vectors.npy", "metrics.csv"]}
        writer.finish(config, vocab, None)
    record = RunRecord("imported: mine", "mine", {"imported": str(tmp_path / "imported")})
    app.session_state["runs"] = [*app.session_state["runs"], record]
    app.session_state["current_run"] = len(app.session_state["runs"]) - 1
    at = open_page(app, "pages/map.py")
    assert not at.error, [e.value for e in at.error]
    shown = maps(at)
    assert [m["title"] for m in shown] == ["imported · epoch 3"] and len(shown[0]["points"]) == 30
    assert at.segmented_control(key="map_colour").options == ["frequency band", "word lists"]  # no planted groups
    assert at.dataframe[0].value["word"].tolist() == ["w10"]  # the first frequent word longer than two letters
