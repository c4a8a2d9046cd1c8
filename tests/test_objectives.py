"""The trained objectives, exactly and estimated, against naive loops and finite differences."""

import doctest

import numpy as np
import pytest

import embedlab.train.objectives
import embedlab.train.objectives_sampled
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.vocab import keep_probabilities
from embedlab.train.objectives import Hierarchical, NegativeSampling, Softmax, exact
from embedlab.train.objectives_sampled import (
    Examples,
    draw_negatives,
    estimate,
    estimated_loss,
    sample_cbow,
    sample_pairs,
)

V, D, K_NEG = 7, 3, 3
CODES = [[0, 1], [1, 1], [0, 0, 1], [1], [0, 1, 0], [1, 0], [0]]
POINTS = [[0, 1], [0, 2], [0, 1, 3], [0], [0, 1, 4], [0, 5], [0]]


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    sentences = [rng.integers(0, V, size=rng.integers(2, 9)).astype(np.int32) for _ in range(20)]
    counts = np.bincount(np.concatenate(sentences), minlength=V) + 1
    W_in, W_out = rng.normal(size=(V, D)), 0.7 * rng.normal(size=(V, D))
    return sentences, counts, W_in, W_out, expected_pair_counts(sentences, 2, V)


def objectives(counts):
    return {
        "softmax": Softmax(),
        "negative": NegativeSampling.from_counts(counts, K_NEG),
        "hs": Hierarchical.from_paths(CODES, POINTS, V),
    }


def softplus(x):
    return float(np.logaddexp(0.0, x))


def naive_pair_loss(name, objective, W_in, W_out, w, c):
    """The per-pair loss of each objective, written out term by term."""
    z = W_out @ W_in[w]
    if name == "softmax":
        return float(np.log(np.sum(np.exp(z))) - z[c])
    if name == "negative":  # gensim: k draws from q, a draw equal to the target skipped
        q = objective.noise
        return softplus(-z[c]) + K_NEG * sum(q[n] * softplus(z[n]) for n in range(V) if n != c)
    return sum(softplus(-(1 - 2 * code) * z[point]) for code, point in zip(CODES[c], POINTS[c], strict=True))


@pytest.mark.parametrize("name", ["softmax", "negative", "hs"])
def test_exact_loss_is_the_count_weighted_mean_of_the_per_pair_loss(problem, name):
    _, counts, W_in, W_out, N = problem
    objective = objectives(counts)[name]
    dense = N.toarray()
    expected = (
        sum(dense[w, c] * naive_pair_loss(name, objective, W_in, W_out, w, c) for w in range(V) for c in range(V))
        / dense.sum()
    )
    penalty = 0.1 * (np.sum(W_in**2) + np.sum(W_out**2))
    assert exact(objective, W_in, W_out, N, l2=0.1)[0] == pytest.approx(expected + penalty, rel=1e-12)


@pytest.mark.parametrize("name", ["softmax", "negative", "hs"])
def test_exact_gradients_match_finite_differences(problem, name):
    _, counts, W_in, W_out, N = problem
    objective = objectives(counts)[name]
    _, dW_in, dW_out = exact(objective, W_in, W_out, N, l2=0.1)
    eps = 1e-6
    for W, grad in ((W_in, dW_in), (W_out, dW_out)):
        numeric = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            saved = W[idx]
            W[idx] = saved + eps
            up = exact(objective, W_in, W_out, N, l2=0.1, grads=False)[0]
            W[idx] = saved - eps
            down = exact(objective, W_in, W_out, N, l2=0.1, grads=False)[0]
            W[idx] = saved
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_float32_snapshots_agree_with_float64(problem):
    _, counts, W_in, W_out, N = problem
    for objective in objectives(counts).values():
        full = exact(objective, W_in, W_out, N)
        single = exact(objective, W_in.astype(np.float32), W_out.astype(np.float32), N)
        assert single[0] == pytest.approx(full[0], rel=1e-5)
        np.testing.assert_allclose(single[1], full[1], rtol=1e-3, atol=1e-6)


