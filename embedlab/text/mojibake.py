"""Double-encoded text repaired: UTF-8 once decoded as Windows-1252 (or Latin-1) and saved again.

"Biểu diễn" saved that way reads "Biá»ƒu diá»…n": every byte of the UTF-8 became one
character. :func:`repair_mojibake` turns such a text back, line by line, and says what it did
(:class:`RepairReport`). The reversal itself is ftfy's ``sloppy-windows-1252`` codec (Latin-1's
C1 controls for the five bytes Windows-1252 leaves undefined) followed by strict UTF-8.

Some copies lost bytes on the way: the five undefined bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D)
became "\ufffd" or "?" or vanished, and the soft hyphen (0xAD, invisible) was dropped. Each lost
byte is the last byte of a character ("ề", "ọ", "ỏ", "ờ", "ử", "ậ", "Đ", "í" …), and the bytes
before it narrow it to a few candidates; a Vietnamese word list (underthesea's ``Viet74K.txt``,
read from the installed package) decides among them: the candidate that makes the syllable a
dictionary syllable, then one that makes a dictionary word with a neighbouring syllable, then
the syllable seen most often elsewhere in the text. What the word list could not decide alone
is counted as unsure.

A text is left exactly as it is unless most of its lines that have non-ASCII characters read as
double-encoded UTF-8 (so a clean Vietnamese note that *quotes* "Biá»ƒu" is not touched), and
a line is repaired only if all of it decodes.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

LOST_BYTES = (0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD)  # Windows-1252's undefined bytes, and the soft hyphen
_HOLE = -1  # a byte known to be lost here
_ENCODINGS = ("sloppy-windows-1252", "latin-1")  # ftfy's Windows-1252 keeps the 5 undefined bytes as C1 controls
_REPLACEMENT = "\ufffd"
MAX_HOLES_PER_WORD = 4  # 6⁴ candidates at most; beyond, the first candidate is kept (unsure)
EXAMPLE_CHARS = 160  # the before/after example is cut to this length


def _byte_char(b: int) -> str:
    return bytes([b]).decode("latin-1") if b in LOST_BYTES[:5] else bytes([b]).decode("cp1252", errors="replace")


# What UTF-8 lead bytes (C2–F4) and continuation bytes (80–BF) look like once decoded as
# Windows-1252: a lead followed by a continuation is the signature of double encoding.
_LEADS = "".join(_byte_char(b) for b in range(0xC2, 0xF5))
_CONTINUATIONS = "".join(_byte_char(b) for b in range(0x80, 0xC0)) + "\x80-\x9f"  # and Latin-1's C1 controls
_SIGNATURE = re.compile(f"[{re.escape(_LEADS)}][{_CONTINUATIONS}{_REPLACEMENT}]")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD = re.compile(rf"[^\W\d_]*{_REPLACEMENT}[\w{_REPLACEMENT}]*|\w+")


@dataclass(frozen=True)
class RepairReport:
    """What :func:`repair_mojibake` did: lines repaired, characters whose bytes were lost and
    recovered (``unsure`` of them not decided by the word list alone), and one repaired line
    before and after (cut to EXAMPLE_CHARS characters; empty when nothing was repaired)."""

    lines_repaired: int = 0
    lost_characters: int = 0
    unsure: int = 0
    before: str = ""
    after: str = ""

    @property
    def repaired(self) -> bool:
        return self.lines_repaired > 0

    def summary(self) -> str:
        """One sentence for a page or the command line.

        >>> RepairReport(3, 2, 1, "Há»c", "Học").summary()
        'repaired 3 double-encoded lines (UTF-8 read as Windows-1252); 2 lost characters recovered with a Vietnamese word list, 1 of them unsure'
        """
        if not self.repaired:
            return "no double-encoded text found"
        lines = f"{self.lines_repaired:,} double-encoded line{'s' if self.lines_repaired != 1 else ''}"
        text = f"repaired {lines} (UTF-8 read as Windows-1252)"
        if self.lost_characters:
            text += f"; {self.lost_characters:,} lost characters recovered with a Vietnamese word list"
            text += f", {self.unsure:,} of them unsure"
        return text


VIET74K_FILE = "corpus/data/Viet74K.txt"
VLSP_FILE = "pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt"


def underthesea_file(relative: str) -> Path | None:
    """A data file inside the installed underthesea package, found without importing it (its
    ``__init__`` loads every pipeline), or None when underthesea or the file is missing."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / relative
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def vietnamese_words() -> tuple[frozenset[str], frozenset[str]]:
    """(syllables, words of several syllables) of underthesea's Viet74K word list, lower case,
    NFC, read from the installed package without importing it; empty when it is not installed.

    >>> syllables, words = vietnamese_words()
    >>> "người" in syllables, "học sinh" in words
    (True, True)
    """
    path = underthesea_file(VIET74K_FILE)
    if path is None:
        return frozenset(), frozenset()
    try:
        entries = [line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError:
        return frozenset(), frozenset()
    syllables = frozenset(s for entry in entries for s in entry.split())
    return syllables, frozenset(e for e in entries if " " in e)


@functools.lru_cache(maxsize=1)
def syllable_counts() -> Counter:
    """How often each syllable (lower case) occurs in the VLSP 2013 sentences that ship with
    underthesea (:func:`embedlab.text.builtin_corpora.vlsp_path`): the tie-break between two
    dictionary syllables when the text itself does not decide. Empty without underthesea."""
    path = underthesea_file(VLSP_FILE)
    if path is None:
        return Counter()
    counts: Counter = Counter()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            word = line.split("\t", 1)[0]
            counts.update(s.lower() for s in word.split())
    return counts


def _to_bytes(line: str) -> list[int] | None:
    """The bytes a double-encoded line came from, lost ones as _HOLE; None if a character has
    no Windows-1252/Latin-1 byte (the line is not double-encoded text)."""
    out = []
    for ch in line:
        if ch == _REPLACEMENT:
            out.append(_HOLE)
            continue
        for encoding in _ENCODINGS:
            try:
                out.extend(ch.encode(encoding))
                break
            except UnicodeEncodeError:
                continue
        else:
            return None
    return out


def _sequence_length(lead: int) -> int:
    return 2 if lead <= 0xDF else 3 if lead <= 0xEF else 4


def _decode_with_holes(data: list[int]) -> list[str | tuple[str, ...]] | None:
    """UTF-8 with lost bytes: a list of decoded text and, where a byte was lost, the tuple of
    characters it can be. A lost byte is a _HOLE, a "?" where a continuation byte belongs, or
    (for the last byte of a character only) nothing at all. None if the bytes are not UTF-8."""
    pieces: list[str | tuple[str, ...]] = []
    run = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if 0 <= b < 0x80:
            run.append(b)
            i += 1
            continue
        if not 0xC2 <= b <= 0xF4:
            return None  # a stray continuation or an impossible lead: not UTF-8
        need = _sequence_length(b)
        sequence, holes, i = [b], [], i + 1
        for k in range(1, need):
            x = data[i] if i < n else None
            if x is not None and 0x80 <= x <= 0xBF:
                sequence.append(x)
                i += 1
            elif x == _HOLE or (x == 0x3F and k == need - 1):
                holes.append(len(sequence))
                sequence.append(_HOLE)
                i += 1
            elif k == need - 1:  # the last byte vanished
                holes.append(len(sequence))
                sequence.append(_HOLE)
            else:
                return None
        if not holes:
            run += bytes(sequence)
            continue
        candidates = []
        for fill in itertools.product(LOST_BYTES, repeat=len(holes)):
            trial = list(sequence)
            for position, byte in zip(holes, fill, strict=True):
                trial[position] = byte
            try:
                candidates.append(bytes(trial).decode("utf-8"))
            except UnicodeDecodeError:
                continue
        if not candidates:
            return None
        try:
            pieces.append(bytes(run).decode("utf-8"))
        except UnicodeDecodeError:
            return None
        run.clear()
        pieces.append(tuple(candidates))
    try:
        pieces.append(bytes(run).decode("utf-8"))
    except UnicodeDecodeError:
        return None
    return pieces


def _decode_line(line: str) -> list[str | tuple[str, ...]] | None:
    """A double-encoded line decoded (see :func:`_decode_with_holes`), or None if it is not one."""
    for encoding in _ENCODINGS:  # the common cases, in C
        try:
            return [line.encode(encoding).decode("utf-8")]
        except UnicodeError:
            continue
    data = _to_bytes(line)
    return None if data is None else _decode_with_holes(data)


def _case_fits(word: str, index: int, char: str) -> bool:
    """An upper-case candidate only opens a word or sits in an upper-case word."""
    if not char.isupper():
        return True
    others = [c for j, c in enumerate(word) if j != index and c.isalpha()]
    return index == 0 or (bool(others) and all(c.isupper() for c in others))


def _choose(
    word: str, options: list[tuple[int, tuple[str, ...]]], before: str, after: str, seen: Counter
) -> tuple[str, bool]:
    """The word with its lost characters filled in, and whether the word list decided it."""
    syllables, words = vietnamese_words()
    if len(options) > MAX_HOLES_PER_WORD:
        filled = list(word)
        for index, candidates in options:
            filled[index] = candidates[0]
        return "".join(filled), False
    fits = []
    for combo in itertools.product(*(candidates for _, candidates in options)):
        filled = list(word)
        for (index, _), char in zip(options, combo, strict=True):
            filled[index] = char
        text = "".join(filled)
        if all(_case_fits(text, index, char) for (index, _), char in zip(options, combo, strict=True)):
            fits.append(text)
    if not fits:
        return word, False
    in_list = [w for w in fits if w.lower() in syllables]
    if len(in_list) == 1:
        return in_list[0], True
    pool = in_list or fits
    in_words = [w for w in pool if f"{before} {w}".lower() in words or f"{w} {after}".lower() in words]
    if len(in_words) == 1:
        return in_words[0], True
    pool = in_words or pool
    common = syllable_counts()
    return max(pool, key=lambda w: (seen[w.lower()], common[w.lower()], -pool.index(w))), False


def _punctuation_rank(char: str) -> int:
    """Which candidate a lost character outside a word most likely was: a closing quote ("”" is
    E2 80 9D), an opening one, a dash, other punctuation, then anything else."""
    order = ("Pf", "Pi", "Pd", "Po", "Ps", "Pe")
    category = unicodedata.category(char)
    return order.index(category) if category in order else len(order)


def _fill(pieces: list[str | tuple[str, ...]], seen: Counter) -> tuple[str, int, int]:
    """(line, lost characters, unsure) with every lost character chosen."""
    template, choices, marks = [], [], []  # marks: lost characters that cannot be letters
    for piece in pieces:
        if not isinstance(piece, tuple):
            template.append(piece.replace(_REPLACEMENT, "\x00"))  # a U+FFFD that was there before stays
            continue
        letters = tuple(c for c in piece if c.isalpha())
        if letters:
            choices.append(letters)
            template.append(_REPLACEMENT)
        else:
            marks.append(piece)
            template.append("\x01")
    text = "".join(template)
    words = list(_WORD.finditer(text))
    out, last, k, unsure = [], 0, 0, 0
    for j, match in enumerate(words):
        word = match.group()
        holes = [i for i, ch in enumerate(word) if ch == _REPLACEMENT]
        if not holes:
            continue
        options = [(i, choices[k + h]) for h, i in enumerate(holes)]
        k += len(holes)
        before = words[j - 1].group() if j else ""
        after = words[j + 1].group() if j + 1 < len(words) else ""
        filled, sure = _choose(word, options, before, after, seen)
        unsure += 0 if sure else len(holes)
        out += [text[last : match.start()], filled]
        last = match.end()
    out.append(text[last:])
    line = "".join(out)
    while k < len(choices):  # a letter outside any word (after a digit): its first candidate
        line = line.replace(_REPLACEMENT, choices[k][0], 1)
        unsure, k = unsure + 1, k + 1
    for piece in marks:  # not a letter: punctuation, closing quotes first
        line = line.replace("\x01", min(piece, key=_punctuation_rank), 1)
    return line.replace("\x00", _REPLACEMENT), len(choices) + len(marks), unsure + len(marks)


def looks_double_encoded(text: str) -> bool:
    """True when ``text`` has the signature of UTF-8 read as Windows-1252 somewhere (cheap:
    one regular-expression search). :func:`repair_mojibake` decides line by line.

    >>> looks_double_encoded("Biá»ƒu diá»…n"), looks_double_encoded("Biểu diễn, café")
    (True, False)
    """
    return _SIGNATURE.search(text) is not None


def repair_mojibake(text: str) -> tuple[str, RepairReport]:
    """``text`` with its double-encoded lines repaired, and a :class:`RepairReport`.

    ``text`` itself is returned (the same object, unchanged) when it has no double-encoded
    line, or when fewer of its non-ASCII lines are double-encoded than read as they are.

    >>> broken = "Biểu diễn từ\\nHọc sinh giỏi".encode("utf-8").decode("cp1252", errors="replace")
    >>> broken.splitlines()
    ['Biá»ƒu diá»…n tá»«', 'Há»\\ufffdc sinh giá»\\ufffdi']
    >>> fixed, report = repair_mojibake(broken)
    >>> fixed.splitlines(), report.lines_repaired, report.lost_characters
    (['Biểu diễn từ', 'Học sinh giỏi'], 2, 2)
    >>> repair_mojibake("Café, Tiếng Việt, 中文")[1].repaired
    False
    """
    if not looks_double_encoded(text):
        return text, RepairReport()
    import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252; only a text that needs it pays the import

    lines = text.split("\n")  # not splitlines(): U+0085 (Latin-1's byte 0x85) is a line break there
    repaired: list[int] = []
    with_holes: dict[int, list[str | tuple[str, ...]]] = {}  # lines that lost bytes, filled in below
    other = 0  # lines with non-ASCII text that is not double-encoded
    first = None  # (line number, the line as it was): the example
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        pieces = _decode_line(line) if _SIGNATURE.search(line) else None
        if pieces is None:
            other += 1
            continue
        repaired.append(number)
        first = first or (number, line)
        if len(pieces) == 1 and isinstance(pieces[0], str):
            lines[number] = pieces[0]  # replaced at once, so the text is held about twice, not three times
        else:
            with_holes[number] = pieces
    if len(repaired) <= other:
        return text, RepairReport()
    seen = Counter(
        word.lower() for number in repaired if number not in with_holes for word in _LETTERS.findall(lines[number])
    )
    lost = unsure = 0
    for number, pieces in with_holes.items():
        lines[number], n_lost, n_unsure = _fill(pieces, seen)
        lost, unsure = lost + n_lost, unsure + n_unsure
    number, before = first
    report = RepairReport(
        len(repaired), lost, unsure, before.rstrip("\r")[:EXAMPLE_CHARS], lines[number].rstrip("\r")[:EXAMPLE_CHARS]
    )
    return "\n".join(lines), report
