"""The frame's sidebar on every page: the current corpus, this visitor's job, the current runs."""

from __future__ import annotations

import streamlit as st

from dashboard import server
from dashboard.corpora import corpus_label, current_corpus
from dashboard.runs import current_pair, import_notes
from dashboard.session import Session, session
from dashboard.widgets import guard
from embedlab import roles


def sidebar() -> None:
    """The current corpus and the current runs, on every page."""
    with st.container():
        st.markdown("### EmbedLab")
        st.caption("Watch word embeddings form, epoch by epoch.")
        corpus = None
        with guard():
            corpus = current_corpus()
            st.markdown(f"**Corpus:** {corpus_label(session.corpus_source)}")
            st.caption(f"{len(corpus.sentences):,} sentences · {corpus.n_tokens:,} tokens")
        job = session.job
        if job is not None and not job.finished:
            # No percentage: the sidebar is drawn once a run, and the Train page's panel redraws
            # beside it every second (a frozen "0 %" next to a live "41 %" contradicts itself).
            where = "waiting for a training slot" if server.scheduler().position(job) else "running"
            st.caption(f"**Training** {job.label} ({where}): its progress is on the Train page.")
        if session.pop(Session.upload_released):
            st.caption("Your upload was released while you were away; upload it again on the Corpus page.")
        pair = current_pair()
        if pair is None:
            st.markdown("**Runs:** none yet")
            return
        st.markdown("**Current runs:**")
        st.caption(pair.record.label)
        for role, run in pair.runs().items():
            stopped = f" (stopped early: {run.config.get('planned_epochs')} planned)" if run.stopped_early else ""
            st.caption(f"{roles.name(role)}: V = {len(run.vocab):,}, d = {run.dim}, {run.epochs} epochs{stopped}")
        if pair.imported is not None:
            notes = import_notes(pair.imported)
            st.caption(f"Opened from {pair.record.corpus}" + (f" · {' · '.join(notes)}." if notes else "."))
        elif corpus is not None and pair.record.corpus != corpus.name:
            parent = pair.first.config.get("parent")  # a fine-tuned run: trained on one corpus, then another
            if parent is not None:
                st.caption(
                    f"These runs were trained on {parent['corpus']['name']}, then fine-tuned on {pair.record.corpus}."
                )
            else:
                st.caption(
                    f"These runs were trained on {pair.record.corpus}; train on {corpus.name} from the Train page."
                )
