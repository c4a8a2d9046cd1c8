"""Neighbours: top-k neighbours of a word at every epoch, their turnover, and analogies."""

import streamlit as st

import ui
from embedlab import charts

ui.open_page(__file__)
pair = ui.require_pair()
vocab = pair.first.vocab
suggested = [w for w in ("king", "queen", "man", "woman") if w in vocab.index] or ui.chosen_words(pair.first)
st.header("Nearest neighbours over epochs")
query_col, k_col = st.columns([3, 1])
word = query_col.text_input("Query word", value=suggested[0]).strip()
k = k_col.slider("k", 1, 20, 10)
if word not in vocab.index:
    st.warning(
        f"“{word}” is not in the vocabulary ({len(vocab):,} words that occur at least min_count times). "
        f"Try one of: {', '.join(ui.chosen_words(pair.first)[:12])}."
    )
else:
    for trainer, run in pair.runs().items():
        with ui.guard():
            st.markdown(f"**{ui.ROLE_NAMES[trainer]}** — neighbours of “{word}” (cosine)")
            st.dataframe(ui.neighbours_wide(str(run.path), word, k))

words = tuple(ui.chosen_words(pair.first))
with ui.guard():
    frames = {trainer: ui.turnover(str(run.path), words, k) for trainer, run in pair.runs().items()}
    st.altair_chart(charts.turnover(ui.with_trainer(frames)))
    st.caption(f"Mean Jaccard@{k} over the {len(words)} words of the Heatmaps page.")

st.subheader("Analogies: a − b + c")
defaults = ["king", "man", "woman"] if {"king", "man", "woman"} <= vocab.index.keys() else [*suggested, "", "", ""]
cells = st.columns(3)
a, b, c = (
    cell.text_input(name, value=value).strip() for cell, name, value in zip(cells, "abc", defaults[:3], strict=True)
)
for trainer, run in pair.runs().items():
    with ui.guard():
        st.markdown(f"**{ui.ROLE_NAMES[trainer]}** — {a} − {b} + {c} ≈ ? (3CosAdd, cosine)")
        st.dataframe(ui.analogies_wide(str(run.path), a, b, c))
