"""Corpora: reading text files safely, tokenising, and the built-in corpora.

corpus = load_corpus("toy")                      # or "lee", "wiki", or a path to .txt/.gz/.zip
corpus = corpus_from_bytes(upload.getvalue(), upload.name)   # st.file_uploader
corpus.sentences                                 # list of token lists, none empty, none over 1000 tokens

Tokenisation (:func:`tokenize`) is the same for every corpus: NFC, lower case, runs of
Unicode letters with their combining marks (so Vietnamese "người" and Hindi "हिन्दी" stay whole),
an apostrophe or hyphen *inside* a word keeps it one token ("don't", "well-known"),
punctuation dropped, numbers dropped unless asked for. Scripts written without spaces
(Chinese, Japanese, Thai) come out as one token per unbroken run of letters.

Uploaded bytes go through :func:`decode_bytes`: UTF-8 (BOM or not) or UTF-16 with a BOM,
optionally inside .gz or .zip (detected by magic bytes). Decompression is done in memory in
chunks and stops at ``Limits.max_uncompressed_mb``, so zip and gzip bombs are refused early and
nothing is ever extracted to disk. Every user-fixable problem raises :class:`EmbedLabError`
with a one-line message that says what to do.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import hashlib
import io
import json
import re
import sys
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from embedlab.atomic import atomic_write
from embedlab.config import BUILTIN_CORPORA, ENGLISH_BYTES_PER_TOKEN, Limits, cache_root
from embedlab.errors import EmbedLabError

MAX_SENTENCE_TOKENS = 1000  # gensim silently truncates sentences over 10,000 words; we cut them ourselves
TOKENIZER_VERSION = 1  # bump when tokenize() changes: it invalidates the on-disk corpus cache
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TEXT_SUFFIXES = (".txt", ".text", ".md", ".rst", ".cor", ".csv", ".tsv")  # zip entries we read
LEE_FILE = "lee_background.cor"
WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"

_MB = 1024 * 1024
ESTIMATE_MARGIN = 1.25  # refuse on the estimate only when it is this far over the token cap
_CHUNK = 1 << 20  # decompress 1 MiB at a time, checking the running total after each chunk
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c")
_MAX_CONTROL_SHARE = 0.01  # more control characters than this and it is not text
_TRANSLATE = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus: what the vocabulary and both trainers read.

    ``sentences`` holds no empty sentence and none longer than MAX_SENTENCE_TOKENS; ``sha256``
    is the hash of the source bytes (of the source file for a built-in) and keys every cache.

    >>> Corpus("demo", [["a", "b"], ["c"]], "0" * 64, "two sentences").n_tokens
    3
    """

    name: str
    sentences: list[list[str]]
    sha256: str
    description: str

    @property
    def n_tokens(self) -> int:
        return sum(len(sentence) for sentence in self.sentences)


# --- tokenising -------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _token_pattern() -> re.Pattern:
    """Candidate tokens: runs of letters, digits and combining marks, joined by single ' or -.

    ``re`` has no \\p{M}, and ``\\w`` leaves out combining marks (Mn/Mc/Me), which scripts
    such as Hindi, Arabic or decomposed Vietnamese need inside words, so the marks (and the
    zero-width (non-)joiners used in Persian and Indic words) are listed from unicodedata.
    """
    marks = [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)).startswith("M")]
    marks += [0x200C, 0x200D]
    ranges, start, prev = [], marks[0], marks[0]
    for cp in sorted(marks)[1:] + [-1]:
        if cp != prev + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = cp
        prev = cp
    char = rf"(?:[^\W_]|[{''.join(ranges)}])"
    return re.compile(rf"{char}+(?:['-]{char}+)*")


