"""Corpora: a text file or a built-in name in, a tokenised :class:`Corpus` out.

corpus = load_corpus("toy")                      # or "lee", "wiki", or a path to .txt/.gz/.zip
corpus = corpus_from_bytes(upload.getvalue(), upload.name)   # st.file_uploader
corpus.sentences                                 # list of token lists, none empty, none over 1000 tokens

The steps live in their own modules: bytes → text in :mod:`embedlab.text.decoding` (encodings,
.gz and .zip within the limits), text → tokens in :mod:`embedlab.text.tokenizer` (the rules and the
token cap), the built-in corpora and their planted word groups in
:mod:`embedlab.text.builtin_corpora`. Every user-fixable problem raises :class:`EmbedLabError`
with a one-line message that says what to do.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from embedlab.atomic import atomic_write
from embedlab.config import BUILTIN_CORPORA, Limits, cache_root
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks
from embedlab.i18n import N_, Deferred, _, number
from embedlab.text.builtin_corpora import DATA_DIR as DATA_DIR  # training.py's import: its source is in every cache key
from embedlab.text.builtin_corpora import read_builtin
from embedlab.text.corpus_markup import MarkupReport, detect_markup, strip_markup, words_markup_adds
from embedlab.text.decoding import decode_upload
from embedlab.text.mojibake import RepairReport
from embedlab.text.segmentation import (
    SEGMENTER,
    Segmentation,
    count_syllables,
    decide,
    segment_text,
    with_words,
)
from embedlab.text.tokenizer import refuse_far_over_cap, sentences_from_text, tokenize
from embedlab.text.uploads import file_label, read_file

MARKUP_SAMPLE_CHARS = 2_000_000


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus: what the vocabulary and both trainers read.

    ``sentences`` holds no empty sentence and none longer than MAX_SENTENCE_TOKENS; ``sha256``
    is the hash of the source bytes (of the source file for a built-in) and keys every cache.
    ``repair`` says which double-encoded lines were repaired on the way in (none for a built-in),
    ``segmentation`` whether the words are words or syllables as written, and why, ``markup``
    what markup (Markdown, LaTeX, HTML) the source text carried.

    >>> Corpus("demo", [["a", "b"], ["c"]], "0" * 64, "two sentences").n_tokens
    3
    """

    name: str
    sentences: list[list[str]]
    sha256: str
    description: str
    repair: RepairReport = field(default_factory=RepairReport)
    segmentation: Segmentation = field(default_factory=Segmentation)
    markup: MarkupReport = field(default_factory=MarkupReport, compare=False)

    @property
    def n_tokens(self) -> int:
        return sum(len(sentence) for sentence in self.sentences)


def corpus_from_bytes(
    data: bytes,
    filename: str,
    *,
    limits: Limits | None = None,
    segment: str = "syllables",
    hooks: Hooks | None = None,
) -> Corpus:
    """A Corpus from an uploaded file's bytes (one sentence per line; see :func:`decode_upload`).

    ``name`` is the file's base name and ``sha256`` the hash of ``data`` exactly as given;
    double-encoded UTF-8 is repaired first and ``repair`` says what was done. ``segment``
    ("syllables", "words" or "auto", see :mod:`embedlab.text.segmentation`) decides whether
    Vietnamese is segmented into words; segmenting reports to ``hooks`` and stops when asked
    (TrainingCancelled), and its result is cached on disk by the file's hash.

    >>> c = corpus_from_bytes(b"The cat sat.\\nThe dog, 2 times!\\n", "pets.txt")
    >>> c.name, c.sentences, c.n_tokens
    ('pets.txt', [['the', 'cat', 'sat'], ['the', 'dog', 'times']], 6)
    >>> corpus_from_bytes("Học sinh đi học.".encode(), "lớp.txt", segment="words").sentences
    [['học_sinh', 'đi', 'học']]
    """
    limits = limits or Limits.from_env()
    label = file_label(filename)
    text, repair = decode_upload(data, filename, limits)
    sha256 = hashlib.sha256(bytes(data)).hexdigest()
    markup = detect_markup(text)  # on the text as written, before any segmenting
    if markup:  # which words it adds, from the first part of the text: examples, not a census
        markup = replace(markup, adds=tuple(words_markup_adds(text[:MARKUP_SAMPLE_CHARS], tokenize)))
    applied, reason, share = decide(segment, text)
    segmentation = Segmentation(segment, applied, reason, share)
    if applied == "words" and not reason.startswith("already segmented"):
        refuse_far_over_cap(text, label, limits.max_tokens)  # before minutes of segmenting, not after
        text, syllables, seconds = _segmented(text, sha256, hooks)
        segmentation = Segmentation(segment, applied, reason, share, syllables=syllables, seconds=seconds)
    sentences = sentences_from_text(text, label, limits.max_tokens)
    del text
    n_tokens = sum(len(s) for s in sentences)
    return Corpus(
        name=label,
        sentences=sentences,
        sha256=sha256,
        description=Deferred(
            N_("{label}: {sentences:,} sentences, {tokens:,} tokens"),
            label=label,
            sentences=len(sentences),
            tokens=n_tokens,
        ),
        repair=repair,
        segmentation=with_words(segmentation, sentences),
        markup=markup,
    )


