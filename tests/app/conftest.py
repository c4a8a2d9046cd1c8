"""AppTest fixtures: one disk cache for the whole test session, and the app after its first run."""

from pathlib import Path

import pytest
from app_helpers import APP
from streamlit.testing.v1 import AppTest


@pytest.fixture(scope="session")
def run_cache(tmp_path_factory) -> Path:
    """One cache for every test here: the default toy runs are trained once per test session,
    never taken from (or left in) the user's own cache."""
    return tmp_path_factory.mktemp("embedlab-cache")


@pytest.fixture(autouse=True)
def _use_run_cache(run_cache, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(run_cache))
    monkeypatch.delenv("EMBEDLAB_UNLIMITED", raising=False)


@pytest.fixture
def app() -> AppTest:
    """The app after its first run (the default toy runs trained or read from the cache)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run(timeout=180)  # a cold cache trains both trainers here
    assert not at.exception, at.exception
    return at