def tokenize(text: str, *, lowercase: bool = True, keep_numbers: bool = False) -> list[str]:
    """Words of ``text`` in order, as a list of strings (see the module docstring for the rules).

    A token needs at least one letter; with ``keep_numbers=False`` (the default) any token
    containing a digit ("2024", "mp3") is dropped whole, with ``keep_numbers=True`` it is kept
    ("3.14" gives "3" and "14"). Typographic apostrophes and hyphens count as ' and -.

    >>> tokenize("Don't panic: well-known Người Việt, 42 km, mp3 — ΕΛΛΆΔΑ!")
    ["don't", 'panic', 'well-known', 'người', 'việt', 'km', 'ελλάδα']
    """
    text = unicodedata.normalize("NFC", text.translate(_TRANSLATE))
    if lowercase:
        text = unicodedata.normalize("NFC", text.lower())
    tokens = []
    for token in _token_pattern().findall(text):
        has_number = any(ch.isnumeric() for ch in token)
        if has_number and not keep_numbers:
            continue
        if has_number or any(ch.isalpha() for ch in token):
            tokens.append(sys.intern(token))  # one object per distinct word, not one per token
    return tokens


def split_sentences(text: str) -> list[str]:
    """The lines of ``text`` (any line ending), long lines cut so each piece tokenises to at
    most MAX_SENTENCE_TOKENS tokens; blank lines are dropped.

    A cut falls just before a candidate token (letters or digits), counting candidates rather
    than kept tokens, so the bound holds whatever ``tokenize`` options are used later.

    >>> pieces = split_sentences("one two\\r\\n\\n" + "w " * 2500)
    >>> [len(tokenize(p)) for p in pieces]
    [2, 1000, 1000, 500]
    """
    pieces = []
    for line in text.splitlines():
        if not line.strip():
            continue
        # n candidates need at least 2n - 1 characters, so short lines cannot be too long
        if len(line) < 2 * MAX_SENTENCE_TOKENS:
            pieces.append(line)
            continue
        starts = [m.start() for m in _token_pattern().finditer(line)]
        cuts = [0] + starts[MAX_SENTENCE_TOKENS::MAX_SENTENCE_TOKENS] + [len(line)]
        pieces.extend(line[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if line[a:b].strip())
    return pieces


def _chunks(tokens: list[str]) -> list[list[str]]:
    return [tokens[i : i + MAX_SENTENCE_TOKENS] for i in range(0, len(tokens), MAX_SENTENCE_TOKENS)]


def _too_many_words(label: str, max_tokens: int, estimated: int | None = None) -> EmbedLabError:
    """The refusal of a text over the token cap; it says how much text fits."""
    mb = max_tokens * ENGLISH_BYTES_PER_TOKEN / 1e6
    fits = f"about {mb:,.0f} MB of English text" if mb >= 1 else f"about {mb * 1000:,.0f} kB of English text"
    if estimated is None:
        has = f"has more than {max_tokens:,} words, the limit here ({fits})"
    else:
        has = f"has about {estimated / 1e6:.1f} million words (estimated from a sample of it), more than the {max_tokens:,} allowed here ({fits})"
    return EmbedLabError(f"{label} {has}; upload a part of it (or set EMBEDLAB_UNLIMITED=1 on your own machine).")


def estimate_tokens(text: str, samples: int = 64, span: int = 8192) -> int:
    """About how many tokens :func:`tokenize` finds in ``text``, from ``samples`` evenly spaced
    pieces of ``span`` characters (exact when the text is no longer than all the pieces).

    Costs about a hundredth of tokenising a 30 MB text, so a file far over the token cap is
    refused before it is tokenised (and before its memory is spent).

    >>> estimate_tokens("one two three four\\n" * 100_000)  # 400,000 tokens, from 64 samples
    400001
    >>> estimate_tokens("Just three words")
    3
    """
    if len(text) <= samples * span:
        return len(tokenize(text))
    step = (len(text) - span) / (samples - 1)
    sampled_chars = sampled_tokens = 0
    for i in range(samples):
        start = int(i * step)
        piece = text[start : start + span]
        # drop the words cut at either end: whole words only, as the whole text would give
        first, last = piece.find(" "), piece.rfind(" ")
        if 0 <= first < last:
            piece = piece[first:last]
        sampled_chars += len(piece)
        sampled_tokens += len(tokenize(piece))
    return round(sampled_tokens / max(sampled_chars, 1) * len(text))


def _sentences_from_text(text: str, label: str, max_tokens: int) -> list[list[str]]:
    """Tokenised non-empty sentences of ``text``; refuses more than ``max_tokens`` tokens.

    A text whose estimate (:func:`estimate_tokens`) is far over the cap is refused before it is
    tokenised.
    """
    estimated = estimate_tokens(text)
    if estimated > ESTIMATE_MARGIN * max_tokens:
        raise _too_many_words(label, max_tokens, estimated)
    sentences, total = [], 0
    for piece in split_sentences(text):
        tokens = tokenize(piece)
        if tokens:
            sentences.append(tokens)
            total += len(tokens)
            if total > max_tokens:
                raise _too_many_words(label, max_tokens)
    if not sentences:
        raise EmbedLabError(
            f"{label} has no words left after removing numbers and punctuation; upload a text with words in it."
        )
    return sentences


# --- reading bytes ----------------------------------------------------------------------


def _label(filename: str) -> str:
    """The file's base name, safe to put in a one-line message."""
    name = Path(str(filename).replace("\\", "/")).name or str(filename)
    return "".join(ch if ch.isprintable() else "?" for ch in name)[:120] or "the file"


def _too_big(label: str, limit_mb: int) -> EmbedLabError:
    return EmbedLabError(
        f"{label} decompresses to more than {limit_mb} MB, the limit here; upload a smaller part of it "
        "(or set EMBEDLAB_UNLIMITED=1 on your own machine)."
    )


def _gunzip(data: bytes, label: str, limit_mb: int) -> bytes:
    out, total = [], 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit_mb * _MB:
                    raise _too_big(label, limit_mb)
                out.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise EmbedLabError(
            f"{label} is not a valid gzip file ({type(exc).__name__}); compress it again or upload the plain .txt file."
        ) from exc
    return b"".join(out)


def _is_text_entry(info: zipfile.ZipInfo) -> bool:
    parts = info.filename.replace("\\", "/").split("/")
    base = parts[-1]
    if info.is_dir() or "__MACOSX" in parts or base.startswith("._") or not base:
        return False
    return base.lower().endswith(TEXT_SUFFIXES)


def _unzip_texts(data: bytes, label: str, limit_mb: int) -> str:
    """Every text entry of the zip, sorted by name, decoded and joined with newlines.

    Entry names are only sorted and looked at for their suffix, never used as paths, so an
    entry called "../../x.txt" is read as data like any other and nothing touches the disk.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise EmbedLabError(f"{label} is not a valid zip file; zip it again or upload the plain .txt file.") from exc
    with archive:
        entries = sorted((i for i in archive.infolist() if _is_text_entry(i)), key=lambda i: i.filename)
        if not entries:
            raise EmbedLabError(
                f"{label} has no text file in it (looked for {', '.join(TEXT_SUFFIXES)}); "
                "put your text in .txt files and zip them again."
            )
        if sum(i.file_size for i in entries) > limit_mb * _MB:  # the declared sizes: cheap early refusal
            raise _too_big(label, limit_mb)
        texts, total = [], 0
        for info in entries:
            parts = []
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)  # the real sizes: headers can lie
                        if total > limit_mb * _MB:
                            raise _too_big(label, limit_mb)
                        parts.append(chunk)
            except RuntimeError as exc:  # zipfile raises RuntimeError for encrypted entries
                raise EmbedLabError(f"{label} is password-protected; zip it again without a password.") from exc
            except NotImplementedError as exc:
                raise EmbedLabError(
                    f"{label} uses a compression method Python cannot read; zip it again with the standard (deflate) method."
                ) from exc
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise EmbedLabError(f"{label} is damaged ({type(exc).__name__}); zip it again.") from exc
            texts.append(_decode_text(b"".join(parts), f"{label} ({_label(info.filename)})"))
        return "\n".join(texts)


def _looks_like_bomless_utf16(data: bytes) -> bool:
    """True when ``data`` decodes as UTF-16 (either byte order) to printable text."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(1 for ch in text if ch.isprintable() or ch.isspace())
        if "\x00" not in text and printable >= 0.95 * len(text):
            return True
    return False


def _decode_text(data: bytes, label: str) -> str:
    """Bytes of one text file to str: a BOM decides the encoding, otherwise strict UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise EmbedLabError(
                    f"{label} starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()}; "
                    "save it again as UTF-8."
                ) from exc
            break
    else:
        if b"\x00" in data:
            if _looks_like_bomless_utf16(data):
                raise EmbedLabError(f"{label} looks like UTF-16 without a byte-order mark; save it as UTF-8.")
            raise EmbedLabError(
                f"{label} is binary data, not text (it contains NUL bytes); upload a plain-text .txt, .gz or .zip file."
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EmbedLabError(
                f"{label} is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                "save it as UTF-8 (in most editors: Save As, Encoding: UTF-8) and upload it again."
            ) from exc
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise EmbedLabError(
            f"{label} looks like binary data, not text (too many control characters); upload a plain-text file."
        )
    return text


def decode_bytes(data: bytes, filename: str, limits: Limits | None = None) -> str:
    """The text inside an uploaded file's bytes, as one str.

    ``data`` may be UTF-8 (with or without BOM), UTF-16 with a BOM, or such text inside a
    .gz or .zip (recognised by magic bytes, not by ``filename``, which is only used in
    messages). A zip gives its text entries sorted by name, joined by newlines. Raises
    EmbedLabError for an upload over ``limits.max_upload_mb``, output over
    ``limits.max_uncompressed_mb``, binary or non-UTF data, a damaged archive, or no text.

    >>> decode_bytes("\\ufeffcafé\\r\\n".encode("utf-8"), "notes.txt")
    'café\\r\\n'
    """
    limits = limits or Limits.from_env()
    label = _label(filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > limits.max_upload_mb * _MB:
        raise EmbedLabError(
            f"{label} is {len(data) / _MB:.1f} MB, more than the {limits.max_upload_mb} MB allowed here (about "
            f"{limits.max_tokens / 1e6:g} million words of English, the word limit); upload a part of it, or compress "
            "it as .gz or .zip if it has fewer words than that."
        )
    if not data.strip():
        raise EmbedLabError(f"{label} is empty; upload a text file with words in it.")
    if data.startswith(_GZIP_MAGIC):
        text = _decode_text(_gunzip(data, label, limits.max_uncompressed_mb), label)
    elif data.startswith(_ZIP_MAGICS):
        text = _unzip_texts(data, label, limits.max_uncompressed_mb)
    else:
        text = _decode_text(data, label)
    if not text.strip():
        raise EmbedLabError(f"{label} has no text in it (only blanks); upload a text file with words in it.")
    return text


def corpus_from_bytes(data: bytes, filename: str, *, limits: Limits | None = None) -> Corpus:
    """A Corpus from an uploaded file's bytes (one sentence per line; see :func:`decode_bytes`).

    ``name`` is the file's base name and ``sha256`` the hash of ``data`` exactly as given.

    >>> c = corpus_from_bytes(b"The cat sat.\\nThe dog, 2 times!\\n", "pets.txt")
    >>> c.name, c.sentences, c.n_tokens
    ('pets.txt', [['the', 'cat', 'sat'], ['the', 'dog', 'times']], 6)
    """
    limits = limits or Limits.from_env()
    label = _label(filename)
    text = decode_bytes(data, filename, limits)
    sentences = _sentences_from_text(text, label, limits.max_tokens)
    n_tokens = sum(len(s) for s in sentences)
    return Corpus(
        name=label,
        sentences=sentences,
        sha256=hashlib.sha256(bytes(data)).hexdigest(),
        description=f"{label}: {len(sentences):,} sentences, {n_tokens:,} tokens",
    )


# --- built-in corpora -------------------------------------------------------------------


def _gensim_file(name: str) -> Path:
    from gensim.test.utils import datapath

    path = Path(datapath(name))
    if not path.is_file():
        raise EmbedLabError(
            f"the built-in corpus file {name} is missing from gensim; reinstall it: pip install gensim==4.4.0"
        )
    return path


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where tokenised built-in corpora are cached: ``$EMBEDLAB_CACHE_DIR/corpora``
    (default ``~/.cache/embedlab/corpora``)."""
    return cache_root() / "corpora"


def _cache_path(name: str, sha256: str) -> Path:
    return cache_dir() / f"{name}-{sha256}-tok{TOKENIZER_VERSION}.json"


def _read_cache(path: Path, sha256: str) -> tuple[list[list[str]], int] | None:
    """(sentences, documents) from the cache, or None when the file is missing, damaged or
    holds another file's or another tokenizer version's result."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        sentences = payload["sentences"]
        ok = (
            payload["sha256"] == sha256
            and payload["tokenizer_version"] == TOKENIZER_VERSION
            and isinstance(sentences, list)
            and isinstance(payload["documents"], int)
            and payload["n_tokens"] == sum(len(s) for s in sentences)
            and all(isinstance(s, list) and s and all(isinstance(w, str) for w in s) for s in sentences)
        )
        return (sentences, payload["documents"]) if ok else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, sha256: str, sentences: list[list[str]], documents: int) -> None:
    """Write atomically (temp file in the same directory, then os.replace); a cache that
    cannot be written (read-only disk) is skipped, not an error."""
    payload = {
        "sha256": sha256,
        "tokenizer_version": TOKENIZER_VERSION,
        "n_tokens": sum(len(s) for s in sentences),
        "documents": documents,
        "sentences": sentences,
    }
    try:
        atomic_write(path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    except OSError:
        pass


def _wiki_tokenizer(text: str, token_min_len: int, token_max_len: int, lower: bool) -> list[str]:
    """gensim's tokenizer_func interface over our :func:`tokenize` (lengths ignored, so tokens
    are the same as for every other corpus)."""
    return tokenize(text, lowercase=lower)


def wiki_articles(path: Path) -> Iterator[list[str]]:
    """The tokens of each article of a Wikipedia dump, read in this process.

    What ``WikiCorpus.get_texts`` yields (main namespace, markup stripped by gensim's
    ``process_article``, redirects and stubs under ARTICLE_MIN_WORDS tokens dropped), without
    its worker pool: ``get_texts`` always forks one, even with ``processes=1``, and a child
    forked inside a Streamlit server inherits its SIGTERM handler and can hang there for ever.
    Nothing here starts a process or a thread (``tests/test_corpus.py`` checks both).
    """
    from gensim.corpora.wikicorpus import ARTICLE_MIN_WORDS, IGNORED_NAMESPACES, extract_pages, process_article

    with bz2.BZ2File(path) as dump:
        for title, text, pageid in extract_pages(dump, filter_namespaces=("0",)):
            tokens, title, _ = process_article((text, title, pageid), tokenizer_func=_wiki_tokenizer, lower=True)
            if len(tokens) < ARTICLE_MIN_WORDS or any(title.startswith(ns + ":") for ns in IGNORED_NAMESPACES):
                continue
            yield tokens


def _wiki_sentences(path: Path, sha256: str) -> tuple[list[list[str]], int]:
    """(sentences, number of articles) of the Wikipedia sample: each article tokenised and cut
    into ≤1000-token sentences; from the disk cache when it holds this file's result for this
    tokenizer version, otherwise parsed in this process (a few seconds) and written to the cache."""
    cached = _cache_path("wiki", sha256)
    hit = _read_cache(cached, sha256)
    if hit is not None:
        return hit
    articles = list(wiki_articles(path))
    sentences = [chunk for article in articles for chunk in _chunks(article)]
    _write_cache(cached, sha256, sentences, len(articles))
    return sentences, len(articles)


@functools.lru_cache(maxsize=len(BUILTIN_CORPORA))
def _builtin(name: str) -> tuple[tuple[tuple[str, ...], ...], str, str]:
    """(sentences as tuples, sha256, description) of a built-in corpus; cached in-process,
    immutable so that callers cannot change each other's copy."""
    no_limit = 10**12
    if name in ("toy", "toy-shift"):
        path = DATA_DIR / ("toy_corpus.txt" if name == "toy" else "toy_shift_corpus.txt")
        if not path.is_file():
            raise EmbedLabError(f"the toy corpus {path} is missing; regenerate it: python data/make_toy_corpus.py")
        data = path.read_bytes()
        sentences = _sentences_from_text(data.decode("utf-8"), "toy corpus", no_limit)
        if name == "toy":
            groups = ", ".join(toy_groups())
            description = f"Toy corpus with planted word groups ({groups}), {len(sentences):,} sentences"
        else:
            moved = ", ".join(shifted_words())
            description = (
                f"Second toy domain: the same groups, but {moved} change company; {len(sentences):,} sentences"
            )
        sha256 = hashlib.sha256(data).hexdigest()
    elif name == "lee":
        data = _gensim_file(LEE_FILE).read_bytes()
        sentences = _sentences_from_text(_decode_text(data, LEE_FILE), LEE_FILE, no_limit)
        description = f"Lee news corpus (gensim test data), {len(data.splitlines()):,} documents"
        sha256 = hashlib.sha256(data).hexdigest()
    elif name == "wiki":
        path = _gensim_file(WIKI_FILE)
        sha256 = _sha256_file(path)
        sentences, n_articles = _wiki_sentences(path, sha256)
        description = f"English Wikipedia sample (gensim test data), {n_articles:,} articles"
    else:
        raise EmbedLabError(f"unknown built-in corpus {name!r}; choose one of {', '.join(BUILTIN_CORPORA)}.")
    words: dict[str, str] = {}  # one str object per word type (the JSON cache gives one per token)
    return tuple(tuple(words.setdefault(w, w) for w in s) for s in sentences), sha256, description


