"""The benchmark files: WordSim-353, SimLex-999 and Google's analogy questions, and how much of
each a vocabulary covers.

They are the copies that ship inside the gensim wheel (``gensim.test.utils.datapath``), read at
run time and parsed once per process. Look-ups are case-insensitive, as gensim's evaluators are:
a word matches the most frequent spelling of it in the vocabulary. :mod:`embedlab.runs.evaluate`
scores vectors on them.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.config import Seeds
from embedlab.text.vocab import Vocabulary

ANALOGY_SAMPLE = 1000  # at most this many in-vocabulary analogy questions per snapshot (bounds the time)
ANALOGY_SEED = Seeds.ANALOGIES  # the sample depends only on the vocabulary, so every epoch and trainer share it

PAIR_BENCHMARKS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_FILE = "questions-words.txt"


def datapath(name: str) -> str:
    """gensim's ``test.utils.datapath``: a file of the gensim wheel's test data, found without
    importing gensim (seconds on a first page that trains nothing).

    >>> Path(datapath("wordsim353.tsv")).is_file()
    True
    """
    return str(Path(importlib.util.find_spec("gensim").origin).parent / "test" / "test_data" / name)


@lru_cache(maxsize=2)
def word_pairs(benchmark: str) -> tuple[tuple[str, str, float], ...]:
    """The (word, word, human score) rows of ``wordsim353`` or ``simlex999``, parsed as gensim does.

    Lines starting with ``#`` are comments; fields are tab-separated.

    >>> len(word_pairs("wordsim353")), word_pairs("wordsim353")[0]
    (353, ('love', 'sex', 6.77))
    """
    if benchmark not in PAIR_BENCHMARKS:
        raise ValueError(f"benchmark must be one of {', '.join(PAIR_BENCHMARKS)}; got {benchmark!r}")
    rows = []
    with open(datapath(PAIR_BENCHMARKS[benchmark]), encoding="utf8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) == 3:
                rows.append((fields[0], fields[1], float(fields[2])))
    return tuple(rows)


@lru_cache(maxsize=1)
def analogy_questions() -> tuple[tuple[str, str, str, str, str], ...]:
    """Google's analogy questions as (section, a, b, c, expected): a is to b as c is to expected.

    >>> q = analogy_questions(); len(q), q[0]
    (19544, ('capital-common-countries', 'Athens', 'Greece', 'Baghdad', 'Iraq'))
    """
    rows, section = [], ""
    with open(datapath(ANALOGY_FILE), encoding="utf8") as f:
        for line in f:
            if line.startswith(": "):
                section = line[2:].strip()
                continue
            words = line.split()
            if len(words) == 4:
                rows.append((section, *words))
    return tuple(rows)


def _upper_index(words: tuple[str, ...]) -> dict[str, int]:
    """Upper-cased word → row of its most frequent spelling (gensim's case-insensitive lookup).
    Not cached: its callers cache what they take from it, and it holds every word again (24 MB at
    V = 217,876)."""
    index: dict[str, int] = {}
    for row, word in enumerate(words):
        index.setdefault(word.upper(), row)
    return index


@lru_cache(maxsize=8)
def _sample_analogies(words: tuple[str, ...], size: int, seed: int) -> tuple[pd.DataFrame, int]:
    index = _upper_index(words)
    kept = [q for q in analogy_questions() if all(w.upper() in index for w in q[1:])]
    available = len(kept)
    if available > size:
        chosen = np.sort(np.random.default_rng(seed).choice(available, size, replace=False))
        kept = [kept[i] for i in chosen]
    frame = pd.DataFrame(kept, columns=["section", "a", "b", "c", "expected"])
    for column in ("a", "b", "c", "expected"):
        frame[f"{column}_row"] = np.array([index[w.upper()] for w in frame[column]], dtype=np.int64)
    return frame, available


def sample_analogies(vocab: Vocabulary, size: int = ANALOGY_SAMPLE, seed: int = ANALOGY_SEED) -> pd.DataFrame:
    """A fixed sample of at most ``size`` analogy questions whose four words are all in ``vocab``.

    Chosen uniformly with ``np.random.default_rng(seed)`` among the in-vocabulary questions
    and kept in file order, so it depends only on the vocabulary: every epoch (and both
    trainers, which share the vocabulary) answer the same questions. Columns: ``section, a,
    b, c, expected`` (the file's spelling) and ``a_row, b_row, c_row, expected_row``.
    ``frame.attrs["available"]`` is the number of in-vocabulary questions before sampling.

    >>> v = Vocabulary.from_words(["athens", "greece", "baghdad", "iraq"], [4, 3, 2, 1])
    >>> sample_analogies(v)[["section", "a", "b", "c", "expected"]].values.tolist()  # the file repeats one
    [['capital-common-countries', 'Athens', 'Greece', 'Baghdad', 'Iraq'], ['capital-common-countries', 'Baghdad', 'Iraq', 'Athens', 'Greece'], ['capital-world', 'Athens', 'Greece', 'Baghdad', 'Iraq']]
    """
    if size < 0:
        raise ValueError(f"size must be at least 0; got {size}")
    frame, available = _sample_analogies(vocab.words, int(size), int(seed))
    frame = frame.copy()
    frame.attrs["available"] = available
    return frame
