"""Text → tokens: the one tokenizer every corpus goes through, and the token cap.

Tokenisation (:func:`tokenize`) is the same for every corpus: NFC, lower case, runs of
Unicode letters, digits and combining marks (so Vietnamese "người" and Hindi "हिन्दी" stay whole),
an apostrophe, hyphen or underscore *inside* a word keeps it one token ("don't", "well-known",
"học_sinh"), punctuation dropped. A word with a letter and a digit is a word ("covid19", "mp3",
"4g", "x86"); a token of digits alone (a number: "2024", "3") is dropped unless asked for.
Scripts written without spaces (Chinese, Japanese, Thai) come out as one token per unbroken
run of letters.

Why ``_`` joins: it is how segmented Vietnamese writes one word of several syllables
("học_sinh", the convention of VLSP data and pyvi, and what :mod:`embedlab.text.segmentation`
writes), and in English text it only occurs inside identifiers ("max_len", "user_id"), each of
which names one thing: split, they would become two common words ("max", "len") with
co-occurrences the text never had. An underscore at either end is not part of the word
("__init__" gives "init").

Why pure numbers are dropped: a number's value, not its spelling, is what it says, and every
value is its own rare type (years, prices, counts), so numbers would fill the vocabulary with
words that each occur a few times and mean little alone; names that contain digits ("mp3",
"g7") are words and are kept.

:func:`sentences_from_text` cuts a text into sentences of at most MAX_SENTENCE_TOKENS tokens
and refuses one over the token cap, estimated first (:func:`estimate_tokens`) so that a text
far over it is refused before it is tokenised.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from embedlab.config import ENGLISH_BYTES_PER_TOKEN
from embedlab.errors import EmbedLabError

MAX_SENTENCE_TOKENS = 1000  # gensim silently truncates sentences over 10,000 words; we cut them ourselves
TOKENIZER_VERSION = 3  # bump when tokenize() changes: it invalidates the on-disk corpus cache
ESTIMATE_MARGIN = 1.25  # refuse on the estimate only when it is this far over the token cap
# Unicode has combining marks in planes 0, 1 and 14 only: scanning those (200 k code points instead
# of 1.1 M) takes a first visitor's pattern from ~0.4 s to ~0.07 s (tests/test_corpus.py checks the
# same marks come out as from every code point)
MARK_PLANES = (range(0x00000, 0x20000), range(0xE0000, 0xF0000))
_TRANSLATE = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


@functools.lru_cache(maxsize=1)
def _token_pattern() -> re.Pattern:
    """Candidate tokens: runs of letters, digits and combining marks, joined by single ', - or _.

    ``re`` has no \\p{M}, and ``\\w`` leaves out combining marks (Mn/Mc/Me), which scripts
    such as Hindi, Arabic or decomposed Vietnamese need inside words, so the marks (and the
    zero-width (non-)joiners used in Persian and Indic words) are listed from unicodedata.
    """
    marks = [cp for plane in MARK_PLANES for cp in plane if unicodedata.category(chr(cp)).startswith("M")]
    marks += [0x200C, 0x200D]
    ranges, start, prev = [], marks[0], marks[0]
    for cp in sorted(marks)[1:] + [-1]:
        if cp != prev + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = cp
        prev = cp
    char = rf"(?:[^\W_]|[{''.join(ranges)}])"
    return re.compile(rf"{char}+(?:['_-]{char}+)*")


def tokenize(text: str, *, lowercase: bool = True, keep_numbers: bool = False) -> list[str]:
    """Words of ``text`` in order, as a list of strings (see the module docstring for the rules).

    A token with a letter is kept, digits and all ("mp3", "covid-19", "4g"); a token with no
    letter but a digit (a number: "2024", "½") is dropped with ``keep_numbers=False`` (the
    default) and kept with ``keep_numbers=True`` ("3.14" gives "3" and "14"). A digit is a
    character of Unicode category N ("2", "½", "Ⅻ"); the Chinese numerals 一, 三, 万 are letters.
    Typographic apostrophes and hyphens count as ' and -.

    >>> tokenize("Don't panic: well-known Người Việt, 42 km, mp3 — học_sinh ΕΛΛΆΔΑ!")
    ["don't", 'panic', 'well-known', 'người', 'việt', 'km', 'mp3', 'học_sinh', 'ελλάδα']
    """
    text = unicodedata.normalize("NFC", text.translate(_TRANSLATE))
    if lowercase:
        text = unicodedata.normalize("NFC", text.lower())
    tokens = []
    for token in _token_pattern().findall(text):
        if token.isascii() and token.isalpha():  # the common case, decided in C: ASCII letters only
            tokens.append(sys.intern(token))
            continue
        # a letter makes it a word; otherwise it is kept only as a number (category N: "2", "½",
        # "Ⅻ"), and Chinese 一, 三, 万 are letters (Lo): str.isnumeric() would drop 一个, 三月, 第一次
        if any(ch.isalpha() for ch in token):
            tokens.append(sys.intern(token))  # one object per distinct word, not one per token
        elif keep_numbers and any(unicodedata.category(ch)[0] == "N" for ch in token):
            tokens.append(sys.intern(token))
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
        # only every MAX_SENTENCE_TOKENS-th start is kept: memory per cut, not per token
        candidates = enumerate(_token_pattern().finditer(line))
        cuts = [0] + [m.start() for i, m in candidates if i and not i % MAX_SENTENCE_TOKENS] + [len(line)]
        pieces.extend(line[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if line[a:b].strip())
    return pieces


def _too_many_words(label: str, max_tokens: int, estimated: int | None = None) -> EmbedLabError:
    """The refusal of a text over the token cap; it says how much text fits."""
    mb = max_tokens * ENGLISH_BYTES_PER_TOKEN / 1e6
    fits = f"about {mb:,.0f} MB of English text" if mb >= 1 else f"about {mb * 1000:,.0f} kB of English text"
    if estimated is None:
        has = f"has more than {max_tokens:,} words, the limit here ({fits})"
    else:
        has = f"has about {estimated / 1e6:.1f} million words (estimated from a sample of it), more than the {max_tokens:,} allowed here ({fits})"
    return EmbedLabError(f"{label} {has}; upload a part of it (or set EMBEDLAB_UNLIMITED=1 on your own machine).")


ESTIMATE_SAMPLES, ESTIMATE_SPAN = 64, 8192  # estimate_tokens reads 64 pieces of 8192 characters


def estimate_tokens(text: str, samples: int = ESTIMATE_SAMPLES, span: int = ESTIMATE_SPAN) -> int:
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


def refuse_far_over_cap(text: str, label: str, max_tokens: int) -> None:
    """Refuse ``text`` when its estimated tokens (:func:`estimate_tokens`) are far over the cap;
    a short text is not estimated (it cannot be far over, or tokenising it is as cheap)."""
    if len(text) > max(ESTIMATE_SAMPLES * ESTIMATE_SPAN, max_tokens):
        estimated = estimate_tokens(text)
        if estimated > ESTIMATE_MARGIN * max_tokens:
            raise _too_many_words(label, max_tokens, estimated)


def sentences_from_text(text: str, label: str, max_tokens: int) -> list[list[str]]:
    """Tokenised non-empty sentences of ``text``; refuses more than ``max_tokens`` tokens.

    A text whose estimate (:func:`estimate_tokens`) is far over the cap is refused before it is
    tokenised. A text no longer than the estimate's samples is not estimated (the estimate would
    tokenise all of it, as the loop below does anyway), nor one with fewer characters than the cap
    has tokens (it cannot be over it).
    """
    refuse_far_over_cap(text, label, max_tokens)
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
