"""Browser tests: `streamlit run app.py` once per test module, headless Chromium through Playwright.

As in Streamlit's own ``e2e_playwright``: the server is started as a subprocess on a free port,
the fixture waits on ``/_stcore/health``, and every wait afterwards is on an event in the page
(the app's script state, an element appearing), never a fixed sleep.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 90  # a loaded 2-core machine imports streamlit, gensim and scipy slowly
RUN_SECONDS = 240  # one script run, including a cold training of the default runs


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")


@dataclass
class Server:
    """A running ``streamlit run app.py``: its URL, process and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def start_streamlit(python: str, cwd: Path, env: dict, log: Path, timeout: float = SERVER_START_SECONDS) -> Server:
    """Start ``python -m streamlit run app.py`` in ``cwd`` on a free port and wait until
    ``/_stcore/health`` answers "ok"; fail with the server's log if it dies or never answers."""
    port = free_port()
    command = [
        python,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    out = open(log, "wb")  # noqa: SIM115 - closed with the process in stop_streamlit
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()  # the child holds its own copy
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with status {process.returncode} before answering:\n{server.log_tail()}")
        try:
            status, body = _get(f"{server.url}/_stcore/health", timeout=2.0)
            if status == 200 and body.strip() == "ok":
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            last_error = error
        time.sleep(0.25)  # polling interval of the health check, not a wait for an outcome
    stop_streamlit(server)
    pytest.fail(f"streamlit did not answer /_stcore/health within {timeout:.0f} s ({last_error}):\n{server.log_tail()}")


# Streamlit 1.67's Starlette endpoint (streamlit/web/server/starlette/starlette_websocket.py) has a
# race when a tab closes: a send to the gone tab marks the socket closed, the reading loop then gets
# Starlette's WebSocketDisconnected (a RuntimeError), takes it for a text frame and calls close() a
# second time, which raises. Its ``finally`` still disconnects the session (test_load's closed-tab
# test checks the server goes idle), so this one traceback is Streamlit's, not the app's; any other
# traceback in the log fails the test. Same family: Kludex/starlette#2766.
_STREAMLIT_CLOSE_RACE = (
    "streamlit/web/server/starlette/starlette_websocket.py",
    'starlette.websockets.WebSocketDisconnected: Cannot call "send" once a close message has been sent.',
)
_CHAINING = ("During handling of the above exception", "The above exception was the direct cause")


def tracebacks(log: str) -> list[str]:
    """Every traceback in a server log, chained ones (``During handling ...``) kept as one."""
    found: list[list[str]] = []
    current: list[str] | None = None
    ended = False  # the current traceback has printed its exception line
    for line in log.splitlines():
        if current is None:
            if line.startswith("Traceback (most recent call last):"):
                current, ended = [line], False
            continue
        if ended and not (not line.strip() or line.startswith(_CHAINING) or line.startswith("Traceback (")):
            found.append(current)
            current = [line] if line.startswith("Traceback (most recent call last):") else None
            ended = False
            continue
        current.append(line)
        if line.startswith(("Traceback (", *_CHAINING)):
            ended = False  # a chained exception follows
        elif line.strip() and not line.startswith((" ", "\t")):
            ended = True  # the exception line: "module.Error: message"
    if current is not None:
        found.append(current)
    return ["\n".join(lines).rstrip() for lines in found]


def app_tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log other than Streamlit's close race above."""
    where, last_line = _STREAMLIT_CLOSE_RACE
    return [tb for tb in tracebacks(log) if not (where in tb and tb.endswith(last_line))]


def stop_streamlit(server: Server) -> None:
    """Stop the server process this fixture started (SIGTERM, then SIGKILL after 15 s)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


@pytest.fixture(scope="session")
def e2e_cache(tmp_path_factory) -> Path:
    """One EmbedLab cache for every browser test: the default toy runs train once per test session."""
    return tmp_path_factory.mktemp("e2e-cache")


@pytest.fixture(scope="module")
def server(e2e_cache, tmp_path_factory) -> Iterator[Server]:
    """``streamlit run app.py`` from the repository root, for the tests of one module."""
    env = {key: value for key, value in os.environ.items() if key != "EMBEDLAB_UNLIMITED"}
    env["EMBEDLAB_CACHE_DIR"] = str(e2e_cache)
    log = tmp_path_factory.mktemp("streamlit-log") / "server.log"
    running = start_streamlit(sys.executable, ROOT, env, log)
    yield running
    stop_streamlit(running)
    # an error the browser never shows (a download callback, a fragment) still lands in the log
    assert not app_tracebacks(running.log_tail(10**7)), running.log_tail()


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: install Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_page(browser, server: Server):
    """A fresh browser context (a new visitor: its own cookies and Streamlit session) and its page."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(RUN_SECONDS * 1000)
    page = context.new_page()
    return context, page


# ---------------------------------------------------------------- waiting on the app


def wait_for_app(page, timeout: float = RUN_SECONDS) -> None:
    """Wait until the app is connected, its script is not running and no status widget is left.

    Streamlit sets ``data-test-script-state`` on ``stApp`` (what its own e2e tests wait on); the
    running indicator ``stStatusWidget`` disappears when a run (and any fragment) has finished.
    """
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app !== null
                && app.getAttribute('data-test-connection-state') === 'CONNECTED'
                && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stStatusWidget"]') === null;
        }""",
        timeout=timeout * 1000,
    )


def wait_for(page, selector: str, timeout: float = RUN_SECONDS, count: int = 1) -> None:
    """Wait until at least ``count`` elements match ``selector`` and the app has finished its run."""
    page.wait_for_function(
        "([selector, count]) => document.querySelectorAll(selector).length >= count",
        arg=[selector, count],
        timeout=timeout * 1000,
    )
    wait_for_app(page, timeout)


def wait_for_text(page, selector: str, text: str, timeout: float = RUN_SECONDS) -> None:
    """Wait until an element matching ``selector`` contains ``text`` and the app has finished its run."""
    page.wait_for_function(
        "([selector, text]) => [...document.querySelectorAll(selector)].some(e => e.textContent.includes(text))",
        arg=[selector, text],
        timeout=timeout * 1000,
    )
    wait_for_app(page, timeout)


def open_page(page, title: str) -> None:
    """Click a page's link in the sidebar navigation and wait until that page has run."""
    # the link whose label is exactly the title ("Map" is also inside "Heatmaps")
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has=page.get_by_text(title, exact=True))
    link.first.click()
    page.wait_for_function(
        "title => { const h = document.querySelector('[data-testid=\"stMain\"] h2');"
        " return h !== null && h.textContent.trim() === title; }",
        arg=HEADERS[title],
        timeout=RUN_SECONDS * 1000,
    )
    wait_for_app(page)


