"""Row 3 taken apart: the CPU seconds of each part of an EmbedLab gensim run against plain gensim.

    python benchmarks/gensim_parts.py            # wiki, d = 100, 5 epochs, 3 rounds
    python benchmarks/gensim_parts.py --rounds 5

Each round trains plain ``Word2Vec(train sentences, …, epochs=5)`` once, then EmbedLab's run
step by step as ``training.train`` does it (prepare, the trainer, the measurement's
samples, every epoch, every snapshot measured and scored), timing each part in CPU seconds of
this process (every thread): on a shared machine CPU time is what a part costs, whatever else
runs. Writing the run directory is not timed here (row 3 times the whole command). The floor of
row 3 is plain gensim plus what an honest measurement cannot skip.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from benchmarks.run import plain_word2vec  # noqa: E402


def one_round(epochs: int) -> dict[str, float]:

    from embedlab.config import CorpusOptions, TrainOptions
    from embedlab.runs.evaluate import scorer_for
    from embedlab.text.corpus import load_corpus
    from embedlab.text.prepared import prepare
    from embedlab.text.vocab import split_heldout
    from embedlab.train import metrics, training

    cpu = time.process_time
    corpus = load_corpus("wiki")
    corpus_options = CorpusOptions("wiki", min_count=5)
    options = TrainOptions(trainer="gensim", dim=100, epochs=epochs)
    sentences, _ = split_heldout(corpus.sentences, corpus_options.heldout_fraction, corpus_options.split_seed)
    part: dict[str, float] = {}

    started = cpu()
    plain_word2vec(sentences, options, corpus_options.min_count, epochs)
    part["plain gensim"] = cpu() - started

    started = cpu()
    prepared = prepare(corpus, corpus_options)
    part["prepare (split, vocabulary, encoding)"] = cpu() - started
    started = cpu()
    pairs = metrics.trainer_pairs(prepared.train, prepared.vocab.counts, options)  # None: gensim needs none
    trainer = training.make_trainer(prepared.train, prepared.vocab, options, pairs)
    part["gensim set-up"] = cpu() - started
    objective = metrics.objective_for(options, prepared.vocab.counts, trainer)
    started = cpu()
    measure = metrics.build_measure(prepared.train, prepared.heldout, prepared.vocab.counts, options, objective, pairs)
    part["the measurement's pairs and samples"] = cpu() - started
    scorer = scorer_for(prepared.vocab, "wiki")
    part["gensim epochs"] = part["measuring every snapshot"] = part["quality scores of every snapshot"] = 0.0
    previous = None
    for epoch in range(epochs + 1):
        if epoch:
            started = cpu()
            trainer.train_epoch(epoch)
            part["gensim epochs"] += cpu() - started
        snapshot = trainer.snapshot(epoch)
        started = cpu()
        measure(snapshot.input_vectors, snapshot.output_vectors, previous)
        part["measuring every snapshot"] += cpu() - started
        started = cpu()
        scorer(snapshot.input_vectors)
        part["quality scores of every snapshot"] += cpu() - started
        previous = snapshot.input_vectors
    return part


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    rounds = []
    for i in range(args.rounds):
        rounds.append(one_round(args.epochs))
        print(f"round {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in rounds[-1].items()), flush=True)
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    plain = median["plain gensim"]
    print("\n| part | CPU s (median) | ÷ plain gensim |\n|---|---|---|")
    for name, seconds in median.items():
        print(f"| {name} | {seconds:.2f} | {seconds / plain:.3f} |")
    measuring = sum(v for k, v in median.items() if "measur" in k)
    everything = sum(v for k, v in median.items() if k != "plain gensim")
    print(
        f"\nmeasurement {measuring:.2f} s ({measuring / plain:.2f} of plain); EmbedLab without the run directory "
        f"{everything:.2f} s = {everything / plain:.2f}× plain, "
        f"{(everything - median['quality scores of every snapshot']) / plain:.2f}× without the quality scores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
