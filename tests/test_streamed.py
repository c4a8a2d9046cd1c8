"""A corpus streamed from disk gives what the whole text gives: the same corpus, split, vocabulary,
rows and run; the measurements' pairs drawn from disk follow the expected pair counts."""

import gzip
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_embedlab

import embedlab.train.streamed
from embedlab.config import CorpusOptions, TrainOptions
from embedlab.store import load_run
from embedlab.text.corpus import load_corpus
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.pair_draws import draw_pairs
from embedlab.text.prepared import prepare
from embedlab.text.streamed import heldout_from_keys, prepare_streamed, tokenized_pieces
from embedlab.text.tokenizer import split_sentences, tokenize
from embedlab.text.vocab import heldout_indices, keep_probabilities
from embedlab.train.metrics import NEGATIVE_DRAWS, objective_for
from embedlab.train.streamed import streamed_measure

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "data" / "toy_corpus.txt"


def awkward_text() -> str:
    """Repeated sentences (one side of the split), CRLF, blank lines, a line over 1,000 tokens, numbers."""
    lines = TOY.read_text(encoding="utf-8").splitlines()[:400]
    lines += lines[:40]  # repeats
    lines.insert(7, " ".join(["long"] + lines[3].split() * 300))
    lines.insert(9, "")
    lines.insert(11, "2024 3.14 ½")
    return "\ufeff" + "\r\n".join(lines) + "\n"


@pytest.fixture(params=["txt", "gz"])
def corpus_file(request, tmp_path) -> Path:
    data = awkward_text().encode("utf-8")
    path = tmp_path / f"awkward.{request.param}"
    path.write_bytes(gzip.compress(data) if request.param == "gz" else data)
    return path


def test_streamed_prepare_equals_the_whole_text(corpus_file, tmp_path):
    options = CorpusOptions(source=str(corpus_file), min_count=3, segment="syllables")
    whole = prepare(load_corpus(str(corpus_file), segment="syllables"), options)
    streamed = prepare_streamed(str(corpus_file), options, tmp_path / "work").prepared
    assert streamed.corpus == whole.corpus
    assert streamed.vocab.words == whole.vocab.words
    np.testing.assert_array_equal(streamed.vocab.counts, whole.vocab.counts)
    np.testing.assert_array_equal(streamed.heldout_sentences, whole.heldout_sentences)
    assert len(whole.heldout_sentences) > 0
    for part in ("train", "heldout"):
        np.testing.assert_array_equal(getattr(streamed, part).tokens, getattr(whole, part).tokens)
        np.testing.assert_array_equal(getattr(streamed, part).starts, getattr(whole, part).starts)
    text = (tmp_path / "work" / "train.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split() for line in text] == [[whole.vocab.words[t] for t in s] for s in whole.train]


@pytest.mark.parametrize(
    "text",
    [
        "Don’t PANIC 42\n\nΟΔΟΣ mp3 ΟΔΟΣ.",  # typographic apostrophe, Greek final sigma at a line's end
        "ΣΑΣ\nΣ Σa aΣ\u2028x\x85y\x0cz\r\nw",  # every line break splitlines knows
        "e\u0301te\u0301 cafe\u0301 Ho\u0323c sinh, ngu\u031bo\u031b\u0300i",  # decomposed (NFD) letters
        "x-1 3-4 a_b _a a__b 'x' it's - -- 12ab ab12 a'b'c ½ Ⅻ 一个 三月 học_sinh",
        "word " * 2500 + "b’c " * 900,  # lines cut at 1,000 candidates
        (ROOT / "data" / "toy_vi_corpus.txt").read_text(encoding="utf-8")[:200_000],
    ],
)
def test_pieces_tokenised_at_once_are_the_tokenizers_pieces(text):
    assert list(tokenized_pieces(text)) == [tokenize(piece) for piece in split_sentences(text)]


@pytest.mark.parametrize("fraction,seed", [(0.1, 0), (0.3, 5), (0.5, 1), (0.0, 0)])
def test_the_split_from_keys_is_the_split_from_sentences(fraction, seed):
    rng = np.random.default_rng(seed)
    sentences = [tuple(rng.integers(0, 4, size=rng.integers(1, 4)).tolist()) for _ in range(300)]
    keys = np.array([hash(s) for s in sentences], dtype=np.int64)
    expected = heldout_indices([list(s) for s in sentences], fraction, seed)
    np.testing.assert_array_equal(heldout_from_keys(keys, fraction, seed), expected)


def test_drawn_pairs_follow_the_expected_pair_counts(tmp_path):
    """Centre and context words of 40,000 draws against the rows and columns of the expected
    counts (subsampled), within 4.5 standard errors; the estimated total within 2 %."""
    options = CorpusOptions(source=str(TOY), min_count=5, segment="syllables")
    train = prepare_streamed(str(TOY), options, tmp_path).prepared.train
    counts = np.bincount(np.asarray(train.tokens))
    keep = keep_probabilities(counts, 1e-2)
    expected = expected_pair_counts(train, 3, len(counts), keep)
    n = 40_000
    centres, contexts, total = draw_pairs(train, 3, keep, n, seed=4)
    assert abs(total / expected.sum() - 1) < 0.02
    for words, axis in ((centres, 1), (contexts, 0)):
        p = np.asarray(expected.sum(axis=axis)).ravel() / expected.sum()
        f = np.bincount(words, minlength=len(p)) / n
        assert not f[p == 0].any()
        z = (f - p)[p > 0] / np.sqrt(p[p > 0] * (1 - p[p > 0]) / n)
        assert np.abs(z).max() < 4.5
    pair = np.asarray(expected[centres, contexts]).ravel()
    assert (pair > 0).all()  # every drawn pair is one the trainer can draw


@pytest.mark.parametrize("sg", [1, 0])
def test_an_estimated_streamed_measure_draws_its_negatives(tmp_path, monkeypatch, sg):
    """When the cost rule estimates (a large vocabulary), a gensim negative-sampling run scores each
    example's target and NEGATIVE_DRAWS drawn noise words, as the whole text's measure does, not all V."""
    options = CorpusOptions(source=str(TOY), min_count=5, segment="syllables")
    streamed = prepare_streamed(str(TOY), options, tmp_path)
    train_options = TrainOptions(trainer="gensim", dim=8, sg=sg)
    monkeypatch.setattr(embedlab.train.streamed, "_plan", lambda *args: ("estimated", 300, 0.0))
    objective = objective_for(train_options, streamed.prepared.vocab.counts)
    measure = streamed_measure(streamed, train_options, objective)
    assert measure.method == "estimated" and measure.describe()["metric_negatives"] == NEGATIVE_DRAWS
    for examples in (measure.train_examples, measure.heldout_examples):
        assert examples.negatives.shape == (len(examples), NEGATIVE_DRAWS)


def _train(tmp_path, corpus, out, *extra):
    args = ["train", "--corpus", corpus, "--dim", "8", "--epochs", "2", "--min-count", "3", "--seed", "3"]
    return run_embedlab([*args, "--segment", "syllables", "--out", out, *extra], cwd=tmp_path)


def test_a_streamed_numpy_run_is_the_run_of_the_whole_text(tmp_path):
    (tmp_path / "c.txt").write_text(awkward_text(), encoding="utf-8")
    streamed = _train(tmp_path, "c.txt", "s", "--stream", "--trainer", "numpy")
    whole = _train(tmp_path, "c.txt", "w", "--no-stream", "--trainer", "numpy")
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    assert "reading and counting" in streamed.stderr and "encoding" in streamed.stderr
    a, b = load_run(tmp_path / "s"), load_run(tmp_path / "w")
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.input_vectors, b.input_vectors)
    np.testing.assert_array_equal(a.output_vectors, b.output_vectors)
    timings = [c for c in a.metrics.columns if c.endswith(("seconds", "per_second"))]
    assert a.metrics.drop(columns=timings).equals(b.metrics.drop(columns=timings))
    assert not list(tmp_path.glob(".stream-*"))  # the work files are gone


