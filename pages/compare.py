"""Compare: do the two trainers agree on the structure of the space?"""

import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import charts, roles
from embedlab.i18n import _, number

frame.open_page(__file__)
pair = runs.require_pair()
st.header(_("gensim vs NumPy softmax"))
if pair.numpy is None or pair.gensim is None:
    st.info(
        _(
            "Compare needs both trainers' runs on one vocabulary; the current run is a single opened run. "
            "Train both on the Train page (or pick trained runs there)."
        )
        if pair.imported is not None
        else _("Compare needs both trainers' runs on one vocabulary; train them on the Train page.")
    )
    st.stop()
numpy_path, gensim_path = str(pair.numpy.path), str(pair.gensim.path)
words = tuple(widgets.chosen_words(pair.numpy))
st.caption(
    _("Same corpus, vocabulary and initial vectors; {n} words from the Heatmaps page.").format(
        n=number(len(words), ",")
    )
)
with widgets.guard():
    table = cached.agreement(numpy_path, gensim_path, words)
    widgets.chart(charts.agreement(table))
    low = table.iloc[1:]["pearson"].idxmin() if len(table) > 1 else 0
    st.caption(
        _(
            "Correlation of the pairwise cosines of the word set: 1 = the same geometry up to a rotation. "
            "At epoch 0 it is {start}: both trainers start from the very same vectors. The first updates differ "
            "(a full softmax against negative sampling, different steps), so it drops to {low} at epoch {low_epoch}; "
            "as both learn the corpus's structure it recovers to {last} at the last epoch — they agree on what they "
            "learned, not on where they started."
        ).format(
            start=number(table["pearson"].iloc[0], ".2f"),
            low=number(table["pearson"].loc[low], ".2f"),
            low_epoch=int(table["epoch"].loc[low]),
            last=number(table["pearson"].iloc[-1], ".2f"),
        )
    )

epoch_col, k_col = st.columns([3, 1])
with epoch_col:
    row = widgets.epoch_slider("cmp_epoch", pair.snapshot_epochs, label=_("Epoch"))
k = k_col.slider("k", 1, 20, 10, key="cmp_k")
with widgets.guard():
    overlap = cached.overlap(numpy_path, gensim_path, words, k, row)
    title = _("shared top-{k} neighbours at epoch {epoch}").format(k=k, epoch=pair.snapshot_epochs[row])
    widgets.chart(charts.overlap_bars(overlap, title=title))

widgets.chart(specs.losses(tuple((roles.name(t), str(r.path)) for t, r in pair.runs().items())))
st.caption(_("Each trainer's own objective (full softmax vs negative sampling), so each has its own axis."))
