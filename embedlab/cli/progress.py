"""A progress bar on stderr for the command line's long commands."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """A one-line progress bar on stderr (one line per epoch when stderr is not a terminal)."""

    def __init__(self, total: int, label: str, stream=None):
        stream = stream or sys.stderr  # looked up now: stderr may have been redirected since import
        self.total, self.label, self.stream = total, label, stream
        self.started = time.perf_counter()
        self.tty = stream.isatty()

    def update(self, done: int, text: str = "") -> None:
        width = 30
        filled = int(width * done / max(self.total, 1))
        elapsed = time.perf_counter() - self.started
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {text} {elapsed:.1f}s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the live bar, so an error that follows is the only line left on a terminal."""
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
