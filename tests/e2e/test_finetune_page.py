"""The Fine-tune page in headless Chromium: the default toy runs fine-tuned for two epochs on the
built-in toy-shift corpus become the current runs, the page shows forgetting and drift for both
trainers, and the other pages show the longer runs."""

from __future__ import annotations

import pytest
from conftest import exceptions, new_page, open_page, screenshot, wait_for, wait_for_app, wait_for_text

from embedlab.config import DashboardSettings

pytestmark = pytest.mark.e2e

CHART = '[data-testid="stVegaLiteChart"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
EPOCHS = 2


@pytest.fixture(scope="module")
def finetuned(browser, server):
    context, page = new_page(browser, server)
    page.goto(server.url)
    wait_for(page, CHART, count=2)  # the default runs on the toy corpus, on the Lecture
    open_page(page, "Fine-tune")
    page.get_by_label("fine-tuning epochs", exact=True).fill(str(EPOCHS))
    page.get_by_label("fine-tuning epochs", exact=True).press("Tab")
    page.get_by_role("button", name="Fine-tune both trainers").click()
    wait_for_text(page, SUCCESS, "longer runs")
    wait_for(page, CHART, count=4)
    yield page
    context.close()


def test_the_fine_tuned_runs_are_current_with_forgetting_and_drift_for_both_trainers(finetuned):
    page = finetuned
    screenshot(page, "finetune")
    assert exceptions(page) == []
    parent = DashboardSettings().numpy.epochs
    success = page.locator(SUCCESS).first.inner_text()
    assert f"Epochs 0–{parent} trained on toy" in success
    assert f"epochs {parent + 1}–{parent + EPOCHS} on toy-shift" in success
    assert page.locator(CHART).count() == 4  # forgetting and drift, per trainer
    assert page.locator('[data-testid="stDataFrame"]').count() == 2  # the words that moved most, per trainer
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "trained on toy, then fine-tuned on toy-shift" in sidebar  # not "train on toy": they were


def test_the_heatmaps_page_shows_the_longer_runs(finetuned):
    page = finetuned
    open_page(page, "Heatmaps")
    wait_for_app(page)
    ticks = page.locator('[data-testid="stSlider"] [data-testid="stSliderTickBar"]').first.inner_text(timeout=60_000)
    assert int(ticks.split()[-1]) == DashboardSettings().numpy.epochs + EPOCHS  # the slider's end: the last epoch
    assert exceptions(page) == []
