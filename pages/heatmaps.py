"""Heatmaps: cosine similarity of a word set at any epoch, both trainers side by side."""

import streamlit as st

import ui
from embedlab import charts

ui.open_page(__file__)
pair = ui.require_pair()
st.header("Cosine heatmaps")
words = ui.word_picker(pair.first, "Words in the heatmap")
view_col, play_col = st.columns([3, 1])
view = view_col.segmented_control("Show", ["cosine", "change since epoch 0"], default="cosine", key="hm_view")
playing = play_col.toggle("▶ Play the epochs", key="hm_play")
change = view == "change since epoch 0"


@st.fragment(run_every=0.9 if playing else None)
def heatmaps() -> None:
    label = "Epoch" if pair.imported is not None else "Epoch (0 = the random initial vectors)"
    epoch = ui.epoch_slider("hm_epoch", pair.epochs, playing, label)
    runs = pair.runs()  # both trainers side by side, or one opened run in the left half
    for column, (trainer, run) in zip(st.columns(max(2, len(runs))), runs.items(), strict=False):
        with column, ui.guard():
            path = str(run.path)
            if change:
                frame = ui.similarity_change(path, epoch, tuple(words))
            else:
                frame = ui.similarity(path, epoch, tuple(words))
            title = f"{ui.ROLE_NAMES[trainer]} · epoch {epoch}"
            st.altair_chart(charts.heatmap(frame, "change" if change else "cosine", title=title, diverging=change))


if len(words) < 2:
    st.info("Pick at least two words.")
else:
    heatmaps()

with ui.guard():
    frames = {trainer: ui.separation(str(run.path)) for trainer, run in pair.runs().items()}
    if all(frame is not None for frame in frames.values()):
        st.altair_chart(charts.separation(ui.with_trainer(frames)))
        st.caption("The toy corpus plants word groups: related words should drift together as training goes on.")
