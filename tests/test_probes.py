"""The probes behind a job's estimate: what they time, and how a part's timing is scaled to the whole."""

import doctest

import numpy as np
import pytest

from embedlab.config import CorpusOptions, DashboardSettings
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train import metrics, probes
from embedlab.train.objectives import Softmax


def test_doctests_run():
    assert doctest.testmod(probes).failed == 0


@pytest.fixture(scope="module")
def toy():
    return prepare(load_corpus("toy"), CorpusOptions(min_count=5))


def test_scaled_cost_follows_the_line_through_its_parts_and_does_not_scale_the_fixed_part():
    shares = []

    def call(share):  # 0.3 s whatever the share (its (V, d) arrays), then 4 s for the whole
        shares.append(share)
        return 0.3 + 4.0 * share

    whole = probes.scaled_cost(call, 1 / 1000, budget=1.0)
    assert whole == pytest.approx(4.3)
    largest = max(shares)
    assert probes.MIN_SHARE <= largest < 1.0  # a part, never the whole
    assert 0.3 + 4.0 * largest >= 1.0 and 0.3 + 4.0 * largest / 2 < 1.0  # it stopped at the budget
    assert shares.count(largest) == 2 and shares.count(1 / 1000) == 2  # each end timed twice


def test_scaled_cost_times_the_whole_when_it_is_cheap_and_keeps_its_quicker_call():
    timings = iter([0.001, 0.002, 0.003, 0.004, 0.5, 0.2, 0.001])  # the whole's first call was paused
    shares = []

    def call(share):
        shares.append(share)
        return next(timings)

    assert probes.scaled_cost(call, 1 / 64, budget=1.0) == 0.2
    assert shares == [1 / 64, 1 / 8, 1 / 4, 1 / 2, 1.0, 1.0, 1 / 64]


def test_a_pause_in_a_small_part_is_not_scaled_up():
    paused = {"left": 1}

    def call(share):
        took = 0.01 + 1.0 * share
        if share >= probes.MIN_SHARE and paused["left"]:  # a 0.5 s pause, once
            paused["left"] -= 1
            took += 0.5
        return took

    assert probes.scaled_cost(call, 1 / 1024, budget=0.05) == pytest.approx(1.01)


def test_stand_in_counts_have_the_rows_asked_for():
    counts = probes.stand_in_counts(50, 7, np.random.default_rng(1))
    assert counts.shape == (50, 50)
    per_row = np.diff(counts.indptr)
    assert per_row[:7].tolist() == [20] * 7 and per_row[7:].sum() == 0
    assert all(len(set(counts.indices[counts.indptr[r] : counts.indptr[r + 1]])) == 20 for r in range(7))


def calls_of_measure(monkeypatch):
    """Record the Measure objects the snapshot probe calls (method and sizes), each taking no time."""
    seen = []

    def record(self, W_in, W_out, previous, should_stop=None):
        seen.append(self)
        return {}

    monkeypatch.setattr(metrics.Measure, "__call__", record)
    return seen


def test_the_snapshot_probe_measures_the_whole_exact_measurement_when_it_is_cheap(monkeypatch, toy):
    seen = calls_of_measure(monkeypatch)
    options = DashboardSettings().numpy
    plan = probes.measure_plan(toy, options)
    assert plan[:2] == ("exact", 0)
    probes.probe_snapshot(toy, options, 0.3, plan[:2])
    V = len(toy.vocab)
    assert {m.method for m in seen} == {"exact"}
    largest = max(seen, key=lambda m: m.train_pairs.nnz)
    rows = lambda counts: int(np.count_nonzero(np.diff(counts.indptr)))  # noqa: E731
    assert rows(largest.train_pairs) == V  # every word of the vocabulary has pairs to score
    # as many rows as the run's own held-out pair counts have
    assert rows(largest.heldout_pairs) == rows(metrics.pair_counts(toy.heldout, toy.vocab.counts, options))
    assert largest.l2 == options.l2 and isinstance(largest.objective, Softmax)


def test_the_snapshot_probe_of_an_estimate_draws_gensims_noise_words(monkeypatch, toy):
    seen = calls_of_measure(monkeypatch)
    options = DashboardSettings().gensim
    probes.probe_snapshot(toy, options, 0.3, ("estimated", 3000))
    assert {m.method for m in seen} == {"estimated"}
    largest = max(seen, key=lambda m: len(m.train_examples))
    assert len(largest.train_examples) == len(largest.heldout_examples) == 3000
    assert largest.train_examples.negatives.shape == (3000, metrics.NEGATIVE_DRAWS)
    assert largest.train_examples.inputs.shape == (3000, 1)  # skip-gram: one centre word
    cbow = options.replace(sg=0)
    seen.clear()
    probes.probe_snapshot(toy, cbow, 0.3, ("estimated", 3000))
    assert max(len(m.train_examples) for m in seen) == 3000
    assert seen[-1].train_examples.inputs.shape[1] == 2 * cbow.window


@pytest.mark.parametrize(("batches", "looks"), [(100, 0.3), (2000, 0.6), (10**6, 1.0)])
def test_the_epoch_probe_looks_longer_at_a_longer_job(monkeypatch, batches, looks):
    now = {"t": 0.0}

    def perf_counter():  # every batch takes 10 ms
        now["t"] += 0.01
        return now["t"]

    monkeypatch.setattr(probes.time, "perf_counter", perf_counter)
    stop, calls = probes.timed_batches(0.3, batches)
    while not stop():
        pass
    # 3 % of the predicted training (batches × 10 ms), within [0.3 s, 1 s]
    assert calls[-1] - calls[0] == pytest.approx(looks, abs=0.011)
