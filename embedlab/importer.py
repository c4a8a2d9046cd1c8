"""Open embeddings trained elsewhere as a run: EmbedLab bundles, word2vec checkpoints, .npy stacks.

What opens (recognised by content, not by file name):

- an **EmbedLab run bundle**: a .zip holding one run directory (what Export writes, or a run
  directory zipped on another machine). Its files are kept byte for byte after checking them
  against its ``manifest.json``, so every page shows the numbers of the original run;
- **word2vec-format checkpoints**, text (with the ``V d`` header line, or without it as GloVe
  writes them) or binary, each optionally gzip-compressed: several files, or one .zip of them,
  taken in natural name order (``epoch2`` before ``epoch10``) as epochs 1..n. A first file
  numbered 0 (``epoch0.txt``) is epoch 0; otherwise epoch 0 repeats epoch 1, as no initial
  vectors were given;
- a **.npy stack** (E+1, V, d) — snapshot 0 first, as in a run directory — or one (V, d) .npy
  per checkpoint, with a vocabulary file (``vocab.tsv`` as EmbedLab writes it, or one word per
  line, row i = word i).

Vocabularies that differ between checkpoints are intersected: the words every file has, in the
last file's order; the number dropped is reported. Snapshots of separate trainings sit in
arbitrary rotations of one another, so by default each is rotated onto the last one with
orthogonal Procrustes (:func:`embedlab.analysis.procrustes_rotation`): cosines, norms and the
neighbour tables within an epoch are unchanged, and movement between epochs means something.
EmbedLab bundles are left as they are unless alignment is asked for.

Safety: nothing is ever unpickled (gensim ``.model`` files are pickles and are refused, saying
how to save the vectors instead); .npy files are read with ``allow_pickle=False``; zip members
are read in memory under our own names, never extracted under theirs; sizes are bounded by
:class:`~embedlab.config.Limits` — bytes per file, bytes decompressed, files, and snapshots ×
words × dimensions — before any vector is parsed. The run directory is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from embedlab import __version__
from embedlab.analysis import procrustes_rotation
from embedlab.atomic import atomic_dir
from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.store import (
    EXTRA,
    FILES,
    OPTIONAL,
    REQUIRED,
    Run,
    RunWriter,
    load_run,
    read_vocab,
    write_manifest,
)
from embedlab.vocab import Vocabulary

IMPORTER_VERSION = 1  # part of the app's cache key: bump when the same files would open differently
LACKS = ("output_vectors.npy", "metrics.csv")  # what a run opened from checkpoints does not have

_MB = 1024 * 1024
_CHUNK = 1 << 20  # decompress 1 MiB at a time, checking the running total after each chunk
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_GZIP_MAGIC = b"\x1f\x8b"
_NPY_MAGIC = b"\x93NUMPY"
_PICKLE_SUFFIXES = (".model", ".pkl", ".pickle", ".joblib", ".pt", ".pth")
_HEADER_SEARCH = 1 << 20  # the first line of a word2vec file is found within its first MiB
_ROW_BLOCK = 4096  # text rows turned into numbers at once: bounds the Python objects alive at a time
_BUNDLE_NAMES = (*FILES, *EXTRA, "manifest.json")  # the only files taken from a bundle

Progress = Callable[[float, str], None]  # (fraction done, what is happening)


@dataclass(frozen=True)
class InputFile:
    """One file to open: its name (for the order of checkpoints and for messages) and its bytes."""

    name: str
    data: bytes = field(repr=False)


# ---------------------------------------------------------------- names and messages


def _label(name: str) -> str:
    """A file's base name, safe to put in a one-line message."""
    base = PurePosixPath(str(name).replace("\\", "/")).name or str(name)
    return "".join(ch if ch.isprintable() else "?" for ch in base)[:120] or "the file"


def natural_key(name: str) -> list:
    """Sort key that puts ``epoch2`` before ``epoch10`` (digits compare as numbers).

    >>> sorted(["e10.txt", "e2.txt", "e1.txt"], key=natural_key)
    ['e1.txt', 'e2.txt', 'e10.txt']
    """
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _number_in(name: str) -> int | None:
    """The last number in a file's name without its suffixes (``epoch_03.txt.gz`` → 3)."""
    stem = _label(name).split(".")[0]
    numbers = re.findall(r"\d+", stem)
    return int(numbers[-1]) if numbers else None


def _too_big(label: str, limit_mb: int) -> EmbedLabError:
    return EmbedLabError(
        f"{label} come(s) to more than {limit_mb} MB once decompressed, the limit here; open fewer or smaller files, "
        "or binary word2vec files, a third the size of text (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
    )


def _pickle_error(label: str) -> EmbedLabError:
    return EmbedLabError(
        f"{label} is a Python pickle (a gensim .model file or similar), which EmbedLab never opens because "
        "unpickling can run any code; save the vectors with model.wv.save_word2vec_format('vectors.bin', "
        "binary=True) and open that file."
    )


def _looks_pickled(name: str, data: bytes) -> bool:
    # pickle protocols 2-5 start with PROTO (0x80) and the protocol number; gensim writes protocol 4
    return _label(name).lower().endswith(_PICKLE_SUFFIXES) or (len(data) > 1 and data[0] == 0x80 and 2 <= data[1] <= 5)


