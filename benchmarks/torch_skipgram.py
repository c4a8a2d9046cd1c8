"""The same full-softmax skip-gram written the obvious way in PyTorch (CPU): the reference
the NumPy trainer is measured against.

nn.Embedding (centre vectors v) → nn.Linear(d, V, bias=False) (context vectors u, the logits
u_c'·v_w) → CrossEntropyLoss (mean −log P(c|w) over the batch) → torch.optim.SGD. Both
start from the same vectors as the NumPy trainer (W_in = initial_vectors, W_out = 0).
PyTorch is a benchmark-only extra (benchmarks/requirements.txt), never an app dependency.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class TorchSkipGram:
    """One SGD epoch over given (centre, context) pairs, in batches of ``batch_size``."""

    def __init__(self, W_in: np.ndarray, W_out: np.ndarray, lr: float, batch_size: int, threads: int):
        torch.set_num_threads(threads)
        V, d = W_in.shape
        self.model = nn.Sequential(nn.Embedding(V, d), nn.Linear(d, V, bias=False))
        with torch.no_grad():
            self.model[0].weight.copy_(torch.from_numpy(W_in))
            self.model[1].weight.copy_(torch.from_numpy(W_out))
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.batch_size = batch_size

    def train_epoch(self, centres: np.ndarray, contexts: np.ndarray) -> float:
        """Train on the pairs in the given order; returns the last batch's loss."""
        centres = torch.from_numpy(centres.astype(np.int64))
        contexts = torch.from_numpy(contexts.astype(np.int64))
        loss = torch.zeros(())
        for start in range(0, len(centres), self.batch_size):
            c = centres[start : start + self.batch_size]
            x = contexts[start : start + self.batch_size]
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(c), x)
            loss.backward()
            self.optimizer.step()
        return float(loss.detach())
