"""The run directory (PRODUCT.md's contract), written atomically, and loaded memory-mapped.

    config.json          every setting, trainer, corpus name and sha256, embedlab version
    vocab.tsv            header word<TAB>count; row i is row i of the arrays
    input_vectors.npy    float32 (epochs+1, V, d); [0] is before any training
    output_vectors.npy   float32, same shape
    metrics.csv          one row per epoch 0..epochs
    manifest.json        size and sha256 of each file above, to detect damage

Snapshots go straight into ``.npy`` files opened with ``open_memmap`` in a temporary
directory beside the target, so memory never holds every epoch at once; the directory is
renamed into place only when complete. A killed run leaves only a ``.tmp-*`` directory,
which is never read and is removed by the next writer once its process is gone.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.errors import EmbedLabError
from embedlab.vocab import Vocabulary

FILES = ("config.json", "vocab.tsv", "input_vectors.npy", "output_vectors.npy", "metrics.csv")
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
    """A finished run: arrays are read-only memory maps of the run directory."""

    path: Path
    config: dict
    vocab: Vocabulary
    input_vectors: np.ndarray  # (epochs+1, V, d) float32
    output_vectors: np.ndarray  # (epochs+1, V, d) float32
    metrics: pd.DataFrame

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def trainer(self) -> str:
        return self.config["trainer"]

    @property
    def epochs(self) -> int:
        return self.input_vectors.shape[0] - 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(parent: Path, max_age_seconds: float = 24 * 3600) -> None:
    """Delete ``.tmp-<pid>-*`` directories of processes that are gone (or very old ones)."""
    if not parent.is_dir():
        return
    for tmp in parent.glob(".tmp-*"):
        try:
            pid = int(tmp.name.split("-")[1])
        except (IndexError, ValueError):
            pid = -1
        too_old = time.time() - tmp.stat().st_mtime > max_age_seconds
        if pid <= 0 or not _pid_alive(pid) or too_old:
            shutil.rmtree(tmp, ignore_errors=True)


class RunWriter:
    """Writes one run directory atomically.

    >>> import tempfile; from embedlab.vocab import Vocabulary
    >>> out = Path(tempfile.mkdtemp()) / "run"
    >>> vocab = Vocabulary.from_words(["a", "b"], [2, 1])
    >>> with RunWriter(out, epochs=1, vocab_size=2, dim=3) as w:
    ...     for e in (0, 1):
    ...         w.write_snapshot(e, np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
    ...     w.finish({"trainer": "numpy"}, vocab, [{"epoch": 0}, {"epoch": 1}])
    >>> load_run(out).input_vectors.shape
    (2, 2, 3)
    """

    def __init__(self, target: str | os.PathLike, epochs: int, vocab_size: int, dim: int):
        self.target = Path(target)
        if self.target.exists():
            raise EmbedLabError(f"{self.target} already exists; choose another --out or remove it first.")
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(parent)
        self.tmp = parent / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-{self.target.name}"
        self.tmp.mkdir()
        shape = (epochs + 1, vocab_size, dim)
        self.inputs = np.lib.format.open_memmap(self.tmp / "input_vectors.npy", "w+", np.float32, shape)
        self.outputs = np.lib.format.open_memmap(self.tmp / "output_vectors.npy", "w+", np.float32, shape)
        self.done = False

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.done:
            self.abort()

    def abort(self) -> None:
        self.inputs = self.outputs = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_snapshot(self, epoch: int, input_vectors: np.ndarray, output_vectors: np.ndarray) -> None:
        if not (np.isfinite(input_vectors).all() and np.isfinite(output_vectors).all()):
            raise EmbedLabError(
                f"training diverged in epoch {epoch}: vectors became non-finite; "
                "lower the learning rate (--lr) and train again."
            )
        self.inputs[epoch] = input_vectors
        self.outputs[epoch] = output_vectors

    def finish(self, config: dict, vocab: Vocabulary, metrics_rows: list[dict]) -> Path:
        """Write the small files, flush, and rename into place; returns the run directory."""
        self.inputs.flush()
        self.outputs.flush()
        self.inputs = self.outputs = None
        (self.tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
        with open(self.tmp / "vocab.tsv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
            writer.writerow(["word", "count"])
            writer.writerows(zip(vocab.words, vocab.counts.tolist(), strict=True))
        pd.DataFrame(metrics_rows).to_csv(self.tmp / "metrics.csv", index=False)
        manifest = {
            name: {"bytes": (self.tmp / name).stat().st_size, "sha256": _sha256(self.tmp / name)} for name in FILES
        }
        (self.tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        for name in (*FILES, "manifest.json"):
            with open(self.tmp / name, "rb") as f:
                os.fsync(f.fileno())
        try:
            os.rename(self.tmp, self.target)
        except OSError as error:  # someone else finished the same run first
            self.abort()
            if not self.target.exists():
                raise EmbedLabError(f"could not write {self.target}: {error.strerror}") from error
        self.done = True
        return self.target


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
    also checks every file's size and sha256 against ``manifest.json``.
    """
    path = Path(path)
    if not path.is_dir():
        raise EmbedLabError(f"{path} is not a run directory; train one with `python -m embedlab train`.")
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise EmbedLabError(f"{path} is incomplete (missing {', '.join(missing)}); train it again.")
    if verify:
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise EmbedLabError(f"{path} has no manifest.json; train it again.")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for name in FILES:
            entry = manifest.get(name, {})
            if (path / name).stat().st_size != entry.get("bytes") or _sha256(path / name) != entry.get("sha256"):
                raise EmbedLabError(f"{path / name} is damaged (its checksum differs); train the run again.")
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        vocab = read_vocab(path / "vocab.tsv")
        inputs = np.load(path / "input_vectors.npy", mmap_mode="r")
        outputs = np.load(path / "output_vectors.npy", mmap_mode="r")
        metrics = pd.read_csv(path / "metrics.csv")
    except (ValueError, OSError, KeyError) as error:
        raise EmbedLabError(f"{path} could not be read ({error}); train the run again.") from error
    if inputs.ndim != 3 or inputs.shape != outputs.shape or inputs.shape[1] != len(vocab):
        raise EmbedLabError(
            f"{path}: input_vectors {inputs.shape}, output_vectors {outputs.shape} and "
            f"{len(vocab)} vocabulary rows do not agree; train the run again."
        )
    if len(metrics) != inputs.shape[0]:
        raise EmbedLabError(f"{path}: metrics.csv has {len(metrics)} rows for {inputs.shape[0]} snapshots.")
    return Run(path, config, vocab, inputs, outputs, metrics)
