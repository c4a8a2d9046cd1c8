"""Visitor text on every page: words and file names carrying Markdown, LaTeX and HTML, opened as
embeddings, must reach the screen as their characters (escaped by embedlab.markup.inert), never
as a link, formula, tag, emphasis, emoji or colour."""

from __future__ import annotations

import numpy as np
from app_helpers import open_page
from test_corpus_feedback_page import upload
from test_open_embeddings import open_files

from embedlab.markup import inert
from embedlab.teaching import sitemap

HOSTILE = [
    "[link](javascript:alert(1))",
    "$\\frac{1}{0}$",
    "<b>bold</b>",
    "**strong**",
    ":red[red]",
    "_em_",
    "`code`",
]
NAME = "$x$[a](b)"  # in the opened files' names, hence the run's
CORPUS = "**u**![i](https:x.png).txt"  # an uploaded corpus's name: the Corpus radio draws it as Markdown, images too
MARKDOWN_ELEMENTS = ("markdown", "caption", "header", "subheader", "title", "error", "warning", "info", "success")


def _checkpoint(words: list[str], X: np.ndarray) -> bytes:
    rows = [f"{len(words)} {X.shape[1]}"] + [
        w + " " + " ".join(f"{x:.5f}" for x in row) for w, row in zip(words, X, strict=True)
    ]
    return ("\n".join(rows) + "\n").encode()


MARKDOWN_OPTIONS = ("radio", "button_group")  # st.radio, st.pills and st.segmented_control draw options as Markdown


def _markdown_texts(block) -> list[str]:
    """The body (and tooltip) of every element Streamlit renders as Markdown inside ``block``, and
    every label (widgets, tabs, expanders, metrics: Markdown too) and radio, pills and segmented
    control option (Markdown, images included; a selectbox's options are plain text)."""
    found = []
    for child in getattr(block, "children", {}).values():
        kind = getattr(child, "type", None)
        if kind in MARKDOWN_ELEMENTS or child.__class__.__name__.lower() in MARKDOWN_ELEMENTS:
            found += [str(getattr(child, "value", "")), str(getattr(child, "help", "") or "")]
        label = getattr(getattr(child, "proto", None), "label", None)
        if isinstance(label, str):
            found += [label, str(getattr(child, "help", "") or "")]
        if kind in MARKDOWN_OPTIONS:
            found += [str(option) for option in child.options]
        found += _markdown_texts(child)
    return found


def test_words_and_names_with_markup_are_shown_as_text_on_every_page(app):
    rng = np.random.default_rng(0)
    words = HOSTILE + ["king", "queen", "man", "woman", "cat", "dog"]
    files = [
        (f"{NAME}-{epoch}.txt", _checkpoint(words, rng.normal(size=(len(words), 4))), "text/plain") for epoch in (1, 2)
    ]
    upload(app, " ".join(["the king and the queen sat"] * 40).encode() + b"\n", CORPUS)
    at = open_files(app, files)
    assert not at.exception
    seen = []
    for page in [path for path, _, _ in sitemap.PAGES]:
        at = open_page(at, page)
        if page == "pages/neighbours.py":
            at.selectbox(key="nb_word").set_value(HOSTILE[0]).run()
            at.selectbox(key="an_a").set_value(HOSTILE[1]).run()
        if page == "pages/map.py":
            at.text_input(key="map_search").set_value(" ".join([HOSTILE[2], "[zz](javascript:x)"])).run()
        assert not at.exception, (page, at.exception)
        shown = _markdown_texts(at.main) + _markdown_texts(at.sidebar)
        for text in shown:
            for raw in [*HOSTILE, NAME, CORPUS, "[zz](javascript:x)"]:
                assert raw not in text, (page, raw, text)
        seen += shown
    everything = " ".join(seen)
    # not vacuous: the words and the name were on screen, escaped
    assert inert(HOSTILE[0]) in everything and inert(HOSTILE[1]) in everything
    assert inert("[zz](javascript:x)") in everything and inert(NAME) in everything and inert(CORPUS) in everything


def test_an_error_quoting_a_file_name_shows_the_name_as_text(app):
    """An error names the visitor's file: its characters reach the screen, not a formula or a link."""
    name = f"{NAME}**s**.txt"
    at = open_files(app, [(name, b"\x00\x01 not vectors", "text/plain")])
    errors = [e.value for e in at.error]
    assert errors and all(name not in text for text in errors), errors
    assert any(inert(name) in text for text in errors), errors
