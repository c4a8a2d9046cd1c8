"""A corpus file too big to hold: read, tokenised and counted in passes over the disk.

streamed = prepare_streamed("big.txt.gz", CorpusOptions(source="big.txt.gz", min_count=5), workdir)
streamed.prepared           # a Prepared like prepare()'s: same split, vocabulary and rows
streamed.train_file         # the training sentences, in-vocabulary words only: gensim's corpus_file

The text is never held whole. The first pass tokenises it a block of lines at a time (the same
tokens as :func:`~embedlab.text.tokenizer.split_sentences` and :func:`~embedlab.text.tokenizer.tokenize`
give :func:`~embedlab.text.corpus.load_corpus`), gives every distinct word an id, writes the
sentences to ``workdir`` as int32 ids and keeps one 64-bit key per sentence; the held-out split is
drawn from the keys as :func:`~embedlab.text.vocab.heldout_indices` draws it from the sentences; the
second pass counts the training sentences' words (the vocabulary is the training part's); the third
writes the training and held-out sentences as int32 rows (memory-mapped, read in blocks) and the
training sentences as text for gensim. Memory holds one entry per distinct word, 8 bytes per
sentence and fixed-size buffers, never a list of every token.

What needs the whole text at once is refused with the way out: UTF-16 or zipped text, double-encoded
(mojibake) text and Vietnamese that would be segmented into words (``--no-stream`` reads them
whole, within memory).
"""

from __future__ import annotations

import ctypes
import gzip
import os
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab.atomic import sha256_file
from embedlab.config import CorpusOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.text.mojibake import looks_double_encoded, repair_mojibake
from embedlab.text.prepared import CorpusInfo, Prepared
from embedlab.text.segmentation import decide
from embedlab.text.tokenizer import _TRANSLATE, _token_pattern, split_sentences
from embedlab.text.uploads import GZIP_MAGIC, file_label
from embedlab.text.vocab import Encoded, Vocabulary

BLOCK_BYTES = 4 << 20  # text tokenised at once: its tokens are the only per-token list held
SAMPLE_BYTES = 1 << 20  # the start of the text that decides segmentation
ENCODE_TOKENS = 1 << 20  # tokens encoded at once: writing them as text holds ~60 bytes a token
STREAM_ABOVE_MB = 32  # the CLI streams files larger than this (the app's uploads stay below)

