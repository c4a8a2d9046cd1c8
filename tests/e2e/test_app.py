"""The whole app in headless Chromium: first load, upload, train, every page, a bad upload.

One visitor (one browser context) goes through the app in order; each step is a module-scoped
fixture, so a test that needs "a trained upload" gets it even when run alone (``-k``).
Screenshots of every page go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from conftest import (
    HEADERS,
    RUN_SECONDS,
    exceptions,
    make_corpus,
    new_page,
    open_page,
    radio_options,
    screenshot,
    selected_option,
    upload,
    wait_for,
    wait_for_app,
    wait_for_text,
)

from embedlab.config import BUILTIN_CORPORA, DashboardSettings
from embedlab.text.corpus import corpus_from_bytes

pytestmark = pytest.mark.e2e

UPLOAD_NAME = "sample-vi.txt"
UPLOAD = make_corpus(seed=1)
DIM, EPOCHS = 10, 3
RUN_LABEL = f"{UPLOAD_NAME} · d={DIM} · {EPOCHS} epochs"
CHART = '[data-testid="stVegaLiteChart"]'
TABLE = '[data-testid="stDataFrame"]'
ERROR = '[data-testid="stAlertContentError"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
TIMINGS: dict[str, float] = {}


def drawn_charts(page) -> int:
    """Charts whose Vega view has actually drawn (a canvas or svg with a size)."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)].filter(chart =>
            [...chart.querySelectorAll('canvas, svg.marks')].some(c => c.getBoundingClientRect().width > 50)
        ).length""",
        CHART,
    )


def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebarUserContent"]').inner_text()


@pytest.fixture(scope="module")
def visitor(browser, server):
    """One visitor's page after the first load: the default runs on the toy corpus are shown."""
    context, page = new_page(browser, server)
    started = time.monotonic()
    page.goto(server.url)
    wait_for(page, CHART, count=2)  # the Lecture, the start page: a chart per step of the tour
    TIMINGS["first load"] = time.monotonic() - started
    yield page
    context.close()


@pytest.fixture(scope="module")
def uploaded(visitor):
    """The visitor's page after uploading UPLOAD on the Corpus page."""
    open_page(visitor, "Corpus")
    upload(visitor, UPLOAD_NAME, UPLOAD)
    wait_for(visitor, SUCCESS)
    return visitor


@pytest.fixture(scope="module")
def trained(uploaded):
    """The visitor's page after training both trainers on the upload with d=10 and 3 epochs."""
    page = uploaded
    open_page(page, "Train")
    page.get_by_label("dimension d", exact=True).fill(str(DIM))
    page.get_by_label("epochs", exact=True).fill(str(EPOCHS))
    page.get_by_label("epochs", exact=True).press("Tab")  # number inputs commit on blur
    page.get_by_role("button", name="Train both").click()
    wait_for_text(page, SUCCESS, "Trained")
    return page


def test_first_load_shows_the_lecture_with_the_default_runs(visitor):
    page = visitor
    assert exceptions(page) == []
    assert drawn_charts(page) >= 9  # one chart per step of the tour, every one from the default toy runs
    sidebar = sidebar_text(page)
    defaults = DashboardSettings().numpy
    assert "Corpus: toy" in sidebar and f"toy · d={defaults.dim} · {defaults.epochs} epochs" in sidebar
    print(f"first load (trains both default runs unless the cache has them): {TIMINGS['first load']:.1f} s")
    screenshot(page, "first_load")


def test_an_upload_becomes_the_current_corpus_with_its_statistics(uploaded):
    page = uploaded
    assert exceptions(page) == [] and page.locator(ERROR).count() == 0
    assert UPLOAD_NAME in page.locator(SUCCESS).inner_text()
    metrics = dict(
        (label.strip(), value.strip())
        for label, value in (m.split("\n", 1) for m in page.locator('[data-testid="stMetric"]').all_inner_texts())
    )
    # the page segments a Vietnamese upload into words by default: its tokens are the segmented words
    tokens = corpus_from_bytes(UPLOAD, UPLOAD_NAME, segment="auto").n_tokens
    assert metrics["sentences"] == "400" and metrics["tokens"] == f"{tokens:,}"
    assert 2_000 <= tokens <= 5_000
    assert radio_options(page, "Corpus") == [*BUILTIN_CORPORA, f"{UPLOAD_NAME} (uploaded)"]
    assert selected_option(page, "Corpus") == f"{UPLOAD_NAME} (uploaded)"
    assert page.locator('[data-testid="stMain"] h3').first.inner_text() == UPLOAD_NAME
    assert drawn_charts(page) >= 1 and page.locator(TABLE).count() == 2  # Zipf plot, preview, vocabulary
    content = page.content()
    assert "phở" in content and "nắng" in content  # Vietnamese words survive the round trip
    assert f"Corpus: {UPLOAD_NAME} (uploaded)" in sidebar_text(page)


