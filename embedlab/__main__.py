"""The command line: ``python -m embedlab {train,export,…}``.

A user error exits with status 2 and one line ``error: …`` on stderr; never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import pandas as pd

from embedlab.analysis import default_words
from embedlab.biasvar import sweep
from embedlab.config import CorpusOptions, Limits, SweepOptions, TrainOptions
from embedlab.corpus import load_corpus, planted_groups
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.evaluate import coverage_text, evaluate_run, scorer_for, write_quality
from embedlab.export import export
from embedlab.hooks import Hooks
from embedlab.prepared import Prepared, check_feasible, prepare
from embedlab.stability import seed_stability, stability_by_dim
from embedlab.store import atomic_dir, load_run
from embedlab.training import run_key, train


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is the one ``error:`` line the contract promises."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `python -m {self.prog} --help`)\n")


class ProgressBar:
    """A one-line progress bar on stderr (one line per epoch when stderr is not a terminal)."""

    def __init__(self, total: int, label: str, stream=sys.stderr):
        self.total, self.label, self.stream = total, label, stream
        self.started = time.perf_counter()
        self.tty = stream.isatty()

    def update(self, done: int, text: str = "") -> None:
        width = 30
        filled = int(width * done / max(self.total, 1))
        elapsed = time.perf_counter() - self.started
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {text} {elapsed:.1f}s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _csv_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from error


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", default="toy", help="toy, lee, wiki or the path of a .txt/.gz/.zip file")
    parser.add_argument("--min-count", type=int, default=CorpusOptions.min_count)
    parser.add_argument("--max-vocab", type=int, default=None, help="keep only the most frequent words")
    parser.add_argument(
        "--heldout",
        type=float,
        default=CorpusOptions.heldout_fraction,
        help="share of sentences held out (default 0.1)",
    )


def add_train_arguments(parser: argparse.ArgumentParser, *, with_trainer: bool = True) -> None:
    defaults = TrainOptions()
    if with_trainer:
        parser.add_argument("--trainer", choices=("gensim", "numpy"), default="numpy")
    parser.add_argument("--dim", type=int, default=defaults.dim)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--window", type=int, default=defaults.window)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: 0.025 for gensim, 10 for numpy, whose loss is a batch mean)",
    )
    parser.add_argument("--l2", type=float, default=defaults.l2, help="L2 strength λ (numpy trainer)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="pairs per batch (numpy)")
    parser.add_argument(
        "--min-lr-fraction",
        type=float,
        default=defaults.min_lr_fraction,
        help="the learning rate decays linearly to lr × this over the run (gensim: min_alpha / alpha)",
    )
    parser.add_argument(
        "--sample",
        type=float,
        default=None,
        help="subsampling threshold; 0 = off (default: 0 for numpy, 1e-3 for gensim)",
    )
    parser.add_argument("--cbow", action="store_true", help="gensim: CBOW instead of skip-gram")
    parser.add_argument("--hs", action="store_true", help="gensim: hierarchical softmax instead of negative sampling")
    parser.add_argument("--negative", type=int, default=defaults.negative, help="gensim: negative samples")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gensim threads (1 = reproducible)")


def corpus_options(args) -> CorpusOptions:
    return CorpusOptions(args.corpus, args.min_count, args.max_vocab, args.heldout).validate()


def train_options(args, trainer: str) -> TrainOptions:
    return TrainOptions(
        trainer=trainer,
        dim=args.dim,
        epochs=args.epochs,
        window=args.window,
        seed=args.seed,
        lr=args.lr,
        l2=args.l2,
        min_lr_fraction=args.min_lr_fraction,
        batch_size=args.batch_size,
        sample=args.sample,
        sg=0 if args.cbow else 1,
        hs=1 if args.hs else 0,
        negative=0 if args.hs else args.negative,
        workers=args.workers,
    ).validate()


def train_command(corpus: str, corpus_opts: CorpusOptions, options: TrainOptions, out: str | None = None) -> str:
    """The ``python -m embedlab train`` command line that trains ``options`` on ``corpus`` (a
    built-in name or a file name), with EMBEDLAB_UNLIMITED=1 in front when the settings are
    over this server's caps. Parsing it gives back the same options (tests/test_cli.py).

    >>> train_command("wiki", CorpusOptions(min_count=5), TrainOptions(dim=100, epochs=20))
    'python -m embedlab train --corpus wiki --trainer numpy --dim 100 --epochs 20 --min-count 5'
    """
    defaults = TrainOptions(trainer=options.trainer)
    args = ["--corpus", shlex.quote(corpus), "--trainer", options.trainer]
    args += ["--dim", str(options.dim), "--epochs", str(options.epochs)]
    args += ["--min-count", str(corpus_opts.min_count)]  # always: it decides V, the cost
    if corpus_opts.max_vocab is not None:
        args += ["--max-vocab", str(corpus_opts.max_vocab)]
    if corpus_opts.heldout_fraction != CorpusOptions.heldout_fraction:
        args += ["--heldout", str(corpus_opts.heldout_fraction)]
    for flag, name in [("--window", "window"), ("--seed", "seed"), ("--min-lr-fraction", "min_lr_fraction")]:
        if getattr(options, name) != getattr(defaults, name):
            args += [flag, str(getattr(options, name))]
    if options.resolved_lr() != defaults.resolved_lr():
        args += ["--lr", str(options.resolved_lr())]  # str(float) round-trips exactly
    if options.resolved_sample() != defaults.resolved_sample():
        args += ["--sample", str(options.resolved_sample())]
    if options.trainer == "numpy":
        for flag, name in [("--batch-size", "batch_size"), ("--l2", "l2")]:
            if getattr(options, name) != getattr(defaults, name):
                args += [flag, str(getattr(options, name))]
    else:
        if options.sg == 0:
            args.append("--cbow")
        if options.hs:
            args.append("--hs")
        elif options.negative != defaults.negative:
            args += ["--negative", str(options.negative)]
        if options.workers != defaults.workers:
            args += ["--workers", str(options.workers)]
    if out is not None:
        args += ["--out", shlex.quote(out)]
    try:
        options.validate(Limits())
        prefix = ""
    except EmbedLabError:
        prefix = "EMBEDLAB_UNLIMITED=1 "
    return prefix + "python -m embedlab train " + " ".join(args)


def _load_prepared(options: CorpusOptions) -> Prepared:
    return prepare(load_corpus(options.source), options)


def cmd_train(args) -> int:
    corpus_opts = corpus_options(args)
    options = train_options(args, args.trainer)  # settings are checked before any work starts
    prepared = _load_prepared(corpus_opts)
    check_feasible(prepared, options)  # before anything is printed: an error is one line
    scorer = scorer_for(prepared.vocab, prepared.corpus.name)
    out = Path(args.out) if args.out else Path("runs") / f"{options.trainer}-{run_key(prepared, options, scorer)}"
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EmbedLabError(f"{out} already exists; choose another --out or remove it first.")
    print(
        f"corpus {prepared.corpus.name}: {prepared.corpus.n_tokens:,} tokens, vocabulary {len(prepared.vocab):,} "
        f"(min_count {corpus_opts.min_count}), {len(prepared.train_ids):,} training / "
        f"{len(prepared.heldout_ids):,} held-out sentences",
        file=sys.stderr,
    )
    bar = ProgressBar(options.epochs, f"{options.trainer} d={options.dim}")

    def on_epoch(epoch, snapshot, metrics):
        bar.update(epoch, f"loss {metrics['loss']:.4f} held-out {metrics['heldout_loss']:.4f}")

    run = train(prepared, options, out, Hooks(on_epoch=on_epoch), scorer=scorer)
    columns = ["epoch", "loss", "heldout_loss", "grad_norm", "mean_norm", "displacement", "lr", "seconds"]
    print(run.metrics[columns].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"run written to {run.path} (metrics: {run.config['metric_method']})")
    if run.diverged:
        losses = run.metrics["loss"]
        if "diverged_message" in run.config:
            what = f"{run.config['diverged_message'].split(';')[0]}; epochs 0–{run.epochs} are kept"
        else:
            what = f"training diverged: the loss ended at {losses.iloc[-1]:.4g}, above twice its start ({losses.iloc[0]:.4g})"
        print(f"warning: {what}; the run is flagged diverged. Lower the learning rate (--lr).", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    run = load_run(args.run_dir)
    epoch = run.epochs if args.epoch is None else args.epoch
    for path in export(run, epoch, args.format, args.out):
        print(f"wrote {path}")
    return 0


def cmd_evaluate(args) -> int:
    run = load_run(args.run_dir)
    table = evaluate_run(run, recompute=args.recompute)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    for line in coverage_text(table.iloc[-1]):
        print(line)
    if args.write:
        print(f"wrote {write_quality(run, table)}")
    return 0


def cmd_sweep(args) -> int:
    """bias_variance.csv (NumPy softmax over --dims), stability_by_dim.csv (gensim over --dims)
    and stability.csv (both trainers per epoch at --dim), written atomically into --out."""
    corpus_opts = corpus_options(args)
    numpy_options = train_options(args, "numpy")
    gensim_options = train_options(args, "gensim")
    sweep_options = SweepOptions(dims=args.dims, runs=args.seeds, train=numpy_options).validate()
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EmbedLabError(f"{out} already exists and is not empty; choose another --out or remove it first.")
    prepared = _load_prepared(corpus_opts)
    words = default_words(prepared.vocab, planted_groups(prepared.corpus.name))
    n_runs = len(sweep_options.dims) * sweep_options.runs

    def bar_hooks(bar: ProgressBar) -> Hooks:
        return Hooks(on_progress=lambda done, fraction: bar.update(done))

    with atomic_dir(out) as scratch:
        table = sweep(prepared, sweep_options, bar_hooks(ProgressBar(n_runs, "bias-variance (numpy)")))
        table.to_csv(scratch / "bias_variance.csv", index=False)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        by_dim = stability_by_dim(
            prepared,
            SweepOptions(sweep_options.dims, sweep_options.runs, gensim_options),
            words,
            hooks=bar_hooks(ProgressBar(n_runs, "stability over d (gensim)")),
        )
        by_dim.to_csv(scratch / "stability_by_dim.csv", index=False)
        by_epoch = seed_stability(
            prepared,
            [numpy_options, gensim_options],
            args.seeds,
            words,
            hooks=bar_hooks(ProgressBar(2 * args.seeds, f"stability over epochs (d={args.dim})")),
        )
        by_epoch.to_csv(scratch / "stability.csv", index=False)
    print(f"wrote {out / 'bias_variance.csv'}, {out / 'stability_by_dim.csv'} and {out / 'stability.csv'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="embedlab", description="Watch word embeddings form during training.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("train", help="train one run and write its run directory")
    add_corpus_arguments(p)
    add_train_arguments(p)
    p.add_argument("--out", default=None, help="run directory to create (default runs/<trainer>-<key>)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("export", help="export one epoch of a run")
    p.add_argument("run_dir")
    p.add_argument("--epoch", type=int, default=None, help="default: the last")
    p.add_argument("--format", choices=("word2vec", "projector"), default="word2vec")
    p.add_argument("--out", required=True, help="word2vec: a file; projector: a folder")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("evaluate", help="WordSim-353, SimLex-999 and analogy scores per epoch of a run")
    p.add_argument("run_dir")
    p.add_argument("--write", action="store_true", help="add the scores to the run's metrics.csv (atomically)")
    p.add_argument("--recompute", action="store_true", help="recompute even if metrics.csv has the scores")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "sweep",
        help="bias² / variance / noise over d, and stability across seeds",
        description="Writes OUT/bias_variance.csv (NumPy softmax, one row per d), OUT/stability_by_dim.csv "
        "(gensim, seed-to-seed stability per d) and OUT/stability.csv (both trainers at --dim, per epoch).",
    )
    add_corpus_arguments(p)
    add_train_arguments(p, with_trainer=False)
    p.add_argument(
        "--dims",
        type=_csv_ints,
        default=SweepOptions().dims,
        help="dimensions to compare, e.g. 1,2,4,8,16 (default 1,2,4,8,16,32,64)",
    )
    p.add_argument("--seeds", type=int, default=SweepOptions().runs, help="runs per setting (seeds; at least 2)")
    p.add_argument("--out", required=True, help="folder to create for the CSV files")
    p.set_defaults(func=cmd_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TrainingCancelled as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except EmbedLabError as error:
        print(f"error: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was saved.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    sys.exit(main())
