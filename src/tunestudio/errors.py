"""One base exception, so every layer's known failures can be caught and shown to the user."""

from __future__ import annotations


class TuneStudioError(Exception):
    """A failure the user can act on; its message names the problem and the fix."""


class UserCodeError(TuneStudioError):
    """A user-supplied Python file (model or data) failed to import or run."""
