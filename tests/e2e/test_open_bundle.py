"""A run trained by the command line, exported as a bundle and opened in the browser shows the
original run's numbers on every page; a pickle is refused with one line.

The numbers are read from what the browser actually received: every websocket frame is decoded
as Streamlit's ForwardMsg, and the datasets of the charts (Arrow) and the tables on each page are
compared with the run directory the CLI wrote — cosines and neighbours recomputed with plain
NumPy, curves and scores read from its metrics.csv, downloads compared byte for byte.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import ROOT, exceptions, new_page, open_page, screenshot, upload, wait_for, wait_for_text
from streamlit import dataframe_util
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from embedlab.charts import PANELS, SERIES_NAMES
from embedlab.export import word2vec_text
from embedlab.store import FILES, load_run

pytestmark = pytest.mark.e2e

DIM, EPOCHS, QUERY = 12, 3, "king"
CHART = '[data-testid="stVegaLiteChart"]'
TABLE = '[data-testid="stDataFrame"]'
ERROR = '[data-testid="stAlertContentError"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
INFO = '[data-testid="stAlertContentInfo"]'


class Received:
    """Every ForwardMsg the server sends to one page, decoded; references to messages sent before
    (Streamlit's message cache) are resolved by their hash."""

    def __init__(self, page):
        self.messages: list[ForwardMsg] = []
        self.by_hash: dict[str, ForwardMsg] = {}
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        message.ParseFromString(bytes(payload))
        if message.WhichOneof("type") == "ref_hash":
            message = self.by_hash[message.ref_hash]
        elif message.hash:
            self.by_hash[message.hash] = message
        self.messages.append(message)

    def clear(self) -> None:
        self.messages.clear()

    def elements(self) -> list:
        return [
            m.delta.new_element
            for m in self.messages
            if m.WhichOneof("type") == "delta" and m.delta.HasField("new_element")
        ]

    def chart_data(self) -> list[pd.DataFrame]:
        frames = []
        for element in self.elements():
            if element.WhichOneof("type") == "vega_lite_chart":
                for dataset in element.vega_lite_chart.datasets:
                    frames.append(pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all().to_pandas())
        return frames

    def tables(self) -> list[pd.DataFrame]:
        out = []
        for element in self.elements():
            if element.WhichOneof("type") == "dataframe":
                data = element.dataframe.arrow_data.data or element.dataframe.lazy_data.initial_chunk.data
                out.append(dataframe_util.convert_arrow_bytes_to_pandas_df(data))
        return out


def frames_with(frames: list[pd.DataFrame], columns: set[str]) -> list[pd.DataFrame]:
    return [frame for frame in frames if columns <= set(frame.columns)]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory, e2e_cache) -> tuple[Path, bytes]:
    """A NumPy run trained by `python -m embedlab train`, and its bundle from `export --format bundle`."""
    where = tmp_path_factory.mktemp("cli-run")
    env = {**os.environ, "EMBEDLAB_CACHE_DIR": str(e2e_cache), "PYTHONPATH": str(ROOT)}
    env.pop("EMBEDLAB_UNLIMITED", None)
    for args in (
        ["train", "--corpus", "toy", "--trainer", "numpy", "--dim", str(DIM), "--epochs", str(EPOCHS), "--out", "run"],
        ["export", "run", "--format", "bundle", "--out", "run.zip"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "embedlab", *args], cwd=where, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr
    return where / "run", (where / "run.zip").read_bytes()


@pytest.fixture(scope="module")
def opened(browser, server, cli_run):
    """A visitor who opened the bundle on the Corpus page, and the frames their page receives."""
    context, page = new_page(browser, server)
    received = Received(page)
    page.goto(server.url)
    wait_for(page, CHART, count=2)  # the default runs
    open_page(page, "Corpus")
    page.get_by_role("tab", name="Open embeddings").click()
    upload(page, "run.zip", cli_run[1], "application/zip", label="Files to open")
    click_open(page)
    wait_for_text(page, SUCCESS, "Opened run.zip")
    yield page, received
    context.close()


def click_open(page) -> None:
    """The Open tab's submit button (the selectboxes' toggles are also called "Open"); Playwright waits
    until it is enabled, i.e. the upload has reached the server."""
    page.locator('[data-testid="stBaseButton-primaryFormSubmit"]').filter(has_text="Open").click()


def visit(opened, title: str, expected: dict[str, int]):
    page, received = opened
    received.clear()
    open_page(page, title)
    for selector, count in expected.items():
        wait_for(page, selector, count=count, timeout=60)
    screenshot(page, f"opened_{title.lower().replace(' ', '_')}")
    assert exceptions(page) == [] and page.locator(ERROR).all_inner_texts() == []
    return page, received


def test_the_bundle_opens_and_the_sidebar_names_it(opened, cli_run):
    page, _ = opened
    screenshot(page, "opened_corpus_open_tab")
    text = page.locator('[data-testid="stApp"]').inner_text()
    assert "run.zip (opened)" in text and f"d = {DIM}" in text and f"{EPOCHS} epochs" in text
    assert f"EmbedLab run of the numpy trainer on toy: 291 words × d = {DIM}, epochs 0–{EPOCHS}." in text


def test_heatmaps_show_the_original_cosines(opened, cli_run):
    original = load_run(cli_run[0])
    _, received = visit(opened, "Heatmaps", {CHART: 2})
    (heatmap,) = frames_with(received.chart_data(), {"word_a", "word_b", "cosine"})
    words = list(dict.fromkeys(heatmap["word_a"]))
    rows = [original.vocab.index[w] for w in words]
    X = original.input_vectors[EPOCHS][rows].astype(np.float64)  # the slider starts at the last epoch
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    np.testing.assert_allclose(heatmap["cosine"].to_numpy().reshape(len(words), -1), X @ X.T, rtol=0, atol=1e-12)
    (separation,) = frames_with(received.chart_data(), {"epoch", "cosine", "value"})
    assert sorted(set(separation["epoch"])) == list(range(EPOCHS + 1))  # the toy corpus's planted groups


def test_the_map_is_the_original_runs_plane(opened, cli_run):
    original = load_run(cli_run[0])
    _, received = visit(opened, "Map", {CHART: 1})
    points = max(frames_with(received.chart_data(), {"word", "x", "y", "neighbours"}), key=len)  # not the ringed words
    # independently: unit vectors of every word at the last epoch (toy: V < the map's 500 words),
    # centred, projected on their two principal axes; the picture is fixed up to the axes' signs
    X = original.input_vectors[EPOCHS].astype(np.float64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X -= X.mean(axis=0)
    plane = X @ np.linalg.svd(X, full_matrices=False)[2][:2].T
    rows = [original.vocab.index[w] for w in points["word"]]
    assert sorted(rows) == list(range(len(original.vocab)))
    shown = points[["x", "y"]].to_numpy(np.float64)
    np.testing.assert_allclose(np.abs(shown), np.abs(plane[rows]), atol=1e-5)


def test_neighbours_are_the_original_runs(opened, cli_run):
    original = load_run(cli_run[0])
    _, received = visit(opened, "Neighbours", {TABLE: 2, CHART: 1})
    table = next(t for t in received.tables() if set(t.columns) == {f"epoch {e}" for e in range(EPOCHS + 1)})
    query = original.vocab.index[QUERY]
    for epoch in range(EPOCHS + 1):
        unit = original.input_vectors[epoch].astype(np.float64)
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        sims = unit @ unit[query]
        sims[query] = -np.inf
        best = np.lexsort((np.arange(len(sims)), -sims))[:10]  # by cosine, ties by row
        expected = [f"{original.vocab.words[i]} ({sims[i]:.2f})" for i in best]
        assert table[f"epoch {epoch}"].tolist() == expected, epoch


def test_dynamics_curves_are_the_original_metrics(opened, cli_run):
    metrics = pd.read_csv(cli_run[0] / "metrics.csv")
    _, received = visit(opened, "Dynamics", {CHART: 3})
    names = {v: k for k, v in SERIES_NAMES.items()}
    panels = frames_with(received.chart_data(), {"epoch", "series", "value"})
    shown = {names.get(s, s) for frame in panels for s in frame["series"]}
    assert {"loss", "heldout_loss", "grad_norm", "mean_norm", "displacement", "lr"} <= shown
    for frame in panels:
        for epoch, series, value in frame[["epoch", "series", "value"]].itertuples(index=False):
            assert value == metrics.loc[metrics["epoch"] == epoch, names.get(series, series)].item()


def test_quality_scores_are_the_original_metrics(opened, cli_run):
    metrics = pd.read_csv(cli_run[0] / "metrics.csv").set_index("epoch")
    _, received = visit(opened, "Quality over epochs", {CHART: 2})
    columns = {title: column for column, title, *_ in PANELS}
    scores = pd.concat(frames_with(received.chart_data(), {"epoch", "panel", "value"}))  # a chart per score
    assert {"planted groups: within − between cosine"} <= set(scores["panel"])
    for epoch, panel, value in scores[["epoch", "panel", "value"]].itertuples(index=False):
        assert value == metrics.loc[epoch, columns[panel]]


def test_compare_says_it_needs_both_trainers(opened):
    page, _ = visit(opened, "Compare", {INFO: 1})
    assert "needs both trainers" in page.locator(INFO).first.inner_text()


def test_export_gives_back_the_original_files(opened, cli_run):
    original = load_run(cli_run[0])
    page, received = visit(opened, "Export", {'[data-testid="stDownloadButton"]': 5, TABLE: 1})
    (table,) = received.tables()
    pd.testing.assert_frame_equal(table.reset_index(drop=True), original.metrics)
    button = page.locator('[data-testid="stDownloadButton"] button')
    with page.expect_download(timeout=120_000) as download:
        button.filter(has_text="word2vec .txt").click()
    assert Path(download.value.path()).read_bytes() == word2vec_text(original, EPOCHS)
    assert download.value.suggested_filename == f"{original.run_id}-epoch{EPOCHS}.txt"
    with page.expect_download(timeout=120_000) as download:
        button.filter(has_text="Run bundle .zip").click()
    with zipfile.ZipFile(download.value.path()) as bundle:
        for name in (*FILES, "split.json", "manifest.json"):
            assert bundle.read(f"{original.run_id}/{name}") == (original.path / name).read_bytes(), name


def test_a_pickle_is_refused_with_one_line(opened, tmp_path):
    from gensim.models import Word2Vec

    page, _ = opened
    model = Word2Vec([["a", "b", "c"]] * 10, vector_size=4, min_count=1, epochs=1, workers=1)
    model.save(str(tmp_path / "w2v.model"))
    open_page(page, "Corpus")
    page.get_by_role("tab", name="Open embeddings").click()
    upload(page, "w2v.model", (tmp_path / "w2v.model").read_bytes(), "application/octet-stream", label="Files to open")
    click_open(page)
    wait_for(page, ERROR)
    message = page.locator(ERROR).inner_text().strip()
    assert "pickle" in message and "save_word2vec_format" in message and "\n" not in message
    assert exceptions(page) == []
    assert "run.zip (opened)" in page.locator('[data-testid="stSidebarUserContent"]').inner_text()  # runs unchanged
