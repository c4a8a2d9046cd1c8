"""The first visit in Vietnamese against English: a fresh server on an empty cache, one visitor
whose browser locale is vi-VN or en-US, and when the Lecture's first formula and first chart
appear after the first response. Languages alternate, each on its own fresh server, so both
see the same machine load.

    python benchmarks/first_visit_languages.py [ROUNDS]      # default 3 rounds of each language

Prints one line per visit and the medians; the target (PRODUCT.md): Vietnamese no later than English.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_streamlit, stop_streamlit  # noqa: E402

LOCALES = {"en": "en-US", "vi": "vi-VN"}
FORMULA = """() => { const e = document.querySelector('[data-testid="stMain"] .katex-display');
    if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.top < window.innerHeight; }"""
CHART = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .some(c => [...c.querySelectorAll('canvas, svg.marks')].some(e => e.getBoundingClientRect().width > 50))"""
LANGUAGE = """lang => { const h = document.querySelector('[data-testid="stMain"] h2');
    return h !== null && (lang === 'vi') === h.textContent.includes('Bài giảng'); }"""


def visit(browser, language: str) -> dict[str, float]:
    cache = Path(tempfile.mkdtemp(prefix="embedlab-cold-"))
    env = {key: value for key, value in os.environ.items() if key != "EMBEDLAB_UNLIMITED"}
    env["EMBEDLAB_CACHE_DIR"] = str(cache)
    server = start_streamlit(sys.executable, ROOT, env, cache / "server.log")
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=LOCALES[language])
        context.set_default_timeout(240_000)
        page = context.new_page()
        page.goto(server.url, wait_until="commit")
        started = time.monotonic()
        page.wait_for_function(FORMULA, polling="raf")
        formula = time.monotonic() - started
        page.wait_for_function(CHART, polling="raf")
        chart = time.monotonic() - started
        page.wait_for_function(LANGUAGE, arg=language)  # the visit was in the language asked for
        context.close()
        return {"formula": formula, "chart": chart}
    finally:
        stop_streamlit(server)


def main(rounds: int) -> None:
    found: dict[str, list[dict[str, float]]] = {"en": [], "vi": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(rounds):
            for language in ("en", "vi") if number % 2 == 0 else ("vi", "en"):
                timing = visit(browser, language)
                found[language].append(timing)
                load = os.getloadavg()[0] / (os.cpu_count() or 1)
                print(
                    f"{language}: first formula {timing['formula']:.2f} s, first chart {timing['chart']:.2f} s (load {load:.1f}/core)"
                )
        browser.close()
    for language, timings in found.items():
        formulas = sorted(t["formula"] for t in timings)
        charts = sorted(t["chart"] for t in timings)
        print(
            f"{language}: first formula {formulas[0]:.2f}-{formulas[-1]:.2f} s (median {statistics.median(formulas):.2f}), "
            f"first chart {charts[0]:.2f}-{charts[-1]:.2f} s (median {statistics.median(charts):.2f})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
