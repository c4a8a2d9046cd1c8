"""Corpus: pick a built-in corpus or upload a file; preview, statistics, Zipf plot, vocabulary.
Open embeddings: a run bundle, word2vec checkpoints or a .npy stack trained elsewhere."""

import pandas as pd
import streamlit as st

from dashboard import corpora, frame, job_panel, runs, widgets
from dashboard.session import Session, session
from embedlab import charts, importer
from embedlab.config import SEGMENT_CHOICES, ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, _, number, shown
from embedlab.markup import inert
from embedlab.text.corpus import Corpus, corpus_from_bytes, segmentation_plan
from embedlab.text.lookup import display_word
from embedlab.text.prepared import nothing_held_out
from embedlab.text.uploads import file_label
from embedlab.train import corpus_feedback

SEGMENT_LABELS = {"auto": N_("automatic"), "words": N_("words"), "syllables": N_("syllables as written")}
STAT_LABELS = {
    "sentences": N_("sentences"),
    "tokens": N_("tokens"),
    "types": N_("types"),
    "vocab_after_min_count": N_("vocab after min count"),
    "mean_sentence_length": N_("mean sentence length"),
    "hapax": N_("hapax"),
}
ALIGN_CHOICES = {"automatic": N_("automatic"), "on": N_("on"), "off": N_("off")}
FIRST_EPOCH_CHOICES = {
    "by file name": N_("by file name"),
    "the first file": N_("the first file"),
    "none": N_("none: epoch 0 repeats epoch 1"),
}


def describe_words(corpus: Corpus) -> None:
    """What the corpus's words are (segmented or not, and why), and what a repair changed; the
    visitor's own words and lines go on screen as plain text."""
    repair, segmentation = corpus.repair, corpus.segmentation
    if repair.repaired:
        st.info(
            _("This file was double-encoded: {summary}. One line before and after:").format(
                summary=corpus_feedback.describe_repair(repair)
            )
        )
        st.text(
            _("before: {before}").format(before=repair.before) + "\n" + _("after:  {after}").format(after=repair.after)
        )
    language = _("Vietnamese") if segmentation.language == "Vietnamese" else _("not Vietnamese")
    share = number(segmentation.vietnamese_share, ".0%")
    st.caption(
        _("Detected: {language} ({share} of syllables carry a Vietnamese-only letter).").format(
            language=language, share=share
        )
    )
    st.text(_("Words: {reason}.").format(reason=corpus_feedback.describe_segmentation(segmentation)))
    if segmentation.multi_syllable_words:
        examples = ", ".join(display_word(w) for w in segmentation.examples)
        st.text(
            _("{count} words of several syllables, e.g. {examples}").format(
                count=number(segmentation.multi_syllable_words, ","), examples=examples
            )
        )


frame.open_page(__file__)
limits = Limits.from_env()


def fix_corpus(fix, corpus) -> None:
    """A feedback button's fix, run before the page is drawn again (so the corpus radio can follow)."""
    try:
        session.corpus_fix_done = corpora.apply_fix(fix, corpus)
    except EmbedLabError as error:
        session.corpus_fix_done = str(error).splitlines()[0]


st.header(_("Corpus"))
corpus_tab, open_tab = st.tabs([_("Text corpus"), _("Open embeddings")])