NOT_YET = "The runs shown are still those of"


def test_after_the_upload_the_lectures_first_screen_says_its_runs_are_not_of_it(uploaded):
    """Until the upload is trained, the Lecture (and every page with runs) says whose runs it shows,
    naming the uploaded file, in the first screen of a 1400 × 900 window, with Train one click away."""
    page = uploaded
    page.set_viewport_size({"width": 1400, "height": 900})
    try:
        open_page(page, "Lecture")
        notice = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text=NOT_YET).first
        notice.wait_for()
        said = notice.inner_text()
        assert UPLOAD_NAME in said and "toy" in said
        box = notice.bounding_box()
        assert box["y"] + box["height"] <= 900, box  # in the first screen, without scrolling
        train = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').filter(has_text="Train").first
        assert train.is_visible() and train.bounding_box()["y"] <= 900
    finally:
        page.set_viewport_size({"width": 1500, "height": 1100})


def test_training_the_upload_makes_its_runs_current(trained):
    page = trained
    assert exceptions(page) == [] and page.locator(ERROR).count() == 0
    assert RUN_LABEL in page.locator(SUCCESS).inner_text()
    assert drawn_charts(page) >= 2  # the live loss curve of each trainer
    assert RUN_LABEL in sidebar_text(page)


def test_once_the_upload_is_trained_the_lecture_shows_its_runs_without_the_notice(trained):
    page = trained
    open_page(page, "Lecture")
    wait_for(page, CHART, count=2)
    assert page.locator('[data-testid="stAlertContentWarning"]').filter(has_text=NOT_YET).count() == 0
    assert RUN_LABEL in sidebar_text(page)
    # §3 rebuilds the objective of runs trained on the upload from this session's copy of it
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(re.compile(r"\(the grey band\)|is not checked")).first.wait_for()
    assert "is not checked" not in main.inner_text() and "(the grey band)" in main.inner_text()


def run_the_sweep(page) -> None:
    """Bias–variance page: a tiny sweep (d ∈ {2, 4}, R = 2, 2 epochs), then its result (one chart of the
    trade-off, three numbers, the table)."""
    page.get_by_label("dimensions d", exact=True).fill("2,4")
    page.get_by_label("runs per d (R)", exact=True).fill("2")
    page.get_by_label("epochs", exact=True).first.fill("2")
    page.get_by_label("epochs", exact=True).first.press("Tab")
    page.get_by_role("button", name="Run the sweep").click()
    wait_for(page, '[data-testid="stMetric"]', count=3)  # the result: lowest total, noise, the identity's gap


def download_word2vec(page) -> None:
    """Export page: the word2vec file of the last epoch downloads and has the run's shape."""
    button = page.locator('[data-testid="stDownloadButton"] button').filter(has_text="word2vec .txt")
    with page.expect_download(timeout=120_000) as download:
        button.click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    vocabulary, dim = (int(n) for n in lines[0].split())
    assert dim == DIM and len(lines) == vocabulary + 1
    words = {line.split(" ")[0] for line in lines[1:]}
    assert {"phở", "nắng", "người"} <= words and all(len(line.split(" ")) == DIM + 1 for line in lines[1:])
    assert download.value.suggested_filename.endswith(f"-epoch{EPOCHS}.txt")


def download_projector_every_epoch(page) -> None:
    """Export page: the Projector zip holds one V × d tensor per epoch and a config naming them all."""
    button = page.locator('[data-testid="stDownloadButton"] button').filter(has_text="Projector, every epoch")
    with page.expect_download(timeout=120_000) as download:
        button.click()
    with zipfile.ZipFile(download.value.path()) as bundle:
        files = {Path(name).name: bundle.read(name) for name in bundle.namelist()}
    config = json.loads(files["projector_config.json"])
    assert [e["tensorPath"] for e in config["embeddings"]] == [f"epoch_{e:02d}.tsv" for e in range(EPOCHS + 1)]
    words = files["metadata.tsv"].decode("utf-8").splitlines()[1:]
    for entry in config["embeddings"]:
        rows = files[entry["tensorPath"]].decode("utf-8").splitlines()
        assert len(rows) == len(words) and all(len(row.split("\t")) == DIM for row in rows)
    assert {"phở", "nắng"} <= {line.split("\t")[0] for line in words}


