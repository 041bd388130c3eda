"""The exceptions schedkit raises. Every error a user can cause is one of these.

``SchedkitError`` is the root. ``InvalidInstanceError`` is also a ``ValueError`` and carries
``field`` (the argument or file field at fault) and ``index`` (the position within it, or the
line number for files, or ``None``); a precedence cycle also carries ``cycle``, the task ids
around it with the first repeated at the end.

The contract: a call returns a valid, finite result or raises one of these, naming the field
(and index, or file and line) at fault. Nothing is clamped, dropped or ignored silently.

Two of them mean a schedkit bug, not bad input: ``InternalError`` (the Rust core panicked or
a worker thread died; the binding catches every panic in its shared call helpers, so PyO3's
``PanicException``, a ``BaseException`` that ``except Exception`` misses, does not reach you)
and ``ValidationError`` (a result failed its independent check). The ``schedkit`` command
prints these with the version and where to report them (exit 70); every other error is one
line ``schedkit: error: ...`` with exit 2.

Integers too large for the core (a seed of ``2**64``, ``cores=2**63``) and negative counts
are to be rejected in Python before the call, with ``InvalidInstanceError`` naming the
argument (``schedkit._arrays.int_arg`` does it); a bare ``OverflowError`` from the binding
means a check is missing, which is a bug to report.
"""

from __future__ import annotations

__all__ = [
    "SchedkitError",
    "InvalidInstanceError",
    "InfeasibleError",
    "SolverUnavailableError",
    "DeviceUnavailableError",
    "ValidationError",
    "InternalError",
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


class InternalError(SchedkitError, RuntimeError):
    """A schedkit bug: the Rust core panicked or a worker thread died. The message names the
    call and the panic; please report it with the input that caused it."""
