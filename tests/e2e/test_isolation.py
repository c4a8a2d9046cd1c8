"""Two visitors on one server at the same time never see each other's corpus, runs or words.

Every visitor is served by the same Streamlit process, so anything kept in a module-level
cache or list would leak between them. Visitor A uploads a corpus with a word no other corpus
has ("zorblax") and trains on it; visitor B, whose session is open all along, must find none of
it on the Corpus, Train and Neighbours pages; then B uploads its own corpus and A still has its own.
"""

from __future__ import annotations

import pytest
from conftest import (
    exceptions,
    make_corpus,
    new_page,
    open_page,
    radio_options,
    selected_option,
    upload,
    wait_for,
    wait_for_app,
    wait_for_text,
)

from embedlab.config import BUILTIN_CORPORA, DashboardSettings

pytestmark = pytest.mark.e2e

WORD = "zorblax"
A_NAME, B_NAME = "alpha-visitor.txt", "beta-visitor.txt"
A_CORPUS = make_corpus(seed=2, extra_word=WORD)
B_CORPUS = make_corpus(seed=3, sentences=300)
BUILTINS = list(BUILTIN_CORPORA)
RUNS = "Current runs (every page shows these)"
DEFAULT_LABEL = f"toy · d={DashboardSettings().numpy.dim} · {DashboardSettings().numpy.epochs} epochs"
SUCCESS = '[data-testid="stAlertContentSuccess"]'
NOT_IN_VOCABULARY = "is not in the vocabulary"


def visit(browser, server):
    context, page = new_page(browser, server)
    page.goto(server.url)
    wait_for(page, '[data-testid="stVegaLiteChart"]', count=2)  # the default runs are shown
    return context, page


def upload_and_train(page, name: str, data: bytes) -> None:
    open_page(page, "Corpus")
    upload(page, name, data)
    wait_for(page, SUCCESS)
    open_page(page, "Train")
    page.get_by_label("dimension d", exact=True).fill("8")
    page.get_by_label("epochs", exact=True).fill("2")
    page.get_by_label("epochs", exact=True).press("Tab")
    page.get_by_role("button", name="Train both").click()
    wait_for_text(page, SUCCESS, "Trained")
    assert exceptions(page) == []


def query(page, word: str) -> None:
    """Ask the Neighbours page for ``word`` and wait for the page to run with it."""
    field = page.get_by_label("Query word")
    field.fill(word)
    field.press("Enter")
    page.wait_for_function(
        'word => [...document.querySelectorAll(\'[data-testid="stMain"] p, [data-testid="stMain"] strong\')]'
        ".some(e => e.textContent.includes('“' + word + '”'))",
        arg=word,
        timeout=60_000,
    )
    wait_for_app(page)


def page_source(page) -> str:
    """All the page holds, hidden parts included (table cells, widget values, the sidebar)."""
    return page.content()


@pytest.fixture(scope="module")
def visitors(browser, server):
    """Visitor A with a trained upload containing WORD, and visitor B, open all along."""
    context_a, page_a = visit(browser, server)
    context_b, page_b = visit(browser, server)
    upload_and_train(page_a, A_NAME, A_CORPUS)
    yield page_a, page_b
    context_a.close()
    context_b.close()


def test_visitor_a_sees_its_own_corpus_runs_and_word(visitors):
    """The positive control: the checks made on B's pages do find A's things on A's pages."""
    page_a, _ = visitors
    open_page(page_a, "Corpus")
    assert radio_options(page_a, "Corpus") == [*BUILTINS, f"{A_NAME} (uploaded)"]
    open_page(page_a, "Train")
    assert any(A_NAME in label for label in radio_options(page_a, RUNS))
    open_page(page_a, "Neighbours")
    query(page_a, WORD)
    assert NOT_IN_VOCABULARY not in page_a.locator('[data-testid="stMain"]').inner_text()
    assert page_a.locator('[data-testid="stDataFrame"]').count() >= 2
    assert exceptions(page_a) == []


@pytest.mark.parametrize("title", ["Corpus", "Train", "Neighbours"])
def test_visitor_b_sees_nothing_of_a(visitors, title):
    _, page_b = visitors
    open_page(page_b, title)
    source = page_source(page_b)
    assert WORD not in source and A_NAME not in source
    assert exceptions(page_b) == []
    if title == "Corpus":
        assert radio_options(page_b, "Corpus") == BUILTINS
        assert selected_option(page_b, "Corpus") == "toy"
    if title == "Train":
        labels = radio_options(page_b, RUNS)
        assert len(labels) == 1 and labels[0].startswith(DEFAULT_LABEL)
    if title == "Neighbours":  # the word picker searches B's vocabulary only: A's word is not offered
        field = page_b.get_by_label("Query word")
        field.fill(WORD)
        page_b.locator('[role="listbox"]').wait_for(timeout=10_000)
        options = page_b.locator('[role="listbox"] [role="option"]').all_inner_texts()
        assert "No results" in page_b.locator('[role="listbox"]').inner_text()
        assert WORD not in options
        field.press("Escape")


def test_a_new_visitor_after_a_sees_nothing_of_a(visitors, browser, server):
    context_c, page_c = visit(browser, server)
    try:
        for title in ("Corpus", "Train"):
            open_page(page_c, title)
            source = page_source(page_c)
            assert WORD not in source and A_NAME not in source
        labels = radio_options(page_c, RUNS)  # the Train page: only the default runs
        assert len(labels) == 1 and labels[0].startswith(DEFAULT_LABEL)
    finally:
        context_c.close()


def test_b_uploading_its_own_corpus_leaves_a_with_its_own(visitors):
    page_a, page_b = visitors
    open_page(page_b, "Corpus")
    upload(page_b, B_NAME, B_CORPUS)
    wait_for(page_b, SUCCESS)
    assert radio_options(page_b, "Corpus") == [*BUILTINS, f"{B_NAME} (uploaded)"]
    assert WORD not in page_source(page_b) and A_NAME not in page_source(page_b)

    open_page(page_a, "Corpus")
    assert radio_options(page_a, "Corpus") == [*BUILTINS, f"{A_NAME} (uploaded)"]
    assert selected_option(page_a, "Corpus") == f"{A_NAME} (uploaded)"
    assert B_NAME not in page_source(page_a)
    open_page(page_a, "Train")
    labels = radio_options(page_a, RUNS)
    assert any(A_NAME in label for label in labels) and not any(B_NAME in label for label in labels)
    open_page(page_a, "Neighbours")
    query(page_a, WORD)  # A's current runs are still the ones trained on A's corpus
    assert NOT_IN_VOCABULARY not in page_a.locator('[data-testid="stMain"]').inner_text()
    assert exceptions(page_a) == [] and exceptions(page_b) == []
