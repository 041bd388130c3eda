"""Docstring sections that several public functions share, written once.

Functions that take the same options or return the same kind of result document those the
same way; instead of a copy in every docstring, the docstring holds a marker line ``{name}``
and :func:`fill_doc` replaces it with the section, indented like the marker. ``help()``,
doctests and documentation tools read the filled docstring.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T", bound=Callable[..., object])

# A line holding only ``{name}``; braces elsewhere (dict literals in examples) are left alone.
_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>[a-z_]+)\}[ \t]*$", re.MULTILINE)


def fill_doc(**sections: str) -> Callable[[_T], _T]:
    """A decorator that replaces each marker line ``{name}`` of a docstring with ``sections[name]``.

    Parameters
    ----------
    **sections : str
        Docstring text by marker name; the text is dedented, stripped of leading and trailing
        blank lines and indented like its marker.

    Returns
    -------
    callable
        Decorates a function (or class) in place and returns it.

    Raises
    ------
    ValueError
        When decorating: a marker without a section (a typo). Sections without a marker are
        fine, so that one decorator can serve a whole module. Nothing is checked when
        docstrings are stripped (``python -OO``).

    Examples
    --------
    >>> units = '''seconds : float
    ...     Wall-clock time, >= 0.'''
    >>> @fill_doc(units=units)
    ... def wait(seconds):
    ...     '''Waits.
    ...
    ...     Parameters
    ...     ----------
    ...     {units}
    ...     '''
    >>> print(wait.__doc__.strip())
    Waits.
    <BLANKLINE>
        Parameters
        ----------
        seconds : float
            Wall-clock time, >= 0.
    """
    texts = {name: textwrap.dedent(text).strip("\n") for name, text in sections.items()}

    def decorate(obj: _T) -> _T:
        doc = obj.__doc__
        if doc is None:
            return obj

        def section(m: re.Match[str]) -> str:
            name = m.group("name")
            if name not in texts:
                raise ValueError(f"{obj.__qualname__}: no docstring section {name!r} to fill {{{name}}}")
            return textwrap.indent(texts[name], m.group("indent"))

        obj.__doc__ = _MARKER.sub(section, doc)
        return obj

    return decorate
