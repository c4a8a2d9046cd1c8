"""Giving memory back on a shared server: what belongs to one visitor goes when the visitor does.

    visitors = PerVisitor(grace=60)
    uploads = visitors.container("session-1", "uploads")   # a dict the visitor's pages fill
    visitors.sweep(is_connected)                            # later, from a timer: drops the gone
    release()                                               # and hands the freed pages to the OS

Python frees a visitor's objects when nothing refers to them, but the C allocator keeps the
freed pages for reuse, so the process's resident memory stays high after a large upload was
tokenised and dropped (measured: +43 MB of 150 MB kept for an 11 MB text). :func:`release` runs
the garbage collector and asks glibc to return free pages (``malloc_trim``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import threading
import time
from collections.abc import Callable


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process now (Linux: /proc/PID/statm), 0 where unknown."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _glibc(name: str, argtypes: list, restype=ctypes.c_int) -> Callable | None:
    """The C library's function ``name``, or None where it has none (macOS, musl: not glibc)."""
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("c")), name)
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes, function.restype = argtypes, restype
    return function


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None on another C library: nothing to trim there."""
    return _glibc("malloc_trim", [ctypes.c_size_t])


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
MMAP_THRESHOLD = 1 << 20  # blocks of 1 MiB or more get their own mapping, unmapped when freed


def map_large_blocks(threshold: int = MMAP_THRESHOLD) -> bool:
    """Have glibc give every block of ``threshold`` bytes or more its own memory mapping, which
    goes back to the OS the moment it is freed; False where that cannot be set (not glibc).

    glibc starts at 128 KiB but raises the threshold each time a mapped block is freed, up to
    32 MiB, after which a training's temporary arrays come from the heap and fragment it: what
    is freed there is reused but not returned, and ``malloc_trim`` cannot give back pages that
    still hold a live byte. A fixed 1 MiB threshold keeps the peak and what is left after a large
    upload lower at a few per cent of the time (the measurements are in the commit that set it).
    """
    mallopt = _glibc("mallopt", [ctypes.c_int, ctypes.c_int])
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, threshold) == 1


def release() -> int:
    """Collect garbage and return the allocator's free pages to the OS; the bytes given back."""
    before = rss_bytes()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return max(before - rss_bytes(), 0)


class PerVisitor:
    """Large data that belongs to one visitor, dropped once the visitor has been gone ``grace`` seconds.

    A container is a dict handed out once per (visitor, name); the pages may keep a reference
    to it (e.g. in Streamlit's session state), so dropping a visitor *empties* its containers
    in place: whatever else still points at them no longer holds the data. Thread-safe.

    >>> visitors = PerVisitor(grace=0)
    >>> uploads = visitors.container("a", "uploads"); uploads["x"] = [1, 2, 3]
    >>> visitors.sweep(lambda visitor: False), uploads, visitors.visitors()
    (['a'], {}, [])
    """

    def __init__(self, grace: float = 60.0):
        self.grace = grace
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, dict]] = {}
        self._seen: dict[str, float] = {}  # visitor → last time known to be there

    def container(self, visitor: str, name: str) -> dict:
        """The visitor's container ``name`` (created empty the first time)."""
        with self._lock:
            self._seen[visitor] = time.monotonic()
            return self._data.setdefault(visitor, {}).setdefault(name, {})

    def visitors(self) -> list[str]:
        with self._lock:
            return list(self._data)

    def drop(self, visitor: str) -> None:
        """Empty and forget every container of ``visitor``."""
        with self._lock:
            containers = self._data.pop(visitor, {})
            self._seen.pop(visitor, None)
        for container in containers.values():
            container.clear()

    def sweep(self, alive: Callable[[str], bool], now: float | None = None) -> list[str]:
        """Drop the visitors ``alive`` says are gone and who have been gone ``grace`` seconds."""
        now = time.monotonic() if now is None else now
        gone = []
        for visitor in self.visitors():
            if alive(visitor):
                with self._lock:
                    self._seen[visitor] = now
            elif now - self._seen.get(visitor, now) >= self.grace:
                self.drop(visitor)
                gone.append(visitor)
        return gone


JANITOR_SECONDS = 5.0  # how often gone visitors are looked for


def start_janitor(
    store: PerVisitor,
    alive: Callable[[str], bool],
    on_gone: Callable[[str], None] | None = None,
    every: float = JANITOR_SECONDS,
) -> threading.Thread:
    """A daemon thread that sweeps ``store`` every ``every`` seconds: gone visitors' containers are
    emptied, ``on_gone(visitor)`` is called for each, and the freed memory is given back (:func:`release`)."""

    def janitor() -> None:
        while True:
            time.sleep(every)
            gone = store.sweep(alive)
            for visitor in gone:
                if on_gone is not None:
                    on_gone(visitor)
            if gone:
                release()

    thread = threading.Thread(target=janitor, name="embedlab-janitor", daemon=True)
    thread.start()
    return thread
