"""Export one epoch of a run: word2vec text format, TensorFlow Projector TSV; or the whole run bundle.

Every writer builds its output in memory or in a temporary file and moves it into place, so
a failed export never leaves half a file behind.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from embedlab.errors import EmbedLabError
from embedlab.store import EXTRA, FILES, Run, atomic_write, write_manifest, write_vocab
from embedlab.vocab import Vocabulary

FORMATS = ("word2vec", "projector", "bundle")


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


def _zip_directory(directory: Path, run_id: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in (*FILES, *EXTRA, "manifest.json"):
            if (directory / name).exists():
                bundle.write(directory / name, f"{run_id}/{name}")
    return buffer.getvalue()


def _reduced_directory(run: Run, top_words: int, outputs: bool, directory: Path) -> None:
    """The run restricted to its ``top_words`` most frequent words (the first rows), without its
    output vectors unless ``outputs``, with a new manifest; config.json says what was left out.

    metrics.csv and split.json are kept as they are: they describe the training, which saw every word.
    """
    vocab = Vocabulary.from_words(run.vocab.words[:top_words], run.vocab.counts[:top_words])
    config = dict(run.config)
    if top_words < len(run.vocab):
        config |= {"vocab_size": top_words, "top_words": top_words, "vocab_size_trained": len(run.vocab)}
    keep_outputs = outputs and run.output_vectors is not None
    if not keep_outputs:
        config["lacks"] = sorted({*config.get("lacks", ()), "output_vectors.npy"})
    (directory / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
    write_vocab(directory / "vocab.tsv", vocab)
    np.save(directory / "input_vectors.npy", np.ascontiguousarray(run.input_vectors[:, :top_words]))
    if keep_outputs:
        np.save(directory / "output_vectors.npy", np.ascontiguousarray(run.output_vectors[:, :top_words]))
    for name in ("metrics.csv", *EXTRA):
        if (run.path / name).exists():
            (directory / name).write_bytes((run.path / name).read_bytes())
    write_manifest(directory)


def run_bundle(run: Run, top_words: int | None = None, *, outputs: bool = True) -> bytes:
    """The run directory as a zip (for download, and for ``python -m embedlab import`` or the
    Corpus page's Open tab elsewhere): ``<run id>/config.json`` … ``manifest.json``.

    To fit a big run into the limits of a shared server: ``top_words`` keeps only the most
    frequent words (the vocabulary is sorted by count), and ``outputs=False`` leaves out the
    output vectors, which no page shows (half the size); config.json then says so.
    """
    if top_words is not None and top_words < 2:
        raise EmbedLabError(f"--top-words must be at least 2; got {top_words}.")
    top = len(run.vocab) if top_words is None else min(top_words, len(run.vocab))
    if top == len(run.vocab) and (outputs or run.output_vectors is None):
        return _zip_directory(run.path, run.run_id)  # the run exactly as it is, byte for byte
    with tempfile.TemporaryDirectory() as tmp:
        _reduced_directory(run, top, outputs, Path(tmp))
        return _zip_directory(Path(tmp), run.run_id)


def export(
    run: Run, epoch: int, fmt: str, out: str | os.PathLike, top_words: int | None = None, *, outputs: bool = True
) -> list[Path]:
    """Write one epoch in ``fmt``; word2vec → the file ``out``; projector → ``out``/vectors.tsv
    and ``out``/metadata.tsv; bundle → the whole run (every epoch) as the zip ``out``, of its
    ``top_words`` most frequent words if given, without output vectors unless ``outputs``.
    Returns the paths written."""
    out = Path(out)
    if (top_words is not None or not outputs) and fmt != "bundle":
        raise EmbedLabError("--top-words and --no-outputs apply to --format bundle only.")
    if fmt == "bundle":
        if out.is_dir():
            raise EmbedLabError(f"{out} is a folder; the bundle format writes one .zip file, give a file path.")
        atomic_write(out, run_bundle(run, top_words, outputs=outputs))
        return [out]
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
