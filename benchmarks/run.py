"""EmbedLab's performance table (issue 6). Every figure is a ratio of two things measured in
the same run, in alternation, because the machines we run on are shared and noisy.

    python benchmarks/run.py              # full table, about 20 minutes on 2 cores
    python benchmarks/run.py --quick      # about 3 minutes: smaller samples, fewer epochs
    python benchmarks/run.py --only 1,2   # some rows: 1 2 3 4 5 and s (scaling)

Rows (targets from PRODUCT.md, "Numbers we hold ourselves to"):
  1  NumPy trainer pairs/s ÷ the obvious PyTorch CPU version of the same model
     (per-pair CrossEntropy, same V, d and pairs per batch)                        ≥ 4×
  2  NumPy trainer's rate on the flops it actually does (6·V·d per centre
     position) ÷ NumPy's float32 GEMM rate on the same three shapes                ≥ 70 %
  3  gensim with snapshots and metrics ÷ plain gensim, whole process               ≤ 1.25×
  4  dashboard: server time to re-render each page of a cached wiki run           < 0.5 s
     and cold start of app.py on the default corpus to trained results            < 15 s
     and an epoch change on the Map page (N = 500, both trainers, issue 14)         < 0.3 s
  5  peak memory of `python -m embedlab train --corpus wiki --dim 100 --epochs 10`  < 800 MB
  s  scaling: time per epoch and peak memory as the corpus and V (and d) grow

Run from the repository root with the project's Python; PyTorch is optional
(benchmarks/requirements.txt) and row 1 says "skipped" without it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python benchmarks/run.py` puts only benchmarks/ on the path

import machine  # noqa: E402
from table import Row, markdown  # noqa: E402
from timing import alternate, run_child  # noqa: E402

DIM = 100  # PRODUCT.md's memory target: wiki, V ≈ 9k, d = 100, 10 epochs
BATCH = 256  # centre positions per batch (the NumPy trainer's default)


@dataclass(frozen=True)
class Size:
    """How much work each row does; --quick shrinks everything but keeps every row."""

    batches: int  # rows 1–2: batches per round
    rounds: int  # rows 1–2: rounds of alternation
    gensim_epochs: int  # row 3
    gensim_rounds: int
    numpy_memory_epochs: int  # row 5 (PRODUCT.md's figure is for 10 epochs)
    gensim_memory_epochs: int
    app_repeats: int  # row 4: re-renders timed per page
    gensim_fraction: float  # scaling: share of the wiki text that is "×1" for gensim
    numpy_fraction: float  # scaling: the numpy trainer's smaller "×1" (its softmax costs V·d a pair)
    corpus_vocab: int  # scaling: V held fixed while the corpus grows
    vocab_sizes: tuple[int, ...]  # scaling: V for the numpy trainer at d = 100
    vocab_fraction: float  # scaling: the text those runs train on (it must hold max(vocab_sizes) words)
    scaling_epochs: int = 2  # per scaling point; its fastest epoch is reported
    scaling_passes: int = 1  # runs of every scaling point; the fastest is reported
    cap_repeat: int = 0  # memory near Limits.max_tokens: the whole text this many times (0 = skip)
    corpus: str = "wiki"  # PRODUCT.md's figures are on the Wikipedia sample; --smoke uses toy


FULL = Size(
    batches=100,
    rounds=7,
    gensim_epochs=5,  # PRODUCT.md's setting for row 3: wiki, d = 100, 5 epochs
    gensim_rounds=5,
    numpy_memory_epochs=10,
    gensim_memory_epochs=10,
    app_repeats=3,
    gensim_fraction=1.0,
    numpy_fraction=0.125,
    corpus_vocab=2000,
    vocab_sizes=(2000, 4000, 8000),
    vocab_fraction=0.125,
    scaling_epochs=2,
    scaling_passes=2,
    cap_repeat=10,
)
QUICK = Size(
    batches=24,
    rounds=4,
    gensim_epochs=2,
    gensim_rounds=1,
    numpy_memory_epochs=1,
    gensim_memory_epochs=3,
    app_repeats=2,
    gensim_fraction=0.125,
    numpy_fraction=1 / 16,
    corpus_vocab=1000,
    vocab_sizes=(1000, 2000, 4000),
    vocab_fraction=1 / 16,
)
# --smoke: every code path in seconds, for tests/test_benchmarks_smoke.py; the figures mean nothing
SMOKE = Size(
    batches=2,
    rounds=1,
    gensim_epochs=1,
    gensim_rounds=1,
    numpy_memory_epochs=1,
    gensim_memory_epochs=1,
    app_repeats=1,
    gensim_fraction=0.5,
    numpy_fraction=0.25,
    corpus_vocab=50,
    vocab_sizes=(50, 100),
    vocab_fraction=0.5,
    corpus="toy",
)


# --- rows 1 and 2: the NumPy trainer against PyTorch and against the machine's GEMM rate ---------


def _prepared(name: str):
    from embedlab.config import CorpusOptions
    from embedlab.text.corpus import load_corpus
    from embedlab.text.prepared import prepare

    return prepare(load_corpus(name), CorpusOptions(name, min_count=5))


def _sentences_for_positions(train, positions: int):
    """The first training sentences holding about ``positions`` tokens (centre positions)."""
    lengths = train.lengths
    n = int(np.searchsorted(np.cumsum(lengths), positions)) + 1
    return train.select(np.arange(min(n, len(train))))


def rows_numpy_trainer(size: Size) -> list[Row]:
    """Rows 1 and 2 from one alternation: NumPy epoch, PyTorch epoch, the three GEMMs alone.

    The NumPy trainer computes one softmax per centre position (each with all its contexts);
    the PyTorch model is the one a tutorial writes, one softmax row per pair, fed the same
    epoch's pairs in batches of the same number of pairs.
    """
    from embedlab.config import TrainOptions
    from embedlab.text.vocab import subsample
    from embedlab.train.metrics import pair_counts, pairs_per_position
    from embedlab.train.softmax import SoftmaxTrainer, initial_vectors, window_contexts

    prepared = _prepared(size.corpus)
    V, d, B = len(prepared.vocab), DIM, BATCH
    options = TrainOptions(trainer="numpy", dim=d, epochs=1, batch_size=B).validate()
    sentences = _sentences_for_positions(prepared.train, size.batches * B)
    counts = prepared.vocab.counts
    per_position = pairs_per_position(sentences, counts, pair_counts(sentences, counts, options), options)
    W0 = initial_vectors(V, d, options.seed)
    trainer = SoftmaxTrainer(sentences, counts, options, W0, pairs_per_position=per_position)
    positions_done = []

    def numpy_epoch() -> float:
        counts = trainer.train_epoch(1)
        positions_done.append(counts["positions"])
        return counts["pairs"]

    # the same three products on the same shapes, nothing else: the machine's own rate
    rng = np.random.default_rng(0)
    H = rng.standard_normal((B, d), dtype=np.float32)
    W_out = rng.standard_normal((V, d), dtype=np.float32)
    G = np.empty((B, V), dtype=np.float32)
    dH = np.empty((B, d), dtype=np.float32)
    dW = np.empty((V, d), dtype=np.float32)
    flops_per_batch = 6.0 * B * d * V

    def gemms() -> float:
        for _ in range(size.batches):
            np.matmul(H, W_out.T, out=G)  # (B, d)(d, V): logits
            np.matmul(G, W_out, out=dH)  # (B, V)(V, d): ∂L/∂H
            np.matmul(G.T, H, out=dW)  # (V, B)(B, d): ∂L/∂W_out
        return size.batches * flops_per_batch

    sides = {"numpy": numpy_epoch, "gemm": gemms}
    torch_note = "skipped: torch not installed (pip install -r benchmarks/requirements.txt)"
    try:
        from torch_skipgram import TorchSkipGram
    except ImportError:
        TorchSkipGram = None
    pairs_per_batch = max(1, round(B * per_position))
    if TorchSkipGram is not None:
        # the pairs of one epoch as the NumPy trainer draws them, in its shuffled order, drawn once
        rng = np.random.default_rng(1)
        tokens, sentence_id = subsample(sentences, None, rng)
        reach = rng.integers(1, options.window + 1, size=len(tokens))
        order = rng.permutation(len(tokens))
        rows, contexts = window_contexts(tokens, sentence_id, order, reach[order], options.window)
        centres = tokens[order][rows]
        reference = TorchSkipGram(
            W0, np.zeros((V, d), np.float32), options.resolved_lr(), pairs_per_batch, machine.cores()
        )

        def torch_epoch() -> float:
            reference.train_epoch(centres, contexts)
            return len(centres)

        sides = {"numpy": numpy_epoch, "torch": torch_epoch, "gemm": gemms}
    rounds = alternate(sides, size.rounds)

    pairs_per_second = rounds.rate("numpy")
    shapes = (
        f"V={V:,} ({size.corpus}, min_count 5), d={d}, B={B} centre positions ≈ {pairs_per_batch:,} pairs a batch, "
        f"{size.batches} batches × {size.rounds} rounds"
    )
    rows = []
    if "torch" in sides:
        import torch

        ratio, low, high = rounds.rate_ratio("numpy", "torch")
        rows.append(
            Row(
                "1",
                "NumPy trainer pairs/s ÷ the obvious PyTorch CPU model (per-pair softmax, same V, d, pairs a batch)",
                f"{ratio:.2f}× (rounds {low:.2f}–{high:.2f})",
                "≥ 4×",
                ratio >= 4.0,
                f"NumPy {pairs_per_second:,.0f} pairs/s, PyTorch {rounds.rate('torch'):,.0f} pairs/s "
                f"(torch {torch.__version__}, {torch.get_num_threads()} threads); {shapes}",
            )
        )
    else:
        rows.append(Row("1", "NumPy trainer pairs/s ÷ PyTorch CPU", torch_note, "≥ 4×", None))
    positions = positions_done[-1] if positions_done else 0
    effective = [6.0 * positions * d * V / seconds for seconds in rounds.seconds["numpy"]]
    gemm_rate = [f / s for f, s in zip(rounds.work["gemm"], rounds.seconds["gemm"], strict=True)]
    shares = sorted(e / g for e, g in zip(effective, gemm_rate, strict=True))
    share = float(np.median(shares))
    rows.append(
        Row(
            "2",
            "NumPy trainer's rate on the flops it does (6·V·d per centre position) ÷ float32 GEMM rate, same shapes",
            f"{share:.0%} (rounds {shares[0]:.0%}–{shares[-1]:.0%})",
            "≥ 70 %",
            share >= 0.70,
            f"trainer {np.median(effective) / 1e9:.1f} GFLOP/s (whole epochs: subsampling, windows, shuffle, "
            f"softmax, updates), GEMMs alone {np.median(gemm_rate) / 1e9:.1f} GFLOP/s; {shapes}",
        )
    )
    return rows


# --- row 3: gensim through embedlab against plain gensim ---------------------------------------


def plain_word2vec(sentences, options, min_count: int, epochs: int):
    """One plain ``Word2Vec(sentences, …)`` call with ``options``' settings: gensim as a user would
    call it, none of EmbedLab's code in between (the side every gensim ratio is measured against)."""
    from gensim.models import Word2Vec

    alpha = options.resolved_lr()
    return Word2Vec(
        sentences,
        vector_size=options.dim,
        window=options.window,
        min_count=min_count,
        sg=options.sg,
        hs=options.hs,
        negative=options.negative,
        sample=options.resolved_sample(),
        seed=options.seed,
        workers=options.workers,
        alpha=alpha,
        min_alpha=alpha * options.min_lr_fraction,
        epochs=epochs,
    )


