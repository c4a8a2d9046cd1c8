"""Compare: do the two trainers agree on the structure of the space?"""

import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import charts, roles

frame.open_page(__file__)
pair = runs.require_pair()
st.header("gensim vs NumPy softmax")
if pair.numpy is None or pair.gensim is None:
    st.info(
        "Compare needs both trainers' runs on one vocabulary; the current run is a single opened run. "
        "Train both on the Train page (or pick trained runs there)."
        if pair.imported is not None
        else "Compare needs both trainers' runs on one vocabulary; train them on the Train page."
    )
    st.stop()
numpy_path, gensim_path = str(pair.numpy.path), str(pair.gensim.path)
words = tuple(widgets.chosen_words(pair.numpy))
st.caption(f"Same corpus, vocabulary and initial vectors; {len(words)} words from the Heatmaps page.")
with widgets.guard():
    table = cached.agreement(numpy_path, gensim_path, words)
    widgets.chart(charts.agreement(table))
    low = table.iloc[1:]["pearson"].idxmin() if len(table) > 1 else 0
    st.caption(
        "Correlation of the pairwise cosines of the word set: 1 = the same geometry up to a rotation. "
        f"At epoch 0 it is {table['pearson'].iloc[0]:.2f}: both trainers start from the very same vectors. The "
        f"first updates differ (a full softmax against negative sampling, different steps), so it drops to "
        f"{table['pearson'].loc[low]:.2f} at epoch {int(table['epoch'].loc[low])}; as both learn the corpus's "
        f"structure it recovers to {table['pearson'].iloc[-1]:.2f} at the last epoch — they agree on what they "
        "learned, not on where they started."
    )

epoch_col, k_col = st.columns([3, 1])
epoch = epoch_col.slider("Epoch", 0, pair.epochs, pair.epochs, key="cmp_epoch")
k = k_col.slider("k", 1, 20, 10, key="cmp_k")
with widgets.guard():
    overlap = cached.overlap(numpy_path, gensim_path, words, k, epoch)
    widgets.chart(charts.overlap_bars(overlap, title=f"shared top-{k} neighbours at epoch {epoch}"))

widgets.chart(specs.losses(tuple((roles.name(t), str(r.path)) for t, r in pair.runs().items())))
st.caption("Each trainer's own objective (full softmax vs negative sampling), so each has its own axis.")
