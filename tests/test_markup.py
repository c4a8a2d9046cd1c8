"""Visitor text made inert for Markdown: it comes back whole, and nothing in it can act as markup."""

import doctest

from fuzzing import FAST
from hypothesis import given
from hypothesis import strategies as st

import embedlab.markup
from embedlab.markup import ACTIVE, inert, uninert

HOSTILE = [
    "[link](javascript:alert(1))",
    "$\\frac{1}{0}$",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~",
    "# heading",
    ":red[colour] :smile: :material/home:",
    "&lt;b&gt; &amp;",
    "1. list\n- item\n> quote",
    "| a | b |",
]


def _unescaped(markdown: str) -> list[str]:
    """The marks Markdown acts on that no backslash escapes in ``markdown``."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in ACTIVE:
            found.append(markdown[i])
        i += 1
    return found


def test_hostile_words_come_back_whole_with_every_mark_escaped():
    for word in HOSTILE:
        out = inert(word)
        assert uninert(out) == word.replace("\n", " ")
        assert _unescaped(out) == [], (word, out)
        assert "\n" not in out
        # every colon that could open ":emoji:" or ":colour[…]" is broken; one before a space cannot open either
        assert all(out[i + 1] == "\u200b" for i, ch in enumerate(out[:-1]) if ch == ":" and not out[i + 1].isspace())
        assert not out.endswith(":")


def test_a_colon_before_a_space_stays_as_written():
    assert inert("toy: 291 words") == "toy: 291 words"
    assert inert(":smile: and :red[x]") == ":\u200bsmile: and :\u200bred\\[x\\]"


@FAST
@given(st.text())
def test_any_text_comes_back_whole_and_inert(text):
    out = inert(text)
    assert uninert(out) == text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    assert _unescaped(out) == [] and "\n" not in out and "\r" not in out


def test_letters_of_any_script_are_untouched():
    assert inert("người việt đàn ông hoàng hậu") == "người việt đàn ông hoàng hậu"


def test_doctests():
    result = doctest.testmod(embedlab.markup)
    assert result.attempted > 0 and result.failed == 0
