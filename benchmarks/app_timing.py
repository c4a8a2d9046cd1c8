"""Row 4: the dashboard's server time, measured with Streamlit's AppTest in a child process.

    python benchmarks/app_timing.py cold                      # fresh cache: first run of app.py
    python benchmarks/app_timing.py pages NUMPY_RUN GENSIM_RUN REPEATS
    python benchmarks/app_timing.py map NUMPY_RUN GENSIM_RUN

``cold`` times the first ``at.run()`` of app.py in a fresh process with an empty
EMBEDLAB_CACHE_DIR (the default runs on the default corpus are trained there) and checks that
the first page then shows trained results. ``pages`` puts two finished runs (the wiki runs of
row 5) in the session, renders every page once (which fills the caches), then times
``at.run()`` again REPEATS times per page: the server time of a re-render. ``map`` opens the Map page on the same runs (N = 500 words, both
trainers) and times moving the epoch slider to every epoch in turn, each one not shown before,
twice: the whole app rerun (AppTest), and ``mapview.draw_maps`` alone — the page's fragment, all that
a browser reruns — the server time of an epoch change, hover neighbours included. Each prints one JSON line;
``rows()`` turns them into table rows for run.py.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # embedlab and the app's dashboard package
APP = ROOT / "app.py"
COLD_TARGET = 15.0
RENDER_TARGET = 0.5
MAP_TARGET = 0.3  # issue 14: an epoch change on the Map page, cached wiki run


def app_pages() -> list[str]:
    """The page files the app routes to, in the order they are named in app.py / embedlab/teaching/sitemap.py, that exist."""
    found = []
    for source in (APP, ROOT / "embedlab" / "teaching" / "sitemap.py"):
        if source.exists():
            for path in re.findall(r"[\"'](pages/\w+\.py)[\"']", source.read_text(encoding="utf-8")):
                if path not in found and (ROOT / path).exists():
                    found.append(path)
    if not found:
        raise RuntimeError("found no pages/*.py named in app.py or embedlab/teaching/sitemap.py")
    return found


def _problems(at) -> list[str]:
    return [str(e.value).splitlines()[0] for e in at.exception] + [e.value for e in at.error]


def cold() -> dict:
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    seconds = time.perf_counter() - started
    charts = len(list(at.get("vega_lite_chart")))
    runs = len(at.session_state["runs"]) if "runs" in at.session_state else 0
    return {"seconds": seconds, "charts": charts, "runs": runs, "problems": _problems(at)}


def _session(numpy_run: str, gensim_run: str):
    """An AppTest of the app whose session holds the two runs as its current runs, after its first run."""
    from streamlit.testing.v1 import AppTest

    from dashboard.runs import RunRecord  # the app's own module: the session objects must be its classes
    from embedlab.config import DashboardSettings, TrainOptions
    from embedlab.store import load_run

    numpy_config = load_run(numpy_run).config
    gensim_config = load_run(gensim_run).config
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.session_state["corpus_source"] = numpy_config["corpus"]["name"]
    at.session_state["settings"] = DashboardSettings(
        min_count=numpy_config["corpus_options"]["min_count"],
        numpy=TrainOptions.from_dict(numpy_config["train_options"]),
        gensim=TrainOptions.from_dict(gensim_config["train_options"]),
    )
    record = RunRecord("benchmark: wiki", numpy_config["corpus"]["name"], {"numpy": numpy_run, "gensim": gensim_run})
    at.session_state["runs"] = [record]
    at.session_state["current_run"] = 0
    at.run()
    return at


def pages(numpy_run: str, gensim_run: str, repeats: int) -> dict:
    at = _session(numpy_run, gensim_run)
    result = {"pages": {}, "first": {}, "problems": {}}
    for page in app_pages():
        started = time.perf_counter()
        at.switch_page(page).run()
        result["first"][page] = time.perf_counter() - started
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
        result["pages"][page] = statistics.median(times)
        if _problems(at):
            result["problems"][page] = _problems(at)
    return result


def map_epochs(numpy_run: str, gensim_run: str) -> dict:
    """Server time of the Map page: its first render, then an epoch change to every epoch in turn."""
    at = _session(numpy_run, gensim_run)
    started = time.perf_counter()
    at.switch_page("pages/map.py").run()
    first = time.perf_counter() - started
    slider = at.slider(key="map_epoch")
    last = int(slider.max)
    changes, cpu = [], []
    for epoch in range(last):  # the page opens on the last epoch; every other epoch is new to the caches
        at.slider(key="map_epoch").set_value(epoch)
        started, cpu_started = time.perf_counter(), time.process_time()
        at.run()
        changes.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)  # every thread of this process: the script's work
    points = [len(max(_datasets(chart), key=len)) for chart in at.get("vega_lite_chart")][:2]
    fragment = map_fragment(numpy_run, gensim_run, int(at.number_input(key="map_words").value), last)
    return {
        "fragment": fragment,
        "fragment_median": statistics.median(fragment),
        "fragment_slowest": max(fragment),
        "first": first,
        "changes": changes,
        "median": statistics.median(changes),
        "slowest": max(changes),
        "cpu": cpu,
        "cpu_median": statistics.median(cpu),
        "points": points,
        "words": at.number_input(key="map_words").value,
        "problems": _problems(at),
    }


def _draw_maps_timed(numpy_run: str, gensim_run: str, words: int, last: int) -> None:
    """An AppTest script: what the Map page's fragment draws on an epoch change (``mapview.draw_maps``),
    timed at every epoch before the last, each new to the caches (emptied first)."""
    import time

    import streamlit as st

    from dashboard import cached, mapview
    from embedlab.config import MapOptions
    from embedlab.store import load_run

    st.cache_data.clear()
    st.cache_resource.clear()
    runs = {"numpy": load_run(numpy_run), "gensim": load_run(gensim_run)}
    options = MapOptions(words, True)
    colour_by = "planted group" if cached.groups_for(runs["numpy"]) else "frequency band"
    found = cached.default_words(numpy_run)[:1]  # the page's default: one word's road drawn
    mapview.draw_maps(runs, last, options, colour_by, [], found)  # the page opens on the last epoch
    times = []
    for epoch in range(last):
        started = time.perf_counter()
        mapview.draw_maps(runs, epoch, options, colour_by, [], found)
        times.append(time.perf_counter() - started)
    st.session_state["fragment_times"] = times


def map_fragment(numpy_run: str, gensim_run: str, words: int, last: int) -> list[float]:
    """Seconds of ``mapview.draw_maps`` per epoch change: the server time of the Map page's fragment,
    which is all a browser reruns when the epoch slider moves (AppTest reruns the whole app)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_draw_maps_timed, args=(numpy_run, gensim_run, words, last), default_timeout=600)
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return at.session_state["fragment_times"]


