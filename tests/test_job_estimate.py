"""The estimate's sentence and its parts: consistent with themselves, whatever the sizes."""

import doctest
import re

import pytest

from embedlab.config import CorpusOptions, DashboardSettings
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train import job_estimate, probes
from embedlab.train.job_estimate import duration, estimate_sentence


def seconds_of(text: str) -> float:
    """A duration() back in seconds (its lower end for 'under 0.1 s')."""
    if text == "under 0.1 s":
        return 0.0
    if text.endswith(" min") and " h " not in text:
        return float(text[:-4]) * 60
    if " h " in text:
        hours, minutes = re.match(r"(\d+) h (\d+) min", text).groups()
        return int(hours) * 3600 + int(minutes) * 60
    return float(text[:-2])


def test_doctests_run():
    assert doctest.testmod(job_estimate).failed == 0


def test_duration_is_monotonic_and_close():
    values = [i / 100 for i in range(0, 2000)] + list(range(20, 8000, 7))
    shown = [seconds_of(duration(v)) for v in values]
    assert all(a <= b for a, b in zip(shown, shown[1:], strict=False))
    for value, back in zip(values, shown, strict=True):
        assert abs(back - value) <= max(0.0501, 0.05 * value) + 30 * (value >= 3600)


def run(epoch, snapshot, setup, epochs):
    return {
        "setup": setup,
        "epoch": epoch,
        "snapshot": snapshot,
        "train": epoch * epochs,
        "measure": snapshot * (epochs + 1),
        "total": setup + epoch * epochs + snapshot * (epochs + 1),
    }


@pytest.mark.parametrize("scale", [0.001, 0.01, 0.05, 0.3, 1, 7, 40])
def test_no_part_reads_longer_than_the_whole_and_the_parts_add_up(scale):
    epochs = {"numpy": 20, "gensim": 20}
    runs = {
        "numpy": run(0.2 * scale, 0.07 * scale, 0.3 * scale, 20),
        "gensim": run(0.05 * scale, 0.03 * scale, 0.1, 20),
    }
    text = estimate_sentence(runs, epochs)
    total_text, rest = re.match(r"about (.+?) here: (.*)\.$", text).groups()
    total = seconds_of(total_text)
    parts = re.findall(r"(?:NumPy|gensim) (.+?) \(|snapshots (.+?),|set-up (.+)$", rest)
    shown = [seconds_of(next(p for p in part if p)) for part in parts]
    assert len(shown) == 4
    assert max(shown) <= total
    assert abs(sum(shown) - total) <= 0.05 * len(shown) + 0.05 * total  # rounding only
    assert "20 epochs of" in text and "42 snapshots" in text


def test_the_scorers_first_call_is_paid_once_not_per_snapshot(monkeypatch):
    clock = iter(range(0, 1000, 1))
    now = {"t": 0.0}

    def perf_counter():
        return now["t"]

    calls = []

    def scorer(_vectors):  # the first call loads files: 5 s; later calls 0.5 s
        now["t"] += 5.0 if not calls else 0.5
        calls.append(next(clock))

    monkeypatch.setattr(probes.time, "perf_counter", perf_counter)
    each, first_extra = probes.probe_scorer(scorer, None)
    assert (each, first_extra) == (0.5, 4.5)


@pytest.fixture(scope="module")
def toy():
    return prepare(load_corpus("toy"), CorpusOptions(min_count=5))


@pytest.mark.parametrize(
    ("trainer", "method", "counted"),
    [("numpy", "exact", True), ("gensim", "exact", True), ("gensim", "estimated", False), ("numpy", "estimated", True)],
)
def test_the_set_up_counts_pairs_only_where_the_run_will(monkeypatch, toy, trainer, method, counted):
    """gensim's estimated measurement draws its pairs (metrics.build_measure), so counting them is not in its set-up."""
    monkeypatch.setattr(probes, "probe_epoch", lambda *args: (0.5, 0.25))
    monkeypatch.setattr(probes, "measure_plan", lambda *args: (method, 1024, 0.125))
    monkeypatch.setattr(probes, "probe_snapshot", lambda *args: 0.0625)
    monkeypatch.setattr(probes, "probe_counting", lambda *args: 8.0)
    options = getattr(DashboardSettings(), trainer).replace(epochs=4)
    estimate = job_estimate.run_estimate(toy, options)
    assert estimate["setup"] == 8.0 * counted + 0.125 + 0.25  # counting, drawing, building the trainer
    assert estimate["total"] == estimate["setup"] + 4 * 0.5 + 5 * 0.0625
