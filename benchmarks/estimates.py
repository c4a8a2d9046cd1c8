"""How good is the Train page's estimate? Estimate a job, then run it, and compare — each case on a
fresh process with an empty cache, as a fresh server's first visitor would.

    python benchmarks/estimates.py                          # built-ins and uploads of several sizes
    python benchmarks/estimates.py --cases toy,note --json out.json

A case is a built-in corpus (``toy``, ``lee``, ``wiki``), ``note`` (the lecture note uploaded as it
is) or ``upload-N`` (N kB of the Wikipedia sample's text written to a file and read as an upload).
For each case a new Python process, with its own empty ``EMBEDLAB_CACHE_DIR``, does what the
dashboard does: read the corpus, fit the NumPy batch size to it, estimate every run of the job
(``job_estimate.job_estimate``: the real trainers, metrics kernel and scorer probed for a fraction
of a second, plus what a fresh process has not paid yet), then train the runs one after another
(``training.train_cached``). It prints estimate, actual and estimate ÷ actual (the target is
0.7–1.4). The page's own redraws while a job runs are not in these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CASES = "note,upload-50,upload-500,upload-2000,toy,lee"
# the dashboard's default epochs (20) unless said here: fewer for the large ones, so that the whole
# table takes minutes on a shared machine (the estimate scales an epoch, so its ratio is kept)
EPOCHS = {"wiki": 3, "lee": 5, "upload-2000": 5}


def upload_file(kilobytes: int, folder: Path) -> Path:
    """``kilobytes`` kB of the Wikipedia sample's text, one article a line, as an upload would be."""
    from embedlab.text.corpus import load_corpus

    lines, size = [], 0
    for sentence in load_corpus("wiki").sentences:
        line = " ".join(sentence) + "\n"
        if size + len(line.encode()) > kilobytes * 1000:
            break
        lines.append(line)
        size += len(line.encode())
    path = folder / f"upload-{kilobytes}kB.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def child(source: str, epochs: int | None) -> dict:
    """One case in this (fresh) process: estimate the job as the dashboard does, then run it."""
    started_process, load_before = time.perf_counter(), os.getloadavg()[0]
    from dataclasses import replace

    from embedlab.config import CorpusOptions, DashboardSettings
    from embedlab.runs.evaluate import scorer_for
    from embedlab.text.corpus import load_corpus
    from embedlab.text.prepared import prepare
    from embedlab.train import job_estimate, sizing
    from embedlab.train.training import train_cached

    imports = time.perf_counter() - started_process
    corpus = load_corpus(source)
    settings = DashboardSettings()
    if epochs:
        settings = replace(
            settings, numpy=settings.numpy.replace(epochs=epochs), gensim=settings.gensim.replace(epochs=epochs)
        )
    data = prepare(corpus, CorpusOptions(source=corpus.name, min_count=settings.min_count))
    positions = sizing.positions_per_epoch(data, settings.numpy)  # as ui.fit_batch_to_corpus does
    batch = min(settings.numpy.batch_size, sizing.suggested_batch_size(positions))
    settings = replace(settings, numpy=settings.numpy.replace(batch_size=batch))
    scorer = scorer_for(data.vocab, data.corpus.name)
    runs = settings.runs()
    started = time.perf_counter()
    estimate = job_estimate.job_estimate(data, runs, scorer)
    estimating = time.perf_counter() - started
    started = time.perf_counter()
    parts = {}
    for role, options in runs:
        parts[role] = timed_run(data, options, scorer, train_cached)
    actual = time.perf_counter() - started
    return {
        "corpus": corpus.name,
        "tokens": data.train.n_tokens,
        "V": len(data.vocab),
        "epochs": settings.numpy.epochs,
        "batch": batch,
        "estimate": estimate["total"],
        "estimate_parts": estimate,
        "actual": actual,
        "actual_parts": parts,
        "load": [load_before, os.getloadavg()[0]],
        "ratio": estimate["total"] / actual,
        "estimating_seconds": estimating,
        "import_seconds": imports,
    }


