"""The corpora a visitor works with: the built-ins (shared by every visitor), this session's
uploads, and their prepared form and statistics (shared for a built-in, this session's for an upload)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.session import session
from embedlab.config import BUILTIN_CORPORA, CorpusOptions, DashboardSettings
from embedlab.i18n import _, format_in
from embedlab.markup import inert
from embedlab.text.corpus import (
    Corpus,
    corpus_from_bytes,
    corpus_stats,
    frequency_table,
    load_corpus,
    strip_markup_upload,
)
from embedlab.text.prepared import Prepared, prepare
from embedlab.train import corpus_feedback, sizing

MAX_UPLOADS = 3  # uploaded corpora a session keeps (memory on a shared server)
CACHE_BYTES = "64MB"  # the byte bound of each st.cache_data function (server.maxCacheDataSize bounds them all)
# A cached function's spinner text is fixed when the module is imported, before any visitor's language is known.
READING_SPINNER = "Reading the corpus… · Đang đọc ngữ liệu…"
VOCABULARY_SPINNER = "Building the vocabulary… · Đang xây dựng từ vựng…"


@st.cache_resource(max_entries=len(BUILTIN_CORPORA), show_spinner=READING_SPINNER)
def builtin_corpus(name: str) -> Corpus:
    """A built-in corpus (the same for every visitor, so it may be shared)."""
    return load_corpus(name)


def corpus_of(source: str) -> Corpus:
    """A corpus by its source: one of this session's uploads (sha256) or a built-in name."""
    uploads = session.uploads
    return uploads[source] if source in uploads else builtin_corpus(source)


def current_corpus() -> Corpus:
    return corpus_of(session.corpus_source)


def corpus_label(source: str, markdown: bool = False) -> str:
    """A corpus's name to show; ``markdown``: for a widget that draws it as Markdown (a radio's
    options), the upload's file name made inert."""
    uploads = session.uploads
    if source not in uploads:
        return source
    name = uploads[source].name
    return _("{name} (uploaded)").format(name=inert(name) if markdown else name)


def sources() -> list[str]:
    """Every corpus this visitor can pick: the built-ins, then this session's uploads."""
    return [*BUILTIN_CORPORA, *session.uploads]


def add_upload(data: bytes, filename: str, segment: str = "syllables") -> Corpus:
    """Read an uploaded file into this session and make it the current corpus; ``segment`` as in
    :func:`embedlab.text.corpus.corpus_from_bytes` (a long segmentation belongs in a job: read it
    there and hand the corpus to :func:`add_corpus`).

    Raises EmbedLabError for a file that cannot be a corpus; the current corpus is unchanged then.
    """
    return add_corpus(corpus_from_bytes(data, filename, segment=segment), (data, filename))


def add_corpus(corpus: Corpus, source: tuple[bytes, str] | None = None) -> Corpus:
    """An uploaded corpus, read already, added to this session as the current corpus; ``source``
    (the file's bytes and name) is kept when the text has markup, for "strip the markup"."""
    uploads = session.uploads
    uploads.pop(corpus.sha256, None)
    uploads[corpus.sha256] = corpus
    if corpus.markup and source is not None:  # dropped with the upload (its keys start with its sha256)
        session.overviews[(corpus.sha256, "source")] = (bytes(source[0]), source[1])
    while len(uploads) > MAX_UPLOADS:
        dropped = uploads.pop(next(iter(uploads)))
        for store in (session.prepared_uploads, session.overviews):
            for key in [k for k in store if k[0] == dropped.sha256]:
                del store[key]
    session.corpus_source = corpus.sha256
    return corpus


def corpus_by_sha(sha256: str) -> Corpus | None:
    """A corpus this visitor can read, by its sha256: a built-in or one of this session's uploads."""
    uploads = session.uploads
    if sha256 in uploads:
        return uploads[sha256]
    for name in BUILTIN_CORPORA:
        if name == "wiki":
            continue  # never parsed just to look: it is the slow one, and its runs are checked by sha256
        corpus = builtin_corpus(name)
        if corpus.sha256 == sha256:
            return corpus
    return None


def _shared(corpus: Corpus) -> bool:
    """Is this a built-in corpus, whose derived data every visitor may share?"""
    return corpus.name in BUILTIN_CORPORA and session.corpus_source in BUILTIN_CORPORA


@st.cache_resource(max_entries=8, show_spinner=VOCABULARY_SPINNER)
def _builtin_prepared(name: str, sha256: str, min_count: int) -> Prepared:
    return prepare(builtin_corpus(name), CorpusOptions(source=name, min_count=min_count))


