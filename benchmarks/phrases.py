"""Would gensim's ``Phrases`` earn a place as a "detected phrases" corpus setting? What it joins on the built-ins.

    python benchmarks/phrases.py

For each built-in English corpus, gensim's ``Phrases`` (min_count 5, English connector words) with
its two scorings at their usual thresholds: how many phrases it finds, how many tokens it joins,
how long it takes, the phrases it scores highest and the joined tokens the text holds most often.
The answer it gave (docs/corpora.md): the highest-scored phrases are names (*al_qaeda*, *los_angeles*),
but the most frequent joins are grammar (*he_said*, *have_been*, *such_as*); on the toy corpus 23 %
(default scoring) to 55 % (npmi) of the tokens are glued to their neighbours (*everyone_called*,
*was_happy*), and with npmi 3,254 of the 8,606 occurrences of its planted words (*run*, *woman*,
*father*) vanish into phrases — the groups every page shows dissolve. Text joined with ``_``
beforehand is kept whole, so phrases chosen by a person (or by Phrases tuned for that text) are one
step away.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedlab.text.builtin_corpora import planted_groups  # noqa: E402
from embedlab.text.corpus import load_corpus  # noqa: E402

SCORINGS = {"default": 10.0, "npmi": 0.5}  # gensim's default threshold, and npmi's usual one


def main() -> None:
    for name in ("toy", "lee", "wiki"):
        corpus = load_corpus(name)
        for scoring, threshold in SCORINGS.items():
            started = time.perf_counter()
            phrases = Phrases(
                corpus.sentences,
                min_count=5,
                threshold=threshold,
                scoring=scoring,
                connector_words=ENGLISH_CONNECTOR_WORDS,
            ).freeze()
            joined = Counter(word for sentence in corpus.sentences for word in phrases[sentence] if "_" in word)
            seconds = time.perf_counter() - started
            tokens = sum(n * word.count("_") + n for word, n in joined.items())  # tokens inside a joined word
            best = sorted(phrases.phrasegrams, key=phrases.phrasegrams.get, reverse=True)[:12]
            print(
                f"{name} ({corpus.n_tokens:,} tokens), scoring {scoring} > {threshold:g}: {len(phrases.phrasegrams):,} "
                f"phrases, {tokens:,} tokens joined ({tokens / corpus.n_tokens:.0%}), {seconds:.1f} s"
            )
            print("   highest scored:", ", ".join(best))
            if groups := planted_groups(name):  # how many occurrences of a planted word end up inside a phrase
                planted = {word for members in groups.values() for word in members}
                inside = alone = 0
                for sentence in corpus.sentences:
                    for word in phrases[sentence]:
                        parts = word.split("_")
                        hits = sum(part in planted for part in parts)
                        inside, alone = (inside + hits, alone) if len(parts) > 1 else (inside, alone + hits)
                print(f"   planted words inside a phrase: {inside:,} of {inside + alone:,} occurrences")
            print("   most frequent: ", ", ".join(f"{word} {n}" for word, n in joined.most_common(12)))


if __name__ == "__main__":
    main()
