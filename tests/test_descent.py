"""§3's check: each epoch's step against the exact gradient, on real runs and on snapshots that
did not come from SGD on the objective (random walks with the same step lengths, epochs run
backwards). The gradient is recomputed here from the SEED §2 formula, pair by pair."""

import dataclasses
import doctest

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from embedlab.charts.lecture import step_chart
from embedlab.config import CorpusOptions, TrainOptions
from embedlab.markup import uninert
from embedlab.store import load_run
from embedlab.teaching import descent, lecture
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train import objectives
from embedlab.train.objectives import NegativeSampling, Softmax
from embedlab.train.training import SHIPPED_RUNS, train


@pytest.fixture(scope="module")
def shipped():
    runs = (load_run(path) for path in sorted(SHIPPED_RUNS.iterdir()))
    return {run.trainer: run for run in runs if run.corpus_name == "toy"}


def seed_gradient(W_in, W_out, K, w, l2=0.0):
    """∂J/∂v_w = Σ_c K_wc (Σ_c' P(c'|w) u_c' − u_c) / Σ K, + 2λ v_w: SEED §2, one pair at a time."""
    z = W_out @ W_in[w]
    P = np.exp(z - z.max())
    P /= P.sum()
    expected = P @ W_out
    grad = np.zeros(W_in.shape[1])
    for c in np.flatnonzero(K[w]):
        grad += K[w, c] * (expected - W_out[c])
    return grad / K.sum() + 2 * l2 * W_in[w]


def test_input_gradients_are_the_rows_of_the_full_gradient_and_of_the_seed_formula():
    rng = np.random.default_rng(0)
    V, d = 12, 4
    W_in, W_out = rng.normal(size=(V, d)), rng.normal(size=(V, d))
    K = rng.integers(0, 3, size=(V, V)).astype(float)
    K[5] = 0  # a word that is never a centre
    counts = scipy.sparse.csr_array(K)
    rows = np.array([7, 0, 5, 11])
    got = descent.input_gradients(Softmax(), W_in, W_out, counts, rows, l2=0.01)
    for i, w in enumerate(rows):
        np.testing.assert_allclose(got[i], seed_gradient(W_in, W_out, K, w, 0.01), rtol=1e-10, atol=1e-14)
    ns = NegativeSampling.from_counts(rng.integers(1, 9, V), 5)
    full = objectives.exact(ns, W_in, W_out, counts)[1]
    np.testing.assert_allclose(descent.input_gradients(ns, W_in, W_out, counts, rows), full[rows], rtol=1e-10)


def test_descent_cosines_match_a_word_by_word_computation():
    rng = np.random.default_rng(1)
    V, d = 10, 5
    W_in = rng.normal(size=(3, V, d))
    W_out = rng.normal(size=(3, V, d))
    K = rng.integers(0, 4, size=(V, V)).astype(float)
    rows = np.arange(V)
    frame = descent.descent_cosines(W_in, W_out, Softmax(), scipy.sparse.csr_array(K), rows, l2=0.1)
    assert list(frame["epoch"].unique()) == [1, 2]
    for t in (1, 2):
        for w in (0, 4, 9):
            g = seed_gradient(W_in[t - 1], W_out[t - 1], K, w, 0.1)
            step = W_in[t, w] - W_in[t - 1, w]
            expected = -step @ g / (np.linalg.norm(step) * np.linalg.norm(g))
            got = frame.query("epoch == @t and row == @w")["cosine"].item()
            assert got == pytest.approx(expected, rel=1e-10)


def test_summary_counts_downhill_words_and_standard_deviations_of_chance():
    frame = pd.DataFrame({"epoch": [2] * 4 + [3] * 4, "row": [0, 1, 2, 3] * 2})
    frame["cosine"] = [0.5, 0.4, -0.1, np.nan, 0.01, -0.02, 0.0, 0.01]
    summary = descent.descent_summary(frame, dim=400).set_index("epoch")
    assert summary.loc[2, "words"] == 3  # the NaN is left out
    assert summary.loc[2, "downhill"] == pytest.approx(2 / 3)
    assert summary.loc[2, "z"] == pytest.approx(np.mean([0.5, 0.4, -0.1]) * np.sqrt(3 * 400))
    assert bool(summary.loc[2, "passes"]) and not bool(summary.loc[3, "passes"])


def check(run, input_vectors, output_vectors=None):
    rebuilt = descent.training_objective(run)
    assert not isinstance(rebuilt, str), rebuilt
    rows = descent.measured_rows(rebuilt.counts)
    outputs = run.output_vectors if output_vectors is None else output_vectors
    cosines = descent.descent_cosines(input_vectors, outputs, rebuilt.objective, rebuilt.counts, rows, rebuilt.l2)
    return descent.descent_summary(cosines, run.dim)


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_the_shipped_runs_step_downhill_and_random_walks_do_not(shipped, trainer):
    run = shipped[trainer]
    real = check(run, run.input_vectors)
    assert list(real["epoch"]) == list(range(2, run.epochs + 1))  # epoch 1: ∇_v J(v(0)) = 0
    assert real["passes"].all()
    assert real["median"].iloc[0] > 0.6 and (real["downhill"] > 0.8).all()
    assert real["median"].iloc[-1] < real["median"].iloc[0]  # noise dominates near the optimum
    walk = descent.random_walk(run.input_vectors, seed=3)
    steps = np.linalg.norm(np.diff(walk, axis=0), axis=2)
    np.testing.assert_allclose(steps, np.linalg.norm(np.diff(run.input_vectors.astype(float), axis=0), axis=2))
    fake = check(run, walk)
    assert not fake["passes"].any()
    assert (fake["median"].abs() < 0.1).all() and (fake["downhill"].between(0.3, 0.7)).all()
    # each word given another word's steps (same lengths, same shared drift), and the right
    # snapshots against a relabelled corpus's objective: neither is SGD on this objective
    X = run.input_vectors.astype(np.float64)
    other = np.random.default_rng(4).permutation(X.shape[1])
    swapped = np.concatenate([X[:1], X[:1] + np.cumsum(np.diff(X, axis=0)[:, other], axis=0)])
    assert not check(run, swapped)["passes"].any()
    rebuilt = descent.training_objective(run)
    relabelled = rebuilt.counts[other][:, other]
    rows = descent.measured_rows(rebuilt.counts)
    cosines = descent.descent_cosines(X, run.output_vectors, rebuilt.objective, relabelled, rows, rebuilt.l2)
    assert not descent.descent_summary(cosines, run.dim)["passes"].any()


