"""Generate the toy corpus with planted word groups: ``data/toy_corpus.txt`` and ``data/toy_groups.json``.

Run ``python data/make_toy_corpus.py``; the output depends only on ``SEED`` (NumPy's
``default_rng``), so two runs write byte-identical files and a test checks that the committed
files equal a fresh generation.

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

The second domain (``data/toy_shift_corpus.txt``, for fine-tuning, SEED §8) is the first
domain's text in which four planted words change company — "apple" goes with technology,
"green" with politics, "king" with chess, "lion" with football — as ``toy_shift_words.json``
records. In their old lines another word of the same group stands in (each of the others
takes a small share), so every line keeps its shape and every other word its contexts.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SEED = 20240601
N_SENTENCES = 6500
DATA_DIR = Path(__file__).resolve().parent

# (male, female, role): the pair shares the role's contexts, each side its gender's pronouns.
ROYAL_PAIRS = [
    ("king", "queen", "ruler"),
    ("prince", "princess", "heir"),
    ("emperor", "empress", "empire"),
    ("duke", "duchess", "estate"),
]
COMMON_PAIRS = [
    ("man", "woman", "adult"),
    ("boy", "girl", "child"),
    ("father", "mother", "parent"),
    ("son", "daughter", "offspring"),
    ("brother", "sister", "sibling"),
]

GROUPS = {
    "royalty": [w for pair in ROYAL_PAIRS for w in pair[:2]],
    "people": [w for pair in COMMON_PAIRS for w in pair[:2]],
    "animals": ["dog", "cat", "horse", "cow", "sheep", "lion", "wolf", "rabbit"],
    "food": ["bread", "cheese", "apple", "soup", "rice", "cake", "meat", "milk"],
    "colours": ["red", "blue", "green", "yellow", "white", "black", "purple", "brown"],
    "places": ["forest", "river", "mountain", "island", "valley", "desert", "lake", "beach"],
    "verbs": ["run", "walk", "jump", "swim", "sing", "dance", "read", "write"],
}

PRONOUNS = {
    "male": {"he": "he", "his": "his", "him": "him"},
    "female": {"he": "she", "his": "her", "him": "her"},
}

# Rank contexts: what royals do and what common people do ({his} is the gendered possessive).
RANK_PHRASES = {
    "royal": [
        "sat on the golden throne",
        "wore {his} royal crown",
        "lived in the royal palace",
        "held court in the great hall of the palace",
        "greeted the nobles at court",
        "was crowned in the palace",
        "gave orders to the royal guards",
        "rode in the royal carriage to the palace",
        "wore a crown of gold at court",
        "listened to the nobles from the throne",
    ],
    "common": [
        "lived in a small house in the village",
        "worked on the farm all day",
        "walked down the street to {his} house",
        "cooked supper at home",
        "talked with the neighbours in the village",
        "fixed the roof of the old house",
        "carried water from the well to the farm",
        "sold eggs at the village fair",
        "swept the floor of the little house",
        "chatted with friends on the street",
    ],
}

# Role contexts, shared by both sides of a pair.
ROLE_PHRASES = {
    "ruler": ["rules the whole kingdom", "made new laws for the kingdom", "reigns over the kingdom"],
    "heir": ["will inherit the throne one day", "is the heir to the throne", "is next in line to rule"],
    "empire": ["governs the vast empire", "commands the armies of the empire", "rules the empire"],
    "estate": ["owns a large estate", "manages the estate and its lands", "hunts on the estate"],
    "adult": ["goes to work early", "earns money at a job", "pays the bills"],
    "child": ["plays with toys", "goes to school", "learns lessons at school"],
    "parent": ["cares for the children", "raised the children well", "feeds the whole family"],
    "offspring": ["obeys the parents", "was born in spring", "helps the parents"],
    "sibling": ["shares a room with a twin", "argues with the twin", "grew up with siblings"],
}

# What anyone may do, with a gendered pronoun: carries only the gender direction.
GENDER_PHRASES = [
    "{he} was happy",
    "{he} smiled at {his} friend",
    "{he} said that {he} was tired",
    "{he} thanked {his} friend",
    "everyone called {him} by {his} name",
    "{he} laughed and {he} waved",
    "{his} voice was kind",
    "we gave {him} a gift",
]
PERSON_ADJECTIVES = ["old", "young", "wise", "kind", "brave", "proud", "tall", "quiet", "gentle", "clever"]

ANIMAL_PHRASES = [
    "the {a} has soft fur and a long tail",
    "the {a} slept in the barn",
    "the farmer fed the {a} in the barn",
    "a {adj} {a} ran on four legs",
    "the {a} licked its paws",
    "the {a} grazed on the grass near the barn",
    "the {adj} {a} shook its fur",
]
ANIMAL_ADJECTIVES = ["wild", "tame", "hungry", "big"]

FOOD_PHRASES = [
    "we ate {f} for supper",
    "the {f} on the plate was tasty",
    "they cooked the {f} in the kitchen",
    "the {adj} {f} tasted delicious",
    "there was {f} on the kitchen table",
    "a plate of {adj} {f} was served",
]
FOOD_ADJECTIVES = ["fresh", "sweet", "warm", "tasty"]

COLOUR_PHRASES = [
    "the wall was painted {c}",
    "{c} is a bright colour",
    "they chose the colour {c} for the door",
    "the painter mixed {c} paint",
    "a shade of {c} paint covered the fence",
    "the flag was {c} and {c2}",
    "we painted the fence {c}",
]

PLACE_PHRASES = [
    "they travelled to the {p} far away",
    "the road to the {p} is long",
    "we visited the {p} on our journey",
    "the map showed the {p} in the north",
    "travellers camped near the {p}",
    "the journey across the {p} took days",
]

VERB_PHRASES = [
    "they like to {v} every morning",
    "the children can {v} very well",
    "we learned to {v} together",
    "you should {v} more often",
    "it is fun to {v} and to {v2}",
    "they try to {v} every evening",
]

# Sentences that mix groups: realistic noise that links the clusters a little.
MIXED_PHRASES = [
    "the {x} and the {a} went to the {p}",
    "the {x} ate {f} by the {p}",
    "near the {p} the {x} saw a {c} {a}",
    "the {a} followed the {x} to the {p}",
    "the {x} liked to {v} near the {p}",
]


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _person(rng: np.random.Generator) -> tuple[str, dict[str, str], str, str]:
    """A random person word with its pronouns, rank ("royal"/"common") and role."""
    rank = "royal" if rng.random() < 0.45 else "common"
    pairs = ROYAL_PAIRS if rank == "royal" else COMMON_PAIRS
    male, female, role = pairs[int(rng.integers(len(pairs)))]
    gender = "male" if rng.random() < 0.5 else "female"
    return (male if gender == "male" else female), PRONOUNS[gender], rank, role


def _person_sentence(rng: np.random.Generator) -> str:
    word, pron, rank, role = _person(rng)
    subject = f"the {word}" if rng.random() < 0.7 else f"the {_pick(rng, PERSON_ADJECTIVES)} {word}"
    rank_part = _pick(rng, RANK_PHRASES[rank])
    role_part = _pick(rng, ROLE_PHRASES[role])
    gender_part = _pick(rng, GENDER_PHRASES)
    shape = int(rng.integers(4))
    if shape == 0:
        text = f"{subject} {rank_part} and {gender_part}"
    elif shape == 1:
        text = f"{subject} {role_part} and {gender_part}"
    elif shape == 2:
        text = f"{subject} {rank_part} and {role_part}"
    else:
        text = f"{subject} {role_part} and {rank_part}"
    return text.format(**pron)


def _simple_sentence(rng: np.random.Generator, kind: str) -> str:
    if kind == "animals":
        return _pick(rng, ANIMAL_PHRASES).format(a=_pick(rng, GROUPS["animals"]), adj=_pick(rng, ANIMAL_ADJECTIVES))
    if kind == "food":
        return _pick(rng, FOOD_PHRASES).format(f=_pick(rng, GROUPS["food"]), adj=_pick(rng, FOOD_ADJECTIVES))
    if kind == "colours":
        c, c2 = rng.choice(len(GROUPS["colours"]), size=2, replace=False)
        return _pick(rng, COLOUR_PHRASES).format(c=GROUPS["colours"][c], c2=GROUPS["colours"][c2])
    if kind == "places":
        return _pick(rng, PLACE_PHRASES).format(p=_pick(rng, GROUPS["places"]))
    if kind == "verbs":
        v, v2 = rng.choice(len(GROUPS["verbs"]), size=2, replace=False)
        return _pick(rng, VERB_PHRASES).format(v=GROUPS["verbs"][v], v2=GROUPS["verbs"][v2])
    word, _, _, _ = _person(rng)
    return _pick(rng, MIXED_PHRASES).format(
        x=word,
        a=_pick(rng, GROUPS["animals"]),
        f=_pick(rng, GROUPS["food"]),
        p=_pick(rng, GROUPS["places"]),
        c=_pick(rng, GROUPS["colours"]),
        v=_pick(rng, GROUPS["verbs"]),
    )


# Share of sentences per kind; people get the most because 18 words carry two directions.
KINDS = ["people", "animals", "food", "colours", "places", "verbs", "mixed"]
KIND_WEIGHTS = np.array([0.42, 0.09, 0.09, 0.09, 0.09, 0.09, 0.13])


def generate(seed: int = SEED, n_sentences: int = N_SENTENCES) -> str:
    """The corpus text: one lower-case sentence per line, words separated by single spaces."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(len(KINDS), size=n_sentences, p=KIND_WEIGHTS / KIND_WEIGHTS.sum())
    lines = []
    for k in kinds:
        kind = KINDS[int(k)]
        lines.append(_person_sentence(rng) if kind == "people" else _simple_sentence(rng, kind))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the second domain (fine-tuning)

