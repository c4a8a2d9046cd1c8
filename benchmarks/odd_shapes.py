"""Peak memory and time of `train` on uploads of odd shapes within the caps.

    python benchmarks/odd_shapes.py                  # every shape, 10 MB each, gensim then numpy
    python benchmarks/odd_shapes.py --mb 2 --shapes single-line,tiny-vocabulary --trainers gensim
    python benchmarks/odd_shapes.py --pairs 200000,20,1000,1e-3   # the pair counting alone

Each shape is a generated text file of ``--mb`` MB; each (shape, trainer) is one
`python -m embedlab train` in a child process (one epoch, d = 50, the trainer's defaults
otherwise: gensim subsamples with t = 1e-3, numpy does not), timed and measured for its own
peak resident memory (`timing.run_child`). PRODUCT.md's target: under 600 MB for any accepted
upload, whatever its line structure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import python, run_child  # noqa: E402


def _words(n_words: int, rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, size=int(rng.integers(3, 9)))) for _ in range(n_words)]


def _text(words: list[str], n_bytes: int, rng: np.random.Generator, zipf: bool) -> list[str]:
    """Random words (uniform or Zipf-distributed) until about ``n_bytes`` bytes."""
    mean = np.mean([len(w) + 1 for w in words])
    n = int(n_bytes / mean)
    if zipf:
        p = 1.0 / np.arange(1, len(words) + 1)
        picks = rng.choice(len(words), size=n, p=p / p.sum())
    else:
        picks = rng.integers(0, len(words), size=n)
    return [words[i] for i in picks]


def make_shape(shape: str, n_bytes: int, path: Path) -> None:
    rng = np.random.default_rng(0)
    if shape == "single-line":  # the shape: a small vocabulary, no line break at all
        body = " ".join(_text(_words(20, rng), n_bytes, rng, zipf=False))
    elif shape == "single-line-zipf":  # scraped prose without line breaks: a large Zipf vocabulary
        body = " ".join(_text(_words(20_000, rng), n_bytes, rng, zipf=True))
    elif shape == "tiny-vocabulary":  # two words, one line
        body = " ".join(_text(["yes", "no"], n_bytes, rng, zipf=False))
    elif shape == "repeated-line":  # one line of 12 words, repeated
        line = " ".join(_words(12, rng))
        body = "\n".join([line] * (n_bytes // (len(line) + 1)))
    elif shape == "long-lines":  # lines of ~5,000 words from 300 words
        tokens = _text(_words(300, rng), n_bytes, rng, zipf=True)
        body = "\n".join(" ".join(tokens[i : i + 5000]) for i in range(0, len(tokens), 5000))
    elif shape == "prose":  # ordinary lines of 20 words, a Zipf vocabulary: the reference
        tokens = _text(_words(20_000, rng), n_bytes, rng, zipf=True)
        body = "\n".join(" ".join(tokens[i : i + 20]) for i in range(0, len(tokens), 20))
    else:
        raise SystemExit(f"unknown shape {shape!r}")
    path.write_text(body + "\n", encoding="utf-8")


SHAPES = ("single-line", "single-line-zipf", "tiny-vocabulary", "repeated-line", "long-lines", "prose")


def count_pairs(tokens: int, words: int, sentence: int, sample: float) -> None:
    """Only the pair counting (pair_counts.expected_pair_counts, window 5) of uniform random tokens in
    sentences of ``sentence`` words, in this process: seconds and peak RSS."""
    import resource
    import time

    from embedlab.text.pair_counts import expected_pair_counts
    from embedlab.text.vocab import Encoded, keep_probabilities

    rng = np.random.default_rng(0)
    ids = rng.integers(0, words, size=tokens).astype(np.int32)
    encoded = Encoded(ids, np.unique(np.append(np.arange(0, tokens, sentence), tokens)).astype(np.int64))
    keep = keep_probabilities(np.bincount(ids, minlength=words), sample) if sample > 0 else None
    started = time.perf_counter()
    pairs = expected_pair_counts(encoded, 5, words, keep)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{tokens:,} tokens, {words} words, sentences of {sentence}, sample {sample}: {seconds:.1f} s, "
          f"peak RSS {peak:.0f} MB, {pairs.sum():,.0f} expected pairs")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="size of each generated file")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--trainers", default="gensim,numpy")
    parser.add_argument(
        "--pairs",
        metavar="TOKENS,WORDS,SENTENCE,SAMPLE",
        help="time only the pair counting on random tokens, e.g. 200000,20,1000,1e-3",
    )
    args = parser.parse_args()
    if args.pairs:
        tokens, words, sentence, sample = args.pairs.split(",")
        count_pairs(int(tokens), int(words), int(sentence), float(sample))
        return
    print("| shape | MB | trainer | exit | seconds | peak RSS (MB) |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for shape in args.shapes.split(","):
            corpus = Path(scratch) / f"{shape}.txt"
            make_shape(shape, int(args.mb * 1e6), corpus)
            size = corpus.stat().st_size / 1e6
            for trainer in args.trainers.split(","):
                out = Path(scratch) / f"run-{shape}-{trainer}"
                argv = [python(), "-m", "embedlab", "train", "--corpus", str(corpus), "--trainer", trainer]
                argv += ["--epochs", "1", "--dim", "50", "--out", str(out)]
                result = run_child(
                    argv, env={"EMBEDLAB_CACHE_DIR": str(Path(scratch) / "cache"), "PYTHONPATH": str(ROOT)}
                )
                note = "" if result.returncode == 0 else " " + result.stderr.strip().splitlines()[-1][:120]
                print(
                    f"| {shape} | {size:.1f} | {trainer} | {result.returncode}{note} | {result.wall_seconds:.0f} "
                    f"| {result.max_rss_mb:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
