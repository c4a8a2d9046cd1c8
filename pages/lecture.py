"""Lecture: the lecture's claims in order, each with its formula, a chart of the current runs and what they show.

The first step's text is drawn first (embedlab.teaching.tour), before the dashboard and the rest of the package are
imported: on a fresh server that import takes seconds, and the first visitor reads meanwhile. The
runs are loaded afterwards, with their progress in the first step's chart; the other steps' text
is drawn once that chart is, and each step's chart and note then fill in (embedlab.teaching.lecture).
"""

import sys

import streamlit as st

from dashboard import language  # Streamlit and the catalog only
from embedlab import roles
from embedlab.i18n import _, current
from embedlab.teaching import glossary, tour

language.apply()  # app.py did, but AppTest reruns a page without its frame

GLOSSARY_ANCHOR = "lecture-glossary"
STEPS = tour.steps()  # the tour in this visitor's language (app.py set it)
st.header(tour.title())
st.markdown(tour.intro())
contents = [f"[{step.section} {step.title}](#{step.anchor})" for step in STEPS]
st.markdown(" · ".join([*contents, "[{}](#{})".format(_("Glossary"), GLOSSARY_ANCHOR)]))
notice = st.empty()  # the runs are not of the current corpus: said here, in the first screen

slots = {}


def draw_steps(steps: tuple[tour.Step, ...]) -> None:
    """Each step's text, an empty slot for its chart and note, and its link."""
    for step in steps:
        with st.container(border=True, key=step.anchor):
            for function, text, options in step.blocks():
                getattr(st, function)(text, **options)
            slots[step.key] = st.empty()  # the chart and the note, once the runs are there
            st.page_link(step.page, label=step.page_label, icon=":material/arrow_forward:")


# The first step is drawn before the import, the others once its chart is (the step loop below):
# the less there is to draw ahead of it, the sooner the browser shows its formula. Heading to
# formula on a fresh server: 0.16-1.10 s (median 0.43) with one step first, 0.69-1.75 s (median
# 0.82) with two, the first chart no later (six runs each, alternated, tests/e2e/test_lecture_tour.py);
# with all nine steps first it was later still.
FIRST_SCREEN = 1
draw_steps(STEPS[:FIRST_SCREEN])

if "dashboard.runs" not in sys.modules:  # a fresh server: the import below takes seconds
    starting = slots[STEPS[0].key].container()
    starting.caption(_("EmbedLab is starting: loading NumPy, pandas and Altair. The charts follow."))
    # An empty 1×1 chart, so that the browser loads its chart library (Vega) during the import: the
    # first real chart then draws ~0.6 s sooner. The runs' progress replaces it. It is sent once
    # pandas (half the import) is in, not with the text: compiling Vega's 775 KB on the tab's one
    # thread held the first formula back. Heading to formula: 0.48-0.65 s, against 0.81-1.18 s
    # with the chart sent at once; the first chart no later (three fresh servers each, alternated).
    import pandas  # noqa: F401

    starting.vega_lite_chart(
        {"mark": "point", "width": 1, "height": 1, "padding": 0, "autosize": "none"}, width="content"
    )
import pandas as pd  # noqa: E402

from dashboard import frame, runs, widgets  # noqa: E402  (after the text, on purpose)
from dashboard import lecture as steps  # noqa: E402
from dashboard.session import session  # noqa: E402
from embedlab import charts, i18n  # noqa: E402
from embedlab.experiments import biasvar  # noqa: E402
from embedlab.markup import inert  # noqa: E402
from embedlab.teaching import lecture, lecture_experiments, lecture_measures  # noqa: E402
from embedlab.text.lookup import display_word  # noqa: E402

frame.open_page(__file__)
if not frame.is_set_up():  # a fresh server's first visit: app.py left the session to this page
    frame.init_session()

with slots[STEPS[0].key].container():
    runs.ensure_default_runs()  # loads (or trains) the default runs, its progress where the first chart goes
pair = runs.current_pair()
with notice.container():
    runs.runs_notice(pair)
if pair is None:
    draw_steps(STEPS[FIRST_SCREEN:])
    for slot in slots.values():
        slot.info(_("No runs to show: open the Train page and press Train."))
    st.stop()
paths = steps.paths_of(pair)


def show(spec: dict | None, measured: lecture.Measured) -> None:
    if spec is not None:
        st.vega_lite_chart(spec=spec, width="stretch")
    st.markdown("**{}**\n\n{}".format(_("In these runs"), measured.note))
    if measured.more:
        st.markdown(f":material/add_circle: {measured.more}")


@st.fragment
def geometry() -> None:
    """§3 with its word picker: a new word redraws only this step."""
    vocab = pair.first.vocab
    default = widgets.chosen_words(pair.first)[0] if widgets.chosen_words(pair.first) else vocab.words[0]
    word_col, trainer_col = st.columns([2, 3])
    word = word_col.selectbox(
        _("word"), vocab.words, index=vocab.index.get(default, 0), key="lecture_word", format_func=display_word
    )
    role = trainer_col.segmented_control(
        _("the table's trainer"), list(pair.runs()), default=next(iter(pair.runs())), format_func=roles.name
    )
    run = pair.runs()[role or next(iter(pair.runs()))]
    corpora = steps.uploads_of(pair, session.uploads)  # §3 rebuilds an upload's objective from it
    show(*steps.view("geometry", paths, word, current(), steps.held(corpora), corpora))
    table = lecture_measures.step_table(run.input_vectors, vocab.index[word])
    st.caption(
        _(
            "{trainer}, *{word}*, its first components. Bookkeeping of the path, not evidence: "
            "v(0) + Σ Δv(t) = v(T) holds for any sequence of vectors (the sum telescopes)"
        ).format(trainer=roles.name(role), word=inert(display_word(word)))
    )
    table = table.rename_axis(_("row"))
    # one format a column, 4 decimals (Streamlit's own drops trailing zeros: 0.02 above 0.013)
    st.dataframe(i18n.table_style(table.iloc[[0, -3, -2, -1]]), width="stretch")
    st.caption(_("…and every epoch's step Δv(t) = v(t) − v(t−1)"))
    st.dataframe(i18n.table_style(table.iloc[1:-3]), height=250, width="stretch")


for step in STEPS:
    if step.key not in slots:  # the steps after the first, once its chart is drawn
        draw_steps(STEPS[FIRST_SCREEN:])
    with slots[step.key].container(), widgets.guard():
        if step.key == "geometry":
            geometry()
        elif step.key == "biasvar":
            sweep = session.bv_sweep  # the Bias–variance page's last sweep, if any
            if sweep is None:
                show(*steps.view(step.key, paths, language=current()))
            else:
                named = {roles.name(role): run for role, run in pair.runs().items()}
                verdict = biasvar.optimum_text(biasvar.optimum(sweep["table"]), sweep["options"].runs)
                measured = lecture_experiments.bias_variance(
                    named,
                    sweep["table"],
                    _("This session's sweep ({label}): {verdict}").format(label=sweep["label"], verdict=verdict),
                )
                show(i18n.localise_spec(charts.step_chart(measured, roles.colours()).to_dict()), measured)
        else:
            show(*steps.view(step.key, paths, language=current()))

# The lecture's terms both ways, for a student going from the note to the English literature.
st.subheader(_(glossary.TITLE), anchor=GLOSSARY_ANCHOR)
st.dataframe(pd.DataFrame(glossary.rows(), columns=list(glossary.columns())), hide_index=True, width="stretch")
