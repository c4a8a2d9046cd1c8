"""The one user-facing error type.

Anything a user can cause (a bad file, impossible settings, a diverging learning rate)
raises :class:`EmbedLabError` with a message that says what to do. The command line turns
it into ``error: …`` and exit status 2; pages show it with ``st.error``.
"""

from __future__ import annotations


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