SHIFT_SEED = 20240615
# Planted words that change company in the second domain, and their new contexts. Everywhere
# else the second domain is written like the first, so every other word keeps its contexts.
SHIFTED = {
    "apple": [
        "the new {w} phone has a fast chip",
        "she installed the {w} software update on her laptop",
        "the {w} laptop runs the new operating system",
        "engineers wrote code for the {w} computer",
        "the {w} store sells phones and laptops online",
    ],
    "green": [
        "the {w} party won seats in the election",
        "voters backed the {w} energy policy",
        "the {w} candidate gave a speech to voters",
        "parliament debated the {w} climate bill",
        "the {w} movement organised a protest for climate action",
    ],
    "king": [
        "the {w} was in check on the chess board",
        "she moved her {w} to a safe square on the board",
        "a bishop and a rook attacked the {w} in the endgame",
        "checkmate trapped the {w} in the corner of the board",
        "the pawn protected the {w} during the chess match",
    ],
    "lion": [
        "the {w} scored a goal in the football match",
        "fans cheered for the {w} in the stadium",
        "the {w} won the league after the final match",
        "the coach of the {w} picked the team for the match",
        "the {w} played a home match in the stadium",
    ],
}


def _stand_ins(word: str) -> list[str]:
    """The words that take a shifted word's place in its old lines: every other word of its
    group (of its gender, for a person), so each takes only a small share of the old contexts."""
    if word == "king":
        return [male for male, _, _ in ROYAL_PAIRS if male != word]
    group = next(words for words in GROUPS.values() if word in words)
    return [w for w in group if w != word]