def _datasets(chart) -> list:
    import io

    import pyarrow as pa

    return [pa.ipc.open_stream(io.BytesIO(d.data.data)).read_all() for d in chart.proto.datasets]


def rows(repeats: int, numpy_run: Path | None, gensim_run: Path | None, cache: Path) -> list:
    """Row 4a (re-render per page) and 4b (cold start), or rows saying why they could not run."""
    from table import Row
    from timing import run_child

    if not APP.exists():
        why = "skipped: app.py is not there yet"
        return [Row("4a", "dashboard re-render", why, "< 0.5 s", None), Row("4b", "cold start", why, "< 15 s", None)]
    try:
        import streamlit  # noqa: F401
    except ImportError:
        why = "skipped: streamlit is not installed"
        return [Row("4a", "dashboard re-render", why, "< 0.5 s", None), Row("4b", "cold start", why, "< 15 s", None)]
    script = str(Path(__file__).resolve())
    out = []
    if numpy_run is not None and gensim_run is not None:
        child = run_child([sys.executable, script, "pages", str(numpy_run), str(gensim_run), str(repeats)])
        if child.returncode != 0 or not child.output:
            out.append(Row("4a", "dashboard re-render", f"failed: {child.stderr.strip()[-300:]}", "< 0.5 s", False))
        else:
            times = child.output["pages"]
            slowest = max(times, key=times.get)
            problems = child.output["problems"]
            listing = ", ".join(f"{Path(p).stem} {t:.2f}" for p, t in times.items())
            firsts = ", ".join(f"{Path(p).stem} {t:.1f}" for p, t in child.output["first"].items())
            out.append(
                Row(
                    "4a",
                    "server time to re-render each page, cached wiki run (AppTest, slowest page)",
                    f"{times[slowest]:.2f} s ({Path(slowest).stem})",
                    "< 0.5 s",
                    times[slowest] < RENDER_TARGET and not problems,
                    f"median of {repeats} re-renders per page, s: {listing}; first render (fills the caches), s: "
                    f"{firsts}" + (f"; errors shown: {problems}" if problems else ""),
                )
            )
        out.append(_map_row(script, numpy_run, gensim_run))
    else:
        out.append(Row("4a", "dashboard re-render", "skipped: row 5's wiki runs are needed", "< 0.5 s", None))
        out.append(Row("4c", "Map page epoch change", "skipped: row 5's wiki runs are needed", "< 0.3 s", None))
    child = run_child([sys.executable, script, "cold"], env={"EMBEDLAB_CACHE_DIR": str(cache)})
    if child.returncode != 0 or not child.output:
        out.append(Row("4b", "cold start", f"failed: {child.stderr.strip()[-300:]}", "< 15 s", False))
    else:
        result = child.output
        shows = result["runs"] > 0 and result["charts"] > 0 and not result["problems"]
        out.append(
            Row(
                "4b",
                "cold start: first run of app.py on the default corpus, empty cache (AppTest)",
                f"{result['seconds']:.1f} s" + ("" if shows else " (no trained results shown)"),
                "< 15 s",
                result["seconds"] < COLD_TARGET and shows,
                f"{result['charts']} charts on the first page, {result['runs']} run record(s); "
                f"{child.wall_seconds:.1f} s from process start (imports included), peak RSS {child.max_rss_mb:.0f} MB"
                + (f"; problems: {result['problems']}" if result["problems"] else ""),
            )
        )
    return out


