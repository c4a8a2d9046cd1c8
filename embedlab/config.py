"""Settings dataclasses: defaults, bounds and validation in one place.

The command line and the pages both build these objects and call ``validate()``; neither
keeps its own copy of the bounds. Resource caps for a shared server live in
:class:`Limits`; ``Limits.from_env()`` lifts them locally when ``EMBEDLAB_UNLIMITED=1``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from embedlab import roles
from embedlab.errors import EmbedLabError, check_float, check_int
from embedlab.i18n import N_, _

# toy-shift, toy-vi-shift: the second toy domains (fine-tuning); toy-vi, vi: Vietnamese, segmented into words
BUILTIN_CORPORA = ("toy", "toy-shift", "toy-vi", "toy-vi-shift", "lee", "wiki", "vi")
TRAINERS = ("gensim", "numpy")
SEGMENT_CHOICES = ("auto", "words", "syllables")  # Vietnamese word segmentation (embedlab/text/segmentation.py)


class Seeds:
    """Every fixed seed in one place: samples that must not change with the training seed."""

    METRICS = 20240601  # pairs/positions sampled for an estimated metric
    ANALOGIES = 20240605  # the analogy questions scored at every epoch
    HELDOUT_PAIRS = 20240607  # the bias–variance sweep's held-out pairs
    TRAIN_SAMPLE = 20240608  # the sweep's sample of each run's training pairs


def cache_root() -> Path:
    """Where EmbedLab keeps its caches: ``$EMBEDLAB_CACHE_DIR`` or ``~/.cache/embedlab``."""
    return Path(os.environ.get("EMBEDLAB_CACHE_DIR") or Path.home() / ".cache" / "embedlab").expanduser()


# Bytes of plain English text per token (our tokenizer): gensim's lee_background.cor (news)
# 360,082 bytes / 58,997 tokens = 6.10; the Wikipedia sample as text 6.25. It ties the upload
# cap to the token cap, so that a plain-text file under one is, in English, under the other.
ENGLISH_BYTES_PER_TOKEN = 6.1


def available_cores() -> int:
    """CPU cores this process may run on (the container's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_training_slots(cores: int | None = None) -> int:
    """Trainings the server runs at once: ``$EMBEDLAB_TRAINING_SLOTS`` if set, else one per two
    cores (at least one).

    The NumPy trainer's matrix products use every core through BLAS threads, and the pages of
    the other visitors need a core to stay responsive: on 2 cores (Streamlit Community Cloud)
    one training runs and the others wait their turn.

    >>> default_training_slots(1), default_training_slots(2), default_training_slots(8)
    (1, 1, 4)
    """
    if cores is None and os.environ.get("EMBEDLAB_TRAINING_SLOTS", "").strip():
        try:
            return max(1, int(os.environ["EMBEDLAB_TRAINING_SLOTS"]))
        except ValueError:
            raise EmbedLabError(_("EMBEDLAB_TRAINING_SLOTS must be a whole number, e.g. 2.")) from None
    return max(1, (available_cores() if cores is None else cores) // 2)


@dataclass(frozen=True)
class Limits:
    """Caps that keep one visitor from exhausting a shared server.

    Defaults fit Streamlit Community Cloud (~2.7 GB and 2 cores shared by every visitor). Set
    the environment variable ``EMBEDLAB_UNLIMITED=1`` to lift them on your own machine.
    """

    max_upload_mb: int = 30  # ≈ max_tokens × ENGLISH_BYTES_PER_TOKEN (29 MiB): the two caps agree
    max_uncompressed_mb: int = 100  # bound on decompressing .gz/.zip (zip bombs); ~3× what max_tokens needs
    max_tokens: int = 5_000_000
    max_softmax_vocab: int = 20_000  # the full softmax costs O(V·d) per pair
    max_dim: int = 300
    max_epochs: int = 100
    max_sweep_runs: int = 64  # len(dims) × seeds
    max_map_words: int = 2000  # points on an embedding map (each carries its neighbours to the browser)
    max_projector_values: int = 10_000_000  # numbers in a Projector download built in memory (~100 MB of text)
    max_import_files: int = 101  # checkpoints (snapshots) opened at once: epochs 0..100
    max_import_values: int = 25_000_000  # snapshots × words × dims opened (100 MB of float32)
    max_job_seconds: int = 15 * 60  # one training job, by its estimate from this server's measured speed
    max_trainings: int = field(default_factory=default_training_slots)  # trainings at once; the rest queue

    @classmethod
    def from_env(cls) -> Limits:
        if os.environ.get("EMBEDLAB_UNLIMITED", "") in ("1", "true", "yes"):
            return cls(**{f.name: 10**12 for f in dataclasses.fields(cls)})
        return cls()

    @property
    def lifted(self) -> bool:
        """Are the caps lifted (``EMBEDLAB_UNLIMITED=1``, one's own machine)? Only then is a file
        named inside a run's config.json read: on a shared server a crafted bundle could name any path."""
        return self.max_upload_mb >= 10**12

    def english_mb(self) -> float:
        """How many MB of plain English text ``max_tokens`` words are (about)."""
        return self.max_tokens * ENGLISH_BYTES_PER_TOKEN / 1e6


@dataclass(frozen=True)
class CorpusOptions:
    """Which corpus, and how it becomes a vocabulary and a held-out split."""

    source: str = "toy"  # a built-in name (BUILTIN_CORPORA) | a path to a .txt/.gz/.zip file
    min_count: int = 5
    max_vocab: int | None = None  # keep only the most frequent words
    heldout_fraction: float = 0.1  # share of sentences neither trainer sees
    split_seed: int = 0  # fixed, so every training seed sees the same split
    segment: str = "auto"  # words | syllables as written | auto: words for Vietnamese not yet segmented

    def validate(self) -> CorpusOptions:
        if not isinstance(self.source, str) or not self.source.strip():
            raise EmbedLabError(
                _("corpus must be one of {names} or the path of a text file.").format(names=", ".join(BUILTIN_CORPORA))
            )
        check_int("min_count", self.min_count, 1)
        if self.max_vocab is not None:
            check_int("max_vocab", self.max_vocab, 2)
        check_float("heldout_fraction", self.heldout_fraction, 0.0, 0.5)
        check_int("split_seed", self.split_seed, 0)
        if self.segment not in SEGMENT_CHOICES:
            raise EmbedLabError(
                _("segment must be one of {names}; got {value}.").format(
                    names=", ".join(SEGMENT_CHOICES), value=repr(self.segment)
                )
            )
        return self


@dataclass(frozen=True)
class TrainOptions:
    """Every setting of one training run, for either trainer.

    ``lr=None`` means the trainer's own default (gensim's alpha 0.025 per pair; 10 for the
    NumPy trainer, whose step is a mean over a batch's pairs). The learning rate decays
    linearly to ``lr * min_lr_fraction`` over the run, as gensim's alpha does.
    ``sample=None`` means the trainer's own default: no subsampling for the NumPy trainer
    (the objective of SEED §2 exactly), gensim's 1e-3 for gensim.
    ``batch_size`` counts centre positions (each with all its contexts) for the NumPy trainer.
    """

    trainer: str = "numpy"
    dim: int = 50
    epochs: int = 10
    window: int = 5
    seed: int = 1
    lr: float | None = None
    min_lr_fraction: float = 0.004  # gensim's defaults: min_alpha 0.0001 / alpha 0.025
    sample: float | None = None  # subsampling threshold of frequent words; 0 = off
    # gensim only
    sg: int = 1  # 1 = skip-gram, 0 = CBOW
    hs: int = 0  # 1 = hierarchical softmax
    negative: int = 5  # negative samples (0 with hs=1)
    workers: int = 1  # 1 = exactly reproducible
    # NumPy trainer only
    batch_size: int = 256  # centre positions per SGD step (≈ 5 pairs each at window 5)
    l2: float = 0.0  # λ in L + λ(‖W_in‖² + ‖W_out‖²)

    def resolved_lr(self) -> float:
        if self.lr is not None:
            return float(self.lr)
        return 0.025 if self.trainer == "gensim" else 10.0

    def resolved_sample(self) -> float:
        if self.sample is not None:
            return float(self.sample)
        return 1e-3 if self.trainer == "gensim" else 0.0

    def __post_init__(self) -> None:
        """Options that break a rule are never made (EmbedLabError): every later step may trust
        them. The caps of a shared server are :meth:`validate`'s, checked where options are made
        from a visitor's input."""
        if self.trainer not in TRAINERS:
            raise EmbedLabError(
                _("trainer must be one of {names}; got {value}.").format(
                    names=", ".join(TRAINERS), value=repr(self.trainer)
                )
            )
        check_int("dim", self.dim, 1)
        check_int("epochs", self.epochs, 1)
        check_int("window", self.window, 1, 50)
        check_int("seed", self.seed, 0, 2**32 - 1)
        if self.lr is not None:
            check_float("lr", self.lr, 0.0, 1000.0, open_low=True)
        check_float("min_lr_fraction", self.min_lr_fraction, 0.0, 1.0)
        if self.sample is not None:
            check_float("sample", self.sample, 0.0, 1.0)
        if self.sg not in (0, 1):
            raise EmbedLabError(_("sg must be 1 (skip-gram) or 0 (CBOW); got {value}.").format(value=repr(self.sg)))
        if self.hs not in (0, 1):
            raise EmbedLabError(_("hs must be 0 or 1; got {value}.").format(value=repr(self.hs)))
        check_int("negative", self.negative, 0, 50)
        if self.trainer == "gensim" and self.hs == 0 and self.negative == 0:
            raise EmbedLabError(_("gensim needs negative sampling (negative > 0) or hierarchical softmax (hs=1)."))
        if self.trainer == "gensim" and self.hs == 1 and self.negative > 0:
            raise EmbedLabError(_("choose one objective for gensim: hs=1 with negative=0, or hs=0 with negative > 0."))
        check_int("workers", self.workers, 1, 64)
        check_int("batch_size", self.batch_size, 1, 65_536)
        check_float("l2", self.l2, 0.0, 10.0)

    def validate(self, limits: Limits | None = None) -> TrainOptions:
        """These options within a shared server's caps (``limits``, default from the
        environment); the rules that hold everywhere were checked when they were made."""
        limits = limits or Limits.from_env()
        check_int("dim", self.dim, 1, limits.max_dim, cap=True)
        check_int("epochs", self.epochs, 1, limits.max_epochs, cap=True)
        return self

    def replace(self, **changes) -> TrainOptions:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, recorded: dict) -> TrainOptions:
        """The options a run's config.json records; keys of older versions that no setting
        reads any more (``metric_pairs``: metrics are exact or estimated, see metrics.py) are
        ignored, so old runs still open."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in recorded.items() if k in names})

    def as_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["lr"] = self.resolved_lr()
        out["sample"] = self.resolved_sample()
        return out


@dataclass(frozen=True)
class DashboardSettings:
    """The runs the dashboard trains together: one vocabulary, both trainers on the same
    initial vectors, and optionally an L2 comparison of the NumPy trainer.

    The L2 comparison is two extra NumPy runs, λ = 0 and λ = ``l2_compare``, at a constant
    learning rate and ``L2_EPOCHS`` epochs: with a decaying rate every norm flattens because
    the steps shrink, which would hide what L2 does.
    """

    min_count: int = 5
    numpy: TrainOptions = TrainOptions(trainer="numpy", epochs=20)
    gensim: TrainOptions = TrainOptions(trainer="gensim", epochs=20)
    l2_compare: float | None = None
    L2_EPOCHS = 40

    def runs(self) -> list[tuple[str, TrainOptions]]:
        """(role, options) of every run these settings ask for."""
        out = [(roles.NUMPY, self.numpy), (roles.GENSIM, self.gensim)]
        if self.l2_compare is not None:
            constant = self.numpy.replace(epochs=self.L2_EPOCHS, min_lr_fraction=1.0)
            out += [(roles.L2_OFF, constant.replace(l2=0.0)), (roles.L2_ON, constant.replace(l2=self.l2_compare))]
        return out

    def validate(self, limits: Limits | None = None) -> DashboardSettings:
        limits = limits or Limits.from_env()
        CorpusOptions(min_count=self.min_count).validate()
        for _role, options in self.runs():
            options.validate(limits)
        return self


@dataclass(frozen=True)
class MapOptions:
    """The embedding map: how many of the most frequent words it fits and shows, in which geometry."""

    words: int = 500
    unit: bool = True  # scale every vector to unit length first (the directions cosine sees)

    def validate(self, limits: Limits | None = None) -> MapOptions:
        limits = limits or Limits.from_env()
        check_int("words on the map", self.words, 2, limits.max_map_words, cap=True)
        return self


@dataclass(frozen=True)
class SweepOptions:
    """The bias–variance sweep over d (NumPy trainer) and the stability runs: one set of
    defaults for the command line and the page.

    ``share``: each run trains on a bootstrap resample of this share of the training
    sentences (less data per run, more variance between runs). ``train.sample`` is 0: with
    subsampling the model is trained on another pair distribution than the held-out one is
    scored on, which adds a bias no d removes. ``constant_lr`` trains every d at the same
    constant rate for the same number of steps, removing the decaying schedule's early stop.
    """

    dims: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    runs: int = 3  # seeds × bootstrap resamples per d
    train: TrainOptions = field(default_factory=lambda: TrainOptions(trainer="numpy", epochs=10, sample=0.0))
    share: float = 0.25
    constant_lr: bool = False

    def trained(self) -> TrainOptions:
        """The training options of every run (the seed and d are set per run)."""
        options = self.train.replace(trainer="numpy")
        return options.replace(min_lr_fraction=1.0) if self.constant_lr else options

    def validate(self, limits: Limits | None = None) -> SweepOptions:
        limits = limits or Limits.from_env()
        if not self.dims:
            raise EmbedLabError(_("give at least one dimension, e.g. --dims 2,4,8."))
        for d in self.dims:
            check_int("each dimension", d, 1, limits.max_dim, cap=True)
        check_int("runs", self.runs, 2, 1000)
        check_float("share", self.share, 0.0, 1.0, open_low=True)
        if len(self.dims) * self.runs > limits.max_sweep_runs:
            raise EmbedLabError(
                _(
                    "a sweep of {dims} dimensions × {runs} runs is more than the {most} runs allowed here; use fewer "
                    "dimensions or seeds (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
                ).format(dims=len(self.dims), runs=self.runs, most=limits.max_sweep_runs)
            )
        self.train.validate(limits)
        return self


@dataclass(frozen=True)
class SweepPreset:
    """A named sweep with its corpus: what ``sweep --preset`` and the page's button run."""

    corpus: str
    corpus_options: CorpusOptions
    sweep: SweepOptions
    why: str


# Found by benchmarks/tradeoff_search.py (docs/command-line.md has its table): the first setting of its grid
# whose held-out total has an interior minimum beating both ends of the range by > 2 SE (it also passes t(2) = 4.30).
SWEEP_PRESETS: dict[str, SweepPreset] = {
    "tradeoff": SweepPreset(
        corpus="lee",
        corpus_options=CorpusOptions(source="lee", min_count=5, heldout_fraction=0.5),
        sweep=SweepOptions(
            dims=(1, 2, 4, 8, 16, 32, 64, 128),
            runs=3,
            train=TrainOptions(trainer="numpy", epochs=20, sample=0.0, lr=10.0),
            share=1.0,
            constant_lr=True,
        ),
        why=N_(
            "the Lee news corpus with half its sentences held out, 20 epochs at a constant learning rate. Measured: "
            "small d under-fits (bias² falls from d = 1 to d = 16, flat after), large d over-fits (the variance "
            "between runs rises to d = 64, and the held-out loss is lowest at d = 8 and higher at every larger d while "
            "the training loss falls to d = 64), and d = 8's held-out total beats both ends by more than t = 4.30 standard errors "
            "(Student's t, 95%, on R − 1 = 2 degrees of freedom); at R = 3 it does not beat its neighbour d = 16. About 2 "
            "minutes on two idle cores (114 s measured), longer while the server is busy."
        ),
    )
}


@dataclass(frozen=True)
class ImportOptions:
    """How embeddings trained elsewhere are opened (:mod:`embedlab.importer`).

    ``align``: rotate every snapshot onto the last with orthogonal Procrustes; None = on for
    checkpoints (separate files are separate trainings or runs), off for EmbedLab bundles.
    ``first_epoch``: 0 = the first checkpoint is epoch 0 (the initial vectors), 1 = the
    checkpoints are epochs 1..n, None = decide by name (a first file numbered 0 is epoch 0).
    ``max_words``: read only the first N words of each checkpoint (gensim's ``limit``; word2vec
    files are usually sorted by frequency); None = all.
    """

    align: bool | None = None
    first_epoch: int | None = None
    max_words: int | None = None

    def validate(self) -> ImportOptions:
        if self.align not in (None, True, False):
            raise EmbedLabError(_("align must be on, off or automatic; got {value}.").format(value=repr(self.align)))
        if self.first_epoch not in (None, 0, 1):
            raise EmbedLabError(
                _("the first epoch must be 0 or 1 (or decided by file name); got {value}.").format(
                    value=repr(self.first_epoch)
                )
            )
        if self.max_words is not None:
            check_int("max_words", self.max_words, 2)
        return self
