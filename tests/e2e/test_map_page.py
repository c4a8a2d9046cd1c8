"""The Map page in headless Chromium: scrubbing the epoch slider moves the points, and going back
to an epoch draws exactly the same picture again (so the change is the epoch, not the renderer)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import exceptions, new_page, open_page, screenshot, wait_for, wait_for_app
from PIL import Image

pytestmark = pytest.mark.e2e

CHART = '[data-testid="stVegaLiteChart"]'
SLIDER = '[data-testid="stSlider"] input[type="range"]'


@pytest.fixture(scope="module")
def map_page(browser, server):
    context, page = new_page(browser, server)
    page.goto(server.url)
    wait_for(page, CHART, count=2)  # the default runs on the toy corpus, on the Heatmaps page
    open_page(page, "Map")
    wait_for(page, CHART, count=2)
    yield page
    context.close()


def shown_epoch(page) -> int:
    return int(page.locator(SLIDER).first.get_attribute("aria-valuetext"))


def scrub(page, key: str) -> None:
    """Move the epoch slider with the keyboard (Home = epoch 0, End = the last) and wait for the redraw."""
    before = page.locator(SLIDER).first.get_attribute("aria-valuetext")
    page.locator(SLIDER).first.focus()
    page.keyboard.press(key)
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).getAttribute('aria-valuetext') !== before",
        arg=[SLIDER, before],
    )
    wait_for_app(page)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _grab(page, index: int) -> np.ndarray:
    chart = page.locator(CHART).nth(index)
    return np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB"), dtype=np.int16)


def map_pixels(page, index: int, attempts: int = 50) -> np.ndarray:
    """The drawn map of one trainer as an RGB array, once two grabs a few frames apart agree
    (Streamlit fades a stale chart and Vega redraws after the data arrives)."""
    previous = _grab(page, index)
    for _ in range(attempts):
        page.evaluate("() => new Promise(done => setTimeout(() => requestAnimationFrame(done), 100))")
        current = _grab(page, index)
        if current.shape == previous.shape and changed(previous, current) == 0.0:
            return current
        previous = current
    pytest.fail(f"map {index} kept changing over {attempts} grabs")


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ between two pictures of the same size."""
    assert a.shape == b.shape
    return float(np.mean(np.abs(a - b).sum(axis=2) > 30))


def test_scrubbing_the_epoch_slider_moves_the_points(map_page):
    page = map_page
    assert exceptions(page) == []
    last = shown_epoch(page)
    assert last == 20
    at_last = [map_pixels(page, i) for i in (0, 1)]
    screenshot(page, "map_last_epoch")

    scrub(page, "Home")
    assert shown_epoch(page) == 0
    at_start = [map_pixels(page, i) for i in (0, 1)]
    screenshot(page, "map_epoch_0")
    for before, after in zip(at_last, at_start, strict=True):
        assert changed(before, after) > 0.01  # the points moved (and the title says epoch 0)

    scrub(page, "End")
    assert shown_epoch(page) == last
    for before, again in zip(at_last, [map_pixels(page, i) for i in (0, 1)], strict=True):
        assert changed(before, again) < 0.001  # the same epoch draws the same picture
    assert exceptions(page) == []


def test_a_searched_word_gets_its_ring_its_road_and_the_table(map_page):
    page = map_page
    field = page.get_by_label("Find words (their road from epoch 0 is drawn)")
    field.fill("")
    field.press("Enter")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="detached")  # no word, no table
    wait_for_app(page)
    plain = map_pixels(page, 0)
    field.fill("queen")
    field.press("Enter")
    wait_for(page, '[data-testid="stDataFrame"]')
    assert changed(plain, map_pixels(page, 0)) > 0.001  # queen's ring, name and road are drawn
    assert "Not in the vocabulary" not in page.locator('[data-testid="stMain"]').inner_text()
    assert exceptions(page) == []
    screenshot(page, "map_search")
