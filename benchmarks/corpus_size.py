"""How much text a corpus needs before structure shows: the toy corpus cut to its first N sentences.

The toy corpus has planted word groups, so "structure" is measurable: the group gap (mean cosine
within the planted groups minus between them, ``analysis.group_separation``) of the last epoch,
for both trainers at the dashboard's defaults (20 epochs, d = 50, min_count 5, the NumPy batch
fitted to the corpus as the Train page does). Epoch 0's gap is ~0 (random vectors). The printed
table is where ``corpus_feedback.MIN_TRAINING_TOKENS`` comes from.

    python benchmarks/corpus_size.py            # ~2 min on 2 cores
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedlab.config import CorpusOptions, DashboardSettings  # noqa: E402
from embedlab.errors import EmbedLabError  # noqa: E402
from embedlab.runs.analysis import group_separation  # noqa: E402
from embedlab.text.builtin_corpora import planted_groups  # noqa: E402
from embedlab.text.corpus import Corpus, load_corpus  # noqa: E402
from embedlab.text.prepared import prepare  # noqa: E402
from embedlab.train import sizing  # noqa: E402
from embedlab.train.training import train_final  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200,400,800,1600,6500", help="sentences of the toy corpus")
    parser.add_argument("--min-count", type=int, default=5)
    args = parser.parse_args()
    toy, groups = load_corpus("toy"), planted_groups("toy")
    defaults = DashboardSettings()
    print("| sentences | tokens | training tokens (V's words) | V | NumPy gap | gensim gap |")
    print("|---|---|---|---|---|---|")
    for n in [int(s) for s in args.sizes.split(",")]:
        corpus = Corpus("toy", toy.sentences[:n], "0" * 64, "")
        try:
            data = prepare(corpus, CorpusOptions(min_count=args.min_count))
        except EmbedLabError as error:
            print(f"| {n} | {corpus.n_tokens:,} | – | – | {error} | |")
            continue
        gaps = []
        for options in (defaults.numpy, defaults.gensim):
            if options.trainer == "numpy":  # as the Train page fits it (ui.fit_batch_to_corpus)
                positions = sizing.positions_per_epoch(data, options)
                options = options.replace(batch_size=min(options.batch_size, sizing.suggested_batch_size(positions)))
            try:
                last = train_final(data.train, data.vocab, options)
            except EmbedLabError:  # a tiny corpus at batch 16 can diverge at the default η
                gaps.append(float("nan"))
                continue
            gaps.append(group_separation(np.asarray(last.input_vectors), data.vocab, groups))
        print(
            f"| {n:,} | {corpus.n_tokens:,} | {data.train.n_tokens:,} | {len(data.vocab)} | {gaps[0]:.3f} | {gaps[1]:.3f} |".replace(
                "nan", "diverged"
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
