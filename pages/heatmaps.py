"""Heatmaps: cosine similarity of a word set at any epoch, both trainers side by side."""

import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import roles
from embedlab.i18n import N_, _, format_in

frame.open_page(__file__)
pair = runs.require_pair()
VIEWS = {"cosine": N_("cosine"), "change since epoch 0": N_("change since epoch 0")}

st.header(_("Cosine heatmaps"))
st.caption(
    _(
        "cos θ = v_a·v_b / (‖v_a‖ ‖v_b‖) between the words' input vectors (lecture note §3), at the epoch on the slider; "
        "epoch 0 is the random start. Words that share contexts should turn bright together as training goes on."
    )
)
words = widgets.word_picker(pair.first, _("Words in the heatmap"))
view_col, play_col = st.columns([2, 1])  # the toggle's label needs ~170 px: whole at 1024 px
view = view_col.segmented_control(
    _("Show"), list(VIEWS), default="cosine", key="hm_view", format_func=widgets.option_labels(VIEWS)
)
playing = play_col.toggle(_("▶ Play the epochs"), key="hm_play")
change = view == "change since epoch 0"
shown_runs = pair.runs()
separations = {trainer: cached.separation(str(run.path)) for trainer, run in shown_runs.items()}
has_groups = all(frame is not None for frame in separations.values())


@st.fragment(run_every=0.9 if playing else None)
def heatmaps() -> None:
    label = _("Epoch") if pair.imported is not None else _("Epoch (0 = the random initial vectors)")
    epochs = pair.snapshot_epochs
    row = widgets.epoch_slider("hm_epoch", epochs, playing, label)
    floor = cached.similarity_floor(tuple(str(run.path) for run in shown_runs.values()), tuple(words))
    # both trainers side by side, or one opened run in the left half (a full-width heatmap is unreadable)
    for column, (trainer, run) in zip(st.columns(max(2, len(shown_runs))), shown_runs.items(), strict=False):
        with column, widgets.guard():
            title = _("{trainer} · epoch {epoch}").format(trainer=roles.name(trainer), epoch=epochs[row])
            widgets.chart(specs.heatmap(str(run.path), row, tuple(words), change, floor, title))
    if has_groups:
        widgets.chart(
            specs.separation_chart(tuple((trainer, str(run.path)) for trainer, run in shown_runs.items()), epochs[row])
        )


if len(words) < 2:
    st.info(_("Pick at least two words."))
else:
    heatmaps()

if has_groups:
    notes = []
    for trainer, frame in separations.items():
        first, last = frame.iloc[min(1, len(frame) - 1)], frame.iloc[-1]
        note = _(
            "{trainer}: between-group cosine {first:.2f} after epoch {after}, {last:.2f} at the end; gap {gap:.2f}"
        )
        fields = dict(first=first["between"], after=int(first["epoch"]), last=last["between"], gap=last["gap"])
        notes.append(format_in(note, trainer=roles.name(trainer), **fields))
    st.caption(
        _(
            "The toy corpus plants word groups (royalty, people, animals, food, colours, places, verbs). **Within**: "
            "mean cosine of two words of the same group; **between**: of two words of different groups; **gap** = "
            "within − between, 0 for random vectors. White lines on the heatmaps separate the groups. {notes}. When "
            "the between-group cosine is high early on, the vectors share a common direction (every word has been "
            "pushed towards the frequent context words first); it falls as the words' own directions grow."
        ).format(notes="; ".join(notes))
    )