with corpus_tab:
    pick, upload = st.columns([1, 2])
    with upload:
        file = st.file_uploader(
            _("…or upload your own text (one sentence per line)"),
            type=["txt", "md", "gz", "zip"],
            help=_(
                "Plain text, gzip or zip, up to {mb} MB and {words} words: about {english} MB of English text."
            ).format(
                mb=number(limits.max_upload_mb),
                words=number(limits.max_tokens, ","),
                english=number(limits.english_mb(), ".0f"),
            ),
        )
        st.caption(
            _("Up to {millions} million words: about {english} MB of English text.").format(
                millions=number(limits.max_tokens / 1e6, "g"), english=number(limits.english_mb(), ".0f")
            )
        )
        if file is not None and file.file_id != session.last_upload_id:
            session.last_upload_id = file.file_id  # read each upload once, not on every rerun
            with widgets.guard():
                data, name, segment = file.getvalue(), file.name, session.upload_segment
                plan = segmentation_plan(data, name, segment, limits)
                if plan.refusal is not None:
                    st.error(inert(plan.refusal))  # it quotes the file's name in a command
                    uploaded = None
                elif plan.syllables:  # minutes of work: a job with progress and Cancel, never this script's thread
                    uploaded = job_panel.run_as_job(
                        _("segmenting {file} into words").format(file=file_label(name)),
                        lambda hooks: corpus_from_bytes(data, name, limits=limits, segment=segment, hooks=hooks),
                    )
                    if uploaded is None:
                        st.info(_("Segmenting was stopped; upload the file again, or choose syllables first."))
                    else:
                        corpora.add_corpus(uploaded, (data, name))
                else:
                    uploaded = corpora.add_upload(data, name, segment=segment)
                if uploaded is not None:
                    session.corpus_choice = uploaded.sha256
                    st.success(
                        _("Read {name}: {sentences} sentences. It is now the current corpus.").format(
                            name=inert(uploaded.name), sentences=number(len(uploaded.sentences), ",")
                        )
                    )
    with pick:
        sources = corpora.sources()
        if session.corpus_choice not in sources:
            session.corpus_choice = session.corpus_source
        labels = {source: corpora.corpus_label(source, markdown=True) for source in sources}
        st.radio(_("Corpus"), sources, key=Session.corpus_choice.key, format_func=labels.get)
        session.corpus_source = session.corpus_choice
        st.radio(
            _("Vietnamese uploads"),
            SEGMENT_CHOICES,
            key=Session.upload_segment.key,
            format_func=widgets.option_labels(SEGMENT_LABELS),
            horizontal=True,
            help=_(
                "Vietnamese writes a word as syllables separated by spaces (học sinh). Words: each word becomes one "
                "token (học_sinh), by underthesea's segmenter; syllables: as written; automatic: words when the text is "
                "Vietnamese and not segmented with _ already. Applies to the next upload."
            ),
        )

    with widgets.guard():
        corpus = corpora.current_corpus()
        min_count = session.settings.min_count
        stats, frequencies = corpora.corpus_overview(corpus, min_count)
        st.subheader(inert(corpus.name))
        st.caption(inert(shown(corpus.description)))
        describe_words(corpus)
        with st.container(horizontal=True, gap="large"):  # whole labels and numbers, wrapping when narrow
            for name, value in stats.items():
                figure = number(value, ",") if isinstance(value, int) else number(value, ".3g")
                st.metric(
                    _(STAT_LABELS[name]) if name in STAT_LABELS else name.replace("_", " "), figure, width="content"
                )
        st.caption(
            _("Vocabulary statistics at min_count = {min_count} (change it on the Train page).").format(
                min_count=min_count
            )
        )
        sizes = corpora.vocabulary_sizes(corpus, min_count)
        st.caption(inert(corpus_feedback.explain_vocabulary(sizes)))
        done = session.pop(Session.corpus_fix_done)
        if done:
            st.success(inert(done))
        for item in corpus_feedback.corpus_feedback(corpus, sizes, session.settings.numpy, limits):
            with st.container(border=True, key=f"feedback_{item.kind}"):
                st.warning(inert(item.message), icon=":material/info:")
                if item.fix is not None:
                    st.button(item.fix.label, key=f"fix_{item.kind}", on_click=fix_corpus, args=(item.fix, corpus))
        if sizes.heldout_sentences == 0 and sizes.heldout_fraction > 0:  # the Lecture points here
            note = nothing_held_out(corpus.name)  # from the counts: the vocabulary is not built on this page
            st.warning(inert(note[0].upper() + note[1:]), icon=":material/info:")
        left, right = st.columns(2)
        with left:
            widgets.chart(charts.zipf(frequencies))
            st.markdown(_("**First sentences**"))
            preview = pd.DataFrame({_("sentence"): [" ".join(s) for s in corpus.sentences[:12]]})
            st.dataframe(preview, hide_index=True, height=250)
        with right:
            st.markdown(_("**Vocabulary** (every distinct word, most frequent first)"))
            columns = {"word": _("word"), "count": _("count"), "rank": _("rank")}
            st.dataframe(frequencies.rename(columns=columns), hide_index=True, height=700)