# ---------------------------------------------------------------- reading files within the limits


class _Budget:
    """Bytes decompressed so far across every member, against ``limits.max_uncompressed_mb``."""

    def __init__(self, limits: Limits, label: str):
        self.limit_mb, self.label, self.used = limits.max_uncompressed_mb, label, 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit_mb * _MB:
            raise _too_big(self.label, self.limit_mb)


def _gunzip(data: bytes, label: str, budget: _Budget) -> bytes:
    import gzip

    out = []
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                budget.take(len(chunk))
                out.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise EmbedLabError(f"{label} is not a valid gzip file ({type(exc).__name__}); compress it again.") from exc
    return b"".join(out)


def _is_member(info: zipfile.ZipInfo) -> bool:
    parts = info.filename.replace("\\", "/").split("/")
    return not (info.is_dir() or not parts[-1] or "__MACOSX" in parts or parts[-1].startswith("."))


def _unzip(file: InputFile, budget: _Budget, limits: Limits) -> list[InputFile]:
    """Every member of a zip, read into memory (names are data here, never paths on disk)."""
    label = _label(file.name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise EmbedLabError(f"{label} is not a valid zip file or is damaged; zip it again.") from exc
    with archive:
        entries = sorted((i for i in archive.infolist() if _is_member(i)), key=lambda i: natural_key(i.filename))
        if not entries:
            raise EmbedLabError(f"{label} is an empty zip; put the run directory or the checkpoints in it.")
        if len(entries) > limits.max_import_files + len(_BUNDLE_NAMES):
            raise EmbedLabError(
                f"{label} holds {len(entries):,} files, more than the {limits.max_import_files} checkpoints allowed "
                "here; open fewer epochs (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
            )
        if sum(i.file_size for i in entries) > limits.max_uncompressed_mb * _MB:  # declared sizes: an early refusal
            raise _too_big(label, limits.max_uncompressed_mb)
        members = []
        for info in entries:
            parts = []
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        budget.take(len(chunk))  # the real sizes: headers can lie
                        parts.append(chunk)
            except RuntimeError as exc:  # zipfile raises RuntimeError for encrypted entries
                raise EmbedLabError(f"{label} is password-protected; zip it again without a password.") from exc
            except NotImplementedError as exc:
                raise EmbedLabError(
                    f"{label} uses a compression method Python cannot read; zip it again with the standard (deflate) method."
                ) from exc
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise EmbedLabError(
                    f"{label} is damaged ({_label(info.filename)} cannot be read); zip it again."
                ) from exc
            members.append(InputFile(info.filename, b"".join(parts)))
        return members


def _members(files: Sequence[InputFile], limits: Limits) -> list[InputFile]:
    """The files to interpret: a zip's members, or the files themselves (gzip undone); pickles refused."""
    if not files:
        raise EmbedLabError(
            "nothing to open; give a run bundle .zip, word2vec checkpoints or a .npy with its vocabulary."
        )
    for file in files:
        label = _label(file.name)
        if len(file.data) > limits.max_upload_mb * _MB:
            raise EmbedLabError(
                f"{label} is {len(file.data) / _MB:.1f} MB, more than the {limits.max_upload_mb} MB allowed here; "
                "keep fewer words or epochs, or compress it as .zip (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
            )
        if not file.data.strip():
            raise EmbedLabError(f"{label} is empty; give a file with vectors in it.")
        if _looks_pickled(file.name, file.data):
            raise _pickle_error(label)
    budget = _Budget(limits, _label(files[0].name) if len(files) == 1 else f"{_label(files[0].name)} and the rest")
    zips = [f for f in files if f.data.startswith(_ZIP_MAGICS)]
    if zips and len(files) > 1:
        raise EmbedLabError(
            f"{_label(zips[0].name)} is a .zip among other files; open one .zip, or several checkpoint files without it."
        )
    members = _unzip(files[0], budget, limits) if zips else list(files)
    out = []
    for member in members:
        label = _label(member.name)
        data = member.data
        if data.startswith(_GZIP_MAGIC):
            data = _gunzip(data, label, budget)
        elif not zips:
            budget.take(len(data))
        if _looks_pickled(member.name, data):
            raise _pickle_error(label)
        if data.startswith(_ZIP_MAGICS):
            raise EmbedLabError(f"{label} is a zip inside a zip; unzip it and open its files.")
        out.append(InputFile(member.name, data))
    return out


def read_paths(paths: Sequence[str | os.PathLike], limits: Limits | None = None) -> list[InputFile]:
    """The files at ``paths`` for :func:`import_run` (the command line's side); a folder gives its
    files (a run directory opens like its bundle). Each file is checked against
    ``limits.max_upload_mb`` before it is read."""
    limits = limits or Limits.from_env()
    files = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            children = sorted(
                (c for c in path.iterdir() if c.is_file() and not c.name.startswith(".")),
                key=lambda c: natural_key(c.name),
            )
            if not children:
                raise EmbedLabError(f"{raw} is an empty folder; give the files (or the folder) that hold the vectors.")
            named = [(f"{path.resolve().name}/{child.name}", child) for child in children]
        elif path.is_file():
            named = [(path.name, path)]
        else:
            raise EmbedLabError(f"no file at {raw}; check the path.")
        for name, file in named:
            size = file.stat().st_size
            if size > limits.max_upload_mb * _MB:
                raise EmbedLabError(
                    f"{_label(name)} is {size / _MB:.1f} MB, more than the {limits.max_upload_mb} MB allowed here; "
                    "keep fewer words or epochs (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
                )
            try:
                files.append(InputFile(name, file.read_bytes()))
            except OSError as exc:
                raise EmbedLabError(f"cannot read {file} ({exc.strerror}); check that the file is readable.") from exc
    return files


# ---------------------------------------------------------------- limits on the vectors


def _check_values(label: str, snapshots: int, rows: int, dim: int, limits: Limits, *, outputs: bool = False) -> None:
    """snapshots × rows × dim (twice with output vectors) against Limits, before anything is parsed."""
    if snapshots > limits.max_import_files:
        raise EmbedLabError(
            f"{label} has {snapshots} snapshots, more than the {limits.max_import_files} allowed here; open fewer "
            "epochs (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
        )
    values = snapshots * rows * dim * (2 if outputs else 1)
    if values > limits.max_import_values:
        both = " × 2 (input and output vectors)" if outputs else ""
        raise EmbedLabError(
            f"{label} holds {snapshots} snapshots × {rows:,} words × {dim} dimensions{both} = {values:,} numbers, "
            f"more than the {limits.max_import_values:,} allowed here; keep fewer words (the top N) or epochs "
            "(or set EMBEDLAB_UNLIMITED=1 on your own machine)."
        )


# ---------------------------------------------------------------- word2vec files


@dataclass
class Checkpoint:
    """One snapshot read from a file: words in file order and their (n, d) float32 vectors."""

    name: str
    words: list[str]
    vectors: np.ndarray  # (n, d) float32
    kind: str  # "word2vec text" | "word2vec binary" | "GloVe text (no header)" | ".npy"
    duplicates: int = 0


@dataclass(frozen=True)
class _Layout:
    kind: str
    rows: int  # rows the file says (or has) it holds
    dim: int
    body: int  # offset of the first row


def _floats(tokens: Sequence[bytes]) -> bool:
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return bool(tokens)


def _first_line(data: bytes, start: int = 0) -> tuple[bytes, int]:
    """The line starting at ``start`` (without its newline) and the offset after it; an empty
    line when none ends within the first MiB (a binary row, or not a word2vec file)."""
    end = data.find(b"\n", start, start + _HEADER_SEARCH)
    if end == -1:
        if len(data) - start > _HEADER_SEARCH:
            return b"", len(data)
        return data[start:], len(data)
    return data[start:end], end + 1


def _not_word2vec(label: str) -> EmbedLabError:
    return EmbedLabError(
        f"{label} is not a word2vec file: its first line should be 'V d' (the number of words and of dimensions) "
        "or a word followed by its numbers; save the vectors with gensim's save_word2vec_format."
    )


def word2vec_layout(data: bytes, label: str) -> _Layout:
    """What kind of word2vec file ``data`` is, and its size, from its first two lines only."""
    line, after = _first_line(data)
    tokens = line.split()
    if len(tokens) == 2 and all(t.isdigit() for t in tokens):
        rows, dim = int(tokens[0]), int(tokens[1])
        if rows < 1 or dim < 1:
            raise EmbedLabError(
                f"{label} says it holds {rows} words of {dim} dimensions; save it again with its vectors."
            )
        row, _ = _first_line(data, after)
        try:
            text_row = row.decode("utf-8").split()
        except UnicodeDecodeError:
            text_row = None
        # a text row is "word x1 … xd"; anything else after a header is the binary format
        is_text = text_row is not None and len(text_row) > 1 and _floats([t.encode() for t in text_row[1:]])
        return _Layout("word2vec text" if is_text else "word2vec binary", rows, dim, after)
    if len(tokens) >= 2 and _floats(tokens[1:]):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise _not_word2vec(label) from None
        rows = sum(1 for row in data.split(b"\n") if row.strip())
        return _Layout("GloVe text (no header)", rows, len(tokens) - 1, 0)
    raise _not_word2vec(label)


def _decode_word(raw: bytes, label: str, row: int) -> str:
    try:
        word = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EmbedLabError(
            f"{label}: the word in row {row + 1} is not UTF-8; save the vectors again with gensim's save_word2vec_format."
        ) from None
    if not word or "\t" in word or "\n" in word or "\r" in word:
        raise EmbedLabError(f"{label}: row {row + 1} has an empty word or one with a tab or newline; fix that row.")
    return word


def _text_rows(data: bytes, layout: _Layout, limit: int, label: str) -> tuple[list[str], np.ndarray]:
    rows = [row for row in data[layout.body :].split(b"\n") if row.strip()][:limit]
    if len(rows) < limit:
        raise EmbedLabError(f"{label} ends after {len(rows):,} of its {limit:,} rows; save it again.")
    words, vectors = [], np.empty((len(rows), layout.dim), np.float32)
    for start in range(0, len(rows), _ROW_BLOCK):
        numbers = []
        for i, row in enumerate(rows[start : start + _ROW_BLOCK], start=start):
            word, *tokens = row.split()
            words.append(_decode_word(word, label, i))
            if len(tokens) != layout.dim:  # checked row by row: a long row next to a short one is no excuse
                raise _bad_row(label, i, words[i], layout.dim)
            numbers.extend(tokens)
        try:
            vectors[start : start + _ROW_BLOCK] = np.array(numbers, dtype=np.float32).reshape(-1, layout.dim)
        except ValueError:
            bad = next(i for i in range(start, len(words)) if not _floats(rows[i].split()[1:]))
            raise _bad_row(label, bad, words[bad], layout.dim) from None
    return words, vectors


def _bad_row(label: str, row: int, word: str, dim: int) -> EmbedLabError:
    return EmbedLabError(
        f"{label}: row {row + 1} ({word!r}) does not hold {dim} numbers; every row must be a word "
        f"and {dim} numbers separated by spaces."
    )


def _binary_rows(data: bytes, layout: _Layout, limit: int, label: str) -> tuple[list[str], np.ndarray]:
    """The C tool's binary rows: the word, a space, d little-endian float32 (then maybe a newline)."""
    width = 4 * layout.dim
    if limit * (width + 2) > len(data) - layout.body:  # each row: ≥ 1 byte of word, a space, d floats
        possible = (len(data) - layout.body) // (width + 2)
        raise EmbedLabError(
            f"{label} says it holds {limit:,} rows of {layout.dim} numbers but has room for {possible:,} at most; "
            "save it again (or it is not a binary word2vec file)."
        )
    words, starts, at = [], np.empty(limit, np.int64), layout.body
    for i in range(limit):
        space = data.find(b" ", at, at + 4096)
        if space == -1 or space + 1 + width > len(data):
            raise EmbedLabError(
                f"{label} ends after {i:,} of its {limit:,} rows (or is not a binary word2vec file); save it again."
            )
        words.append(_decode_word(data[at:space].lstrip(b"\n"), label, i))  # the C tool puts a newline after each row
        starts[i] = space + 1
        at = space + 1 + width
    raw = np.frombuffer(data, dtype=np.uint8)
    vectors = np.empty((limit, layout.dim), np.float32)
    for block in range(0, limit, _ROW_BLOCK):  # one gather per block of rows, not one call per row
        offsets = starts[block : block + _ROW_BLOCK, None] + np.arange(width)  # (rows, 4d) byte positions
        vectors[block : block + _ROW_BLOCK] = raw[offsets].view("<f4")
    return words, vectors


def read_word2vec(data: bytes, name: str, max_words: int | None = None) -> Checkpoint:
    """One word2vec-format file (text, binary, or header-less text) from its bytes, in memory.

    Like gensim's ``KeyedVectors.load_word2vec_format`` (which reads only from a path): rows
    after ``max_words`` are not read, and a repeated word keeps its first row.

    >>> cp = read_word2vec(b"2 3\\ncat 1 0 0\\ndog 0 1 0.5\\n", "e1.txt")
    >>> cp.kind, cp.words, cp.vectors.shape
    ('word2vec text', ['cat', 'dog'], (2, 3))
    """
    label = _label(name)
    layout = word2vec_layout(data, label)
    limit = layout.rows if max_words is None else min(layout.rows, max_words)
    reader = _binary_rows if layout.kind == "word2vec binary" else _text_rows
    words, vectors = reader(data, layout, limit, label)
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        raise EmbedLabError(
            f"{label}: the vector of {words[int(np.argmax(bad))]!r} holds NaN or infinity; export a checkpoint "
            "from before the training diverged."
        )
    first = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    duplicates = len(words) - len(first)
    if duplicates:
        keep = sorted(first.values())
        words, vectors = [words[i] for i in keep], vectors[keep]
    return Checkpoint(name, words, vectors, layout.kind, duplicates)


# ---------------------------------------------------------------- .npy files and vocabularies


def _npy_header(data: bytes, label: str) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a .npy header, refusing object arrays (pickles) before any data is read."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as exc:
        raise EmbedLabError(f"{label} is not a valid .npy file ({exc}); save it again with numpy.save.") from exc
    if dtype.hasobject:
        raise EmbedLabError(
            f"{label} holds Python objects, stored as a pickle, which EmbedLab never opens because unpickling can run "
            "any code; save the vectors as numbers: numpy.save(path, vectors.astype('float32'))."
        )
    if dtype.kind != "f":
        raise EmbedLabError(f"{label} holds {dtype} numbers; save the vectors as floating point (float32).")
    return tuple(shape), dtype


def _load_npy(data: bytes, label: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise EmbedLabError(f"{label} cannot be read ({exc}); save it again with numpy.save.") from exc


def read_vocabulary(data: bytes, name: str) -> Vocabulary:
    """A vocabulary file: ``vocab.tsv`` as EmbedLab writes it (header ``word<TAB>count``), or one
    word per line, optionally followed by a tab or space and its count.

    >>> read_vocabulary(b"cat\\t5\\ndog\\t3\\n", "vocab.txt").words
    ('cat', 'dog')
    """
    label = _label(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EmbedLabError(f"{label} is not UTF-8 text; save the vocabulary as UTF-8, one word per line.") from None
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and lines[0] == "word\tcount":
        try:
            vocab = read_vocab(io.BytesIO(data))  # the run directory's own format, escapes and all
        except (ValueError, KeyError) as exc:
            raise EmbedLabError(f"{label} is not a valid vocab.tsv ({exc}); export it again.") from exc
        words, counts = list(vocab.words), vocab.counts
    else:
        words, counts = [], []
        for i, line in enumerate(lines):
            parts = line.split("\t") if "\t" in line else line.rsplit(" ", 1)
            if len(parts) == 2 and parts[1].strip().isdigit():
                word, count = parts[0], int(parts[1])
            else:
                word, count = line, None
            if not word.strip():
                raise EmbedLabError(f"{label}: line {i + 1} is empty; every line must hold the word of that row.")
            words.append(word)
            counts.append(count)
        counts = None if any(c is None for c in counts) else np.array(counts, dtype=np.int64)
    if not words:
        raise EmbedLabError(f"{label} has no words; give one word per line, row i = word i.")
    seen = set()
    for word in words:
        if word in seen:
            raise EmbedLabError(f"{label} lists {word!r} twice; each row of the vectors needs its own word.")
        seen.add(word)
    if counts is None:
        counts = np.arange(len(words), 0, -1)  # no counts given: the rank in the file
    return Vocabulary.from_words(words, counts)


# ---------------------------------------------------------------- what the files are


def _bundle_dirs(members: Sequence[InputFile]) -> dict[str, dict[str, InputFile]]:
    """Folders (inside the zip) that hold input_vectors.npy: folder → {file name → member}."""
    folders: dict[str, dict[str, InputFile]] = {}
    for member in members:
        path = PurePosixPath(member.name.replace("\\", "/"))
        folders.setdefault(str(path.parent), {})[path.name] = member
    return {folder: named for folder, named in folders.items() if "input_vectors.npy" in named}


def run_name(files: Sequence[InputFile]) -> str:
    """A name for the run directory: the bundled run's own id, else the file's stem.

    >>> run_name([InputFile("epoch1.txt", b"")])
    'epoch1'
    """
    if len(files) == 1 and files[0].data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(files[0].data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            names = []
        for name in names:
            path = PurePosixPath(name.replace("\\", "/"))
            if path.name == "input_vectors.npy" and path.parent.name:
                return _safe_name(path.parent.name)
    if len(files) >= 1 and "/" in files[0].name.replace("\\", "/"):
        return _safe_name(PurePosixPath(files[0].name.replace("\\", "/")).parent.name)
    return _safe_name(_label(files[0].name).split(".")[0]) if files else "imported"


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:80]
    return cleaned or "imported"


def content_key(files: Sequence[InputFile], options: ImportOptions) -> str:
    """sha256 of the files (names and bytes), the options and the importer version: a run opened
    from the same files with the same options is the same run."""
    digest = hashlib.sha256(json.dumps({"v": IMPORTER_VERSION, "options": asdict(options)}, sort_keys=True).encode())
    for file in files:
        digest.update(file.name.encode("utf-8", "replace") + b"\0")
        digest.update(hashlib.sha256(file.data).digest())
    return digest.hexdigest()


def _source_label(files: Sequence[InputFile]) -> str:
    """How the files are named in messages: the file, the folder they came from, or the first and last."""
    folders = {PurePosixPath(f.name.replace("\\", "/")).parent.name for f in files}
    if len(folders) == 1 and (folder := folders.pop()):
        return _label(folder)
    if len(files) == 1:
        return _label(files[0].name)
    return f"{_label(files[0].name)} … {_label(files[-1].name)} ({len(files)} files)"


# ---------------------------------------------------------------- EmbedLab bundles


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _open_bundle(
    named: dict[str, InputFile], label: str, out: Path, options: ImportOptions, limits: Limits, progress: Progress
) -> Run:
    """Write a bundle's files byte for byte (after checking them) into the run directory ``out``."""
    missing = [name for name in REQUIRED if name not in named]
    if missing:
        raise EmbedLabError(f"{label} is not a complete EmbedLab run (it lacks {', '.join(missing)}); export it again.")
    try:
        config = json.loads(named["config.json"].data.decode("utf-8"))
        if not isinstance(config, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise EmbedLabError(f"{label}: its config.json is damaged; export the run again.") from exc
    lacks = set(config.get("lacks", ()))
    missing = [name for name in OPTIONAL if name not in named and name not in lacks]
    if missing:
        raise EmbedLabError(f"{label} is not a complete EmbedLab run (it lacks {', '.join(missing)}); export it again.")
    kept = {name: named[name].data for name in _BUNDLE_NAMES if name in named}
    manifest_ok = "manifest.json" in kept
    if manifest_ok:
        try:
            manifest = json.loads(kept["manifest.json"].decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise EmbedLabError(f"{label}: its manifest.json is damaged; export the run again.") from exc
        for name, entry in manifest.items():
            if name not in kept:
                if name in REQUIRED or name in FILES:
                    raise EmbedLabError(f"{label} lacks {name}, which its manifest lists; export the run again.")
                manifest_ok = False  # an older bundle without split.json: a new manifest is written
                continue
            if (
                not isinstance(entry, dict)
                or _sha256(kept[name]) != entry.get("sha256")
                or len(kept[name]) != entry.get("bytes")
            ):
                raise EmbedLabError(f"{label} is damaged: {name} differs from its checksum; export the run again.")
    progress(0.3, "checking the arrays")
    shape, dtype = _npy_header(kept["input_vectors.npy"], "input_vectors.npy")
    if len(shape) != 3 or dtype != np.float32:
        raise EmbedLabError(
            f"{label}: input_vectors.npy is {dtype} of shape {shape}, not float32 (epochs+1, V, d); export the run again."
        )
    has_outputs = "output_vectors.npy" in kept
    if has_outputs:
        out_shape, out_dtype = _npy_header(kept["output_vectors.npy"], "output_vectors.npy")
        if out_shape != shape or out_dtype != np.float32:
            raise EmbedLabError(
                f"{label}: output_vectors.npy has shape {out_shape} but input_vectors.npy {shape}; export the run again."
            )
    _check_values(label, shape[0], shape[1], shape[2], limits, outputs=has_outputs)
    align = bool(options.align)  # a bundle is one training: aligned only when asked
    with atomic_dir(out) as tmp:
        for name, data in kept.items():
            (tmp / name).write_bytes(data)
        if not manifest_ok:
            write_manifest(tmp)
        try:
            run = load_run(tmp, verify=True)
        except EmbedLabError as exc:
            reason = str(exc).split(": ", 1)[-1].split(";")[0]
            raise EmbedLabError(f"{label} is not a consistent EmbedLab run ({reason}); export it again.") from None
        if align:
            progress(0.6, "aligning the snapshots")
            _align_in_place(tmp, run)
            config = {**run.config, "import": {"format": "EmbedLab run bundle", "aligned": True, "source": label}}
            (tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
            write_manifest(tmp)
        del run  # its memory maps point into tmp, which is renamed next
    progress(1.0, "done")
    return load_run(out)


def _align_in_place(directory: Path, run: Run) -> None:
    """Rotate each epoch's input and output vectors by the rotation taking its input vectors onto
    the last epoch's (u·v, hence the loss, is unchanged). Files are replaced, never truncated,
    since ``run`` still maps them."""
    last = np.asarray(run.input_vectors[-1], dtype=np.float64)
    rotations = [procrustes_rotation(run.input_vectors[e], last) for e in range(run.epochs)] + [np.eye(run.dim)]
    for name, arrays in (("input_vectors.npy", run.input_vectors), ("output_vectors.npy", run.output_vectors)):
        if arrays is None:
            continue
        rotated = np.stack(
            [(np.asarray(arrays[e], np.float64) @ R).astype(np.float32) for e, R in enumerate(rotations)]
        )
        np.save(directory / f"aligned-{name}", rotated)
        os.replace(directory / f"aligned-{name}", directory / name)


# ---------------------------------------------------------------- checkpoints and stacks


def _read_npy_members(
    members: list[InputFile], label: str, options: ImportOptions, limits: Limits, progress: Progress
) -> tuple[list[Checkpoint], bool, str, Vocabulary]:
    """(.npy snapshots with the vocabulary's words, whether the first is epoch 0, format, vocabulary)."""
    arrays = [m for m in members if m.data.startswith(_NPY_MAGIC)]
    others = [m for m in members if not m.data.startswith(_NPY_MAGIC)]
    if not others:
        raise EmbedLabError(
            f"{label} has vectors (.npy) but no vocabulary; add vocab.tsv or vocab.txt (one word per line, row i = "
            "row i of the array). A gensim .model's .npy side files need the .model pickle, which EmbedLab does not "
            "open: save the vectors with save_word2vec_format instead."
        )
    if len(others) > 1:
        named = [m for m in others if _label(m.name).lower().startswith("vocab")]
        if len(named) != 1:
            raise EmbedLabError(
                f"{label}: besides the .npy files there are {len(others)} other files ({', '.join(_label(m.name) for m in others[:3])}); "
                "keep only the vocabulary file (vocab.tsv or vocab.txt)."
            )
        others = named
    vocab = read_vocabulary(others[0].data, others[0].name)
    headers = [(_npy_header(m.data, _label(m.name)), m) for m in arrays]
    ndims = {len(shape) for (shape, _), _ in headers}
    if ndims == {3}:
        if len(arrays) > 1:
            raise EmbedLabError(
                f"{label} has {len(arrays)} stacks of snapshots; open one (epochs+1, V, d) .npy at a time."
            )
        (shape, _), member = headers[0]
        snapshots, first_is_zero = shape[0], True
    elif ndims == {2}:
        shape = headers[0][0][0]
        snapshots = len(arrays) + (1 if _first_epoch(arrays, options) == 1 else 0)
        first_is_zero = _first_epoch(arrays, options) == 0
    else:
        raise EmbedLabError(
            f"{label}: the .npy files must be one stack of shape (epochs+1, V, d) or one (V, d) array per checkpoint."
        )
    for (array_shape, _), member in headers:
        if array_shape[-2:] != shape[-2:]:
            raise _mismatch(
                _label(arrays[0].name), shape[-1], _label(member.name), array_shape[-1], shape[-2], array_shape[-2]
            )
        if array_shape[-2] != len(vocab):
            raise EmbedLabError(
                f"{_label(others[0].name)} has {len(vocab):,} words but {_label(member.name)} has {array_shape[-2]:,} rows; "
                "row i of the vectors must be the word on line i."
            )
    _check_values(label, snapshots, shape[-2], shape[-1], limits)
    checkpoints = []
    for i, ((_, _), member) in enumerate(headers):
        progress(0.1 + 0.5 * i / len(headers), f"reading {_label(member.name)}")
        array = _load_npy(member.data, _label(member.name)).astype(np.float32, copy=False)
        stack = array if array.ndim == 3 else array[None]
        for j, X in enumerate(stack):
            if not np.isfinite(X).all():
                raise EmbedLabError(
                    f"{_label(member.name)} holds NaN or infinity; export snapshots from before the training diverged."
                )
            name = member.name if array.ndim == 2 else f"{_label(member.name)}[{j}]"
            checkpoints.append(Checkpoint(name, list(vocab.words), np.ascontiguousarray(X), ".npy"))
    return checkpoints, first_is_zero, "numpy stack" if ndims == {3} else ".npy checkpoints", vocab


def _first_epoch(ordered: Sequence[InputFile], options: ImportOptions) -> int:
    """0 when the first file is the initial vectors (asked for, or a first file numbered 0 among several)."""
    if options.first_epoch is not None:
        return options.first_epoch
    return 0 if len(ordered) > 1 and _number_in(ordered[0].name) == 0 else 1


def _mismatch(a: str, da: int, b: str, db: int, rows_a: int | None = None, rows_b: int | None = None) -> EmbedLabError:
    if da == db and rows_a != rows_b:
        return EmbedLabError(
            f"{a} has {rows_a:,} rows but {b} has {rows_b:,}; every array must have one row per word of the vocabulary."
        )
    return EmbedLabError(
        f"mismatched dimensions: {a} has d = {da} but {b} has d = {db}; every checkpoint must come from one model size."
    )


def _read_word2vec_members(
    members: list[InputFile], label: str, options: ImportOptions, limits: Limits, progress: Progress
) -> tuple[list[Checkpoint], bool, str]:
    layouts = [(m, word2vec_layout(m.data, _label(m.name))) for m in members]
    first = layouts[0]
    for member, layout in layouts[1:]:
        if layout.dim != first[1].dim:
            raise _mismatch(_label(first[0].name), first[1].dim, _label(member.name), layout.dim)
    first_epoch = _first_epoch(members, options)
    rows = max(
        layout.rows if options.max_words is None else min(layout.rows, options.max_words) for _, layout in layouts
    )
    _check_values(label, len(members) + first_epoch, rows, first[1].dim, limits)
    checkpoints = []
    for i, member in enumerate(members):
        progress(0.05 + 0.6 * i / len(members), f"reading {_label(member.name)} ({i + 1} of {len(members)})")
        checkpoints.append(read_word2vec(member.data, member.name, options.max_words))
    kinds = sorted({c.kind for c in checkpoints})
    return checkpoints, first_epoch == 0, " + ".join(kinds)


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


def _open_snapshots(
    members: list[InputFile],
    label: str,
    out: Path,
    options: ImportOptions,
    limits: Limits,
    progress: Progress,
    key: str,
) -> Run:
    npy = any(m.data.startswith(_NPY_MAGIC) for m in members)
    members = sorted(members, key=lambda m: natural_key(m.name))
    if npy:
        checkpoints, first_is_zero, kind, vocab = _read_npy_members(members, label, options, limits, progress)
    else:
        checkpoints, first_is_zero, kind = _read_word2vec_members(members, label, options, limits, progress)
        vocab = None
    words, snapshots, dropped = intersect(checkpoints)
    names, duplicates = [cp.name for cp in checkpoints], sum(cp.duplicates for cp in checkpoints)
    del checkpoints  # the snapshots alone hold the vectors from here on: alignment frees each original
    if len(words) < 2:
        raise EmbedLabError(
            f"the checkpoints share only {len(words)} word(s); open checkpoints of one vocabulary (one corpus)."
        )
    align = True if options.align is None else options.align
    if align and len(snapshots) > 1:
        progress(0.7, "aligning the snapshots to the last one (orthogonal Procrustes)")
        snapshots = align_snapshots(snapshots)
    if not first_is_zero:  # no initial vectors were given: epoch 0 repeats epoch 1
        snapshots, names = [snapshots[0], *snapshots], [None, *names]
    if len(snapshots) < 2:
        raise EmbedLabError(f"{label} holds one snapshot only; open at least two epochs to see the space change.")
    if vocab is not None:
        counts, counts_note = vocab.counts, "from the vocabulary file"
    else:
        counts, counts_note = np.arange(len(words), 0, -1), "rank in the last file (word2vec files carry no counts)"
    vocab = Vocabulary.from_words(words, counts)
    epochs, dim = len(snapshots) - 1, snapshots[-1].shape[1]
    sources = {m.name: m for m in members}
    config = {
        "trainer": "imported",
        "embedlab_version": __version__,
        "corpus": {"name": label, "sha256": key},
        "vocab_size": len(words),
        "dim": dim,
        "epochs": epochs,
        "lacks": list(LACKS),
        "import": {
            "format": kind,
            "source": label,
            "snapshots": [
                {
                    "epoch": e,
                    "file": _label(n) if n else None,
                    "sha256": _sha256(sources[n].data) if n in sources else None,
                }
                for e, n in enumerate(names)
            ],
            "epoch0": "file" if first_is_zero else "copy of epoch 1",
            "aligned": bool(align),
            "words_kept": len(words),
            "words_dropped": int(dropped),
            "duplicates_ignored": int(duplicates),
            "max_words": options.max_words,
            "counts": counts_note,
            "importer_version": IMPORTER_VERSION,
        },
    }
    progress(0.85, "writing the run directory")
    with RunWriter(out, epochs, len(words), dim, outputs=False) as writer:
        for epoch, X in enumerate(snapshots):
            writer.write_snapshot(epoch, X, None)
        writer.finish(config, vocab, None)
    progress(1.0, "done")
    return load_run(out)


# ---------------------------------------------------------------- the entry point


def import_run(
    files: Sequence[InputFile],
    out: str | os.PathLike,
    options: ImportOptions | None = None,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Run:
    """Open ``files`` (a bundle .zip, word2vec checkpoints, or .npy with a vocabulary) as the run
    directory ``out``, written atomically; returns the loaded run.

    Raises EmbedLabError with one line that says what to do for anything that cannot be opened
    (a pickle, a damaged zip, mismatched dimensions, a file over the limits…); ``out`` is then
    left absent. ``progress(fraction, text)`` is called as the work goes on.
    """
    options = (options or ImportOptions()).validate()
    limits = limits or Limits.from_env()
    progress = progress or (lambda fraction, text: None)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EmbedLabError(f"{out} already exists; choose another --out or remove it first.")
    label = _source_label(files)
    progress(0.0, f"reading {label}")
    members = _members(files, limits)
    bundles = _bundle_dirs(members)
    if len(bundles) > 1:
        raise EmbedLabError(
            f"{label} holds {len(bundles)} runs ({', '.join(sorted(bundles)[:3])}); zip one run directory at a time."
        )
    if bundles:
        ((folder, named),) = bundles.items()
        name = label if len(files) > 1 or folder in ("", ".") else f"{label} ({PurePosixPath(folder).name})"
        return _open_bundle(named, name, out, options, limits, progress)
    return _open_snapshots(members, label, out, options, limits, progress, content_key(files, options))


def describe(run: Run) -> list[str]:
    """What an opened run is, in a few lines for the page or the command line."""
    info = run.config.get("import")
    shape = f"{len(run.vocab):,} words × d = {run.dim}, epochs 0–{run.epochs}"
    if info is None or info.get("format") == "EmbedLab run bundle":
        corpus = run.config.get("corpus", {}).get("name", "?")
        lines = [f"EmbedLab run of the {run.trainer} trainer on {corpus}: {shape}."]
        if info and info.get("aligned"):
            lines.append("Every epoch was rotated onto the last one (orthogonal Procrustes), as asked.")
        lacks = run.config.get("lacks", [])
        if lacks:
            lines.append(f"It has no {' or '.join(lacks)}; pages that need them say so.")
        return lines
    snapshots = info["snapshots"]
    given = [s for s in snapshots if s["file"]]
    first, last = given[0]["epoch"], given[-1]["epoch"]
    lines = [f"{len(given)} snapshot(s) ({info['format']}) from {info['source']} as epochs {first}–{last}: {shape}."]
    if info["epoch0"] != "file":
        lines.append("No initial vectors were given, so epoch 0 repeats epoch 1.")
    kept, dropped = info["words_kept"], info["words_dropped"]
    lines.append(
        f"{kept:,} words are in every snapshot; {dropped:,} word(s) that some snapshot lacked were dropped."
        if dropped
        else f"All {kept:,} words are in every snapshot."
    )
    if info.get("duplicates_ignored"):
        lines.append(f"{info['duplicates_ignored']:,} repeated row(s) of a word were ignored (the first was kept).")
    lines.append(
        "Every epoch was rotated onto the last one (orthogonal Procrustes): cosines and neighbours within an epoch are unchanged."
        if info["aligned"]
        else "The snapshots were not aligned (alignment off)."
    )
    lines.append("No output vectors and no training metrics (loss, ‖∇L‖): pages that need them say so.")
    return lines


def snapshot_table(run: Run) -> pd.DataFrame | None:
    """epoch → the file it came from (or how it was made), for a run opened from checkpoints; None
    for a bundle, whose epochs all come from its own training."""
    info = run.config.get("import")
    if info is None or "snapshots" not in info:
        return None
    return pd.DataFrame([{"epoch": s["epoch"], "file": s["file"] or "(copy of epoch 1)"} for s in info["snapshots"]])
