"""Reproduce issue 18's open bug: Streamlit's frontend throws "Cannot set a node at a delta path"
and blanks a training visitor's tab while the server is starved of CPU.

    python benchmarks/blank_tab.py [ROUNDS] [--burn]

Each round: one server with one training slot, four visitors press Train (d = 8, 2 epochs) while
a fifth switches pages, as in tests/e2e/test_load.py. ``--burn`` keeps both cores busy with two
spinning processes (a loaded shared server, or the other pytest-xdist worker). Measured on the
2-core machine of benchmarks/README.md while the Train page's job panel was an
``st.fragment(run_every=1 s)``: 0 blank rounds of 8 without ``--burn``, 3 of 3 with it (the
JavaScript stack: applyDelta → addElement → setNodeAtPath, 3–4 blocks deep). Since the panel is a
plain script loop at the page's end (``dashboard.job_panel.TrainingPanel.follow``): 0 of 5 with ``--burn``; the
four finished 72–211 s after their presses and the fifth visitor's page switches took p50
1.8–2.1 s, p90 3.0–3.5 s with both cores spinning. One round of the five hit the 400 s deadline
instead (printed before the round text said which visitor and what its page showed).
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM_ARGS, stop_streamlit  # noqa: E402
from tests.e2e.visitors import (  # noqa: E402
    BlankPage,
    arrive,
    percentile,
    press_train,
    start,
    switch_pages,
    wait_finished,
)


def spin() -> None:
    while True:  # a busy core, until the parent terminates this process
        pass


def one_round(browser, server, seed: int) -> str:
    """Four visitors train while a fifth switches pages: 'finished', 'BLANK: …' or 'timeout'."""
    watcher = arrive(browser, server, "watcher")
    crowd = [arrive(browser, server, f"visitor {i}") for i in range(4)]
    for i, visitor in enumerate(crowd):
        press_train(visitor, **{"dimension d": 8, "epochs": 2, "seed": seed + i})
    switches: list[float] = []
    try:
        wait_finished(crowd, 400, lambda: switches.extend(switch_pages(watcher, rounds=1)), server.process.pid)
        took = [round(v.times["finished"]) for v in crowd]
        return f"finished in {took} s; page switches p50 {percentile(switches, 50):.2f} s, p90 {percentile(switches, 90):.2f} s"
    except SystemExit as gave_up:  # the deadline, or the server idle with trainings unfinished
        return f"timeout; {gave_up}"
    except BlankPage as blank:
        return f"BLANK: {blank}"
    finally:
        for visitor in [*crowd, watcher]:
            visitor.close()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--burn"]
    rounds = int(args[0]) if args else 3
    burners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(2 if "--burn" in sys.argv else 0)]
    for burner in burners:
        burner.start()
    cache = Path(tempfile.mkdtemp())
    server = start(cache, cache / "server.log", EMBEDLAB_TRAINING_SLOTS="1", EMBEDLAB_VISITOR_GRACE="5")
    outcomes = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for r in range(rounds):
                outcomes.append(one_round(browser, server, seed=1000 * r))
                print(f"round {r}: {outcomes[-1]}", flush=True)
    finally:
        stop_streamlit(server)
        for burner in burners:
            burner.terminate()
    print(f"blank rounds: {sum(o.startswith('BLANK') for o in outcomes)} of {rounds}")


if __name__ == "__main__":
    main()
