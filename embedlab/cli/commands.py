"""What each subcommand of ``python -m embedlab`` does, given its parsed arguments: train, export,
import, evaluate, sweep and finetune. Each returns the exit status; a user error is raised as
:class:`~embedlab.errors.EmbedLabError` for :func:`embedlab.__main__.main` to print.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from embedlab.atomic import atomic_dir
from embedlab.cli.options import corpus_options, sweep_settings, train_options
from embedlab.cli.progress import ProgressBar, StageBar
from embedlab.config import BUILTIN_CORPORA, CorpusOptions, ImportOptions, SweepOptions
from embedlab.errors import EmbedLabError
from embedlab.experiments.biasvar import optimum, optimum_text, sweep
from embedlab.experiments.finetune import drift, drift_ranks, finetune, focus_words_for
from embedlab.experiments.stability import seed_stability, stability_by_dim
from embedlab.export import export
from embedlab.hooks import Hooks
from embedlab.importer import describe, import_run, read_paths
from embedlab.runs.analysis import default_words
from embedlab.runs.evaluate import scorer_for
from embedlab.runs.quality import coverage_text, evaluate_run, write_quality
from embedlab.store import load_run
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.corpus import load_corpus
from embedlab.text.mojibake import RepairReport
from embedlab.text.prepared import Prepared, check_feasible, prepare
from embedlab.text.segmentation import VIETNAMESE_SHARE, Segmentation
from embedlab.text.streamed import prepare_streamed, should_stream
from embedlab.train.snapshot_every import snapshot_epochs, train_every
from embedlab.train.training import run_key, train


def _load_prepared(options: CorpusOptions) -> Prepared:
    corpus = load_corpus(options.source, segment=options.segment, hooks=segmenting_hooks())
    report_repair(corpus.repair)
    report_segmentation(corpus.segmentation)
    return prepare(corpus, options)


def segmenting_hooks() -> Hooks:
    """A progress bar for word segmentation, drawn from its first report (short texts never draw one)."""
    bar: list[ProgressBar] = []

    def on_work(_done: int, share: float) -> None:
        if not bar:
            bar.append(ProgressBar(100, "segmenting into words"))
        bar[0].update(round(100 * share))

    return Hooks(on_work=on_work)


def report_segmentation(segmentation: Segmentation) -> None:
    """Say on stderr what the corpus's words are (words or syllables) and why, with examples."""
    if segmentation.applied != "words" and segmentation.vietnamese_share < VIETNAMESE_SHARE:
        return  # not Vietnamese and nothing asked: nothing to say
    text = f"note: words: {segmentation.reason}"
    if segmentation.syllables and segmentation.seconds:
        text += f" ({segmentation.syllables:,} syllables in {segmentation.seconds:.1f} s)"
    elif segmentation.syllables:
        text += f" ({segmentation.syllables:,} syllables, segmented before: read from the cache)"
    print(text, file=sys.stderr)
    if segmentation.multi_syllable_words:
        examples = ", ".join(segmentation.examples)
        print(f"  {segmentation.multi_syllable_words:,} words of several syllables, e.g. {examples}", file=sys.stderr)


def report_repair(report: RepairReport) -> None:
    """Say on stderr what was repaired in a double-encoded corpus file, with one line before and after."""
    if report.repaired:
        print(f"note: {report.summary()}", file=sys.stderr)
        print(f"  before: {report.before}\n  after:  {report.after}", file=sys.stderr)


def cmd_train(args) -> int:
    corpus_opts = corpus_options(args)
    options = train_options(args, args.trainer)  # settings are checked before any work starts
    if corpus_opts.source in BUILTIN_CORPORA or not should_stream(corpus_opts.source, args.stream):
        if args.stream:
            raise EmbedLabError(f"--stream reads a corpus file; {corpus_opts.source} is not one.")
        return _train(args, corpus_opts, options, _load_prepared(corpus_opts))
    scratch = (Path(args.out).parent if args.out else Path("runs")) / f".stream-{os.getpid()}"
    stages = StageBar()
    try:
        streamed = prepare_streamed(corpus_opts.source, corpus_opts, scratch, progress=stages)
        stages.finish()
        return _train(args, corpus_opts, options, streamed.prepared, streamed, stages)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _train(args, corpus_opts, options, prepared: Prepared, streamed=None, stages: StageBar | None = None) -> int:
    """The rest of ``train`` once the corpus is prepared (in memory, or ``streamed`` from disk)."""
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
    if prepared.heldout_note():
        print(f"note: {prepared.heldout_note()}", file=sys.stderr)
    every = args.snapshot_every
    bar = ProgressBar(options.epochs, f"{options.trainer} d={options.dim}")
    if every is not None:
        kept = snapshot_epochs(options.epochs, every)
        bar = ProgressBar(
            len(kept) - 1, f"{options.trainer} d={options.dim}, snapshots after epochs {_epochs_text(kept)}"
        )

    def on_epoch(epoch, snapshot, metrics):
        if stages is not None:
            stages.finish()
        text = f"loss {metrics['loss']:.4f} held-out {metrics['heldout_loss']:.4f}"
        bar.update(epoch, text if every is None else f"epoch {metrics['epoch']}: {text}")

    if streamed is None and every is None:
        run = train(prepared, options, out, Hooks(on_epoch=on_epoch), scorer=scorer)
    elif streamed is None:
        run = train_every(prepared, options, out, every, Hooks(on_epoch=on_epoch), scorer=scorer)
    else:
        hooks = Hooks(on_epoch=on_epoch)
        from embedlab.train.streamed import train_streamed  # loads gensim: only when it trains

        run = train_streamed(streamed, options, out, hooks, scorer=scorer, progress=stages, snapshot_every=every)
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


