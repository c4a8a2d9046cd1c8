"""Intrinsic evaluation: Spearman vs scipy, 3CosAdd by hand and vs gensim, silhouette by hand,
OOV handling, scores rising while gensim trains on the Wikipedia sample, and the CLI."""

import doctest
import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_runner import run_embedlab
from gensim.test.utils import datapath
from scipy.stats import spearmanr

import embedlab.runs.evaluate
import embedlab.runs.quality
import embedlab.text.benchmark_files
from embedlab.runs.evaluate import (
    MIN_PAIRS,
    analogy_hits,
    cosine_silhouette,
    group_scores,
    predict_analogies,
    snapshot_quality,
    word_pair_scores,
)
from embedlab.runs.quality import evaluate_run, write_quality
from embedlab.store import RunWriter, load_run
from embedlab.text.benchmark_files import analogy_questions, sample_analogies
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.vocab import Vocabulary

ROOT = Path(__file__).resolve().parent.parent


def read_pairs(name):
    """The benchmark file read independently of embedlab: (a, b, score) for each data line."""
    rows = []
    for line in Path(datapath(name)).read_text(encoding="utf8").splitlines():
        if line and not line.startswith("#"):
            a, b, score = line.split("\t")
            rows.append((a, b, float(score)))
    return rows


def vocab_of(words, seed=0):
    words = list(dict.fromkeys(words))
    return Vocabulary.from_words(words, np.arange(len(words), 0, -1))


def random_vectors(vocab, d=6, seed=0):
    return np.random.default_rng(seed).standard_normal((len(vocab), d)).astype(np.float32)


def keyed_vectors(X, vocab):
    """gensim's own KeyedVectors over one epoch: the independent implementation scores are checked against."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=X.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(list(vocab.words), np.asarray(X, dtype=np.float32))
    kv.fill_norms(force=True)
    return kv


def cosine(x, y):
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


@pytest.mark.parametrize("module", [embedlab.text.benchmark_files, embedlab.runs.evaluate, embedlab.runs.quality])
def test_doctests_run(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


# ---------------------------------------------------------------- word pairs


def test_spearman_matches_scipy_on_hand_made_vectors():
    pairs = read_pairs("wordsim353.tsv")
    vocab = vocab_of([w for a, b, _ in pairs[:60] for w in (a, b)])
    X = random_vectors(vocab)
    known = [(a, b, s) for a, b, s in pairs if a in vocab.index and b in vocab.index]
    gold = [s for _, _, s in known]
    model = [cosine(X[vocab.index[a]], X[vocab.index[b]]) for a, b, _ in known]
    row = snapshot_quality(X, vocab)
    assert row["wordsim353_pairs"] == len(known) >= 60
    assert row["wordsim353_spearman"] == pytest.approx(spearmanr(gold, model).statistic, abs=1e-6)
    assert row["wordsim353_oov"] == pytest.approx(1 - len(known) / 353)


def test_pairs_with_unknown_words_are_counted_as_oov_and_left_out():
    pairs = read_pairs("simlex999.txt")
    words = [w for a, b, _ in pairs[:80] for w in (a, b)]
    unknown = {pairs[0][1], pairs[5][0]}  # drop two words: every pair that uses them is out
    vocab = vocab_of([w for w in words if w not in unknown])
    X = random_vectors(vocab, seed=3)
    known = [(a, b, s) for a, b, s in pairs if a in vocab.index and b in vocab.index]
    assert any(a in unknown or b in unknown for a, b, _ in pairs[:80])
    row = word_pair_scores(X, vocab, "simlex999")
    assert row["simlex999_pairs"] == len(known)
    assert row["simlex999_oov"] == pytest.approx((999 - len(known)) / 999)
    gold = [s for *_, s in known]
    model = [cosine(X[vocab.index[a]], X[vocab.index[b]]) for a, b, _ in known]
    assert row["simlex999_spearman"] == pytest.approx(spearmanr(gold, model).statistic, abs=1e-6)
    # gensim's own OOV ratio (in percent) agrees with the count
    _, _, oov_percent = keyed_vectors(X, vocab).evaluate_word_pairs(datapath("simlex999.txt"))
    assert oov_percent / 100 == pytest.approx(row["simlex999_oov"])


@pytest.mark.parametrize("benchmark, file", [("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")])
def test_word_pair_scores_equal_gensims_evaluate_word_pairs(benchmark, file):
    """Mixed-case spellings of one word (the most frequent counts), unknown words, a zero vector:
    the score equals gensim's, computed by gensim from its own KeyedVectors."""
    pairs = read_pairs(file)
    words = [w for a, b, _ in pairs[:300] for w in (a, b)]
    words = list(dict.fromkeys(words))
    words = words[:40] + [w.capitalize() for w in words[:10]] + words[45:]  # "Tiger" after "tiger"
    vocab = Vocabulary.from_words(words, np.arange(len(words), 0, -1))
    X = random_vectors(vocab, d=8, seed=11)
    X[5] = 0.0
    row = word_pair_scores(X, vocab, benchmark)
    gensim_pairs, result, oov_percent = keyed_vectors(X, vocab).evaluate_word_pairs(datapath(file))
    assert row[f"{benchmark}_spearman"] == pytest.approx(result.statistic, abs=1e-9)
    assert row[f"{benchmark}_oov"] == pytest.approx(oov_percent / 100)


