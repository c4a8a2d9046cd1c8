"""The benchmark script runs end to end in its --smoke mode and prints its tables.

No timing is asserted (figures from a shared machine mean nothing in a test); this checks that
every row's code path works and that the numbers it prints are the ones it measured.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import scaling_summary  # noqa: E402
from timing import alternate, run_child  # noqa: E402


@pytest.mark.slow
def test_smoke_run_prints_every_requested_row_and_the_scaling_table(tmp_path):
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--smoke", "--only", "1,2,3,5,s", "--json", str(figures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "| # | figure | measured | target | verdict |" in out
    for key in ("| 1 |", "| 2 |", "| 3 |", "| 5a |", "| 5b |"):
        assert key in out
    assert "| 4a |" not in out  # --only leaves the dashboard out
    saved = json.loads(figures.read_text())
    assert {row["key"] for row in saved["rows"]} == {"1", "2", "3", "5a", "5b"}
    for row in saved["rows"]:  # every row either measured something or says why not
        assert row["measured"] and (row["meets"] is not None or row["measured"].startswith("skipped"))
    # scaling: ×1, ×2, ×4 for both trainers at a fixed V, then V·d points for the softmax trainer
    corpus_points = [p for p in saved["scaling"] if p["grows"] == "corpus"]
    assert [p["V"] for p in corpus_points] == [50] * 6
    gensim_tokens = [p["tokens"] for p in corpus_points if p["trainer"] == "gensim"]
    assert gensim_tokens[1] / gensim_tokens[0] == pytest.approx(2, rel=0.05)
    assert gensim_tokens[2] / gensim_tokens[0] == pytest.approx(4, rel=0.05)
    assert all(p["max_rss_mb"] > 20 for p in saved["scaling"])
    assert "| trainer | grows |" in out and "time per pair" in out


def test_child_peak_memory_is_the_childs_own_not_ours():
    """ru_maxrss of a child forked straight from a large process includes that process's
    memory; run_child's spawner must report only what the child itself used."""
    import numpy as np

    ballast = np.ones(40_000_000)  # 320 MB resident here
    child = run_child([sys.executable, "-c", "import numpy as np; a = np.ones(12_500_000); print('{\"n\": 1}')"])
    assert child.returncode == 0 and child.output == {"n": 1}
    assert 100 < child.max_rss_mb < 300  # its own 100 MB array plus Python and NumPy, not our 320 MB
    del ballast


def test_alternate_measures_each_side_every_round_and_reports_work():
    calls = []
    rounds = alternate({"a": lambda: calls.append("a") or 10, "b": lambda: calls.append("b")}, rounds=3)
    assert calls == ["a", "b"] + ["a", "b"] * 3  # one warm-up call each, then alternation
    assert rounds.work == {"a": [10.0] * 3, "b": [1.0] * 3}
    assert all(s >= 0 for s in rounds.seconds["a"] + rounds.seconds["b"])


def test_scaling_summary_compares_growth_of_time_with_growth_of_work():
    def point(trainer, grows, tokens, seconds, V=100, d=10, pairs=1000.0):
        return dict(
            trainer=trainer,
            grows=grows,
            tokens=tokens,
            seconds_per_epoch=seconds,
            V=V,
            d=d,
            pairs=pairs,
            max_rss_mb=200.0,
            snapshot_mb=1.0,
        )

    points = [
        point("gensim", "corpus", 1000, 1.0),
        point("gensim", "corpus", 4000, 4.4),
        point("numpy", "V·d", 1000, 2.0, V=100),
        point("numpy", "V·d", 1000, 8.0, V=400),
    ]
    lines = scaling_summary(points)
    assert "×4.40 time per epoch (linear: ×4.0)" in lines[0]
    assert "×4.00 time per pair (linear: ×4)" in lines[1]
