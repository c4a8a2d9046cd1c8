"""Every number in metrics.csv recomputes from the run directory and the corpus file alone.

An outside check, written without embedlab's objective code: the run is trained by the
command line; the corpus is re-read, the held-out split taken from split.json, every
(centre, context) pair of the training sentences enumerated with its window weight
(W − k + 1)/W, and the trained objective and its gradient summed pair by pair.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_runner import run_embedlab

from embedlab.text.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent
WORDS = "king queen prince princess man woman boy girl cat dog horse cow bread milk rice soup".split()


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    rng = np.random.default_rng(5)
    groups = [WORDS[0:4], WORDS[4:8], WORDS[8:12], WORDS[12:16]]
    lines = []
    for _ in range(300):
        group = groups[rng.integers(4)]
        lines.append(" ".join(rng.choice(group, size=rng.integers(3, 9))))
    path = tmp_path_factory.mktemp("corpus") / "groups.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train_cli(corpus, out, *args):
    command = ["train", "--corpus", str(corpus), "--min-count", "1", "--dim", "6"]
    result = run_embedlab([*command, "--epochs", "3", "--heldout", "0.2", "--out", str(out), *args], ROOT)
    assert result.returncode == 0, result.stderr
    return out


def weighted_pairs(sentences, window):
    """{(centre, context): Σ (W − k + 1)/W} over every pair at distance k ≤ W in a sentence."""
    weights = {}
    for sentence in sentences:
        for i, centre in enumerate(sentence):
            for j, context in enumerate(sentence):
                k = abs(i - j)
                if 0 < k <= window:
                    weights[(centre, context)] = weights.get((centre, context), 0.0) + (window - k + 1) / window
    return weights


def reread(run_dir):
    """The run's vocabulary rows, and its training and held-out sentences as rows."""
    config = json.loads((run_dir / "config.json").read_text())
    split = json.loads((run_dir / "split.json").read_text())
    vocab = pd.read_csv(run_dir / "vocab.tsv", sep="\t", keep_default_na=False)
    row = {w: i for i, w in enumerate(vocab["word"])}
    sentences = load_corpus(config["corpus_options"]["source"]).sentences
    assert len(sentences) == split["corpus_sentences"]
    held = set(split["heldout_sentences"])
    encode = lambda s: [row[w] for w in s if w in row]  # noqa: E731
    train = [encode(s) for i, s in enumerate(sentences) if i not in held]
    heldout = [encode(sentences[i]) for i in sorted(held)]
    return config, vocab, train, heldout


def softmax_terms(W_in, W_out, w, c):
    z = W_out @ W_in[w]
    P = np.exp(z - z.max())
    P /= P.sum()
    loss = -np.log(P[c])
    coef = P.copy()
    coef[c] -= 1.0  # ∂ℓ/∂z
    return loss, coef


def negative_terms(W_in, W_out, w, c, noise, k):
    z = W_out @ W_in[w]
    sigma = 1 / (1 + np.exp(-z))
    others = np.arange(len(z)) != c
    loss = np.logaddexp(0, -z[c]) + k * np.sum(noise[others] * np.logaddexp(0, z[others]))
    coef = k * noise * sigma * others
    coef[c] = -(1 - sigma[c])
    return loss, coef


def objective(pairs, W_in, W_out, terms):
    """Weighted mean loss over the pairs and the norm of its gradient, pair by pair."""
    W_in, W_out = W_in.astype(np.float64), W_out.astype(np.float64)
    total = sum(pairs.values())
    loss, g_in, g_out = 0.0, np.zeros_like(W_in), np.zeros_like(W_out)
    for (w, c), weight in pairs.items():
        pair_loss, coef = terms(W_in, W_out, w, c)
        loss += weight * pair_loss
        g_in[w] += weight * (coef @ W_out)
        g_out += weight * np.outer(coef, W_in[w])
    return loss / total, np.sqrt(np.sum(g_in**2) + np.sum(g_out**2)) / total


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_loss_heldout_loss_and_grad_norm_recompute_at_every_epoch(corpus_file, tmp_path, trainer):
    run_dir = train_cli(corpus_file, tmp_path / trainer, "--trainer", trainer, "--sample", "0", "--window", "3")
    config, vocab, train, heldout = reread(run_dir)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    inputs, outputs = np.load(run_dir / "input_vectors.npy"), np.load(run_dir / "output_vectors.npy")
    window = config["train_options"]["window"]
    if trainer == "numpy":
        terms = softmax_terms
    else:
        noise = vocab["count"].to_numpy(float) ** 0.75
        noise /= noise.sum()
        k = config["train_options"]["negative"]
        terms = lambda W_in, W_out, w, c: negative_terms(W_in, W_out, w, c, noise, k)  # noqa: E731
    train_pairs, heldout_pairs = weighted_pairs(train, window), weighted_pairs(heldout, window)
    for epoch, row in metrics.iterrows():
        loss, grad_norm = objective(train_pairs, inputs[epoch], outputs[epoch], terms)
        heldout_loss, _ = objective(heldout_pairs, inputs[epoch], outputs[epoch], terms)
        assert row["loss"] == pytest.approx(loss, rel=0.02)
        assert row["heldout_loss"] == pytest.approx(heldout_loss, rel=0.02)
        assert row["grad_norm"] == pytest.approx(grad_norm, rel=0.02)
        assert row["mean_norm"] == pytest.approx(np.linalg.norm(inputs[epoch], axis=1).mean(), rel=1e-5)
        if epoch:
            step = np.linalg.norm(inputs[epoch] - inputs[epoch - 1], axis=1).mean()
            assert row["displacement"] == pytest.approx(step, rel=1e-5)


