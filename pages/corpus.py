"""Corpus: pick a built-in corpus or upload a file; preview, statistics, Zipf plot, vocabulary."""

import pandas as pd
import streamlit as st

import ui
from embedlab import charts
from embedlab.config import BUILTIN_CORPORA, Limits

ui.open_page(__file__)
state = st.session_state
st.header("Corpus")
pick, upload = st.columns([1, 2])
with upload:
    limits = Limits.from_env()
    file = st.file_uploader(
        "…or upload your own text (one sentence per line)",
        type=["txt", "gz", "zip"],
        help=f"Plain text, gzip or zip, up to {limits.max_upload_mb} MB and {limits.max_tokens:,} words: "
        f"about {limits.english_mb():.0f} MB of English text.",
    )
    st.caption(f"Up to {limits.max_tokens / 1e6:g} million words: about {limits.english_mb():.0f} MB of English text.")
    if file is not None and file.file_id != state.get("last_upload_id"):
        state.last_upload_id = file.file_id  # read each upload once, not on every rerun
        with ui.guard():
            uploaded = ui.add_upload(file.getvalue(), file.name)
            state.corpus_choice = uploaded.sha256
            st.success(f"Read {uploaded.name}: {len(uploaded.sentences):,} sentences. It is now the current corpus.")
with pick:
    sources = [*BUILTIN_CORPORA, *state.uploads]
    if state.get("corpus_choice") not in sources:
        state.corpus_choice = state.corpus_source
    labels = {source: ui.corpus_label(source) for source in sources}
    st.radio("Corpus", sources, key="corpus_choice", format_func=labels.get)
    state.corpus_source = state.corpus_choice

with ui.guard():
    corpus = ui.current_corpus()
    min_count = state.settings.min_count
    stats, frequencies = ui.corpus_overview(corpus, min_count)
    st.subheader(corpus.name)
    st.caption(corpus.description)
    cells = st.columns(len(stats))
    for cell, (name, value) in zip(cells, stats.items(), strict=True):
        cell.metric(name.replace("_", " "), f"{value:,}" if isinstance(value, int) else f"{value:.3g}")
    st.caption(f"Vocabulary statistics at min_count = {min_count} (change it on the Train page).")
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.zipf(frequencies))
        st.markdown("**First sentences**")
        preview = pd.DataFrame({"sentence": [" ".join(s) for s in corpus.sentences[:12]]})
        st.dataframe(preview, hide_index=True, height=250)
    with right:
        st.markdown("**Vocabulary** (every distinct word, most frequent first)")
        st.dataframe(frequencies, hide_index=True, height=700)