# the st.header each page shows first: how a test knows the page it clicked has run
HEADERS = {
    "Lecture": "The lecture, live",
    "Corpus": "Corpus",
    "Train": "Train",
    "Heatmaps": "Cosine heatmaps",
    "Neighbours": "Nearest neighbours over epochs",
    "Dynamics": "Training dynamics",
    "Compare": "gensim vs NumPy softmax",
    "Quality over epochs": "Quality over epochs",
    "Bias–variance over d": "Bias–variance over d",
    "Map": "Embedding map",
    "Fine-tune": "Fine-tune on a second corpus",
    "Export": "Export",
}


def upload(page, filename: str, data: bytes, mime: str = "text/plain", label: str = "upload your own text") -> None:
    """Put a file into the Corpus page's uploader whose label contains ``label`` (its hidden
    ``input[type=file]``): the text corpus by default, or "Files to open" (Open embeddings)."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    uploader.locator('input[type="file"]').set_input_files(files=[{"name": filename, "mimeType": mime, "buffer": data}])


def exceptions(page) -> list[str]:
    return page.locator('[data-testid="stException"]').all_inner_texts()


def radio_options(page, label: str) -> list[str]:
    """The option texts of the radio group labelled ``label``."""
    group = page.locator(f'[data-testid="stRadioGroup"][aria-label="{label}"]')
    group.locator('[data-testid="stRadioOption"]').first.wait_for(timeout=RUN_SECONDS * 1000)
    return [text.strip() for text in group.locator('[data-testid="stRadioOption"]').all_inner_texts()]


def selected_option(page, label: str) -> str:
    group = page.locator(f'[data-testid="stRadioGroup"][aria-label="{label}"]')
    selected = group.locator('[data-testid="stRadioOption"][data-selected="true"]')
    selected.wait_for(timeout=RUN_SECONDS * 1000)
    return selected.inner_text().strip()


def main_text(page) -> str:
    """Everything the visitor can read on the page, sidebar included."""
    return page.locator('[data-testid="stApp"]').inner_text()


def screenshot(page, name: str) -> Path:
    """The whole page as artifacts/screenshots/<name>.png.

    Streamlit scrolls inside ``stMain``, not the document, so ``full_page`` alone would stop at
    the viewport: the viewport is made as tall as the page for the shot, then put back.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 8000))})
    next_frames(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    next_frames(page)
    return path


def next_frames(page) -> None:
    """Wait for two animation frames: the layout and the charts have redrawn after a resize."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


# ---------------------------------------------------------------- corpora to upload

GROUPS = {
    "animals": ["cat", "dog", "horse", "rabbit", "goat"],
    "food": ["bread", "rice", "soup", "cheese", "phở"],
    "weather": ["rain", "snow", "wind", "storm", "nắng"],
    "city": ["hà", "nội", "café", "street", "market"],
}
FRAMES = [
    "the {0} and the {1} were near the {2}",
    "we saw a {0} with a {1} today",
    "my friend likes the {0} more than the {1} and the {2}",
    "người ta nói rằng {0} và {1} rất đẹp",
]


def make_corpus(seed: int, extra_word: str | None = None, sentences: int = 400) -> bytes:
    """A small real UTF-8 corpus (about 3k tokens): sentences that mix words of one planted group,
    with Vietnamese and accented words; ``extra_word`` joins the first group when given."""
    rng = np.random.default_rng(seed)
    groups = {name: list(words) for name, words in GROUPS.items()}
    if extra_word:
        groups["animals"].append(extra_word)
    names = sorted(groups)
    lines = []
    for _ in range(sentences):
        words = groups[names[rng.integers(len(names))]]
        frame = FRAMES[rng.integers(len(FRAMES))]
        picked = [words[i] for i in rng.choice(len(words), size=3, replace=False)]
        lines.append(frame.format(*picked).capitalize() + ".")
    return ("\n".join(lines) + "\n").encode("utf-8")
