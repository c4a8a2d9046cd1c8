"""The Lecture's measurements recomputed another way: Python loops over the snapshots, hand-built
runs whose answers are known, and the shipped default runs' own metrics.

Every number a Lecture note prints is checked against something computed here independently of
embedlab/lecture*.py; the charts are checked through ``chart.to_dict()``.
"""

import dataclasses
import doctest
import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import embedlab.charts.lecture as lecture_charts
import embedlab.teaching.lecture as lecture
import embedlab.teaching.lecture_experiments as lecture_experiments
import embedlab.teaching.lecture_measures as lecture_measures
import embedlab.teaching.tour as tour
from embedlab.runs.analogies import analogy
from embedlab.runs.analysis import separation_over_epochs
from embedlab.store import Run, load_run
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.vocab import Vocabulary
from embedlab.train.training import SHIPPED_RUNS

ROOT = Path(__file__).resolve().parents[1]
COLOURS = {"NumPy softmax": "#4c78a8", "gensim Word2Vec": "#f58518"}


# ---------------------------------------------------------------- independent helpers


def norm(vector) -> float:
    return math.sqrt(sum(float(x) ** 2 for x in vector))


def cosine(u, v) -> float:
    return sum(float(a) * float(b) for a, b in zip(u, v, strict=True)) / (norm(u) * norm(v))


def fake_run(vectors: np.ndarray, words: list[str], trainer: str = "numpy", metrics=None, **config) -> Run:
    """A Run held in memory: snapshots (E+1, V, d), a vocabulary in the given order, metrics."""
    vocab = Vocabulary.from_words(words, np.arange(len(words), 0, -1) * 10)
    epochs = vectors.shape[0]
    if metrics is None:
        metrics = pd.DataFrame({"epoch": range(epochs)})
    config = {"trainer": trainer, "corpus": {"name": "toy"}, "train_options": {"lr": 1.0, "l2": 0.0}, **config}
    return Run(Path(f"/nowhere/{trainer}"), config, vocab, vectors, None, metrics)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Run]:
    """The default runs as they ship (data/default_runs), by display name."""
    runs = {run.trainer: run for run in map(load_run, sorted(SHIPPED_RUNS.iterdir())) if run.corpus_name == "toy"}
    return {"NumPy softmax": runs["numpy"], "gensim Word2Vec": runs["gensim"]}


# ---------------------------------------------------------------- §3: a word's steps (bookkeeping; the check is in test_descent.py)


def test_word_steps_match_a_loop_over_the_snapshots():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(5, 4, 3)).astype(np.float32)
    table = lecture_measures.word_steps(vectors, 2)
    path = 0.0
    for t in range(5):
        v = vectors[t, 2]
        step = 0.0 if t == 0 else norm(v - vectors[t - 1, 2])
        path += step
        row = table.iloc[t]
        assert row["epoch"] == t
        assert row["step"] == pytest.approx(step, rel=1e-6)
        assert row["net"] == pytest.approx(norm(v - vectors[0, 2]), rel=1e-6, abs=1e-12)
        assert row["path"] == pytest.approx(path, rel=1e-6)
        assert row["norm"] == pytest.approx(norm(v), rel=1e-6)


def test_step_table_lists_v0_every_step_and_their_sum_which_is_vT():
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(4, 3, 8)).astype(np.float32)  # epochs 0..3, d = 8
    table = lecture_measures.step_table(vectors, 1, components=5)
    assert list(table.index) == ["v(0)", "Δv(1)", "Δv(2)", "Δv(3)", "Σ Δv(t)", "v(0) + Σ Δv(t)", "v(T)"]
    assert list(table.columns) == ["v[1]", "v[2]", "v[3]", "v[4]", "v[5]", "‖·‖"]
    v = vectors[:, 1, :].astype(np.float64)
    for t in (1, 2, 3):
        assert table.loc[f"Δv({t})", "v[2]"] == pytest.approx(v[t, 1] - v[t - 1, 1])
    assert table.loc["Σ Δv(t)", "v[1]"] == pytest.approx(sum(v[t, 0] - v[t - 1, 0] for t in (1, 2, 3)))
    np.testing.assert_allclose(table.loc["v(0) + Σ Δv(t)"], table.loc["v(T)"], rtol=0, atol=1e-12)
    assert table.loc["v(T)", "‖·‖"] == pytest.approx(norm(v[3]))  # the length of the whole vector, not 5 components


