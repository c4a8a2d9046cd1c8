"""Widgets the pages share: a chart drawn from its spec, the error guard, the word picker and the
epoch slider."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import altair as alt
import streamlit as st

from dashboard import vega
from dashboard.cached import default_words, word_index
from dashboard.session import session
from embedlab import i18n
from embedlab.errors import EmbedLabError
from embedlab.i18n import _
from embedlab.markup import inert
from embedlab.store import Run
from embedlab.text.lookup import display_word


def chart(figure: alt.TopLevelMixin | dict, **kwargs) -> None:
    """Draw an Altair chart, or its Vega-Lite spec (built once and cached), with st.altair_chart's
    layout arguments and without re-validating the spec."""
    st.vega_lite_chart(vega.spec(figure), **kwargs)


def chart_grid(figures: list, columns: int = 2) -> None:
    """Charts (or their specs) ``columns`` a row, each as wide as its column: a grid that fills
    the page at any width, which one concatenated chart cannot (its panels keep fixed widths)."""
    for start in range(0, len(figures), columns):
        for column, figure in zip(st.columns(columns), figures[start : start + columns], strict=False):
            with column:
                chart(figure, width="stretch")


def option_labels(labels: dict, visitor_text: bool = False) -> Callable[[object], str]:
    """A widget's ``format_func``: each option's label (marked with ``N_``, or ``i18n.Deferred``)
    in the visitor's language, fixed now, since Streamlit may call it from another thread (AppTest does).
    ``visitor_text``: the labels hold a visitor's words or file names and the widget draws its options
    as Markdown (``st.radio``, ``st.pills``, ``st.segmented_control``): they are made inert."""
    language = i18n.current()

    def label(option) -> str:
        text = labels[option]
        text = i18n.shown(text, language) if isinstance(text, i18n.Deferred) else i18n.gettext(text, language)
        return inert(text) if visitor_text else text

    return label


@contextmanager
def guard() -> Iterator[None]:
    """Show an EmbedLabError as ``st.error`` and carry on with the rest of the page. As text: an
    error quotes what a visitor gave (a file name, a word), which must not act as Markdown."""
    try:
        yield
    except EmbedLabError as error:
        st.error(inert(str(error).splitlines()[0]))


def chosen_words(run: Run) -> list[str]:
    """The words picked on the Heatmaps page for this run, or the default set."""
    return session.chosen_words.get(run.run_id) or default_words(str(run.path))


def word_picker(run: Run, label: str | None = None, max_selections: int = 60) -> list[str]:
    """A multiselect of words shared by the pages (kept per run while the visitor moves around).
    A word typed and entered is looked up as a person types it (``lookup.WordIndex``): with or
    without diacritics, syllables apart or joined, so "hoc sinh" adds học_sinh."""
    chosen = session.chosen_words
    key = f"_words_{run.run_id}"
    if session.widget(key) is None:  # the widget's state is dropped when another page is shown
        session.set_widget(key, chosen.get(run.run_id) or default_words(str(run.path))[:max_selections])
    # "học_sinh" shown and searched as "học sinh": typing the space finds it
    words = st.multiselect(
        label or _("words"),
        run.vocab.words,
        key=key,
        max_selections=max_selections,
        format_func=display_word,
        accept_new_options=True,
        on_change=_resolve_typed,
        args=(key, str(run.path)),
        help=_("Type a word and press Enter, with or without its diacritics: “hoc sinh” finds học sinh."),
    )
    for text, candidates in session.widget(f"{key}_unfound") or []:
        if candidates:
            message = _("No single word for “{text}”: did you mean {candidates}?").format(
                text=inert(text), candidates=", ".join(inert(display_word(w)) for w in candidates)
            )
        else:
            message = _("“{text}” is not in this run's vocabulary.").format(text=inert(text))
        st.caption(message)
    words = [w for w in words if w in run.vocab.index]
    chosen[run.run_id] = words
    session.chosen_words = chosen
    return words


def _resolve_typed(key: str, path: str) -> None:
    """The picker's words as the vocabulary's own (typed text looked up), and what found none."""
    index = word_index(path)
    found, unfound = index.resolve(session.widget(key) or [])
    session.set_widget(key, found)
    session.set_widget(f"{key}_unfound", [(text, index.candidates(text, 5)) for text in unfound])


def epoch_slider(key: str, epochs: Sequence[int], playing: bool = False, label: str | None = None) -> int:
    """The epoch slider of a page over the run's ``snapshot_epochs``: starts at the last, and each run of
    a playing fragment moves it one snapshot on (wrapping round to 0). Returns the snapshot's row in
    the arrays, which is its epoch unless the run kept every k-th (the slider then steps through
    the epochs it kept, 0, k, 2k, …)."""
    epochs = list(epochs)
    value = session.widget(key)
    if value not in epochs:
        session.set_widget(key, epochs[-1])
    elif playing:
        session.set_widget(key, epochs[(epochs.index(value) + 1) % len(epochs)])
    label = label or _("Epoch (0 = the random initial vectors)")
    if epochs == list(range(len(epochs))):
        return st.slider(label, 0, len(epochs) - 1, key=key)
    return epochs.index(st.select_slider(label, options=epochs, key=key))
