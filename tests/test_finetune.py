"""Fine-tuning on a second domain (SEED §8): the built-in demonstration with ground truth,
the longer run's contract, and bad input."""

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_embedlab

import embedlab.experiments.finetune
from embedlab.config import CorpusOptions, DashboardSettings
from embedlab.errors import EmbedLabError
from embedlab.experiments.finetune import drift, finetune, top_movers
from embedlab.runs.evaluate import scorer_for
from embedlab.store import load_run
from embedlab.text.builtin_corpora import planted_groups, shifted_words
from embedlab.text.corpus import Corpus, load_corpus
from embedlab.text.prepared import prepare
from embedlab.train.training import SHIPPED_RUNS, cache_path

ROOT = Path(__file__).resolve().parent.parent
FINETUNE_EPOCHS = 10


@pytest.fixture(scope="module")
def toy_a():
    return load_corpus("toy")


@pytest.fixture(scope="module")
def demo(toy_a, tmp_path_factory):
    """Both trainers with the dashboard's settings on the toy corpus, then fine-tuned on toy-shift.
    The parents are the default runs shipped in data/default_runs (test_default_runs.py checks
    they equal a fresh training)."""
    out = tmp_path_factory.mktemp("finetune")
    settings = DashboardSettings()
    prepared = prepare(toy_a, CorpusOptions(source="toy", min_count=settings.min_count))
    scorer = scorer_for(prepared.vocab, "toy")
    shift = load_corpus("toy-shift")
    runs = {}
    for options in (settings.numpy, settings.gensim):
        parent = load_run(cache_path(prepared, options, SHIPPED_RUNS, scorer))
        child = finetune(
            parent,
            shift,
            out / f"child-{options.trainer}",
            epochs=FINETUNE_EPOCHS,
            corpus_a=toy_a,
            focus_words=shifted_words(),
            scorer_for=scorer_for,
        )
        runs[options.trainer] = (parent, child)
    return runs


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_the_planted_shifted_words_move_most(demo, trainer):
    _, child = demo[trainer]
    last = drift(child).query("epoch == @child.epochs").sort_values("drift", ascending=False).reset_index(drop=True)
    rank = {word: i + 1 for i, word in enumerate(last["word"])}
    top = int(0.05 * len(last))  # the top 5 % of the parent's words
    shifted = shifted_words()
    assert all(rank[w] <= top for w in shifted), {w: rank[w] for w in shifted}
    drifts = dict(zip(last["word"], last["drift"], strict=True))
    unshifted = [w for words in planted_groups("toy").values() for w in words if w not in shifted]
    # every shifted word moved more than every planted word that kept its company ...
    assert min(drifts[w] for w in shifted) > max(drifts[w] for w in unshifted)
    # ... and the planted words that kept their company barely moved
    assert np.median([drifts[w] for w in unshifted]) < 0.25 * min(drifts[w] for w in shifted)


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_heldout_loss_falls_on_b_and_the_old_meanings_are_forgotten(demo, trainer):
    parent, child = demo[trainer]
    after = child.metrics[child.metrics["epoch"] >= parent.epochs]
    # around the shifted words: the new company is learned (B) and the old one forgotten (A)
    assert after["heldout_loss_focus"].iloc[-1] < after["heldout_loss_focus"].iloc[0] - 0.1
    assert after["heldout_loss_a_focus"].iloc[-1] > after["heldout_loss_a_focus"].iloc[0] + 0.1
    # the whole of B, whose other lines A already taught, is held about where it was
    assert abs(after["heldout_loss"].iloc[-1] - after["heldout_loss"].iloc[0]) < 0.1
    before = child.metrics[child.metrics["epoch"] < parent.epochs]["heldout_loss_a_focus"]
    assert before.notna().all() and before.iloc[-1] < before.iloc[1]  # it had fallen while A was trained


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_the_child_is_the_parent_made_longer(demo, trainer):
    parent, child = demo[trainer]
    E = parent.epochs
    assert child.epochs == E + FINETUNE_EPOCHS and child.config["switch_epoch"] == E
    V = len(parent.vocab)
    assert child.vocab.words[:V] == parent.vocab.words  # rows unchanged, new words after
    assert {"phone", "chess", "laptop", "election"} <= set(child.vocab.words[V:]) and child.config["new_words"] >= 20
    np.testing.assert_array_equal(child.input_vectors[: E + 1, :V], parent.input_vectors)
    np.testing.assert_array_equal(child.output_vectors[: E + 1, :V], parent.output_vectors)
    assert not np.any(child.output_vectors[E, V:])  # new words start with zero output rows
    np.testing.assert_array_equal(child.input_vectors[0, V:], child.input_vectors[E, V:])  # and hold their start
    assert np.all(np.abs(child.input_vectors[E, V:]) <= 1 / parent.dim)
    assert child.config["parent"]["run_id"] == parent.run_id
    assert [c["name"] for c in child.config["corpora"]] == ["toy", "toy-shift"]
    assert list(child.metrics["epoch"]) == list(range(E + FINETUNE_EPOCHS + 1))
    assert list(child.metrics["domain"]) == ["A"] * E + ["B"] * (FINETUNE_EPOCHS + 1)
    assert load_run(child.path, verify=True).epochs == child.epochs
    lr = child.config["train_options"]["lr"]
    assert lr == pytest.approx(embedlab.experiments.finetune.LR_FACTOR * parent.config["train_options"]["lr"])


