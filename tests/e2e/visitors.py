"""What a load test does with a server and its visitors: start a server with its own settings,
train in a browser tab, switch pages and time it, and read the server's CPU and memory.

Used by tests/e2e/test_load.py (small, in CI) and benchmarks/load.py (the big measurement).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from embedlab.server.memory import rss_bytes  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM_ARGS,
    HEADERS,
    RUN_SECONDS,
    Server,
    open_page,
    start_streamlit,
    upload,
    wait_for,
    wait_for_app,
    wait_for_text,
)

MB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SUCCESS = '[data-testid="stAlertContentSuccess"]'
WARNING = '[data-testid="stAlertContentWarning"]'
SWITCH_PAGES = ["Heatmaps", "Neighbours", "Dynamics", "Compare", "Corpus", "Quality over epochs", "Export"]


# ---------------------------------------------------------------- the server process


def server_env(cache: Path, **settings: str) -> dict:
    """The environment of a server: this one without EMBEDLAB_UNLIMITED, its own cache, ``settings``."""
    env = {key: value for key, value in os.environ.items() if key != "EMBEDLAB_UNLIMITED"}
    env["EMBEDLAB_CACHE_DIR"] = str(cache)
    env.update(settings)
    return env


def start(cache: Path, log: Path, **settings: str) -> Server:
    return start_streamlit(sys.executable, ROOT, server_env(cache, **settings), log)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used (all its threads)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_use(pid: int, seconds: float = 2.0) -> float:
    """Cores the process used over the next ``seconds`` (1.0 = one core busy all the time)."""
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)  # the measurement window itself
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)


def rss_mb(pid: int) -> float:
    return rss_bytes(pid) / MB


def settle_rss(pid: int, seconds: float, step: float = 5.0) -> list[tuple[float, float]]:
    """(seconds since now, RSS MB) every ``step`` seconds for ``seconds`` seconds."""
    samples, started = [], time.monotonic()
    while True:
        samples.append((time.monotonic() - started, rss_mb(pid)))
        if samples[-1][0] >= seconds:
            return samples
        time.sleep(step)  # sampling interval


# ---------------------------------------------------------------- visitors


@dataclass
class Visitor:
    """One browser context (a visitor with their own Streamlit session) and what happened to it."""

    name: str
    context: object
    page: object
    times: dict = field(default_factory=dict)
    saw_queue: bool = False
    page_errors: list = field(default_factory=list)  # uncaught errors in the tab's JavaScript

    def close(self) -> None:
        self.context.close()


def arrive(browser, server: Server, name: str) -> Visitor:
    """A new visitor opens the app and waits for the default runs' heatmaps."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(RUN_SECONDS * 1000)
    page = context.new_page()
    started = time.monotonic()
    page.goto(server.url)
    wait_for(page, '[data-testid="stVegaLiteChart"]', count=2)
    visitor = Visitor(name, context, page)
    page.on("pageerror", lambda error: visitor.page_errors.append(str(error)[:200]))
    visitor.times["first page"] = time.monotonic() - started
    return visitor


def upload_corpus(visitor: Visitor, filename: str, data: bytes) -> None:
    open_page(visitor.page, "Corpus")
    started = time.monotonic()
    upload(visitor.page, filename, data)
    wait_for_text(visitor.page, SUCCESS, filename)
    visitor.times["upload"] = time.monotonic() - started


def pick_corpus(visitor: Visitor, name: str, timeout: float = 300) -> float:
    """Choose a corpus on the Corpus page and wait until its statistics show: the seconds it took."""
    open_page(visitor.page, "Corpus")
    group = visitor.page.locator('[data-testid="stRadioGroup"][aria-label="Corpus"] [data-testid="stRadioOption"]')
    started = time.monotonic()
    group.filter(has_text=name).first.click()
    visitor.page.locator('[data-testid="stMain"] h3').filter(has_text=name).first.wait_for(timeout=timeout * 1000)
    wait_for_app(visitor.page, timeout)
    return time.monotonic() - started


def fill(page, label: str, value) -> None:
    field_ = page.get_by_label(label, exact=True)
    field_.fill(str(value))
    field_.press("Tab")  # number inputs commit on blur


def press_train(visitor: Visitor, **form) -> None:
    """Open the Train page, fill the form (label → value) and press Train both."""
    fill_train_form(visitor, **form)
    click_train(visitor)


def fill_train_form(visitor: Visitor, **form) -> None:
    """Open the Train page and fill the form (label → value), without pressing Train."""
    open_page(visitor.page, "Train")
    for label, value in form.items():
        fill(visitor.page, label, value)


def click_train(visitor: Visitor) -> None:
    visitor.page.get_by_role("button", name="Train both").click()
    visitor.times["pressed"] = time.monotonic()


class BlankPage(Exception):
    """Streamlit's frontend threw and unmounted the app: the tab is blank (no ``stMain``)."""


def check_not_blank(visitor: Visitor) -> None:
    """Raise BlankPage, naming the tab's JavaScript errors, if the app is gone from the tab."""
    if visitor.page.locator('[data-testid="stMain"]').count() == 0:
        raise BlankPage(f"{visitor.name}: {'; '.join(visitor.page_errors) or 'no page error recorded'}")


