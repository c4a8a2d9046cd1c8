"""What a run's curves say, as numbers a caption can quote (SEED §5.3, §6, and word frequency).

Every function reads a run's metrics table or an analysis table and returns plain numbers,
so a page states what its own chart shows instead of what the lecture expects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def gradient_story(metrics: pd.DataFrame) -> dict:
    """‖∇J‖ over the run: at epoch 0, at its peak (and when), at the end, and end ÷ peak.

    At epoch 0 the output vectors are 0, so ∂J/∂W_in = 0 exactly and ‖∇J‖ is only the output
    side's small gradient: a saddle. The norm rises as the symmetry breaks and falls as
    training converges (SEED §5.3).

    >>> m = pd.DataFrame({"epoch": [0, 1, 2, 3], "grad_norm": [0.01, 0.4, 0.2, 0.02]})
    >>> story = gradient_story(m); round(story["ratio"], 3), story["peak_epoch"]
    (0.05, 1)
    """
    grad = metrics["grad_norm"].to_numpy(dtype=float)
    peak = int(np.nanargmax(grad))
    return {
        "start": float(grad[0]),
        "peak": float(grad[peak]),
        "peak_epoch": int(metrics["epoch"].iloc[peak]),
        "final": float(grad[-1]),
        "final_se": float(metrics["grad_norm_se"].iloc[-1]) if "grad_norm_se" in metrics else 0.0,
        "ratio": float(grad[-1] / grad[peak]) if grad[peak] > 0 else float("nan"),
    }


def l2_story(without: pd.DataFrame, with_l2: pd.DataFrame, last: int = 10) -> dict:
    """Mean ‖v‖ of two runs (λ = 0 and λ > 0) at the end and how much it still grew over the
    last ``last`` epochs, with each run's final held-out loss.

    >>> a = pd.DataFrame({"mean_norm": [0.1, 2.0, 3.0, 3.5], "heldout_loss": [5, 4, 4, 4.2]})
    >>> b = pd.DataFrame({"mean_norm": [0.1, 1.5, 1.6, 1.6], "heldout_loss": [5, 4, 3.9, 3.9]})
    >>> story = l2_story(a, b, last=2); story["growth_without"], round(story["growth_with"], 3)
    (1.5, 0.1)
    """

    def growth(metrics: pd.DataFrame) -> float:
        norms = metrics["mean_norm"].to_numpy(dtype=float)
        return float(norms[-1] - norms[max(0, len(norms) - 1 - last)])

    return {
        "final_without": float(without["mean_norm"].iloc[-1]),
        "final_with": float(with_l2["mean_norm"].iloc[-1]),
        "growth_without": growth(without),
        "growth_with": growth(with_l2),
        "heldout_without": float(without["heldout_loss"].iloc[-1]),
        "heldout_with": float(with_l2["heldout_loss"].iloc[-1]),
        "last": last,
    }


def frequency_effect(changes: pd.DataFrame) -> dict:
    """How a word's movement relates to its frequency: Spearman ρ between count and change,
    and the median change of the rarest and the most frequent quarter of the vocabulary.

    changes: columns count, change (:func:`embedlab.runs.alignment.change_scores`).

    >>> f = pd.DataFrame({"count": [1, 2, 3, 4, 5, 6, 7, 8], "change": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]})
    >>> effect = frequency_effect(f); round(effect["spearman"], 3), round(effect["rare_median"], 3)
    (-1.0, 0.85)
    """
    from scipy.stats import spearmanr  # SciPy's statistics load in ~1 s: only when a page asks

    counts = changes["count"].to_numpy(dtype=float)
    change = changes["change"].to_numpy(dtype=float)
    low, high = np.quantile(counts, [0.25, 0.75])
    return {
        "spearman": float(spearmanr(counts, change).statistic) if len(counts) > 2 else float("nan"),
        "rare_median": float(np.median(change[counts <= low])),
        "frequent_median": float(np.median(change[counts >= high])),
    }
