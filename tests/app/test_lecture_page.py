"""The Lecture start page in AppTest: the app opens on it, and every step of the tour has its
formula, its chart of the current runs (or a note saying why not), its note with numbers read
from the runs, and its link to the page that explores it."""

import io
import json
import math
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from app_helpers import APP, chart_spec
from streamlit.testing.v1 import AppTest

from dashboard import runs as dashboard_runs
from embedlab.config import SweepOptions
from embedlab.store import load_run
from embedlab.teaching import tour


def elements(block, kind: str) -> list:
    """Every element of one kind inside a block, depth first."""
    found = []
    for child in getattr(block, "children", {}).values():
        if getattr(child, "type", None) == kind:
            found.append(child)
        found += elements(child, kind)
    return found


def steps(at) -> dict:
    """The tour's step containers on the page, by anchor, in page order."""
    anchors = {step.anchor for step in tour.STEPS}
    return {child.key: child for child in at.main.children.values() if getattr(child, "key", None) in anchors}


def note(block) -> str:
    notes = [m.value for m in elements(block, "markdown") if m.value.startswith("**In these runs**")]
    assert len(notes) == 1, notes
    return notes[0]


def displayed(frame) -> pd.DataFrame:
    """A table's cells as the page shows them (a Styler's display values, as Streamlit sends them)."""
    data = frame.proto.arrow_data.styler.display_values
    assert data, "no display values: the table is shown in Streamlit's own number format"
    return pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas()


def runs_of(at) -> dict:
    record = at.session_state["runs"][at.session_state["current_run"]]
    return {role: load_run(path) for role, path in record.paths.items()}


def test_the_app_opens_on_the_lecture_and_walks_every_step(app):
    assert app.header[0].value == tour.TITLE
    found = steps(app)
    assert list(found) == [step.anchor for step in tour.STEPS]  # every claim, in the lecture's order
    for step in tour.STEPS:
        block = found[step.anchor]
        assert elements(block, "subheader")[0].value == step.heading
        assert [latex.value.strip("$ \n") for latex in elements(block, "latex")] == list(step.formulas)
        assert any(m.value.startswith("**What to look for:**") for m in elements(block, "markdown"))
        charts = elements(block, "vega_lite_chart")
        assert len(charts) == 1, step.key  # the default runs show every claim, some through a stand-in
        assert chart_spec(charts[0])["title"]
        assert note(block)
        links = [link.proto.page for link in elements(block, "page_link")]  # URL paths, e.g. "neighbours"
        assert links == [Path(step.page).stem], links


def test_the_notes_quote_the_runs_numbers(app):
    runs = runs_of(app)
    found = steps(app)
    numpy = runs["numpy"].metrics
    V = len(runs["numpy"].vocab)
    assert f"ln V = ln {V} = {math.log(V):.3f}" in note(found["lecture-softmax"])
    assert f"L = {numpy['loss'].iloc[0]:.3f} at epoch 0" in note(found["lecture-softmax"])
    g = numpy["grad_norm"]
    assert f"peak {g.max():.2g} at epoch {int(g.idxmax())}" in note(found["lecture-gradient"])
    norms = runs["gensim"].metrics["mean_norm"]
    assert f"{norms.iloc[-1]:.2f} at epoch {len(norms) - 1}" in note(found["lecture-l2"])


def test_the_opt_in_steps_show_what_exists_and_say_how_to_get_the_rest(app):
    found = steps(app)
    for key, page in (("l2", "train"), ("biasvar", "bias_variance"), ("finetune", "finetune")):
        block = found[f"lecture-{key}"]
        more = [m.value for m in elements(block, "markdown") if m.value.startswith(":material/add_circle:")]
        assert len(more) == 1 and "page" in more[0], key
        assert elements(block, "page_link")[-1].proto.page == page
        assert elements(block, "vega_lite_chart"), key  # what exists now, never an empty chart


def test_the_geometry_step_follows_the_word_picked(app):
    at = app
    at.selectbox(key="lecture_word").set_value("dog").run()
    assert not at.exception
    block = steps(at)["lecture-geometry"]
    assert "*dog*" in note(block) and "downhill" in note(block) and "bookkeeping" in note(block)
    assert "dog" in chart_spec(elements(block, "vega_lite_chart")[0])["title"]
    total, steps_table = (frame.value for frame in elements(block, "dataframe"))
    assert list(total.index) == ["v(0)", "Σ Δv(t)", "v(0) + Σ Δv(t)", "v(T)"]
    assert list(steps_table.index) == [f"Δv({t})" for t in range(1, len(steps_table) + 1)]
    pd.testing.assert_series_equal(total.iloc[-2], total.iloc[-1], check_names=False, atol=1e-12)
    components = steps_table.drop(columns="‖·‖")  # the lengths of the steps do not add up; the steps do
    pd.testing.assert_series_equal(total.iloc[1].drop("‖·‖"), components.sum(), check_names=False, atol=1e-9)
    run = runs_of(at)["numpy"]
    v = run.input_vectors[:, run.vocab.index["dog"], 0].astype(float)
    assert total.loc["v(0)", "v[1]"] == pytest.approx(v[0]) and total.loc["v(T)", "v[1]"] == pytest.approx(v[-1])
    # as shown: one format a column, four decimals (Streamlit's own dropped trailing zeros: 0.02 above 0.013)
    for frame in elements(block, "dataframe"):
        shown = displayed(frame)
        assert shown.shape == frame.value.shape
        for column in shown.columns:
            assert all(re.fullmatch(r"-?\d+\.\d{4}", text) for text in shown[column]), shown[column].tolist()


def test_a_sweep_from_this_session_replaces_the_stand_in(app):
    at = app
    table = pd.DataFrame(
        {
            "dim": [2, 8, 32],
            "bias2": [0.3, 0.1, 0.05],
            "variance": [0.01, 0.05, 0.2],
            "noise": [0.5] * 3,
            "total": [0.81, 0.65, 0.75],
            "bias2_corrected": [0.3, 0.1, 0.05],
            "bias2_sampling": [0.02] * 3,
            "bias2_model": [0.28, 0.08, 0.03],
            "variance_unbiased": [0.01, 0.05, 0.2],
            "noise_unbiased": [0.52] * 3,
            "total_run_0": [0.80, 0.64, 0.74],
            "total_run_1": [0.82, 0.66, 0.76],
        }
    )
    at.session_state["bv_sweep"] = {"table": table, "options": SweepOptions(runs=2), "label": "toy · test sweep"}
    at.run()
    block = steps(at)["lecture-biasvar"]
    assert "This session's sweep (toy · test sweep)" in note(block) and "lowest at d = 8" in note(block)
    assert not [m for m in elements(block, "markdown") if m.value.startswith(":material/add_circle:")]
    spec = chart_spec(elements(block, "vega_lite_chart")[0])
    assert "over d" in json.dumps(spec["title"])


def test_without_runs_every_step_keeps_its_text_and_says_how_to_get_runs(monkeypatch):
    """With no runs (the default runs could not be had), all nine steps are still drawn, in order,
    each saying how to get runs; nothing fails."""
    monkeypatch.setattr(dashboard_runs, "ensure_default_runs", lambda: None)
    at = AppTest.from_file(APP, default_timeout=60).run(timeout=180)
    assert not at.exception, at.exception
    blocks = steps(at)
    assert list(blocks) == [step.anchor for step in tour.STEPS]
    for step in tour.STEPS:
        infos = [i.value for i in elements(blocks[step.anchor], "info")]
        assert infos == ["No runs to show: open the Train page and press Train."], step.key
