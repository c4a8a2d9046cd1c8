"""EmbedLab: watch word embeddings form during training.

The public API; pages, the command line and tests all call these. The names are imported on
first use (PEP 562), so ``import embedlab.teaching.tour`` does not load NumPy, pandas or SciPy: a fresh
server shows the Lecture's text while the rest of the package is still being imported.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "CorpusOptions": "embedlab.config",
    "Limits": "embedlab.config",
    "SweepOptions": "embedlab.config",
    "TrainOptions": "embedlab.config",
    "EmbedLabError": "embedlab.errors",
    "TrainingCancelled": "embedlab.errors",
    "Hooks": "embedlab.hooks",
    "Snapshot": "embedlab.hooks",
    "initial_vectors": "embedlab.train.softmax",
    "softmax_loss_and_grads": "embedlab.train.softmax",
    "Run": "embedlab.store",
    "load_run": "embedlab.store",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'embedlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
