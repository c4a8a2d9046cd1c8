"""Double-encoded text (UTF-8 read as Windows-1252 or Latin-1, saved again) repaired; clean text untouched."""

from __future__ import annotations

import doctest
import re
import unicodedata
from pathlib import Path

import pytest

import embedlab.text.mojibake
from embedlab.text.corpus import corpus_from_bytes
from embedlab.text.decoding import decode_upload
from embedlab.text.mojibake import repair_mojibake, vietnamese_words

# the lecture note in Vietnamese (SEED.vi.md), clean: its lost bytes were chosen by hand
LECTURE_VI = Path(__file__).resolve().parent / "data" / "lecture_vi.md"


def seed_vi() -> str:
    return LECTURE_VI.read_text(encoding="utf-8")


CLEAN_VI = (
    "Biểu diễn từ là nền tảng của các mô hình xử lý ngôn ngữ tự nhiên hiện đại.\n"
    "Học sinh giỏi ít khi ngủ muộn; Đường đến trường rất xa.\n"
)
CLEAN_EN = "Word embeddings are the basis of modern NLP. Café, naïve, “quotes” — and 3½ dashes…\n"
CLEAN_ZH = "中文维基百科是维基百科的中文版本，自2002年10月24日起正式成立。它是一个自由、内容开放的百科全书。\n"


def broken(text: str, how: str) -> str:
    """``text`` double-encoded the ways files are met: Latin-1 (nothing lost), Windows-1252 with
    the undefined bytes as U+FFFD, as "?", or dropped, and the soft hyphen dropped."""
    data = text.encode("utf-8")
    if how == "latin-1":
        return data.decode("latin-1")
    replaced = data.decode("cp1252", errors="replace")
    if how == "replacement":
        return replaced
    if how == "replacement, no soft hyphen":
        return replaced.replace("\xad", "")
    if how == "question mark":
        return replaced.replace("\ufffd", "?").replace("\xad", "")
    if how == "dropped":
        return data.decode("cp1252", errors="ignore").replace("\xad", "")
    raise ValueError(how)


HOW = ["latin-1", "replacement", "replacement, no soft hyphen", "question mark", "dropped"]


def dictionary_share(text: str) -> float:
    """Share of the Vietnamese-looking syllables (letters, at least one non-ASCII) that are in the word list."""
    syllables, _ = vietnamese_words()
    words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
    return sum(w.lower() in syllables for w in words) / len(words)


def test_doctests_run_and_pass():
    result = doctest.testmod(embedlab.text.mojibake)
    assert result.failed == 0 and result.attempted > 0


def test_the_word_list_is_read_from_the_installed_underthesea():
    syllables, words = vietnamese_words()
    assert len(syllables) > 5000 and len(words) > 50_000
    assert {"người", "học", "đường"} <= syllables and "học sinh" in words


@pytest.mark.parametrize(
    "text", [CLEAN_VI, CLEAN_EN, CLEAN_ZH, CLEAN_VI + CLEAN_EN + CLEAN_ZH], ids=["vi", "en", "zh", "mixed"]
)
def test_clean_text_comes_back_byte_for_byte(text):
    for form in ("NFC", "NFD"):
        clean = unicodedata.normalize(form, text)
        data = clean.encode("utf-8")
        decoded, report = decode_upload(data, "clean.txt")
        assert decoded.encode("utf-8") == data
        assert not report.repaired and report.summary() == "no double-encoded text found"


def test_the_lecture_note_which_quotes_mojibake_is_left_alone():
    text = seed_vi()
    assert "Biá»ƒu" in text  # its header quotes a double-encoded phrase on purpose
    fixed, report = repair_mojibake(text)
    assert fixed is text and not report.repaired
    assert decode_upload(text.encode("utf-8"), "SEED.vi.md")[0] == text


def test_clean_english_news_is_unchanged():
    from embedlab.text.benchmark_files import datapath

    lee = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    assert repair_mojibake(lee)[0] is lee


@pytest.mark.parametrize("how", HOW)
def test_a_double_encoded_vietnamese_file_is_repaired(how):
    text = seed_vi()
    bad = broken(text, how)
    assert dictionary_share(bad) < 0.5  # what the check below would see without a repair
    fixed, report = repair_mojibake(bad)
    assert dictionary_share(fixed) >= 0.99
    assert fixed == text  # here every lost byte is recovered, byte for byte
    assert report.lines_repaired == sum(1 for line in text.split("\n") if not line.isascii())
    lost = text.encode("utf-8")
    expected_lost = 0 if how == "latin-1" else sum(lost.count(bytes([b])) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
    if how != "latin-1" and how != "replacement":
        expected_lost += lost.count(b"\xad")
    assert report.lost_characters == expected_lost
    assert 0 <= report.unsure <= report.lost_characters
    assert report.before in bad and report.after in fixed and report.before != report.after


def test_a_lost_character_the_word_list_cannot_decide_is_counted_unsure():
    # "t?" may be tề, tọ, tỏ, tờ, tử or tậ...: several are Vietnamese syllables, nothing around decides
    fixed, report = repair_mojibake(broken("Tờ\n", "dropped") + broken("Học sinh giỏi\n", "dropped"))
    assert report.lost_characters == 3 and report.unsure >= 1
    assert fixed.splitlines()[1] == "Học sinh giỏi"
    # and a neighbouring syllable that makes a dictionary word decides it: "tờ báo" (newspaper)
    fixed, report = repair_mojibake(broken("tờ báo\n", "dropped"))
    assert fixed == "tờ báo\n" and report.unsure == 0


def test_a_mostly_clean_file_with_one_double_encoded_line_keeps_that_line():
    text = CLEAN_VI * 3 + broken("Biểu diễn\n", "latin-1")
    assert repair_mojibake(text)[0] is text


def test_a_mostly_double_encoded_file_has_its_clean_lines_kept():
    text = broken(CLEAN_VI * 3, "replacement") + "Tiếng Việt\n"
    fixed, report = repair_mojibake(text)
    assert fixed == CLEAN_VI * 3 + "Tiếng Việt\n" and report.lines_repaired == 6


def test_line_endings_and_other_lines_survive_the_repair():
    text = broken("Học sinh\r\n\r\nplain ascii\r\nĐường\r\n", "dropped")
    assert repair_mojibake(text)[0] == "Học sinh\r\n\r\nplain ascii\r\nĐường\r\n"


def test_an_upload_in_latin1_mojibake_is_not_refused_as_binary():
    # Latin-1 keeps 0x80–0x9F as C1 control characters: a third of Vietnamese letters carry one
    data = broken(CLEAN_VI * 5, "latin-1").encode("utf-8")
    clean = corpus_from_bytes((CLEAN_VI * 5).encode("utf-8"), "clean.txt")
    corpus = corpus_from_bytes(data, "broken.txt")
    assert corpus.sentences == clean.sentences
    assert corpus.repair.lines_repaired == 10 and not clean.repair.repaired
    assert "học" in corpus.sentences[1]


def test_a_double_encoded_zip_member_is_repaired(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", broken(CLEAN_VI, "replacement").encode("utf-8"))
    text, report = decode_upload(buffer.getvalue(), "notes.zip")
    assert text == CLEAN_VI and report.lines_repaired == 2
