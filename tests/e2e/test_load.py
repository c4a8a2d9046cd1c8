"""Several visitors on one server in real Chromium (issue 18, small enough for CI; the big
measurement is benchmarks/load.py): four training at once all finish, a fifth still switches
pages quickly, Cancel and a closed tab leave the server idle, memory comes back after they leave.

The server runs with one training slot (EMBEDLAB_TRAINING_SLOTS=1, what 2 cores give) so the
queue is exercised, and a 5-second grace for gone visitors so the test need not wait a minute.
"""

from __future__ import annotations

import time

import pytest
from conftest import app_tracebacks, stop_streamlit
from visitors import (
    BlankPage,
    arrive,
    cancel,
    click_train,
    cpu_use,
    fill_train_form,
    finished,
    job_shown,
    percentile,
    press_train,
    rss_mb,
    settle_rss,
    start,
    switch_pages,
    wait_training,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VISITORS = 4
GRACE = 5  # seconds a gone visitor's data is kept (the app's default is 60)
IDLE_CPU = 0.3  # cores: "near idle"
FIGURES: dict = {}


def wait_until_idle(pid: int, seconds: float = 180) -> None:
    """Wait until the server computes nothing (its jobs ended or were cancelled)."""
    deadline = time.monotonic() + seconds
    while cpu_use(pid, 2.0) >= IDLE_CPU and time.monotonic() < deadline:
        pass  # cpu_use itself waits 2 s


@pytest.fixture(scope="module")
def server(e2e_cache, tmp_path_factory):
    log = tmp_path_factory.mktemp("load-log") / "server.log"
    running = start(e2e_cache, log, EMBEDLAB_TRAINING_SLOTS="1", EMBEDLAB_VISITOR_GRACE=str(GRACE))
    yield running
    stop_streamlit(running)
    print("load figures:", FIGURES)
    assert not app_tracebacks(running.log_tail(10**7)), running.log_tail()


def test_four_visitors_training_at_once_all_finish_and_a_fifth_switches_pages_quickly(server, browser):
    pid = server.process.pid
    watcher = arrive(browser, server, "fifth")  # also trains or reads the default runs
    quiet = switch_pages(watcher, rounds=1)  # the same switches on this machine with nobody training
    baseline = rss_mb(pid)
    crowd = [arrive(browser, server, f"visitor {i}") for i in range(VISITORS)]
    for i, visitor in enumerate(crowd):  # distinct seeds: four real trainings, none from the cache
        fill_train_form(visitor, **{"dimension d": 8, "epochs": 2, "seed": 100 + i})
    for visitor in crowd:  # pressed within a second: one slot, so three must wait their turn
        click_train(visitor)
    try:
        states = [job_shown(visitor) for visitor in crowd]
        peak = rss_mb(pid)
        switches = switch_pages(watcher, until=lambda: all(finished(v) for v in crowd))
        deadline = time.monotonic() + 600
        while not all(finished(v) for v in crowd) and time.monotonic() < deadline:
            switches += switch_pages(watcher, rounds=1)
            peak = max(peak, rss_mb(pid))
    except BlankPage:
        # A blank tab fails the test (the Train page's job panel was a run_every fragment whose
        # reruns raced full reruns under load: "Cannot set a node at a delta path"). Leave the
        # server idle first, or the stop tests that follow on it wait in the queue behind these jobs.
        for visitor in [*crowd, watcher]:
            visitor.close()
        wait_until_idle(pid)
        raise
    assert all(finished(v) for v in crowd), [v.times for v in crowd]
    assert all(v.page.locator('[data-testid="stException"]').count() == 0 for v in crowd)
    assert any(v.saw_queue for v in crowd) and "queued" in states  # one slot: the others waited their turn
    FIGURES.update(
        visitors=VISITORS,
        finished_s=[round(v.times["finished"], 1) for v in crowd],
        switches=len(switches),
        switch_p50=round(percentile(switches, 50), 3),
        switch_p90=round(percentile(switches, 90), 3),
        quiet_switch_p90=round(percentile(quiet, 90), 3),
        rss_baseline_mb=round(baseline),
        rss_peak_mb=round(max(peak, rss_mb(pid))),
    )
    # Page-switch times are printed with the figures, not asserted: a timing target (p90 < 0.5 s on
    # an idle 2-core machine) belongs to benchmarks/load.py, and CI machines are shared and noisy.
    print("page switches while four train:", FIGURES)

    for visitor in [*crowd, watcher]:
        visitor.close()
    samples = settle_rss(pid, GRACE + 15)  # the janitor looks every 5 s
    FIGURES["rss_after_leave_mb"] = round(samples[-1][1])
    assert samples[-1][1] - baseline < 150, (baseline, samples)


@pytest.mark.parametrize("how", ["Cancel", "closed tab"])
def test_three_seconds_after_a_stop_the_server_is_idle(server, browser, how):
    pid = server.process.pid
    visitor = arrive(browser, server, how)
    # 25 epochs: gensim (which trains first) is done in seconds, the NumPy run then needs ~25 s more
    press_train(visitor, **{"dimension d": 50, "epochs": 25, "seed": 7 if how == "Cancel" else 8})
    # the NumPy run has finished an epoch (so a stop keeps a shorter run): on a loaded machine
    # "epoch 1" alone could be cancelled before any epoch ended, and nothing is kept then
    wait_training(visitor, min_epoch=2)
    busy = cpu_use(pid, 1.0)
    if how == "Cancel":
        stopped_at = cancel(visitor)
    else:
        visitor.close()
        stopped_at = time.monotonic()
    time.sleep(max(0.0, stopped_at + 3 - time.monotonic()))  # "3 s after": the measurement starts then
    idle = cpu_use(pid, 2.0)
    FIGURES[f"cpu_before_{how}"], FIGURES[f"cpu_3s_after_{how}"] = round(busy, 2), round(idle, 2)
    assert idle < IDLE_CPU, (busy, idle)
    if how == "Cancel":
        visitor.page.get_by_text("Training stopped").first.wait_for(timeout=10_000)
        assert "kept as a shorter run" in visitor.page.locator('[data-testid="stMain"]').inner_text()
        visitor.close()
