"""The main interactions, through AppTest: upload, train, the epoch slider, a query word."""

import gzip

import numpy as np
import pytest
from app_helpers import APP, chart_data, chart_spec, charts, open_page
from streamlit.testing.v1 import AppTest

from embedlab.config import BUILTIN_CORPORA, DashboardSettings
from embedlab.markup import uninert
from embedlab.store import load_run

SMALL = "\n".join(["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 30).encode()


def current_paths(at: AppTest) -> dict:
    runs = at.session_state["runs"]
    return runs[at.session_state["current_run"]].paths


def cosines(vectors: np.ndarray, rows: list[int]) -> np.ndarray:
    """Cosine matrix the plain way, independent of embedlab.runs.analysis."""
    X = vectors[rows].astype(np.float64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X @ X.T


def test_upload_becomes_the_current_corpus_and_a_bad_file_leaves_it_unchanged(app):
    at = open_page(app, "pages/corpus.py")
    at.file_uploader[0].set_value(("pets.txt.gz", gzip.compress(SMALL), "application/gzip")).run()
    assert not at.exception and not at.error
    assert at.radio[0].value == at.session_state["corpus_source"]  # the upload is selected
    assert "pets.txt" in uninert(at.get("subheader")[0].value)
    stats = {m.label: m.value for m in at.metric}
    assert stats["sentences"] == "90" and stats["tokens"] == "510"

    at.file_uploader[0].set_value(("broken.zip", b"PK\x03\x04 this is no zip", "application/zip")).run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value  # the EmbedLabError message, one line
    assert "pets.txt" in uninert(at.get("subheader")[0].value)  # the current corpus did not change


def test_an_upload_stays_in_its_own_session(app):
    at = open_page(app, "pages/corpus.py")
    at.file_uploader[0].set_value(("mine.txt", SMALL, "text/plain")).run()
    other = AppTest.from_file(APP, default_timeout=60).run(timeout=180)
    other = open_page(other, "pages/corpus.py")
    assert other.radio[0].options == list(BUILTIN_CORPORA)
    assert other.session_state["uploads"] == {}


@pytest.mark.slow
def test_train_with_changed_settings_and_the_l2_comparison(app):
    at = open_page(app, "pages/train.py")
    assert at.expander[0].proto.expanded  # no job yet: the settings are open
    before = dict(current_paths(at))
    form = {n.label: n for n in at.number_input}
    form["dimension d"].set_value(8)
    form["epochs"].set_value(2)
    form["L2 λ"].set_value(0.0)
    at.checkbox[0].check()  # L2 comparison
    form["comparison λ"].set_value(0.01)
    next(b for b in at.button if b.label == "Train both").click()
    at.run(timeout=600)  # the page follows its job to the end, then reruns with the new runs current
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Trained" in at.success[0].value
    assert not at.expander[0].proto.expanded  # the settings fold: the result and its links come first
    paths = current_paths(at)
    assert set(paths) == {"numpy", "gensim", "numpy_l2_off", "numpy_l2"} and paths["numpy"] != before["numpy"]
    runs = {role: load_run(path) for role, path in paths.items()}
    assert all(run.input_vectors.shape[2] == 8 for run in runs.values())
    assert runs["numpy"].epochs == runs["gensim"].epochs == 2
    # the L2 comparison: λ = 0 against λ, both long enough and at a constant rate to show the difference
    assert runs["numpy_l2"].epochs == runs["numpy_l2_off"].epochs == DashboardSettings.L2_EPOCHS
    assert runs["numpy_l2"].config["train_options"]["l2"] == 0.01
    assert runs["numpy_l2_off"].config["train_options"]["l2"] == 0.0
    assert runs["numpy_l2"].config["train_options"]["min_lr_fraction"] == 1.0
    assert runs["numpy"].config["train_options"]["seed"] == runs["gensim"].config["train_options"]["seed"]
    # same vocabulary and the same initial vectors for both trainers
    assert runs["numpy"].vocab.words == runs["gensim"].vocab.words
    np.testing.assert_array_equal(runs["numpy"].input_vectors[0], runs["gensim"].input_vectors[0])
    assert len(at.session_state["runs"]) == 2 and at.radio[-1].value == 1  # the new runs are current
    # the L2 run is regularised: its vectors end shorter
    assert runs["numpy_l2"].metrics["mean_norm"].iloc[-1] < runs["numpy_l2_off"].metrics["mean_norm"].iloc[-1]

    at = open_page(at, "pages/dynamics.py")
    assert not at.info  # the L2 comparison chart replaced the hint
    titles = [chart_spec(c).get("hconcat", [{}])[0].get("title") for c in charts(at)]
    assert "mean ‖v‖" in titles  # the L2 comparison, with readable titles

    at = open_page(at, "pages/train.py")
    at.radio[-1].set_value(0).run()  # back to the first runs: every page follows
    assert current_paths(at) == before


def test_invalid_settings_show_the_config_message_and_train_nothing(app):
    at = open_page(app, "pages/train.py")
    before = len(at.session_state["runs"])
    next(n for n in at.number_input if n.label == "window").set_value(0)
    next(b for b in at.button if b.label == "Train both").click()
    at.run()
    assert not at.exception
    assert "window must be at least 1" in uninert(at.error[0].value)
    assert len(at.session_state["runs"]) == before


def cells_of(chart):
    """The heatmap's cells (its other datasets are the group separators)."""
    return next(frame for frame in chart_data(chart) if "word_a" in frame.columns)


def test_epoch_slider_changes_the_heatmap_to_that_epochs_cosines(app):
    at = open_page(app, "pages/heatmaps.py")
    numpy_run = load_run(current_paths(at)["numpy"])
    last = cells_of(charts(at)[0])
    at.slider[0].set_value(0).run()
    first = cells_of(charts(at)[0])
    assert chart_spec(charts(at)[0])["title"].endswith("epoch 0")
    words = list(dict.fromkeys(first["word_a"]))
    rows = [numpy_run.vocab.index[w] for w in words]
    for frame, epoch in ((first, 0), (last, numpy_run.epochs)):
        expected = cosines(numpy_run.input_vectors[epoch], rows).reshape(-1)
        np.testing.assert_allclose(frame["cosine"].to_numpy(), expected, atol=1e-6)
    assert not np.allclose(first["cosine"], last["cosine"])  # training changed the picture

    at.segmented_control[0].set_value("change since epoch 0").run()
    change = cells_of(charts(at)[0])
    np.testing.assert_allclose(change["change"], 0.0, atol=1e-12)  # epoch 0 minus epoch 0


def test_query_word_on_neighbours(app):
    at = open_page(app, "pages/neighbours.py")
    next(s for s in at.selectbox if s.key == "nb_word").set_value("queen").run()
    assert not at.exception and not at.warning
    run = load_run(current_paths(at)["numpy"])
    table = at.dataframe[0].value
    E = run.epochs
    # the latest epochs first, so the settled ones are in view without scrolling
    assert list(table.columns) == [f"epoch {e}" for e in sorted({0, 1, 2, E // 2, E - 1, E}, reverse=True)]
    X = run.input_vectors[-1].astype(np.float64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    sims = X @ X[run.vocab.index["queen"]]
    sims[run.vocab.index["queen"]] = -np.inf
    best = run.vocab.words[int(np.argmax(sims))]
    assert table[f"epoch {E}"].iloc[0].startswith(f"{best} (")
    # the query is picked from the vocabulary, so a word not in it cannot be asked for
    assert set(next(s for s in at.selectbox if s.key == "nb_word").options) == set(run.vocab.words)
    next(s for s in at.multiselect if s.key == "nb_epochs").set_value([3, 0]).run()
    assert list(at.dataframe[0].value.columns) == ["epoch 3", "epoch 0"]


def test_work_estimate_counts_the_positions_the_numpy_trainer_really_trained(app):
    at = open_page(app, "pages/train.py")
    run = load_run(current_paths(at)["numpy"])  # trained with the form's current settings
    positions = run.vocab.counts.sum()  # no subsampling by default: every training token is a centre
    message = next(m.value for m in [*at.info, *at.warning] if "centre positions" in m.value)  # a warning when slow
    assert f"{positions:,.0f} centre positions per epoch" in message
    V, d = len(run.vocab), run.input_vectors.shape[2]
    assert f"V = {V:,} × d = {d}" in message
    assert f"≈ {6 * positions * V * d * run.epochs / 1e9:,.1f} GFLOP" in message
    # the estimate's parts add up to its total: each trainer's epochs, the snapshots, the set-up
    assert "take about" in message and f"({run.epochs} epochs of" in message and "snapshots" in message
    assert "set-up" in message


def test_play_advances_the_epoch_on_every_rerun_and_wraps_around(app):
    at = open_page(app, "pages/heatmaps.py")
    last = at.slider[0].value
    at.toggle[0].set_value(True).run()  # the fragment reruns on a timer in the browser; here each run() is one tick
    assert at.slider[0].value == 0  # after the last epoch comes epoch 0
    assert chart_spec(charts(at)[0])["title"].endswith("epoch 0")
    at.run()
    assert at.slider[0].value == 1
    at.toggle[0].set_value(False).run()
    assert at.slider[0].value == 1 and last > 1  # stopping keeps the epoch


def test_word_set_picked_on_heatmaps_is_used_by_compare(app):
    at = open_page(app, "pages/heatmaps.py")
    words = at.multiselect[0].value[:5]
    at.multiselect[0].set_value(words).run()
    assert len(cells_of(charts(at)[0])) == 25  # one cell per ordered pair
    at = open_page(at, "pages/compare.py")
    overlap = next(c for c in charts(at) if chart_spec(c).get("mark", {}).get("type") == "bar")
    assert sorted(chart_data(overlap)[0]["word"]) == sorted(words)
    at = open_page(at, "pages/heatmaps.py")
    assert at.multiselect[0].value == words  # still picked after a visit to another page


@pytest.mark.slow
def test_gensim_cbow_with_hierarchical_softmax_reaches_the_trainer(app):
    at = open_page(app, "pages/train.py")
    form = {n.label: n for n in at.number_input}
    form["dimension d"].set_value(8)
    form["epochs"].set_value(1)
    next(r for r in at.radio if r.label == "architecture").set_value("CBOW")
    next(r for r in at.radio if r.label == "objective").set_value("hierarchical softmax")
    next(b for b in at.button if b.label == "Train both").click()
    at.run(timeout=600)  # the page follows its job to the end, then reruns with the new runs current
    assert not at.exception and not at.error, [e.value for e in at.error]
    options = load_run(current_paths(at)["gensim"]).config["train_options"]
    assert (options["sg"], options["hs"], options["negative"]) == (0, 1, 0)
    assert "CBOW" in at.session_state["runs"][-1].label and "hs" in at.session_state["runs"][-1].label
