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
from embedlab.atomic import atomic_dir
from embedlab.biasvar import optimum, optimum_text, sweep
from embedlab.config import SWEEP_PRESETS, CorpusOptions, ImportOptions, Limits, SweepOptions, TrainOptions
from embedlab.corpus import load_corpus, planted_groups, shifted_words
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.evaluate import coverage_text, evaluate_run, scorer_for, write_quality
from embedlab.export import FORMATS, export
from embedlab.finetune import finetune
from embedlab.hooks import Hooks
from embedlab.importer import describe, import_run, read_paths
from embedlab.prepared import Prepared, check_feasible, prepare
from embedlab.stability import seed_stability, stability_by_dim
from embedlab.store import load_run
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

    def clear(self) -> None:
        """Erase the live bar, so an error that follows is the only line left on a terminal."""
        if self.tty:
            self.stream.write("\r\033[K")
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
    outputs = not args.no_outputs
    for path in export(
        run, epoch, args.format, args.out, max_words=args.max_words, url_prefix=args.url_prefix, outputs=outputs
    ):
        print(f"wrote {path}")
    return 0


def cmd_import(args) -> int:
    """Open a run bundle, word2vec checkpoints or a .npy stack as the run directory --out."""
    options = ImportOptions(align=args.align, first_epoch=args.first_epoch, max_words=args.max_words).validate()
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EmbedLabError(f"{out} already exists; choose another --out or remove it first.")
    files = read_paths(args.paths)
    # A live bar on a terminal only: most errors come while reading, and must stay one line.
    bar = ProgressBar(100, "import") if sys.stderr.isatty() else None
    shown = []

    def progress(fraction: float, text: str) -> None:
        step = int(100 * fraction)
        if bar is not None and (not shown or step > shown[-1]):
            shown.append(step)
            bar.update(step, text)

    try:
        run = import_run(files, out, options, progress=progress)
    except EmbedLabError:
        if bar is not None:
            bar.clear()
        raise
    for line in describe(run):
        print(line)
    print(f"run written to {run.path}")
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
    corpus_opts, sweep_options, gensim_options = sweep_settings(args)
    numpy_options = sweep_options.trained()
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
        shown = [
            "dim",
            "bias2_corrected",
            "variance_unbiased",
            "noise",
            "total",
            "total_se_runs",
            "train_loss",
            "heldout_loss",
        ]
        print(table[shown].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        print(optimum_text(optimum(table), sweep_options.runs))
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


def cmd_finetune(args) -> int:
    """Continue a run on a second corpus: the run directory gets longer, the switch is recorded."""
    parent = load_run(args.run_dir, verify=True)
    corpus = load_corpus(args.corpus)
    corpus_a = _parent_corpus(parent)
    focus = shifted_words() if corpus.name == "toy-shift" else None
    out = Path(args.out) if args.out else Path(args.run_dir).with_name(f"{Path(args.run_dir).name}-{corpus.name}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EmbedLabError(f"{out} already exists; choose another --out or remove it first.")
    bar = ProgressBar(args.epochs, f"fine-tune {parent.trainer} on {corpus.name}")
    hooks = Hooks(on_epoch=lambda epoch, _s, row: bar.update(epoch - parent.epochs, f"loss {row['loss']:.4f}"))
    run = finetune(
        parent,
        corpus,
        out,
        epochs=args.epochs,
        lr=args.lr,
        corpus_a=corpus_a,
        focus_words=focus,
        min_count=args.min_count,
        hooks=hooks,
        scorer_for=scorer_for,
    )
    columns = ["epoch", "domain", "loss", "heldout_loss", "heldout_loss_a", "grad_norm", "lr"]
    print(
        run.metrics[[c for c in columns if c in run.metrics]].to_string(index=False, float_format=lambda x: f"{x:.4g}")
    )
    if corpus_a is None:
        print("note: the parent's corpus was not found, so heldout_loss_a (forgetting) is empty.", file=sys.stderr)
    print(f"run written to {run.path} (epochs {parent.epochs + 1}–{run.epochs} on {corpus.name})")
    return 0


def _parent_corpus(parent):
    """The parent's corpus if it can be read here and is the same file (by sha256), else None."""
    source = parent.config.get("corpus_options", {}).get("source") or parent.config["corpus"]["name"]
    try:
        corpus = load_corpus(source)
    except EmbedLabError:
        return None
    return corpus if corpus.sha256 == parent.config["corpus"]["sha256"] else None


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="embedlab", description="Watch word embeddings form during training.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("train", help="train one run and write its run directory")
    add_corpus_arguments(p)
    add_train_arguments(p)
    p.add_argument("--out", default=None, help="run directory to create (default runs/<trainer>-<key>)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "finetune",
        help="continue a run on a second corpus (SEED §8) and record the switch",
        description="Continues RUN_DIR's last snapshot on --corpus for --epochs epochs with the same trainer and "
        "settings and writes a longer run (epochs 0..E from the parent, E+1.. on the new corpus).",
    )
    p.add_argument("run_dir")
    p.add_argument("--corpus", required=True, help="toy-shift, toy, lee, wiki or the path of a .txt/.gz/.zip file")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=None, help="default: a quarter of the parent's starting rate")
    p.add_argument("--min-count", type=int, default=None, help="for the new corpus's words (default: the parent's)")
    p.add_argument("--out", default=None, help="run directory to create (default: RUN_DIR-<corpus>)")
    p.set_defaults(func=cmd_finetune)

    p = sub.add_parser(
        "export",
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
        "--no-outputs",
        action="store_true",
        help="bundle: leave out the output vectors, which no page shows (half the size)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import",
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
    p.set_defaults(func=cmd_import)

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
    p.add_argument(
        "--share", type=float, default=SweepOptions().share, help="share of training sentences per run's resample"
    )
    p.add_argument("--constant-lr", action="store_true", help="every d at a constant learning rate (no early stop)")
    p.add_argument(
        "--preset",
        choices=sorted(SWEEP_PRESETS),
        default=None,
        help="a named setting with its corpus (overrides the other flags); see the README",
    )
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
