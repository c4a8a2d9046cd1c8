"""The word pickers' look-up: "học sinh" found typed with or without "_", diacritics, in NFC or NFD."""

from __future__ import annotations

import doctest
import unicodedata

import pytest

import embedlab.text.lookup
from embedlab.text.lookup import WordIndex, display_word, fold, word_key

VOCAB = ["là", "học", "học_sinh", "hóc", "sinh_viên", "đường", "ma", "mà", "má", "hà_nội", "max_len", "king"]


def test_doctests_run_and_pass():
    result = doctest.testmod(embedlab.text.lookup)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize(
    "typed",
    ["học sinh", "học_sinh", "Học Sinh", "  học   sinh ", "hoc sinh", "hoc_sinh", "HOC SINH"],
)
def test_hoc_sinh_is_found_however_it_is_typed(typed):
    index = WordIndex(VOCAB)
    for form in ("NFC", "NFD"):
        assert index.find(unicodedata.normalize(form, typed)) == "học_sinh"


def test_without_diacritics_only_when_one_word_fits():
    index = WordIndex(VOCAB)
    assert index.find("duong") == "đường" and index.find("ha noi") == "hà_nội"
    assert index.find("hoc") is None  # học or hóc
    assert set(index.candidates("hoc")[:2]) == {"học", "hóc"}
    assert index.find("ma") == "ma"  # typed exactly: no question
    assert index.find("mà") == "mà" and index.find("má") == "má"
    assert index.find("mả") is None  # another word, not a spelling of one here
    assert index.find("") is None and index.candidates("   ") == []


def test_candidates_put_the_exact_word_first_then_vocabulary_order():
    index = WordIndex(VOCAB)
    assert index.candidates("học") == ["học", "học_sinh", "hóc"]  # as typed first, then other diacritics
    assert index.candidates("sinh") == ["sinh_viên"]
    assert index.candidates("h", limit=3) == ["học", "học_sinh", "hóc"]


def test_english_words_and_identifiers_are_plain_lookups():
    index = WordIndex(VOCAB)
    assert index.find("King") == "king" and index.find("max len") == "max_len"
    assert display_word("max_len") == "max_len" and display_word("học_sinh") == "học sinh"


def test_keys_agree_with_the_tokenizer():
    from embedlab.text.tokenizer import tokenize

    for text in ["Học_Sinh", unicodedata.normalize("NFD", "Đường_Phố"), "Hà_Nội"]:
        assert tokenize(text) == [word_key(text)]
    assert fold("Đường phố") == "duong_pho"
