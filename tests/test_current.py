"""One notion of "current": the notice a page shows when its runs are not of the current corpus."""

import doctest

from embedlab.runs import current
from embedlab.runs.current import runs_notice


def test_doctests_run():
    assert doctest.testmod(current).failed == 0


def test_the_notice_names_both_corpora_and_what_to_do():
    text = runs_notice("my *notes*.txt", "toy")
    assert text.index("toy") < text.index("my *notes*.txt")  # the name as given: the page shows it as text
    assert "train on my *notes*.txt" in text


def test_no_notice_when_the_runs_are_of_the_current_corpus_or_its_fine_tune():
    assert runs_notice("lee", "lee") is None
    assert runs_notice("toy-shift", "toy-shift", parent_corpus="toy") is None
    assert runs_notice("toy", "toy-shift", parent_corpus="toy") is None
