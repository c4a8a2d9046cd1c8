"""The toy corpora's generator, shared by the English (``make_toy_corpus.py``) and the Vietnamese
(``make_toy_vi_corpus.py``) twin: each script holds its language's word tables and phrases and
calls these functions with itself (``lang``) as the tables.

How the groups are planted. Each group has context words no other group uses (animals with
"fur", "barn"; food with "kitchen", "tasty"; places with "journey", "map"; …), so its words
share neighbours and form a cluster. The people are built from two independent directions:

- gender: male words appear next to "he/his/him", female words next to "she/her";
- rank: royal words (king, queen, prince, …) next to "throne/crown/palace/court", common
  people (man, woman, boy, …) next to "house/farm/village/street";

plus a role shared by each male/female pair (king and queen "rule the kingdom", man and woman
"go to work", father and mother "care for the children"). So king ≈ royal + ruler + male and
queen ≈ royal + ruler + female, which lets king − man + woman ≈ queen emerge.
Function words ("the", "a", "and", "in", …) make the lines read like text.

The second domain (for fine-tuning, SEED §8) is the first domain's text in which four planted
words change company (``lang.SHIFTED``: "apple" goes with technology, "green" with politics,
"king" with chess, "lion" with football). In their old lines another word of the same group
stands in (each of the others takes a small share), so every line keeps its shape and every
other word its contexts.

A language's tables: ROYAL_PAIRS and COMMON_PAIRS ((male, female, role)), GROUPS, PRONOUNS,
RANK_PHRASES, ROLE_PHRASES, GENDER_PHRASES, PERSON_ADJECTIVES, the ANIMAL/FOOD/COLOUR/PLACE/VERB/
MIXED phrases with their adjectives, SHIFTED, SUBJECT and SUBJECT_WITH_ADJECTIVE (how a person
opens a sentence: "the {w}", "the {adj} {w}"), AND (the conjunction), the seeds, N_SENTENCES.
The output depends only on the seeds (NumPy's ``default_rng``): two runs write byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np

# Share of sentences per kind; people get the most because 18 words carry two directions.
KINDS = ["people", "animals", "food", "colours", "places", "verbs", "mixed"]
KIND_WEIGHTS = np.array([0.42, 0.09, 0.09, 0.09, 0.09, 0.09, 0.13])


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _person(lang: ModuleType, rng: np.random.Generator) -> tuple[str, dict[str, str], str, str]:
    """A random person word with its pronouns, rank ("royal"/"common") and role."""
    rank = "royal" if rng.random() < 0.45 else "common"
    pairs = lang.ROYAL_PAIRS if rank == "royal" else lang.COMMON_PAIRS
    male, female, role = pairs[int(rng.integers(len(pairs)))]
    gender = "male" if rng.random() < 0.5 else "female"
    return (male if gender == "male" else female), lang.PRONOUNS[gender], rank, role


def _person_sentence(lang: ModuleType, rng: np.random.Generator) -> str:
    word, pron, rank, role = _person(lang, rng)
    if rng.random() < 0.7:
        subject = lang.SUBJECT.format(w=word)
    else:
        subject = lang.SUBJECT_WITH_ADJECTIVE.format(w=word, adj=_pick(rng, lang.PERSON_ADJECTIVES))
    rank_part = _pick(rng, lang.RANK_PHRASES[rank])
    role_part = _pick(rng, lang.ROLE_PHRASES[role])
    gender_part = _pick(rng, lang.GENDER_PHRASES)
    first, second = [
        (rank_part, gender_part),
        (role_part, gender_part),
        (rank_part, role_part),
        (role_part, rank_part),
    ][int(rng.integers(4))]
    return f"{subject} {first} {lang.AND} {second}".format(**pron)


def _simple_sentence(lang: ModuleType, rng: np.random.Generator, kind: str) -> str:
    groups = lang.GROUPS
    if kind == "animals":
        return _pick(rng, lang.ANIMAL_PHRASES).format(
            a=_pick(rng, groups["animals"]), adj=_pick(rng, lang.ANIMAL_ADJECTIVES)
        )
    if kind == "food":
        return _pick(rng, lang.FOOD_PHRASES).format(f=_pick(rng, groups["food"]), adj=_pick(rng, lang.FOOD_ADJECTIVES))
    if kind == "colours":
        c, c2 = rng.choice(len(groups["colours"]), size=2, replace=False)
        return _pick(rng, lang.COLOUR_PHRASES).format(c=groups["colours"][c], c2=groups["colours"][c2])
    if kind == "places":
        return _pick(rng, lang.PLACE_PHRASES).format(p=_pick(rng, groups["places"]))
    if kind == "verbs":
        v, v2 = rng.choice(len(groups["verbs"]), size=2, replace=False)
        return _pick(rng, lang.VERB_PHRASES).format(v=groups["verbs"][v], v2=groups["verbs"][v2])
    word, _, _, _ = _person(lang, rng)
    return _pick(rng, lang.MIXED_PHRASES).format(
        x=word,
        a=_pick(rng, groups["animals"]),
        f=_pick(rng, groups["food"]),
        p=_pick(rng, groups["places"]),
        c=_pick(rng, groups["colours"]),
        v=_pick(rng, groups["verbs"]),
    )


def generate(lang: ModuleType, seed: int | None = None, n_sentences: int | None = None) -> str:
    """The corpus text: one lower-case sentence per line, words separated by single spaces."""
    rng = np.random.default_rng(lang.SEED if seed is None else seed)
    n = lang.N_SENTENCES if n_sentences is None else n_sentences
    kinds = rng.choice(len(KINDS), size=n, p=KIND_WEIGHTS / KIND_WEIGHTS.sum())
    lines = []
    for k in kinds:
        kind = KINDS[int(k)]
        lines.append(_person_sentence(lang, rng) if kind == "people" else _simple_sentence(lang, rng, kind))
    return "\n".join(lines) + "\n"


def _stand_ins(lang: ModuleType, word: str) -> list[str]:
    """The words that take a shifted word's place in its old lines: every other word of its
    group (of its gender, for a person), so each takes only a small share of the old contexts."""
    royal_males = [male for male, _, _ in lang.ROYAL_PAIRS]
    if word in royal_males:
        return [male for male in royal_males if male != word]
    group = next(words for words in lang.GROUPS.values() if word in words)
    return [w for w in group if w != word]


def generate_shift(lang: ModuleType, seed: int | None = None) -> str:
    """The second domain: the first domain's text in which each shifted word is replaced,
    occurrence by occurrence, by another word of its group (so every line keeps its shape and
    the other words keep their contexts), plus, for each shifted word, as many new lines as it
    had occurrences, all in its new company (SHIFTED), spread through the text."""
    rng = np.random.default_rng(lang.SHIFT_SEED if seed is None else seed)
    lines, moved = [], []
    for line in generate(lang).splitlines():
        words = line.split()
        for i, word in enumerate(words):
            if word in lang.SHIFTED:
                moved.append(word)
                words[i] = _pick(rng, _stand_ins(lang, word))
        lines.append(" ".join(words))
    for word in moved:
        lines.insert(int(rng.integers(len(lines) + 1)), _pick(rng, lang.SHIFTED[word]).format(w=word))
    return "\n".join(lines) + "\n"


def shift_json(lang: ModuleType) -> str:
    """Which words change company in the second domain, and what stays (the ground truth)."""
    unshifted = {name: [w for w in words if w not in lang.SHIFTED] for name, words in lang.GROUPS.items()}
    return (
        json.dumps({"shifted": list(lang.SHIFTED), "unshifted_planted": unshifted}, indent=2, ensure_ascii=False) + "\n"
    )


def groups_json(lang: ModuleType) -> str:
    """The planted groups as JSON text: group name -> list of words."""
    return json.dumps(lang.GROUPS, indent=2, ensure_ascii=False) + "\n"


def write(lang: ModuleType, prefix: str) -> None:
    """The four files of one language: ``<prefix>_corpus.txt``, ``<prefix>_groups.json``,
    ``<prefix>_shift_corpus.txt``, ``<prefix>_shift_words.json``, beside this script."""
    here = Path(__file__).resolve().parent
    for suffix, text in (
        ("corpus.txt", generate(lang)),
        ("groups.json", groups_json(lang)),
        ("shift_corpus.txt", generate_shift(lang)),
        ("shift_words.json", shift_json(lang)),
    ):
        (here / f"{prefix}_{suffix}").write_text(text, encoding="utf-8", newline="\n")
