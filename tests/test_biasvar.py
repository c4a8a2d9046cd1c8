"""The bias–variance decomposition against a pair-by-pair loop, its identity, memory, and a real sweep."""

import doctest
import tracemalloc
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from cli_runner import run_embedlab
from scipy.special import softmax

import embedlab.experiments.biasvar
import embedlab.experiments.decomposition
from embedlab.charts import decomposition_chart, loss_chart
from embedlab.config import CorpusOptions, SweepOptions, TrainOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.experiments.biasvar import COLUMNS, best_dim, bootstrap_sentences, optimum, sweep
from embedlab.experiments.decomposition import cross_entropy, decompose, decompose_models, pair_counts
from embedlab.hooks import Hooks
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train.softmax import softmax_loss_and_grads


def test_doctests():
    for module in (embedlab.experiments.biasvar, embedlab.experiments.decomposition):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def _random_problem(seed, R=4, W=23, V=17):
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.full(V, 0.3), size=(R, W))  # (R, W, V), rows sum to 1
    counts = rng.poisson(0.4, size=(W, V)) * rng.integers(1, 5, size=(W, V))
    counts[np.arange(W), rng.integers(0, V, W)] += 1  # every centre has at least one pair
    return probabilities, counts


def _loop_reference(probabilities, counts):
    """The definitions, pair by pair: expand the counts into pairs and average."""
    R, W, V = probabilities.shape
    totals, noises, biases, variances = [], [], [], []
    for w in range(W):
        q = counts[w] / counts[w].sum()
        p_bar = probabilities[:, w].mean(axis=0)
        for c in range(V):
            for _ in range(int(counts[w, c])):
                y = np.zeros(V)
                y[c] = 1.0
                totals.append(np.mean([np.sum((y - probabilities[r, w]) ** 2) for r in range(R)]))
                noises.append(np.sum((y - q) ** 2))
                biases.append(np.sum((q - p_bar) ** 2))
                variances.append(np.mean([np.sum((probabilities[r, w] - p_bar) ** 2) for r in range(R)]))
    return np.mean(totals), np.mean(noises), np.mean(biases), np.mean(variances), len(totals)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_definitions_pair_by_pair(seed):
    probabilities, counts = _random_problem(seed, R=3, W=6, V=5)
    total, noise, bias2, variance, pairs = _loop_reference(probabilities, counts)
    parts = decompose(probabilities, counts, chunk=4)
    assert parts.pairs == pairs
    assert parts.total == pytest.approx(total, rel=1e-12)
    assert parts.noise == pytest.approx(noise, rel=1e-12)
    assert parts.bias2 == pytest.approx(bias2, rel=1e-12)
    assert parts.variance == pytest.approx(variance, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_identity_holds_to_floating_point_on_random_inputs(seed):
    probabilities, counts = _random_problem(seed, R=2 + seed, W=40, V=31)
    parts = decompose(probabilities, counts, chunk=7)
    assert parts.noise + parts.bias2 + parts.variance == pytest.approx(parts.total, rel=1e-12)
    assert min(parts.noise, parts.bias2, parts.variance) >= 0.0
    assert parts.pairs == counts.sum()


def test_chunking_and_sparse_counts_do_not_change_the_result():
    probabilities, counts = _random_problem(7)
    whole = decompose(probabilities, counts, chunk=1000)
    for chunk in (1, 5):
        parts = decompose(probabilities, scipy.sparse.csr_array(counts), chunk=chunk)
        for name in ("total", "noise", "bias2", "variance"):
            assert getattr(parts, name) == pytest.approx(getattr(whole, name), rel=1e-12)


def test_identical_runs_have_no_variance_and_perfect_predictions_no_bias():
    probabilities, counts = _random_problem(3, R=1, W=10, V=8)
    q = counts / counts.sum(axis=1, keepdims=True)
    same = np.repeat(q[None], 3, axis=0)  # three runs that all predict the empirical q
    parts = decompose(same, counts)
    assert parts.variance == pytest.approx(0.0, abs=1e-15)
    assert parts.bias2 == pytest.approx(0.0, abs=1e-15)
    assert parts.total == pytest.approx(parts.noise, rel=1e-12)


def test_bad_shapes_raise_value_errors_naming_them():
    probabilities, counts = _random_problem(0, R=2, W=4, V=5)
    with pytest.raises(ValueError, match=r"\(4, 6\)"):
        decompose(probabilities, np.ones((4, 6)))
    with pytest.raises(ValueError, match=r"\(4, 5\)"):
        decompose(probabilities[0], counts)
    empty = counts.copy()
    empty[2] = 0
    with pytest.raises(ValueError, match="at least one pair"):
        decompose(probabilities, empty)


def test_pair_counts_group_by_centre():
    words, counts = pair_counts(np.array([3, 1, 3, 3]), np.array([0, 2, 0, 1]), V=4)
    assert words.tolist() == [1, 3]
    assert counts.toarray().tolist() == [[0, 0, 1, 0], [2, 1, 0, 0]]


def _models(R, V, d, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(V, d)), rng.normal(size=(V, d))) for _ in range(R)]