def test_l2_penalty_is_its_own_column_and_not_in_the_heldout_loss(corpus_file, tmp_path):
    run_dir = train_cli(corpus_file, tmp_path / "l2", "--l2", "0.001", "--window", "3")
    _, _, train, heldout = reread(run_dir)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    inputs, outputs = np.load(run_dir / "input_vectors.npy"), np.load(run_dir / "output_vectors.npy")
    last = metrics.iloc[-1]
    penalty = 0.001 * (np.sum(inputs[-1].astype(float) ** 2) + np.sum(outputs[-1].astype(float) ** 2))
    assert last["penalty"] == pytest.approx(penalty, rel=1e-5)
    heldout_loss, _ = objective(weighted_pairs(heldout, 3), inputs[-1], outputs[-1], softmax_terms)
    assert last["heldout_loss"] == pytest.approx(heldout_loss, rel=1e-4)  # pure cross-entropy
    train_loss, _ = objective(weighted_pairs(train, 3), inputs[-1], outputs[-1], softmax_terms)
    assert last["loss"] == pytest.approx(train_loss + penalty, rel=1e-4)


@pytest.mark.parametrize("sg", [1, 0])
def test_an_estimated_gensim_run_recomputes_within_its_standard_errors(corpus_file, tmp_path, sg):
    """A gensim run whose metrics are estimated (as on a large vocabulary): every epoch's loss,
    held-out loss and ‖∇J‖ lie within 4 of their standard errors of the exact values summed pair
    by pair here; skip-gram only (CBOW's objective is over windows, not pairs: its errors are
    checked to be positive and small)."""
    from embedlab.config import CorpusOptions, TrainOptions
    from embedlab.text.prepared import prepare
    from embedlab.train.training import train

    prepared = prepare(
        load_corpus(str(corpus_file)), CorpusOptions(str(corpus_file), min_count=1, heldout_fraction=0.2)
    )
    options = TrainOptions(trainer="gensim", dim=6, epochs=3, window=3, sample=0.0, sg=sg)
    run_dir = train(prepared, options, tmp_path / "estimated", metric_method="estimated").path
    config, vocab, train_rows, heldout_rows = reread(run_dir)
    assert config["metric_method"] == "estimated" and config["metric_examples"] >= 1024
    metrics = pd.read_csv(run_dir / "metrics.csv")
    inputs, outputs = np.load(run_dir / "input_vectors.npy"), np.load(run_dir / "output_vectors.npy")
    noise = vocab["count"].to_numpy(float) ** 0.75
    noise /= noise.sum()
    k = config["train_options"]["negative"]
    terms = lambda W_in, W_out, w, c: negative_terms(W_in, W_out, w, c, noise, k)  # noqa: E731
    train_pairs, heldout_pairs = weighted_pairs(train_rows, 3), weighted_pairs(heldout_rows, 3)
    for epoch, row in metrics.iterrows():
        for column in ("loss_se", "heldout_loss_se", "grad_norm_se"):
            assert 0 < row[column] < 0.1 * row[column.removesuffix("_se")]
        if not sg:
            continue
        loss, grad_norm = objective(train_pairs, inputs[epoch], outputs[epoch], terms)
        heldout_loss, _ = objective(heldout_pairs, inputs[epoch], outputs[epoch], terms)
        assert abs(row["loss"] - loss) < 4 * row["loss_se"]
        assert abs(row["heldout_loss"] - heldout_loss) < 4 * row["heldout_loss_se"]
        assert abs(row["grad_norm"] - grad_norm) < 4 * row["grad_norm_se"]
