"""Nothing is cut off at the right: on every page, at the two window sizes the screenshots use,
no chart reaches past the main column (a fixed-width Vega-Lite chart wider than its column is
clipped by the page, which is how the Bias–variance, Compare and Quality charts lost their right
panels at 1024 px)."""

from __future__ import annotations

import pytest
from conftest import HEADERS, RUN_SECONDS, open_page, wait_for_app

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


@pytest.mark.parametrize("width, height", [(1400, 900), (1024, 768)], ids=["1400x900", "1024x768"])
def test_no_chart_reaches_past_the_main_column(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(RUN_SECONDS * 1000)
    page = context.new_page()
    try:
        page.goto(server.url)
        wait_for_app(page)
        overflowing, charts = [], 0
        for title in HEADERS:
            open_page(page, title)
            page.wait_for_timeout(1000)  # Vega draws after the script run has ended
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
