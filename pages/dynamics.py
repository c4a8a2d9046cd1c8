"""Dynamics: per-epoch metrics of each trainer, the effect of L2, aligned trajectories, change scores."""

import streamlit as st

import ui
from embedlab import charts

ui.open_page(__file__)
pair = ui.require_pair()
st.header("Training dynamics")
for trainer, run in pair.runs().items():
    st.markdown(f"**{ui.ROLE_NAMES[trainer]}**")
    if run.has_loss:
        st.altair_chart(charts.metric_panels(run.metrics))
    else:
        st.info(
            "This run was opened without training metrics, so there is no loss, ‖∇L‖ or learning rate; "
            "mean ‖v‖ and the displacement per epoch below are computed from its vectors."
        )
        st.altair_chart(charts.metric_panels(ui.geometry(str(run.path))))

if "numpy" in pair.by_role:  # the L2 comparison is a setting of the NumPy trainer's runs
    st.subheader("L2 regularisation (NumPy trainer)")
    if pair.l2_pair() is None:
        st.info(
            "Tick “L2 comparison” on the Train page to train the NumPy trainer with and without L2 and compare here."
        )
    else:
        runs = {f"λ = {r.config['train_options']['l2']:g}": r for r in pair.l2_pair()}
        st.altair_chart(charts.compare_runs(ui.stacked_metrics(runs), ("mean_norm", "loss", "heldout_loss")))
        st.caption("L = mean cross-entropy + λ(‖W_in‖² + ‖W_out‖²): a larger λ keeps the vectors short.")

st.subheader("Trajectories (Procrustes-aligned to the last epoch, one PCA for all epochs)")
roles = list(pair.runs())
trainer = st.segmented_control("Trainer", roles, default=roles[0], format_func=ui.ROLE_NAMES.get)
run = pair.runs()[trainer or roles[0]]
default = ui.chosen_words(run)[:8]
words = st.multiselect("Words to follow", run.vocab.words, default=default, max_selections=20, key="traj_words")
with ui.guard():
    if words:
        st.altair_chart(charts.trajectories(ui.trajectories(str(run.path), tuple(words))))
    st.altair_chart(charts.change_scatter(ui.change_scores(str(run.path))))
    st.caption("change = 1 − cos(epoch 0, last epoch) after removing rotations; rare words barely move.")
