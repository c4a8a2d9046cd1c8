"""Finding a word of the vocabulary as a person types it: "học sinh" finds "học_sinh".

A visitor types a Vietnamese word with a space between its syllables or an underscore, with or
without its diacritics (a phone keyboard, a hurry), in NFC or NFD, in any case. :class:`WordIndex`
answers with the vocabulary's own spelling: an exact match (case, spaces and normal form aside)
first; otherwise the one word that matches without diacritics ("hoc sinh" → "học_sinh"), and
nothing when several do ("hoc" could be "học" or "hóc": :meth:`WordIndex.candidates` lists them
for the picker to offer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_SPACES = re.compile(r"[\s_]+")


def word_key(text: str) -> str:
    """``text`` as the vocabulary writes words: NFC, lower case, syllables joined by "_".

    >>> word_key("  Học   Sinh "), word_key("học_sinh"), word_key(unicodedata.normalize("NFD", "Học sinh"))
    ('học_sinh', 'học_sinh', 'học_sinh')
    """
    text = unicodedata.normalize("NFC", text).strip().lower()
    return unicodedata.normalize("NFC", _SPACES.sub("_", text))


def fold(text: str) -> str:
    """``word_key(text)`` without diacritics: combining marks dropped, đ read as d.

    >>> fold("Học sinh"), fold("Đường"), fold("naïve café")
    ('hoc_sinh', 'duong', 'naive_cafe')
    """
    decomposed = unicodedata.normalize("NFD", word_key(text)).replace("đ", "d")
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))


class WordIndex:
    """Look-ups in one vocabulary (``words`` in its order, most frequent first).

    >>> index = WordIndex(["học", "học_sinh", "hóc", "sinh_viên", "đường"])
    >>> index.find("hoc sinh"), index.find("Học_Sinh"), index.find("duong"), index.find("hoc")
    ('học_sinh', 'học_sinh', 'đường', None)
    >>> index.candidates("hoc")
    ['học', 'hóc', 'học_sinh']
    """

    def __init__(self, words: Sequence[str]):
        self.words = list(words)
        self._exact: dict[str, str] = {}
        self._folded: dict[str, list[str]] = {}
        for word in self.words:
            self._exact.setdefault(word_key(word), word)
            self._folded.setdefault(fold(word), []).append(word)

    def find(self, query: str) -> str | None:
        """The vocabulary's word for ``query``, or None when it has none or several match
        without diacritics."""
        key = word_key(query)
        if not key:
            return None
        if key in self._exact:
            return self._exact[key]
        folded = self._folded.get(fold(key), [])
        if len(folded) == 1 and fold(key) == key:  # typed without diacritics: one reading only
            return folded[0]
        return None

    def resolve(self, picked: Sequence[str]) -> tuple[list[str], list[str]]:
        """What a visitor picked or typed into a word picker, as the vocabulary's words (in order,
        each once), and what found no single word (typed text to say back, with :meth:`candidates`).

        >>> WordIndex(["học", "học_sinh", "hóc", "đường"]).resolve(["đường", "hoc sinh", "hoc", "xyz", "học_sinh"])
        (['đường', 'học_sinh'], ['hoc', 'xyz'])
        """
        found: list[str] = []
        unknown: list[str] = []
        for text in picked:
            word = self.find(text)
            if word is None:
                unknown.append(text)
            elif word not in found:
                found.append(word)
        return found, unknown

    def candidates(self, query: str, limit: int = 10) -> list[str]:
        """Words ``query`` may mean, best first: the exact match, the words that start with it
        as typed, then those equal to it without diacritics, then those that start with it
        without diacritics, each in vocabulary order; at most ``limit``."""
        key = word_key(query)
        if not key:
            return []
        folded_key = fold(key)
        exact = [self._exact[key]] if key in self._exact else []
        tiers = [
            exact,
            (w for w in self.words if word_key(w).startswith(key)),
            self._folded.get(folded_key, []),
            (w for w in self.words if fold(w).startswith(folded_key)),
        ]
        out: list[str] = []
        for tier in tiers:
            for word in tier:
                if len(out) >= limit:
                    return out
                if word not in out:
                    out.append(word)
        return out


def display_word(word: str) -> str:
    """A word as a page shows it: syllables of a Vietnamese word separated by spaces, anything
    else as it is (an English identifier such as "max_len" keeps its underscore).

    >>> display_word("học_sinh"), display_word("max_len"), display_word("hà_nội")
    ('học sinh', 'max_len', 'hà nội')
    """
    if "_" in word and not word.isascii():
        return word.replace("_", " ")
    return word
