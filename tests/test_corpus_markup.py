"""Markup found and stripped: the lecture note uploaded as it is, Markdown, LaTeX and HTML."""

import doctest
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from embedlab.text import corpus as corpus_module
from embedlab.text import corpus_markup as markup
from embedlab.text.builtin_corpora import DATA_DIR
from embedlab.text.corpus import corpus_from_bytes, strip_markup_upload
from embedlab.text.corpus_markup import detect_markup, strip_markup, words_markup_adds
from embedlab.text.tokenizer import tokenize

NOTES = Path(__file__).resolve().parents[1] / "docs" / "lecture-note"


def command_names(raw: str) -> set[str]:
    """LaTeX command names that are not also words of the text outside commands ("in" is both)."""
    commands = {name.lower() for name in re.findall(r"\\([A-Za-z]+)", raw)}
    return commands - set(tokenize(re.sub(r"\\[A-Za-z]+", " ", raw)))


def test_doctests_run():
    assert doctest.testmod(markup).failed == 0
    assert doctest.testmod(corpus_module).failed == 0


def test_the_vietnamese_note_uploaded_as_it_is_trains_on_latex_and_the_strip_removes_it():
    data = (NOTES / "SEED.vi.md").read_bytes()
    raw = corpus_from_bytes(data, "SEED.vi.md")
    assert raw.markup.names[0] == "LaTeX"
    latex = raw.markup.kinds[0]
    assert latex.signs == len(re.findall(r"\\[A-Za-z]+", data.decode("utf-8")))  # no $…$ in this note
    assert "\\mathbf" in latex.examples
    added = dict(raw.markup.adds)
    assert added["mathbf"] == Counter(w for s in raw.sentences for w in s)["mathbf"]
    names = command_names(data.decode("utf-8"))
    assert {"mathbf", "frac", "mathcal", "partial"} <= names
    assert names & {w for s in raw.sentences for w in s}  # the problem: they are words as uploaded

    stripped_bytes, name = strip_markup_upload(data, "SEED.vi.md")
    assert name == "SEED.vi.stripped.txt"
    clean = corpus_from_bytes(stripped_bytes, name)
    vocabulary = {w for s in clean.sentences for w in s}
    assert not names & vocabulary
    assert not clean.markup
    # the prose stays: Vietnamese words outside formulas keep their counts
    before = Counter(tokenize(re.sub(r"<!--.*?-->", " ", data.decode("utf-8"), flags=re.S)))
    after = Counter(w for s in clean.sentences for w in s)
    for word in ("embeddings", "huấn", "luyện", "gradient", "không", "gian"):
        assert after[word] >= before[word] - 2, word  # a formula line may name a word once


def test_the_english_note_is_markdown_and_keeps_its_prose():
    data = (NOTES / "SEED.md").read_bytes()
    report = corpus_from_bytes(data, "SEED.md").markup
    assert report.names == ["Markdown"]
    assert report.kinds[0].signs == len(re.findall(r"^#+ ", data.decode("utf-8"), flags=re.M))
    stripped, _ = strip_markup_upload(data, "SEED.md")
    text = stripped.decode("utf-8")
    assert "#" not in text
    assert "Skip-gram with a full softmax (Mikolov et al. 2013)" in text
    assert "P(c | w) = exp" not in text  # the indented formulas are formulas
    assert not command_names(data.decode("utf-8")) & set(tokenize(text))


@pytest.mark.parametrize("path", [DATA_DIR / "toy_corpus.txt", DATA_DIR / "toy_shift_corpus.txt"])
def test_plain_text_has_no_markup(path):
    assert not detect_markup(path.read_text(encoding="utf-8"))


def test_lee_news_text_has_no_markup():
    gensim_dir = Path(importlib.util.find_spec("gensim").submodule_search_locations[0])  # without importing it
    lee = (gensim_dir / "test" / "test_data" / "lee_background.cor").read_text(encoding="utf-8", errors="replace")
    assert not detect_markup(lee)
    assert not detect_markup(lee * 30)  # judged on a sample, two <i> in 10 MB are not HTML


def test_a_long_text_is_judged_on_a_spread_sample():
    prose = "The cat sat on the mat and looked at the dog.\n" * 40_000  # 1.9 MB
    tail = "\\mathbf{v} = \\frac{a}{b} and \\sum_i x_i\n" * 2_000  # LaTeX only in the last 4 %
    sample = markup.sample_text(prose + tail)
    assert len(sample) <= markup.DETECT_SAMPLE_CHARS
    assert "mathbf" in sample
    assert detect_markup(prose + tail).names == ["LaTeX"]


def test_html_is_found_and_its_words_kept():
    page = (
        "<html><head><style>p { color: red }</style><script>var x = 1;</script></head><body>\n"
        "<h1>The cat</h1><p>The <b>cat</b> sat on the mat &amp; slept.</p>\n"
        '<p>See <a href="https://example.org/cats">more cats</a>.</p><!-- hidden note --></body></html>'
    )
    report = detect_markup(page)
    assert report.names == ["HTML"]
    text = strip_markup(page)
    assert tokenize(text) == tokenize("The cat The cat sat on the mat slept. See more cats.")
    assert dict(words_markup_adds(page, tokenize, limit=50)).keys() >= {
        "html",
        "href",
        "https",
        "color",
        "var",
        "hidden",
    }


def test_markdown_links_code_and_emphasis():
    page = (
        "# Notes\n\nRead **the note** and _this_ at [the course page](https://x.org/a_b).\n\n"
        "```python\nimport numpy as np\n```\n\nCall `np.dot` for vua hoàng_hậu.\n"
    )
    assert detect_markup(page).names == ["Markdown"]
    text = strip_markup(page)
    assert tokenize(text) == ["notes", "read", "the", "note", "and", "this", "at", "the", "course", "page", "call",
                              "for", "vua", "hoàng_hậu"]  # fmt: skip
    assert "hoàng_hậu" in text  # a _-joined word is not emphasis


def test_latex_text_commands_keep_their_words_and_math_goes():
    text = strip_markup(r"\section{Results} We \emph{measured} $x^2 + y$ and \textbf{\emph{saw}} it: \[ a = b \]")
    assert tokenize(text) == ["results", "we", "measured", "and", "saw", "it"]


def test_a_few_stray_signs_are_not_markup():
    assert not detect_markup("It costs $5 and I <3 it; C:\\Users\\me is a path. # not a heading")
