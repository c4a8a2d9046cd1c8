"""The shared-server load measurement of issue 18, in real Chromium against real servers.

    python benchmarks/load.py                       # every scenario (~25 min on 2 idle cores)
    python benchmarks/load.py --only wiki --servers 16
    python benchmarks/load.py --only stop,memory,crowd --json load.json

Scenarios (each starts its own `streamlit run app.py` with the app's default settings):

- ``wiki``: ``--servers`` fresh servers in a row, each with an empty corpus cache; a visitor picks
  the built-in ``wiki`` corpus on the Corpus page. Reports the time until its statistics show
  (a hang is a timeout), whether the server ever had a child process, and whether it then exits
  within 15 s of SIGTERM.
- ``stop``: a visitor trains on ``wiki`` with the default settings; once the NumPy run is under
  way they press Cancel (then, again, close the tab instead). Reports the server's CPU (cores)
  before, and over the 2 s starting 3 s after the stop.
- ``memory``: the server's resident memory before two visitors come, while each uploads a
  ~11 MB English text (the Wikipedia sample ×4, made distinct) and trains on it, and every 10 s
  for 200 s after both have left.
- ``crowd``: four visitors each upload their own copy of the Lee corpus (~0.3 MB) and press Train
  at the same moment (d = 20, 3 epochs); a fifth switches pages round the app until all four have
  finished. One training slot on 2 cores runs the jobs one after another, so the server trains
  throughout: the switches are measured under that load (larger jobs only make it last longer;
  Lee ×3 and 5 epochs took ~8.5 min a job).
  Reports each visitor's time to finish (queue wait included), the fifth visitor's page-switch
  latency (p50, p90), peak memory and memory 200 s after everyone left.

Run from the repository root with the project's Python; needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, open_page, stop_streamlit  # noqa: E402
from tests.e2e.visitors import (  # noqa: E402
    SWITCH_PAGES,
    arrive,
    cancel,
    cpu_use,
    job_shown,
    percentile,
    pick_corpus,
    press_train,
    rss_mb,
    settle_rss,
    start,
    switch_pages,
    upload_corpus,
    wait_finished,
    wait_training,
)

FIGURES: dict = {}


def say(line: str) -> None:
    print(line, flush=True)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def warm_runs_cache(scratch: Path) -> Path:
    """A cache whose runs/ holds the default toy runs (trained once), shared by every server."""
    cache = scratch / "warm"
    log = scratch / "warm.log"
    server = start(cache, log)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        arrive(browser, server, "warm-up").close()
        browser.close()
    stop_streamlit(server)
    return cache / "runs"


def fresh_cache(scratch: Path, runs: Path, name: str) -> Path:
    """An empty cache but for a link to the warm runs: corpora are parsed again, runs are not trained."""
    cache = scratch / name
    cache.mkdir()
    (cache / "runs").symlink_to(runs, target_is_directory=True)
    return cache


# ---------------------------------------------------------------- scenarios


def wiki(scratch: Path, runs: Path, servers: int) -> None:
    rows = []
    for i in range(servers):
        cache = fresh_cache(scratch, runs, f"wiki-{i}")
        server = start(cache, scratch / f"wiki-{i}.log")
        pid, kids, seconds, hung = server.process.pid, set(), None, False
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            visitor = arrive(browser, server, "wiki")
            open_page(visitor.page, "Corpus")
            started = time.monotonic()
            group = visitor.page.locator(
                '[data-testid="stRadioGroup"][aria-label="Corpus"] [data-testid="stRadioOption"]'
            )
            group.filter(has_text="wiki").first.click()
            try:
                while True:  # poll for child processes while the corpus is read
                    kids.update(children(pid))
                    if visitor.page.locator('[data-testid="stMain"] h3').filter(has_text="wiki").count():
                        seconds = time.monotonic() - started
                        break
                    if time.monotonic() - started > 180:
                        hung = True
                        break
                    time.sleep(0.1)  # polling interval
            finally:
                visitor.close()
                browser.close()
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(15)
            exited = True
        except Exception:
            exited = False
            stop_streamlit(server)
        rows.append({"server": i + 1, "seconds": seconds, "hung": hung, "children": len(kids), "sigterm_exit": exited})
        say(
            f"wiki server {i + 1}/{servers}: {'HUNG' if hung else f'{seconds:.1f} s'}, child processes {len(kids)}, exits on SIGTERM: {exited}"
        )
    FIGURES["wiki"] = rows


def stop(scratch: Path, runs: Path) -> None:
    cache = fresh_cache(scratch, runs, "stop")
    server = start(cache, scratch / "stop.log")
    pid, rows = server.process.pid, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for seed, how in ((11, "Cancel"), (12, "closed tab")):
            visitor = arrive(browser, server, how)
            pick_corpus(visitor, "wiki")
            press_train(visitor, seed=seed, epochs=5)  # otherwise the defaults: d = 50, both trainers
            wait_training(visitor, timeout=900)
            busy = cpu_use(pid, 2.0)
            if how == "Cancel":
                stopped_at = cancel(visitor)
            else:
                visitor.close()
                stopped_at = time.monotonic()
            time.sleep(max(0.0, stopped_at + 3 - time.monotonic()))  # the measurement starts 3 s after
            idle = cpu_use(pid, 2.0)
            message = None
            if how == "Cancel":
                visitor.page.get_by_text("Training stopped").first.wait_for(timeout=30_000)
                message = time.monotonic() - stopped_at
                visitor.close()
            rows.append({"how": how, "cpu_before": busy, "cpu_3s_after": idle, "message_after_s": message})
            say(f"stop by {how}: CPU {busy:.2f} cores before, {idle:.2f} over 3–5 s after")
        browser.close()
    stop_streamlit(server)
    FIGURES["stop"] = rows


def rss_parts(pid: int) -> dict[str, float]:
    """The server's resident memory by kind, MB: anonymous (the heap: Python objects, NumPy arrays)
    and file-backed (mapped files: libraries and the runs' memory-mapped snapshots)."""
    parts = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            key, _, value = line.partition(":")
            if key in ("Rss", "Anonymous"):
                parts[key] = int(value.split()[0]) / 1024
    return {"anon": round(parts["Anonymous"]), "file": round(parts["Rss"] - parts["Anonymous"])}


def cache_bytes(url: str) -> dict[str, float]:
    """MB held by each of Streamlit's caches (st.cache_data functions, uploaded files, session
    states), from the server's /_stcore/metrics; st.cache_resource cannot be sized and is left out."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    held: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("cache_memory_bytes{") and 'cache_type="st_cache_resource"' not in line:
            labels, value = line.rsplit(" ", 1)
            kind = labels.split('cache_type="', 1)[1].split('"', 1)[0]
            name = labels.split('cache="', 1)[1].split('"', 1)[0] or kind
            held[name] = held.get(name, 0.0) + float(value) / 2**20
    return {name: round(mb, 1) for name, mb in sorted(held.items(), key=lambda item: -item[1]) if mb >= 0.1}


def english_text(copies: int, marker: str) -> bytes:
    """The Wikipedia sample as plain text ×``copies`` (~2.75 MB each), every line tagged with ``marker``
    so that each visitor's file is distinct."""
    from embedlab.text.corpus import load_corpus

    lines = [" ".join(sentence) + f" {marker}" for sentence in load_corpus("wiki").sentences]
    return ("\n".join(lines * copies) + "\n").encode()


def memory(scratch: Path, runs: Path) -> None:
    cache = fresh_cache(scratch, runs, "memory")
    server = start(cache, scratch / "memory.log")
    pid = server.process.pid
    texts = {name: english_text(4, name) for name in ("alphaword", "betaword")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        arrive(browser, server, "warm-up").close()  # a first visitor: the default runs, the caches
        settle_rss(pid, 75, step=15)  # the warm-up visitor's grace passes
        before, parts_before = rss_mb(pid), rss_parts(pid)
        say(f"memory: {before:.0f} MB before the two visitors ({parts_before}); caches {cache_bytes(server.url)}")
        pair, peak = [], before
        for name, data in texts.items():
            visitor = arrive(browser, server, name)
            upload_corpus(visitor, f"{name}.txt", data)
            peak = max(peak, rss_mb(pid))
            pair.append(visitor)
        for visitor in pair:
            press_train(visitor, **{"min_count": 20, "dimension d": 10, "epochs": 2})

        def sample() -> None:
            nonlocal peak
            peak = max(peak, rss_mb(pid))
            time.sleep(1)  # polling interval

        wait_finished(pair, 1800, sample, pid)
        peak = max(peak, rss_mb(pid))
        sizes = {name: round(len(data) / 2**20, 1) for name, data in texts.items()}
        say(
            f"memory: uploads {sizes} MB, peak {peak:.0f} MB, trained in {[round(v.times['finished']) for v in pair]} s"
        )
        for visitor in pair:
            visitor.close()
        samples = settle_rss(pid, 200, step=10)
        parts, caches = rss_parts(pid), cache_bytes(server.url)
        browser.close()
    stop_streamlit(server)
    FIGURES["memory"] = {
        "upload_mb": sizes,
        "before_mb": before,
        "before_parts": parts_before,
        "peak_mb": peak,
        "after_leave": samples,
        "after_parts": parts,
        "caches_after": caches,
    }
    say(f"memory: {samples[-1][1]:.0f} MB 200 s after they left, {samples[-1][1] - before:+.0f} MB on before")
    say(f"memory: by kind before {parts_before}, after {parts} MB; Streamlit caches after (MB): {caches}")


def script_seconds(run_log: Path, since: float, until: float) -> list[float]:
    """How long the server ran app.py for each page switch between ``since`` and ``until`` (wall
    clock): the runs of the switched-to pages in the server's EMBEDLAB_RUN_LOG (the Train page's
    runs are the trainers' tabs following their jobs, left out)."""
    seconds = []
    for line in run_log.read_text(encoding="utf-8").splitlines():
        run = json.loads(line)
        if run["page"] in SWITCH_PAGES and since <= run["start"] <= until:
            seconds.append(run["end"] - run["start"])
    return seconds or [float("nan")]


def crowd(scratch: Path, runs: Path, visitors: int = 4) -> None:
    from gensim.test.utils import datapath

    cache = fresh_cache(scratch, runs, "crowd")
    run_log = scratch / "crowd-runs.jsonl"
    server = start(cache, scratch / "crowd.log", EMBEDLAB_RUN_LOG=str(run_log))
    pid = server.process.pid
    lee = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        watcher = arrive(browser, server, "fifth")
        switch_pages(watcher, rounds=1)  # every page once: the caches are warm
        quiet_from = time.time()
        quiet = switch_pages(watcher, rounds=2)  # the same switches with nobody training
        quiet_server = script_seconds(run_log, quiet_from, time.time())
        say(
            f"crowd: nobody training, {len(quiet)} switches p50 {percentile(quiet, 50):.2f} s, "
            f"p90 {percentile(quiet, 90):.2f} s; the server's script p90 {percentile(quiet_server, 90):.2f} s"
        )
        before = rss_mb(pid)
        group = [arrive(browser, server, f"visitor {i}") for i in range(visitors)]
        for i, visitor in enumerate(group):
            marker = f"visitor{'abcdefgh'[i]}"
            text = "\n".join(f"{line} {marker}" for line in lee.splitlines())
            upload_corpus(visitor, f"{marker}.txt", text.encode())
        for visitor in group:  # press Train in all four tabs, one after the other, as fast as the browser goes
            press_train(visitor, **{"dimension d": 20, "epochs": 3})
        states = [job_shown(v) for v in group]
        peak = rss_mb(pid)
        switches: list[float] = []
        busy_from = time.time()
        try:  # one training slot on 2 cores: the four visitors' jobs run one after another
            wait_finished(group, 3600, lambda: switches.extend(switch_pages(watcher, rounds=1)), pid)
        except SystemExit as gave_up:  # say what was measured before giving up, then give up
            say(
                f"crowd: {len(switches)} switches p50 {percentile(switches, 50):.2f} s, p90 {percentile(switches, 90):.2f} s"
            )
            say(
                f"crowd: the server's script p90 {percentile(script_seconds(run_log, busy_from, time.time()), 90):.2f} s"
            )
            raise gave_up
        busy_server = script_seconds(run_log, busy_from, time.time())
        peak = max(peak, rss_mb(pid))
        results = [{"finished_s": v.times["finished"], "queued": v.saw_queue} for v in group]
        for visitor in [*group, watcher]:
            visitor.close()
        samples = settle_rss(pid, 200, step=20)
        browser.close()
    stop_streamlit(server)
    FIGURES["crowd"] = {
        "visitors": results,
        "states_after_press": states,
        "switches": len(switches),
        "switch_p50": percentile(switches, 50),
        "switch_p90": percentile(switches, 90),
        "switch_max": max(switches),
        "server_script_p50": percentile(busy_server, 50),
        "server_script_p90": percentile(busy_server, 90),
        "quiet_switch_p50": percentile(quiet, 50),
        "quiet_switch_p90": percentile(quiet, 90),
        "quiet_server_script_p90": percentile(quiet_server, 90),
        "before_mb": before,
        "peak_mb": peak,
        "after_leave": samples,
    }
    say(
        f"crowd: finished in {[round(r['finished_s']) for r in results]} s (queued: {[r['queued'] for r in results]}); "
        f"{len(switches)} page switches p50 {percentile(switches, 50):.2f} s, p90 {percentile(switches, 90):.2f} s, "
        f"max {max(switches):.2f} s (the server's script: p50 {percentile(busy_server, 50):.2f} s, "
        f"p90 {percentile(busy_server, 90):.2f} s); memory {before:.0f} → peak {peak:.0f} → {samples[-1][1]:.0f} MB 200 s after"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="wiki,stop,memory,crowd")
    parser.add_argument("--servers", type=int, default=16, help="fresh servers for the wiki scenario")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="embedlab-load-"))
    try:
        runs = warm_runs_cache(scratch)
        chosen = args.only.split(",")
        if "wiki" in chosen:
            wiki(scratch, runs, args.servers)
        if "stop" in chosen:
            stop(scratch, runs)
        if "memory" in chosen:
            memory(scratch, runs)
        if "crowd" in chosen:
            crowd(scratch, runs)
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(FIGURES, indent=2))
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