def test_words_match_the_benchmark_case_insensitively():
    pairs = read_pairs("wordsim353.tsv")
    words = [w for a, b, _ in pairs[:60] for w in (a, b)]
    lower = vocab_of(words)
    upper = Vocabulary.from_words([w.capitalize() for w in lower.words], lower.counts)
    X = random_vectors(lower)
    assert snapshot_quality(X, upper)["wordsim353_spearman"] == snapshot_quality(X, lower)["wordsim353_spearman"]


def test_too_few_pairs_give_nan_and_the_count():
    pairs = read_pairs("wordsim353.tsv")
    few = vocab_of([w for a, b, _ in pairs[:6] for w in (a, b)])
    many = vocab_of([w for a, b, _ in pairs[:40] for w in (a, b)])
    few_row, many_row = snapshot_quality(random_vectors(few), few), snapshot_quality(random_vectors(many), many)
    assert 0 < few_row["wordsim353_pairs"] < MIN_PAIRS and np.isnan(few_row["wordsim353_spearman"])
    assert many_row["wordsim353_pairs"] >= MIN_PAIRS and np.isfinite(many_row["wordsim353_spearman"])
    assert few_row["analogy_count"] < MIN_PAIRS and np.isnan(few_row["analogy_accuracy"])


def test_shapes_are_checked():
    vocab = vocab_of(["a", "b", "c"])
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        snapshot_quality(np.zeros((2, 4)), vocab)


# ---------------------------------------------------------------- analogies


def test_3cosadd_on_a_2d_case_worked_by_hand():
    # man : king :: woman : ?   target = unit(king) − unit(man) + unit(woman) = (−0.29, 1.71), at 99.7°.
    # queen sits at 110°, woman (excluded) at 90°, prince at 59.5°. Without normalising first the
    # target would be (3,3) − (1,0) + (0,1) = (2, 4) at 63.4°, and prince would win.
    words = ["man", "king", "woman", "queen", "prince", "apple"]
    X = np.array([[1.0, 0.0], [3.0, 3.0], [0.0, 1.0], [-0.364, 1.0], [1.0, 1.7], [1.0, -1.0]])
    vocab = vocab_of(words)
    sample = pd.DataFrame({"a_row": [0, 0], "b_row": [1, 2], "c_row": [2, 1]})  # and man : woman :: king : ?
    predicted = [words[i] for i in predict_analogies(X, vocab, sample)]
    # the second: target = unit(woman) − unit(man) + unit(king) = (−0.29, 1.71) too → queen
    assert predicted == ["queen", "queen"]


def test_3cosadd_agrees_with_gensim_evaluate_word_analogies(tmp_path):
    questions = analogy_questions()[::97][:150]
    vocab = vocab_of([w.lower() for q in questions for w in q[1:]])
    X = random_vectors(vocab, d=4, seed=7)  # low d: many near-ties, a strict comparison
    sample = sample_analogies(vocab)
    hits = analogy_hits(X, vocab, sample)
    path = tmp_path / "questions.txt"
    lines = [": sample"] + [f"{r.a} {r.b} {r.c} {r.expected}" for r in sample.itertuples()]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    score, sections = keyed_vectors(X, vocab).evaluate_word_analogies(str(path), dummy4unknown=False)
    total = sections[-1]
    assert len(total["correct"]) + len(total["incorrect"]) == len(sample)
    mine = Counter(
        (r.a.upper(), r.b.upper(), r.c.upper(), r.expected.upper())
        for r in sample.itertuples()
        if hits.correct[r.Index]
    )
    assert mine == Counter(total["correct"])
    assert 0 < hits["correct"].mean() == pytest.approx(score)


