"""The command line at research scale against plain gensim, on one synthetic Zipf text.

    python benchmarks/scale.py                 # 20 M and 60 M tokens (minutes each)
    python benchmarks/scale.py --tokens 20     # one size, in millions of tokens

For each size: a text of Zipf-distributed words (p(rank r) ∝ 1/r^1.05 over 3 M types, sentences
of 5–30 words, generated into a scratch folder, never shipped), then in the same run, one after
the other in fresh processes:

- plain gensim: ``Word2Vec(corpus_file=TEXT, vector_size=100, epochs=1, workers=2, min_count=5, sg=1)``
  with EmbedLab's other settings (window 5, 5 negatives, sample 1e-3), its own vocabulary scan
  included, as a user would run it. ``sg=1``: EmbedLab trains skip-gram, and gensim's default,
  CBOW, costs 2.6x less an epoch (10 against 27 CPU-s at 5 M tokens), so the ratio against
  it would measure the choice of model, not EmbedLab;
- ``EMBEDLAB_UNLIMITED=1 python -m embedlab train --corpus TEXT --trainer gensim --dim 100 --epochs 1
  --workers 2 --min-count 5`` (streamed: every stage, snapshots, measurements and the run directory).

Printed: wall time, CPU time (user + system: less moved by other processes on a shared machine
than wall time) and peak RSS (the process's own ru_maxrss) of each, their ratios, and the RSS
growth from the first size to the last. Targets (issue #32): wall ≤ 1.25× plain gensim, RSS ≤ 800 MB
at 20 M tokens, ≤ 15 % RSS growth from 20 M to 60 M.

The vocabulary of this text grows with it (V = 217,876 at 20 M tokens, 619,704 at 60 M), and so does
any trainer's memory. ``--max-vocab N`` holds V for both — EmbedLab's ``--max-vocab`` keeps the N most
frequent words, gensim's ``max_final_vocab`` raises min_count until at most N remain (194,898 and
195,605 for N = 200,000 on these texts) — which isolates what the growth target stands for: memory
set by V × d, not by the text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TYPES, EXPONENT = 3_000_000, 1.05


def _words(types: int) -> list[str]:
    out = []
    for r in range(types):
        s, n = "", r
        while True:
            s = chr(97 + n % 26) + s
            n = n // 26 - 1
            if n < 0:
                break
        out.append(s)
    return out


def generate(path: Path, tokens: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    words = np.array(_words(TYPES), dtype=object)
    cdf = np.cumsum(1.0 / np.arange(1, TYPES + 1) ** EXPONENT)
    cdf /= cdf[-1]
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        while tokens - written >= 30:  # the last sentence may fall short of the total by under 30 words
            n = min(1_000_000, tokens - written)
            ids = np.minimum(np.searchsorted(cdf, rng.random(n)), TYPES - 1)
            lengths = rng.integers(5, 31, size=n // 5)
            lengths = lengths[np.cumsum(lengths) <= n]
            bounds = np.concatenate([[0], np.cumsum(lengths)])
            chosen = words[ids]
            f.write("\n".join(" ".join(chosen[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)))
            f.write("\n")
            written += int(bounds[-1])


PLAIN = """
import sys
from gensim.models import Word2Vec
Word2Vec(
    corpus_file=sys.argv[1], vector_size=100, epochs=1, workers=2, min_count=5, window=5, sg=1, negative=5, sample=1e-3,
    seed=1, max_final_vocab=int(sys.argv[2]) if len(sys.argv) > 2 else None,
)
"""


def timed(args: list[str], env: dict | None = None, log: Path | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MB, exit status, CPU seconds) of a fresh process; its output goes to ``log``."""
    started = time.perf_counter()
    with open(log or os.devnull, "w", encoding="utf-8") as out:
        process = subprocess.Popen(args, env={**os.environ, **(env or {})}, cwd=ROOT, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, nargs="+", default=[20, 60], help="sizes in millions of tokens")
    parser.add_argument("--scratch", default=None, help="folder for the texts and runs (default: a temporary one)")
    parser.add_argument("--max-vocab", type=int, default=None, help="hold V at this many words in both trainers")
    args = parser.parse_args()
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="embedlab-scale-"))
    scratch.mkdir(parents=True, exist_ok=True)
    rows = []
    for millions in args.tokens:
        text = scratch / f"zipf{millions}m.txt"
        if not text.exists():
            started = time.perf_counter()
            generate(text, millions * 1_000_000)
            print(f"generated {text} ({text.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - started:.0f} s")
        capped = [] if args.max_vocab is None else [str(args.max_vocab)]
        plain = timed([sys.executable, "-c", PLAIN, str(text), *capped])
        suffix = "" if args.max_vocab is None else f"-v{args.max_vocab}"
        out = scratch / f"run{millions}m{suffix}"
        shutil.rmtree(out, ignore_errors=True)
        command = [sys.executable, "-m", "embedlab", "train", "--corpus", str(text), "--trainer", "gensim"]
        command += ["--dim", "100", "--epochs", "1", "--workers", "2", "--min-count", "5", "--out", str(out)]
        command += [] if args.max_vocab is None else ["--max-vocab", str(args.max_vocab)]
        log = scratch / f"train{millions}m{suffix}.log"  # what the command printed: the opened run must show the same
        ours = timed(command, {"EMBEDLAB_UNLIMITED": "1", "PYTHONPATH": str(ROOT)}, log)
        load = os.getloadavg()[0]
        rows.append((millions, plain, ours, load))
        print(
            f"{millions} M tokens: plain gensim {plain[0]:.0f} s wall, {plain[3]:.0f} CPU-s, {plain[1]:.0f} MB; "
            f"embedlab train {ours[0]:.0f} s wall, {ours[3]:.0f} CPU-s, {ours[1]:.0f} MB (exit {ours[2]}); "
            f"wall ratio {ours[0] / plain[0]:.2f}, CPU ratio {ours[3] / plain[3]:.2f}, RSS ratio {ours[1] / plain[1]:.2f} "
            f"(load average {load:.1f} at the end); its output in {log}",
            flush=True,
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last[2][1] / first[2][1] - 1
        plain_growth = last[1][1] / first[1][1] - 1
        print(
            f"RSS growth {first[0]} M -> {last[0]} M tokens: embedlab {100 * growth:+.1f} %, plain gensim "
            f"{100 * plain_growth:+.1f} %"
        )


if __name__ == "__main__":
    main()
