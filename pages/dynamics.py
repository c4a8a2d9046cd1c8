"""Dynamics: per-epoch metrics of each trainer, the effect of L2, aligned trajectories, change scores."""

import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import charts, roles
from embedlab.config import DashboardSettings
from embedlab.runs import dynamics

frame.open_page(__file__)
pair = runs.require_pair()
st.header("Training dynamics")
st.caption(
    "Every curve is measured on the objective the trainer actually optimises (the mean per-pair loss over the "
    "pairs it draws: window weights, subsampling and gensim's negatives as trained); the held-out loss is the same "
    "on held-out sentences, without the L2 penalty."
)
for trainer, run in pair.runs().items():
    st.markdown(f"**{roles.name(trainer)}**")
    if not run.has_loss:
        st.info(
            "This run was opened without training metrics, so there is no loss, ‖∇J‖ or learning rate; "
            "mean ‖v‖ and the displacement per epoch are computed from its vectors."
        )
        widgets.chart(specs.metric_panels(str(run.path)))
        continue
    widgets.chart(specs.metric_panels(str(run.path)))
    story = dynamics.gradient_story(run.metrics)
    how = (
        "exact over every training pair"
        if run.config.get("metric_method") == "exact"
        else (f"estimated on {run.config.get('metric_examples', 0):,} sampled pairs (band: ±2 standard errors)")
    )
    st.caption(
        f"‖∇J‖ ({how}) is {story['start']:.2g} at epoch 0: the output vectors start at 0, so ∂J/∂W_in = 0 exactly — a "
        f"saddle. It rises to {story['peak']:.3g} at epoch {story['peak_epoch']} as the symmetry breaks, then falls to "
        f"{story['final']:.3g} at the last epoch, {story['ratio']:.0%} of its peak (SEED §5.3: ‖∇L‖ → 0 as training "
        "converges; the learning rate decays too, so the steps shrink as well)."
    )

if roles.NUMPY in pair.by_role:  # the L2 comparison is a setting of this app's NumPy trainer, not of an opened run
    st.subheader("L2 regularisation (NumPy trainer)")
    if pair.l2_pair() is None:
        st.info(
            "Tick “L2 comparison” on the Train page: the NumPy trainer is then trained twice more, with λ = 0 and with "
            f"your λ, at a constant learning rate for {DashboardSettings.L2_EPOCHS} epochs, so you see the norms grow or level off (with a decaying "
            "rate every norm flattens only because the steps shrink)."
        )
    else:
        without, with_l2 = pair.l2_pair()
        l2_runs = {f"λ = {r.config['train_options']['l2']:g}": r for r in (without, with_l2)}
        widgets.chart(charts.compare_runs(specs.stacked_metrics(l2_runs), ("mean_norm", "loss", "heldout_loss")))
        story = dynamics.l2_story(without.metrics, with_l2.metrics)
        lam = with_l2.config["train_options"]["l2"]
        st.caption(
            f"L = mean cross-entropy + λ(‖W_in‖² + ‖W_out‖²) (SEED §6), both runs at a constant rate. Over the last "
            f"{story['last']} epochs mean ‖v‖ grew by {story['growth_without']:+.3f} with λ = 0 (to "
            f"{story['final_without']:.3f}) and by {story['growth_with']:+.3f} with λ = {lam:g} (to "
            f"{story['final_with']:.3f}); held-out loss at the end: {story['heldout_without']:.3f} without, "
            f"{story['heldout_with']:.3f} with L2. The training loss includes the penalty; the held-out loss does not."
        )

st.subheader("Trajectories (Procrustes-aligned to the last epoch, one PCA for all epochs)")
shown_roles = list(pair.runs())
trainer = st.segmented_control("Trainer", shown_roles, default=shown_roles[0], format_func=roles.name)
run = pair.runs()[trainer or shown_roles[0]]
default = widgets.chosen_words(run)[:8]
words = st.multiselect("Words to follow", run.vocab.words, default=default, max_selections=20, key="traj_words")
with widgets.guard():
    if words:
        widgets.chart(specs.trajectories_chart(str(run.path), tuple(words)))
    changes = cached.change_scores(str(run.path))
    widgets.chart(specs.change_scatter(str(run.path)))
    effect = dynamics.frequency_effect(changes)
    trend = (
        "rarer words moved more"
        if effect["spearman"] < -0.1
        else ("frequent words moved more" if effect["spearman"] > 0.1 else "movement hardly depends on frequency")
    )
    st.caption(
        f"change = 1 − cos(v(0), v(last)) after removing rotations. Here {trend}: Spearman ρ(count, change) = "
        f"{effect['spearman']:.2f}; median change {effect['rare_median']:.2f} for the rarest quarter of the "
        f"vocabulary, {effect['frequent_median']:.2f} for the most frequent quarter."
    )
