"""A run that kept every k-th snapshot (``train --snapshot-every``), opened on the pages: every
epoch picker offers the epochs it kept and every label and table names them, never the rows.

The run: toy, 5 epochs, every 2nd kept, so its rows 0..3 are the epochs 0, 2, 4, 5."""

from __future__ import annotations

import json

import numpy as np
import pytest
from app_helpers import chart_data, chart_spec, charts, open_page, texts
from cli_runner import run_embedlab
from test_open_embeddings import open_files

from embedlab.export import run_bundle
from embedlab.store import load_run

KEPT = [0, 2, 4, 5]


def titled(at, epoch: int) -> bool:
    """Whether a chart of the page is titled for ``epoch`` ("… · epoch 4")."""
    return any(f"· epoch {epoch}" in json.dumps(chart_spec(chart), ensure_ascii=False) for chart in charts(at))


@pytest.fixture(scope="module")
def sparse_run(tmp_path_factory):
    where = tmp_path_factory.mktemp("sparse")
    args = ["train", "--corpus", "toy", "--trainer", "numpy", "--dim", "6", "--epochs", "5", "--min-count", "5"]
    result = run_embedlab([*args, "--seed", "4", "--snapshot-every", "2", "--out", "every"], cwd=where)
    assert result.returncode == 0, result.stderr
    run = load_run(where / "every")
    assert run.snapshot_epochs == KEPT
    return run


@pytest.fixture
def opened(app, sparse_run):
    at = open_files(app, [(f"{sparse_run.run_id}.zip", run_bundle(sparse_run), "application/zip")])
    assert not at.error, [e.value for e in at.error]
    assert list(at.session_state["runs"][at.session_state["current_run"]].paths) == ["imported"]
    return at


def _epoch_picker(at, key):
    picker = at.select_slider(key=key)
    assert [int(o) for o in picker.options] == KEPT
    return picker


@pytest.mark.slow
def test_the_heatmaps_and_the_map_step_through_the_kept_epochs(opened, sparse_run):
    at = open_page(opened, "pages/heatmaps.py")
    picker = _epoch_picker(at, "hm_epoch")
    assert int(picker.value) == 5 and titled(at, 5)
    picker.set_value(4).run()
    assert not at.exception and titled(at, 4) and not titled(at, 2)
    heatmap = chart_data(charts(at)[0])[0]  # the cosines of row 2, the snapshot after epoch 4
    words = list(heatmap["word_a"].unique()[:2])
    rows = [sparse_run.vocab.index[w] for w in words]
    v = sparse_run.input_vectors[2][rows].astype(np.float64)
    cosine = v[0] @ v[1] / np.linalg.norm(v[0]) / np.linalg.norm(v[1])
    shown = heatmap[(heatmap["word_a"] == words[0]) & (heatmap["word_b"] == words[1])]["cosine"].iloc[0]
    assert shown == pytest.approx(cosine, abs=1e-5)

    at = open_page(at, "pages/map.py")
    picker = _epoch_picker(at, "map_epoch")
    picker.set_value(2).run()
    assert not at.exception and titled(at, 2) and "Since epoch 0" in " ".join(texts(at.main))


@pytest.mark.slow
def test_neighbours_quality_and_export_offer_the_kept_epochs(opened, sparse_run):
    at = open_page(opened, "pages/neighbours.py")
    shown = at.multiselect(key="nb_epochs")
    assert [int(o) for o in shown.options] == KEPT[::-1] and sorted(map(int, shown.value)) == KEPT
    table = at.dataframe[0].value
    assert list(table.columns) == [f"epoch {e}" for e in KEPT[::-1]]

    at = open_page(at, "pages/quality.py")
    assert not at.exception
    if at.select_slider:  # the analogy table needs questions in the vocabulary
        _epoch_picker(at, "quality_epoch").set_value(2).run()
        assert any(t.startswith("Epoch 2:") for t in texts(at.main))

    at = open_page(at, "pages/export.py")
    _epoch_picker(at, "export_epoch").set_value(4).run()
    assert not at.exception and not at.error


@pytest.mark.slow
def test_dynamics_draws_the_kept_epochs(opened):
    at = open_page(opened, "pages/dynamics.py")
    assert not at.exception and not at.error
    epochs = set()
    for chart in charts(at):
        for frame in chart_data(chart):
            if "epoch" in frame:
                epochs |= set(frame["epoch"].dropna().astype(int))
    assert epochs == set(KEPT)
