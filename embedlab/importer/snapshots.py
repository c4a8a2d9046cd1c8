"""Checkpoints of a training (word2vec files or .npy arrays) as the epochs of a run directory.

Taken in natural name order (``epoch2`` before ``epoch10``) as epochs 1..n; a first file
numbered 0 is epoch 0, otherwise epoch 0 repeats epoch 1, as no initial vectors were given.
Vocabularies that differ between checkpoints are intersected (:func:`intersect`), and by
default each snapshot is rotated onto the last one with orthogonal Procrustes
(:func:`align_snapshots`), since snapshots of separate trainings sit in arbitrary rotations of
one another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab import __version__
from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, Deferred
from embedlab.importer.files import InputFile, Progress, natural_key, sha256_hex
from embedlab.importer.npy import NPY_MAGIC, read_npy_members
from embedlab.importer.word2vec import Checkpoint, read_word2vec_members
from embedlab.runs.alignment import procrustes_rotation
from embedlab.store import Run, RunWriter, load_run
from embedlab.text.uploads import file_label
from embedlab.text.vocab import Vocabulary

IMPORTER_VERSION = 1  # part of the app's cache key: bump when the same files would open differently
LACKS = ("output_vectors.npy", "metrics.csv")  # what a run opened from checkpoints does not have


def intersect(checkpoints: Sequence[Checkpoint]) -> tuple[list[str], list[np.ndarray], int]:
    """The words every checkpoint has, in the last one's order; each checkpoint's rows for them;
    and how many distinct words were dropped because some checkpoint lacked them.

    >>> a = Checkpoint("a", ["x", "y", "z"], np.eye(3, dtype=np.float32), "")
    >>> b = Checkpoint("b", ["z", "x", "w"], np.eye(3, dtype=np.float32), "")
    >>> words, rows, dropped = intersect([a, b])
    >>> words, dropped, rows[0].tolist()
    (['z', 'x'], 2, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    """
    last = checkpoints[-1]
    common = set(last.words)
    union = set(last.words)
    for cp in checkpoints[:-1]:
        common &= set(cp.words)
        union |= set(cp.words)
    words = [w for w in last.words if w in common]
    rows = []
    for cp in checkpoints:
        if cp.words == words:  # the usual case, one training's checkpoints: no copy
            rows.append(cp.vectors)
            continue
        index = {w: i for i, w in enumerate(cp.words)}
        rows.append(cp.vectors[[index[w] for w in words]])
    return words, rows, len(union) - len(words)


def align_snapshots(snapshots: list[np.ndarray]) -> list[np.ndarray]:
    """Each (V, d) snapshot rotated onto the last with orthogonal Procrustes (fitted on every row),
    as float32. The list is updated in place, one snapshot at a time, so memory holds one extra
    float64 snapshot at most; it is also returned.

    >>> theta = np.pi / 4
    >>> R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    >>> last = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> bool(np.allclose(align_snapshots([last @ R, last])[0], last, atol=1e-6))
    True
    """
    target = np.asarray(snapshots[-1], dtype=np.float64)
    for i, X in enumerate(snapshots[:-1]):
        snapshots[i] = (np.asarray(X, np.float64) @ procrustes_rotation(X, target)).astype(np.float32)
    snapshots[-1] = np.asarray(snapshots[-1], dtype=np.float32)
    return snapshots


@dataclass
class _Snapshots:
    """What the checkpoints gave: the words they share and one (V, d) array per epoch."""

    words: list[str]
    arrays: list[np.ndarray]
    names: list[str | None]  # the file of each array (None: a copy of epoch 1)
    kind: str  # the format, for the config and the description
    first_is_zero: bool
    dropped: int  # words some checkpoint lacked
    duplicates: int  # repeated rows of a word, ignored
    vocab: Vocabulary | None  # the vocabulary file of .npy arrays (word2vec files carry no counts)


def _read_snapshots(
    members: list[InputFile], label: str, options: ImportOptions, limits: Limits, progress: Progress
) -> _Snapshots:
    """The checkpoints of ``members`` (in natural name order), cut to the words they all have."""
    if any(m.data.startswith(NPY_MAGIC) for m in members):
        checkpoints, first_is_zero, kind, vocab = read_npy_members(members, label, options, limits, progress)
    else:
        checkpoints, first_is_zero, kind = read_word2vec_members(members, label, options, limits, progress)
        vocab = None
    words, arrays, dropped = intersect(checkpoints)
    names, duplicates = [cp.name for cp in checkpoints], sum(cp.duplicates for cp in checkpoints)
    if len(words) < 2:
        raise EmbedLabError(
            f"the checkpoints share only {len(words)} word(s); open checkpoints of one vocabulary (one corpus)."
        )
    # once returned, the arrays alone hold the vectors: alignment frees each original
    return _Snapshots(words, arrays, names, kind, first_is_zero, dropped, duplicates, vocab)


def _config(
    found: _Snapshots,
    label: str,
    key: str,
    align: bool,
    sources: dict[str, InputFile],
    options: ImportOptions,
    counts_note: str,
) -> dict:
    """The run's config.json: the run's shape, and where each epoch came from."""
    return {
        "trainer": "imported",
        "embedlab_version": __version__,
        "corpus": {"name": label, "sha256": key},
        "vocab_size": len(found.words),
        "dim": found.arrays[-1].shape[1],
        "epochs": len(found.arrays) - 1,
        "lacks": list(LACKS),
        "import": {
            "format": found.kind,
            "source": label,
            "snapshots": [
                {
                    "epoch": e,
                    "file": file_label(n) if n else None,
                    "sha256": sha256_hex(sources[n].data) if n in sources else None,
                }
                for e, n in enumerate(found.names)
            ],
            "epoch0": "file" if found.first_is_zero else "copy of epoch 1",
            "aligned": bool(align),
            "words_kept": len(found.words),
            "words_dropped": int(found.dropped),
            "duplicates_ignored": int(found.duplicates),
            "max_words": options.max_words,
            "counts": counts_note,
            "importer_version": IMPORTER_VERSION,
        },
    }


def open_snapshots(
    members: list[InputFile],
    label: str,
    out: Path,
    options: ImportOptions,
    limits: Limits,
    progress: Progress,
    key: str,
) -> Run:
    """Write the checkpoints in ``members`` as the run directory ``out`` (``key``: the files' content key)."""
    found = _read_snapshots(sorted(members, key=lambda m: natural_key(m.name)), label, options, limits, progress)
    align = True if options.align is None else options.align
    if align and len(found.arrays) > 1:
        progress(0.7, Deferred(N_("aligning the snapshots to the last one (orthogonal Procrustes)")))
        found.arrays = align_snapshots(found.arrays)
    if not found.first_is_zero:  # no initial vectors were given: epoch 0 repeats epoch 1
        found.arrays, found.names = [found.arrays[0], *found.arrays], [None, *found.names]
    if len(found.arrays) < 2:
        raise EmbedLabError(f"{label} holds one snapshot only; open at least two epochs to see the space change.")
    if found.vocab is not None:
        counts, counts_note = found.vocab.counts, "from the vocabulary file"
    else:
        counts, counts_note = (
            np.arange(len(found.words), 0, -1),
            "rank in the last file (word2vec files carry no counts)",
        )
    config = _config(found, label, key, align, {m.name: m for m in members}, options, counts_note)
    progress(0.85, Deferred(N_("writing the run directory")))
    with RunWriter(out, config["epochs"], len(found.words), config["dim"], outputs=False) as writer:
        for epoch, X in enumerate(found.arrays):
            writer.write_snapshot(epoch, X, None)
        writer.finish(config, Vocabulary.from_words(found.words, counts), None)
    progress(1.0, Deferred(N_("done")))
    return load_run(out)