# ---------------------------------------------------------------- §1: the analogy's rank


def brute_rank(X: np.ndarray, words: list[str], a: str, b: str, c: str, expected: str) -> tuple[int, float]:
    """Rank of ``expected`` among all words but a, b, c by cosine to â − b̂ + ĉ, one word at a time."""
    index = {w: i for i, w in enumerate(words)}
    unit = {w: X[index[w]] / norm(X[index[w]]) for w in words}
    target = unit[a] - unit[b] + unit[c]
    scores = {w: cosine(X[index[w]], target) for w in words if w not in (a, b, c)}
    return 1 + sum(score > scores[expected] for score in scores.values()), scores[expected]


def test_analogy_rank_matches_a_word_by_word_computation():
    words = ["king", "man", "woman", "queen", "apple", "pear", "stone"]
    vectors = np.random.default_rng(5).normal(size=(4, len(words), 3))
    frame = lecture_measures.analogy_rank(
        vectors, Vocabulary.from_words(words, range(7, 0, -1)), "king", "man", "woman", "queen"
    )
    for epoch in range(4):
        rank, cos = brute_rank(vectors[epoch], words, "king", "man", "woman", "queen")
        assert frame.loc[epoch, "rank"] == rank
        assert frame.loc[epoch, "cosine"] == pytest.approx(cos)
        best = analogy(vectors[epoch], Vocabulary.from_words(words, range(7, 0, -1)), "king", "man", "woman", k=1)
        assert frame.loc[epoch, "best"] == best["word"].iloc[0]


def test_embeddings_step_reports_when_queen_first_ranks_first():
    words = ["king", "man", "woman", "queen", "apple"]
    start = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [1.0, 0.2]])
    learned = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [-0.5, 2.0], [1.0, -1.0]])
    run = fake_run(np.stack([start, start, learned]), words)
    measured = lecture.embeddings({"NumPy softmax": run})
    assert list(measured.frame["epoch"]) == [0, 1, 2]
    rank0, _ = brute_rank(start, words, "king", "man", "woman", "queen")
    assert measured.frame["rank"].tolist() == [rank0, rank0, 1]
    assert f"rank {rank0} of 2 at epoch 0, first at epoch 2" in measured.note


def test_embeddings_step_says_when_the_corpus_lacks_the_words():
    run = fake_run(np.zeros((2, 3, 2)), ["king", "man", "apple"])
    measured = lecture.embeddings({"NumPy softmax": run})
    assert measured.frame is None and "*woman*, *queen*" in measured.note


# ---------------------------------------------------------------- §5.1: the spread of cosines


def test_cosine_spread_matches_every_pair_by_hand():
    vectors = np.random.default_rng(6).normal(size=(2, 6, 4))
    rows = [0, 2, 3, 5]
    frame = lecture_measures.cosine_spread(vectors, rows)
    for epoch in range(2):
        pairs = [cosine(vectors[epoch, i], vectors[epoch, j]) for k, i in enumerate(rows) for j in rows[k + 1 :]]
        row = frame.iloc[epoch]
        assert row["pairs"] == len(pairs) == 6
        assert row["median"] == pytest.approx(statistics.median(pairs))
        assert row["mean"] == pytest.approx(statistics.fmean(pairs))
        assert row["sd"] == pytest.approx(statistics.pstdev(pairs))
        assert row["low"] == pytest.approx(np.quantile(pairs, 0.05))


def test_random_start_on_the_shipped_runs_is_random(shipped):
    measured = lecture.random_start(shipped)
    first = measured.frame[measured.frame["epoch"] == 0]
    d = shipped["NumPy softmax"].dim
    assert len(first) == 2 and first["sd"].nunique() == 1  # both trainers start from the same array
    assert first["sd"].iloc[0] == pytest.approx(1 / math.sqrt(d), rel=0.1)  # cos of random directions ~ N(0, 1/d)
    assert abs(first["mean"].iloc[0]) < 0.01
    assert f"{first['sd'].iloc[0]:.3f}" in measured.note and "the same for every trainer" in measured.note


