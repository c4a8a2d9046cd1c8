"""This visitor's session: every key the dashboard keeps in ``st.session_state``, named once, typed.

The only module that touches ``st.session_state``. Pages and the other dashboard modules read and
write the session through :data:`session` (``session.settings``, ``session.runs = …``); a widget
that keeps its value under a key of the session names it with ``Session.<entry>.key``.

What lives here belongs to this visitor only (isolation on a shared server): the uploaded corpora
and their prepared form (in containers the janitor empties once the visitor has gone, see
``dashboard.server``), the current corpus, the training settings, this session's runs and its job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import streamlit as st

if TYPE_CHECKING:
    from embedlab.config import DashboardSettings
    from embedlab.server.jobs import Job

T = TypeVar("T")
_MISSING = object()


class Entry(Generic[T]):
    """One key of the session: reading it before it was set gives its default (None if none)."""

    def __init__(self, default: Callable[[], T] | None = None) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name  # the attribute's name is the session key

    def __get__(self, obj: Any, owner: type) -> T:
        if obj is None:
            return self  # type: ignore[return-value]  # Session.<entry>.key names the key for a widget
        value = st.session_state.get(self.key, _MISSING)
        if value is _MISSING:
            return None if self.default is None else self.default()  # type: ignore[return-value]
        return value

    def __set__(self, obj: Any, value: T) -> None:
        st.session_state[self.key] = value


@dataclass(frozen=True)
class JobContext:
    """What the Train page needs to know about this visitor's job beside the job itself: what was
    trained (corpus name, settings), the live heatmap's words, and once collected, its outcome."""

    corpus_name: str
    settings: DashboardSettings
    view: tuple  # (vocabulary, words, word → group or None) of the live heatmap
    outcome: tuple[str, str] | None = None  # (kind, message) once the job's runs were collected


class Session:
    """The keys of one visitor's session. Defaults are set by ``dashboard.frame.init_session``."""

    # the page frame
    framed: Entry[bool] = Entry(bool)  # app.py ran in this session (see dashboard.frame.open_page)
    wanted_page: Entry[str | None] = Entry()  # a page asked for before app.py first ran
    visitor_id: Entry[str | None] = Entry()  # this session's own id (Streamlit's is shared by AppTests)
    language_choice: Entry[str | None] = Entry()  # the chosen language (the switch, or a ?lang= link)
    language_switch: Entry[str | None] = Entry()  # the sidebar's language switch (its widget key)
    # corpora: large, per visitor, in the janitor's containers (dashboard.server.BIG_CONTAINERS)
    uploads: Entry[dict] = Entry(dict)  # sha256 → Corpus
    prepared_uploads: Entry[dict] = Entry(dict)  # (sha256, min_count) → Prepared
    overviews: Entry[dict] = Entry(dict)  # (sha256, min_count) → (statistics, frequency table)
    corpus_source: Entry[str] = Entry(lambda: "toy")  # a built-in name, or the sha256 of an upload
    upload_released: Entry[bool] = Entry(bool)  # the upload was released while the visitor was away
    last_upload_id: Entry[str | None] = Entry()  # the upload read last (read once, not on every rerun)
    corpus_choice: Entry[str | None] = Entry()  # the Corpus page's radio
    upload_segment: Entry[str] = Entry(lambda: "auto")  # the Corpus page's word segmentation of uploads
    corpus_fix_done: Entry[str | None] = Entry()  # what the Corpus page's last one-click fix did
    # training
    settings: Entry[DashboardSettings] = Entry()
    batch_fitted_for: Entry[str | None] = Entry()  # the corpus the NumPy batch size was last fitted to
    runs: Entry[list] = Entry(list)  # RunRecord, this session only
    current_run: Entry[int] = Entry(int)  # index into runs
    chosen_words: Entry[dict] = Entry(dict)  # run id → words picked on the pages
    job: Entry[Job | None] = Entry()  # this visitor's training job on the Train page
    job_context: Entry[JobContext | None] = Entry()
    job_follow: Entry[bool] = Entry(lambda: True)  # False: the Train page draws its panel once (AppTest)
    # the Bias–variance page
    bv_sweep: Entry[dict | None] = Entry()  # the last sweep: key, table, label, options
    bv_stability: Entry[dict | None] = Entry()  # the last stability comparison: key, table, label
    bv_cancel: Entry[bool] = Entry(bool)  # the last sweep or comparison was cancelled

    def get(self, entry: Entry[T]) -> T:
        return entry.__get__(self, Session)

    def set(self, entry: Entry[T], value: T) -> None:
        entry.__set__(self, value)

    def has(self, entry: Entry) -> bool:
        """Was this entry set in this session?"""
        return entry.key in st.session_state

    def pop(self, entry: Entry[T]) -> T:
        """The entry's value (its default if unset), removed from the session."""
        value = st.session_state.pop(entry.key, _MISSING)
        if value is _MISSING:
            return None if entry.default is None else entry.default()  # type: ignore[return-value]
        return value

    def setdefault(self, entry: Entry[T], value: T) -> T:
        return st.session_state.setdefault(entry.key, value)

    # Widgets with a key keep their value in the session under that key (named where the widget is).
    def widget(self, key: str, default: Any = None) -> Any:
        """The value a keyed widget holds (``default`` before it was drawn)."""
        return st.session_state.get(key, default)

    def set_widget(self, key: str, value: Any) -> None:
        """Set a keyed widget's value before it is drawn."""
        st.session_state[key] = value

    def ping(self) -> None:
        """Read the session: where Streamlit ends a waiting script for a rerun or a stop (its
        yield callback), without sending the browser anything."""
        st.session_state.get(Session.job.key)


session = Session()