def test_models_stream_equals_the_dense_computation():
    rng = np.random.default_rng(5)
    R, V, d, N = 3, 40, 4, 600
    models = _models(R, V, d, 5)
    centres = rng.integers(0, V, N)
    contexts = rng.integers(0, V, N)
    parts, cross_entropy = decompose_models(models, centres, contexts, chunk=6)
    words, counts = pair_counts(centres, contexts, V)
    dense = np.stack([softmax(W_in[words] @ W_out.T, axis=1) for W_in, W_out in models])  # (R, W, V)
    reference = decompose(dense, counts)
    for name in ("total", "noise", "bias2", "variance"):
        assert getattr(parts, name) == pytest.approx(getattr(reference, name), rel=1e-12)
    # each run's cross-entropy, independently from the trainer's own loss function
    for r, (W_in, W_out) in enumerate(models):
        assert cross_entropy[r] == pytest.approx(softmax_loss_and_grads(W_in, W_out, centres, contexts)[0], rel=1e-10)


def test_memory_is_bounded_by_the_chunk_not_by_all_pairs():
    rng = np.random.default_rng(0)
    R, V, d, N = 3, 3000, 4, 6000
    models = _models(R, V, d, 1)
    centres = rng.integers(0, V, N)  # ~2600 distinct centres
    contexts = rng.integers(0, V, N)
    all_at_once = R * len(np.unique(centres)) * V * 8  # bytes of every probability in float64 (~190 MB)
    chunk = 16
    tracemalloc.start()
    decompose_models(models, centres, contexts, chunk=chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 6 * R * chunk * V * 8  # a few (R, chunk, V) blocks: ~7 MB
    assert peak < all_at_once / 10


def test_best_dim_picks_the_lowest_total():
    assert best_dim(pd.DataFrame({"dim": [1, 2, 4, 8], "total": [3.0, 2.0, 1.0, 1.5]})) == 4


def test_cross_entropy_matches_the_trainers_loss():
    W_in, W_out = _models(1, 30, 5, 2)[0]
    rng = np.random.default_rng(2)
    centres, contexts = rng.integers(0, 30, 200), rng.integers(0, 30, 200)
    expected = softmax_loss_and_grads(W_in, W_out, centres, contexts)[0]
    assert cross_entropy(W_in, W_out, centres, contexts, chunk=7) == pytest.approx(expected, rel=1e-12)


def test_bootstrap_resamples_are_seeded_and_sized():
    a, b = bootstrap_sentences(100, seed=4), bootstrap_sentences(100, seed=4)
    assert a.tolist() == b.tolist() and len(a) == 100 and 0 <= a.min() and a.max() < 100
    assert len(np.unique(a)) < 100  # drawn with replacement
    assert len(bootstrap_sentences(100, seed=4, share=0.25)) == 25
    assert bootstrap_sentences(100, seed=5).tolist() != a.tolist()


# ---------------------------------------------------------------- a real sweep on the toy corpus


@pytest.fixture(scope="module")
def toy():
    return prepare(load_corpus("toy"), CorpusOptions())


@pytest.fixture(scope="module")
def toy_sweep(toy):
    calls = []
    options = SweepOptions(dims=(1, 16), runs=3, train=TrainOptions(epochs=3), share=1.0)
    table = sweep(toy, options, Hooks(on_work=lambda done, fraction: calls.append((done, fraction))))
    return table, calls


def test_sweep_table_has_one_row_per_dim_and_the_promised_columns(toy_sweep):
    table, calls = toy_sweep
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS
    assert table["dim"].tolist() == [1, 16] and table["runs"].tolist() == [3, 3]
    assert sorted({done for done, _ in calls}) == list(range(7))  # progress during and after every (d, run)
    fractions = [fraction for _, fraction in calls]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert np.all(table["train_loss_sd"] > 0) and np.all(table["heldout_loss_sd"] > 0)  # the runs differ


def test_sweep_identity_is_exact_and_terms_are_non_negative(toy_sweep):
    table, _ = toy_sweep
    parts = table["noise"] + table["bias2"] + table["variance"]
    np.testing.assert_allclose(parts, table["total"], rtol=1e-12)
    assert (table[["bias2", "variance", "noise"]] >= 0).all().all()
    assert table["noise"].nunique() == 1  # the noise belongs to the held-out data, not to d


def test_a_larger_d_lowers_bias_on_the_toy_corpus(toy_sweep):
    table, _ = toy_sweep
    bias = dict(zip(table["dim"], table["bias2"], strict=True))
    assert bias[1] > bias[16] * 1.15  # ≈ 0.082 against ≈ 0.060 at 3 epochs
    heldout = dict(zip(table["dim"], table["heldout_loss"], strict=True))
    assert heldout[16] < heldout[1]


def test_sweep_is_reproducible_and_share_changes_the_data(toy):
    options = SweepOptions(dims=(2,), runs=2, train=TrainOptions(epochs=1), share=1.0)
    first, second = sweep(toy, options), sweep(toy, options)
    cols = ["bias2", "variance", "total", "train_loss", "heldout_loss"]
    np.testing.assert_array_equal(first[cols].to_numpy(), second[cols].to_numpy())
    half = sweep(toy, replace(options, share=0.5))
    assert half["variance"].item() != first["variance"].item()
    with pytest.raises(EmbedLabError, match="share"):
        sweep(toy, replace(options, share=0.0))


def test_cancelled_sweep_raises_training_cancelled(toy):
    calls = []
    options = SweepOptions(dims=(1, 2), runs=2, train=TrainOptions(epochs=2))
    with pytest.raises(TrainingCancelled):
        sweep(toy, options, Hooks(on_work=lambda done, _: calls.append(done), should_stop=lambda: 1 in calls))
    assert max(calls) == 1  # stopped during the second run, as soon as the first had finished


def test_invalid_sweeps_are_user_errors(toy):
    with pytest.raises(EmbedLabError, match="dimension"):
        sweep(toy, SweepOptions(dims=(0, 4), runs=2))
    with pytest.raises(EmbedLabError, match="runs"):
        sweep(toy, SweepOptions(dims=(4,), runs=1))


def test_charts_encode_the_sweep(toy_sweep):
    table, _ = toy_sweep
    spec = decomposition_chart(table).to_dict()
    left, right = spec["hconcat"]
    values = [row for data in spec["datasets"].values() for row in data]
    assert {row.get("term") for row in values} >= {"bias²", "variance", "bias² + variance", "total", "noise"}
    assert {row.get("label") for row in values} >= {f"lowest total: d = {best_dim(table)}"}
    assert [layer["mark"]["type"] for layer in right["layer"]] == ["line", "rule", "text"]
    assert left["layer"][0]["encoding"]["x"]["scale"] == {"base": 2, "type": "log"}
    bands = loss_chart(table).to_dict()["layer"][0]
    assert bands["mark"]["type"] == "area" and bands["encoding"]["y2"]["field"] == "high"


# ---------------------------------------------------------------- the command line


def _cli(*args, cwd):
    return run_embedlab(["sweep", *args], cwd)


def test_cli_sweep_writes_the_tables_atomically(tmp_path):
    small = ("--corpus", "toy", "--dims", "1,4", "--seeds", "2", "--epochs", "1", "--dim", "6", "--window", "3")
    result = _cli(*small, "--out", "results/sweep", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "results" / "sweep"
    assert sorted(p.name for p in out.iterdir()) == ["bias_variance.csv", "stability.csv", "stability_by_dim.csv"]
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["sweep"]  # no temporary directory left
    table = pd.read_csv(out / "bias_variance.csv")
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS and table["dim"].tolist() == [1, 4]
    np.testing.assert_allclose(table["noise"] + table["bias2"] + table["variance"], table["total"], rtol=1e-12)
    by_epoch = pd.read_csv(out / "stability.csv")
    assert list(by_epoch.columns) == ["trainer", "epoch", "jaccard", "procrustes_residual", "cosine_sd"]
    assert sorted(by_epoch["trainer"].unique()) == ["gensim", "numpy"] and by_epoch["epoch"].max() == 1
    by_dim = pd.read_csv(out / "stability_by_dim.csv")
    assert by_dim["dim"].tolist() == [1, 4] and (by_dim["trainer"] == "gensim").all()
    assert "bias-variance (numpy)" in result.stderr  # the progress bar
    again = _cli(*small, "--out", "results/sweep", cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.startswith("error:") and "already exists" in again.stderr


@pytest.mark.parametrize("dims", ["1,x", "0,4", ""])
def test_cli_bad_dims_is_one_error_line_and_exit_2(tmp_path, dims):
    result = _cli("--corpus", "toy", "--dims", dims, "--seeds", "2", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_unbiased_variance_and_corrected_bias_follow_from_the_plug_in_split(toy_sweep):
    table, _ = toy_sweep
    R = table["runs"]
    np.testing.assert_allclose(table["variance_unbiased"], table["variance"] * R / (R - 1), rtol=1e-12)
    np.testing.assert_allclose(table["bias2_corrected"], table["bias2"] - table["variance_unbiased"] / R, rtol=1e-12)
    assert (table["bias2_sampling"] > 0).all() and (table["bias2_sampling"] < table["bias2"]).all()
    assert table["bias2_sampling"].nunique() == 1  # it belongs to the held-out sample, not to d
    np.testing.assert_allclose(table["bias2_model"], table["bias2_corrected"] - table["bias2_sampling"], rtol=1e-12)
    np.testing.assert_allclose(table["noise_unbiased"], table["noise"] + table["bias2_sampling"], rtol=1e-12)
    terms = table["noise_unbiased"] + table["bias2_model"] + table["variance_unbiased"]
    np.testing.assert_allclose(terms, table["total"], rtol=1e-12)
    assert (table["bias2_model_se"] > 0).all() and table["single_pair_share"].between(0, 1).all()
    run_cols = [c for c in table.columns if c.startswith("total_run_")]
    np.testing.assert_allclose(table[run_cols].mean(axis=1), table["total"], rtol=1e-12)  # the total is their mean
    assert (table[["total_se", "bias2_se", "variance_se", "total_se_runs"]] > 0).all().all()


def test_corrected_bias_removes_what_the_mean_of_few_runs_adds():
    """Simulated runs around a known mean prediction: the plug-in bias² carries variance / R,
    the corrected one does not (on average over many repetitions)."""
    rng = np.random.default_rng(0)
    V, W, R = 5, 40, 3
    truth = softmax(rng.normal(size=(W, V)), axis=1)
    counts = rng.integers(1, 4, size=(W, V))
    q = counts / counts.sum(axis=1, keepdims=True)
    true_bias2 = np.average(np.sum((q - truth) ** 2, axis=1), weights=counts.sum(axis=1))
    plug_in, corrected = [], []
    for _ in range(400):
        noise = 0.05 * rng.normal(size=(R, W, V))
        runs = truth + noise - noise.mean(axis=2, keepdims=True)  # rows still sum to 1, mean = truth
        d = decompose(runs, counts)
        plug_in.append(d.bias2)
        corrected.append(d.bias2_corrected)
    assert np.mean(plug_in) - true_bias2 > 5 * np.std(corrected) / np.sqrt(400)  # biased upwards
    assert abs(np.mean(corrected) - true_bias2) < 4 * np.std(corrected) / np.sqrt(400)


def test_model_bias_is_net_of_the_heldout_samples_own_error_and_unbiased():
    """Held-out contexts drawn from a known q, runs around a known mean prediction p̄: the
    model's bias² ‖q − p̄‖² is what bias2_model estimates; the corrected bias² is too high by
    the sampling error E‖q̂ − q‖², which bias2_sampling estimates (over many repetitions)."""
    rng = np.random.default_rng(2)
    V, W, R = 6, 30, 3
    q = rng.dirichlet(np.full(V, 0.8), size=W)  # the true context distributions
    truth = softmax(rng.normal(size=(W, V)), axis=1)  # the runs' mean prediction
    n = rng.integers(2, 7, size=W)  # held-out pairs per centre, all ≥ 2
    true_model = np.average(np.sum((q - truth) ** 2, axis=1), weights=n)
    true_sampling = np.average((1 - np.sum(q**2, axis=1)) / n, weights=n)
    model, corrected, sampling = [], [], []
    for _ in range(600):
        counts = np.stack([rng.multinomial(n[w], q[w]) for w in range(W)])
        spread = 0.03 * rng.normal(size=(R, W, V))
        d = decompose(truth + spread - spread.mean(axis=2, keepdims=True), counts)
        model.append(d.bias2_model)
        corrected.append(d.bias2_corrected)
        sampling.append(d.sampling)
        assert d.single_pairs == 0
        assert d.noise_unbiased + d.bias2_model + d.variance_unbiased == pytest.approx(d.total, rel=1e-12)
    se = np.std(model) / np.sqrt(len(model))
    assert abs(np.mean(model) - true_model) < 4 * se
    assert np.mean(corrected) - true_model > 10 * se  # the sampling error, left in
    assert np.mean(sampling) == pytest.approx(true_sampling, rel=0.05)


def test_a_centre_with_one_heldout_pair_is_counted_and_adds_no_sampling_estimate():
    p = np.full((2, 2, 3), 1 / 3)
    d = decompose(p, np.array([[0, 1, 0], [2, 0, 1]]))
    assert d.single_pairs == 1 and d.pairs == 4
    # only the second centre (n = 3, q̂ = (2/3, 0, 1/3)): n (1 − ‖q̂‖²)/(n − 1), per pair
    assert d.sampling == pytest.approx(3 * (1 - 5 / 9) / 2 / 4)
    assert d.bias2_model == pytest.approx(d.bias2_corrected - d.sampling)


def test_t_quantiles_are_students_and_the_runs_needed_pass_exactly_there():
    from embedlab.experiments.biasvar import _runs_needed, t_quantile

    assert t_quantile(3) == pytest.approx(4.3027, abs=1e-4)  # tables: t(0.975; 2), t(0.975; 4)
    assert t_quantile(5) == pytest.approx(2.7764, abs=1e-4)
    gap, se, runs = 0.00009, 0.00005, 3
    needed = _runs_needed(gap, se, runs)
    sd = se * np.sqrt(runs)
    assert gap > t_quantile(needed) * sd / np.sqrt(needed)
    assert gap <= t_quantile(needed - 1) * sd / np.sqrt(needed - 1)


def test_three_standard_errors_at_three_runs_do_not_resolve_an_optimum():
    """At R = 3 a gap of 3 SE passed the old "2 standard errors" rule; t(2) = 4.30 does not pass it."""
    s = 0.01
    diffs = np.sqrt(3) * s + np.array([-s, 0.0, s])  # mean / (sd / √3) = 3 standard errors
    table = pd.DataFrame({"dim": [1, 2, 4]})
    for r in range(3):
        table[f"total_run_{r}"] = [0.9, 0.70, 0.70 + diffs[r]]
    table["total"] = table[[f"total_run_{r}" for r in range(3)]].mean(axis=1)
    verdict = optimum(table)
    gap, se = verdict["margins"][4]
    assert 2 < gap / se < verdict["t"] and verdict["t"] == pytest.approx(4.3027, abs=1e-4)
    assert verdict["best"] == 2 and not verdict["resolved"] and verdict["runs_needed"] > 3
    text = embedlab.experiments.biasvar.optimum_text(verdict, 3)
    assert "4.30 standard errors" in text and "held-out set fixed" in text and "2 degrees of freedom" in text


def test_optimum_names_a_best_d_only_when_it_is_resolved():
    table = pd.DataFrame(
        {
            "dim": [1, 2, 4, 8],
            "total": [0.90, 0.70, 0.701, 0.80],
            "total_run_0": [0.90, 0.69, 0.72, 0.80],
            "total_run_1": [0.90, 0.71, 0.682, 0.80],
        }
    )
    verdict = optimum(table)
    assert verdict["best"] == 2 and verdict["interior"] and not verdict["resolved"]
    assert verdict["runs_needed"] > 2
    # 0.0505 ± 0.0005 over two runs: 101 SE, past t(1) = 12.7 (11 SE, the old 0.055 ± 0.005, no longer is)
    clear = table.assign(total_run_0=[0.9, 0.70, 0.75, 0.8], total_run_1=[0.9, 0.70, 0.751, 0.8])
    clear = clear.assign(total=clear[["total_run_0", "total_run_1"]].mean(axis=1))
    verdict = optimum(clear)
    assert verdict["resolved"] and verdict["beats_ends"] and verdict["runs_needed"] is None


@pytest.mark.slow
def test_cli_and_page_run_the_same_sweep_and_get_the_same_table(tmp_path, toy):
    """The command line builds its SweepOptions from the flags exactly as the page builds them
    from its form (both start from SweepOptions' defaults), and the table is the same."""
    from embedlab.__main__ import build_parser
    from embedlab.cli.options import sweep_settings

    args = build_parser().parse_args(
        ["sweep", "--corpus", "toy", "--dims", "1,4", "--seeds", "2", "--epochs", "1", "--share", "0.5", "--out", "x"]
    )
    corpus_options, cli_options, _ = sweep_settings(args)
    defaults = SweepOptions()
    page_options = SweepOptions((1, 4), 2, defaults.train.replace(epochs=1), 0.5, defaults.constant_lr)
    assert cli_options == page_options and corpus_options.source == "toy"
    result = _cli(
        "--corpus",
        "toy",
        "--dims",
        "1,4",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--share",
        "0.5",
        "--out",
        "o",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    from_cli = pd.read_csv(tmp_path / "o" / "bias_variance.csv")
    direct = sweep(toy, page_options)
    columns = ["dim", "bias2", "variance", "noise", "total", "train_loss", "heldout_loss"]
    np.testing.assert_allclose(from_cli[columns].to_numpy(), direct[columns].to_numpy(), rtol=1e-9)


def test_an_existing_empty_out_folder_is_accepted(tmp_path):
    (tmp_path / "empty").mkdir()
    small = ("--corpus", "toy", "--dims", "2", "--seeds", "2", "--epochs", "1", "--dim", "6", "--window", "3")
    result = _cli(*small, "--out", "empty", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "empty" / "bias_variance.csv").is_file()


def test_the_tradeoff_preset_is_defined_with_its_reason():
    from embedlab.config import SWEEP_PRESETS

    preset = SWEEP_PRESETS["tradeoff"]
    assert preset.corpus == "lee" and preset.sweep.constant_lr and preset.corpus_options.heldout_fraction == 0.5
    assert preset.sweep.validate() is preset.sweep and "4.30 standard errors" in preset.why
