"""The one user-facing error type.

Anything a user can cause (a bad file, impossible settings, a diverging learning rate)
raises :class:`EmbedLabError` with a message that says what to do. The command line turns
it into ``error: …`` and exit status 2; pages show it with ``st.error``.
"""

from __future__ import annotations

import math

from embedlab.i18n import _, number


class EmbedLabError(ValueError):
    """A problem the user can fix; the message says how."""


class TrainingCancelled(EmbedLabError):
    """Training was stopped between epochs by ``should_stop()``; nothing was saved."""


class TrainingDiverged(EmbedLabError):
    """The loss or the vectors became non-finite. The training loop keeps the epochs that had
    finished as a shorter run flagged ``diverged`` when there are any."""

    @classmethod
    def at(cls, epoch: int, what: str = "the loss", lr: float | None = None) -> TrainingDiverged:
        at_lr = f" at learning rate {lr:.4g}" if lr is not None else ""
        return cls(
            f"training diverged in epoch {epoch}: {what} became non-finite{at_lr}; "
            "lower the learning rate (--lr) and train again."
        )


# ---------------------------------------------------------------- a setting's bounds, checked where it is made


def check_int(name: str, value, low: int, high: int | None = None, *, cap: bool = False) -> None:
    """``value`` is a whole number in [low, high] (or at least ``low``), else an EmbedLabError saying so.
    ``cap``: ``high`` is a shared-server limit from :class:`Limits`, and the message says how to lift it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmbedLabError(_("{name} must be a whole number, got {value}.").format(name=name, value=repr(value)))
    if cap and value > high:
        raise EmbedLabError(
            _(
                "{name} is capped at {high} here and you asked for {value}; use less "
                "(or set EMBEDLAB_UNLIMITED=1 on your own machine)."
            ).format(name=name, high=high, value=value)
        )
    if value < low or (high is not None and value > high):
        message = (
            _("{name} must be at least {low} and at most {high}; got {value}.")
            if high is not None
            else _("{name} must be at least {low}; got {value}.")
        )
        raise EmbedLabError(message.format(name=name, low=low, high=high, value=value))


def check_float(name: str, value, low: float, high: float, *, open_low: bool = False) -> None:
    """``value`` is a finite number in [low, high] (or (low, high] with ``open_low``), else an EmbedLabError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise EmbedLabError(_("{name} must be a finite number, got {value}.").format(name=name, value=repr(value)))
    too_low = value <= low if open_low else value < low
    if too_low or value > high:
        message = (
            _("{name} must be greater than {low} and at most {high}; got {value}.")
            if open_low
            else _("{name} must be at least {low} and at most {high}; got {value}.")
        )
        raise EmbedLabError(message.format(name=name, low=number(low), high=number(high), value=number(value)))
