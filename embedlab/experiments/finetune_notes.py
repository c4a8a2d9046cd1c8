"""What a fine-tuned run did, in words, read from its metrics (the Fine-tune page's caption).

Like the Lecture's notes, nothing here is fixed text about the built-in shift: the sentences say
which way each held-out loss went between the switch and the last epoch on *this* pair of
corpora, with the numbers.
"""

from __future__ import annotations

import math

import pandas as pd

from embedlab.i18n import _, listing, ngettext, number

STEADY = 0.005  # nats per pair: a change smaller than this is reported as "about the same"


def _change(before: float, after: float) -> str:
    """'rose from 2.038 to 2.327' / 'fell from …' / 'stayed at about …'."""
    if abs(after - before) < STEADY:
        return _("stayed at about {after}").format(after=number(after, ".3f"))
    change = _("rose from {before} to {after}") if after > before else _("fell from {before} to {after}")
    return change.format(before=number(before, ".3f"), after=number(after, ".3f"))


def _pair(metrics: pd.DataFrame, column: str, switch: int) -> tuple[float, float] | None:
    if column not in metrics:
        return None
    rows = metrics.set_index("epoch")[column]
    before, after = rows.get(switch, math.nan), rows.iloc[-1]
    if not (math.isfinite(before) and math.isfinite(after)):
        return None
    return float(before), float(after)


def forgetting_note(
    metrics: pd.DataFrame, switch: int, first: str, second: str, focus_words: list[str] | None = None
) -> str:
    """Plain text (corpus names are the visitor's: show it as text, never as markdown): how the
    held-out losses on the first corpus (all pairs, and the pairs around ``focus_words``) and on
    the second moved from the switch epoch to the last.

    >>> m = pd.DataFrame({"epoch": [0, 1, 2], "heldout_loss": [4.1, 3.9, 3.3], "heldout_loss_a": [4.1, 2.4, 2.36]})
    >>> print(forgetting_note(m, 1, "toy", "notes.txt"))
    After 1 epoch on notes.txt, the held-out loss on toy (the first corpus) fell from 2.400 to 2.360: where notes.txt shares words and company with toy, training on it went on teaching toy, and nothing of it was measurably forgotten. On notes.txt itself it fell from 3.900 to 3.300.
    """
    epochs = int(metrics["epoch"].iloc[-1]) - switch
    head = ngettext("After {n} epoch on {second}", "After {n} epochs on {second}", epochs).format(
        n=epochs, second=second
    )
    sentences = []
    a = _pair(metrics, "heldout_loss_a", switch)
    focus = _pair(metrics, "heldout_loss_a_focus", switch) if focus_words else None
    focus_rose = focus is not None and focus[1] - focus[0] >= STEADY
    if a is not None:
        text = _("{head}, the held-out loss on {first} (the first corpus) {change}").format(
            head=head, first=first, change=_change(*a)
        )
        if a[1] - a[0] >= STEADY:
            text += _(": what {first} taught and {second} does not repeat is being forgotten.").format(
                first=first, second=second
            )
        elif a[0] - a[1] >= STEADY:
            text += _(
                ": where {second} shares words and company with {first}, training on it went on teaching {first}"
            ).format(first=first, second=second)
            text += "." if focus_rose else _(", and nothing of it was measurably forgotten.")
        else:
            text += "."
        sentences.append(text)
    if focus is not None:
        text = _("On the pairs of {first} around the words that change company ({words}) it {change}").format(
            first=first, words=listing(focus_words), change=_change(*focus)
        )
        if a is not None and focus_rose and a[1] - a[0] < STEADY:
            text += _(": their old company is forgotten while {first} as a whole is not.").format(first=first)
        else:
            text += "."
        sentences.append(text)
    b = _pair(metrics, "heldout_loss", switch)
    if b is not None:
        sentences.append(_("On {second} itself it {change}.").format(second=second, change=_change(*b)))
    return " ".join(sentences)
