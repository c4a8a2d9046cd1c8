"""How many BLAS threads a product of a given size should use.

OpenBLAS splits every matrix product over all cores and its threads wait for each other by
spinning. For small products (the toy corpus: 256 × 291 × 50) the split costs more than it
saves, and on a shared server whose cores are busy the spinning threads slow each step down
many times over (measured on 2 busy cores: 5.8 s against 0.7 s for one toy epoch). Small
products therefore run on one thread; large ones keep BLAS's own choice.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache

import numpy as np  # noqa: F401  (its BLAS is loaded before the controller below looks for libraries)
from threadpoolctl import ThreadpoolController

SMALL_PRODUCT = 1 << 23  # multiply-adds per product below which one thread is faster


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    """The loaded BLAS libraries, found once: threadpool_limits() looks them up on every call
    (7-14 ms a call with gensim, SciPy and pandas loaded on a busy machine; a NumPy epoch of a
    small text takes about as long)."""
    return ThreadpoolController()


def blas_threads(multiply_adds: float) -> AbstractContextManager:
    """A context in which BLAS uses one thread if a typical product has fewer than
    SMALL_PRODUCT multiply-adds, else its default.

    >>> with blas_threads(256 * 291 * 50):
    ...     pass
    """
    if multiply_adds < SMALL_PRODUCT:
        return _controller().limit(limits=1, user_api="blas")
    return nullcontext()