def timed_run(data, options, scorer, train_cached) -> dict:
    """Train one run and take its wall time apart as the estimate does: ``train`` (the epochs'
    own ``seconds`` in metrics.csv), ``scores`` (``eval_seconds``), ``measure`` (the rest of each
    snapshot: the objective, geometry, writing the snapshot) and ``setup`` (before epoch 0 and
    after the last: counting pairs, building the trainer and the samples, writing the run)."""
    from embedlab.hooks import Hooks

    done: list[tuple[float, dict]] = []
    began = time.perf_counter()
    run = train_cached(
        data,
        options,
        os.environ["EMBEDLAB_CACHE_DIR"],
        hooks=Hooks(on_epoch=lambda epoch, snapshot, row: done.append((time.perf_counter(), row))),
        scorer=scorer,
    )
    total = time.perf_counter() - began
    train = sum(row.get("seconds", 0.0) for _, row in done)
    scores = sum(row.get("eval_seconds", 0.0) for _, row in done)
    # each snapshot after the first: its interval is its epoch, its measurement and its scores
    later = [
        (t - t_before) - row.get("seconds", 0.0) - row.get("eval_seconds", 0.0)
        for (t_before, _), (t, row) in zip(done, done[1:], strict=False)
    ]
    per_snapshot = sum(later) / len(later) if later else 0.0
    measure = per_snapshot * len(done)  # epoch 0's measurement costs what the others' do
    return {
        "total": total,
        "setup": total - train - scores - measure,
        "train": train,
        "epoch": train / max(len(done) - 1, 1),
        "measure": measure,
        "snapshot_measure": per_snapshot,
        "scores": scores,
        "method": run.config.get("metric_method"),
        "examples": run.config.get("metric_examples"),
    }


def run_case(case: str, folder: Path) -> dict:
    if case == "note":
        source = str(ROOT / "docs" / "lecture-note" / "SEED.vi.md")
    elif case.startswith("upload-"):
        source = str(upload_file(int(case.split("-")[1]), folder))
    else:
        source = case
    with tempfile.TemporaryDirectory(prefix="estimates-cache-") as cache:
        env = {**os.environ, "EMBEDLAB_CACHE_DIR": cache}
        args = [sys.executable, __file__, "--child", source]
        if case in EPOCHS:
            args += ["--epochs", str(EPOCHS[case])]
        out = subprocess.run(args, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["case"] = case
    return row


def table(rows: list[dict]) -> str:
    """The estimate ÷ actual of each case, with the load average (1 min) as its process began and ended."""
    lines = [
        "| case | tokens | V | epochs | load | estimate | actual | estimate ÷ actual |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['tokens']:,} | {r['V']:,} | {r['epochs']} | {r['load'][0]:.1f}–{r['load'][1]:.1f} | {r['estimate']:.1f} s | "
            f"{r['actual']:.1f} s | {r['ratio']:.2f} |"
        )
    return "\n".join(lines)


PARTS = ("setup", "train", "measure", "scores")


def parts_table(rows: list[dict]) -> str:
    """Each run's estimate against its run, part by part (seconds, estimate / actual)."""
    lines = ["| case | run | " + " | ".join(PARTS) + " |", "|---|---|" + "---:|" * len(PARTS)]
    for r in rows:
        for role, actual in r["actual_parts"].items():
            estimate = r["estimate_parts"]["runs"][role]
            cells = []
            for part in PARTS:
                guess = estimated_part(estimate, part)
                cells.append(f"{guess:.2f} / {actual[part]:.2f}")
            lines.append(f"| {r['case']} | {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def estimated_part(estimate: dict, part: str) -> float:
    """One part of a run's estimate, named as :func:`timed_run` names the run's."""
    snapshots = estimate["measure"] / estimate["snapshot"] if estimate["snapshot"] else 0.0
    if part == "measure":
        return snapshots * estimate["snapshot_measure"]
    if part == "scores":
        return snapshots * estimate["snapshot_scores"]
    return estimate[part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=DEFAULT_CASES)
    parser.add_argument("--json", default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.epochs)), flush=True)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="estimates-uploads-") as folder:
        for case in args.cases.split(","):
            rows.append(run_case(case, Path(folder)))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))
    print()
    print(parts_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