def test_huge_scores_stay_finite():
    W_in = np.array([[100.0, 0.0], [0.0, 100.0]])
    W_out = np.array([[-100.0, 0.0], [0.0, 100.0]])
    N = expected_pair_counts([np.array([0, 1])], 1, 2)
    for objective in (Softmax(), NegativeSampling.from_counts(np.array([1, 1]), 2)):
        loss, dW_in, dW_out = exact(objective, W_in, W_out, N)
        assert np.isfinite(loss) and np.isfinite(dW_in).all() and np.isfinite(dW_out).all()
    # softplus(10⁴) is 10⁴ to float precision, not inf
    ns = NegativeSampling.from_counts(np.array([1, 1]), 1)
    loss = ns.block(np.array([[-1e4, 0.0]]), np.array([[1.0, 0.0]]))[0][0]
    assert loss == pytest.approx(1e4 + 0.5 * np.log(2), rel=1e-9)


def _sample(objective, N, n, seed, drawn):
    examples = sample_pairs(N, n, seed)
    return draw_negatives(examples, objective, 4, seed + 10_000) if drawn else examples


@pytest.mark.slow
@pytest.mark.parametrize("name, drawn", [("softmax", False), ("negative", False), ("negative", True), ("hs", False)])
def test_estimate_is_unbiased_and_its_standard_error_is_calibrated(problem, name, drawn):
    """Over many independent samples (of pairs, and of negatives when they are drawn) the
    estimate of ‖∇J‖² averages to the exact value, and the reported standard error matches the
    spread of the estimates."""
    _, counts, W_in, W_out, N = problem
    objective = objectives(counts)[name]
    _, dW_in, dW_out = exact(objective, W_in, W_out, N)
    truth = float(np.sum(dW_in**2) + np.sum(dW_out**2))
    estimates = [estimate(objective, W_in, W_out, _sample(objective, N, 200, seed, drawn)) for seed in range(300)]
    squared = np.array([e.grad_norm**2 for e in estimates])
    assert abs(squared.mean() - truth) < 4 * squared.std() / np.sqrt(len(squared))
    reported = np.mean([2 * e.grad_norm * e.grad_norm_se for e in estimates])
    assert 0.7 < reported / squared.std() < 1.4
    losses = np.array([e.loss for e in estimates])
    assert abs(losses.mean() - exact(objective, W_in, W_out, N, grads=False)[0]) < 4 * losses.std() / np.sqrt(300)


def test_estimate_with_l2_adds_the_known_penalty_gradient(problem):
    _, counts, W_in, W_out, N = problem
    _, dW_in, dW_out = exact(Softmax(), W_in, W_out, N, l2=0.2)
    truth = float(np.sum(dW_in**2) + np.sum(dW_out**2))
    squared = np.mean(
        [estimate(Softmax(), W_in, W_out, sample_pairs(N, 200, s), l2=0.2).grad_norm ** 2 for s in range(200)]
    )
    assert squared == pytest.approx(truth, rel=0.02)


def test_estimate_equals_brute_force_per_example_gradients(problem):
    """The U-statistic from per-example gradients written out in full."""
    _, _, W_in, W_out, N = problem
    examples = sample_pairs(N, 40, seed=3)
    rows = []
    for w, c in zip(examples.inputs[:, 0], examples.targets, strict=True):
        z = W_out @ W_in[w]
        P = np.exp(z - z.max())
        P /= P.sum()
        coef = P.copy()
        coef[c] -= 1
        g_in = np.zeros_like(W_in)
        g_in[w] = coef @ W_out
        rows.append(np.concatenate([g_in.ravel(), np.outer(coef, W_in[w]).ravel()]))
    X = np.array(rows)
    n = len(X)
    total = X.sum(axis=0)
    u_statistic = (total @ total - np.sum(X * X)) / (n * (n - 1))
    assert estimate(Softmax(), W_in, W_out, examples).grad_norm ** 2 == pytest.approx(u_statistic, rel=1e-10)


