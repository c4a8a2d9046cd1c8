"""The Train page's warnings: the closed forms checked by iteration, and the warnings checked
against what real runs on the toy corpus do."""

import doctest
import math

import numpy as np
import pytest

from embedlab.config import CorpusOptions, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train import advice
from embedlab.train.sizing import work_estimate
from embedlab.train.training import train


def test_doctests_run():
    assert doctest.testmod(advice).failed == 0


@pytest.mark.parametrize("lr, l2", [(10, 1e-4), (10, 0.01), (0.5, 0.3), (25, 1e-5)])
def test_half_life_is_the_steps_that_halve_a_vector(lr, l2):
    v, steps = np.float64(1.0), 0
    while v > 0.5:
        v *= 1 - 2 * lr * l2
        steps += 1
    assert math.floor(advice.l2_half_life(lr, l2)) + 1 == steps


def test_a_step_past_zero_is_divergence_not_a_stall():
    (warning,) = advice.numpy_warnings(TrainOptions(trainer="numpy", lr=10, l2=0.06), 100)
    assert "will diverge" in warning and "-0.2" in warning


@pytest.fixture(scope="module")
def toy():
    return prepare(load_corpus("toy"), CorpusOptions(min_count=5))


def test_the_stall_warning_is_what_a_real_run_does(toy, tmp_path):
    """λ = 0.01 at η = 10 is warned about and keeps the loss near ln V; λ = 1e-4 is not and learns."""
    stalled = TrainOptions(trainer="numpy", dim=20, epochs=2, l2=0.01, seed=3)
    learning = stalled.replace(l2=1e-4)
    steps = work_estimate(toy, stalled)["steps"]
    assert advice.numpy_warnings(stalled, steps) and not advice.numpy_warnings(learning, steps)
    log_v = math.log(len(toy.vocab))
    losses = {
        name: train(toy, options, tmp_path / name).metrics["loss"].iloc[-1]
        for name, options in (("stalled", stalled), ("learning", learning))
    }
    assert losses["stalled"] > log_v - 0.1  # no better than guessing uniformly
    assert losses["learning"] < log_v - 1.0


def test_the_learning_rate_warning_starts_above_the_largest_measured_stable_rate():
    assert not advice.numpy_warnings(TrainOptions(trainer="numpy", lr=advice.STABLE_LR), 100)
    (warning,) = advice.numpy_warnings(TrainOptions(trainer="numpy", lr=advice.DIVERGED_LR), 100)
    assert "may diverge" in warning


def test_above_the_warning_a_real_toy_run_diverges(toy, tmp_path):
    """The measurement the learning-rate warning quotes, repeated: η = 20 at the defaults diverges."""
    options = TrainOptions(trainer="numpy", dim=50, epochs=20, lr=20)
    assert advice.numpy_warnings(options, work_estimate(toy, options)["steps"])
    with pytest.raises(EmbedLabError, match="diverged"):
        train(toy, options, tmp_path / "run")
    assert not (tmp_path / "run").exists()  # nothing half-written


# ---------------------------------------------------------------- few steps an epoch


@pytest.mark.parametrize("batch", [8, 16, 32, 64, 128, 256, 512])
def test_few_steps_never_suggests_the_batch_already_set(batch):
    import re

    for positions in [10, 100, 188, 300, 1_000, 5_000, 20_000]:
        text = advice.steps_warning(positions, TrainOptions(trainer="numpy", batch_size=batch, epochs=20))
        steps = -(-positions // batch)
        assert (text is None) == (steps >= advice.FEW_STEPS)
        if text is None:
            continue
        suggested = re.search(r"try batch size (\d+)", text)
        if suggested:
            assert int(suggested.group(1)) < batch
        else:  # already the smallest that helps: more epochs, with the steps they give
            more = re.search(r"(\d+) epochs give ([\d,]+) steps", text)
            assert more and int(more.group(2).replace(",", "")) == steps * int(more.group(1))


def test_the_lecture_note_at_batch_16_is_told_more_epochs_not_batch_16():
    text = advice.steps_warning(188, TrainOptions(trainer="numpy", batch_size=16, epochs=20))
    assert "try batch size" not in text and "12 SGD step(s) per epoch at batch size 16" in text
