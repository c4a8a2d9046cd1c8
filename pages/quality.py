"""Quality over epochs: WordSim-353, SimLex-999, Google analogies and planted groups, beside the loss."""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import charts, roles
from embedlab.runs import evaluate
from embedlab.runs.quality import coverage_text, evaluate_run
from embedlab.text import benchmark_files


@st.cache_data(max_entries=64, show_spinner="Scoring every epoch on the benchmarks…")
def quality(path: str) -> pd.DataFrame:
    """Per-epoch scores of one run (read from metrics.csv when training wrote them)."""
    return evaluate_run(cached.run_at(path))


@st.cache_data(max_entries=256, show_spinner=False)
def hits(path: str, epoch: int) -> pd.DataFrame:
    run = cached.run_at(path)
    return evaluate.analogy_hits(run.input_vectors[epoch], run.vocab, benchmark_files.sample_analogies(run.vocab))


@st.cache_data(max_entries=16, show_spinner=False)
def panels_spec(paths: tuple[tuple[str, str], ...]) -> dict | None:
    """The score panels of runs ((name, path), …) as a Vega-Lite spec, built once per runs
    (Altair took ~0.3 s for them on every rerun of the page)."""
    long = charts.quality_long({name: quality(path) for name, path in paths})
    return None if long.empty else charts.quality_panels(long, roles.COLOURS).to_dict(validate=False)


frame.open_page(__file__)
pair = runs.require_pair()
named_runs = {roles.name(trainer): run for trainer, run in pair.runs().items()}
st.header("Quality over epochs")
st.caption(
    "Does semantic structure form as training goes on? Spearman ρ between cosine and human "
    "similarity (WordSim-353, SimLex-999), 3CosAdd accuracy on Google's analogy questions, and "
    "for the toy corpus the planted word groups — computed on the input vectors of every epoch."
)

with widgets.guard():
    tables = {name: quality(str(run.path)) for name, run in named_runs.items()}
    last = next(iter(tables.values())).iloc[-1]  # both trainers share one vocabulary: same coverage
    coverage = coverage_text(last)
    st.caption("Coverage of this vocabulary: " + " · ".join(coverage))
    if min(last["wordsim353_pairs"], last["simlex999_pairs"], last["analogy_count"]) < 5 * evaluate.MIN_PAIRS:
        st.info(
            "The public benchmarks barely overlap this corpus's vocabulary, so their scores rest on a "
            "handful of items (or are not shown at all)."
            + (" The planted groups measure the same idea on this corpus." if "group_gap" in last else "")
        )

    panels = panels_spec(tuple((name, str(run.path)) for name, run in named_runs.items()))
    if panels is not None:
        widgets.chart(panels)
    for column, title, count, unit, _ in charts.PANELS:
        if count is not None and np.isnan(last[column]):
            st.caption(f"{title}: too few {unit} in vocabulary ({int(last[count])}); not shown.")
    st.caption(
        "Bands: 95 % intervals — Fisher's z for ρ (standard error 1.03/√(n − 3)), Wilson's for an accuracy — so a "
        "curve that wanders inside its band is noise, not learning. "
        f"A score needs at least {evaluate.MIN_PAIRS} pairs or questions in vocabulary. Analogies: the "
        f"same fixed sample of at most {benchmark_files.ANALOGY_SAMPLE:,} in-vocabulary questions at every epoch."
    )
    with st.expander("Each trainer's loss beside the scores"):
        losses = tuple((name, str(run.path)) for name, run in named_runs.items() if run.has_loss)
        if losses:
            widgets.chart(specs.losses(losses))
        if len(losses) < len(named_runs):
            st.caption("No loss curve for a run opened without training metrics.")
    with st.expander("Scores per epoch (table)"):
        both = pd.concat([t.assign(trainer=name) for name, t in tables.items()], ignore_index=True)
        st.dataframe(both.set_index(["trainer", "epoch"]), width="stretch")

st.subheader("Which analogy questions are answered right")
sample = benchmark_files.sample_analogies(pair.first.vocab)
if sample.empty:
    st.info("No analogy question has all four words in this vocabulary.")
    st.stop()
epoch = st.slider("Epoch", 0, pair.epochs, pair.epochs, key="quality_epoch")
only_right = st.toggle("Only questions at least one trainer gets right", value=True, key="quality_only_right")
with widgets.guard():
    answers = {name: hits(str(run.path), epoch) for name, run in named_runs.items()}
    table = next(iter(answers.values()))[["section", "question", "expected"]].copy()
    for name, frame in answers.items():
        table[f"{name}: answer"] = frame["predicted"]
        table[f"{name}: right"] = frame["correct"]
    right = [c for c in table.columns if c.endswith(": right")]
    st.caption(
        f"Epoch {epoch}: "
        + " · ".join(f"{name} {int(answers[name]['correct'].sum())} of {len(sample)} right" for name in answers)
    )
    shown = table[table[right].any(axis=1)] if only_right else table
    st.dataframe(shown, hide_index=True, width="stretch", height=360)
