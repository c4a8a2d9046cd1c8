"""Train: settings for both trainers, a measured work estimate, training as a background job with its
queue place, live progress and Cancel, this session's runs."""

import streamlit as st

import ui
from embedlab.config import Limits

ui.open_page(__file__)
state = st.session_state
limits = Limits.from_env()
corpus = ui.current_corpus()
with ui.guard():
    ui.fit_batch_to_corpus(corpus)
settings = state.settings
numpy, gensim = settings.numpy, settings.gensim
st.header("Train")
st.caption(f"Corpus: **{ui.corpus_label(state.corpus_source)}** (change it on the Corpus page).")

with st.form("train_form"):
    shared, left, right = st.columns(3)
    with shared:
        st.markdown("**Both trainers**")
        dim = st.number_input("dimension d", value=numpy.dim, max_value=limits.max_dim, step=1)
        epochs = st.number_input("epochs", value=numpy.epochs, max_value=limits.max_epochs, step=1)
        window = st.number_input("window", value=numpy.window, step=1)
        min_count = st.number_input("min_count", value=settings.min_count, step=1)
        seed = st.number_input("seed", value=numpy.seed, step=1)
    with left:
        st.markdown("**NumPy full-softmax skip-gram**")
        lr = st.number_input("learning rate η", value=numpy.resolved_lr(), format="%g")
        batch_size = st.number_input("batch size (centre positions)", value=numpy.batch_size, step=32)
        numpy_sample = st.number_input(
            "subsampling threshold (0 = off)", value=numpy.resolved_sample(), format="%g", step=1e-4, key="np_sample"
        )
        l2 = st.number_input("L2 λ", value=numpy.l2, format="%g", step=1e-4)
        compare = st.checkbox("L2 comparison: also train with λ below", value=settings.l2_compare is not None)
        l2_compare = st.number_input("comparison λ", value=settings.l2_compare or 1e-4, format="%g", step=1e-4)
    with right:
        st.markdown("**gensim Word2Vec**")
        alpha = st.number_input("learning rate α", value=gensim.resolved_lr(), format="%g", step=0.005)
        cbow = st.radio("architecture", ["skip-gram", "CBOW"], index=1 - gensim.sg, horizontal=True)
        hs = st.radio("objective", ["negative sampling", "hierarchical softmax"], index=gensim.hs, horizontal=True)
        negative = st.number_input("negative samples", value=gensim.negative or 5, step=1)
        gensim_sample = st.number_input(
            "subsampling threshold (0 = off)", value=gensim.resolved_sample(), format="%g", step=1e-4, key="gs_sample"
        )
    estimate_col, train_col, _ = st.columns([1, 1, 4])
    estimate_clicked = estimate_col.form_submit_button("Estimate the work")
    train_clicked = train_col.form_submit_button("Train both", type="primary")

valid = False
if estimate_clicked or train_clicked:
    with ui.guard():
        form = dict(dim=dim, epochs=epochs, window=window, min_count=min_count, seed=seed)
        form |= dict(numpy_sample=numpy_sample, gensim_sample=gensim_sample)
        form |= dict(lr=lr, batch_size=batch_size, l2=l2, l2_compare=l2_compare if compare else None)
        form |= dict(alpha=alpha, sg=int(cbow == "skip-gram"), hs=int(hs != "negative sampling"), negative=negative)
        state.settings = settings = ui.settings_from_form(settings, **form)
        valid = True

estimated = False
with ui.guard():
    message, too_slow = ui.work_message(corpus, settings)
    (st.warning if too_slow else st.info)(message)
    estimated = True

if train_clicked and valid and estimated:
    with ui.guard():  # a refusal is shown with the commands that run it locally
        if ui.start_training(corpus, settings) is not None:
            st.rerun()  # draw the form again from the new settings: its widgets' ids depend on their defaults
ui.training_panel()  # queue place or progress, live loss curves and Cancel; then what happened

st.subheader("This session's runs")
records = state.runs
if records:
    state.run_choice = state.current_run
    st.radio(
        "Current runs (every page shows these)",
        range(len(records)),
        key="run_choice",
        format_func=lambda i: records[i].label,
        on_change=lambda: state.update(current_run=state.run_choice),
    )
