"""EmbedLab: watch word embeddings form during training.

The public API; pages, the command line and tests all call these.
"""

__version__ = "0.1.0"

from embedlab.config import CorpusOptions, Limits, SweepOptions, TrainOptions  # noqa: E402
from embedlab.errors import EmbedLabError, TrainingCancelled  # noqa: E402
from embedlab.hooks import Hooks, Snapshot  # noqa: E402
from embedlab.softmax import initial_vectors, softmax_loss_and_grads  # noqa: E402
from embedlab.store import Run, load_run  # noqa: E402

__all__ = [
    "CorpusOptions",
    "EmbedLabError",
    "Hooks",
    "Limits",
    "Run",
    "Snapshot",
    "SweepOptions",
    "TrainOptions",
    "TrainingCancelled",
    "__version__",
    "initial_vectors",
    "load_run",
    "softmax_loss_and_grads",
]
