"""The frame's sidebar on every page: the current corpus, this visitor's job, the current runs."""

from __future__ import annotations

import streamlit as st

from dashboard import server
from dashboard.corpora import corpus_label, current_corpus
from dashboard.runs import current_pair, import_notes
from dashboard.session import Session, session
from dashboard.widgets import guard
from embedlab import roles
from embedlab.i18n import _, number, shown
from embedlab.markup import inert


def sidebar() -> None:
    """The current corpus and the current runs, on every page."""
    with st.container():
        st.markdown("### EmbedLab")
        st.caption(_("Watch word embeddings form, epoch by epoch."))
        corpus = None
        with guard():
            corpus = current_corpus()
            st.markdown("**{}** {}".format(_("Corpus:"), inert(corpus_label(session.corpus_source))))
            st.caption(
                _("{sentences} sentences · {tokens} tokens").format(
                    sentences=number(len(corpus.sentences), ","), tokens=number(corpus.n_tokens, ",")
                )
            )
        job = session.job
        if job is not None and not job.finished:
            # No percentage: the sidebar is drawn once a run, and the Train page's panel redraws
            # beside it every second (a frozen "0 %" next to a live "41 %" contradicts itself).
            where = _("waiting for a training slot") if server.scheduler().position(job) else _("running")
            st.caption(
                _("**Training** {label} ({where}): its progress is on the Train page.").format(
                    label=inert(shown(job.label)), where=where
                )
            )
        if session.pop(Session.upload_released):
            st.caption(_("Your upload was released while you were away; upload it again on the Corpus page."))
        _runs(corpus)


def _runs(corpus) -> None:
    """The current runs: their settings and sizes, and where they came from."""
    pair = current_pair()
    if pair is None:
        st.markdown(_("**Runs:** none yet"))
        return
    st.markdown("**{}**".format(_("Current runs:")))
    st.caption(inert(shown(pair.record.label)))
    for role, run in pair.runs().items():
        planned = run.config.get("planned_epochs")
        stopped = _(" (stopped early: {planned} planned)").format(planned=planned) if run.stopped_early else ""
        st.caption(
            _("{trainer}: V = {V}, d = {d}, {epochs} epochs").format(
                trainer=roles.name(role), V=number(len(run.vocab), ","), d=run.dim, epochs=run.epochs
            )
            + stopped
        )
    if pair.imported is not None:
        notes = import_notes(pair.imported)
        st.caption(
            _("Opened from {source}").format(source=inert(shown(pair.record.corpus)))
            + (f" · {inert(' · '.join(notes))}." if notes else ".")
        )
    elif corpus is not None and pair.record.corpus != corpus.name:
        parent = pair.first.config.get("parent")  # a fine-tuned run: trained on one corpus, then another
        if parent is not None:
            st.caption(
                _("These runs were trained on {first}, then fine-tuned on {second}.").format(
                    first=inert(parent["corpus"]["name"]), second=inert(shown(pair.record.corpus))
                )
            )
        else:
            st.caption(
                _("These runs were trained on {trained}; train on {current} from the Train page.").format(
                    trained=inert(shown(pair.record.corpus)), current=inert(corpus.name)
                )
            )
