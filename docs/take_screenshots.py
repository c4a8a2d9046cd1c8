"""Screenshots of every page on the default toy corpus, for the README: docs/screenshots/<page>.png.

    python docs/take_screenshots.py        # needs Debian's Chromium at /usr/bin/chromium
    python docs/take_screenshots.py Map    # only the pages with these titles

Starts the app on a free port with the given cache (default: the user's), opens every page
through the sidebar and saves one viewport-sized PNG per page.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402  (the browser tests' own server and waiting helpers)
    CHROMIUM,
    CHROMIUM_ARGS,
    HEADERS,
    open_page,
    start_streamlit,
    stop_streamlit,
    wait_for_app,
)

OUT = ROOT / "docs" / "screenshots"


def main(titles: list[str]) -> None:
    import os
    import tempfile

    unknown = sorted(set(titles) - set(HEADERS))
    if unknown:
        raise SystemExit(f"no page titled {', '.join(unknown)}; the titles are: {', '.join(HEADERS)}")

    OUT.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.mkdtemp()) / "streamlit.log"
    server = start_streamlit(sys.executable, ROOT, dict(os.environ), log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(server.url)
            wait_for_app(page, timeout=180)
            for title in titles or HEADERS:
                open_page(page, title)
                page.wait_for_timeout(1500)  # let Vega finish drawing
                name = title.lower().replace("–", "-").replace(" ", "_")
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"wrote {OUT / name}.png")
            browser.close()
    finally:
        stop_streamlit(server)


if __name__ == "__main__":
    main(sys.argv[1:])
