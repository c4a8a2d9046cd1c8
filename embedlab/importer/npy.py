""".npy snapshots with their vocabulary: one stack (E+1, V, d), snapshot 0 first as in a run
directory, or one (V, d) array per checkpoint; and the vocabulary file (``vocab.tsv`` as
EmbedLab writes it, or one word per line, row i = word i).

Headers are read before the data, so object arrays (pickles) are refused unread; arrays are
loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import io

import numpy as np

from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, Deferred
from embedlab.importer.files import InputFile, Progress, check_values, first_epoch, mismatch
from embedlab.importer.word2vec import Checkpoint
from embedlab.store import read_vocab
from embedlab.text.uploads import file_label
from embedlab.text.vocab import Vocabulary

NPY_MAGIC = b"\x93NUMPY"


def npy_header(data: bytes, label: str) -> tuple[tuple[int, ...], np.dtype]:
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


def load_npy(data: bytes, label: str) -> np.ndarray:
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
    label = file_label(name)
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


Header = tuple[tuple[tuple[int, ...], np.dtype], InputFile]  # ((shape, dtype), the file)


def _vocabulary_file(others: list[InputFile], label: str) -> InputFile:
    """The vocabulary among the files that are not .npy: the only one, or the one named vocab*."""
    if not others:
        raise EmbedLabError(
            f"{label} has vectors (.npy) but no vocabulary; add vocab.tsv or vocab.txt (one word per line, row i = "
            "row i of the array). A gensim .model's .npy side files need the .model pickle, which EmbedLab does not "
            "open: save the vectors with save_word2vec_format instead."
        )
    if len(others) > 1:
        named = [m for m in others if file_label(m.name).lower().startswith("vocab")]
        if len(named) != 1:
            raise EmbedLabError(
                f"{label}: besides the .npy files there are {len(others)} other files ({', '.join(file_label(m.name) for m in others[:3])}); "
                "keep only the vocabulary file (vocab.tsv or vocab.txt)."
            )
        others = named
    return others[0]


def _stack_layout(headers: list[Header], label: str, options: ImportOptions) -> tuple[tuple[int, ...], int, bool, str]:
    """(the first array's shape, how many snapshots, whether the first is epoch 0, the format) of
    one (E+1, V, d) stack or of one (V, d) array per checkpoint."""
    ndims = {len(shape) for (shape, _), _ in headers}
    if ndims == {3}:
        if len(headers) > 1:
            raise EmbedLabError(
                f"{label} has {len(headers)} stacks of snapshots; open one (epochs+1, V, d) .npy at a time."
            )
        shape = headers[0][0][0]
        return shape, shape[0], True, "numpy stack"
    if ndims == {2}:
        arrays = [member for _, member in headers]
        snapshots = len(arrays) + (1 if first_epoch(arrays, options) == 1 else 0)
        return headers[0][0][0], snapshots, first_epoch(arrays, options) == 0, ".npy checkpoints"
    raise EmbedLabError(
        f"{label}: the .npy files must be one stack of shape (epochs+1, V, d) or one (V, d) array per checkpoint."
    )


def _check_rows(headers: list[Header], shape: tuple[int, ...], vocab: Vocabulary, vocab_name: str) -> None:
    """Every array has the first one's (V, d), and V is the vocabulary's length."""
    first_name = headers[0][1].name
    for (array_shape, _), member in headers:
        if array_shape[-2:] != shape[-2:]:
            raise mismatch(
                file_label(first_name), shape[-1], file_label(member.name), array_shape[-1], shape[-2], array_shape[-2]
            )
        if array_shape[-2] != len(vocab):
            raise EmbedLabError(
                f"{file_label(vocab_name)} has {len(vocab):,} words but {file_label(member.name)} has {array_shape[-2]:,} rows; "
                "row i of the vectors must be the word on line i."
            )


def _npy_checkpoints(headers: list[Header], vocab: Vocabulary, progress: Progress) -> list[Checkpoint]:
    """One checkpoint per (V, d) snapshot of the arrays, as float32, refusing NaN or infinity."""
    checkpoints = []
    for i, (_, member) in enumerate(headers):
        progress(0.1 + 0.5 * i / len(headers), Deferred(N_("reading {file}"), file=file_label(member.name)))
        with np.errstate(over="ignore"):  # a number past float32 becomes inf, refused below
            array = load_npy(member.data, file_label(member.name)).astype(np.float32, copy=False)
        stack = array if array.ndim == 3 else array[None]
        for j, X in enumerate(stack):
            if not np.isfinite(X).all():
                raise EmbedLabError(
                    f"{file_label(member.name)} holds NaN or infinity; export snapshots from before the training diverged."
                )
            name = member.name if array.ndim == 2 else f"{file_label(member.name)}[{j}]"
            checkpoints.append(Checkpoint(name, list(vocab.words), np.ascontiguousarray(X), ".npy"))
    return checkpoints


def read_npy_members(
    members: list[InputFile], label: str, options: ImportOptions, limits: Limits, progress: Progress
) -> tuple[list[Checkpoint], bool, str, Vocabulary]:
    """(.npy snapshots with the vocabulary's words, whether the first is epoch 0, format, vocabulary)."""
    arrays = [m for m in members if m.data.startswith(NPY_MAGIC)]
    vocab_file = _vocabulary_file([m for m in members if not m.data.startswith(NPY_MAGIC)], label)
    vocab = read_vocabulary(vocab_file.data, vocab_file.name)
    headers = [(npy_header(m.data, file_label(m.name)), m) for m in arrays]
    shape, snapshots, first_is_zero, kind = _stack_layout(headers, label, options)
    _check_rows(headers, shape, vocab, vocab_file.name)
    check_values(label, snapshots, shape[-2], shape[-1], limits)
    return _npy_checkpoints(headers, vocab, progress), first_is_zero, kind, vocab