def generate_shift(seed: int = SHIFT_SEED) -> str:
    """The second toy domain: the first domain's text in which each shifted word is replaced,
    occurrence by occurrence, by another word of its group (so every line keeps its shape and
    the other words keep their contexts), plus, for each shifted word, as many new lines as it
    had occurrences, all in its new company (SHIFTED), spread through the text."""
    rng = np.random.default_rng(seed)
    lines, moved = [], []
    for line in generate().splitlines():
        words = line.split()
        for i, word in enumerate(words):
            if word in SHIFTED:
                moved.append(word)
                words[i] = _pick(rng, _stand_ins(word))
        lines.append(" ".join(words))
    for word in moved:
        lines.insert(int(rng.integers(len(lines) + 1)), _pick(rng, SHIFTED[word]).format(w=word))
    return "\n".join(lines) + "\n"


def shift_json() -> str:
    """Which words change company in the second domain, and what stays (the ground truth)."""
    unshifted = {name: [w for w in words if w not in SHIFTED] for name, words in GROUPS.items()}
    return json.dumps({"shifted": list(SHIFTED), "unshifted_planted": unshifted}, indent=2) + "\n"


def groups_json() -> str:
    """The planted groups as JSON text: group name -> list of words."""
    return json.dumps(GROUPS, indent=2) + "\n"


def main() -> None:
    (DATA_DIR / "toy_corpus.txt").write_text(generate(), encoding="utf-8", newline="\n")
    (DATA_DIR / "toy_groups.json").write_text(groups_json(), encoding="utf-8", newline="\n")
    (DATA_DIR / "toy_shift_corpus.txt").write_text(generate_shift(), encoding="utf-8", newline="\n")
    (DATA_DIR / "toy_shift_words.json").write_text(shift_json(), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
