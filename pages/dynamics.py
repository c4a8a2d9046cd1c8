"""Dynamics: per-epoch metrics of each trainer, the effect of L2, aligned trajectories, change scores."""

import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import charts, roles
from embedlab.config import DashboardSettings
from embedlab.i18n import _, format_in, number
from embedlab.runs import dynamics
from embedlab.text.lookup import display_word

frame.open_page(__file__)
pair = runs.require_pair()
st.header(_("Training dynamics"))
st.caption(
    _(
        "Every curve is measured on the objective the trainer actually optimises (the mean per-pair loss over the "
        "pairs it draws: window weights, subsampling and gensim's negatives as trained); the held-out loss is the "
        "same on held-out sentences, without the L2 penalty."
    )
)
for trainer, run in pair.runs().items():
    st.markdown(f"**{roles.name(trainer)}**")
    if not run.has_loss:
        st.info(
            _(
                "This run was opened without training metrics, so there is no loss, ‖∇J‖ or learning rate; "
                "mean ‖v‖ and the displacement per epoch are computed from its vectors."
            )
        )
        widgets.chart_grid(specs.metric_panels(str(run.path)))
        continue
    widgets.chart_grid(specs.metric_panels(str(run.path)))
    story = dynamics.gradient_story(run.metrics)
    how = (
        _("exact over every training pair")
        if run.config.get("metric_method") == "exact"
        else format_in(
            _("estimated on {pairs:,} sampled pairs (band: ±2 standard errors)"),
            pairs=run.config.get("metric_examples", 0),
        )
    )
    message = _(
        "‖∇J‖ ({how}) is {start:.2g} at epoch 0: the output vectors start at 0, so ∂J/∂W_in = 0 exactly — a "
        "saddle. It rises to {peak:.3g} at epoch {peak_epoch} as the symmetry breaks, then falls to "
        "{final:.3g} at the last epoch, {ratio:.0%} of its peak (lecture note §5.3: ‖∇L‖ → 0 as training "
        "converges; the learning rate decays too, so the steps shrink as well)."
    )
    fields = {key: story[key] for key in ("start", "peak", "peak_epoch", "final", "ratio")}
    st.caption(format_in(message, how=how, **fields))

if roles.NUMPY in pair.by_role:  # the L2 comparison is a setting of this app's NumPy trainer, not of an opened run
    st.subheader(_("L2 regularisation (NumPy trainer)"))
    if pair.l2_pair() is None:
        st.info(
            _(
                "Tick “L2 comparison” on the Train page: the NumPy trainer is then trained twice more, with λ = 0 and "
                "with your λ, at a constant learning rate for {epochs} epochs, so you see the norms grow or level off "
                "(with a decaying rate every norm flattens only because the steps shrink)."
            ).format(epochs=DashboardSettings.L2_EPOCHS)
        )
    else:
        without, with_l2 = pair.l2_pair()
        l2_runs = {f"λ = {number(r.config['train_options']['l2'], 'g')}": r for r in (without, with_l2)}
        widgets.chart(charts.compare_runs(specs.stacked_metrics(l2_runs), ("mean_norm", "loss", "heldout_loss")))
        story = dynamics.l2_story(without.metrics, with_l2.metrics)
        lam = with_l2.config["train_options"]["l2"]
        message = _(
            "L = mean cross-entropy + λ(‖W_in‖² + ‖W_out‖²) (lecture note §6), both runs at a constant rate. Over the last "
            "{last} epochs mean ‖v‖ grew by {growth_without:+.3f} with λ = 0 (to {final_without:.3f}) and by "
            "{growth_with:+.3f} with λ = {lam:g} (to {final_with:.3f}); held-out loss at the end: "
            "{heldout_without:.3f} without, {heldout_with:.3f} with L2. The training loss includes the penalty; "
            "the held-out loss does not."
        )
        keys = (
            "last",
            "growth_without",
            "final_without",
            "growth_with",
            "final_with",
            "heldout_without",
            "heldout_with",
        )
        st.caption(format_in(message, lam=lam, **{key: story[key] for key in keys}))

st.subheader(_("Trajectories (Procrustes-aligned to the last epoch, one PCA for all epochs)"))
shown_roles = list(pair.runs())
trainer = st.segmented_control(_("Trainer"), shown_roles, default=shown_roles[0], format_func=roles.name)
run = pair.runs()[trainer or shown_roles[0]]
default = widgets.chosen_words(run)[:8]
words = st.multiselect(
    _("Words to follow"),
    run.vocab.words,
    default=default,
    max_selections=20,
    key="traj_words",
    format_func=display_word,
)
with widgets.guard():
    if words:
        widgets.chart(specs.trajectories_chart(str(run.path), tuple(words)))
    changes = cached.change_scores(str(run.path))
    widgets.chart(specs.change_scatter(str(run.path)))
    effect = dynamics.frequency_effect(changes)
    trend = (
        _("rarer words moved more")
        if effect["spearman"] < -0.1
        else (_("frequent words moved more") if effect["spearman"] > 0.1 else _("movement hardly depends on frequency"))
    )
    message = _(
        "change = 1 − cos(v(0), v(last)) after removing rotations. Here {trend}: Spearman ρ(count, change) = "
        "{spearman:.2f}; median change {rare:.2f} for the rarest quarter of the vocabulary, {frequent:.2f} for the "
        "most frequent quarter."
    )
    fields = dict(spearman=effect["spearman"], rare=effect["rare_median"], frequent=effect["frequent_median"])
    st.caption(format_in(message, trend=trend, **fields))
