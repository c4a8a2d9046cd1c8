"""Fine-tune: continue the current runs on a second corpus and watch which words move (lecture note §8)."""

import streamlit as st

from dashboard import cached, corpora, finetuning, frame, runs, widgets
from embedlab import charts, roles
from embedlab.config import Limits
from embedlab.experiments import finetune_notes
from embedlab.experiments.finetune import EPOCHS, LR_FACTOR
from embedlab.i18n import N_, _, listing, shown
from embedlab.markup import inert
from embedlab.text.builtin_corpora import TOY_FILES, shifted_words

BANDS = {"rare in B": N_("rare in B"), "middle": N_("middle"), "frequent in B": N_("frequent in B")}  # top_movers'


def movers_columns() -> dict[str, str]:
    """The movers table's headers in the visitor's language (finetune.top_movers' columns)."""
    return {
        "word": _("word"),
        "band": _("frequency band"),
        "count_b": _("count in the second corpus"),
        "drift": _("drift"),
        "drift_raw": _("drift without the rotation"),
        "rank": _("rank"),
    }


frame.open_page(__file__)
pair = runs.require_pair()
# the second domain of the runs' own toy corpus (toy-vi's is toy-vi-shift), else the English one
shift = f"{pair.record.corpus}-shift" if f"{pair.record.corpus}-shift" in TOY_FILES else "toy-shift"
st.header(_("Fine-tune on a second corpus"))
st.caption(
    _(
        "The lecture note's §8: embeddings are fine-tuned per domain. Training continues from the current runs' last snapshot on "
        "a new corpus, with the same trainer and settings; words the new corpus uses differently should move, the "
        "rest stay, and what was learned from the first corpus is partly forgotten. The built-in **{shift}** corpus "
        "is {first} in which four planted words change company ({words}): the ground truth."
    ).format(shift=shift, first=shift.removesuffix("-shift"), words=listing(shifted_words(shift)))
)

if any("train_options" not in run.config or not run.has_outputs for run in pair.runs().values()):
    st.info(
        _(
            "Fine-tuning continues a training, so it needs a run trained by EmbedLab, with its settings and output "
            "vectors; the current run was opened from files without them. Pick or train runs on the Train page."
        )
    )
    st.stop()
switch = pair.first.config.get("switch_epoch")
if switch is None:
    limits = Limits.from_env()
    sources = [s for s in corpora.sources() if s != pair.record.corpus]
    with st.form("finetune_form"):
        corpus_col, epochs_col, lr_col = st.columns([2, 1, 1])
        source = corpus_col.selectbox(
            _("second corpus"),
            sources,
            index=sources.index(shift) if shift in sources else 0,
            format_func=corpora.corpus_label,
        )
        epochs = epochs_col.number_input(_("fine-tuning epochs"), 1, limits.max_epochs, EPOCHS)
        lr_factor = lr_col.number_input(
            _("learning rate × the parent's"),
            0.01,
            2.0,
            LR_FACTOR,
            0.05,
            help=_(
                "Fine-tuning usually starts lower than training did: at the full rate the restart shakes every word."
            ),
        )
        go = st.form_submit_button(_("Fine-tune both trainers"), type="primary")
    if go:
        with widgets.guard():  # a job in a training slot: queue place, progress and Cancel while it runs
            corpus = corpora.corpus_of(source)
            if finetuning.finetune_current(corpus, int(epochs), float(lr_factor)) is not None:
                st.rerun()
    st.info(_("The current runs have not been fine-tuned yet: pick a second corpus and press the button."))
    st.stop()

st.success(
    _(
        "Current runs: {label}. Epochs 0–{switch} trained on {first}, epochs {next}–{last} on {second}. "
        "Every page now shows these longer runs."
    ).format(
        label=inert(shown(pair.record.label)),
        switch=switch,
        first=inert(pair.first.config["corpora"][0]["name"]),
        next=switch + 1,
        last=pair.epochs,
        second=inert(shown(pair.record.corpus)),
    )
)
focus = pair.first.config.get("focus_words") or []
for column, (role, run) in zip(st.columns(len(pair.runs())), pair.runs().items(), strict=True):
    with column, widgets.guard():
        st.markdown(f"**{roles.name(role)}**")
        widgets.chart(charts.forgetting(run.metrics, switch, title=_("forgetting: held-out loss on each corpus")))
        note = finetune_notes.forgetting_note(
            run.metrics, switch, pair.first.config["corpora"][0]["name"], pair.record.corpus, focus
        )
        st.caption(inert(note))  # written from this run: the corpus names are the visitor's
        movers = cached.top_movers(str(run.path))
        words = list(dict.fromkeys([*focus, *movers["word"].head(6)]))
        drift = cached.drift(str(run.path))
        widgets.chart(charts.drift_lines(drift[drift["word"].isin(words)], focus, title=_("words that moved most")))
        shown = movers.assign(band=movers["band"].map(lambda band: _(BANDS.get(band, band))))
        st.dataframe(shown.rename(columns=movers_columns()), hide_index=True, height=300)
st.caption(
    _(
        "Drift = 1 − cos(v_w(t) R_t, v_w(switch)), after R_t, the orthogonal Procrustes rotation of epoch t's "
        "vectors onto the switch epoch's: fine-tuning turns the whole space a little, and a turn is not any one "
        "word's movement; without it (“{raw}” in the table) every word's drift reads higher. Words new in the "
        "second corpus are left out: they had no vector to drift from."
    ).format(raw=movers_columns()["drift_raw"])
)