@dataclass(frozen=True)
class SegmentationPlan:
    """What loading an upload with ``segment`` will do, known before it starts: ``applied``
    ("words" or "syllables") and why, the syllables the segmenter would read (0 when it will
    not run, or when this file was segmented before and is cached), its estimated seconds, and
    the refusal on this server (None when it fits)."""

    applied: str
    reason: str
    syllables: int
    seconds: float
    refusal: str | None


def segmentation_plan(data: bytes, filename: str, segment: str, limits: Limits | None = None) -> SegmentationPlan:
    """Decide before the work: decode (and repair) ``data``, see whether ``segment`` segments it,
    and estimate how long that takes here; a page shows this and runs the load as a job.

    >>> plan = segmentation_plan("Sinh viên đọc sách ở thư viện.".encode(), "lớp.txt", "auto")
    >>> plan.applied, plan.syllables, plan.refusal
    ('words', 7, None)
    """
    limits = limits or Limits.from_env()
    text, _ = decode_upload(data, filename, limits)
    applied, reason, _ = decide(segment, text)
    if (
        applied != "words"
        or reason.startswith("already segmented")
        or _segmented_cache_path(hashlib.sha256(bytes(data)).hexdigest()).is_file()
    ):
        return SegmentationPlan(applied, reason, 0, 0.0, None)
    from embedlab.train.job_estimate import (  # the trainers' probes: not for every upload
        segment_refusal,
        segment_seconds,
    )

    syllables = count_syllables(text)
    return SegmentationPlan(
        applied, reason, syllables, segment_seconds(syllables), segment_refusal(syllables, file_label(filename), limits)
    )


def _segmented_cache_path(sha256: str) -> Path:
    key = hashlib.sha256(f"{sha256}|{SEGMENTER}|{SEGMENTED_CACHE_VERSION}".encode()).hexdigest()[:32]
    return cache_root() / "segmented" / f"{key}.txt"


def strip_markup_upload(data: bytes, filename: str, *, limits: Limits | None = None) -> tuple[bytes, str]:
    """An upload with its markup stripped (:func:`embedlab.text.corpus_markup.strip_markup`): the text as UTF-8
    bytes, a new corpus file of its own (its sha256 keys the runs), and its name.

    >>> strip_markup_upload(b"# Notes\\nThe **cat** sat, see <b>here</b>.", "notes.md")
    (b'Notes\\nThe cat sat, see here.', 'notes.stripped.txt')
    """
    limits = limits or Limits.from_env()
    text, _ = decode_upload(data, filename, limits)
    name = file_label(filename)
    for suffix in (".gz", ".zip"):
        name = name.removesuffix(suffix)
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return strip_markup(text).encode("utf-8"), f"{stem}.stripped.txt"


