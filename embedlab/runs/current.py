"""One notion of "current": the corpus a visitor picked and the corpus the shown runs come from.

After an upload the current corpus is the upload, but the runs every page shows are still the
previous corpus's until the visitor trains. :func:`runs_notice` says so in one plain sentence
(names are the visitor's: show it as text, never as markdown), or None when they agree.
"""

from __future__ import annotations

from embedlab.i18n import _


def runs_notice(current_corpus: str, runs_corpus: str, parent_corpus: str | None = None) -> str | None:
    """The sentence a page showing runs puts in its first screen when the runs are not of the
    current corpus; None when they are (a fine-tuned run is "of" its second corpus, and also of
    its first, which it was trained on before).

    >>> print(runs_notice("notes.txt", "toy"))
    The runs shown are still those of toy, not of notes.txt, the current corpus: train on notes.txt to see its own.
    >>> runs_notice("toy", "toy") is None, runs_notice("toy", "toy-shift", parent_corpus="toy") is None
    (True, True)
    >>> print(runs_notice("notes.txt", "toy-shift", parent_corpus="toy"))
    The runs shown are still those of toy, fine-tuned on toy-shift, not of notes.txt, the current corpus: train on notes.txt to see its own.
    """
    if current_corpus in (runs_corpus, parent_corpus):
        return None
    of = (
        _("{first}, fine-tuned on {second}").format(first=parent_corpus, second=runs_corpus)
        if parent_corpus
        else runs_corpus
    )
    return _(
        "The runs shown are still those of {runs}, not of {current}, the current corpus: train on {current} to "
        "see its own."
    ).format(runs=of, current=current_corpus)