@pytest.mark.parametrize("trainer", ["numpy", "gensim"])
def test_drift_is_measured_after_procrustes_as_an_independent_recomputation_gives(demo, trainer):
    """Rotation by hand: R = U Vᵀ from the SVD of X_tᵀ X_E over the parent's words, then each
    word's cosine in a loop; the raw cosine without R alongside."""
    _, child = demo[trainer]
    E, V_a = child.config["switch_epoch"], child.config["parent"]["vocab_size"]
    table = drift(child)
    target = child.input_vectors[E][:V_a].astype(np.float64)
    for epoch in (E + 1, E + 5, child.epochs):
        source = child.input_vectors[epoch][:V_a].astype(np.float64)
        U, _, Vt = np.linalg.svd(source.T @ target)
        R = U @ Vt
        rows = table[table["epoch"] == epoch]
        for i in range(0, V_a, 7):
            a, b, raw = source[i] @ R, target[i], source[i]
            expected = 1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
            assert rows["drift"].iloc[i] == pytest.approx(expected, abs=1e-6)
            assert rows["drift_raw"].iloc[i] == pytest.approx(
                1 - raw @ b / (np.linalg.norm(raw) * np.linalg.norm(b)), abs=1e-6
            )
        assert rows["rotation"].iloc[0] == pytest.approx(np.linalg.norm(R - np.eye(len(R))), abs=1e-9)
    last = table[table["epoch"] == child.epochs]
    assert last["rotation"].iloc[0] > 0.02  # fine-tuning does turn the space: the claim it does not was false
    assert last["drift"].mean() < last["drift_raw"].mean()  # raw 1 − cos counts the turn as every word's movement


def test_drift_is_zero_at_the_switch_and_the_shifted_word_moves_most(demo):
    _, child = demo["numpy"]
    table = drift(child)
    at_switch = table.query("epoch == @child.config['switch_epoch']")
    assert np.allclose(at_switch["drift"], 0.0, atol=1e-6)
    last = table[table["epoch"] == child.epochs].set_index("word")["drift"]
    assert last["apple"] > last["bread"]  # apple changed company, bread did not
    movers = top_movers(child, n=3)
    assert set(movers["band"]) == {"rare in B", "middle", "frequent in B"}


def test_a_run_written_before_metric_pairs_was_dropped_still_fine_tunes(demo, tmp_path):
    parent, _ = demo["numpy"]
    old = {**parent.config, "train_options": {**parent.config["train_options"], "metric_pairs": 2000}}
    child = finetune(dataclasses.replace(parent, config=old), load_corpus("toy-shift"), tmp_path / "c", epochs=1)
    assert child.epochs == parent.epochs + 1 and "metric_pairs" not in child.config["train_options"]


def test_a_corpus_sharing_no_word_is_refused(demo, tmp_path):
    parent, _ = demo["numpy"]
    other = Corpus("other", [["zebra", "quokka", "yak"]] * 50, "1" * 64, "")
    with pytest.raises(EmbedLabError, match="shares no word"):
        finetune(parent, other, tmp_path / "child", epochs=1)
    assert not (tmp_path / "child").exists()


def _cli(*args):
    return run_embedlab(["finetune", *args], ROOT)


def test_cli_finetunes_and_refuses_damaged_runs(demo, tmp_path):
    parent, _ = demo["gensim"]
    copy = tmp_path / "parent"
    shutil.copytree(parent.path, copy)
    result = _cli(str(copy), "--corpus", "toy-shift", "--epochs", "2", "--out", str(tmp_path / "child"))
    assert result.returncode == 0, result.stderr
    child = load_run(tmp_path / "child")
    assert child.epochs == parent.epochs + 2 and json.loads((child.path / "config.json").read_text())["switch_epoch"]
    assert "after Procrustes" in result.stdout and "ranks among the" in result.stdout
    last = drift(child).query("epoch == @child.epochs").sort_values("drift", ascending=False)
    top = last["word"].iloc[0]
    assert any(line.split()[:1] == [top] for line in result.stdout.splitlines())  # the top mover is printed
    ranks = {w: i + 1 for i, w in enumerate(last["word"])}
    for word in shifted_words():  # each planted word with its rank
        assert any(
            line.split()[:1] == [word] and line.split()[-1] == str(ranks[word]) for line in result.stdout.splitlines()
        ), word
    # damaged: a byte of the vectors changed
    data = bytearray((copy / "input_vectors.npy").read_bytes())
    data[-1] ^= 0xFF
    (copy / "input_vectors.npy").write_bytes(bytes(data))
    for broken in (copy, tmp_path / "missing"):
        result = _cli(str(broken), "--corpus", "toy-shift", "--epochs", "1", "--out", str(tmp_path / "again"))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.stderr
        assert not (tmp_path / "again").exists()