def job_shown(visitor: Visitor, timeout: float = 240) -> str:
    """Wait until the Train page shows the job (its queue place, its progress or its end): which.
    A blank tab raises BlankPage at once; a timeout says what the page showed instead."""
    try:
        _wait_for_job_text(visitor, timeout)
    except Exception as error:  # playwright's TimeoutError: name the page's text, not only the wait
        shown = visitor.page.locator('[data-testid="stMain"]').inner_text()[:800]
        raise AssertionError(
            f"{visitor.name}: no job on the Train page after {timeout} s; it showed: {shown}"
        ) from error
    check_not_blank(visitor)
    text = visitor.page.locator('[data-testid="stMain"]').inner_text()
    if "in line" in text:
        visitor.saw_queue = True
        return "queued"
    return "running" if " left" in text else "finished"


def _wait_for_job_text(visitor: Visitor, timeout: float) -> None:
    visitor.page.wait_for_function(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            if (main === null) return true;  // a blank tab: the frontend threw (see BlankPage)
            const text = main.innerText;
            return text.includes('in line') || text.includes(' left') || text.includes('Trained')
                || text.includes('Training stopped');
        }""",
        timeout=timeout * 1000,
    )


def finished(visitor: Visitor) -> bool:
    """Has this visitor's training ended (success or stop)? Records the time when first seen."""
    if "finished" in visitor.times:
        return True
    page = visitor.page
    check_not_blank(visitor)
    if "in line" in page.locator('[data-testid="stMain"]').inner_text():
        visitor.saw_queue = True
    done = (
        page.locator(SUCCESS).filter(has_text="Trained").count()
        or page.locator(WARNING).filter(has_text="Training stopped").count()
    )
    if done:
        visitor.times["finished"] = time.monotonic() - visitor.times["pressed"]
    return bool(done)


def unfinished(visitors: list[Visitor], chars: int = 400) -> str:
    """What the pages of the visitors whose training has not ended show (the end of their text):
    what a benchmark prints when it gives up waiting."""
    return " | ".join(
        f"{v.name}: {' '.join(v.page.locator('[data-testid=stMain]').inner_text().split())[-chars:]}"
        for v in visitors
        if not finished(v)
    )


IDLE_GIVE_UP = 60.0  # seconds of an idle server while trainings are unfinished: nothing will change


def wait_finished(visitors: list, seconds: float, between=None, pid: int | None = None) -> None:
    """Until every visitor's training has ended (``between()`` runs between checks, e.g. page
    switches); after ``seconds``, or once the server ``pid`` has been idle for IDLE_GIVE_UP s
    with trainings unfinished, stop with what the unfinished pages show: never wait forever."""
    deadline = time.monotonic() + seconds
    busy_at, busy_cpu = time.monotonic(), cpu_seconds(pid) if pid else 0.0
    while not all(finished(v) for v in visitors):
        now = time.monotonic()
        if now > deadline:
            raise SystemExit(f"not finished after {seconds:.0f} s: {unfinished(visitors)}")
        if pid is not None:
            used = cpu_seconds(pid)
            if used - busy_cpu > 0.05 * (now - busy_at):  # working (a training uses ≥ 1 core)
                busy_at, busy_cpu = now, used
            elif now - busy_at > IDLE_GIVE_UP:
                raise SystemExit(
                    f"the server is idle, trainings unfinished after {IDLE_GIVE_UP:.0f} s: {unfinished(visitors)}"
                )
        if between is not None:
            between()
        else:
            time.sleep(1)  # polling interval


def switch_pages(visitor: Visitor, rounds: int = 1, until=None) -> list[float]:
    """Seconds of each page switch (click in the sidebar until the page has run); goes round
    SWITCH_PAGES ``rounds`` times, or until ``until()`` is true (checked after each switch)."""
    seconds = []
    for _ in range(rounds if until is None else 10**6):
        for title in SWITCH_PAGES:
            started = time.monotonic()
            open_page(visitor.page, title)
            seconds.append(time.monotonic() - started)
            if until is not None and until():
                return seconds
    return seconds


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def cancel(visitor: Visitor) -> float:
    """Press Cancel on the Train page; the monotonic time it was pressed."""
    visitor.page.get_by_role("button", name="Cancel").click()
    return time.monotonic()


def wait_training(
    visitor: Visitor, trainer: str = "NumPy softmax", min_epoch: int = 1, timeout: float = RUN_SECONDS
) -> None:
    """Wait until the Train page's progress shows ``trainer`` at epoch ``min_epoch`` or later
    (the progress is redrawn once a second, so a short epoch can be skipped: never wait for one)."""
    visitor.page.wait_for_function(
        """([trainer, least]) => {
            const main = document.querySelector('[data-testid="stMain"]');
            if (main === null) return true;  // a blank tab (BlankPage)
            const found = main.innerText.match(new RegExp(trainer + ", epoch ([0-9]+) of"));
            return found !== null && Number(found[1]) >= least;
        }""",
        arg=[trainer, min_epoch],
        timeout=timeout * 1000,
    )
    check_not_blank(visitor)


__all__ = ["CHROMIUM_ARGS", "HEADERS", "MB"]