def _drawn_example_gradient(objective, W_in, W_out, inputs, target, negatives):
    """One example's loss and gradient with drawn negatives, term by term: softplus(−z_c) +
    (k/m) Σ_j [n_j ≠ c] softplus(z_{n_j}), h the mean of the input rows."""
    valid = inputs[inputs >= 0]
    h = W_in[valid].mean(axis=0)
    k, m = objective.negative, len(negatives)
    sigma = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    loss = softplus(-(W_out[target] @ h))
    g_out, g_h = np.zeros_like(W_out), np.zeros_like(h)
    g = sigma(W_out[target] @ h) - 1.0  # ∂/∂z_c
    g_out[target] += g * h
    g_h += g * W_out[target]
    for n in negatives:
        if n == target:
            continue
        loss += k / m * softplus(W_out[n] @ h)
        g = k / m * sigma(W_out[n] @ h)
        g_out[n] += g * h
        g_h += g * W_out[n]
    g_in = np.zeros_like(W_in)
    for row in valid:
        g_in[row] += g_h / len(valid)
    return loss, np.concatenate([g_in.ravel(), g_out.ravel()])


@pytest.mark.parametrize("cbow", [False, True])
def test_drawn_negatives_estimate_equals_brute_force_per_example_gradients(problem, cbow):
    """With drawn negatives (drawn twice, or equal to the target, at V = 7 and 12 draws) the
    loss is the mean of the per-example losses and ‖∇J‖² the U-statistic of the gradients
    written out term by term, with and without several input rows (CBOW, a row repeated)."""
    _, counts, W_in, W_out, N = problem
    objective = objectives(counts)["negative"]
    examples = sample_pairs(N, 30, seed=5)
    if cbow:
        extra = np.random.default_rng(1).integers(-1, V, size=(30, 2))
        extra[0] = examples.inputs[0, 0]  # one row three times
        examples = Examples(np.concatenate([examples.inputs, extra], axis=1), examples.targets)
    examples = draw_negatives(examples, objective, 12, seed=6)
    assert (examples.negatives == examples.targets[:, None]).any()
    parts = [
        _drawn_example_gradient(objective, W_in, W_out, inputs, target, negatives)
        for inputs, target, negatives in zip(examples.inputs, examples.targets, examples.negatives, strict=True)
    ]
    losses = np.array([loss for loss, _ in parts])
    X = np.array([x for _, x in parts])
    n = len(X)
    total = X.sum(axis=0)
    u_statistic = (total @ total - np.sum(X * X)) / (n * (n - 1))
    result = estimate(objective, W_in, W_out, examples)
    assert result.loss == pytest.approx(losses.mean(), rel=1e-12)
    assert result.loss_se == pytest.approx(losses.std(ddof=1) / np.sqrt(n), rel=1e-10)
    assert result.grad_norm**2 == pytest.approx(u_statistic, rel=1e-10)
    assert estimated_loss(objective, W_in, W_out, examples)[0] == pytest.approx(losses.mean(), rel=1e-12)


def test_drawn_negatives_follow_the_noise_distribution(problem):
    _, counts, *_ = problem
    objective = objectives(counts)["negative"]
    examples = draw_negatives(Examples(np.zeros((4000, 1), np.int64), np.zeros(4000, np.int64)), objective, 50, 0)
    frequencies = np.bincount(examples.negatives.ravel(), minlength=V) / examples.negatives.size
    np.testing.assert_allclose(frequencies, objective.noise, atol=0.005)  # 200,000 draws: SE ≤ 0.0011
    with pytest.raises(ValueError, match="negative sampling"):
        estimate(Softmax(), np.ones((V, D)), np.ones((V, D)), examples)


