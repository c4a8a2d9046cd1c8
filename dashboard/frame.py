"""The frame around every page: a new session's defaults, and a page opened before app.py ran."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import server
from dashboard.language import apply as apply_language
from dashboard.language import default_corpus
from dashboard.session import Session, session
from dashboard.train_job import collect_job
from embedlab.config import BUILTIN_CORPORA, DashboardSettings

ROOT = Path(__file__).resolve().parent.parent  # the app's folder: app.py and pages/


def init_session() -> None:
    """Give a new session its defaults (the toy corpus, the dashboard's training settings), bind
    its large data to its containers in ``server.visitors()``, and collect a job that has finished."""
    visitor = server.visitor_id()
    for entry in server.BIG_CONTAINERS:
        container = server.visitors().container(visitor, entry.key)
        if session.get(entry) is not container:
            session.set(entry, container)
    first_corpus = default_corpus()
    if session.corpus_source not in BUILTIN_CORPORA and session.corpus_source not in session.uploads:
        session.corpus_source = first_corpus  # the upload was released while the visitor was away
        session.upload_released = True
    session.setdefault(Session.corpus_source, first_corpus)
    session.setdefault(Session.settings, DashboardSettings())
    session.setdefault(Session.runs, [])
    session.setdefault(Session.current_run, 0)
    session.setdefault(Session.chosen_words, {})
    collect_job()


def open_page(page_file: str) -> None:
    """First line of every page (``frame.open_page(__file__)``): run the page inside app.py's frame.

    A server's very first request for a page URL (e.g. a bookmarked /heatmaps) is answered by
    Streamlit's legacy ``pages/`` mode, which runs the page file alone, before app.py has
    called ``st.navigation``; such a visitor goes through app.py, which then opens this page.
    """
    apply_language()  # app.py did, but AppTest reruns a page without its frame
    if not session.framed:
        session.wanted_page = Path(page_file).resolve().relative_to(ROOT).as_posix()
        st.switch_page("app.py")


def wanted_page() -> str | None:
    """The page a visitor asked for before app.py first ran (see :func:`open_page`), once."""
    return session.pop(Session.wanted_page)


def is_set_up() -> bool:
    """Has this session been given its defaults (a fresh server's Lecture sets it up itself)?"""
    return session.has(Session.runs)
