"""Bias–variance over d: held-out error split exactly into noise + bias² + variance; stability across seeds."""

import streamlit as st

from dashboard import corpora, frame, job_panel, widgets
from dashboard.session import Session, session
from embedlab import charts, roles
from embedlab.config import SWEEP_PRESETS, Limits, SweepOptions
from embedlab.experiments import biasvar, stability
from embedlab.i18n import N_, _, number, table_style
from embedlab.markup import inert
from embedlab.runs import analysis
from embedlab.runs.evaluate import scorer_for
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.prepared import prepare
from embedlab.train.training import default_cache_dir

HELP = N_("""
For each d the NumPy full-softmax skip-gram is trained **R times**, run r with seed `seed + r` on its own
bootstrap resample of the training sentences. For a held-out pair (w, c) with one-hot y, run r predicts the
whole context distribution p_r(·|w); p̄ is their mean over runs and q(·|w) the held-out contexts actually
seen around w. The squared error of the prediction (the Brier score) splits **exactly**:

    ‖y − p_r‖² averaged  =  ‖y − q‖²  +  ‖q − p̄‖²  +  ‖p_r − p̄‖² averaged
          total                noise        bias²          variance

(the cross terms vanish because q is the mean of y over w's pairs and p̄ the mean of p_r over runs).
Noise does not depend on d; bias² falls as d gives the model room; variance is how much the predictions
of runs trained on different samples disagree. Less data per run (the share slider) means more variance.

Yin & Shen, *On the Dimensionality of Word Embedding* (NeurIPS 2018), show the same trade-off for the
**Pairwise Inner Product (PIP) loss** ‖E Eᵀ − E* E*ᵀ‖ between a trained embedding E and an oracle E*: its bias
term falls and its noise-driven variance term grows with d, which gives an optimal d. We measure the
trade-off directly on what the model predicts for held-out contexts, so no oracle is needed. The split
itself is an algebraic identity (it holds for any predictions), so it checks nothing; what the sweep shows is
how the terms move with d. Three honest corrections and caveats: q is estimated from a finite held-out sample,
so the plug-in ‖q − p̄‖² also holds q's own sampling error (the same at every d); it is estimated without bias
for each centre with two or more held-out pairs and moved to the noise, so the bias² shown is the model's own.
p̄ is the mean of only R runs, so the plug-in bias² still holds variance / R; that is removed too. And SGD for a
few epochs from zero output vectors regularises implicitly, so the variance of large d levels off instead of
exploding. Subsampling is off here: it trains on a different
pair distribution from the held-out one and would add a bias that no d removes.
""")

frame.open_page(__file__)
limits = Limits.from_env()
settings = session.settings
corpus = corpora.current_corpus()
data = corpora.prepared(corpus, settings.min_count)
window = settings.numpy.window
st.header(_("Bias–variance over d"))
st.caption(
    _("Corpus **{corpus}**: V = {V}, min_count {min_count}, window {window} (from the Train page).").format(
        corpus=inert(corpora.corpus_label(session.corpus_source)),
        V=number(len(data.vocab), ","),
        min_count=settings.min_count,
        window=window,
    )
)
with st.expander(_("What is measured, and how it relates to the PIP loss of Yin & Shen (2018)")):
    st.markdown(_(HELP))


def run_with_progress(compute, label: str):
    """compute(hooks) as this visitor's job (a training slot, progress, Cancel); None if stopped or failed."""
    session.bv_cancel = False
    with widgets.guard():  # other user errors (e.g. divergence) become st.error
        return job_panel.run_as_job(label, compute, on_cancel=lambda: setattr(session, "bv_cancel", True))
    return None


if session.pop(Session.bv_cancel):
    st.warning(_("Stopped; nothing was kept. The last finished result is shown."))

sweep_tab, stability_tab = st.tabs([_("Bias² · variance · noise over d"), _("Stability across seeds")])
defaults = SweepOptions()


def run_sweep(data, options: SweepOptions, label: str) -> None:
    key = (data.corpus.sha256, data.options, options)
    if (session.bv_sweep or {}).get("key") != key:
        table = run_with_progress(lambda hooks: biasvar.sweep(data, options, hooks), _("sweep"))
        if table is not None:
            session.bv_sweep = {"key": key, "table": table, "label": label, "options": options}


