"""The exceptions schedkit raises. Every error a user can cause is one of these.

``SchedkitError`` is the root. ``InvalidInstanceError`` is also a ``ValueError`` and carries
``field`` (the argument or file field at fault) and ``index`` (the position within it, or the
line number for files, or ``None``); a precedence cycle also carries ``cycle``, the task ids
around it with the first repeated at the end.
"""

from __future__ import annotations

__all__ = [
    "SchedkitError",
    "InvalidInstanceError",
    "InfeasibleError",
    "SolverUnavailableError",
    "DeviceUnavailableError",
    "ValidationError",
]


class SchedkitError(Exception):
    """Root of every schedkit exception."""


class InvalidInstanceError(SchedkitError, ValueError):
    """Bad input: wrong shape or length, NaN/inf, out-of-range value, malformed file."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        index: int | None = None,
        cycle: list[int] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.index = index
        self.cycle = cycle


class InfeasibleError(SchedkitError):
    """The input is valid but admits no feasible solution."""


class SolverUnavailableError(SchedkitError, ImportError):
    """An optional solver (e.g. OR-Tools CP-SAT) is not installed; the message names the extra."""


class DeviceUnavailableError(SchedkitError, RuntimeError):
    """The requested device (e.g. ``device="cuda"``) is not available."""


class ValidationError(SchedkitError, AssertionError):
    """A result failed its independent check (``Result.validate()``); this is a schedkit bug."""
