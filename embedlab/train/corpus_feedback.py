"""What a corpus can show at these settings, said before training: too small, too few words above
min_count, markup that would be trained as words — each with the numbers that decide it and what
to do, and a fix where there is one (strip the markup, lower min_count, more epochs).

sizes = vocabulary_sizes(corpus, CorpusOptions(min_count=5))
explain_vocabulary(sizes)                 # why the Corpus page's count and the runs' V differ
corpus_feedback(corpus, sizes, numpy_options)   # [Feedback(kind, message, fix), …]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.i18n import Deferred, _, format_in, ngettext, shown
from embedlab.text.corpus import Corpus
from embedlab.text.mojibake import RepairReport
from embedlab.text.segmentation import Segmentation
from embedlab.text.vocab import heldout_indices, keep_probabilities
from embedlab.train.sizing import suggested_batch_size

# Below these a corpus cannot show structure; MIN_TRAINING_TOKENS is measured on the toy corpus
# (benchmarks/corpus_size.py): its planted groups separate from about this many training tokens.
MIN_TRAINING_TOKENS = 5_000
MIN_VOCABULARY = 50  # a heatmap of 30 words, ten neighbours each, a map: fewer words show nothing
MIN_STEPS = 1_000  # NumPy SGD steps over a whole run; the toy corpus at the defaults makes ~4,400
MIN_USEFUL_COUNT = 2  # a word seen once has one context: lowering min_count below 2 adds only noise


@dataclass(frozen=True)
class Fix:
    """A one-click fix: ``action`` is "strip_markup", "min_count" or "epochs", ``value`` the new
    setting (None for stripping)."""

    action: str
    value: int | None
    label: str


@dataclass(frozen=True)
class Feedback:
    """One thing this corpus at these settings will not show, why (with numbers), and what to do."""

    kind: str  # "markup" | "few_words" | "too_small" | "few_steps"
    message: str
    fix: Fix | None = None


@dataclass(frozen=True)
class VocabularySizes:
    """The counts that decide what a corpus can show at one min_count.

    ``whole_text`` is what the Corpus page counts (words seen ≥ min_count times in every
    sentence); ``training`` is the runs' V (the same, counted on the training sentences only);
    ``training_counts`` every word's count in the training sentences, most frequent first.
    """

    min_count: int
    sentences: int
    heldout_sentences: int
    heldout_fraction: float
    whole_text: int
    training: int
    training_tokens: int  # tokens of vocabulary words in the training sentences
    training_counts: np.ndarray  # (types,) int64, descending

    def vocabulary_at(self, min_count: int) -> int:
        """V at another min_count (same split)."""
        return int(np.count_nonzero(self.training_counts >= min_count))


def vocabulary_sizes(corpus: Corpus, options: CorpusOptions | None = None) -> VocabularySizes:
    """Counts over the whole text and over the runs' training sentences (the split of
    :func:`embedlab.text.prepared.prepare`, without building the vocabulary).

    >>> c = Corpus("t", [["a", "b"], ["a", "c"], ["b", "c"], ["a", "d"], ["c", "d"]], "", "")
    >>> s = vocabulary_sizes(c, CorpusOptions(min_count=2, heldout_fraction=0.2))
    >>> s.whole_text, s.training, s.heldout_sentences, s.vocabulary_at(1)
    (4, 3, 1, 4)
    """
    options = (options or CorpusOptions()).validate()
    held = heldout_indices(corpus.sentences, options.heldout_fraction, options.split_seed)
    is_held = np.zeros(len(corpus.sentences), dtype=bool)
    is_held[held] = True
    whole, training = Counter(), Counter()
    for sentence, h in zip(corpus.sentences, is_held, strict=True):
        whole.update(sentence)
        if not h:
            training.update(sentence)
    counts = np.sort(np.fromiter(training.values(), dtype=np.int64, count=len(training)))[::-1]
    kept = counts[counts >= options.min_count]
    return VocabularySizes(
        min_count=options.min_count,
        sentences=len(corpus.sentences),
        heldout_sentences=len(held),
        heldout_fraction=options.heldout_fraction,
        whole_text=sum(1 for c in whole.values() if c >= options.min_count),
        training=len(kept),
        training_tokens=int(kept.sum()),
        training_counts=counts,
    )


def explain_vocabulary(sizes: VocabularySizes) -> str:
    """One sentence on why the Corpus page's count and the runs' V differ (or that they agree).

    >>> c = Corpus("t", [["a", "b"], ["a", "c"], ["b", "c"], ["a", "d"], ["c", "d"]], "", "")
    >>> print(explain_vocabulary(vocabulary_sizes(c, CorpusOptions(min_count=2, heldout_fraction=0.2))))
    4 words occur at least 2 times in the whole text; the runs learn V = 3 of them: their vocabulary is counted on the sentences they train on, with 1 of 5 sentences held out to measure the held-out loss, and there 1 of the 4 occur fewer than 2 times.
    """
    fields = dict(
        whole=sizes.whole_text,
        m=sizes.min_count,
        V=sizes.training,
        held=sizes.heldout_sentences,
        sentences=sizes.sentences,
        fewer=sizes.whole_text - sizes.training,
    )
    if sizes.heldout_sentences == 0:
        template = _(
            "{whole:,} words occur at least {m} times in the whole text, and the runs learn all of them: "
            "V = {V:,} (no sentence is held out)."
        )
    else:
        template = _(
            "{whole:,} words occur at least {m} times in the whole text; the runs learn V = {V:,} of them: their "
            "vocabulary is counted on the sentences they train on, with {held:,} of {sentences:,} sentences held out "
            "to measure the held-out loss, and there {fewer:,} of the {whole:,} occur fewer than {m} times."
        )
    return format_in(template, **fields)


def _lower_min_count(sizes: VocabularySizes) -> int | None:
    """The largest min_count below the current one that gives MIN_VOCABULARY words (≥ 2), if any."""
    for m in range(sizes.min_count - 1, MIN_USEFUL_COUNT - 1, -1):
        if sizes.vocabulary_at(m) >= MIN_VOCABULARY:
            return m
    return None


def _positions(sizes: VocabularySizes, options: TrainOptions) -> float:
    """Centre positions of one NumPy epoch: training tokens of vocabulary words after subsampling."""
    counts = sizes.training_counts[sizes.training_counts >= sizes.min_count]
    sample = options.resolved_sample()
    if sample <= 0 or not len(counts):
        return float(counts.sum())
    return float((keep_probabilities(counts, sample) * counts).sum())


def steps_per_epoch(positions: float, batch_size: int) -> int:
    """SGD steps of one NumPy epoch: ⌈positions / batch⌉.

    >>> steps_per_epoch(430, 16), steps_per_epoch(0, 16)
    (27, 0)
    """
    return int(math.ceil(positions / batch_size))


def epochs_for_steps(steps: int, epochs: int, limits: Limits | None = None) -> int | None:
    """Epochs that give at least MIN_STEPS steps in all (capped at the limit); None if the run
    already has them or more epochs are not allowed.

    >>> epochs_for_steps(27, 20), epochs_for_steps(300, 20), epochs_for_steps(5, 20)
    (38, None, 100)
    """
    limits = limits or Limits.from_env()
    if steps <= 0 or steps * epochs >= MIN_STEPS:
        return None
    wanted = min(limits.max_epochs, math.ceil(MIN_STEPS / steps))
    return wanted if wanted > epochs else None


def corpus_feedback(
    corpus: Corpus, sizes: VocabularySizes, numpy_options: TrainOptions, limits: Limits | None = None
) -> list[Feedback]:
    """What this corpus at these settings will not show, most important first (empty if all is well).

    Markup found when the file was read (``corpus.markup``); fewer than MIN_VOCABULARY words at
    min_count (fix: the largest lower min_count that reaches it); fewer than MIN_TRAINING_TOKENS
    tokens to train on; fewer than MIN_STEPS NumPy steps in the whole run (fix: more epochs).
    """
    found = (
        _markup(getattr(corpus, "markup", None)),
        _few_words(sizes),
        _too_small(sizes),
        _few_steps(sizes, numpy_options, limits or Limits.from_env()),
    )
    return [feedback for feedback in found if feedback is not None]


def _markup(report) -> Feedback | None:
    """Markup found when the file was read, with the one-click strip."""
    if not report:
        return None
    and_ = _(" and ")
    kinds = and_.join(
        format_in(
            _("{name} ({signs:,} signs such as {examples})"),
            name=k.name,
            signs=k.signs,
            examples=", ".join(k.examples[:3]),
        )
        for k in report.kinds
    )
    added = ", ".join(f"{word} {count}×" for word, count in report.adds[:6])
    message = (
        _(
            "This text looks like {kinds}. Markup is not language: its command, tag and link names would be "
            "trained as words ({added}). Strip it to keep the prose and drop formulas, commands, code, link "
            "targets and tags."
        )
        if added
        else _(
            "This text looks like {kinds}. Markup is not language: its command, tag and link names would be "
            "trained as words. Strip it to keep the prose and drop formulas, commands, code, link targets and tags."
        )
    )
    return Feedback(
        "markup", message.format(kinds=kinds, added=added), Fix("strip_markup", None, _("Strip the markup"))
    )


def _few_words(sizes: VocabularySizes) -> Feedback | None:
    """Fewer than MIN_VOCABULARY words at min_count, with the largest lower min_count that reaches it."""
    if sizes.training >= MIN_VOCABULARY:
        return None
    m = sizes.min_count
    lower = _lower_min_count(sizes)
    at_two = sizes.vocabulary_at(MIN_USEFUL_COUNT)
    message = format_in(
        _(
            "Only {V:,} words occur at least {m} times in the sentences the runs train on; heatmaps, "
            "neighbours and the map need at least {needed}."
        ),
        V=sizes.training,
        m=m,
        needed=MIN_VOCABULARY,
    )
    if lower is not None:
        message += " " + format_in(
            _("At min_count {lower} there are {V:,}."), lower=lower, V=sizes.vocabulary_at(lower)
        )
        fix = Fix("min_count", lower, _("Use min_count {lower}").format(lower=lower))
    else:
        message += " " + format_in(
            _(
                "Even at min_count {m} there are only {V:,} (a word seen once has one context and learns "
                "nothing): the text needs to be longer."
            ),
            m=MIN_USEFUL_COUNT,
            V=at_two,
        )
        fix = None
    return Feedback("few_words", message, fix)


def _too_small(sizes: VocabularySizes) -> Feedback | None:
    """Fewer than MIN_TRAINING_TOKENS tokens to train on."""
    if sizes.training_tokens >= MIN_TRAINING_TOKENS:
        return None
    m = sizes.min_count
    message = _(
        "This text is too small to show structure: the runs would train on {tokens:,} tokens (words seen at "
        "least {m} times, in the training sentences), and the toy corpus's planted groups need about {needed:,} "
        "before they separate. Add text: a few hundred kilobytes of prose on one subject is a good start."
    )
    return Feedback("too_small", format_in(message, tokens=sizes.training_tokens, m=m, needed=MIN_TRAINING_TOKENS))


def _few_steps(sizes: VocabularySizes, numpy_options: TrainOptions, limits: Limits) -> Feedback | None:
    """Fewer than MIN_STEPS NumPy steps in the whole run, with the epochs that reach it."""
    positions = _positions(sizes, numpy_options)
    # the batch the Train page will use: it lowers it once per corpus so a small text gets more steps
    batch = min(numpy_options.batch_size, suggested_batch_size(positions))
    steps = steps_per_epoch(positions, batch)
    more = epochs_for_steps(steps, numpy_options.epochs, limits)
    if more is None or sizes.training < 2:
        return None
    message = _(
        "The NumPy trainer would take {steps:,} SGD steps an epoch at batch size {batch}, {total:,} in {epochs} "
        "epochs: too few for its vectors to move far from their random start. {more} epochs give {more_steps:,}. "
        "More epochs move the vectors further; they cannot add what the text does not hold."
    )
    fields = dict(steps=steps, batch=batch, total=steps * numpy_options.epochs, epochs=numpy_options.epochs)
    return Feedback(
        "few_steps",
        format_in(message, **fields, more=more, more_steps=steps * more),
        Fix("epochs", more, _("Train {epochs} epochs").format(epochs=more)),
    )


# How a corpus was read, in the visitor's language. segmentation.py and mojibake.py are part of the
# maths fingerprint (every run's cache key), so their English reasons are read here, not rewritten there.


def describe_segmentation(segmentation: Segmentation) -> str:
    """Why a corpus's words are what they are (``Segmentation.reason``), in the current language.

    >>> from embedlab.text.segmentation import decide
    >>> applied, reason, share = decide("auto", "Học sinh đi học ở trường")
    >>> describe_segmentation(Segmentation("auto", applied, reason, share)) == reason
    True
    """
    reason = segmentation.reason
    if isinstance(reason, Deferred):
        return shown(reason)
    language = _("Vietnamese") if segmentation.language == "Vietnamese" else _("not Vietnamese")
    why = format_in(
        _("{language} ({share:.0%} of syllables carry a Vietnamese-only letter)"),
        language=language,
        share=segmentation.vietnamese_share,
    )
    joined = re.match(r"already segmented \((\d+)%", reason)
    if joined:
        template = _("already segmented ({joined:.0%} of words are joined by _), kept as written")
        return format_in(template, joined=int(joined.group(1)) / 100)
    if segmentation.requested == "syllables" and reason.startswith("syllables as written"):
        return _("syllables as written (asked for)")
    if reason.startswith("segmented into words (asked for)"):
        return _("segmented into words (asked for); {why}").format(why=why)
    if reason.endswith(", segmented into words"):
        return _("{why}, segmented into words").format(why=why)
    if reason.endswith(", kept as written"):
        return _("{why}, kept as written").format(why=why)
    return _(reason) if reason == "kept as written" else reason


def describe_repair(report: RepairReport) -> str:
    """``RepairReport.summary()`` in the current language.

    >>> describe_repair(RepairReport(3, 2, 1, "Há»c", "Học")) == RepairReport(3, 2, 1, "", "").summary()
    True
    """
    if not report.repaired:
        return _("no double-encoded text found")
    lines = ngettext(
        "repaired {n:,} double-encoded line (UTF-8 read as Windows-1252)",
        "repaired {n:,} double-encoded lines (UTF-8 read as Windows-1252)",
        report.lines_repaired,
    )
    text = format_in(lines, n=report.lines_repaired)
    if report.lost_characters:
        text += format_in(
            _("; {lost:,} lost characters recovered with a Vietnamese word list, {unsure:,} of them unsure"),
            lost=report.lost_characters,
            unsure=report.unsure,
        )
    return text
