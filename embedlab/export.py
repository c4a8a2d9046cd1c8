"""Export a run: one epoch as word2vec text or TensorFlow Projector TSV, every epoch as a
Projector bundle, the whole run directory as a zip (a run bundle, which opens again with
``python -m embedlab import`` or the Corpus page's Open embeddings tab).

Every writer builds its output in memory or in a temporary file or directory and moves it into
place (:func:`~embedlab.atomic.atomic_write`, :func:`~embedlab.atomic.atomic_dir`), so a failed
export never leaves half a file or half a folder behind.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embedlab.atomic import atomic_dir, atomic_write
from embedlab.config import Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import _, number
from embedlab.runs.embedding_map import colour_labels, frequency_bands, frequent_rows
from embedlab.store import EXTRA, FILES, Run, write_manifest, write_vocab
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.vocab import Vocabulary

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

FORMATS = ("word2vec", "projector", "projector-all", "bundle")
PROJECTOR_CONFIG = "projector_config.json"


def epoch_vectors(run: Run, epoch: int, which: str = "input") -> np.ndarray:
    """The (V, d) vectors of one epoch; ``which`` is "input" or "output"."""
    if not 0 <= epoch <= run.epochs:
        raise EmbedLabError(
            _("epoch must be between 0 and {last} for this run; got {epoch}.").format(last=run.epochs, epoch=epoch)
        )
    arrays = run.input_vectors if which == "input" else run.output_vectors
    return np.asarray(arrays[epoch])


def keyed_vectors(run: Run, epoch: int) -> KeyedVectors:
    """A gensim KeyedVectors of one epoch's input vectors, for gensim's own tools."""
    vectors = epoch_vectors(run, epoch)
    from gensim.models import KeyedVectors  # gensim loads when first needed

    kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(list(run.vocab.words), vectors)
    for word, count in zip(run.vocab.words, run.vocab.counts.tolist(), strict=True):
        kv.set_vecattr(word, "count", count)
    return kv


def word2vec_text(run: Run, epoch: int) -> bytes:
    """The word2vec text format ("V d" then "word x1 … xd" per line), written by gensim, in the
    run's row order: most frequent first for a trained run; for a fine-tuned one the parent's
    order, then the new words (gensim's default, by count, would order it by the second corpus)."""
    kv = keyed_vectors(run, epoch)
    for row, word in enumerate(run.vocab.words):
        kv.set_vecattr(word, "row_order", -row)  # gensim writes by this attribute, largest first
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.txt"
        kv.save_word2vec_format(str(path), binary=False, sort_attr="row_order")
        return path.read_bytes()


def _tsv(vectors: np.ndarray) -> bytes:
    """(n, d) numbers as the Projector's tensor TSV: one row per line, tab-separated, 6 digits."""
    buffer = io.StringIO()
    np.savetxt(buffer, vectors, delimiter="\t", fmt="%.6g")
    return buffer.getvalue().encode("utf-8")


def _metadata_tsv(columns: dict[str, list]) -> bytes:
    """Metadata rows with a header line (the Projector's form for more than one column)."""
    lines = ["\t".join(columns)] + ["\t".join(str(v) for v in row) for row in zip(*columns.values(), strict=True)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def projector_tsv(run: Run, epoch: int) -> tuple[bytes, bytes]:
    """(vectors.tsv, metadata.tsv) for projector.tensorflow.org: tab-separated rows, with a
    header ``word<TAB>count`` in the metadata file (the Projector's multi-column form)."""
    metadata = _metadata_tsv({"word": list(run.vocab.words), "count": run.vocab.counts.tolist()})
    return _tsv(epoch_vectors(run, epoch)), metadata


def _projector_rows(run: Run, max_words: int | None) -> np.ndarray:
    if max_words is not None and max_words < 1:
        raise EmbedLabError(f"--max-words must be at least 1; got {max_words}.")
    return frequent_rows(run.vocab, len(run.vocab) if max_words is None else max_words)


def most_projector_words(run: Run, limits: Limits | None = None) -> int:
    """How many words an every-epoch Projector download of this run may hold here
    (``Limits.max_projector_values`` numbers: words × d × every epoch)."""
    limits = limits or Limits.from_env()
    return max(1, limits.max_projector_values // ((run.epochs + 1) * run.dim))


def check_projector_size(run: Run, max_words: int | None, limits: Limits | None = None) -> None:
    """EmbedLabError when every epoch of ``max_words`` words is more numbers than a download
    built in memory may hold here (``Limits.max_projector_values``)."""
    limits = limits or Limits.from_env()
    values = (run.epochs + 1) * len(_projector_rows(run, max_words)) * run.dim
    if values > limits.max_projector_values:
        most = most_projector_words(run, limits)
        raise EmbedLabError(
            _(
                "every epoch of that many words is {values} numbers, more than the {limit} a download may hold "
                "here; choose at most {most} words, or write the bundle with "
                "`python -m embedlab export RUN_DIR --format projector-all --out DIR`."
            ).format(values=number(values, ","), limit=number(limits.max_projector_values, ","), most=number(most, ","))
        )


def check_url_prefix(url_prefix: str) -> None:
    """Refuse a prefix that is not an http(s) address or a relative path: the Projector fetches
    every path in the config, and a ``javascript:`` or ``data:`` address is not a place to fetch from.

    >>> check_url_prefix("https://example.org/run/"), check_url_prefix("")
    (None, None)
    """
    scheme = urllib.parse.urlsplit(url_prefix.strip()).scheme.lower()
    if scheme not in ("", "http", "https") or any(ord(ch) < 32 for ch in url_prefix):
        raise EmbedLabError(
            _(
                "--url-prefix must be an http(s) address or a relative path, got {prefix}; "
                "give the address the folder will be served from, e.g. https://example.org/run/."
            ).format(prefix=repr(url_prefix[:60]))
        )


def projector_files(run: Run, max_words: int | None = None, url_prefix: str = "") -> Iterator[tuple[str, bytes]]:
    """The Projector bundle of every epoch, one file at a time (memory: one epoch):
    ``metadata.tsv`` (word, count, planted group, frequency band), ``epoch_00.tsv`` … one tensor
    per epoch (the ``max_words`` most frequent words, default all, most frequent first), then
    ``projector_config.json`` naming every epoch, its shape and its files.

    projector.tensorflow.org fetches the paths in the config as they are written, so give
    ``url_prefix``, the address the folder will be served from, to open it with ``?config=``.
    """
    check_url_prefix(url_prefix)
    rows = _projector_rows(run, max_words)
    groups = planted_groups(run.corpus_name)
    metadata = {
        "word": [run.vocab.words[r] for r in rows],
        "count": run.vocab.counts[rows].tolist(),
        "group": colour_labels(run.vocab, rows, "planted group", groups),
        "band": frequency_bands(run.vocab, rows),
    }
    yield "metadata.tsv", _metadata_tsv(metadata)
    width = max(2, len(str(run.snapshot_epochs[-1])))  # name order is epoch order
    embeddings = []
    for row, epoch in enumerate(run.snapshot_epochs):
        name = f"epoch_{epoch:0{width}d}.tsv"
        yield name, _tsv(np.asarray(run.input_vectors[row][rows]))
        embeddings.append(
            {
                "tensorName": f"{run.run_id} · epoch {epoch}",
                "tensorShape": [len(rows), run.dim],
                "tensorPath": url_prefix + name,
                "metadataPath": url_prefix + "metadata.tsv",
            }
        )
    yield PROJECTOR_CONFIG, json.dumps({"embeddings": embeddings}, indent=2, ensure_ascii=False).encode("utf-8")


def projector_zip(run: Run, max_words: int | None = None, url_prefix: str = "") -> bytes:
    """:func:`projector_files` as one zip (a folder ``<run id>-projector/``), for download."""
    check_projector_size(run, max_words)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in projector_files(run, max_words, url_prefix):
            bundle.writestr(f"{run.run_id}-projector/{name}", data)
    return buffer.getvalue()


def _zip_directory(directory: Path, run_id: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in (*FILES, *EXTRA, "manifest.json"):
            if (directory / name).exists():
                bundle.write(directory / name, f"{run_id}/{name}")
    return buffer.getvalue()


def _reduced_directory(run: Run, rows: np.ndarray, outputs: bool, directory: Path) -> None:
    """The run restricted to ``rows`` (in vocabulary order), without its output vectors unless
    ``outputs``, with a new manifest; config.json says what was left out.

    metrics.csv and split.json are kept as they are: they describe the training, which saw every word.
    """
    vocab = Vocabulary.from_words([run.vocab.words[r] for r in rows], run.vocab.counts[rows])
    config = dict(run.config)
    if len(rows) < len(run.vocab):
        config |= {"vocab_size": len(rows), "max_words": len(rows), "vocab_size_trained": len(run.vocab)}
    keep_outputs = outputs and run.output_vectors is not None
    if not keep_outputs:
        config["lacks"] = sorted({*config.get("lacks", ()), "output_vectors.npy"})
    (directory / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
    write_vocab(directory / "vocab.tsv", vocab)
    np.save(directory / "input_vectors.npy", np.ascontiguousarray(run.input_vectors[:, rows]))
    if keep_outputs:
        np.save(directory / "output_vectors.npy", np.ascontiguousarray(run.output_vectors[:, rows]))
    for name in ("metrics.csv", *EXTRA):
        if (run.path / name).exists():
            (directory / name).write_bytes((run.path / name).read_bytes())
    write_manifest(directory)


def run_bundle(run: Run, max_words: int | None = None, *, outputs: bool = True) -> bytes:
    """The run directory as a zip, ``<run id>/config.json`` … ``manifest.json``: for download, and
    to open elsewhere (``python -m embedlab import`` or the Corpus page's Open embeddings tab).

    To fit a big run into the limits of a shared server: ``max_words`` keeps only the most
    frequent words, and ``outputs=False`` leaves out the output vectors, which no page shows
    (half the size); config.json then says so. Without them the bundle is the run byte for byte.
    """
    if max_words is not None and max_words < 2:
        raise EmbedLabError(f"--max-words must be at least 2 for a bundle; got {max_words}.")
    rows = np.sort(frequent_rows(run.vocab, len(run.vocab) if max_words is None else max_words))
    if len(rows) == len(run.vocab) and (outputs or run.output_vectors is None):
        return _zip_directory(run.path, run.run_id)
    with tempfile.TemporaryDirectory() as tmp:
        _reduced_directory(run, rows, outputs, Path(tmp))
        return _zip_directory(Path(tmp), run.run_id)


def export(
    run: Run,
    epoch: int,
    fmt: str,
    out: str | os.PathLike,
    *,
    max_words: int | None = None,
    url_prefix: str = "",
    outputs: bool = True,
    force: bool = False,
) -> list[Path]:
    """Write one epoch in ``fmt``; word2vec → the file ``out``; projector → ``out``/vectors.tsv
    and ``out``/metadata.tsv; projector-all → the new folder ``out`` with every epoch
    (:func:`projector_files`; ``epoch`` is not used); bundle → the whole run as the zip ``out``
    (:func:`run_bundle`: ``max_words``, ``outputs``). Returns the paths written.

    An existing output (a file, a folder that is not empty) is refused, as every command refuses
    one, unless ``force``: then the files this format writes are replaced, nothing else in a folder
    (projector-all, which writes a folder whole, never replaces one). Any error from the file system (no room, no
    permission, a path through a file) is one EmbedLabError naming ``out``."""
    out = Path(out)
    if fmt not in FORMATS:
        raise EmbedLabError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    if not outputs and fmt != "bundle":
        raise EmbedLabError("--no-outputs applies to --format bundle only.")
    try:
        _check_out(out, fmt, force)
        return _export(run, epoch, fmt, out, max_words, url_prefix, outputs)
    except OSError as exc:
        reason = exc.strerror or str(exc) or exc.__class__.__name__
        raise EmbedLabError(f"cannot write {out} ({reason}); choose another --out.") from None


def _check_out(out: Path, fmt: str, force: bool) -> None:
    """Refuse an existing output (see :func:`export`)."""
    exists = os.path.lexists(out)
    if fmt in ("word2vec", "bundle"):
        if out.is_dir():
            raise EmbedLabError(f"{out} is a folder; the {fmt} format writes one file, give a file path.")
        if exists and not force:
            raise EmbedLabError(f"{out} already exists; choose another --out, or add --force to replace it.")
        return
    if exists and not out.is_dir():
        raise EmbedLabError(f"{out} is a file; the {fmt} format writes a folder, give a folder path.")
    if fmt == "projector-all":
        if exists and any(out.iterdir()):
            raise EmbedLabError(f"{out} already exists and is not empty; choose another --out or remove it first.")
        return
    if exists and any(out.iterdir()) and not force:
        raise EmbedLabError(
            f"{out} already exists and is not empty; choose another --out, or add --force to replace "
            "vectors.tsv and metadata.tsv in it."
        )


def _export(run, epoch, fmt, out, max_words, url_prefix, outputs) -> list[Path]:
    if fmt == "bundle":
        atomic_write(out, run_bundle(run, max_words, outputs=outputs))
        return [out]
    if fmt == "projector-all":
        _projector_rows(run, max_words)  # a bad --max-words is refused before anything is made
        check_url_prefix(url_prefix)
        with atomic_dir(out) as folder:
            names = []
            for name, data in projector_files(run, max_words, url_prefix):
                (folder / name).write_bytes(data)  # the folder appears whole or not at all
                names.append(name)
        return [out / name for name in names]
    if fmt == "word2vec":
        atomic_write(out, word2vec_text(run, epoch))
        return [out]
    vectors, metadata = projector_tsv(run, epoch)
    atomic_write(out / "vectors.tsv", vectors)
    atomic_write(out / "metadata.tsv", metadata)
    return [out / "vectors.tsv", out / "metadata.tsv"]