def toy_groups() -> dict[str, list[str]]:
    """The word groups planted in the toy corpus (``data/toy_groups.json``): name -> words.

    >>> toy_groups()["royalty"][:2]
    ['king', 'queen']
    """
    return json.loads((DATA_DIR / "toy_groups.json").read_text(encoding="utf-8"))


def shifted_words() -> list[str]:
    """The planted words that change company in the second toy domain (``toy-shift``).

    >>> shifted_words()
    ['apple', 'green', 'king', 'lion']
    """
    return list(json.loads((DATA_DIR / "toy_shift_words.json").read_text(encoding="utf-8"))["shifted"])


def planted_groups(corpus_name: str) -> dict[str, list[str]] | None:
    """The word groups planted in a built-in corpus (``toy``; the second toy domain shares them),
    else None. The one answer to "which word groups does this corpus have".

    >>> planted_groups("toy")["royalty"][:2], planted_groups("wiki")
    (['king', 'queen'], None)
    """
    if corpus_name not in ("toy", "toy-shift"):
        return None
    try:
        groups = toy_groups()
    except (OSError, ValueError) as error:
        raise EmbedLabError(
            f"could not read the toy corpus's groups ({error}); restore data/toy_groups.json."
        ) from error
    if not isinstance(groups, dict) or not all(isinstance(w, list) for w in groups.values()):
        raise EmbedLabError("data/toy_groups.json must map each group name to a list of words; restore it.")
    return {str(name): [str(w) for w in words] for name, words in groups.items()}


