"""Export one epoch of a run: word2vec text format, TensorFlow Projector TSV, the whole bundle.

Every writer builds its output in memory or in a temporary file and moves it into place, so
a failed export never leaves half a file behind.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from embedlab.errors import EmbedLabError
from embedlab.store import FILES, Run, atomic_write

FORMATS = ("word2vec", "projector")


def epoch_vectors(run: Run, epoch: int, which: str = "input") -> np.ndarray:
    """The (V, d) vectors of one epoch; ``which`` is "input" or "output"."""
    if not 0 <= epoch <= run.epochs:
        raise EmbedLabError(f"epoch must be between 0 and {run.epochs} for this run; got {epoch}.")
    arrays = run.input_vectors if which == "input" else run.output_vectors
    return np.asarray(arrays[epoch])


def keyed_vectors(run: Run, epoch: int) -> KeyedVectors:
    """A gensim KeyedVectors of one epoch's input vectors, for gensim's own tools."""
    vectors = epoch_vectors(run, epoch)
    kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(list(run.vocab.words), vectors)
    for word, count in zip(run.vocab.words, run.vocab.counts.tolist(), strict=True):
        kv.set_vecattr(word, "count", count)
    return kv


def word2vec_text(run: Run, epoch: int) -> bytes:
    """The word2vec text format ("V d" then "word x1 … xd" per line), written by gensim."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.txt"
        keyed_vectors(run, epoch).save_word2vec_format(str(path), binary=False)
        return path.read_bytes()


def projector_tsv(run: Run, epoch: int) -> tuple[bytes, bytes]:
    """(vectors.tsv, metadata.tsv) for projector.tensorflow.org: tab-separated rows, with a
    header ``word<TAB>count`` in the metadata file (the Projector's multi-column form)."""
    vectors = epoch_vectors(run, epoch)
    buffer = io.StringIO()
    np.savetxt(buffer, vectors, delimiter="\t", fmt="%.6g")
    metadata = "word\tcount\n" + "".join(
        f"{w}\t{c}\n" for w, c in zip(run.vocab.words, run.vocab.counts.tolist(), strict=True)
    )
    return buffer.getvalue().encode("utf-8"), metadata.encode("utf-8")


def run_bundle(run: Run) -> bytes:
    """The run directory as a zip (for download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in (*FILES, "manifest.json"):
            if (run.path / name).exists():
                bundle.write(run.path / name, f"{run.run_id}/{name}")
    return buffer.getvalue()


def export(run: Run, epoch: int, fmt: str, out: str | os.PathLike) -> list[Path]:
    """Write one epoch in ``fmt``; word2vec → the file ``out``; projector → ``out``/vectors.tsv
    and ``out``/metadata.tsv. Returns the paths written."""
    out = Path(out)
    if fmt == "word2vec":
        atomic_write(out, word2vec_text(run, epoch))
        return [out]
    if fmt == "projector":
        if out.exists() and not out.is_dir():
            raise EmbedLabError(f"{out} is a file; the projector format writes a folder, give a folder path.")
        vectors, metadata = projector_tsv(run, epoch)
        atomic_write(out / "vectors.tsv", vectors)
        atomic_write(out / "metadata.tsv", metadata)
        return [out / "vectors.tsv", out / "metadata.tsv"]
    raise EmbedLabError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
