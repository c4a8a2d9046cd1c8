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

NUMPY = "numpy"
GENSIM = "gensim"
IMPORTED = "imported"  # a run opened from files (Corpus page, "Open embeddings")
L2_OFF = "numpy_l2_off"  # the L2 comparison: the NumPy trainer at a constant rate with λ = 0 …
L2_ON = "numpy_l2"  # … and with the chosen λ
TRAINERS = (NUMPY, GENSIM)  # the runs shown side by side, NumPy left

_NUMPY_NAME = "NumPy softmax"
NAMES = {
    NUMPY: _NUMPY_NAME,
    GENSIM: "gensim Word2Vec",
    L2_OFF: f"{_NUMPY_NAME}, λ = 0 (constant lr)",
    L2_ON: f"{_NUMPY_NAME}, with L2 (constant lr)",
    IMPORTED: "imported",
}

# One colour per trainer on every chart, keyed by display name (Vega's own nominal colours follow
# the sorted names, so "numpy"/"gensim" and their display names would swap them between pages).
COLOURS = {NAMES[NUMPY]: "#4c78a8", NAMES[GENSIM]: "#f58518", NAMES[IMPORTED]: "#54a24b"}


def name(role: str) -> str:
    """The display name of a role; any other name (a run the caller named itself) unchanged."""
    return NAMES.get(role, role)


def is_l2_comparison(role: str) -> bool:
    """Is this one of the two extra NumPy runs of the L2 comparison (not shown side by side)?"""
    return role.startswith(L2_ON)