with sweep_tab:
    presets = list(SWEEP_PRESETS)
    if presets:
        preset = SWEEP_PRESETS[presets[0]]
        st.caption(_("**Show the trade-off** ({preset}): {why}").format(preset=presets[0], why=_(preset.why)))
        if st.button(_("Show the trade-off"), type="secondary", key="bv_preset"):
            with widgets.guard():
                corpus_b = corpora.builtin_corpus(preset.corpus)
                data_b = prepare(corpus_b, preset.corpus_options)
                run_sweep(
                    data_b,
                    preset.sweep,
                    _("preset “{preset}” on {corpus}").format(preset=presets[0], corpus=preset.corpus),
                )
    with st.form("bias_variance_form"):
        c1, c2, c3, c4 = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
        dims_text = c1.text_input(_("dimensions d"), ",".join(map(str, defaults.dims)), key="bv_dims")
        runs = c2.number_input(_("runs per d (R)"), min_value=2, max_value=20, value=defaults.runs, key="bv_runs")
        epochs = c3.number_input(
            _("epochs"), min_value=1, max_value=limits.max_epochs, value=defaults.train.epochs, key="bv_epochs"
        )
        share = c4.slider(_("share of training sentences per run"), 0.05, 1.0, defaults.share, 0.05, key="bv_share")
        constant = st.toggle(
            _("constant lr"),
            value=defaults.constant_lr,
            key="bv_constant",
            help=_(
                "Every d trains the same number of steps at one constant rate: the decaying schedule then no "
                "longer acts as an early stop that favours some d."
            ),
        )
        go = st.form_submit_button(_("Run the sweep"), type="primary")
    if go:
        with widgets.guard():
            train = defaults.train.replace(epochs=int(epochs), window=window)
            options = SweepOptions(
                biasvar.parse_dims(dims_text), int(runs), train, float(share), bool(constant)
            ).validate(limits)
            label = _("{corpus} · d ∈ {dims} · R = {runs} · {epochs} epochs · share {share}").format(
                corpus=corpus.name,
                dims=list(options.dims),
                runs=options.runs,
                epochs=options.train.epochs,
                share=number(share, "g"),
            )
            run_sweep(data, options, label + (" · " + _("constant lr") if constant else ""))
    result = session.bv_sweep
    if result is None:
        st.info(
            _(
                "Press “Run the sweep”. The defaults take about 15 s on the toy corpus (longer while the server "
                "is busy)."
            )
        )
    else:
        table, options = result["table"], result["options"]
        verdict = biasvar.optimum(table)
        st.caption(
            _("Last sweep: {label} · {seconds} s").format(
                label=inert(result["label"]), seconds=number(table["seconds"].sum(), ".0f")
            )
        )
        shown = verdict["interior"] and (verdict["resolved"] or verdict["beats_ends"])  # both halves of the trade-off
        (st.success if shown else st.warning)(biasvar.optimum_text(verdict, options.runs))
        trained = options.trained()
        schedule = (
            _("held constant")
            if options.constant_lr
            else _("decaying to {lr}").format(lr=number(trained.resolved_lr() * trained.min_lr_fraction, "g"))
        )
        st.caption(
            _(
                "Every run starts from gensim's initial vectors, uniform in [−1/d, 1/d) (so a larger d starts "
                "shorter), output vectors 0; it trains {epochs} epochs at learning rate {lr} {schedule}, on a "
                "bootstrap resample of {share} of the training sentences. Error bars: ±2 standard errors over the "
                "held-out sample for bias² and variance; ±{t} (t on R − 1 degrees of freedom) over runs for the "
                "total, with the held-out set fixed."
            ).format(
                epochs=trained.epochs,
                lr=number(trained.resolved_lr(), "g"),
                schedule=schedule,
                share=number(options.share, ".0%"),
                t=number(verdict["t"], ".2f"),
            )
        )
        m1, m2, m3 = st.columns(3)
        m1.metric(_("lowest total at d"), verdict["best"])
        m2.metric(_("noise σ² (same for every d)"), number(table["noise_unbiased"].iloc[0], ".4f"))
        m3.metric(
            _("held-out sampling error"),
            number(table["bias2_sampling"].iloc[0], ".4f"),
            help=_(
                "E‖q̂ − q‖², the same for every d: the part of the plug-in bias² that is the held-out sample's own "
                "error, counted here in the noise. The bias² shown is net of it."
            ),
        )
        widgets.chart_grid(charts.tradeoff_chart(table, verdict))
        share = table["bias2_sampling"] / table["bias2_corrected"]
        st.caption(
            _(
                "bias² is the model's own: the plug-in ‖q̂ − p̄‖² less variance / R (the R runs' mean still holds it) "
                "and less the held-out sample's sampling error ({sampling}, {low}–{high} of the corrected bias² over "
                "d; columns bias2_corrected and bias2_sampling). {single} of the held-out pairs have a centre with no "
                "other pair, whose sampling error cannot be estimated and stays in bias². The variance divides by "
                "R − 1; noise σ² + bias² + variance = total."
            ).format(
                sampling=number(table["bias2_sampling"].iloc[0], ".4f"),
                low=number(share.min(), ".0%"),
                high=number(share.max(), ".0%"),
                single=number(table["single_pair_share"].iloc[0], ".1%"),
            )
        )
        st.dataframe(table_style(table, 5), hide_index=True)  # the columns of bias_variance.csv, the file below
        st.download_button(_("Download bias_variance.csv"), table.to_csv(index=False), "bias_variance.csv", "text/csv")