def _epochs_text(kept: list[int]) -> str:
    return ", ".join(map(str, kept)) if len(kept) <= 8 else f"{kept[0]}, {kept[1]}, {kept[2]}, …, {kept[-1]}"


def cmd_export(args) -> int:
    run = load_run(args.run_dir)
    epoch = run.epochs if args.epoch is None else run.row_of(args.epoch)  # --epoch names an epoch, not a row
    outputs = not args.no_outputs
    for path in export(
        run,
        epoch,
        args.format,
        args.out,
        max_words=args.max_words,
        url_prefix=args.url_prefix,
        outputs=outputs,
        force=args.force,
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
        return Hooks(on_work=lambda done, _share: bar.update(done))

    with atomic_dir(out) as scratch:
        table = sweep(prepared, sweep_options, bar_hooks(ProgressBar(n_runs, "bias-variance (numpy)")))
        table.to_csv(scratch / "bias_variance.csv", index=False)
        shown = [
            "dim",
            "bias2_model",
            "bias2_sampling",
            "variance_unbiased",
            "noise_unbiased",
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
    # the second corpus is cut into words as the parent's was (its vocabulary is the parent's)
    segment = parent.config.get("corpus_options", {}).get("segment", "syllables")
    corpus = load_corpus(args.corpus, segment=segment, hooks=segmenting_hooks())
    report_repair(corpus.repair)
    report_segmentation(corpus.segmentation)
    corpus_a = _parent_corpus(parent)
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
        focus_words=focus_words_for(corpus),
        min_count=args.min_count,
        hooks=hooks,
        scorer_for=scorer_for,
    )
    columns = ["epoch", "domain", "loss", "heldout_loss", "heldout_loss_a", "grad_norm", "lr"]
    print(
        run.metrics[[c for c in columns if c in run.metrics]].to_string(index=False, float_format=lambda x: f"{x:.4g}")
    )
    print_drift(run)
    if corpus_a is None:
        print("note: the parent's corpus was not found, so heldout_loss_a (forgetting) is empty.", file=sys.stderr)
    print(f"run written to {run.path} (epochs {parent.epochs + 1}–{run.epochs} on {corpus.name})")
    return 0


def print_drift(run, top: int = 10) -> None:
    """The words that drifted most since the switch and the planted words' ranks among them."""
    focus = list(run.config.get("focus_words") or [])
    movers, planted = drift_ranks(run, focus, top)
    rotation = drift(run).query("epoch == @run.epochs")["rotation"].iloc[0]
    V_a = run.config["parent"]["vocab_size"]
    print(
        f"\ndrift since the switch, 1 − cos after Procrustes onto epoch {run.config['switch_epoch']} "
        f"(‖R − I‖_F = {rotation:.3f}; drift_raw: without it), top {len(movers)} of {V_a} words:"
    )
    print(movers.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if focus:
        print(f"the planted words' ranks among the {V_a} words (1 = moved most):")
        print(planted.to_string(index=False, float_format=lambda x: f"{x:.4f}"))


def _parent_corpus(parent):
    """The parent's corpus if it can be read here and is the same file (by sha256), else None."""
    source = parent.config.get("corpus_options", {}).get("source") or parent.config["corpus"]["name"]
    segment = parent.config.get("corpus_options", {}).get("segment", "syllables")
    try:
        corpus = load_corpus(source, segment=segment)
    except EmbedLabError:
        return None
    return corpus if corpus.sha256 == parent.config["corpus"]["sha256"] else None
