"""The command line: ``python -m embedlab {train,export,…}``.

A user error exits with status 2 and one line ``error: …`` on stderr; never a traceback.
This module declares the subcommands and their flags; what each does is in
:mod:`embedlab.cli.commands`, and the flags' conversion to settings in :mod:`embedlab.cli.options`
(``corpus_options``, ``train_options`` and ``train_command`` are imported here too, for the
callers that know them by this module).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from embedlab.cli.commands import cmd_evaluate, cmd_export, cmd_finetune, cmd_import, cmd_sweep, cmd_train
from embedlab.cli.options import (
    add_corpus_arguments,
    add_train_arguments,
    corpus_options,
    csv_ints,
    train_command,
    train_options,
)
from embedlab.config import SWEEP_PRESETS, SweepOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.experiments.finetune import EPOCHS as FINETUNE_EPOCHS
from embedlab.export import FORMATS

__all__ = ["build_parser", "corpus_options", "main", "train_command", "train_options"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is the one ``error:`` line the contract promises."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `python -m {self.prog} --help`)\n")


def _command(sub, name: str, func, help: str, description: str | None = None) -> argparse.ArgumentParser:
    """The parser of one subcommand, which runs ``func(args)``."""
    parser = sub.add_parser(name, help=help, description=description)
    parser.set_defaults(func=func)
    return parser


def _epochs_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of epochs, at least 1; got {text!r}")
    return value


def _add_train(sub) -> None:
    p = _command(sub, "train", cmd_train, help="train one run and write its run directory")
    add_corpus_arguments(p)
    add_train_arguments(p)
    p.add_argument("--out", default=None, help="run directory to create (default runs/<trainer>-<key>)")
    p.add_argument(
        "--snapshot-every",
        type=_epochs_count,
        default=None,
        metavar="K",
        help="keep the snapshots after epochs 0, K, 2K, … and the last only (each measured; the disk a run takes "
        "shrinks about K times); default: every epoch",
    )
    p.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read the corpus file in passes from disk instead of whole (memory set by the vocabulary, not the "
        "text; gensim reads it as corpus_file); default: on for files over 32 MB",
    )


def _add_finetune(sub) -> None:
    p = _command(
        sub,
        "finetune",
        cmd_finetune,
        help="continue a run on a second corpus (SEED §8) and record the switch",
        description="Continues RUN_DIR's last snapshot on --corpus for --epochs epochs with the same trainer and "
        "settings and writes a longer run (epochs 0..E from the parent, E+1.. on the new corpus).",
    )
    p.add_argument("run_dir")
    p.add_argument("--corpus", required=True, help="toy-shift, toy, lee, wiki or the path of a .txt/.gz/.zip file")
    p.add_argument("--epochs", type=int, default=FINETUNE_EPOCHS)
    p.add_argument("--lr", type=float, default=None, help="default: a quarter of the parent's starting rate")
    p.add_argument("--min-count", type=int, default=None, help="for the new corpus's words (default: the parent's)")
    p.add_argument("--out", default=None, help="run directory to create (default: RUN_DIR-<corpus>)")


def _add_export(sub) -> None:
    p = _command(
        sub,
        "export",
        cmd_export,
        help="export one epoch of a run, or every epoch for the Projector",
        description="word2vec: one epoch as word2vec text; projector: one epoch as vectors.tsv + metadata.tsv; "
        "projector-all: every epoch as epoch_NN.tsv, metadata.tsv and projector_config.json in a new folder, "
        "for projector.tensorflow.org (open it with ?config=URL of projector_config.json); bundle: the whole run "
        "directory as one .zip, which opens again with `import` or on the Corpus page (Open embeddings).",
    )
    p.add_argument("run_dir")
    p.add_argument("--epoch", type=int, default=None, help="default: the last (projector-all writes them all)")
    p.add_argument("--format", choices=FORMATS, default="word2vec")
    p.add_argument(
        "--out",
        required=True,
        help="word2vec: a file; projector: a folder; projector-all: a new folder; bundle: a .zip",
    )
    p.add_argument("--max-words", type=int, default=None, help="projector-all, bundle: the N most frequent words only")
    p.add_argument(
        "--url-prefix",
        default="",
        help="projector-all: the URL the folder will be served from, written before every file name in "
        "projector_config.json (the Projector fetches them from there)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing file at --out (word2vec, bundle) or vectors.tsv and metadata.tsv (projector)",
    )
    p.add_argument(
        "--no-outputs",
        action="store_true",
        help="bundle: leave out the output vectors, which no page shows (half the size)",
    )


def _add_import(sub) -> None:
    p = _command(
        sub,
        "import",
        cmd_import,
        help="open embeddings trained elsewhere as a run directory",
        description="PATH: an EmbedLab run bundle .zip (or run directory); word2vec checkpoints, text or binary "
        "(several files or one .zip), taken in natural name order as epochs 1..n (a first file numbered 0 is "
        "epoch 0); or a .npy stack (epochs+1, V, d) with its vocabulary file. Pickles (gensim .model) are refused.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--out", required=True, help="run directory to create")
    p.add_argument(
        "--align",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="rotate every snapshot onto the last (orthogonal Procrustes); default: on for checkpoints, off for bundles",
    )
    p.add_argument(
        "--first-epoch",
        type=int,
        choices=(0, 1),
        default=None,
        help="0: the first file holds the initial vectors; 1: the files are epochs 1..n (default: by file name)",
    )
    p.add_argument("--max-words", type=int, default=None, help="read only the first N words of each checkpoint")


def _add_evaluate(sub) -> None:
    p = _command(sub, "evaluate", cmd_evaluate, help="WordSim-353, SimLex-999 and analogy scores per epoch of a run")
    p.add_argument("run_dir")
    p.add_argument("--write", action="store_true", help="add the scores to the run's metrics.csv (atomically)")
    p.add_argument("--recompute", action="store_true", help="recompute even if metrics.csv has the scores")


def _add_sweep(sub) -> None:
    p = _command(
        sub,
        "sweep",
        cmd_sweep,
        help="bias² / variance / noise over d, and stability across seeds",
        description="Writes OUT/bias_variance.csv (NumPy softmax, one row per d), OUT/stability_by_dim.csv "
        "(gensim, seed-to-seed stability per d) and OUT/stability.csv (both trainers at --dim, per epoch).",
    )
    add_corpus_arguments(p)
    add_train_arguments(p, with_trainer=False)
    p.add_argument(
        "--dims",
        type=csv_ints,
        default=SweepOptions().dims,
        help="dimensions to compare, e.g. 1,2,4,8,16 (default 1,2,4,8,16,32,64)",
    )
    p.add_argument("--seeds", type=int, default=SweepOptions().runs, help="runs per setting (seeds; at least 2)")
    p.add_argument(
        "--share", type=float, default=SweepOptions().share, help="share of training sentences per run's resample"
    )
    p.add_argument("--constant-lr", action="store_true", help="every d at a constant learning rate (no early stop)")
    p.add_argument(
        "--preset",
        choices=sorted(SWEEP_PRESETS),
        default=None,
        help="a named setting with its corpus (overrides the other flags); see docs/command-line.md",
    )
    p.add_argument("--out", required=True, help="folder to create for the CSV files")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="embedlab", description="Watch word embeddings form during training.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add_subcommand in (_add_train, _add_finetune, _add_export, _add_import, _add_evaluate, _add_sweep):
        add_subcommand(sub)
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
