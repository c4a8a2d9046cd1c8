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


class StageBar:
    """``stage_bar(stage, fraction)``: one bar per stage of a long piece of work (reading, counting,
    an epoch), redrawn at most every half second on a terminal and at every quarter otherwise, so a
    log file gets a few lines per stage, not thousands."""

    def __init__(self, stream=None):
        self.stream = stream
        self.stage: str | None = None
        self.bar: ProgressBar | None = None
        self.shown, self.drawn_at = -1, 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.finish()
            self.stage, self.bar, self.shown = stage, ProgressBar(100, stage, self.stream), -1
        step = min(int(100 * fraction), 99)  # 100 is drawn by finish(): the stage is over only then
        now = time.perf_counter()
        due = now - self.drawn_at >= 0.5 if self.bar.tty else step // 25 > self.shown // 25
        if step > self.shown and (due or self.shown < 0):
            self.bar.update(step)
            self.shown, self.drawn_at = step, now

    def finish(self) -> None:
        """Draw the current stage as done (100/100)."""
        if self.bar is not None and self.shown < 100:
            self.bar.update(100)
            self.shown = 100
