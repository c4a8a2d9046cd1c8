"""How good is the Train page's estimate? Estimate a run, then train it, and compare.

    python benchmarks/estimates.py                       # toy, lee and wiki, both trainers
    python benchmarks/estimates.py --corpora wiki --epochs 3 --json out.json

For each corpus and trainer (the dashboard's default settings, ``--epochs`` epochs) it estimates
the run as the dashboard does (``job_estimate.run_estimate``: the real trainer, metrics kernel and scorer
probed for a fraction of a second), then trains it (``training.train`` with the intrinsic scores,
as the dashboard does) and prints estimate, actual and their ratio, with the actual split into
set-up, training and measuring. Estimate and run follow each other directly, so a load burst on a
shared machine hits both.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.config import CorpusOptions, DashboardSettings  # noqa: E402
from embedlab.corpus import load_corpus  # noqa: E402
from embedlab.evaluate import scorer_for  # noqa: E402
from embedlab.hooks import Hooks  # noqa: E402
from embedlab.job_estimate import run_estimate  # noqa: E402
from embedlab.prepared import prepare  # noqa: E402
from embedlab.training import train  # noqa: E402


def one(name: str, epochs: int, min_count: int) -> list[dict]:
    prepared = prepare(load_corpus(name), CorpusOptions(source=name, min_count=min_count))
    scorer = scorer_for(prepared.vocab, name)
    rows = []
    for role, options in DashboardSettings().runs():
        options = options.replace(epochs=epochs)
        started = time.perf_counter()
        estimate = run_estimate(prepared, options, scorer)
        estimating = time.perf_counter() - started
        marks = []
        hooks = Hooks(on_epoch=lambda epoch, _s, row, marks=marks: marks.append((time.perf_counter(), row)))
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:
            train(prepared, options, Path(scratch) / "run", hooks, scorer=scorer)
        actual = time.perf_counter() - started
        training = sum(row["seconds"] for _, row in marks)
        first = marks[0][0] - started  # set-up and the measurement of epoch 0
        rows.append(
            {
                "corpus": name,
                "trainer": role,
                "V": len(prepared.vocab),
                "tokens": prepared.train.n_tokens,
                "epochs": epochs,
                "estimating_seconds": estimating,
                "estimate": estimate,
                "actual": {"total": actual, "train": training, "setup_and_epoch0": first},
                "ratio": actual / estimate["total"],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="toy,lee,wiki")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    rows = [row for name in args.corpora.split(",") for row in one(name, args.epochs, args.min_count)]
    print(
        "\n| corpus | trainer | V | epochs | estimate s | actual s | actual ÷ estimate | train s (est / actual) | estimating s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        e, a = r["estimate"], r["actual"]
        print(
            f"| {r['corpus']} | {r['trainer']} | {r['V']:,} | {r['epochs']} | {e['total']:.1f} | {a['total']:.1f} | "
            f"{r['ratio']:.2f} | {e['train']:.1f} / {a['train']:.1f} | {r['estimating_seconds']:.1f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