# ---------------------------------------------------------------- §2, §5.2, §5.3 on the shipped runs


def test_softmax_step_starts_at_ln_V_and_quotes_the_metrics(shipped):
    measured = lecture.softmax(shipped)
    run = shipped["NumPy softmax"]
    V = len(run.vocab)
    assert run.metrics["loss"].iloc[0] == pytest.approx(math.log(V), abs=1e-3)  # u = 0: P(c|w) = 1/V
    assert measured.extra["ln_V"] == pytest.approx(math.log(V))
    assert set(measured.frame["trainer"]) == {"NumPy softmax"}  # gensim's objective is another loss
    assert measured.frame["epoch"].min() == 0
    last = run.metrics.iloc[-1]
    assert f"{last['loss']:.3f} on the training pairs and {last['heldout_loss']:.3f} held out" in measured.note
    assert f"{run.metrics['lr'].iloc[0]:.3g} to {run.metrics['lr'].iloc[-1]:.2g}" in measured.note
    assert "negative sampling" in measured.note


def test_clusters_step_quotes_the_separation_and_the_first_epoch_jump(shipped):
    groups = planted_groups("toy")
    separations = {n: separation_over_epochs(r.input_vectors, r.vocab, groups) for n, r in shipped.items()}
    measured = lecture.clusters(shipped, separations)
    for name, frame in separations.items():
        last = frame.iloc[-1]
        assert f"**{name}**: within {last['within']:.2f}, between {last['between']:.2f}" in measured.note
    assert "jumps to" in measured.note  # the shipped runs' between-group cosine peaks at epoch 1
    assert lecture.clusters(shipped, {n: None for n in shipped}).frame is None
    # the note's "unrelated words move apart" is said not to hold, with both numbers, exactly when it does not
    for name, frame in separations.items():
        start, last = frame["between"].iloc[0], frame["between"].iloc[-1]
        said = f"{round(start, 2) + 0.0:.2f} at epoch 0 to {last:.2f} ({name})" in measured.note  # no "-0.00"
        assert said == (last > start + lecture.BETWEEN_MARGIN)
    assert ("end up *closer* than the random vectors" in measured.note) == any(
        f["between"].iloc[-1] > f["between"].iloc[0] + lecture.BETWEEN_MARGIN for f in separations.values()
    )


def test_gradient_step_quotes_peak_and_last_value(shipped):
    measured = lecture.gradient(shipped)
    for run in shipped.values():
        g = run.metrics["grad_norm"].tolist()
        peak = max(range(len(g)), key=g.__getitem__)
        assert f"peak {g[peak]:.2g} at epoch {peak}, {g[-1]:.2g} at epoch {len(g) - 1}" in measured.note
        assert f"({g[-1] / g[peak]:.0%} of the peak" in measured.note
    assert measured.frame.groupby("trainer")["epoch"].min().eq(0).all()


# ---------------------------------------------------------------- §6, §7, §8 from opt-in work, and without it


def metrics_frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"epoch": range(n), **columns})


def test_regularisation_without_comparison_shows_the_norms_and_how_to_get_more():
    run = fake_run(np.zeros((3, 2, 2)), ["a", "b"], metrics=metrics_frame(mean_norm=[0.1, 1.0, 1.5]))
    measured = lecture_experiments.regularisation({"NumPy softmax": run}, None)
    assert measured.kind == "norms" and measured.more and "Train page" in measured.more
    assert "0.100 at epoch 0, 1.50 at epoch 2, +50.0% in the last epoch" in measured.note


