"""The English toy corpus's word tables: ``data/toy_corpus.txt`` with its planted groups
``data/toy_groups.json``, and the second domain ``data/toy_shift_corpus.txt`` with
``data/toy_shift_words.json``.

Run ``python data/make_toy_corpus.py``. How the groups are planted, and the generator both
languages share, are in ``data/toy_planting.py``; a test checks that the committed files equal
a fresh generation.
"""

from __future__ import annotations

from pathlib import Path

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


# How a person opens a sentence, and the conjunction between two of its phrases.
SUBJECT = "the {w}"
SUBJECT_WITH_ADJECTIVE = "the {adj} {w}"
AND = "and"


def main() -> None:
    import sys

    sys.path.insert(0, str(DATA_DIR))
    import toy_planting

    toy_planting.write(sys.modules[__name__], "toy")


if __name__ == "__main__":
    main()
