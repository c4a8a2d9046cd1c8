"""Deployment as Streamlit Community Cloud does it: a fresh venv from requirements.txt alone,
then `streamlit run app.py` from the repository root.

Slow (pip install; pip's cache is reused), so it is one test. Python 3.12 is Community Cloud's
default; without a working python3.12 the current interpreter is used and the test says so.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from embedlab.config import Limits

ROOT = Path(__file__).resolve().parent.parent
PIP_SECONDS = 1800  # a cold pip cache downloads streamlit, gensim, scipy, pandas, pyarrow…
START_SECONDS = 120
APP_RUN_SECONDS = 600  # the first page trains both default runs on a cold cache
CHECK = "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"


def _version(python: str) -> str | None:
    """'3.12' when ``python`` runs and can make a venv with pip, else None."""
    try:
        result = subprocess.run([python, "-c", CHECK], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_python() -> tuple[str, str]:
    """(interpreter, why it was chosen): python3.12 from PATH, else a pyenv 3.12 (pyenv's shim
    fails unless 3.12 is selected), else the interpreter running the tests."""
    candidates = [shutil.which("python3.12")]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3.12"), reverse=True)
    for candidate in filter(None, candidates):
        if _version(candidate) == "3.12":
            return candidate, "Python 3.12, Streamlit Community Cloud's default"
    version = _version(sys.executable)
    if version is None:
        pytest.fail(
            f"no usable Python: python3.12 is missing or cannot make a venv, and {sys.executable} cannot "
            "either; install python3.12 with venv and ensurepip (e.g. apt-get install python3.12-venv)"
        )
    return sys.executable, f"python3.12 not usable here; fell back to the current Python {version}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8", "replace")


def clean_env(venv: Path, cache: Path) -> dict:
    """The environment of a deployed app: the venv first on PATH, nothing from the test runner's
    Python (no PYTHONPATH, no active virtualenv), default limits, a cache of its own."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "EMBEDLAB_UNLIMITED", "PYENV_VERSION"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["EMBEDLAB_CACHE_DIR"] = str(cache)
    return env


def test_upload_cap_in_streamlit_config_equals_the_limits():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Limits().max_upload_mb


@pytest.mark.deploy
@pytest.mark.slow
def test_a_fresh_venv_from_requirements_txt_serves_the_app(tmp_path):
    python, why = find_python()
    print(f"deploy test interpreter: {python} ({why})")
    venv = tmp_path / "venv"
    made = subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, f"{python} -m venv failed:\n{made.stderr}"
    venv_python = str(venv / "bin" / "python")
    env = clean_env(venv, tmp_path / "cache")

    started = time.monotonic()
    pip = subprocess.run(
        [venv_python, "-m", "pip", "install", "--disable-pip-version-check", "-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=PIP_SECONDS,
        env=env,
        cwd=tmp_path,
    )
    assert pip.returncode == 0, f"pip install -r requirements.txt failed:\n{pip.stdout[-3000:]}\n{pip.stderr[-3000:]}"
    print(f"pip install -r requirements.txt: {time.monotonic() - started:.0f} s")

    # The app's script with only the venv's packages: AppTest runs app.py (the default page, which
    # trains both default runs) exactly as a visitor's first request would, and reports exceptions.
    script = (
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file('app.py', default_timeout={APP_RUN_SECONDS}).run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "assert not at.error, [e.value for e in at.error]\n"
        "assert len(at.get('vega_lite_chart')) >= 2, 'the start page shows no charts'\n"
        "print('app ran')\n"
    )
    ran = subprocess.run(
        [venv_python, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=APP_RUN_SECONDS + 60
    )
    assert ran.returncode == 0 and "app ran" in ran.stdout, f"app.py failed in the fresh venv:\n{ran.stderr[-4000:]}"

    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [venv_python, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
            + ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_SECONDS
        health = None
        while time.monotonic() < deadline and health is None:
            assert server.poll() is None, f"streamlit exited ({server.returncode}):\n{log.read_text()[-3000:]}"
            try:
                health = get(f"{base}/_stcore/health")
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.25)  # polling interval, not a wait for an outcome
        assert health == (200, "ok"), f"no health answer in {START_SECONDS} s:\n{log.read_text()[-3000:]}"
        status, page = get(base + "/")
        assert status == 200 and "<title>" in page.lower()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.mark.slow
def test_the_first_page_loads_neither_gensim_nor_scipy(tmp_path):
    """A first visitor waits for the dashboard's import before any chart: gensim (with scipy.stats, which
    it imports) took about half of it, SciPy's sparse, linalg and special parts another 0.25-0.4 s,
    and the Lecture's first screen on the shipped runs needs none of them; nor the Vietnamese
    segmenter (underthesea, over a second to import) or ftfy. The whole first page is run (AppTest,
    an empty cache, so the shipped runs are copied in and loaded), not only the import.
    SciPy's sparse part is allowed since §3's descent check rebuilds each run's pair counts
    (scipy.sparse) below the first screen, after its chart; scipy.stats (gensim's) is not."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "assert not at.exception, at.exception\n"
        "assert len(at.get('vega_lite_chart')) >= 8, 'the Lecture did not draw its charts'\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('gensim', 'scipy.stats', 'underthesea', 'ftfy'))}))\n"
    )
    env = {**os.environ, "EMBEDLAB_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
