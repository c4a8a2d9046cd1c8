"""The run directory (PRODUCT.md's contract), written atomically, and loaded memory-mapped.

    config.json          every setting, trainer, corpus name and sha256, embedlab version
    vocab.tsv            header word<TAB>count; row i is row i of the arrays
    input_vectors.npy    float32 (epochs+1, V, d); [0] is before any training
    output_vectors.npy   float32, same shape
    metrics.csv          one row per epoch 0..epochs
    manifest.json        size and sha256 of each file above, to detect damage

Snapshots go straight into ``.npy`` files in a temporary directory beside the target, each
epoch written at its offset with a plain file write, so memory never holds every epoch at once
(nor do written epochs stay mapped into the process, as they would through a memmap: 73 MB of
its resident memory on wiki at d = 100 and 10 epochs); the directory is renamed into place only
when complete. A killed run leaves only a ``.tmp-*`` directory,
which is never read and is removed by the next writer once its process is gone.

This module is the one place that knows what the manifest holds (:func:`write_manifest`); how a
file or a directory is written atomically is :mod:`embedlab.atomic`'s.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.atomic import atomic_write, check_target, new_temporary, publish, sha256_file
from embedlab.errors import EmbedLabError, TrainingDiverged
from embedlab.text.vocab import Vocabulary

FILES = ("config.json", "vocab.tsv", "input_vectors.npy", "output_vectors.npy", "metrics.csv")
REQUIRED = ("config.json", "vocab.tsv", "input_vectors.npy")
OPTIONAL = ("output_vectors.npy", "metrics.csv")  # an imported run may lack them; config["lacks"] says so
EXTRA = ("split.json",)  # the held-out sentences, so every metric can be recomputed
METRIC_COLUMNS = (
    "epoch",
    "loss",
    "heldout_loss",
    "grad_norm",
    "lr",
    "mean_norm",
    "displacement",
    "seconds",
    "words_per_second",
)


@dataclass(frozen=True)
class Run:
    """A finished run: arrays are read-only memory maps of the run directory.

    ``output_vectors`` is None and ``metrics`` holds only ``epoch`` for an imported run that
    came without them (``config["lacks"]`` names the missing files).
    """

    path: Path
    config: dict
    vocab: Vocabulary
    input_vectors: np.ndarray  # (epochs+1, V, d) float32
    output_vectors: np.ndarray | None  # (epochs+1, V, d) float32
    metrics: pd.DataFrame

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def trainer(self) -> str:
        return self.config.get("trainer", "imported")

    @property
    def corpus_name(self) -> str:
        """The name of the corpus the run was trained on ("" when the config does not say)."""
        return self.config.get("corpus", {}).get("name", "")

    @property
    def epochs(self) -> int:
        """The last row of the arrays (the last epoch, unless snapshots were kept every k-th epoch)."""
        return self.input_vectors.shape[0] - 1

    @property
    def snapshot_epochs(self) -> list[int]:
        """The epoch after which each row's snapshot was taken: 0..epochs, or ``config.json``'s
        ``snapshot_epochs`` for a run that kept every k-th (``train --snapshot-every``)."""
        return list(self.config.get("snapshot_epochs") or range(self.epochs + 1))

    def row_of(self, epoch: int) -> int:
        """The row of the arrays that holds the snapshot after ``epoch``; EmbedLabError when the run
        did not keep it."""
        kept = self.snapshot_epochs
        if epoch not in kept:
            shown = ", ".join(map(str, kept)) if len(kept) <= 12 else f"{kept[0]}, {kept[1]}, …, {kept[-1]}"
            raise EmbedLabError(f"this run has no snapshot after epoch {epoch}; it kept epochs {shown}.")
        return kept.index(epoch)

    @property
    def dim(self) -> int:
        return self.input_vectors.shape[2]

    @property
    def has_outputs(self) -> bool:
        return self.output_vectors is not None

    @property
    def has_loss(self) -> bool:
        """True when metrics.csv carries the training curves (an imported run may not)."""
        return "loss" in self.metrics.columns and self.metrics["loss"].notna().any()

    @property
    def diverged(self) -> bool:
        return bool(self.config.get("diverged", False))

    @property
    def stopped_early(self) -> bool:
        """A run cancelled after some epochs is kept as a shorter run and says so."""
        return bool(self.config.get("stopped_at_epoch") is not None)


# ---------------------------------------------------------------- the manifest


def write_manifest(directory: Path, names: tuple[str, ...] | None = None) -> None:
    """manifest.json: size and sha256 of each run file present in ``directory``."""
    names = names or tuple(name for name in (*FILES, *EXTRA) if (directory / name).is_file())
    manifest = {
        name: {"bytes": (directory / name).stat().st_size, "sha256": sha256_file(directory / name)} for name in names
    }
    atomic_write(directory / "manifest.json", json.dumps(manifest, indent=2))


def update_manifest(directory: Path, name: str) -> None:
    """Refresh one file's entry after it was replaced (e.g. metrics.csv gained columns)."""
    path = directory / "manifest.json"
    if not path.is_file():
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[name] = {"bytes": (directory / name).stat().st_size, "sha256": sha256_file(directory / name)}
    atomic_write(path, json.dumps(manifest, indent=2))


