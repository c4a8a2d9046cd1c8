"""This visitor's language: the switch in the sidebar, else ``?lang=`` in the URL, else the
browser's locale (``st.context.locale``). Each visitor has their own; the choice is set for the
script run's thread (:func:`embedlab.i18n.set_language`), never for the whole server."""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from dashboard.session import Session, session
from embedlab import i18n


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser (AppTest, a bare script run)
        return None


def apply() -> str:
    """The visitor's language for this run, set for everything this run draws. A ``?lang=`` link
    becomes the visitor's choice, so it holds on the next pages of the visit."""
    query = i18n.language_of_query(st.query_params.get_all("lang") or None)
    if query is not None and session.language_choice is None:
        session.language_choice = query
    language = i18n.choose(session.language_choice, None, _browser_locale())
    i18n.set_language(language)
    return language


def _switched() -> None:
    chosen = session.language_switch
    if chosen in i18n.LANGUAGES:
        session.language_choice = chosen
        st.query_params["lang"] = chosen  # the URL shares the page in this language


def switch(where=st.sidebar) -> None:
    """The sidebar's language switch: the page is drawn again at once in the other language,
    with the visitor's corpus, runs and page kept (they live in the session, not in the URL).

    Its label and options are the same in both languages: a widget whose label changed would
    be a new widget, and Streamlit would take the old one's value for a change."""
    if session.language_switch not in i18n.LANGUAGES:
        current = i18n.current()
        session.language_switch = current if current in i18n.LANGUAGES else i18n.ENGLISH
    where.radio(
        "Language · Ngôn ngữ",
        i18n.LANGUAGES,
        format_func=i18n.NAMES.get,
        key=Session.language_switch.key,
        on_change=_switched,
        horizontal=True,
        label_visibility="collapsed",
    )


def default_corpus() -> str:
    """The corpus a new visitor starts on: the Vietnamese toy corpus (vua − đàn_ông + phụ_nữ ≈
    hoàng_hậu) for a Vietnamese visitor, the English one otherwise."""
    return "toy-vi" if i18n.current() == "vi" else "toy"


def keyed_by_language(cached: Callable) -> Callable:
    """A cached chart function called with the visitor's language as its ``language`` argument,
    so that the cache keeps one copy per language (its titles and numbers are in it)."""

    @functools.wraps(cached)
    def call(*args, **kwargs):
        return cached(*args, language=i18n.current(), **kwargs)

    return call