def _map_row(script: str, numpy_run: Path, gensim_run: Path):
    """Row 4c: the Map page's server time for an epoch change (issue 14)."""
    from table import Row
    from timing import run_child

    child = run_child([sys.executable, script, "map", str(numpy_run), str(gensim_run)])
    if child.returncode != 0 or not child.output:
        return Row("4c", "Map page epoch change", f"failed: {child.stderr.strip()[-300:]}", f"< {MAP_TARGET} s", False)
    result = child.output
    changes = ", ".join(f"{t:.2f}" for t in result["changes"])
    fragment = ", ".join(f"{t:.2f}" for t in result["fragment"])
    return Row(
        "4c",
        "server time of an epoch change on the Map page (the page's fragment, what a browser reruns), N = 500 words, "
        "both trainers, cached wiki run (slowest)",
        f"{result['fragment_slowest']:.2f} s (median {result['fragment_median']:.2f} s)",
        f"< {MAP_TARGET} s",
        result["fragment_slowest"] < MAP_TARGET and not result["problems"],
        f"{result['words']} words, points per map {result['points']}; every epoch once, each new to the caches "
        f"(hover neighbours computed then), mapview.draw_maps alone, s: {fragment}; the whole app rerun in AppTest for the "
        f"same changes (app.py, sidebar and page; not what a browser waits for), s: {changes}, CPU median "
        f"{result['cpu_median']:.2f} s; first render of the page (fits both planes) "
        f"{result['first']:.1f} s" + (f"; errors shown: {result['problems']}" if result["problems"] else ""),
    )


if __name__ == "__main__":
    if sys.argv[1] == "cold":
        print(json.dumps(cold()))
    elif sys.argv[1] == "map":
        print(json.dumps(map_epochs(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(pages(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
