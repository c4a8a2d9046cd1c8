"""The fine-tune caption says what this pair of corpora did: directions and numbers from the metrics."""

import doctest

import numpy as np
import pandas as pd
import pytest

from embedlab.experiments import finetune_notes
from embedlab.experiments.finetune_notes import forgetting_note


def metrics(a, b, a_focus=None, switch=3):
    """A fine-tuned run's metrics: epochs 0..switch on A, then len(a) - switch - 1 epochs on B."""
    frame = pd.DataFrame({"epoch": range(len(a)), "heldout_loss_a": a, "heldout_loss": b})
    if a_focus is not None:
        frame["heldout_loss_a_focus"] = a_focus
    return frame


def test_doctests_run():
    assert doctest.testmod(finetune_notes).failed == 0


def test_the_first_corpus_falling_is_said_as_falling_with_the_switch_and_last_numbers():
    m = metrics([4.0, 3.6, 3.4, 3.35, 3.32, 3.30], [4.0, 3.6, 3.4, 3.9, 3.5, 3.2])
    note = forgetting_note(m, 3, "toy", "my notes.txt")
    assert note.startswith(
        "After 2 epochs on my notes.txt, the held-out loss on toy (the first corpus) fell from 3.350 to 3.300"
    )
    assert "rises" not in note and "forgotten" not in note.replace("measurably forgotten", "")
    assert note.endswith("On my notes.txt itself it fell from 3.900 to 3.200.")


def test_the_first_corpus_rising_is_forgetting():
    m = metrics([4.0, 3.0, 2.5, 2.4, 2.6, 2.9], [4.0, 3.0, 2.5, 3.9, 3.5, 3.2])
    assert "rose from 2.400 to 2.900: what toy taught and b.txt does not repeat is being forgotten" in forgetting_note(
        m, 3, "toy", "b.txt"
    )


def test_focus_words_rising_while_the_whole_falls_is_the_planted_shift():
    m = metrics(
        [4.0, 2.0, 1.7, 1.745, 1.55, 1.497], [4.0, 2.0, 1.7, 1.738, 1.6, 1.557], [4.0, 2.3, 1.9, 2.038, 2.2, 2.327]
    )
    note = forgetting_note(m, 3, "toy", "toy-shift", ["apple", "king"])
    assert "fell from 1.745 to 1.497" in note
    assert (
        "(apple, king) it rose from 2.038 to 2.327: their old company is forgotten while toy as a whole is not" in note
    )
    assert "nothing of it was measurably forgotten" not in note


@pytest.mark.parametrize("delta", [0.0, 0.004, -0.004])
def test_a_change_below_the_resolution_is_about_the_same(delta):
    m = metrics([4.0, 3.0, 2.5, 2.4, 2.4, 2.4 + delta], [4.0, 3.0, 2.5, 3.0, 2.9, 2.8])
    assert f"stayed at about {2.4 + delta:.3f}." in forgetting_note(m, 3, "a", "b")


def test_missing_columns_and_nan_are_left_out():
    m = metrics([4.0, 3.0, np.nan, np.nan], [4.0, 3.0, 2.9, 2.8], switch=2)
    assert forgetting_note(m, 2, "a", "b") == "On b itself it fell from 2.900 to 2.800."
