"""The search behind the bias–variance "tradeoff" preset (issue 12): honest, written down.

    python benchmarks/tradeoff_search.py [--quick]

Each candidate is a whole sweep (the same code as `python -m embedlab sweep`); it is kept when
the held-out total has an interior minimum over d that beats BOTH ends by more than 2 standard
errors of the paired difference (runs paired across d), with bias² falling from the smallest d
and the variance rising towards the largest. Nothing is tuned on the metric itself: the
candidates differ only in corpus, held-out share, epochs, learning-rate schedule and the share
of sentences per run. The table printed here is the one in docs/command-line.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.config import CorpusOptions, SweepOptions, TrainOptions  # noqa: E402
from embedlab.experiments.biasvar import optimum, sweep  # noqa: E402
from embedlab.text.corpus import load_corpus  # noqa: E402
from embedlab.text.prepared import prepare  # noqa: E402

DIMS = (1, 2, 4, 8, 16, 32, 64, 128)


def candidates(quick: bool):
    grid = {
        "corpus": ["lee"] if quick else ["lee", "toy"],
        "heldout": [0.5],
        "epochs": [20] if quick else [20, 40],
        "constant_lr": [True],
        "share": [1.0, 0.5],
        "lr": [10.0],
    }
    for values in itertools.product(*grid.values()):
        yield dict(zip(grid, values, strict=True))


def evaluate(candidate: dict, runs: int) -> dict:
    prepared = prepare(
        load_corpus(candidate["corpus"]),
        CorpusOptions(candidate["corpus"], min_count=5, heldout_fraction=candidate["heldout"]),
    )
    options = SweepOptions(
        dims=DIMS,
        runs=runs,
        train=TrainOptions(trainer="numpy", epochs=candidate["epochs"], sample=0.0, lr=candidate["lr"]),
        share=candidate["share"],
        constant_lr=candidate["constant_lr"],
    )
    started = time.perf_counter()
    table = sweep(prepared, options)
    verdict = optimum(table)
    bias_falls = table["bias2_corrected"].iloc[0] > table["bias2_corrected"].iloc[2]
    variance_rises = table["variance_unbiased"].iloc[-1] > table["variance_unbiased"].iloc[len(table) // 2]
    return {
        **candidate,
        "V": len(prepared.vocab),
        "best_d": verdict["best"],
        "interior": verdict["interior"],
        "beats_ends": verdict["beats_ends"],
        "bias2_falls": bool(bias_falls),
        "variance_rises": bool(variance_rises),
        "minutes": (time.perf_counter() - started) / 60,
        "totals": " ".join(f"{t:.5f}" for t in table["total"]),
        "heldout_loss": " ".join(f"{t:.3f}" for t in table["heldout_loss"]),
        "train_loss": " ".join(f"{t:.3f}" for t in table["train_loss"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for candidate in candidates(args.quick):
        result = evaluate(candidate, args.runs)
        print(" | ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