def row_gensim(size: Size) -> list[Row]:
    """embedlab.train.training.train (split, vocabulary, per-epoch snapshots, metrics, run directory)
    against one plain ``Word2Vec(sentences, …, epochs=E)`` call on the same training sentences."""

    from embedlab.config import CorpusOptions, TrainOptions
    from embedlab.runs.evaluate import scorer_for
    from embedlab.text.corpus import load_corpus
    from embedlab.text.prepared import prepare
    from embedlab.text.vocab import split_heldout
    from embedlab.train.training import train

    corpus = load_corpus(size.corpus)
    corpus_options = CorpusOptions(size.corpus, min_count=5)
    options = TrainOptions(trainer="gensim", dim=DIM, epochs=size.gensim_epochs).validate()
    train_sentences, _ = split_heldout(corpus.sentences, corpus_options.heldout_fraction, corpus_options.split_seed)
    work = Path(tempfile.mkdtemp(prefix="embedlab-bench-gensim-"))
    counter = iter(range(10**6))

    def plain() -> None:
        plain_word2vec(train_sentences, options, corpus_options.min_count, options.epochs)

    def embedlab_gensim(quality: bool) -> None:
        out = work / f"run-{next(counter)}"
        prepared = prepare(corpus, corpus_options)
        train(prepared, options, out, scorer=scorer_for(prepared.vocab, prepared.corpus.name) if quality else None)
        shutil.rmtree(out)

    sides = {
        "plain": plain,
        "embedlab": lambda: embedlab_gensim(True),
        "no_quality": lambda: embedlab_gensim(False),
    }
    try:
        rounds = alternate_wall_and_cpu(sides, size.gensim_rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall, cpu = rounds
    for i in range(size.gensim_rounds):
        figures = ", ".join(f"{name} {wall[name][i]:.1f} s ({cpu[name][i]:.1f} s CPU)" for name in sides)
        print(f"  [row 3, round {i + 1}] {figures}", flush=True)
    ratio, low, high = _spread(wall["embedlab"], wall["plain"])
    cpu_ratio, cpu_low, cpu_high = _spread(cpu["embedlab"], cpu["plain"])
    bare = _spread(wall["no_quality"], wall["plain"])
    bare_cpu = _spread(cpu["no_quality"], cpu["plain"])
    return [
        Row(
            "3",
            "gensim with snapshots + metrics ÷ plain gensim (same sentences and settings, whole process)",
            f"{ratio:.2f}× wall (rounds {low:.2f}–{high:.2f}); {cpu_ratio:.2f}× CPU ({cpu_low:.2f}–{cpu_high:.2f})",
            "≤ 1.25×",
            ratio <= 1.25,
            f"medians: plain {statistics.median(wall['plain']):.1f} s ({statistics.median(cpu['plain']):.1f} s CPU), "
            f"embedlab {statistics.median(wall['embedlab']):.1f} s ({statistics.median(cpu['embedlab']):.1f} s CPU); "
            f"with quality=False (snapshots and loss metrics only, no WordSim/SimLex/analogy scores) "
            f"{bare[0]:.2f}× wall ({bare[1]:.2f}–{bare[2]:.2f}), {bare_cpu[0]:.2f}× CPU ({bare_cpu[1]:.2f}–{bare_cpu[2]:.2f}); "
            f"{size.corpus}, skip-gram, negative {options.negative}, d={DIM}, {options.epochs} epoch(s), "
            f"workers={options.workers}, {size.gensim_rounds} rounds",
        )
    ]


def alternate_wall_and_cpu(sides: dict, rounds: int) -> tuple[dict, dict]:
    """Each side once per round, in order: (wall seconds, CPU seconds of this process, every
    thread) per side and round. CPU time is what the work costs whatever else the shared
    machine runs; wall time is what a user waits."""
    wall = {name: [] for name in sides}
    cpu = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            side()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    return wall, cpu


def _spread(numerator: list[float], denominator: list[float]) -> tuple[float, float, float]:
    """(median, lowest, highest) over rounds of the per-round ratio."""
    ratios = [a / b for a, b in zip(numerator, denominator, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


# --- row 4: the dashboard ----------------------------------------------------------------------


def row_app(size: Size, work: Path) -> list[Row]:
    """Re-render times on row 5's wiki runs (kept for this), cold start with an empty cache."""
    import app_timing

    numpy_run, gensim_run = work / "memory-numpy", work / "memory-gensim"
    if not (numpy_run.is_dir() and gensim_run.is_dir()):
        numpy_run = gensim_run = None
    return app_timing.rows(size.app_repeats, numpy_run, gensim_run, work / "cold-cache")


# --- row 5 and the scaling table: the command line in a child process --------------------------


def _cli_train(
    out: Path,
    corpus: str,
    trainer: str,
    epochs: int,
    dim: int = DIM,
    max_vocab: int | None = None,
    min_count: int = 5,
    keep: bool = False,
) -> dict:
    """Train through the command line in a child process; its figures and peak memory."""
    argv = [sys.executable, "-m", "embedlab", "train", "--corpus", corpus, "--trainer", trainer]
    argv += ["--dim", str(dim), "--epochs", str(epochs), "--min-count", str(min_count), "--out", str(out)]
    if max_vocab:
        argv += ["--max-vocab", str(max_vocab)]
    result = run_child(argv, env={"PYTHONPATH": str(ROOT)})
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed: {result.stderr.strip()[-500:]}")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    import pandas as pd

    metrics = pd.read_csv(out / "metrics.csv").iloc[1:]  # epoch 0 is the initial snapshot
    snapshots = sum((out / name).stat().st_size for name in ("input_vectors.npy", "output_vectors.npy"))
    seconds = float(metrics["seconds"].min())  # load from other processes only ever adds time
    tokens = float((metrics["words_per_second"] * metrics["seconds"]).median())
    pairs = float((metrics["pairs_per_second"] * metrics["seconds"]).median()) if trainer == "numpy" else math.nan
    positions = (
        float((metrics["positions_per_second"] * metrics["seconds"]).median()) if trainer == "numpy" else math.nan
    )
    if not keep:
        shutil.rmtree(out)
    return {
        "V": config["vocab_size"],
        "d": dim,
        "epochs": epochs,
        "seconds_per_epoch": seconds,
        "tokens": tokens,
        "pairs": pairs,
        "positions": positions,
        "max_rss_mb": result.max_rss_mb,
        "snapshot_mb": snapshots / 2**20,
        "wall": result.wall_seconds,
    }


def row_memory(size: Size, work: Path) -> list[Row]:
    """Peak RSS of the command line on wiki, d = 100; the runs are kept for row 4."""
    rows = []
    for trainer, epochs in (("numpy", size.numpy_memory_epochs), ("gensim", size.gensim_memory_epochs)):
        point = _cli_train(work / f"memory-{trainer}", size.corpus, trainer, epochs, keep=True)
        note = (
            ""
            if epochs == 10
            else f" ({epochs} epoch{'s' if epochs > 1 else ''} in --quick; PRODUCT.md's figure is for 10)"
        )
        rows.append(
            Row(
                "5" + ("a" if trainer == "numpy" else "b"),
                f"peak RSS of `python -m embedlab train --corpus {size.corpus} --trainer {trainer} --dim {DIM} "
                f"--epochs {epochs}`{note}",
                f"{point['max_rss_mb']:.0f} MB",
                "< 800 MB",
                point["max_rss_mb"] < 800,
                f"V={point['V']:,} (min_count 5), snapshots {point['snapshot_mb']:.0f} MB on disk (memory-mapped), "
                f"{point['seconds_per_epoch']:.1f} s/epoch, {point['wall']:.0f} s in all",
            )
        )
    return rows


def _write_corpus_text(path: Path, sentences: list, repeat: int) -> None:
    """The sentences as text, one per line, ``repeat`` times over: the CLI re-tokenises it to
    the same tokens, so ×k is the same text k times, read like any uploaded file."""
    text = "\n".join(" ".join(sentence) for sentence in sentences) + "\n"
    path.write_text(text * repeat, encoding="utf-8")


def scaling(size: Size, work: Path) -> list[dict]:
    """Child processes of the command line, a few epochs each. The vocabulary is the top V
    words (--min-count 1 --max-vocab V), so repeating the text ×k keeps the same V words.

    Every point runs ``size.scaling_passes`` times, the second pass in reverse order, and keeps
    its fastest epoch and its largest peak RSS: a burst of load from other processes then
    rarely spoils the same point twice.
    """
    from embedlab.text.corpus import load_corpus

    sentences = load_corpus(size.corpus).sentences
    texts: dict[tuple[float, int], str] = {}

    def text(fraction: float, repeat: int) -> str:
        if (fraction, repeat) not in texts:
            path = work / f"text-{fraction:g}-x{repeat}.txt"
            _write_corpus_text(path, sentences[: max(1, round(len(sentences) * fraction))], repeat)
            texts[fraction, repeat] = str(path)
        return texts[fraction, repeat]

    # (label fields, _cli_train arguments)
    specs = []
    # cost linear in tokens: the same text ×1, ×2, ×4
    for trainer, fraction in (("gensim", size.gensim_fraction), ("numpy", size.numpy_fraction)):
        for repeat in (1, 2, 4):
            label = {"trainer": trainer, "grows": "corpus", "corpus": f"{size.corpus}[:{fraction:g}] ×{repeat}"}
            specs.append((label, dict(corpus=(fraction, repeat), trainer=trainer, max_vocab=size.corpus_vocab)))
    # cost linear in V·d per pair: the same text, V growing at d = 100, then d at the middle V
    middle = size.vocab_sizes[len(size.vocab_sizes) // 2]
    for max_vocab, dim in [(v, DIM) for v in size.vocab_sizes] + [(middle, DIM // 2), (middle, DIM * 2)]:
        label = {"trainer": "numpy", "grows": "V·d", "corpus": f"{size.corpus}[:{size.vocab_fraction:g}]"}
        specs.append((label, dict(corpus=(size.vocab_fraction, 1), trainer="numpy", max_vocab=max_vocab, dim=dim)))

    best: dict[int, dict] = {}
    for number in range(size.scaling_passes):
        order = list(range(len(specs)))
        for index in order if number % 2 == 0 else order[::-1]:
            label, arguments = specs[index]
            arguments = {**arguments, "corpus": text(*arguments["corpus"])}
            point = _cli_train(work / f"scale-{index}", epochs=size.scaling_epochs, min_count=1, **arguments)
            point.update(label)
            if index in best:
                point["seconds_per_epoch"] = min(point["seconds_per_epoch"], best[index]["seconds_per_epoch"])
                point["max_rss_mb"] = max(point["max_rss_mb"], best[index]["max_rss_mb"])
            best[index] = point
    points = [best[index] for index in range(len(specs))]

    # memory near the token cap (Limits.max_tokens): the text ×k, one epoch, once
    if size.cap_repeat:
        corpus = text(1.0, size.cap_repeat)
        for trainer, max_vocab in (("gensim", None), ("numpy", 5000)):  # issue 13's figure: NumPy at --max-vocab 5000
            point = _cli_train(work / f"cap-{trainer}", corpus, trainer, 1, max_vocab=max_vocab)
            point.update(trainer=trainer, grows="token cap", corpus=f"{size.corpus} ×{size.cap_repeat}")
            points.append(point)
    return points


def scaling_table(points: list[dict]) -> list[str]:
    lines = [
        "| trainer | grows | corpus | V | d | tokens/epoch | pairs/epoch | s/epoch | tokens/s | "
        "GFLOP/s (6·positions·V·d/s) | peak RSS MB | snapshots MB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        numpy = p["trainer"] == "numpy"
        pairs = f"{p['pairs']:,.0f}" if numpy else "—"
        gflops = f"{6 * p['positions'] * p['V'] * p['d'] / p['seconds_per_epoch'] / 1e9:.1f}" if numpy else "—"
        lines.append(
            f"| {p['trainer']} | {p['grows']} | {p['corpus']} | {p['V']:,} | {p['d']} | {p['tokens']:,.0f} | {pairs} "
            f"| {p['seconds_per_epoch']:.2f} | {p['tokens'] / p['seconds_per_epoch']:,.0f} | {gflops} "
            f"| {p['max_rss_mb']:.0f} | {p['snapshot_mb']:.1f} |"
        )
    return lines


def scaling_summary(points: list[dict]) -> list[str]:
    """One line per group: how cost grew against the work, and what memory did."""
    lines = []
    for trainer in ("gensim", "numpy"):
        group = [p for p in points if p["trainer"] == trainer and p["grows"] == "corpus"]
        if len(group) > 1:
            first, last = group[0], group[-1]
            lines.append(
                f"- {trainer}, corpus ×{last['tokens'] / first['tokens']:.1f} tokens: "
                f"×{last['seconds_per_epoch'] / first['seconds_per_epoch']:.2f} time per epoch (linear: "
                f"×{last['tokens'] / first['tokens']:.1f}); peak RSS {first['max_rss_mb']:.0f} → "
                f"{last['max_rss_mb']:.0f} MB; snapshots {first['snapshot_mb']:.1f} → {last['snapshot_mb']:.1f} MB"
            )
    for p in points:
        if p["grows"] == "token cap":
            lines.append(
                f"- {p['trainer']} on {p['corpus']} ({p['tokens']:,.0f} training tokens, under Limits.max_tokens): "
                f"peak RSS {p['max_rss_mb']:,.0f} MB"
            )
    group = [p for p in points if p["grows"] == "V·d"]
    if len(group) > 1:
        per_pair = [p["seconds_per_epoch"] / p["pairs"] for p in group]
        work = [p["V"] * p["d"] for p in group]
        low, high = min(range(len(group)), key=work.__getitem__), max(range(len(group)), key=work.__getitem__)
        lines.append(
            f"- numpy, V·d ×{work[high] / work[low]:.0f} (V {group[low]['V']:,} d {group[low]['d']} → "
            f"V {group[high]['V']:,} d {group[high]['d']}): ×{per_pair[high] / per_pair[low]:.2f} time per pair "
            f"(linear: ×{work[high] / work[low]:.0f})"
        )
    return lines


# --- the table -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 3 minutes instead of about 20")
    parser.add_argument("--smoke", action="store_true", help="seconds, on the toy corpus: checks the script runs")
    parser.add_argument("--only", default="1,2,3,4,5,s", help="comma-separated rows to run (default: all)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    size = SMOKE if args.smoke else QUICK if args.quick else FULL
    wanted = {part.strip() for part in args.only.split(",") if part.strip()}

    work = Path(tempfile.mkdtemp(prefix="embedlab-bench-"))
    # a private cache: nothing of the user's cache is read, and children share the parsed corpus
    os.environ["EMBEDLAB_CACHE_DIR"] = str(work / "cache")
    started = time.perf_counter()
    header = machine.describe()
    mode = " (--smoke: the figures mean nothing)" if args.smoke else " (--quick)" if args.quick else ""
    print("# EmbedLab benchmarks" + mode)
    for label, value in header:
        print(f"- {label}: {value}")
    print(flush=True)

    rows: list[Row] = []
    points: list[dict] = []
    steps = [
        ("1", lambda: rows_numpy_trainer(size)),
        ("3", lambda: row_gensim(size)),
        ("5", lambda: row_memory(size, work)),
        ("4", lambda: row_app(size, work)),
    ]
    try:
        for key, step in steps:
            if key in wanted or (key == "1" and "2" in wanted):
                began = time.perf_counter()
                new = step()
                rows += [row for row in new if row.key[0] in wanted]
                for row in new:
                    print(f"[row {row.key}] {row.measured} — {row.detail}", flush=True)
                print(f"  ({time.perf_counter() - began:.0f} s)", flush=True)
        if "s" in wanted:
            points = scaling(size, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print("\n".join(markdown(rows)))
    print()
    for row in rows:
        if row.detail:
            print(f"- {row.key}: {row.detail}")
    if points:
        print(
            f"\nScaling (each line: `python -m embedlab train` in a child process, {size.scaling_passes} run(s) of "
            f"{size.scaling_epochs} epochs; s/epoch is the fastest epoch; peak RSS is the whole process):\n"
        )
        print("\n".join(scaling_table(points)))
        print()
        print("\n".join(scaling_summary(points)))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load}; total {time.perf_counter() - started:.0f} s")
    if args.json:
        payload = {"machine": dict(header), "rows": [row.__dict__ for row in rows], "scaling": points}
        args.json.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
