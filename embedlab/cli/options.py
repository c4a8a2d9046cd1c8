"""The command line's flags and the settings they stand for: the shared corpus and training
arguments, their conversion to :class:`~embedlab.config.CorpusOptions`,
:class:`~embedlab.config.TrainOptions` and :class:`~embedlab.config.SweepOptions` (defaults and
bounds come from those dataclasses), and the way back: the ``train`` command line of given options.
"""

from __future__ import annotations

import argparse
import shlex

from embedlab.config import SEGMENT_CHOICES, SWEEP_PRESETS, CorpusOptions, Limits, SweepOptions, TrainOptions
from embedlab.errors import EmbedLabError


def csv_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from error


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", default="toy", help="toy, toy-vi, lee, wiki, vi or the path of a .txt/.gz/.zip file"
    )
    parser.add_argument("--min-count", type=int, default=CorpusOptions.min_count)
    parser.add_argument("--max-vocab", type=int, default=None, help="keep only the most frequent words")
    parser.add_argument(
        "--heldout",
        type=float,
        default=CorpusOptions.heldout_fraction,
        help="share of sentences held out (default 0.1)",
    )
    parser.add_argument(
        "--segment",
        choices=SEGMENT_CHOICES,
        default=CorpusOptions.segment,
        help="Vietnamese text: words (học_sinh, by underthesea), syllables as written, or auto (words when the "
        "text is Vietnamese and not segmented yet; the default)",
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
        help="learning rate (default: 0.025 for gensim, per pair; 10 for numpy, whose step is a mean over a batch's pairs)",
    )
    parser.add_argument("--l2", type=float, default=defaults.l2, help="L2 strength λ (numpy trainer)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=defaults.batch_size,
        help="numpy: centre positions per SGD step, each with all its context pairs (about window + 1 pairs each)",
    )
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
    return CorpusOptions(
        args.corpus,
        args.min_count,
        args.max_vocab,
        args.heldout,
        segment=getattr(args, "segment", CorpusOptions.segment),
    ).validate()


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
    if corpus_opts.segment != CorpusOptions.segment:
        args += ["--segment", corpus_opts.segment]
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


def sweep_settings(args) -> tuple[CorpusOptions, SweepOptions, TrainOptions]:
    """(corpus options, the sweep, the gensim stability runs' options) from the flags or a preset."""
    if args.preset is not None:
        preset = SWEEP_PRESETS[args.preset]
        sweep_options = preset.sweep
        return preset.corpus_options, sweep_options, sweep_options.train.replace(trainer="gensim", lr=None, sample=None)
    numpy_options = train_options(args, "numpy")
    if args.sample is None:  # the sweep's own default (no subsampling), as on the page
        numpy_options = numpy_options.replace(sample=SweepOptions().train.sample)
    sweep_options = SweepOptions(
        dims=args.dims, runs=args.seeds, train=numpy_options, share=args.share, constant_lr=args.constant_lr
    ).validate()
    return corpus_options(args), sweep_options, train_options(args, "gensim")
