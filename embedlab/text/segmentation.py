"""Vietnamese word segmentation: "học sinh" (pupil) becomes the one word "học_sinh".

Vietnamese writes a word as one or more syllables separated by spaces, so splitting on spaces
trains syllables: "học" (to study) and "sinh" (to be born) instead of "học sinh". A corpus
setting (``CorpusOptions.segment``) decides what a text becomes:

- ``"syllables"``: as written (a word joined by "_" in the text stays one word, see
  :mod:`embedlab.text.tokenizer`);
- ``"words"``: each line goes through underthesea's ``word_tokenize`` (a CRF model that ships
  inside the underthesea wheel and runs in its compiled ``underthesea_core``; no torch, nothing
  downloaded), and a word of several syllables is written with "_" ("học_sinh"), the convention
  of VLSP data and pyvi;
- ``"auto"`` (the default): ``"words"`` for Vietnamese text that is not segmented yet, else as
  written. Vietnamese is recognised by the share of its syllables that carry a letter only
  Vietnamese uses among Latin-script languages — đ, ă, ơ, ư or a letter of Unicode's Latin
  Extended Additional block (ạ, ả, ấ, ề, ộ, ữ …: the dot below and the hook above); at least
  VIETNAMESE_SHARE of them. French, Portuguese or Spanish share á, â, ê, ô but none of these.
  Vietnamese news has 59 % of its syllables so marked, the lecture note with its formulas and
  English terms 30 %; a text where at least
  PRESEGMENTED_SHARE of the words hold "_" is taken as segmented already.

Segmenting is long work (its rate is measured by ``benchmarks/segmentation.py``):
:func:`segment_text` reports progress and asks ``hooks.should_stop()`` between pieces of at most
PIECE_SYLLABLES syllables (well under a second each), so the dashboard runs it as a job;
:func:`embedlab.train.job_estimate.segment_seconds` and :func:`embedlab.train.job_estimate.segment_refusal`
say how long it takes and whether a shared server refuses it. underthesea is imported only when
a text is segmented (over a second to import), never by the first page.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from embedlab.config import SEGMENT_CHOICES
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.hooks import Hooks
from embedlab.text.mojibake import vietnamese_words

# Vietnamese: VLSP news 0.59, the lecture note 0.30 (formulas, English terms); French 0. An English text with
# a few Vietnamese words (0.16) is not segmented: the segmenter would join its English words (the_street)
VIETNAMESE_SHARE = 0.20
PRESEGMENTED_SHARE = 0.05  # words holding "_": VLSP-style text ~0.3 of its words
SAMPLES, SAMPLE_CHARS = 32, 4096  # what the language check reads of a long text
PIECE_SYLLABLES = 200  # a line is segmented in pieces this long, so a stop is seen within a second
SEGMENTER = (
    "underthesea 9.5.0 word_tokenize (ws_crf_vlsp2013_20230727), use_token_normalize=False; "
    "joins only of Vietnamese syllables"
)
EXAMPLES = 8

_SYLLABLE = re.compile(r"[^\W\d_]+(?:_[^\W\d_]+)*")
_SPECIFIC = frozenset("đăơưĐĂƠƯ")


def _is_marked(syllable: str) -> bool:
    return any(ch in _SPECIFIC or "\u1ea0" <= ch <= "\u1ef9" for ch in syllable)


@dataclass(frozen=True)
class Segmentation:
    """What a corpus's words are: ``applied`` is "words" or "syllables"; ``reason`` says why in
    one sentence; ``vietnamese_share`` is the share of syllables with a Vietnamese-only letter;
    ``multi_syllable_words`` counts the word types of several syllables, ``examples`` the most
    frequent of them; ``syllables`` and ``seconds`` are what the segmenter did (0 if it did not run)."""

    requested: str = "syllables"
    applied: str = "syllables"
    reason: str = "kept as written"
    vietnamese_share: float = 0.0
    multi_syllable_words: int = 0
    examples: tuple[str, ...] = field(default=())
    syllables: int = 0
    seconds: float = 0.0

    @property
    def language(self) -> str:
        return "Vietnamese" if self.vietnamese_share >= VIETNAMESE_SHARE else "not Vietnamese"


def _sample(text: str) -> str:
    """The text itself when short, else SAMPLES evenly spaced pieces of it."""
    if len(text) <= SAMPLES * SAMPLE_CHARS:
        return text
    step = (len(text) - SAMPLE_CHARS) // (SAMPLES - 1)
    return "\n".join(text[i * step : i * step + SAMPLE_CHARS] for i in range(SAMPLES))


def language_shares(text: str) -> tuple[float, float]:
    """(share of syllables with a Vietnamese-only letter, share of words holding "_") of ``text``
    (a sample of it when long); NFC or NFD alike.

    >>> round(language_shares("Học sinh đi học ở trường")[0], 2)  # all but "sinh"
    0.83
    >>> language_shares("Les élèves vont à l'école")[0], language_shares("học_sinh đi học")
    (0.0, (0.75, 0.3333333333333333))
    """
    sample = unicodedata.normalize("NFC", _sample(text))
    words = _SYLLABLE.findall(sample)
    syllables = [s for w in words for s in w.split("_")]
    if not syllables:
        return 0.0, 0.0
    marked = sum(1 for s in syllables if _is_marked(s))
    return marked / len(syllables), sum(1 for w in words if "_" in w) / len(words)


def decide(segment: str, text: str) -> tuple[str, str, float]:
    """(applied, reason, Vietnamese share): what ``segment`` ("auto", "words", "syllables")
    means for ``text``.

    >>> decide("auto", "Học sinh đi học ở trường")[:2]
    ('words', 'Vietnamese (83% of syllables carry a Vietnamese-only letter), segmented into words')
    >>> decide("auto", "The cat sat on the mat")[:2]
    ('syllables', 'not Vietnamese (0% of syllables carry a Vietnamese-only letter), kept as written')
    """
    if segment not in SEGMENT_CHOICES:
        raise EmbedLabError(f"segment must be one of {', '.join(SEGMENT_CHOICES)}; got {segment!r}.")
    share, joined = language_shares(text)
    language = "Vietnamese" if share >= VIETNAMESE_SHARE else "not Vietnamese"
    why = f"{language} ({share:.0%} of syllables carry a Vietnamese-only letter)"
    if segment == "syllables":
        return "syllables", "syllables as written (asked for)", share
    if joined >= PRESEGMENTED_SHARE:
        return "words", f"already segmented ({joined:.0%} of words are joined by _), kept as written", share
    if segment == "words":
        return "words", f"segmented into words (asked for); {why}", share
    if share >= VIETNAMESE_SHARE:
        return "words", f"{why}, segmented into words", share
    return "syllables", f"{why}, kept as written", share


def count_syllables(text: str) -> int:
    """Syllables (runs of letters) in ``text``, as the segmenter's rate counts them.

    >>> count_syllables("Học sinh, 2 lớp: 10A!")
    4
    """
    return len(_SYLLABLE.findall(text.replace("_", " ")))


def _pieces(line: str) -> list[str]:
    """``line`` cut before a syllable every PIECE_SYLLABLES syllables."""
    starts = [m.start() for m in _SYLLABLE.finditer(line)]
    if len(starts) <= PIECE_SYLLABLES:
        return [line]
    cuts = [0] + starts[PIECE_SYLLABLES::PIECE_SYLLABLES] + [len(line)]
    return [line[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def _word_tokenize():
    """underthesea's word segmenter, imported on first use (it loads its CRF model then)."""
    try:
        from underthesea import word_tokenize
    except ImportError as error:  # pragma: no cover - a broken install
        raise EmbedLabError(
            f"Vietnamese word segmentation needs underthesea ({error}); pip install underthesea==9.5.0, "
            "or choose syllables."
        ) from error
    return word_tokenize