def test_regularisation_compares_the_two_runs():
    off = fake_run(
        np.zeros((3, 2, 2)),
        ["a", "b"],
        metrics=metrics_frame(mean_norm=[0.1, 2.0, 4.0], loss=[0.7, 0.5, 0.4], heldout_loss=[0.7, 0.6, 0.65]),
    )
    on = fake_run(
        np.zeros((3, 2, 2)),
        ["a", "b"],
        metrics=metrics_frame(
            mean_norm=[0.1, 1.0, 1.0], loss=[0.7, 0.6, 0.55], heldout_loss=[0.7, 0.6, 0.6], penalty=[0, 0.1, 0.1]
        ),
        train_options={"l2": 0.01},
    )
    measured = lecture_experiments.regularisation({"NumPy softmax": off}, (off, on))
    assert measured.kind == "l2" and not measured.more
    assert set(measured.frame["run"]) == {"λ = 0", "λ = 0.01"} and set(measured.frame["trainer"]) == {"NumPy softmax"}
    assert "4.00 with λ = 0 and 1.00 with λ = 0.01 (25%)" in measured.note
    assert "here L2 lowers it by 0.050" in measured.note
    assert "near ln V" not in measured.note  # cross-entropy 0.55 − 0.1 = 0.45, well below ln 2 = 0.69

    stalled = fake_run(
        np.zeros((3, 2, 2)),
        ["a", "b"],
        metrics=metrics_frame(
            mean_norm=[0.1, 0.05, 0.05], loss=[0.7, 0.75, 0.78], heldout_loss=[0.7, 0.69, 0.69], penalty=[0, 0.1, 0.1]
        ),
        train_options={"l2": 1.0},
    )
    assert "near ln V = 0.69" in lecture_experiments.regularisation({"NumPy softmax": off}, (off, stalled)).note


def test_bias_variance_without_a_sweep_shows_the_generalisation_gap(shipped):
    measured = lecture_experiments.bias_variance(shipped)
    assert measured.kind == "gap" and "Bias–variance page" in measured.more
    for name, run in shipped.items():
        gap = measured.frame[measured.frame["trainer"] == name]["gap"].to_numpy()
        np.testing.assert_allclose(gap, run.metrics["heldout_loss"] - run.metrics["loss"])


def test_bias_variance_with_a_sweep_names_the_lowest_total():
    table = pd.DataFrame(
        {
            "dim": [2, 8, 32],
            "bias2": [0.3, 0.1, 0.05],
            "variance": [0.01, 0.05, 0.2],
            "noise": [0.5] * 3,
            "total": [0.81, 0.65, 0.75],
            "bias2_corrected": [0.29, 0.09, 0.04],
            "bias2_sampling": [0.02] * 3,
            "bias2_model": [0.27, 0.07, 0.02],
            "variance_unbiased": [0.015, 0.075, 0.3],
            "noise_unbiased": [0.52] * 3,
        }
    )
    measured = lecture_experiments.bias_variance({}, table, "best d = 8.")
    assert measured.kind == "sweep" and not measured.more
    assert measured.note.startswith("best d = 8.") and "lowest at d = 8 (0.6500)" in measured.note
    # the note quotes the columns the chart draws: the model's bias², the variance (R − 1), σ²
    assert "bias² 0.2700 → 0.0200" in measured.note and "variance (R − 1) 0.0150 → 0.3000" in measured.note
    assert "σ² = 0.5200" in measured.note and "0.0200 at every d" in measured.note
    chart = lecture_charts.step_chart(measured, COLOURS).to_dict()
    assert chart["layer"][0]["encoding"]["x"]["scale"] == {"type": "log", "base": 2}
    drawn = {(row["term"], row["dim"]): row["value"] for data in chart["datasets"].values() for row in data}
    assert drawn[("bias²", 2)] == 0.27 and drawn[("variance", 32)] == 0.3 and drawn[("noise σ²", 8)] == 0.52


def test_fine_tuning_without_a_switch_shows_the_space_settling(shipped):
    measured = lecture_experiments.fine_tuning(shipped)
    assert measured.kind == "displacement" and "Fine-tune page" in measured.more and "toy-shift" in measured.more
    d = shipped["NumPy softmax"].metrics["displacement"]
    assert f"**NumPy softmax**: {d.iloc[1]:.2f} in epoch 1, {d.iloc[-1]:.3f} in epoch 20" in measured.note