def test_sample_is_fixed_in_vocabulary_and_bounded():
    questions = analogy_questions()[::13]
    vocab = vocab_of([w.lower() for q in questions for w in q[1:]])
    full = sample_analogies(vocab, size=10**6)
    assert full.attrs["available"] == len(full) >= len(questions)
    small = sample_analogies(vocab, size=50)
    assert len(small) == 50 and small.equals(sample_analogies(vocab, size=50))
    words = set(vocab.words)
    assert all(w.lower() in words for column in ("a", "b", "c", "expected") for w in small[column])
    in_full = set(full[["section", "a", "b", "c", "expected"]].itertuples(index=False, name=None))
    assert set(small[["section", "a", "b", "c", "expected"]].itertuples(index=False, name=None)) <= in_full
    assert snapshot_quality(random_vectors(vocab), vocab, analogy_sample=50)["analogy_count"] == 50


# ---------------------------------------------------------------- planted groups


def test_silhouette_by_hand():
    # cosine distances: d(0,1) = 1, d(0,2) = 2, d(1,2) = 1
    # s0 = (2 − 1) / 2 = 0.5; s1 = (1 − 1) / 1 = 0; point 2 is alone: s2 = 0 → mean 1/6
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    assert cosine_silhouette(X, np.array([0, 0, 1])) == pytest.approx(1 / 6)
    assert np.isnan(cosine_silhouette(X, np.array([0, 0, 0])))


def test_silhouette_matches_a_loop_over_its_definition():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((11, 3))
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3])  # cluster 3 has one point
    distance = [[1 - cosine(x, y) for y in X] for x in X]
    scores = []
    for i in range(len(X)):
        own = [distance[i][j] for j in range(len(X)) if labels[j] == labels[i] and j != i]
        if not own:
            scores.append(0.0)
            continue
        a = np.mean(own)
        b = min(np.mean([distance[i][j] for j in range(len(X)) if labels[j] == k]) for k in set(labels) - {labels[i]})
        scores.append((b - a) / max(a, b))
    assert cosine_silhouette(X, labels) == pytest.approx(np.mean(scores))


def test_group_gap_and_silhouette_by_hand():
    vocab = vocab_of(["p", "q", "r", "s"])
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [5.0, 5.0]])
    row = group_scores(X, vocab, {"x": ["p", "q", "unknown"], "y": ["r"]})
    # within: cos(p, q) = 0; between: cos(p, r) = −1, cos(q, r) = 0 → gap 0 − (−0.5) = 0.5
    assert row["group_gap"] == pytest.approx(0.5)
    assert row["group_silhouette"] == pytest.approx(1 / 6)
    assert set(snapshot_quality(X, vocab, {"x": ["p", "q"], "y": ["r"]})) >= {"group_gap", "group_silhouette"}
    assert "group_gap" not in snapshot_quality(X, vocab)


def test_planted_groups_toy_only():
    groups = planted_groups("toy")
    assert groups and all(isinstance(words, list) and words for words in groups.values())
    assert groups == json.loads((ROOT / "data" / "toy_groups.json").read_text(encoding="utf-8"))
    assert planted_groups("wiki") is None and planted_groups("lee") is None


# ---------------------------------------------------------------- whole runs and the CLI


@pytest.fixture
def small_run(tmp_path):
    pairs = read_pairs("wordsim353.tsv")
    questions = analogy_questions()[::101]
    words = [w for a, b, _ in pairs[:60] for w in (a, b)] + [w.lower() for q in questions for w in q[1:]]
    vocab = vocab_of(words)
    rng = np.random.default_rng(5)
    with RunWriter(tmp_path / "run", epochs=2, vocab_size=len(vocab), dim=8) as writer:
        for epoch in range(3):
            writer.write_snapshot(
                epoch, rng.standard_normal((len(vocab), 8)).astype(np.float32), np.zeros((len(vocab), 8), np.float32)
            )
        rows = [{"epoch": e, "loss": 1 / 3 + e, "heldout_loss": 0.1 * e} for e in range(3)]
        writer.finish({"trainer": "numpy", "corpus": {"name": "custom"}}, vocab, rows)
    return tmp_path / "run"


def test_evaluate_run_computes_every_epoch(small_run):
    run = load_run(small_run)
    table = evaluate_run(run)
    assert table["epoch"].tolist() == [0, 1, 2]
    assert "group_gap" not in table  # not the toy corpus: no planted groups
    for epoch in range(3):
        row = snapshot_quality(np.asarray(run.input_vectors[epoch]), run.vocab)
        assert table.loc[epoch, "wordsim353_spearman"] == pytest.approx(row["wordsim353_spearman"])
        assert table.loc[epoch, "analogy_accuracy"] == pytest.approx(row["analogy_accuracy"], nan_ok=True)


def cli(*args, cwd):
    return run_embedlab(args, cwd)


