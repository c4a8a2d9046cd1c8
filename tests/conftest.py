"""The whole suite runs on two pytest-xdist workers (the README's test command: ``-n auto``).
What keeps the workers out of each other's way:

- The browser tests are one unit of work, so one worker runs them one after another (each starts
  its own Streamlit server and Chromium: two at once would slow each other) while the other worker
  runs the rest.
- The other tests go to a worker a module at a time, so a module's fixtures are built once.
- Each worker trains into its own run cache (``EMBEDLAB_CACHE_DIR/<worker>``): two processes never
  build the same run directory at once.

Without xdist (``-n 0``, or a plain ``pytest`` call) none of this changes anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embedlab.config import cache_root

BROWSER_TESTS = "tests/e2e/"


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ["EMBEDLAB_CACHE_DIR"] = str(Path(cache_root()) / worker)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    # xdist's own "loadgroup" cannot be used: it renames test ids through Node._nodeid, which
    # pytest 9.2 no longer reads. A scope scheduler with our scopes is its documented extension.
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndBrowser(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return BROWSER_TESTS if nodeid.startswith(BROWSER_TESTS) else nodeid.split("::", 1)[0]

    return ModulesAndBrowser(config, log)


@pytest.fixture
def two_sentences():
    """Two six-word sentences × 200, every word kept, nothing held out: at lr 30 a NumPy run on it
    turns non-finite within a few epochs (the blow-up tests)."""
    from embedlab.config import CorpusOptions
    from embedlab.text.corpus import Corpus
    from embedlab.text.prepared import prepare

    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "in", "the", "park"]] * 200
    return prepare(Corpus("two", sentences, "0" * 64, ""), CorpusOptions(min_count=1, heldout_fraction=0.0))