Progress = Callable[[str, float], None]  # (stage, fraction done)
# The token pattern on ASCII text: its combining marks are never ASCII, and [^\W_] there is [A-Za-z0-9];
# the full pattern's thousands of mark ranges make it several times slower
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['_-][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class Streamed:
    """A corpus prepared from disk: ``prepared`` (its Encoded rows memory-mapped from
    ``workdir``) and ``train_file``, the training sentences as text (one a line, in-vocabulary
    words only), which gensim reads itself as ``corpus_file``."""

    prepared: Prepared
    train_file: Path
    workdir: Path


def should_stream(source: str, stream: bool | None) -> bool:
    """Whether the CLI reads ``source`` streamed: as asked, else a file over STREAM_ABOVE_MB."""
    path = Path(source).expanduser()
    if stream is not None:
        return stream and path.is_file()
    return path.is_file() and path.stat().st_size > STREAM_ABOVE_MB * 2**20


def _text_blocks(path: Path, label: str, progress: Progress | None) -> Iterator[str]:
    """The file's text in blocks of whole lines, strict UTF-8 (a BOM dropped); progress by bytes read."""
    size = max(path.stat().st_size, 1)
    raw = open(path, "rb")
    try:
        magic = raw.read(2)
        raw.seek(0)
        stream = gzip.open(raw, "rb") if magic == GZIP_MAGIC else raw
        first, offset = True, 0
        while True:
            block = stream.read(BLOCK_BYTES)
            if not block:
                break
            block += stream.readline()  # end on a whole line
            if first:
                if block.startswith((b"\xff\xfe", b"\xfe\xff")) or block.startswith(b"PK\x03\x04"):
                    raise EmbedLabError(
                        f"{label} is UTF-16 or zipped; a streamed corpus must be UTF-8 text or .gz of it "
                        "(convert it, or read it whole with --no-stream)."
                    )
                block = block.removeprefix(b"\xef\xbb\xbf")
                first = False
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError as error:
                raise EmbedLabError(
                    f"{label} is not UTF-8 text (byte 0x{block[error.start]:02x} near byte {offset + error.start:,}); "
                    "save it as UTF-8."
                ) from None
            if "\x00" in text:
                raise EmbedLabError(f"{label} looks like binary data, not text; give a plain-text file.")
            offset += len(block)
            if progress is not None:
                progress("reading and counting", min(raw.tell() / size, 1.0))
            yield text
    finally:
        raw.close()


def tokenized_pieces(text: str) -> Iterator[list[str]]:
    """``[tokenize(piece) for piece in split_sentences(text)]``, with the text normalised once for all
    its pieces instead of once per piece, and ASCII pieces matched by the token pattern's ASCII form.

    Normalising the pieces joined by line breaks gives each piece normalised, since a line break
    joins with nothing (NFC) and ends a word (lowercasing's final sigma); the token filter is
    :func:`~embedlab.text.tokenizer.tokenize`'s: a token with a letter, numbers dropped
    (tests/test_streamed.py checks the two agree on text of every script and shape).

    >>> list(tokenized_pieces("Don’t PANIC 42\n\nΟΔΟΣ mp3"))
    [["don't", 'panic'], ['οδος', 'mp3']]
    """
    joined = "\n".join(split_sentences(text))
    joined = unicodedata.normalize("NFC", unicodedata.normalize("NFC", joined.translate(_TRANSLATE)).lower())
    findall, ascii_findall = _token_pattern().findall, _ASCII_TOKEN.findall
    for piece in joined.split("\n"):
        tokens = ascii_findall(piece) if piece.isascii() else findall(piece)
        yield [t for t in tokens if t.isalpha() or any(ch.isalpha() for ch in t)]


def heldout_from_keys(keys: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """:func:`embedlab.text.vocab.heldout_indices` from one key per sentence (equal sentences, equal
    keys) instead of the sentences: groups numbered by first appearance, drawn in the same order.

    >>> heldout_from_keys(np.array([7, 3, 7, 5, 9, 7]), 0.5, seed=1).tolist()  # every 7 together
    [0, 2, 5]
    """
    n = len(keys)
    if fraction <= 0 or n < 2:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if len(first) < 2:
        return np.zeros(0, dtype=np.int64)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    groups = rank[inverse.ravel()]
    sizes = np.bincount(groups)
    order = np.random.default_rng(seed).permutation(len(sizes))
    wanted = max(1, int(round(fraction * n)))
    taken = np.concatenate([[0], np.cumsum(sizes[order])])
    n_groups = min(int(np.argmin(np.abs(taken - wanted))), len(sizes) - 1)
    held = np.zeros(len(sizes), dtype=bool)
    held[order[:n_groups]] = True
    return np.flatnonzero(held[groups])


def _check_segmentation(text: str, options: CorpusOptions, label: str) -> str:
    applied, reason, _ = decide(options.segment, text)
    if applied == "words" and not reason.startswith("already segmented"):
        raise EmbedLabError(
            f"{label} would be segmented into Vietnamese words, which a streamed corpus does not do; segment it "
            "first, or pass --segment syllables (or read it whole with --no-stream)."
        )
    return applied


def _first_pass(
    path: Path, label: str, options: CorpusOptions, limits: Limits, ids_path: Path, progress: Progress | None
) -> tuple[array, array, dict[str, int], int, str | None]:
    """Pass 1: the text tokenised a block at a time, each sentence written to ``ids_path`` as
    int32 word ids; returns every sentence's 64-bit key and length, the word → id table (in order
    of first appearance), the token count and the segmentation applied."""
    table: dict[str, int] = {}
    keys, lengths = array("q"), array("q")
    n_tokens, applied = 0, None
    with open(ids_path, "wb") as out:
        for text in _text_blocks(path, label, progress):
            if applied is None:
                applied = _check_segmentation(text[:SAMPLE_BYTES], options, label)
            if looks_double_encoded(text) and repair_mojibake(text)[1].repaired:
                raise EmbedLabError(
                    f"{label} holds double-encoded (mojibake) text, which is repaired only when read whole; "
                    "repair it first, or read it whole with --no-stream."
                )
            block = array("i")
            for tokens in tokenized_pieces(text):
                if tokens:
                    ids = [table.setdefault(w, len(table)) for w in tokens]
                    keys.append(hash(tuple(ids)))  # equal sentences, equal ids, equal keys
                    lengths.append(len(ids))
                    block.extend(ids)
            block.tofile(out)
            n_tokens += len(block)
            if n_tokens > limits.max_tokens:
                raise EmbedLabError(
                    f"{label} has more than {limits.max_tokens:,} words, the limit here; "
                    "set EMBEDLAB_UNLIMITED=1 on your own machine."
                )
    return keys, lengths, table, n_tokens, applied


def prepare_streamed(
    source: str,
    options: CorpusOptions,
    workdir: str | os.PathLike,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Streamed:
    """The corpus file ``source`` split, counted and encoded into ``workdir`` in three passes.

    The result equals ``prepare(load_corpus(source), options)`` for a UTF-8 text that needs no
    repair and no segmenting (tests/test_streamed.py): the same sha256, sentences, split,
    vocabulary and rows. ``progress(stage, fraction)`` reports each pass.
    """
    limits = limits or Limits.from_env()
    options = options.validate()
    path, label = Path(source).expanduser(), file_label(source)
    if not path.is_file():
        raise EmbedLabError(f"no file at {source}; check the path.")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    sha = sha256_file(path)
    keys, lengths, table, n_tokens, applied = _first_pass(path, label, options, limits, workdir / "ids.i32", progress)
    if not keys:
        raise EmbedLabError(f"{label} has no words left after removing numbers and punctuation.")
    held = heldout_from_keys(np.frombuffer(keys, dtype=np.int64), options.heldout_fraction, options.split_seed)
    del keys
    words = list(table)
    del table
    is_held = np.zeros(len(lengths), dtype=bool)
    is_held[held] = True
    sentences = _mapped(workdir / "ids.i32", lengths)
    vocab, row_of = _training_vocabulary(sentences, is_held, words, options, progress)
    del words  # the words below min_count: most of the distinct words of a large text
    train, heldout = _encode(sentences, is_held, row_of, vocab, workdir, progress)
    (workdir / "ids.i32").unlink()
    give_back_freed_memory()
    info = CorpusInfo(
        label,
        sha,
        f"{label}: {len(is_held):,} sentences, {n_tokens:,} tokens",
        len(is_held),
        n_tokens,
        applied or "syllables",
    )
    return Streamed(Prepared(info, options, vocab, train, heldout, held), workdir / "train.txt", workdir)


def give_back_freed_memory() -> None:
    """Hand the heap freed by the passes back to the system. glibc keeps freed blocks for reuse, and
    after the word table of every distinct word is let go they are most of the process's memory
    (110 MB of 390 MB after 20 M Zipf tokens); a no-op where malloc_trim does not exist."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _sentence_blocks(
    sentences: Encoded, is_held: np.ndarray, tokens_per_block: int = 1 << 22
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(word ids, each token's sentence within the block, whether each of the block's sentences is held out)."""
    first = 0
    for part in blocks(sentences, tokens_per_block):
        n = len(part)
        yield part.tokens, part.sentence_ids(), is_held[first : first + n]
        first += n


def _training_vocabulary(sentences, is_held, words, options, progress) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary of the training sentences, as :func:`~embedlab.text.vocab.build_vocabulary` makes it (most
    frequent first, ties alphabetical), and each word id's row (−1: not in it)."""
    counts = np.zeros(len(words), dtype=np.int64)
    done = 0
    for ids, sentence, held in _sentence_blocks(sentences, is_held):
        counts += np.bincount(ids[~held[sentence]], minlength=len(words))
        done += len(ids)
        if progress is not None:
            progress("counting the training words", done / max(sentences.n_tokens, 1))
    candidates = np.flatnonzero(counts >= options.min_count)
    kept = sorted(candidates.tolist(), key=lambda i: (-counts[i], words[i]))
    if options.max_vocab is not None:
        kept = kept[: options.max_vocab]
    if len(kept) < 2:
        raise EmbedLabError(
            f"only {len(kept)} distinct word(s) occur at least {options.min_count} times in the training text; "
            "lower min_count or use a larger corpus."
        )
    row_of = np.full(len(words), -1, dtype=np.int64)
    row_of[kept] = np.arange(len(kept))
    # fresh copies of the kept words: the originals lie scattered among the millions of words let go,
    # and would keep most of the allocator's blocks from being freed
    return Vocabulary.from_words([words[i].encode().decode() for i in kept], counts[kept]), row_of


def _encode(sentences: Encoded, is_held, row_of, vocab: Vocabulary, workdir: Path, progress) -> tuple:
    """Both parts as int32 rows on disk (memory-mapped back), out-of-vocabulary words and the
    sentences left empty dropped, and the training part as text (gensim's corpus_file)."""
    lengths = {False: array("q"), True: array("q")}
    files = {False: open(workdir / "train.i32", "wb"), True: open(workdir / "heldout.i32", "wb")}
    text = open(workdir / "train.txt", "w", encoding="utf-8")
    words = np.array(vocab.words, dtype=object)
    done = 0
    try:
        for ids, sentence, held in _sentence_blocks(sentences, is_held, ENCODE_TOKENS):
            rows = row_of[ids]
            for part in (False, True):
                keep = (rows >= 0) & (held[sentence] == part)
                kept_rows = rows[keep].astype(np.int32)
                per_sentence = np.bincount(sentence[keep], minlength=len(held))
                per_sentence = per_sentence[per_sentence > 0]
                kept_rows.tofile(files[part])
                lengths[part].extend(per_sentence.tolist())
                if not part and len(kept_rows):
                    between = np.full(len(kept_rows), " ", dtype=object)
                    between[np.cumsum(per_sentence) - 1] = "\n"
                    pieces = np.empty(2 * len(kept_rows), dtype=object)
                    pieces[0::2], pieces[1::2] = words[kept_rows], between
                    text.write("".join(pieces.tolist()))
            done += len(ids)
            if progress is not None:
                progress("encoding", done / max(sentences.n_tokens, 1))
    finally:
        for f in files.values():
            f.close()
        text.close()
    return _mapped(workdir / "train.i32", lengths[False]), _mapped(workdir / "heldout.i32", lengths[True])


def _mapped(path: Path, lengths: array) -> Encoded:
    starts = np.concatenate([[0], np.cumsum(np.frombuffer(lengths, dtype=np.int64))]).astype(np.int64)
    if not starts[-1]:
        return Encoded(np.zeros(0, np.int32), starts)
    return Encoded(np.memmap(path, dtype=np.int32, mode="r", shape=(int(starts[-1]),)), starts)


def blocks(encoded: Encoded, tokens_per_block: int = 1 << 22) -> Iterator[Encoded]:
    """Whole sentences of ``encoded``, about ``tokens_per_block`` tokens at a time, copied out of
    the map (so the pages read do not stay in the process)."""
    first = 0
    while first < len(encoded):
        last = int(np.searchsorted(encoded.starts, encoded.starts[first] + tokens_per_block, side="right")) - 1
        last = max(last, first + 1)
        a, b = int(encoded.starts[first]), int(encoded.starts[last])
        yield Encoded(read_tokens(encoded.tokens, a, b), encoded.starts[first : last + 1] - a)
        first = last


def read_tokens(tokens: np.ndarray, a: int, b: int) -> np.ndarray:
    """``tokens[a:b]`` as a new array; from a map by a plain file read, so no page of it stays
    mapped into the process (a mapped page read counts in its resident memory)."""
    if isinstance(tokens, np.memmap) and tokens.filename is not None:
        return np.fromfile(tokens.filename, dtype=np.int32, count=b - a, offset=tokens.offset + 4 * a)
    return np.array(tokens[a:b])