def _joined(word: str, syllables: frozenset[str]) -> str:
    """A word the segmenter found, its syllables joined by "_" when each is Vietnamese (it carries a
    Vietnamese-only letter, or it is a syllable of underthesea's word list), else left apart: the
    CRF was trained on Vietnamese and joins the English of mixed text too (et_al, the_copy_we,
    embeddings_trong). Without the word list every join is kept.

    >>> _joined("học sinh", frozenset({"học", "sinh"})), _joined("et al", frozenset({"al"}))
    ('học_sinh', 'et al')
    """
    parts = word.split()
    if len(parts) > 1 and syllables and not all(_is_marked(p) or p.lower() in syllables for p in parts):
        return word
    return "_".join(parts)


def segment_text(text: str, hooks: Hooks | None = None) -> tuple[str, int, float]:
    """(``text`` with the syllables of each Vietnamese word joined by "_", syllables segmented,
    seconds). Line breaks are kept; punctuation comes out spaced, which the tokenizer drops.

    ``hooks.on_work(0, share of the characters done)`` is called about ten times a
    second and ``hooks.should_stop()`` before every piece (TrainingCancelled).

    >>> segment_text("Học sinh đi học ở trường.\\nMáy tính")[0]
    'Học_sinh đi học ở trường .\\nMáy_tính'
    >>> segment_text("Mikolov et al. đề xuất word embeddings trong mô hình")[0]
    'Mikolov et al . đề_xuất word embeddings trong mô_hình'
    """
    hooks = hooks or Hooks()
    started = time.perf_counter()
    word_tokenize = _word_tokenize()
    vietnamese = vietnamese_words()[0]
    lines = text.split("\n")
    total, done, syllables, reported = max(len(text), 1), 0, 0, started
    for number, line in enumerate(lines):
        if line.strip():
            parts = []
            for piece in _pieces(line):
                if hooks.stop_requested():
                    raise TrainingCancelled("segmenting was stopped; nothing was kept.")
                words = word_tokenize(piece, use_token_normalize=False)
                parts.append(" ".join(_joined(word, vietnamese) for word in words))
                syllables += len(_SYLLABLE.findall(piece))
            lines[number] = " ".join(parts)
        done += len(line) + 1
        if time.perf_counter() - reported > 0.1:
            reported = time.perf_counter()
            hooks.work(0, min(done / total, 1.0))
    hooks.work(0, 1.0)
    return "\n".join(lines), syllables, time.perf_counter() - started


def multi_syllable_words(sentences: list[list[str]], examples: int = EXAMPLES) -> tuple[int, tuple[str, ...]]:
    """(word types of several syllables, the most frequent ``examples`` of them; ties by word).

    >>> multi_syllable_words([["học_sinh", "đi", "học"], ["học_sinh", "máy_tính"]])
    (2, ('học_sinh', 'máy_tính'))
    """
    counts = Counter(w for sentence in sentences for w in sentence if "_" in w)
    top = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:examples]
    return len(counts), tuple(w for w, _ in top)


def with_words(segmentation: Segmentation, sentences: list[list[str]]) -> Segmentation:
    """``segmentation`` with its multi-syllable words counted in ``sentences``."""
    from dataclasses import replace

    n, examples = multi_syllable_words(sentences)
    return replace(segmentation, multi_syllable_words=n, examples=examples)
