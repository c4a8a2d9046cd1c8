"""What a fine-tuned run did, in words, read from its metrics (the Fine-tune page's caption).

Like the Lecture's notes, nothing here is fixed text about the built-in shift: the sentences say
which way each held-out loss went between the switch and the last epoch on *this* pair of
corpora, with the numbers.
"""

from __future__ import annotations

import math

import pandas as pd

STEADY = 0.005  # nats per pair: a change smaller than this is reported as "about the same"


def _change(before: float, after: float) -> str:
    """'rose from 2.038 to 2.327' / 'fell from …' / 'stayed at about …'."""
    if abs(after - before) < STEADY:
        return f"stayed at about {after:.3f}"
    return f"{'rose' if after > before else 'fell'} from {before:.3f} to {after:.3f}"


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
    head = f"After {epochs} epoch{'s' if epochs != 1 else ''} on {second}"
    sentences = []
    a = _pair(metrics, "heldout_loss_a", switch)
    focus = _pair(metrics, "heldout_loss_a_focus", switch) if focus_words else None
    focus_rose = focus is not None and focus[1] - focus[0] >= STEADY
    if a is not None:
        text = f"{head}, the held-out loss on {first} (the first corpus) {_change(*a)}"
        if a[1] - a[0] >= STEADY:
            text += f": what {first} taught and {second} does not repeat is being forgotten."
        elif a[0] - a[1] >= STEADY:
            text += f": where {second} shares words and company with {first}, training on it went on teaching {first}"
            text += "." if focus_rose else ", and nothing of it was measurably forgotten."
        else:
            text += "."
        sentences.append(text)
    if focus is not None:
        words = ", ".join(focus_words)
        text = f"On the pairs of {first} around the words that change company ({words}) it {_change(*focus)}"
        if a is not None and focus_rose and a[1] - a[0] < STEADY:
            text += f": their old company is forgotten while {first} as a whole is not."
        else:
            text += "."
        sentences.append(text)
    b = _pair(metrics, "heldout_loss", switch)
    if b is not None:
        sentences.append(f"On {second} itself it {_change(*b)}.")
    return " ".join(sentences)