def test_cli_prints_the_table_and_writes_it_atomically(small_run):
    before = (small_run / "metrics.csv").read_text()
    result = cli("evaluate", str(small_run), cwd=small_run.parent)
    assert result.returncode == 0, result.stderr
    assert "wordsim353_spearman" in result.stdout and "WordSim-353:" in result.stdout
    assert (small_run / "metrics.csv").read_text() == before  # without --write nothing changes
    result = cli("evaluate", str(small_run), "--write", cwd=small_run.parent)
    assert result.returncode == 0, result.stderr
    run = load_run(small_run, verify=True)  # the manifest was updated with the new metrics.csv
    assert {"loss", "wordsim353_spearman", "analogy_count", "eval_seconds"} <= set(run.metrics.columns)
    assert run.metrics["loss"].tolist() == [1 / 3, 4 / 3, 7 / 3]
    old, new = (pd.read_csv(p, dtype=str) for p in (io.StringIO(before), small_run / "metrics.csv"))
    pd.testing.assert_frame_equal(new[old.columns], old)  # existing columns kept as written, to the digit
    reused = evaluate_run(run)
    pd.testing.assert_frame_equal(reused, evaluate_run(run, recompute=True).assign(eval_seconds=reused["eval_seconds"]))
    assert not list(small_run.glob(".*"))  # no temporary files left behind


def test_write_quality_refuses_a_table_of_other_epochs(small_run):
    run = load_run(small_run)
    with pytest.raises(ValueError, match="epochs"):
        write_quality(run, evaluate_run(run).iloc[:2])


def test_cli_missing_run_is_one_error_line(tmp_path):
    result = cli("evaluate", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.stderr


# ---------------------------------------------------------------- scores rise with training


@pytest.mark.slow
def test_scores_rise_while_gensim_trains_on_wikipedia(tmp_path):
    from embedlab.config import CorpusOptions, TrainOptions
    from embedlab.text.corpus import load_corpus
    from embedlab.text.prepared import prepare
    from embedlab.train.training import train

    prepared = prepare(load_corpus("wiki"), CorpusOptions(source="wiki", min_count=5))
    options = TrainOptions(trainer="gensim", dim=50, epochs=5, window=5, seed=1)
    run = train(prepared, options, tmp_path / "wiki")
    table = evaluate_run(run)
    first, last = table.iloc[0], table.iloc[-1]
    assert last["wordsim353_pairs"] >= 200 and last["analogy_count"] == 1000
    assert last["wordsim353_spearman"] > first["wordsim353_spearman"] + 0.1
    assert last["simlex999_spearman"] > first["simlex999_spearman"]
    assert last["analogy_accuracy"] > first["analogy_accuracy"] and last["analogy_accuracy"] >= 0.01
    assert (table["eval_seconds"] > 0).all()  # recorded for every epoch (its size is a benchmark's business)


@pytest.mark.parametrize("scores_bytes", [1 << 40, 4 * 10 * 13])  # one block of words; blocks of 13 (10 questions)
def test_analogies_scored_a_block_of_words_at_a_time_answer_as_one_argmax_over_v(monkeypatch, scores_bytes):
    """Every word scored at once against (â − b̂ + ĉ), a, b, c and their other spellings excluded,
    argmax over V: written out here, on a vocabulary with ties (repeated rows), a zero row and case
    variants, against the blocked scoring with as few as 13 words a block."""
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(60)] + ["W3", "W10"]  # other spellings of w3 and w10
    X = rng.standard_normal((len(words), 4)).astype(np.float32)
    X[24:29] = X[24]  # five tied rows across the edge of the second 13-word block: the earliest must win
    X[30] = 0.0
    X[12] = X[11]  # so that 11 : 12 :: c : ? asks for c itself, and a tie decides
    vocab = Vocabulary.from_words(words, np.arange(len(words), 0, -1))
    questions = np.array(
        [rng.choice(60, 3, replace=False) for _ in range(7)] + [[3, 10, 5], [11, 12, 24], [12, 11, 25]]
    )
    sample = pd.DataFrame({"a_row": questions[:, 0], "b_row": questions[:, 1], "c_row": questions[:, 2]})

    unit = X.astype(np.float32) / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-30)
    expected = []
    for a, b, c in questions:
        scores = unit @ (unit[b] - unit[a] + unit[c])
        for row in (a, b, c):
            same = [i for i, w in enumerate(words) if w.upper() == words[row].upper()]
            scores[same] = -np.inf
        expected.append(int(np.argmax(scores)))

    monkeypatch.setattr(embedlab.runs.evaluate, "ANALOGY_SCORES_BYTES", scores_bytes)
    assert predict_analogies(X, vocab, sample).tolist() == expected
    assert expected[-2] == 25 and expected[-1] == 24  # the ties were exercised, across a block's edge