with open_tab:
    st.markdown(
        _(
            "Explore vectors trained elsewhere on every page: an **EmbedLab run bundle** (.zip from the Export page or "
            "`python -m embedlab export RUN --format bundle`), **word2vec checkpoints** saved after each epoch "
            "(text or binary, several files or one .zip; natural name order gives epochs 1, 2, …, and a first file "
            "numbered 0 is epoch 0), or a **.npy stack** (epochs+1, V, d) with its vocabulary file. The run is kept "
            "in your session only. Pickles (gensim `.model` files) are refused: save with `save_word2vec_format`."
        )
    )
    with st.form("open_form", clear_on_submit=False):
        files = st.file_uploader(
            _("Files to open"),
            accept_multiple_files=True,
            help=_("Up to {mb} MB a file; at most {values} numbers in all (snapshots × words × dimensions).").format(
                mb=number(limits.max_upload_mb), values=number(limits.max_import_values, ",")
            ),
            key="open_files",
        )
        align_col, epoch_col, words_col = st.columns(3)
        align = align_col.selectbox(
            _("Procrustes alignment to the last snapshot"),
            list(ALIGN_CHOICES),
            format_func=widgets.option_labels(ALIGN_CHOICES),
            help=_(
                "Rotates every snapshot onto the last one: cosines within an epoch do not change, movement between "
                "epochs becomes meaningful. Automatic: on for checkpoints (separate files may be separate trainings), "
                "off for EmbedLab bundles."
            ),
        )
        first = epoch_col.selectbox(
            _("Epoch 0"),
            list(FIRST_EPOCH_CHOICES),
            format_func=widgets.option_labels(FIRST_EPOCH_CHOICES),
            help=_("By file name: a first file numbered 0 (epoch0.txt) holds the initial vectors."),
        )
        max_words = words_col.number_input(
            _("Read the first N words of each file (0 = all)"),
            min_value=0,
            value=0,
            step=1000,
            help=_("word2vec files list the most frequent words first."),
        )
        submitted = st.form_submit_button(_("Open"), type="primary")
    if submitted:
        if not files:
            st.info(_("Choose the files to open first."))
        else:
            options = ImportOptions(
                align={"automatic": None, "on": True, "off": False}[align],
                first_epoch={"by file name": None, "the first file": 0}.get(first, 1),
                max_words=int(max_words) or None,
            )
            bar = st.progress(0.0, text=_("reading…"))
            with widgets.guard():
                record = runs.open_embeddings(
                    [(f.name, f.getvalue()) for f in files],
                    options,
                    progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=inert(shown(text))),
                )
                st.success(
                    _("Opened {name}. Every page now shows it (switch back on the Train page).").format(
                        name=inert(shown(record.corpus))
                    )
                )
            bar.empty()
    pair = runs.current_pair()
    if pair is not None and pair.imported is not None:
        run = pair.imported
        st.markdown(_("**Current run: {label}**").format(label=inert(shown(pair.record.label))))
        for line in importer.describe(run):
            st.caption(inert(line))
        table = importer.snapshot_table(run)
        if table is not None:
            table = table.rename(columns={"epoch": _("epoch"), "file": _("file")})
            st.dataframe(table, hide_index=True, height=min(38 + 35 * len(table), 300))
