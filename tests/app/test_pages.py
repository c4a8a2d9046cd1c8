"""Smoke test: start at app.py, open every page, and find its main chart or table."""

import tomllib
from pathlib import Path

import pytest
from app_helpers import ROOT, chart_spec, charts, open_page, texts

from embedlab.config import Limits
from embedlab.teaching import sitemap

# What each of this team's pages must show on the default toy runs (its "main" elements).
EXPECTED = {
    "pages/lecture.py": {"charts": 9},  # one per step of the tour
    "pages/corpus.py": {"charts": 1, "dataframes": 2},  # Zipf plot; preview and vocabulary
    "pages/train.py": {"forms": 1, "radios": 3},  # the settings form; this session's runs
    "pages/heatmaps.py": {"charts": 3},  # two heatmaps and the planted-group separation
    "pages/map.py": {"charts": 2, "dataframes": 1},  # a map per trainer; the roads of the word searched
    "pages/neighbours.py": {"charts": 1, "dataframes": 4},  # turnover; neighbours and analogies ×2
    "pages/dynamics.py": {"charts": 4},  # metrics ×2, trajectories, change scores
    "pages/compare.py": {"charts": 3},  # agreement, overlap, loss per trainer
    "pages/export.py": {"downloads": 6, "dataframes": 1},
}
PAGES = [path for path, _, _ in sitemap.PAGES if (ROOT / path).exists()]


def test_every_page_of_this_team_is_in_the_navigation():
    listed = {path for path, _, _ in sitemap.PAGES}
    assert set(EXPECTED) <= listed
    assert {"pages/quality.py", "pages/bias_variance.py"} <= listed  # written by other engineers
    assert sitemap.DEFAULT_PAGE in listed


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, page):
    at = open_page(app, page)
    assert not at.error, [e.value for e in at.error]
    expected = EXPECTED.get(page, {})
    if "charts" in expected:
        assert len(charts(at)) >= expected["charts"]
    if "dataframes" in expected:
        assert len(at.dataframe) >= expected["dataframes"]
    if "forms" in expected:
        assert len(at.get("form")) >= expected["forms"] or len(at.form) >= expected["forms"]
    if "radios" in expected:
        assert len(at.radio) >= expected["radios"]
    if "downloads" in expected:
        assert len(at.get("download_button")) == expected["downloads"]


@pytest.mark.parametrize("page, panels", [("pages/dynamics.py", 10), ("pages/quality.py", 2)])
def test_panel_grids_fill_the_page_two_a_row(app, page, panels):
    """A concatenated or faceted grid keeps its panels' fixed widths (Vega-Lite cannot fit it to
    its container), so at 1400 px the metric and score panels sat in the left half. Each panel
    is a chart of its own, two a row in columns, fitted to its column."""
    at = open_page(app, page)
    in_columns = [chart for column in at.columns for chart in column.get("vega_lite_chart")]
    assert len(in_columns) >= panels
    for chart in in_columns:
        spec = chart_spec(chart)
        assert not {"concat", "hconcat", "vconcat", "facet"} & set(spec)
        assert spec["autosize"]["type"] == "fit" and "width" not in spec


def test_first_page_shows_trained_results_and_the_sidebar_names_them(app):
    # the default page (the Lecture) shows charts of both trainers' runs without a click
    assert len(charts(app)) >= 2
    sidebar = " ".join(texts(app.sidebar))  # (AppTest 1.67 drops the sidebar after switch_page)
    assert "**Corpus:** toy" in sidebar and "Current runs:" in sidebar
    assert "d=50" in sidebar and "NumPy softmax: V = 291" in sidebar and "gensim Word2Vec: V = 291" in sidebar
    assert "numpy-" not in sidebar  # no hashed run ids


def test_upload_cap_in_streamlit_config_is_the_one_in_embedlab_config():
    config = tomllib.loads(Path(ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == Limits().max_upload_mb
