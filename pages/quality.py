"""Quality over epochs: WordSim-353, SimLex-999, Google analogies and planted groups, beside the loss."""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from dashboard.language import keyed_by_language
from embedlab import charts, roles
from embedlab.i18n import N_, _, number, table_style
from embedlab.runs import evaluate
from embedlab.runs.quality import coverage_text, evaluate_run
from embedlab.text import benchmark_files

SPINNER = N_("Scoring every epoch on the benchmarks…")


@st.cache_data(max_entries=64, show_spinner=False)
def _quality(path: str) -> pd.DataFrame:
    return evaluate_run(cached.run_at(path))


def quality(path: str) -> pd.DataFrame:
    """Per-epoch scores of one run (read from metrics.csv when training wrote them)."""
    with st.spinner(_(SPINNER)):
        return _quality(path)


@st.cache_data(max_entries=256, show_spinner=False)
def hits(path: str, epoch: int) -> pd.DataFrame:
    run = cached.run_at(path)
    return evaluate.analogy_hits(run.input_vectors[epoch], run.vocab, benchmark_files.sample_analogies(run.vocab))


@keyed_by_language
@st.cache_data(max_entries=16, show_spinner=False)
def panels_spec(paths: tuple[tuple[str, str], ...], language: str = "en") -> list[dict]:
    """The score panels of runs ((name, path), …) as Vega-Lite specs, built once per runs
    (Altair took ~0.3 s for them on every rerun of the page)."""
    long = charts.quality_long({name: quality(path) for name, path in paths})
    return [] if long.empty else [p.to_dict(validate=False) for p in charts.quality_panels(long, roles.colours())]


frame.open_page(__file__)
pair = runs.require_pair()
named_runs = {roles.name(trainer): run for trainer, run in pair.runs().items()}
st.header(_("Quality over epochs"))
st.caption(
    _(
        "Does semantic structure form as training goes on? Spearman ρ between cosine and human "
        "similarity (WordSim-353, SimLex-999), 3CosAdd accuracy on Google's analogy questions, and "
        "for the toy corpus the planted word groups — computed on the input vectors of every epoch."
    )
)

with widgets.guard():
    tables = {name: quality(str(run.path)) for name, run in named_runs.items()}
    last = next(iter(tables.values())).iloc[-1]  # both trainers share one vocabulary: same coverage
    coverage = coverage_text(last)
    st.caption(_("Coverage of this vocabulary: {coverage}").format(coverage=" · ".join(coverage)))
    if min(last["wordsim353_pairs"], last["simlex999_pairs"], last["analogy_count"]) < 5 * evaluate.MIN_PAIRS:
        st.info(
            _(
                "The public benchmarks barely overlap this corpus's vocabulary, so their scores rest on a "
                "handful of items (or are not shown at all)."
            )
            + (" " + _("The planted groups measure the same idea on this corpus.") if "group_gap" in last else "")
        )

    panels = panels_spec(tuple((name, str(run.path)) for name, run in named_runs.items()))
    widgets.chart_grid(panels)
    for column, title, count, unit, _total in charts.PANELS:
        if count is not None and np.isnan(last[column]):
            message = (
                _("{title}: too few pairs in vocabulary ({n}); not shown.")
                if unit == "pairs"
                else _("{title}: too few questions in vocabulary ({n}); not shown.")
            )
            st.caption(message.format(title=_(title), n=number(int(last[count]), ",")))
    st.caption(
        _(
            "Bands: 95% intervals — Fisher's z for ρ (standard error 1.03/√(n − 3)), Wilson's for an accuracy — so "
            "a curve that wanders inside its band is noise, not learning. "
            "A score needs at least {n} pairs or questions in vocabulary. Analogies: the same fixed sample of at "
            "most {sample} in-vocabulary questions at every epoch."
        ).format(n=evaluate.MIN_PAIRS, sample=number(benchmark_files.ANALOGY_SAMPLE, ","))
    )
    with st.expander(_("Each trainer's loss beside the scores")):
        losses = tuple((name, str(run.path)) for name, run in named_runs.items() if run.has_loss)
        if losses:
            widgets.chart(specs.losses(losses))
        if len(losses) < len(named_runs):
            st.caption(_("No loss curve for a run opened without training metrics."))
    with st.expander(_("Scores per epoch (table)")):
        both = pd.concat([t.assign(trainer=name) for name, t in tables.items()], ignore_index=True)
        # the score columns keep metrics.csv's names: the table is that file's
        scores = both.set_index(["trainer", "epoch"]).rename_axis([_("trainer"), _("epoch")])
        st.dataframe(table_style(scores), width="stretch")

st.subheader(_("Which analogy questions are answered right"))
sample = benchmark_files.sample_analogies(pair.first.vocab)
if sample.empty:
    st.info(_("No analogy question has all four words in this vocabulary."))
    st.stop()
epoch = widgets.epoch_slider("quality_epoch", pair.snapshot_epochs, label=_("Epoch"))  # a row of the arrays
only_right = st.toggle(_("Only questions at least one trainer gets right"), value=True, key="quality_only_right")
with widgets.guard():
    answers = {name: hits(str(run.path), epoch) for name, run in named_runs.items()}
    first = next(iter(answers.values()))
    table = first[["section", "question", "expected"]].set_axis([_("section"), _("question"), _("expected")], axis=1)
    right = []
    for name, frame in answers.items():
        table[_("{trainer}: answer").format(trainer=name)] = frame["predicted"]
        right.append(_("{trainer}: right").format(trainer=name))
        table[right[-1]] = frame["correct"]
    st.caption(
        _("Epoch {epoch}: {scores}").format(
            epoch=pair.snapshot_epochs[epoch],
            scores=" · ".join(
                _("{trainer} {right} of {total} right").format(
                    trainer=name, right=int(answers[name]["correct"].sum()), total=len(sample)
                )
                for name in answers
            ),
        )
    )
    shown = table[table[right].any(axis=1)] if only_right else table
    st.dataframe(shown, hide_index=True, width="stretch", height=360)
