"""Screenshots of every page on the default toy corpus, for the README and docs/: docs/screenshots/<page>.png.

    python docs/take_screenshots.py                      # needs Debian's Chromium at /usr/bin/chromium
    python docs/take_screenshots.py Map                  # only the pages with these titles
    python docs/take_screenshots.py --size 1024x768 Lecture     # another viewport: <page>_1024x768.png
    python docs/take_screenshots.py --full Lecture       # the whole page, not one screen: <page>_full.png
    python docs/take_screenshots.py --preset             # Bias–variance after "Show the trade-off" (minutes)
    python docs/take_screenshots.py --lang vi            # the Vietnamese interface: docs/screenshots/vi/<page>.png

Starts the app on a free port with the given cache (default: the user's), opens every page
through the sidebar and saves one PNG per page: the first screen at 1400×900 unless told otherwise.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402  (the browser tests' own server and waiting helpers)
    CHROMIUM,
    CHROMIUM_ARGS,
    HEADERS,
    next_frames,
    open_page,
    start_streamlit,
    stop_streamlit,
    wait_for_app,
)

OUT = ROOT / "docs" / "screenshots"
DEFAULT_SIZE = (1400, 900)
MAX_HEIGHT = 16000  # a whole page taller than this is cut


def shot(page, path: Path, full: bool) -> None:
    """One PNG of the page: the viewport, or (full) the whole main area, which Streamlit scrolls
    inside ``stMain``: the viewport is made as tall as the page for the shot, then put back."""
    if not full:
        page.screenshot(path=str(path))
        return
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), MAX_HEIGHT))})
    next_frames(page)
    page.wait_for_timeout(1500)  # the charts redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    next_frames(page)


PRESET_SECONDS = 20 * 60  # the tradeoff preset's whole sweep, with room for a busy machine


def preset_shot(page, suffix: str) -> None:
    """Bias–variance after one click on "Show the trade-off": waits for the whole sweep and says
    how long the click took, then saves the whole page (bias-variance_over_d_tradeoff*.png)."""
    import time

    from tests.e2e.conftest import wait_for_text

    open_page(page, "Bias–variance over d")
    started = time.perf_counter()
    page.get_by_role("button", name="Show the trade-off").click()
    wait_for_text(page, '[data-testid="stCaptionContainer"]', "Last sweep: preset", timeout=PRESET_SECONDS)
    print(f"the preset's sweep took {time.perf_counter() - started:.0f} s from the click")
    page.wait_for_timeout(1500)  # let Vega finish drawing
    path = OUT / f"bias-variance_over_d_tradeoff{suffix}.png"
    shot(page, path, full=True)
    print(f"wrote {path}")


def open_page_in(page, title: str, language: str) -> None:
    """:func:`open_page` in ``language``: the menu's link and the page's header as that visitor sees them."""
    from embedlab.i18n import gettext

    if language == "en":
        return open_page(page, title)
    link = page.locator('[data-testid="stSidebarNav"] a').filter(
        has=page.get_by_text(gettext(title, language), exact=True)
    )
    link.first.click()
    # a page's header is in the visitor's language where that page's text is translated
    page.wait_for_function(
        "titles => { const h = document.querySelector('[data-testid=\"stMain\"] h2');"
        " return h !== null && titles.includes(h.textContent.trim()); }",
        arg=[HEADERS[title], gettext(HEADERS[title], language)],
        timeout=240_000,
    )
    wait_for_app(page)


def main(titles: list[str], size: tuple[int, int], full: bool, preset: bool = False, language: str = "en") -> None:
    import os
    import tempfile

    out = OUT if language == "en" else OUT / language

    unknown = sorted(set(titles) - set(HEADERS))
    if unknown:
        raise SystemExit(f"no page titled {', '.join(unknown)}; the titles are: {', '.join(HEADERS)}")

    out.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.mkdtemp()) / "streamlit.log"
    server = start_streamlit(sys.executable, ROOT, dict(os.environ), log)
    suffix = ("" if size == DEFAULT_SIZE else f"_{size[0]}x{size[1]}") + ("_full" if full else "")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(server.url + ("" if language == "en" else f"?lang={language}"))
            wait_for_app(page, timeout=180)
            if preset:
                preset_shot(page, suffix.removesuffix("_full"))
            for title in titles or ([] if preset else HEADERS):
                open_page_in(page, title, language)
                page.wait_for_timeout(1500)  # let Vega finish drawing
                name = title.lower().replace("–", "-").replace(" ", "_") + suffix
                shot(page, out / f"{name}.png", full)
                print(f"wrote {out / name}.png")
            browser.close()
    finally:
        stop_streamlit(server)


def parse_size(text: str) -> tuple[int, int]:
    width, height = (int(part) for part in text.lower().split("x"))
    return width, height


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("titles", nargs="*", help="page titles (default: every page)")
    parser.add_argument(
        "--size", type=parse_size, default=DEFAULT_SIZE, help="viewport WIDTHxHEIGHT (default 1400x900)"
    )
    parser.add_argument("--full", action="store_true", help="the whole page instead of its first screen")
    parser.add_argument(
        "--preset", action="store_true", help="only Bias–variance after the trade-off preset (its whole sweep)"
    )
    parser.add_argument("--lang", default="en", choices=["en", "vi"], help="the interface's language (default en)")
    args = parser.parse_args()
    main(args.titles, args.size, args.full, args.preset, args.lang)