with stability_tab:
    st.caption(
        _(
            "The same settings trained with different seeds: do the runs find the same neighbours (Jaccard@k), the "
            "same space up to a rotation (Procrustes residual ‖X_a R − X_b‖ / ‖X_b‖), the same cosines (sd across "
            "seeds)? Both trainers use the Train page's settings; seed 1 is the run you already have."
        )
    )
    with st.form("stability_form"):
        c1, c2, c3, c4 = st.columns(4)
        seeds = c1.number_input(_("seeds"), min_value=2, max_value=10, value=3, key="st_seeds")
        dim = c2.number_input("d", min_value=1, max_value=limits.max_dim, value=settings.numpy.dim, key="st_dim")
        stab_epochs = c3.number_input(
            _("epochs"), min_value=1, max_value=limits.max_epochs, value=settings.numpy.epochs, key="st_epochs"
        )
        k = c4.number_input(_("k neighbours"), min_value=1, max_value=50, value=10, key="st_k")
        go_stability = st.form_submit_button(_("Train the seeds and compare"), type="primary")
    if go_stability:
        with widgets.guard():
            both = [
                o.replace(dim=int(dim), epochs=int(stab_epochs)).validate(limits)
                for o in (settings.numpy, settings.gensim)
            ]
            words = analysis.default_words(data.vocab, planted_groups(corpus.name))
            scorer = scorer_for(data.vocab, corpus.name)
            key = (corpus.sha256, settings.min_count, tuple(both), int(seeds), int(k))
            if (session.bv_stability or {}).get("key") != key:
                table = run_with_progress(
                    lambda hooks: stability.seed_stability(
                        data, both, int(seeds), words, int(k), default_cache_dir(), hooks, scorer=scorer
                    ),
                    _("stability"),
                )
                if table is not None:
                    label = _("{corpus} · d = {d} · {epochs} epochs · {seeds} seeds · {words} words").format(
                        corpus=corpus.name, d=int(dim), epochs=int(stab_epochs), seeds=int(seeds), words=len(words)
                    )
                    session.bv_stability = {"key": key, "table": table, "label": label}
    result = session.bv_stability
    if result is None:
        st.info(_("Press “Train the seeds and compare”: about 15 s on the toy corpus with the default settings."))
    else:
        table = result["table"].assign(trainer=lambda t: t["trainer"].map(roles.name))
        st.caption(_("Last comparison: {label}").format(label=inert(result["label"])))
        widgets.chart_grid(charts.stability_chart(table))
        st.caption(
            _(
                "Epoch 0 is the same for both trainers (same initial vectors per seed). Words: the planted groups on "
                "the toy corpus, else frequent words."
            )
        )
        st.dataframe(table_style(table), hide_index=True)
