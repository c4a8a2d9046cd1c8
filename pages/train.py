"""Train: settings for both trainers, a measured work estimate, training as a background job with its
queue place, live progress and Cancel, this session's runs."""

import streamlit as st

from dashboard import corpora, frame, job_panel, runs, train_job, widgets
from dashboard.session import session
from embedlab import roles
from embedlab.config import DashboardSettings, Limits, TrainOptions
from embedlab.i18n import N_, _, format_in
from embedlab.markup import inert
from embedlab.server.jobs import State
from embedlab.train import advice

GENSIM_ALPHA = TrainOptions(trainer="gensim").resolved_lr()
HELP = {
    "dim": N_(
        "Numbers per word vector. Larger d fits the training corpus better and needs more data "
        "to fill (see Bias–variance over d); {dim} suits the toy corpus."
    ),
    "epochs": N_(
        "Passes over the corpus. A snapshot of every vector is kept after each, so every page "
        "can replay the training from epoch 0."
    ),
    "window": N_("Context words taken on each side of a centre word: skip-gram's pairs (centre, context)."),
    "min_count": N_("Words seen fewer times are dropped before training (the vocabulary V)."),
    "seed": N_("Seeds the random start v(0) and the data's order: the same seed gives the same run."),
    "lr": N_(
        "The step η of v ← v − η∇J. J is the mean loss over a batch's pairs, so one word's share "
        "of the gradient is divided by the pairs in the batch: a large η such as 10 is what lets a "
        "vector move. It decays linearly to {floor:g}% of η over the run, as gensim's α does. "
        "On the toy corpus η = {stable:g} trains and η = {diverged:g} diverged."
    ),
    "batch": N_(
        "Centre positions per SGD step, each with all its contexts. Smaller batches mean more "
        "steps per epoch; on a small upload the page lowers it so every epoch has enough steps."
    ),
    "sample": N_(
        "Frequent words are randomly skipped with probability 1 − √(t / f) (word2vec's "
        "subsampling); 0 keeps every occurrence."
    ),
    "l2": N_(
        "λ in J + λ(‖W_in‖² + ‖W_out‖²): every step shrinks every vector by 1 − 2ηλ before the "
        "data moves it, so norms stay bounded (lecture note §6). Too large a λ pulls everything to 0 and the "
        "loss stays at ln V: the page warns before that."
    ),
    "compare": N_(
        "Trains two more NumPy runs at a constant η, one with λ = 0 and one with the λ below, "
        "so Dynamics can show the norms with and without L2."
    ),
    "alpha": N_("gensim's learning rate α per pair (its default {alpha:g}), decaying to {alpha_min:g}."),
    "architecture": N_(
        "Skip-gram predicts the context from the centre word (as the NumPy trainer "
        "does); CBOW predicts the centre from its averaged context."
    ),
    "objective": N_(
        "Negative sampling: k random 'wrong' words per pair instead of the full softmax; "
        "hierarchical softmax: a path through a Huffman tree."
    ),
    "negative": N_("Random 'wrong' context words per true pair (negative sampling only)."),
}
HELP_FIELDS = dict(
    dim=DashboardSettings().numpy.dim,
    floor=TrainOptions.min_lr_fraction * 100,
    stable=advice.STABLE_LR,
    diverged=advice.DIVERGED_LR,
    alpha=GENSIM_ALPHA,
    alpha_min=GENSIM_ALPHA * TrainOptions.min_lr_fraction,
)
ARCHITECTURES = {"skip-gram": N_("skip-gram"), "CBOW": N_("CBOW")}
OBJECTIVES = {"negative sampling": N_("negative sampling"), "hierarchical softmax": N_("hierarchical softmax")}


def help_text(key: str) -> str:
    """A settings field's help in the visitor's language, with this install's defaults in it."""
    return format_in(_(HELP[key]), **HELP_FIELDS)


def sample_input(options, key: str) -> float:
    """One trainer's subsampling threshold field."""
    return st.number_input(
        _("subsampling threshold t (0 = off)"),
        value=options.resolved_sample(),
        format="%g",
        step=1e-4,
        key=key,
        help=help_text("sample"),
    )


frame.open_page(__file__)
limits = Limits.from_env()
corpus = corpora.current_corpus()
with widgets.guard():
    corpora.fit_batch_to_corpus(corpus)
settings = session.settings
numpy, gensim = settings.numpy, settings.gensim
st.header(_("Train"))
st.caption(
    _("Corpus: **{corpus}** (change it on the Corpus page).").format(
        corpus=inert(corpora.corpus_label(session.corpus_source))
    )
)
job = session.job
# Folded while a job runs and after one succeeded, so that its progress, or its result and the links
# to the pages, are the first screen; open before the first job and after a stop or a failure.
settings_open = job is None or job.state in (State.CANCELLED, State.FAILED)

