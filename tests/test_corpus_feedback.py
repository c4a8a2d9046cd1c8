"""Corpus feedback: the numbers that decide it recomputed through the real split and vocabulary."""

import doctest
import math
from pathlib import Path

import pytest

from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.text.corpus import Corpus, corpus_from_bytes, corpus_stats, load_corpus, strip_markup_upload
from embedlab.text.prepared import prepare
from embedlab.train import corpus_feedback as feedback_module
from embedlab.train import sizing
from embedlab.train.corpus_feedback import (
    MIN_STEPS,
    MIN_TRAINING_TOKENS,
    MIN_VOCABULARY,
    corpus_feedback,
    epochs_for_steps,
    explain_vocabulary,
    vocabulary_sizes,
)

NOTES = Path(__file__).resolve().parents[1] / "docs" / "lecture-note"
NUMPY = TrainOptions(trainer="numpy", epochs=20)


def test_doctests_run():
    assert doctest.testmod(feedback_module).failed == 0


@pytest.mark.parametrize("min_count", [1, 3, 5])
def test_sizes_agree_with_the_corpus_page_and_the_runs_vocabulary(min_count):
    note = corpus_from_bytes((NOTES / "SEED.vi.md").read_bytes(), "SEED.vi.md")
    sizes = vocabulary_sizes(note, CorpusOptions(min_count=min_count))
    assert sizes.whole_text == corpus_stats(note, min_count)["vocab_after_min_count"]
    data = prepare(note, CorpusOptions(min_count=min_count))
    assert sizes.training == len(data.vocab)
    assert sizes.training_tokens == data.train.n_tokens
    assert sizes.heldout_sentences == len(data.heldout_sentences)
    assert sizes.vocabulary_at(min_count) == sizes.training


def test_the_explanation_quotes_both_counts_and_the_split():
    toy = load_corpus("toy")
    sizes = vocabulary_sizes(toy, CorpusOptions(min_count=5))
    text = explain_vocabulary(sizes)
    assert f"{sizes.whole_text:,} words occur at least 5 times in the whole text" in text
    assert f"V = {sizes.training:,}" in text
    assert f"{sizes.heldout_sentences:,} of {sizes.sentences:,} sentences held out" in text
    whole = vocabulary_sizes(toy, CorpusOptions(min_count=5, heldout_fraction=0.0))
    assert "no sentence is held out" in explain_vocabulary(whole)


def test_the_lecture_note_as_uploaded_gets_markup_few_words_and_too_small():
    data = (NOTES / "SEED.vi.md").read_bytes()
    note = corpus_from_bytes(data, "SEED.vi.md")
    sizes = vocabulary_sizes(note, CorpusOptions(min_count=5))
    found = {item.kind: item for item in corpus_feedback(note, sizes, NUMPY)}
    assert list(found)[:3] == ["markup", "few_words", "too_small"]
    assert found["markup"].fix.action == "strip_markup"
    assert "LaTeX" in found["markup"].message and "mathbf" in found["markup"].message
    assert f"Only {sizes.training} words occur at least 5 times" in found["few_words"].message
    assert f"train on {sizes.training_tokens:,} tokens" in found["too_small"].message
    assert sizes.training < MIN_VOCABULARY and sizes.training_tokens < MIN_TRAINING_TOKENS

    stripped = corpus_from_bytes(*strip_markup_upload(data, "SEED.vi.md"))
    kinds = [item.kind for item in corpus_feedback(stripped, vocabulary_sizes(stripped), NUMPY)]
    assert "markup" not in kinds and "too_small" in kinds  # the strip does not make 800 words enough


def test_lowering_min_count_is_offered_only_where_it_reaches_the_floor():
    toy = load_corpus("toy")
    small = Corpus("small", toy.sentences[:150], "0" * 64, "")
    for min_count in (5, 10, 20):
        sizes = vocabulary_sizes(small, CorpusOptions(min_count=min_count))
        items = {item.kind: item for item in corpus_feedback(small, sizes, NUMPY)}
        if sizes.training >= MIN_VOCABULARY:
            assert "few_words" not in items
            continue
        fix = items["few_words"].fix
        assert fix is not None and fix.action == "min_count" and fix.value < min_count
        # the real vocabulary at the offered min_count reaches the floor, one higher does not
        assert len(prepare(small, CorpusOptions(min_count=fix.value)).vocab) >= MIN_VOCABULARY
        assert len(prepare(small, CorpusOptions(min_count=fix.value + 1)).vocab) < MIN_VOCABULARY


def test_no_min_count_fix_when_even_two_is_not_enough():
    tiny = Corpus("tiny", [["the", "cat", "sat", "on", "the", "mat"]] * 3 + [["a", "dog"]], "0" * 64, "")
    sizes = vocabulary_sizes(tiny, CorpusOptions(min_count=5))
    item = next(i for i in corpus_feedback(tiny, sizes, NUMPY) if i.kind == "few_words")
    assert item.fix is None and "Even at min_count 2" in item.message


def test_the_epochs_fix_gives_enough_steps_and_counts_them_like_the_trainer():
    toy = load_corpus("toy")
    small = Corpus("small", toy.sentences[:300], "0" * 64, "")
    options = NUMPY.replace(batch_size=16, epochs=5)  # the smallest batch the Train page fits
    sizes = vocabulary_sizes(small, CorpusOptions(min_count=5))
    work = sizing.work_estimate(prepare(small, CorpusOptions(min_count=5)), options)
    item = next(i for i in corpus_feedback(small, sizes, options) if i.kind == "few_steps")
    assert f"{work['steps']:,} SGD steps an epoch" in item.message
    epochs = item.fix.value
    assert work["steps"] * epochs >= MIN_STEPS > work["steps"] * (epochs - 1)
    assert epochs == math.ceil(MIN_STEPS / work["steps"])


def test_epochs_fix_is_capped_and_absent_when_not_needed():
    limits = Limits()
    assert epochs_for_steps(1, 10, limits) == limits.max_epochs
    assert epochs_for_steps(1, limits.max_epochs, limits) is None
    assert epochs_for_steps(MIN_STEPS, 1, limits) is None


def test_the_toy_corpus_at_the_defaults_needs_no_feedback():
    toy = load_corpus("toy")
    assert corpus_feedback(toy, vocabulary_sizes(toy, CorpusOptions(min_count=5)), NUMPY) == []
