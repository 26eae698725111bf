"""Properties: the invariant catalog, the result type and the engines."""

from .result import Goal, Result, Verdict

__all__ = ["Goal", "Result", "Verdict"]