def load_corpus(source: str, *, limits: Limits | None = None) -> Corpus:
    """A Corpus from a built-in name ("toy", "lee", "wiki") or the path of a .txt/.gz/.zip file.

    Built-ins come from this repository (toy) or the installed gensim package (lee, wiki) and
    are cached in memory (and wiki on disk, see :func:`cache_dir`); each call returns fresh
    lists. A path is read like an upload (:func:`corpus_from_bytes`), after checking that it
    exists, is a file and is not larger than ``limits.max_upload_mb``. Built-in names win: a
    file called ``toy`` in the working directory is read as ``./toy``.

    >>> toy = load_corpus("toy")
    >>> toy.name, toy.sentences[0]
    ('toy', ['you', 'should', 'sing', 'more', 'often'])
    """
    limits = limits or Limits.from_env()
    if source in BUILTIN_CORPORA:
        sentences, sha256, description = _builtin(source)
        corpus = Corpus(source, [list(s) for s in sentences], sha256, description)
        if corpus.n_tokens > limits.max_tokens:
            raise EmbedLabError(
                f"the {source} corpus has {corpus.n_tokens:,} words, more than the {limits.max_tokens:,} allowed here; "
                "choose a smaller corpus (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
            )
        return corpus
    path = Path(source).expanduser()
    label = _label(source)
    if path.is_dir():
        raise EmbedLabError(f"{source} is a folder; give the path of a .txt, .gz or .zip file (or zip the folder).")
    if not path.is_file():
        raise EmbedLabError(
            f"no file at {source}; check the path, or use one of the built-in corpora: {', '.join(BUILTIN_CORPORA)}."
        )
    size = path.stat().st_size
    if size > limits.max_upload_mb * _MB:
        raise EmbedLabError(
            f"{label} is {size / _MB:.1f} MB, more than the {limits.max_upload_mb} MB allowed here; "
            "use a smaller file or compress it as .gz or .zip (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EmbedLabError(f"cannot read {source} ({exc.strerror}); check that the file is readable.") from exc
    return corpus_from_bytes(data, path.name, limits=limits)


# --- statistics -------------------------------------------------------------------------


def corpus_stats(corpus: Corpus, min_count: int) -> dict:
    """Counts for the UI: sentences, tokens, types, vocab_after_min_count (types seen at least
    ``min_count`` times), mean_sentence_length and hapax (types seen exactly once).

    >>> corpus_stats(Corpus("t", [["a", "b", "a"], ["c"]], "", ""), min_count=2)
    {'sentences': 2, 'tokens': 4, 'types': 3, 'vocab_after_min_count': 1, 'mean_sentence_length': 2.0, 'hapax': 2}
    """
    counts = Counter(word for sentence in corpus.sentences for word in sentence)
    n_sentences, n_tokens = len(corpus.sentences), sum(counts.values())
    return {
        "sentences": n_sentences,
        "tokens": n_tokens,
        "types": len(counts),
        "vocab_after_min_count": sum(1 for c in counts.values() if c >= min_count),
        "mean_sentence_length": n_tokens / n_sentences if n_sentences else 0.0,
        "hapax": sum(1 for c in counts.values() if c == 1),
    }


def frequency_table(corpus: Corpus) -> pd.DataFrame:
    """One row per word type: columns word, count, rank (1 = most frequent), sorted by count
    descending, ties by word ascending, so the order never depends on the input order.

    >>> frequency_table(Corpus("t", [["b", "a", "c", "a"], ["c"]], "", "")).to_dict("list")
    {'word': ['a', 'c', 'b'], 'count': [2, 2, 1], 'rank': [1, 2, 3]}
    """
    counts = Counter(word for sentence in corpus.sentences for word in sentence)
    rows = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
    table = pd.DataFrame(
        {
            "word": pd.Series([w for w, _ in rows], dtype=object),
            "count": pd.Series([c for _, c in rows], dtype="int64"),
        }
    )
    table["rank"] = pd.Series(range(1, len(rows) + 1), dtype="int64")
    return table
