"""Matching user-given names (policies, algorithms, methods) to a registry: case-insensitive, with
a "did you mean" suggestion on a typo. Every area resolves names here so they all behave alike.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from schedkit.exceptions import InvalidInstanceError

__all__ = ["resolve_name"]


def resolve_name(field: str, name: object, choices: Iterable[str]) -> str:
    """The registry spelling of ``name``, matched case-insensitively and ignoring ``-``/``_``.

    Parameters
    ----------
    field : str
        The argument being resolved, named in the error (``"policy"``, ``"algorithm"``).
    name : object
        What the user passed; anything but a string is an error.
    choices : iterable of str
        The registry's names.

    Returns
    -------
    str
        The matching choice, spelled as the registry spells it.

    Raises
    ------
    InvalidInstanceError
        For an unknown name, listing the choices and the closest one.

    Examples
    --------
    >>> resolve_name("policy", "UWFQ", ["fifo", "uwfq"])
    'uwfq'
    >>> resolve_name("policy", "uwfg", ["fifo", "uwfq"])
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: policy: unknown 'uwfg' (did you mean 'uwfq'?); choices: fifo, uwfq
    """
    options = list(choices)
    if not isinstance(name, str):
        raise InvalidInstanceError(f"{field}: expected a name, got {type(name).__name__}", field=field)

    def key(s: str) -> str:
        return s.strip().lower().replace("-", "_")

    by_key = {key(c): c for c in options}
    if key(name) in by_key:
        return by_key[key(name)]
    close = difflib.get_close_matches(key(name), list(by_key), n=1, cutoff=0.6)
    hint = f" (did you mean '{by_key[close[0]]}'?)" if close else ""
    raise InvalidInstanceError(
        f"{field}: unknown {name!r}{hint}; choices: {', '.join(options)}",
        field=field,
    )
