"""The numbers the Dynamics page quotes, against the tables they summarise."""

import doctest

import numpy as np
import pandas as pd
import pytest

import embedlab.runs.dynamics
from embedlab.runs.dynamics import frequency_effect, gradient_story, l2_story


def test_gradient_story_reads_start_peak_and_end():
    metrics = pd.DataFrame({"epoch": range(5), "grad_norm": [0.003, 0.07, 0.05, 0.01, 0.002], "grad_norm_se": 0.0})
    story = gradient_story(metrics)
    assert story == pytest.approx(
        {"start": 0.003, "peak": 0.07, "peak_epoch": 1, "final": 0.002, "final_se": 0.0, "ratio": 0.002 / 0.07}
    )


def test_l2_story_measures_growth_over_the_last_epochs():
    epochs = np.arange(41)
    without = pd.DataFrame({"mean_norm": 3 + 0.05 * epochs, "heldout_loss": 4.0})
    with_l2 = pd.DataFrame({"mean_norm": np.minimum(2.5, 0.5 + 0.1 * epochs), "heldout_loss": 3.7})
    story = l2_story(without, with_l2)
    assert story["growth_without"] == pytest.approx(0.5) and story["growth_with"] == pytest.approx(0.0)
    assert story["final_without"] == pytest.approx(5.0) and story["heldout_with"] == 3.7


def test_frequency_effect_agrees_with_scipy_and_quartiles():
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 1000, size=200)
    change = 1.0 / np.sqrt(counts) + 0.01 * rng.normal(size=200)
    effect = frequency_effect(pd.DataFrame({"count": counts, "change": change}))
    assert effect["spearman"] < -0.7
    assert effect["rare_median"] == pytest.approx(np.median(change[counts <= np.quantile(counts, 0.25)]))
    assert effect["rare_median"] > effect["frequent_median"]


def test_doctests():
    assert doctest.testmod(embedlab.runs.dynamics).failed == 0
