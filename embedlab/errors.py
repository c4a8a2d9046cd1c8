"""The one user-facing error type.

Anything a user can cause (a bad file, impossible settings, a diverging learning rate)
raises :class:`EmbedLabError` with a message that says what to do. The command line turns
it into ``error: …`` and exit status 2; pages show it with ``st.error``.
"""


class EmbedLabError(ValueError):
    """A problem the user can fix; the message says how."""


class TrainingCancelled(EmbedLabError):
    """Training was stopped between epochs by ``should_stop()``; nothing was saved."""