def export_downloads(page) -> None:
    download_word2vec(page)
    download_projector_every_epoch(page)


# page title → (what must be on it once it has run, a step to take first or None)
PAGES = {
    "Corpus": ({CHART: 1, TABLE: 2, '[data-testid="stMetric"]': 6}, None),
    "Train": ({'[data-testid="stForm"]': 1, '[data-testid="stRadio"]': 3}, None),
    "Heatmaps": ({CHART: 2, '[data-testid="stSlider"]': 1}, None),
    "Map": ({CHART: 2, '[data-testid="stSlider"]': 1}, None),
    "Neighbours": ({TABLE: 4, CHART: 1}, None),
    "Dynamics": ({CHART: 4}, None),
    "Compare": ({CHART: 3}, None),
    "Quality over epochs": ({CHART: 1}, None),
    "Bias–variance over d": ({CHART: 1, TABLE: 1, '[data-testid="stMetric"]': 3}, run_the_sweep),
    "Export": ({'[data-testid="stDownloadButton"]': 6, TABLE: 1}, export_downloads),
}


@pytest.mark.parametrize("title", list(PAGES))
def test_every_page_shows_the_trained_upload_without_an_exception(trained, title):
    page = trained
    expected, step = PAGES[title]
    open_page(page, title)
    if step is not None:
        step(page)
    for selector, count in expected.items():
        wait_for(page, selector, count=count, timeout=60)
    screenshot(page, title.lower().replace("–", "-").replace(" ", "_"))  # before the checks: kept when one fails
    assert exceptions(page) == []
    assert page.locator(ERROR).all_inner_texts() == []
    if CHART in expected:
        assert drawn_charts(page) >= expected[CHART]
    assert RUN_LABEL in sidebar_text(page)  # every page's sidebar names the runs just trained


def test_a_binary_upload_shows_one_error_line_and_the_app_keeps_working(trained):
    page = trained
    open_page(page, "Corpus")
    upload(page, "bad.txt", bytes(range(256)) * 40)
    wait_for(page, ERROR)
    message = page.locator(ERROR).inner_text().strip()
    assert "bad.txt" in message and "binary" in message and "\n" not in message
    assert exceptions(page) == []
    screenshot(page, "bad_upload")
    # the current corpus and runs are unchanged, and the other pages still work
    assert page.locator('[data-testid="stMain"] h3').first.inner_text() == UPLOAD_NAME
    assert f"Corpus: {UPLOAD_NAME} (uploaded)" in sidebar_text(page)
    open_page(page, "Heatmaps")
    wait_for(page, CHART, count=2)
    assert exceptions(page) == [] and page.locator(ERROR).count() == 0
    assert drawn_charts(page) >= 2 and RUN_LABEL in sidebar_text(page)


# The right edge of each chart (its own box or anything drawn inside it) and of the main column's
# content (its box less its right padding), in CSS pixels.
CHART_EDGES = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const right = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
  return [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
    const parts = [chart, ...chart.querySelectorAll('canvas, svg.marks')].map(e => e.getBoundingClientRect().right);
    const title = chart.querySelector('text.role-title-text, .role-title text');
    return {chart: title ? title.textContent : '(untitled)', right: Math.max(...parts), column: right};
  });
}"""


def test_no_chart_reaches_past_the_main_column_in_a_1024_px_window(browser, server):
    """Nothing cut off at the right: a fixed-width Vega-Lite chart wider than its column is
    clipped by the page, which is how the Bias–variance, Compare, Quality and Map charts lost
    their right parts at 1024 px. A chart that fits here fits a wider window too (they are fixed
    or as wide as their column)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.set_default_timeout(RUN_SECONDS * 1000)
    page = context.new_page()
    try:
        page.goto(server.url)
        wait_for_app(page)
        overflowing, charts = [], 0
        for title in HEADERS:
            open_page(page, title)
            page.wait_for_timeout(700)  # Vega draws after the script run has ended
            edges = page.evaluate(CHART_EDGES)
            charts += len(edges)
            overflowing += [
                f"{title}: {e['chart']} ends at {e['right']:.0f} px, the column at {e['column']:.0f} px"
                for e in edges
                if e["right"] > e["column"] + 1
            ]
        assert charts >= 10, f"only {charts} charts were drawn: the check saw too little"
        assert not overflowing, "\n".join(overflowing)
    finally:
        context.close()
