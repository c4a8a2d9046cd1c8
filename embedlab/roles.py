"""The runs a page shows, by role: their display names, their colours, and which are the L2 comparison.

A role is the key of a run in the dashboard's run list (``config.DashboardSettings.runs``): the two
trainers side by side, the two extra NumPy runs of the L2 comparison, or one run opened from files.
Charts, the Lecture and the pages take names and colours from here, so a legend means the same
everywhere.

>>> name(NUMPY), name("mine")
('NumPy softmax', 'mine')
>>> [role for role in (NUMPY, GENSIM, L2_OFF, L2_ON) if not is_l2_comparison(role)]
['numpy', 'gensim']
"""

from __future__ import annotations

from embedlab.i18n import N_, _

NUMPY = "numpy"
GENSIM = "gensim"
IMPORTED = "imported"  # a run opened from files (Corpus page, "Open embeddings")
L2_OFF = "numpy_l2_off"  # the L2 comparison: the NumPy trainer at a constant rate with λ = 0 …
L2_ON = "numpy_l2"  # … and with the chosen λ
TRAINERS = (NUMPY, GENSIM)  # the runs shown side by side, NumPy left

# English, marked for the catalog: name() gives them in the visitor's language. The trainers'
# own names stay names in Vietnamese; the L2 runs' and an import's are translated.
NAMES = {
    NUMPY: N_("NumPy softmax"),
    GENSIM: N_("gensim Word2Vec"),
    L2_OFF: N_("NumPy softmax, λ = 0 (constant lr)"),
    L2_ON: N_("NumPy softmax, with L2 (constant lr)"),
    IMPORTED: N_("imported"),
}

# One colour per trainer on every chart, keyed by display name (Vega's own nominal colours follow
# the sorted names, so "numpy"/"gensim" and their display names would swap them between pages).
COLOURS = {NAMES[NUMPY]: "#4c78a8", NAMES[GENSIM]: "#f58518", NAMES[IMPORTED]: "#54a24b"}


def name(role: str) -> str:
    """The display name of a role in the current language; any other name (a run the caller
    named itself) unchanged."""
    return _(NAMES[role]) if role in NAMES else role


def colours() -> dict[str, str]:
    """:data:`COLOURS` keyed by the display names in the current language."""
    return {name(role): COLOURS[NAMES[role]] for role in (NUMPY, GENSIM, IMPORTED)}


def is_l2_comparison(role: str) -> bool:
    """Is this one of the two extra NumPy runs of the L2 comparison (not shown side by side)?"""
    return role.startswith(L2_ON)
