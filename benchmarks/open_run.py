"""Open a run directory on every page of the dashboard, as a visitor would, and check its numbers.

    EMBEDLAB_UNLIMITED=1 python benchmarks/open_run.py RUN_DIR [--log TRAIN_LOG]

The run is zipped as Export writes it and opened through the Corpus page's "Open embeddings" tab
(Streamlit's AppTest, in this process), then every page of the menu is drawn. Printed per page:
seconds to draw, and any exception or error message. With ``--log`` (what ``embedlab train``
printed, e.g. ``benchmarks/scale.py``'s ``trainN m.log``), the loss, held-out loss and ‖∇J‖ that the
Dynamics page charts (and its other curves) are compared with the command line's table at the 4 significant digits it
printed. Exit status 1 if a page failed or a number differs. For runs too big for a shared server
(``benchmarks/scale.py`` at 60 M tokens): set ``EMBEDLAB_UNLIMITED=1``.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "app"))

NOT_CHARTED = {"seconds"}  # the command line's columns the Dynamics page does not chart


def printed_metrics(log: Path) -> dict[int, dict[str, float]]:
    """The metrics table ``embedlab train`` printed: {epoch: {column: value}}."""
    lines = log.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["epoch", "loss"])
    header, table = lines[start].split(), {}
    for line in lines[start + 1 :]:
        cells = line.split()
        if len(cells) != len(header) or not re.fullmatch(r"\d+", cells[0]):
            break
        table[int(cells[0])] = {name: float(cell) for name, cell in zip(header[1:], cells[1:], strict=True)}
    return table


def same_at_printed_digits(shown: float, printed: float, digits: int = 4) -> bool:
    """Whether ``shown`` rounds to ``printed`` at the command line's ``digits`` significant digits.

    >>> same_at_printed_digits(2.80951, 2.809), same_at_printed_digits(2.8123, 2.809)
    (True, False)
    """
    if printed == 0:
        return shown == 0
    return float(f"{shown:.{digits}g}") == printed or math.isclose(shown, printed, rel_tol=10 ** (1 - digits))


def charted_metrics(at) -> dict[int, dict[str, float]]:
    """{epoch: {metrics.csv column: value}} from the Dynamics page's charts (long frames: epoch,
    series, value; the loss chart names its two series "training" and "held-out")."""
    from app_helpers import chart_data, charts

    column = {"training": "loss", "held-out": "heldout_loss"}
    found: dict[int, dict[str, float]] = {}
    for chart in charts(at):
        for frame in chart_data(chart):
            if {"epoch", "series", "value"} <= set(frame):
                for epoch, series, value in zip(frame["epoch"], frame["series"], frame["value"], strict=True):
                    found.setdefault(int(epoch), {})[column.get(series, series)] = float(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--log", type=Path, default=None, help="what `embedlab train` printed for this run")
    args = parser.parse_args()

    from app_helpers import open_page
    from streamlit.testing.v1 import AppTest
    from test_open_embeddings import open_files

    from embedlab.export import run_bundle
    from embedlab.store import load_run
    from embedlab.teaching.sitemap import PAGES

    run = load_run(args.run_dir)
    started = time.perf_counter()
    bundle = run_bundle(run)
    print(
        f"{run.run_id}: V = {len(run.vocab):,}, d = {run.dim}, epochs {run.snapshot_epochs}; "
        f"bundle {len(bundle) / 2**20:,.0f} MB in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
    at.run(timeout=600)
    started = time.perf_counter()
    at = open_files(at, [(f"{run.run_id}.zip", bundle, "application/zip")])
    del bundle
    print(f"opened in {time.perf_counter() - started:.1f} s; errors: {[e.value for e in at.error]}", flush=True)
    failed = bool(at.error)
    for path, title, _icon in PAGES:
        started = time.perf_counter()
        try:
            at = open_page(at, path)
            problems = [e.value for e in at.error]
        except AssertionError as error:  # open_page's: the page raised
            problems = [f"exception: {error}"]
        print(f"  {title:<16} {time.perf_counter() - started:7.1f} s  {problems or 'ok'}", flush=True)
        failed |= bool(problems)
        if path == "pages/dynamics.py" and args.log is not None and not problems:
            charted, printed = charted_metrics(at), printed_metrics(args.log)
            for epoch, row in printed.items():
                for name in sorted(row.keys() - NOT_CHARTED):
                    shown = charted.get(epoch, {}).get(name)
                    agrees = shown is not None and same_at_printed_digits(shown, row[name])
                    agrees |= name == "displacement" and epoch == 0 and shown is None  # nothing moved yet
                    failed |= not agrees
                    print(
                        f"    epoch {epoch} {name}: printed {row[name]:g}, charted {shown}  "
                        f"{'same' if agrees else 'DIFFERENT'}"
                    )
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
