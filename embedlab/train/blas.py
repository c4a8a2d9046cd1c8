"""How many BLAS threads a product of a given size should use.

OpenBLAS splits every matrix product over all cores and its threads wait for each other by
spinning. For small products (the toy corpus: 256 × 291 × 50) the split costs more than it
saves, and on a shared server whose cores are busy the spinning threads slow each step down
many times over (measured on 2 busy cores: 5.8 s against 0.7 s for one toy epoch). Small
products therefore run on one thread; large ones keep BLAS's own choice.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from threadpoolctl import threadpool_limits

SMALL_PRODUCT = 1 << 23  # multiply-adds per product below which one thread is faster


def blas_threads(multiply_adds: float) -> AbstractContextManager:
    """A context in which BLAS uses one thread if a typical product has fewer than
    SMALL_PRODUCT multiply-adds, else its default.

    >>> with blas_threads(256 * 291 * 50):
    ...     pass
    """
    if multiply_adds < SMALL_PRODUCT:
        return threadpool_limits(limits=1, user_api="blas")
    return nullcontext()
