"""Train the dashboard's default runs on the toy corpora (English ``toy`` and Vietnamese
``toy-vi``) and keep them in ``data/default_runs/``.

    python data/make_default_runs.py

A first visitor on an empty cache then sees trained results at once: the app copies these
run directories into its cache (``dashboard.runs.ensure_default_runs``) instead of training for seconds.
They are exactly what ``train_cached`` would write: the same settings, the same cache key
(which hashes the source of the maths, so any change to the maths makes them stale), and
``tests/test_default_runs.py`` checks both the key and that a fresh training gives the same
numbers. Run this script again whenever that test says the shipped runs are stale.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.config import CorpusOptions, DashboardSettings  # noqa: E402
from embedlab.runs.evaluate import scorer_for  # noqa: E402
from embedlab.text.corpus import load_corpus  # noqa: E402
from embedlab.text.prepared import prepare  # noqa: E402
from embedlab.train.training import SHIPPED_RUNS as SHIPPED  # noqa: E402
from embedlab.train.training import train_cached  # noqa: E402

CORPORA = ("toy", "toy-vi")  # what a first visitor sees, in English or in Vietnamese


def main() -> None:
    fresh = SHIPPED.with_name("default_runs.new")
    shutil.rmtree(fresh, ignore_errors=True)
    for name in CORPORA:
        prepared = prepare(load_corpus(name), CorpusOptions(source=name, min_count=DashboardSettings().min_count))
        scorer = scorer_for(prepared.vocab, name)
        for _, options in DashboardSettings().runs():
            run = train_cached(prepared, options, fresh, scorer=scorer)
            print(f"{name} {run.path.name}: {run.epochs} epochs, final loss {run.metrics['loss'].iloc[-1]:.4f}")
    shutil.rmtree(SHIPPED, ignore_errors=True)
    fresh.rename(SHIPPED)


if __name__ == "__main__":
    main()