def verify_manifest(path: Path) -> None:
    """Raise EmbedLabError when a file listed in manifest.json differs in size or sha256."""
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise EmbedLabError(f"{path} has no manifest.json; train it again.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise EmbedLabError(f"{manifest_path} is damaged; train the run again.") from error
    for name in (*FILES, *EXTRA):
        file = path / name
        if name not in manifest:
            if name in REQUIRED or (file.exists() and name in FILES):
                raise EmbedLabError(f"{path}: manifest.json does not list {name}; train the run again.")
            continue
        entry = manifest[name]
        if not file.is_file() or file.stat().st_size != entry.get("bytes") or sha256_file(file) != entry.get("sha256"):
            raise EmbedLabError(f"{file} is damaged (its checksum differs); train the run again.")


# ---------------------------------------------------------------- writing a run


def write_vocab(path: Path, vocab: Vocabulary) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(["word", "count"])
        writer.writerows(zip(vocab.words, vocab.counts.tolist(), strict=True))


class RunWriter:
    """Writes one run directory atomically.

    Snapshots are written as they come; :meth:`finish` writes the small files and renames the
    directory into place. :meth:`finish` with ``epochs_done`` < the planned epochs keeps a
    shorter run (a cancelled training keeps its finished epochs).

    >>> import tempfile; from embedlab.text.vocab import Vocabulary
    >>> out = Path(tempfile.mkdtemp()) / "run"
    >>> vocab = Vocabulary.from_words(["a", "b"], [2, 1])
    >>> with RunWriter(out, epochs=1, vocab_size=2, dim=3) as w:
    ...     for e in (0, 1):
    ...         w.write_snapshot(e, np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
    ...     _ = w.finish({"trainer": "numpy"}, vocab, [{"epoch": 0}, {"epoch": 1}])
    >>> load_run(out).input_vectors.shape
    (2, 2, 3)
    """

    def __init__(self, target: str | os.PathLike, epochs: int, vocab_size: int, dim: int, *, outputs: bool = True):
        self.target = Path(target)
        check_target(self.target)
        self.tmp = new_temporary(self.target)
        self.shape = (epochs + 1, vocab_size, dim)
        self.files = {"input_vectors.npy": _new_npy(self.tmp / "input_vectors.npy", self.shape)}
        if outputs:
            self.files["output_vectors.npy"] = _new_npy(self.tmp / "output_vectors.npy", self.shape)
        self.done = False

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.done:
            self.abort()

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_snapshot(self, epoch: int, input_vectors: np.ndarray, output_vectors: np.ndarray | None) -> None:
        if not np.isfinite(input_vectors).all() or (
            output_vectors is not None and not np.isfinite(output_vectors).all()
        ):
            raise TrainingDiverged.at(epoch, "the vectors")
        frame = self.shape[1] * self.shape[2] * 4  # bytes of one epoch's float32 (V, d) matrix
        for name, vectors in (("input_vectors.npy", input_vectors), ("output_vectors.npy", output_vectors)):
            if name in self.files:
                if vectors.shape != self.shape[1:]:
                    raise ValueError(f"a snapshot must be {self.shape[1:]}; got {vectors.shape}")
                with open(self.tmp / name, "r+b") as f:
                    f.seek(self.files[name] + epoch * frame)
                    f.write(np.ascontiguousarray(vectors, dtype=np.float32).data)

    def _truncate(self, epochs_done: int) -> None:
        """Keep snapshots 0..epochs_done only (a run stopped early)."""
        for name in ("input_vectors.npy", "output_vectors.npy"):
            path = self.tmp / name
            if not path.exists():
                continue
            kept = np.array(np.load(path, mmap_mode="r")[: epochs_done + 1])
            np.save(path, kept)

    def finish(
        self,
        config: dict,
        vocab: Vocabulary,
        metrics_rows: list[dict] | None,
        epochs_done: int | None = None,
        extra: dict[str, object] | None = None,
    ) -> Path:
        """Write the small files (``extra``: name → JSON content) and rename into place."""
        if epochs_done is not None and epochs_done + 1 < self.shape[0]:
            self._truncate(epochs_done)
        (self.tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
        write_vocab(self.tmp / "vocab.tsv", vocab)
        if metrics_rows is not None:
            pd.DataFrame(metrics_rows).to_csv(self.tmp / "metrics.csv", index=False)
        for name, content in (extra or {}).items():
            (self.tmp / name).write_text(json.dumps(content), encoding="utf-8")
        write_manifest(self.tmp)
        publish(self.tmp, self.target)  # False when someone else finished the same run first: theirs is kept
        self.done = True
        return self.target


def _new_npy(path: Path, shape: tuple[int, ...]) -> int:
    """Create a float32 ``.npy`` file of ``shape`` (zeros, sparse on disk); the offset of its data."""
    array = np.lib.format.open_memmap(path, "w+", np.float32, shape)
    offset = array.offset
    del array
    return offset


# ---------------------------------------------------------------- reading a run


def read_vocab(path: Path) -> Vocabulary:
    table = pd.read_csv(
        path,
        sep="\t",
        dtype={"word": str, "count": np.int64},
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,
        escapechar="\\",
    )
    return Vocabulary.from_words(table["word"].tolist(), table["count"].to_numpy())


def load_run(path: str | os.PathLike, *, verify: bool = False) -> Run:
    """Open a run directory; arrays are memory-mapped read-only.

    Raises EmbedLabError when a file is missing or the shapes disagree; with ``verify=True``
    also checks every file's size and sha256 against ``manifest.json``. output_vectors.npy
    and metrics.csv may be absent only when config.json's ``lacks`` says so (an import).
    """
    path = Path(path)
    if not path.is_dir():
        raise EmbedLabError(f"{path} is not a run directory; train one with `python -m embedlab train`.")
    missing = [name for name in REQUIRED if not (path / name).is_file()]
    if missing:
        raise EmbedLabError(f"{path} is incomplete (missing {', '.join(missing)}); train it again.")
    if verify:
        verify_manifest(path)
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        lacks = set(config.get("lacks", ()))
        missing = [name for name in OPTIONAL if not (path / name).is_file() and name not in lacks]
        if missing:
            raise EmbedLabError(f"{path} is incomplete (missing {', '.join(missing)}); train it again.")
        vocab = read_vocab(path / "vocab.tsv")
        inputs = np.load(path / "input_vectors.npy", mmap_mode="r", allow_pickle=False)
        outputs = None
        if (path / "output_vectors.npy").is_file():
            outputs = np.load(path / "output_vectors.npy", mmap_mode="r", allow_pickle=False)
        if (path / "metrics.csv").is_file():
            metrics = pd.read_csv(path / "metrics.csv")
        else:
            metrics = pd.DataFrame({"epoch": np.arange(inputs.shape[0] if inputs.ndim == 3 else 0)})
    except (ValueError, OSError, KeyError, TypeError) as error:
        if isinstance(error, EmbedLabError):
            raise
        raise EmbedLabError(f"{path} could not be read ({error}); train the run again.") from error
    if inputs.ndim != 3 or inputs.shape[1] != len(vocab) or (outputs is not None and outputs.shape != inputs.shape):
        shapes = f"input_vectors {inputs.shape}" + (f", output_vectors {outputs.shape}" if outputs is not None else "")
        raise EmbedLabError(f"{path}: {shapes} and {len(vocab)} vocabulary rows do not agree; train the run again.")
    if len(metrics) != inputs.shape[0]:
        raise EmbedLabError(f"{path}: metrics.csv has {len(metrics)} rows for {inputs.shape[0]} snapshots.")
    problem = snapshot_epochs_problem(config, inputs.shape[0])
    if problem:
        raise EmbedLabError(f"{path}: config.json's {problem}; train the run again.")
    return Run(path, config, vocab, inputs, outputs, metrics)


def snapshot_epochs_problem(config: dict, rows: int) -> str | None:
    """What is wrong with ``config["snapshot_epochs"]`` for arrays of ``rows`` snapshots, or None: it
    must be absent, or increasing whole epochs from 0, one a row, none after ``config["epochs"]``.

    >>> snapshot_epochs_problem({"epochs": 4, "snapshot_epochs": [0, 2, 4]}, 3) is None
    True
    >>> snapshot_epochs_problem({"epochs": 4, "snapshot_epochs": [0, 4, 2]}, 3)
    'snapshot_epochs [0, 4, 2] are not 3 increasing epochs from 0 to 4'
    """
    kept = config.get("snapshot_epochs")
    if kept is None:
        return None
    whole = isinstance(kept, list) and all(isinstance(e, int) and not isinstance(e, bool) for e in kept)
    last = config.get("epochs")
    if whole and len(kept) == rows and kept[0] == 0 and all(np.diff(kept) > 0):
        if not isinstance(last, int) or kept[-1] <= last:
            return None
    return f"snapshot_epochs {json.dumps(kept)[:60]} are not {rows} increasing epochs from 0 to {last}"