with st.expander(_("Settings"), expanded=settings_open), st.form("train_form"):
    shared, left, right = st.columns(3)
    with shared:
        st.markdown(_("**Both trainers**"))
        dim = st.number_input(
            _("dimension d"), value=numpy.dim, max_value=limits.max_dim, step=1, help=help_text("dim")
        )
        epochs = st.number_input(
            _("epochs"), value=numpy.epochs, max_value=limits.max_epochs, step=1, help=help_text("epochs")
        )
        window = st.number_input(_("window"), value=numpy.window, step=1, help=help_text("window"))
        min_count = st.number_input(_("min_count"), value=settings.min_count, step=1, help=help_text("min_count"))
        seed = st.number_input(_("seed"), value=numpy.seed, step=1, help=help_text("seed"))
    with left:
        st.markdown(_("**NumPy full-softmax skip-gram**"))
        lr = st.number_input(_("learning rate η"), value=numpy.resolved_lr(), format="%g", help=help_text("lr"))
        batch_size = st.number_input(
            _("batch size (centre positions)"), value=numpy.batch_size, step=32, help=help_text("batch")
        )
        numpy_sample = sample_input(numpy, "np_sample")
        l2 = st.number_input(_("L2 λ"), value=numpy.l2, format="%g", step=1e-4, help=help_text("l2"))
        # a short label: the column is ~100 px wide at 1024 px; the help says what it trains
        compare = st.checkbox(_("L2 comparison"), value=settings.l2_compare is not None, help=help_text("compare"))
        l2_compare = st.number_input(
            _("comparison λ"), value=settings.l2_compare or 1e-4, format="%g", step=1e-4, help=help_text("l2")
        )
    with right:
        st.markdown(_("**gensim Word2Vec**"))
        alpha = st.number_input(
            _("learning rate α"), value=gensim.resolved_lr(), format="%g", step=0.005, help=help_text("alpha")
        )
        cbow = st.radio(
            _("architecture"),
            list(ARCHITECTURES),
            index=1 - gensim.sg,
            horizontal=True,
            format_func=widgets.option_labels(ARCHITECTURES),
            help=help_text("architecture"),
        )
        hs = st.radio(
            _("objective"),
            list(OBJECTIVES),
            index=gensim.hs,
            format_func=widgets.option_labels(OBJECTIVES),
            horizontal=True,
            help=help_text("objective"),
        )
        negative = st.number_input(
            _("negative samples"), value=gensim.negative or 5, step=1, help=help_text("negative")
        )
        gensim_sample = sample_input(gensim, "gs_sample")
    # side by side at their own width: fixed columns cut "Ước tính khối lượng" at 1400 px
    buttons = st.container(horizontal=True)
    estimate_clicked = buttons.form_submit_button(_("Estimate the work"))
    train_clicked = buttons.form_submit_button(_("Train both"), type="primary")

valid = False
if estimate_clicked or train_clicked:
    with widgets.guard():
        form = dict(dim=dim, epochs=epochs, window=window, min_count=min_count, seed=seed)
        form |= dict(numpy_sample=numpy_sample, gensim_sample=gensim_sample)
        form |= dict(lr=lr, batch_size=batch_size, l2=l2, l2_compare=l2_compare if compare else None)
        form |= dict(alpha=alpha, sg=int(cbow == "skip-gram"), hs=int(hs != "negative sampling"), negative=negative)
        session.settings = settings = train_job.settings_from_form(settings, **form)
        valid = True

estimated = False
with widgets.guard():
    message, too_slow, steps = train_job.work_message(corpus, settings)
    (st.warning if too_slow else st.info)(message)
    estimated = True
    for role, options in settings.runs():
        if options.trainer == "numpy":
            for warning in advice.numpy_warnings(options, steps):
                st.warning(f"{roles.name(role)}: {warning}")

if train_clicked and valid and estimated:
    with widgets.guard():  # a refusal is shown with the commands that run it locally
        if train_job.start_training(corpus, settings) is not None:
            st.rerun()  # draw the form again from the new settings: its widgets' ids depend on their defaults
# Queue place or progress, live curves and space, Cancel; then links. The settings above fold while a
# job runs, so this is in the first screen.
panel = job_panel.training_panel()

st.subheader(_("This session's runs"))
records = session.runs
if records:
    # No widget key: the radio's index follows current_run (set by a finished job too), and a value
    # the browser still holds for it can never be sent back from another page.
    current = min(session.current_run, len(records) - 1)
    choice = st.radio(
        _("Current runs (every page shows these)"),
        range(len(records)),
        index=current,
        format_func=widgets.option_labels({i: record.label for i, record in enumerate(records)}, visitor_text=True),
    )
    if choice != current:
        runs.choose(choice)
        st.rerun()

if panel is not None:
    panel.follow()  # last: the page waits here, redrawing the panel, until the job ends