def test_cbow_examples_are_windows_around_a_centre():
    sentences = [np.arange(10, dtype=np.int32), np.arange(10, 15, dtype=np.int32)]  # token = position
    examples = sample_cbow(sentences, 2, None, 300, seed=4)
    assert examples.inputs.shape == (300, 4)
    for row, target in zip(examples.inputs, examples.targets, strict=True):
        context = row[row >= 0]
        assert 0 < len(context) <= 4 and target not in context
        assert np.all(np.abs(context - target) <= 2)
        assert np.all((context >= 10) == (target >= 10))  # the same sentence
    keep = keep_probabilities(np.ones(15), 0.0)
    assert len(sample_cbow(sentences, 2, keep, 10, seed=1)) == 10


def test_cbow_estimate_matches_a_direct_mean_over_examples():
    rng = np.random.default_rng(2)
    W_in, W_out = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    examples = Examples(np.array([[0, 2, -1], [1, -1, -1], [3, 3, 4]]), np.array([1, 4, 0]))
    loss, _ = estimated_loss(Softmax(), W_in, W_out, examples)
    direct = []
    for inputs, target in zip(examples.inputs, examples.targets, strict=True):
        h = W_in[inputs[inputs >= 0]].mean(axis=0)
        z = W_out @ h
        direct.append(np.log(np.exp(z).sum()) - z[target])
    assert loss == pytest.approx(np.mean(direct), rel=1e-12)


def test_doctests():
    results = [doctest.testmod(module) for module in (embedlab.train.objectives, embedlab.train.objectives_sampled)]
    assert sum(result.failed for result in results) == 0


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("cbow", [False, True])
def test_estimate_on_touched_rows_equals_a_dense_recomputation(cbow, l2):
    """At V = 100 a dozen examples touch few rows, and the estimate holds x̄ on those only: J, ‖∇J‖
    and both standard errors equal a recomputation from every example's full (V, d) gradient,
    the delete-one jackknife written out, and r = 2λW over all V rows."""
    rng = np.random.default_rng(8)
    big_v, n = 100, 12
    counts = rng.integers(1, 50, size=big_v)
    objective = NegativeSampling.from_counts(counts, 5)
    W_in, W_out = rng.normal(size=(big_v, D)), 0.5 * rng.normal(size=(big_v, D))
    inputs = rng.integers(0, big_v, size=(n, 1))
    if cbow:
        inputs = np.concatenate([inputs, rng.integers(-1, big_v, size=(n, 3))], axis=1)
    examples = draw_negatives(Examples(inputs, rng.integers(0, big_v, size=n)), objective, 4, seed=9)
    parts = [
        _drawn_example_gradient(objective, W_in, W_out, row, target, negatives)
        for row, target, negatives in zip(examples.inputs, examples.targets, examples.negatives, strict=True)
    ]
    X = np.array([x for _, x in parts])
    assert (np.abs(X).sum(axis=0) == 0).mean() > 0.5  # most rows untouched: the case compaction is for
    r = 2 * l2 * np.concatenate([W_in.ravel(), W_out.ravel()])

    def squared(rows):  # the unbiased ‖∇J‖² on the examples ``rows``
        m = len(rows)
        total = rows.sum(axis=0)
        return (total @ total - np.sum(rows * rows)) / (m * (m - 1)) + 2 * rows.mean(axis=0) @ r + r @ r

    truth = squared(X)
    left_out = np.array([squared(np.delete(X, i, axis=0)) for i in range(n)])
    se = np.sqrt((n - 1) / n * np.sum((left_out - left_out.mean()) ** 2))
    losses = np.array([loss for loss, _ in parts])
    result = estimate(objective, W_in, W_out, examples, l2=l2)
    assert result.loss == pytest.approx(losses.mean() + l2 * (np.sum(W_in**2) + np.sum(W_out**2)), rel=1e-12)
    assert result.loss_se == pytest.approx(losses.std(ddof=1) / np.sqrt(n), rel=1e-10)
    assert result.grad_norm == pytest.approx(np.sqrt(truth), rel=1e-10)
    assert result.grad_norm_se == pytest.approx(se / (2 * np.sqrt(truth)), rel=1e-8)
