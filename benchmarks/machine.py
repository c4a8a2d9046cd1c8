"""What the figures were measured on: CPU, cores, NumPy's BLAS and its thread count.

Ratios are only comparable on the same machine, so every table starts with this header.
"""

from __future__ import annotations

import ctypes
import os
import platform

import numpy as np

BLAS_ENVIRONMENT = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def cpu_model() -> str:
    """The first ``model name`` of /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cores() -> int:
    """Cores this process may run on (what `nproc` prints)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def numpy_blas() -> str:
    """NumPy's BLAS as its build reports it, e.g. ``scipy-openblas 0.3.31 (Haswell …)``."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except Exception:  # older NumPy: no dict mode
        return "unknown"


def _openblas_library() -> ctypes.CDLL | None:
    """The OpenBLAS that NumPy loaded, found among this process's mapped libraries."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower() and line.rstrip().endswith(".so")}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def blas_threads() -> str:
    """How many threads NumPy's BLAS uses: threadpoolctl when installed, else OpenBLAS's own
    ``openblas_get_num_threads`` (any symbol suffix), else what the environment asks for."""
    try:
        from threadpoolctl import threadpool_info

        counts = [f"{info['internal_api']}={info['num_threads']}" for info in threadpool_info()]
        if counts:
            return ", ".join(counts) + " (threadpoolctl)"
    except ImportError:
        pass
    library = _openblas_library()
    if library is not None:
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"):
            function = getattr(library, name, None)
            if function is not None:
                function.restype = ctypes.c_int
                return f"{function()} (OpenBLAS {name})"
    asked = {k: os.environ[k] for k in BLAS_ENVIRONMENT[2:] if k in os.environ}
    return f"unknown; environment asks for {asked or 'the default (one per core)'}"


def describe() -> list[tuple[str, str]]:
    """(label, value) rows for the header of the table."""
    rows = [
        ("CPU", f"{cpu_model()} ({platform.machine()})"),
        ("cores (nproc)", str(cores())),
        ("Python", platform.python_version()),
        ("NumPy", f"{np.__version__}, BLAS {numpy_blas()}"),
        ("NumPy BLAS threads", blas_threads()),
        ("BLAS environment", ", ".join(f"{k}={os.environ[k]}" for k in BLAS_ENVIRONMENT if k in os.environ) or "none"),
    ]
    try:
        import torch

        rows.append(("PyTorch", f"{torch.__version__}, {torch.get_num_threads()} threads (set to cores)"))
    except ImportError:
        rows.append(("PyTorch", "not installed"))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows.append(("load average at start (1, 5, 15 min)", load))
    return rows
