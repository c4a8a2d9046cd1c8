"""word2vec-format checkpoints: text (with the ``V d`` header, or without it as GloVe writes
them) or binary, read from bytes in memory.

:func:`read_word2vec` reads one file; :func:`read_word2vec_members` reads the checkpoints of one
training as epochs, after checking that they share one size and fit the limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, Deferred
from embedlab.importer.files import InputFile, Progress, check_values, first_epoch, mismatch
from embedlab.text.uploads import file_label

_HEADER_SEARCH = 1 << 20  # the first line of a word2vec file is found within its first MiB
_ROW_BLOCK = 4096  # text rows turned into numbers at once: bounds the Python objects alive at a time


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
    rows = [row for row in data[layout.body :].split(b"\n") if row.strip()]
    if len(rows) > layout.rows:
        raise _more_rows(label, layout.rows, f"{len(rows):,}")
    rows = rows[:limit]
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
            with np.errstate(over="ignore"):  # a number past float32 becomes inf, refused by read_word2vec
                vectors[start : start + _ROW_BLOCK] = np.array(numbers, dtype=np.float32).reshape(-1, layout.dim)
        except ValueError:
            bad = next(i for i in range(start, len(words)) if not _floats(rows[i].split()[1:]))
            raise _bad_row(label, bad, words[bad], layout.dim) from None
    return words, vectors


def _more_rows(label: str, said: int, holds: str) -> EmbedLabError:
    return EmbedLabError(
        f"{label} says it holds {said:,} rows but holds {holds}; correct the first number of its header line."
    )


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
    if limit == layout.rows and data[at:].strip():
        raise _more_rows(label, layout.rows, "more")
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
    label = file_label(name)
    layout = word2vec_layout(data, label)
    limit = layout.rows if max_words is None else min(layout.rows, max_words)
    reader = _binary_rows if layout.kind == "word2vec binary" else _text_rows
    words, vectors = reader(data, layout, limit, label)
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        raise EmbedLabError(
            f"{label}: the vector of {words[int(np.argmax(bad))]!r} holds NaN, infinity or a number too large for "
            "float32 (over 3.4e38); export a checkpoint from before the training diverged."
        )
    first = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    duplicates = len(words) - len(first)
    if duplicates:
        keep = sorted(first.values())
        words, vectors = [words[i] for i in keep], vectors[keep]
    return Checkpoint(name, words, vectors, layout.kind, duplicates)


def read_word2vec_members(
    members: list[InputFile], label: str, options: ImportOptions, limits: Limits, progress: Progress
) -> tuple[list[Checkpoint], bool, str]:
    """(the checkpoints in the given order, whether the first is epoch 0, the format)."""
    layouts = [(m, word2vec_layout(m.data, file_label(m.name))) for m in members]
    first = layouts[0]
    for member, layout in layouts[1:]:
        if layout.dim != first[1].dim:
            raise mismatch(file_label(first[0].name), first[1].dim, file_label(member.name), layout.dim)
    first_is = first_epoch(members, options)
    rows = max(
        layout.rows if options.max_words is None else min(layout.rows, options.max_words) for _, layout in layouts
    )
    check_values(label, len(members) + first_is, rows, first[1].dim, limits)
    checkpoints = []
    for i, member in enumerate(members):
        progress(
            0.05 + 0.6 * i / len(members),
            Deferred(N_("reading {file} ({n} of {total})"), file=file_label(member.name), n=i + 1, total=len(members)),
        )
        checkpoints.append(read_word2vec(member.data, member.name, options.max_words))
    kinds = sorted({c.kind for c in checkpoints})
    return checkpoints, first_is == 0, " + ".join(kinds)