SEGMENTED_CACHE_VERSION = 2  # bump when what is cached changes (the repair, the segmenter's call)


def _segmented(text: str, sha256: str, hooks: Hooks | None) -> tuple[str, int, float]:
    """:func:`segment_text` of a file's text, from ``$EMBEDLAB_CACHE_DIR/segmented`` when this
    file was segmented before by this segmenter (then 0 seconds); a cache that cannot be read
    or written is skipped."""
    path = _segmented_cache_path(sha256)
    try:
        cached = path.read_text(encoding="utf-8")
        first, _, body = cached.partition("\n")
        return body, int(first), 0.0
    except (OSError, ValueError):
        pass
    segmented, syllables, seconds = segment_text(text, hooks)
    try:
        atomic_write(path, f"{syllables}\n{segmented}")
    except OSError:
        pass
    return segmented, syllables, seconds


def load_corpus(
    source: str, *, limits: Limits | None = None, segment: str = "syllables", hooks: Hooks | None = None
) -> Corpus:
    """A Corpus from a built-in name ("toy", "lee", "wiki") or the path of a .txt/.gz/.zip file.

    Built-ins come from this repository (toy) or the installed gensim package (lee, wiki) and
    are cached in memory (and wiki on disk, see :func:`cache_dir`); each call returns fresh
    lists. A path is read like an upload (:func:`corpus_from_bytes`), after checking that it
    exists, is a file and is not larger than ``limits.max_upload_mb``, with ``segment`` and
    ``hooks`` as there. A built-in is always as written (``toy-vi`` and ``vi`` come segmented).
    Built-in names win: a file called ``toy`` in the working directory is read as ``./toy``.

    >>> toy = load_corpus("toy")
    >>> toy.name, toy.sentences[0]
    ('toy', ['you', 'should', 'sing', 'more', 'often'])
    """
    limits = limits or Limits.from_env()
    if source in BUILTIN_CORPORA:
        sentences, sha256, description = read_builtin(source)
        words = [list(s) for s in sentences]
        corpus = Corpus(source, words, sha256, description, segmentation=builtin_segmentation(source, segment, words))
        if corpus.n_tokens > limits.max_tokens:
            raise EmbedLabError(
                _(
                    "the {source} corpus has {n} words, more than the {most} allowed here; "
                    "choose a smaller corpus (or set EMBEDLAB_UNLIMITED=1 on your own machine)."
                ).format(source=source, n=number(corpus.n_tokens, ","), most=number(limits.max_tokens, ","))
            )
        return corpus
    path = Path(source).expanduser()
    label = file_label(source)
    if path.is_dir():
        raise EmbedLabError(
            _("{source} is a folder; give the path of a .txt, .gz or .zip file (or zip the folder).").format(
                source=source
            )
        )
    if not path.is_file():
        raise EmbedLabError(
            _("no file at {source}; check the path, or use one of the built-in corpora: {names}.").format(
                source=source, names=", ".join(BUILTIN_CORPORA)
            )
        )
    advice = _("use a smaller file or compress it as .gz or .zip (or set EMBEDLAB_UNLIMITED=1 on your own machine).")
    data = read_file(path, label, source, limits.max_upload_mb, advice)
    return corpus_from_bytes(data, path.name, limits=limits, segment=segment, hooks=hooks)


def builtin_segmentation(name: str, segment: str, sentences: list[list[str]]) -> Segmentation:
    """A built-in's words as its file writes them: segmented Vietnamese (``toy-vi``, ``vi``) or not."""
    joined = any("_" in w for s in sentences[:200] for w in s)
    applied = "words" if joined else "syllables"
    if joined:
        reason = Deferred(N_("the built-in {name} corpus, segmented into words in its file"), name=name)
    else:
        reason = Deferred(N_("the built-in {name} corpus, as written"), name=name)
    share = 0.0
    if joined:
        from embedlab.text.segmentation import language_shares

        share = language_shares("\n".join(" ".join(s) for s in sentences[:500]))[0]
    return with_words(Segmentation(segment, applied, reason, share), sentences)


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
