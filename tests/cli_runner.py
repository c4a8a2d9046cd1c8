"""``python -m embedlab ARGS`` run in this process: the same ``main`` a real process runs, its exit
status, stdout and stderr, without paying the 1.5–2.5 s of imports a new interpreter costs.

The contract of a real process (its exit status, no traceback on stderr) is checked by the few
tests that still start one (test_cli.py, test_reliability.py)."""

from __future__ import annotations

import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from embedlab.__main__ import main


def run_embedlab(args, cwd: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the command line in ``cwd`` with ``env`` added to the environment; never raises for
    what the command line itself reports (argparse's exit included)."""
    args = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    saved_env = {key: os.environ.get(key) for key in env or {}}
    here = os.getcwd()
    try:
        os.environ.update(env or {})
        os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exit_:  # argparse: --help, a bad flag
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    finally:
        os.chdir(here)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return subprocess.CompletedProcess(["python", "-m", "embedlab", *args], code, out.getvalue(), err.getvalue())
