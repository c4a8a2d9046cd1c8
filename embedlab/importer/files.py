"""The files to open: their names in messages, reading them within the limits, shared checks.

:func:`unpack` turns what was given (a .zip, or several files) into the files to interpret,
gzip undone and pickles refused; sizes are bounded by :class:`~embedlab.config.Limits` — bytes
per file, bytes decompressed, files — and :func:`check_values` bounds snapshots × words ×
dimensions before any vector is parsed.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.store import EXTRA, FILES
from embedlab.text.uploads import (
    GZIP_MAGIC,
    MB,
    ZIP_MAGICS,
    ZIP_OPEN_ERRORS,
    Budget,
    file_label,
    gunzip,
    read_file,
    read_member,
)

_PICKLE_SUFFIXES = (".model", ".pkl", ".pickle", ".joblib", ".pt", ".pth")
BUNDLE_NAMES = (*FILES, *EXTRA, "manifest.json")  # the only files taken from a bundle

Progress = Callable[[float, str], None]  # (fraction done, what is happening)


@dataclass(frozen=True)
class InputFile:
    """One file to open: its name (for the order of checkpoints and for messages) and its bytes."""

    name: str
    data: bytes = field(repr=False)


# ---------------------------------------------------------------- names and messages


def natural_key(name: str) -> list:
    """Sort key that puts ``epoch2`` before ``epoch10`` (digits compare as numbers).

    >>> sorted(["e10.txt", "e2.txt", "e1.txt"], key=natural_key)
    ['e1.txt', 'e2.txt', 'e10.txt']
    """
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def number_in(name: str) -> int | None:
    """The last number in a file's name without its suffixes (``epoch_03.txt.gz`` → 3)."""
    stem = file_label(name).split(".")[0]
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
    return file_label(name).lower().endswith(_PICKLE_SUFFIXES) or (
        len(data) > 1 and data[0] == 0x80 and 2 <= data[1] <= 5
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def first_epoch(ordered: Sequence[InputFile], options: ImportOptions) -> int:
    """0 when the first file is the initial vectors (asked for, or a first file numbered 0 among several)."""
    if options.first_epoch is not None:
        return options.first_epoch
    return 0 if len(ordered) > 1 and number_in(ordered[0].name) == 0 else 1


def mismatch(a: str, da: int, b: str, db: int, rows_a: int | None = None, rows_b: int | None = None) -> EmbedLabError:
    if da == db and rows_a != rows_b:
        return EmbedLabError(
            f"{a} has {rows_a:,} rows but {b} has {rows_b:,}; every array must have one row per word of the vocabulary."
        )
    return EmbedLabError(
        f"mismatched dimensions: {a} has d = {da} but {b} has d = {db}; every checkpoint must come from one model size."
    )


# ---------------------------------------------------------------- reading files within the limits


def _budget(limits: Limits, label: str) -> Budget:
    """Bytes decompressed so far across every member, against ``limits.max_uncompressed_mb``."""
    return Budget(limits.max_uncompressed_mb, lambda: _too_big(label, limits.max_uncompressed_mb))


def _is_member(info: zipfile.ZipInfo) -> bool:
    parts = info.filename.replace("\\", "/").split("/")
    # a name ending in "/" is a folder; an empty name (a zip can hold one) is nothing to read
    return not (not parts[-1] or "__MACOSX" in parts or parts[-1].startswith("."))


def _unzip(file: InputFile, budget: Budget, limits: Limits) -> list[InputFile]:
    """Every member of a zip, read into memory (names are data here, never paths on disk)."""
    label = file_label(file.name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
    except ZIP_OPEN_ERRORS as exc:
        raise EmbedLabError(f"{label} is not a valid zip file or is damaged; zip it again.") from exc
    with archive:
        entries = sorted((i for i in archive.infolist() if _is_member(i)), key=lambda i: natural_key(i.filename))
        if not entries:
            raise EmbedLabError(f"{label} is an empty zip; put the run directory or the checkpoints in it.")
        if len(entries) > limits.max_import_files + len(BUNDLE_NAMES):
            raise EmbedLabError(
                f"{label} holds {len(entries):,} files, more than the {limits.max_import_files} checkpoints allowed "
                "here; open fewer epochs (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
            )
        if sum(i.file_size for i in entries) > limits.max_uncompressed_mb * MB:  # declared sizes: an early refusal
            raise _too_big(label, limits.max_uncompressed_mb)
        return [
            InputFile(
                info.filename, read_member(archive, info, label, budget, f"{file_label(info.filename)} cannot be read")
            )
            for info in entries
        ]


def unpack(files: Sequence[InputFile], limits: Limits) -> list[InputFile]:
    """The files to interpret: a zip's members, or the files themselves (gzip undone); pickles refused."""
    if not files:
        raise EmbedLabError(
            "nothing to open; give a run bundle .zip, word2vec checkpoints or a .npy with its vocabulary."
        )
    for file in files:
        label = file_label(file.name)
        if len(file.data) > limits.max_upload_mb * MB:
            raise EmbedLabError(
                f"{label} is {len(file.data) / MB:.1f} MB, more than the {limits.max_upload_mb} MB allowed here; "
                "keep fewer words or epochs, or compress it as .zip (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
            )
        if not file.data.strip():
            raise EmbedLabError(f"{label} is empty; give a file with vectors in it.")
        if _looks_pickled(file.name, file.data):
            raise _pickle_error(label)
    budget = _budget(
        limits, file_label(files[0].name) if len(files) == 1 else f"{file_label(files[0].name)} and the rest"
    )
    zips = [f for f in files if f.data.startswith(ZIP_MAGICS)]
    if zips and len(files) > 1:
        raise EmbedLabError(
            f"{file_label(zips[0].name)} is a .zip among other files; open one .zip, or several checkpoint files without it."
        )
    members = _unzip(files[0], budget, limits) if zips else list(files)
    out = []
    for member in members:
        label = file_label(member.name)
        data = member.data
        if data.startswith(GZIP_MAGIC):
            data = gunzip(data, label, budget, "compress it again.")
        elif not zips:
            budget.take(len(data))
        if _looks_pickled(member.name, data):
            raise _pickle_error(label)
        if data.startswith(ZIP_MAGICS):
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
        advice = "keep fewer words or epochs (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
        for name, file in named:
            files.append(InputFile(name, read_file(file, file_label(name), str(file), limits.max_upload_mb, advice)))
    return files


# ---------------------------------------------------------------- limits on the vectors


def check_values(label: str, snapshots: int, rows: int, dim: int, limits: Limits, *, outputs: bool = False) -> None:
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