def prepared(corpus: Corpus, min_count: int) -> Prepared:
    """The split and vocabulary of a corpus: shared for a built-in, this session's for an upload."""
    if _shared(corpus):
        return _builtin_prepared(corpus.name, corpus.sha256, min_count)
    store = session.prepared_uploads
    key = (corpus.sha256, min_count)
    if key not in store:
        with st.spinner(_("Building the vocabulary…")):
            options = CorpusOptions(source=corpus.name, min_count=min_count, segment=corpus.segmentation.requested)
            store[key] = prepare(corpus, options)
    return store[key]


@st.cache_data(max_entries=2 * len(BUILTIN_CORPORA), max_size=CACHE_BYTES, show_spinner=False)
def _builtin_overview(name: str, sha256: str, min_count: int) -> tuple[dict, pd.DataFrame]:
    corpus = builtin_corpus(name)
    return corpus_stats(corpus, min_count), frequency_table(corpus)


def corpus_overview(corpus: Corpus, min_count: int) -> tuple[dict, pd.DataFrame]:
    """(statistics, frequency table) of a corpus: shared for a built-in, this session's for an
    upload (its word list is the visitor's, never kept in a cache other sessions share)."""
    if _shared(corpus):
        return _builtin_overview(corpus.name, corpus.sha256, min_count)
    store = session.overviews
    key = (corpus.sha256, min_count)
    if key not in store:
        store[key] = (corpus_stats(corpus, min_count), frequency_table(corpus))
    return store[key]


@st.cache_data(max_entries=2 * len(BUILTIN_CORPORA), max_size=CACHE_BYTES, show_spinner=False)
def _builtin_sizes(name: str, sha256: str, min_count: int) -> corpus_feedback.VocabularySizes:
    return corpus_feedback.vocabulary_sizes(builtin_corpus(name), CorpusOptions(source=name, min_count=min_count))


def vocabulary_sizes(corpus: Corpus, min_count: int) -> corpus_feedback.VocabularySizes:
    """The counts the corpus feedback rests on (``corpus_feedback.vocabulary_sizes``): shared for a
    built-in, this session's for an upload."""
    if _shared(corpus):
        return _builtin_sizes(corpus.name, corpus.sha256, min_count)
    store = session.overviews
    key = (corpus.sha256, min_count, "sizes")  # dropped with the upload (keys starting with its sha256)
    if key not in store:
        store[key] = corpus_feedback.vocabulary_sizes(corpus, CorpusOptions(source=corpus.name, min_count=min_count))
    return store[key]


def apply_fix(fix: corpus_feedback.Fix, corpus: Corpus) -> str:
    """Carry out one of the Corpus page's one-click fixes for ``corpus``; returns what was done, in
    one sentence. Raises EmbedLabError if the stripped text cannot be a corpus."""
    settings = session.settings
    if fix.action == "min_count":
        session.settings = replace(settings, min_count=int(fix.value))
        return _("min_count is now {value} for the next training.").format(value=fix.value)
    if fix.action == "epochs":
        session.settings = replace(
            settings,
            numpy=settings.numpy.replace(epochs=int(fix.value)),
            gensim=settings.gensim.replace(epochs=int(fix.value)),
        )
        return _("Both trainers will train {value} epochs.").format(value=fix.value)
    if fix.action == "strip_markup":
        source = session.overviews.get((corpus.sha256, "source"))
        if source is None:
            return _("This corpus was not uploaded with markup in this session: upload the file again to strip it.")
        data, name = strip_markup_upload(*source)
        corpus = add_upload(data, name)
        session.corpus_choice = corpus.sha256
        return format_in(
            _("Markup stripped: {name} ({tokens:,} tokens) is now the current corpus."),
            name=corpus.name,
            tokens=corpus.n_tokens,
        )
    raise ValueError(f"unknown fix {fix.action!r}")


def fit_batch_to_corpus(corpus: Corpus) -> None:
    """Once per corpus: lower the NumPy batch size so a small corpus still gets ≥ 50 steps an epoch."""
    if session.batch_fitted_for == corpus.sha256:
        return
    session.batch_fitted_for = corpus.sha256
    settings = session.settings
    positions = sizing.positions_per_epoch(prepared(corpus, settings.min_count), settings.numpy)
    batch = min(DashboardSettings().numpy.batch_size, sizing.suggested_batch_size(positions))
    session.settings = replace(settings, numpy=settings.numpy.replace(batch_size=batch))
