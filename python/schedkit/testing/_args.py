"""Argument checks for the testing helpers, run when a strategy is asked for.

A ``@st.composite`` body runs only when hypothesis draws from it, deep inside a test run,
where a bad size would surface as a raw error of hypothesis or Python; :func:`checked` checks
the arguments at the call instead, with the same errors as the rest of schedkit.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from schedkit._arrays import I64_MAX, bool_arg, int_arg, is_sequence, shown
from schedkit.exceptions import InvalidInstanceError

__all__ = ["checked", "count", "flag", "function", "maybe", "names", "text"]

F = TypeVar("F", bound=Callable[..., Any])
#: Checks one argument: ``rule(value, name)`` raises InvalidInstanceError naming ``name``.
Rule = Callable[[Any, str], Any]


def count(minimum: int = 0, maximum: int = I64_MAX) -> Rule:
    """An integer in ``[minimum, maximum]`` (a size or a bound on one)."""
    return lambda value, name: int_arg(value, name, minimum=minimum, maximum=maximum)


def flag(value: Any, name: str) -> bool:
    """True or False."""
    return bool_arg(value, name)


def maybe(rule: Rule) -> Rule:
    """``rule``, or None (the helper's "either")."""
    return lambda value, name: None if value is None else rule(value, name)


def text(value: Any, name: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise InvalidInstanceError(f"{name}: expected a string, got {type(value).__name__}", field=name)
    return value


def function(value: Any, name: str) -> Any:
    """Something to call."""
    if not callable(value):
        raise InvalidInstanceError(f"{name}: expected a callable, got {type(value).__name__}", field=name)
    return value


def names(value: Any, name: str) -> Any:
    """A collection of strings; one string is refused, as it would be taken letter by letter."""
    if not is_sequence(value) or not all(isinstance(v, str) for v in value):
        raise InvalidInstanceError(f"{name}: expected a collection of names, got {shown(value)}", field=name)
    return value


def checked(rules: Mapping[str, Rule], ordered: Sequence[tuple[str, str]] = ()) -> Callable[[F], F]:
    """Wraps a helper so that each argument named in ``rules`` is checked by its rule (its
    default too) when the helper is called, and each ``(low, high)`` of ``ordered`` has
    ``low <= high``.

    Examples
    --------
    >>> @checked({"lo": count(), "hi": count()}, ordered=[("lo", "hi")])
    ... def sizes(lo=0, hi=3):
    ...     return lo, hi
    >>> sizes(hi=5)
    (0, 5)
    >>> sizes(4, 2)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: hi: must be >= lo (4), got 2
    """

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:  # a missing or unknown argument
                raise InvalidInstanceError(f"{fn.__name__}: {exc}", field=fn.__name__) from None
            bound.apply_defaults()
            values = bound.arguments
            for name, rule in rules.items():
                rule(values[name], name)
            for low, high in ordered:
                if values[high] < values[low]:
                    raise InvalidInstanceError(
                        f"{high}: must be >= {low} ({values[low]}), got {values[high]}", field=high
                    )
            return fn(*args, **kwargs)

        return call  # type: ignore[return-value]

    return wrap