@pytest.mark.slow
def test_a_streamed_gensim_run_starts_where_the_whole_texts_does_and_trains_alike(tmp_path):
    """gensim reads the streamed text itself (corpus_file), so its updates differ from the
    iterable's; the start, the split, the vocabulary and the measurements are the same."""
    (tmp_path / "c.txt").write_text(awkward_text(), encoding="utf-8")
    common = ("--trainer", "gensim", "--workers", "1")
    streamed = _train(tmp_path, "c.txt", "s", "--stream", *common)
    whole = _train(tmp_path, "c.txt", "w", "--no-stream", *common)
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    a, b = load_run(tmp_path / "s"), load_run(tmp_path / "w")
    assert a.config["corpus_read"] == "streamed" and a.config["corpus"] == b.config["corpus"]
    np.testing.assert_array_equal(a.input_vectors[0], b.input_vectors[0])
    assert a.metrics.iloc[0]["loss"] == pytest.approx(b.metrics.iloc[0]["loss"], rel=1e-9)
    assert a.metrics["loss"].iloc[-1] == pytest.approx(b.metrics["loss"].iloc[-1], rel=0.02)
    assert a.metrics["loss"].iloc[-1] < a.metrics["loss"].iloc[0]
    sparse = _train(tmp_path, "c.txt", "k", "--stream", "--snapshot-every", "2", *common)
    assert sparse.returncode == 0, sparse.stderr
    k = load_run(tmp_path / "k")
    assert k.config["snapshot_epochs"] == [0, 2] and k.input_vectors.shape == (2, *a.input_vectors.shape[1:])
    assert k.metrics["epoch"].tolist() == [0, 2]


def test_streaming_refuses_what_it_cannot_read_in_one_error_line(tmp_path):
    (tmp_path / "u16.txt").write_bytes(awkward_text().encode("utf-16"))
    for args in (["--corpus", "toy", "--stream"], ["--corpus", "u16.txt", "--stream"]):
        result = run_embedlab(["train", *args, "--out", "x"], cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.count("error:") == 1 and result.stderr.strip().splitlines()[-1].startswith("error:")
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob(".stream-*"))