@pytest.mark.slow
def test_a_fresh_run_with_l2_passes_and_its_walk_fails(tmp_path):
    corpus_options = CorpusOptions(source="toy", min_count=5)
    prepared = prepare(load_corpus("toy"), corpus_options)
    options = TrainOptions(trainer="numpy", dim=12, epochs=4, seed=5, l2=0.001)
    run = train(prepared, options, tmp_path / "run")
    rebuilt = descent.training_objective(run)
    assert rebuilt.l2 == 0.001
    assert check(run, run.input_vectors)["passes"].all()
    assert not check(run, descent.random_walk(run.input_vectors))["passes"].any()


def test_runs_that_cannot_be_rebuilt_say_why(shipped, monkeypatch):
    run = shipped["numpy"]
    elsewhere = dataclasses.replace(run, config={**run.config, "corpus": {"name": "toy", "sha256": "0" * 64}})
    assert "sha256" in descent.training_objective(elsewhere)
    measured = lecture.geometry({"a run": elsewhere}, "king")
    assert measured.frame is None and "not checked" in measured.note and "sha256" in measured.note
    # a run read streamed (a text over 32 MB) is not rebuilt on a page: its corpus is never read
    streamed = dataclasses.replace(run, config={**run.config, "corpus_read": "streamed"})
    monkeypatch.setattr(descent, "load_corpus", lambda *a, **k: pytest.fail("the corpus was read"))
    assert "too large to rebuild" in descent.training_objective(streamed)


def test_a_run_names_no_file_a_shared_server_reads_but_an_upload_of_the_session_is_found(
    shipped, tmp_path, monkeypatch
):
    run = shipped["numpy"]
    plain = descent.training_objective(run)
    secret = tmp_path / "secret.txt"
    secret.write_text("not a corpus of yours\n")
    named = {**run.config["corpus_options"], "source": str(secret)}
    crafted = dataclasses.replace(run, config={**run.config, "corpus_options": named})
    monkeypatch.delenv("EMBEDLAB_UNLIMITED", raising=False)
    read = []
    monkeypatch.setattr(descent, "load_corpus", lambda *a, **k: read.append(a) or pytest.fail("a named file was read"))
    reason = descent.training_objective(crafted)
    assert "reads no file" in reason and str(secret) in uninert(reason) and not read
    # the same run trained on this session's upload of that text: found by its sha256, never by the path
    toy = load_corpus("toy")
    assert toy.sha256 == run.config["corpus"]["sha256"]
    rebuilt = descent.training_objective(crafted, {toy.sha256: toy})
    assert not isinstance(rebuilt, str), rebuilt
    assert (rebuilt.counts != plain.counts).nnz == 0
    # on one's own machine (caps lifted) the file a run names is read, and its sha256 still decides
    monkeypatch.setenv("EMBEDLAB_UNLIMITED", "1")
    monkeypatch.setattr(descent, "load_corpus", load_corpus)
    assert "sha256 differs" in descent.training_objective(crafted)


def test_the_lecture_step_quotes_the_check_and_calls_the_sum_bookkeeping(shipped):
    runs = {"NumPy softmax": shipped["numpy"], "gensim Word2Vec": shipped["gensim"]}
    measured = lecture.geometry(runs, "king")
    assert measured.kind == "descent"
    assert set(measured.frame["trainer"]) == set(runs)
    assert measured.note.count("downhill beyond chance at every epoch") == 2
    assert "bookkeeping" in measured.note and "no evidence" in measured.note
    king = measured.extra["word_cosines"]
    assert set(king["trainer"]) == set(runs) and king["epoch"].min() == 1


def test_the_lecture_chart_draws_the_medians_and_bands_of_both_trainers(shipped):
    runs = {"NumPy softmax": shipped["numpy"], "gensim Word2Vec": shipped["gensim"]}
    spec = step_chart(lecture.geometry(runs, "king")).to_dict()
    datasets = spec["datasets"]
    drawn = [datasets[layer["data"]["name"]] for layer in spec["layer"] if "data" in layer]
    medians = [rows for rows in drawn if rows and "median" in rows[0]]
    # one layer each for the 10–90 % band and the medians, both with every trainer's rows
    assert len(medians) == 2
    assert all({row["trainer"] for row in rows} == set(runs) for rows in medians)
    assert len(drawn) == len(spec["layer"])  # no layer left without data (it would draw nothing)


@pytest.mark.parametrize("module", [descent])
def test_doctests_run(module):
    assert doctest.testmod(module).failed == 0


def test_the_lecture_chart_names_its_trainers_in_a_legend(shipped):
    runs = {"NumPy softmax": shipped["numpy"], "gensim Word2Vec": shipped["gensim"]}
    spec = step_chart(lecture.geometry(runs, "king")).to_dict()
    colours = [layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {})]
    # Vega-Lite merges the layers' legends and a layer's legend: null hides the merged one
    assert colours[0].get("legend") is not None