def test_fine_tuning_with_a_switch_averages_the_planted_words_apart():
    run = fake_run(np.zeros((4, 3, 2)), ["a", "b", "c"], switch_epoch=2)
    drift = pd.DataFrame(
        {
            "epoch": [2, 2, 2, 3, 3, 3],
            "word": ["a", "b", "c"] * 2,
            "drift": [0.0, 0.0, 0.0, 0.6, 0.1, 0.3],
        }
    )
    measured = lecture_experiments.fine_tuning({"NumPy softmax": run}, {"NumPy softmax": drift}, focus=["a"])
    last = measured.frame[measured.frame["epoch"] == 3].set_index("kind")["drift"]
    assert last["words that change company"] == pytest.approx(0.6)
    assert last["all other words"] == pytest.approx(0.2)
    assert "words that change company 0.600, all other words 0.200" in measured.note
    assert measured.extra["switch"] == 2


# ---------------------------------------------------------------- the tour and its charts


def test_the_tour_has_one_step_per_claim_each_with_a_formula_and_an_existing_page():
    assert [step.section for step in tour.STEPS] == ["§1", "§2", "§3", "§5.1", "§5.2", "§5.3", "§6", "§7", "§8"]
    assert len({step.key for step in tour.STEPS}) == len(tour.STEPS)
    for step in tour.STEPS:
        kinds = [kind for kind, _, _ in step.blocks()]
        assert kinds[0] == "subheader" and "latex" in kinds and kinds[-1] == "markdown"
        assert (ROOT / step.page).exists(), step.page
    assert any("-\\nabla_{v_w} J" in formula for formula in tour.STEPS[2].formulas)  # §3: a check, not a sum


def test_every_step_chart_starts_at_epoch_0_and_colours_by_trainer(shipped):
    groups = planted_groups("toy")
    separations = {n: separation_over_epochs(r.input_vectors, r.vocab, groups) for n, r in shipped.items()}
    steps = [
        lecture.embeddings(shipped),
        lecture.softmax(shipped),
        lecture.geometry(shipped, "dog"),
        lecture.random_start(shipped),
        lecture.clusters(shipped, separations),
        lecture.gradient(shipped),
        lecture_experiments.regularisation(shipped, None),
        lecture_experiments.bias_variance(shipped),
        lecture_experiments.fine_tuning(shipped),
    ]
    for measured in steps:
        spec = lecture_charts.step_chart(measured, COLOURS).to_dict()
        rows = [row for data in spec["datasets"].values() for row in data if "epoch" in row and "trainer" in row]
        # §3 measures steps, the first ending at epoch 1; its axis starts at 0 with the chance band
        axis = [row for data in spec["datasets"].values() for row in data if "epoch" in row]
        assert rows and min(row["epoch"] for row in (axis if measured.kind == "descent" else rows)) == 0, measured.kind
        colours = [
            layer["encoding"]["color"]["scale"]
            for layer in spec.get("layer", [spec])
            if "scale" in layer.get("encoding", {}).get("color", {})
        ]
        assert colours and all(
            dict(zip(s["domain"], s["range"], strict=True)).items() <= COLOURS.items() for s in colours
        )


def test_step_chart_without_a_table_is_none_and_an_unknown_kind_is_an_error():
    assert lecture_charts.step_chart(lecture.Measured("analogy", None, "no words")) is None
    with pytest.raises(ValueError, match="no Lecture chart"):
        lecture_charts.step_chart(lecture.Measured("nothing", pd.DataFrame({"epoch": [0]}), ""))


@pytest.mark.parametrize("module", [lecture_measures, tour, lecture_charts])
def test_doctests_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_runs_without_held_out_pairs_are_told_in_words_not_as_nan(shipped):
    """A text whose held-out sentences give no pair has heldout_loss NaN at every epoch: §2 and §7
    say so instead of printing "nan" (seen by a Vietnamese reader on a small upload)."""
    blind = {
        name: dataclasses.replace(run, metrics=run.metrics.assign(heldout_loss=np.nan)) for name, run in shipped.items()
    }
    loss = lecture.softmax(blind)
    assert "nan" not in loss.note.lower() and "gave no pair to measure" in loss.note
    last = blind["NumPy softmax"].metrics.iloc[-1]
    assert lecture.num(math.exp(last["loss"]), ",.0f") in loss.note  # e^L of the training loss, said as such
    gap = lecture_experiments.bias_variance(blind)
    assert gap.frame is None and "nan" not in gap.note.lower() and "no held-out loss" in gap.note
    # with held-out pairs, the notes still quote them
    assert "held out, as if choosing" in lecture.softmax(shipped).note
