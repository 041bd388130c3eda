"""Small real example inputs shipped inside the wheel, one or more per area; where each comes
from is in ``PROVENANCE.md`` next to it.

``path(name)`` finds a file by its path inside the data folder (``"traces/google2011_wta_500s_hetero.csv"``)
or by its bare file name when that is unique (``"wt40.txt"``); ``names()`` lists them all, as
``schedkit data`` does.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from schedkit.exceptions import InvalidInstanceError

__all__ = ["names", "path"]

_SKIP = {"__init__.py", "PROVENANCE.md"}


def _root() -> Path:
    return Path(str(resources.files("schedkit.data")))


def names() -> list[str]:
    """Every bundled file, as a path relative to the data folder, sorted.

    Examples
    --------
    >>> "smtt/wt40.txt" in names()
    True
    """
    root = _root()
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name not in _SKIP and "__pycache__" not in p.parts
    )


def path(name: str) -> Path:
    """Filesystem path of a bundled file, by relative path or by unique bare file name.

    Parameters
    ----------
    name : str
        ``"smtt/wt40.txt"`` or ``"wt40.txt"``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InvalidInstanceError
        When no bundled file (or more than one) has that name; the message lists the choices.

    Examples
    --------
    >>> path("wt40.txt") == path("smtt/wt40.txt")
    True
    """
    if not isinstance(name, str) or "\x00" in name:
        raise InvalidInstanceError(f"data: expected a file name, got {name!r}", field="data")
    root = _root()
    direct = root / name
    # only files inside the data folder are bundled ("../x" or an absolute path is not)
    inside = direct.resolve().is_relative_to(root.resolve())
    if inside and direct.is_file() and direct.name not in _SKIP:
        return direct
    matches = [n for n in names() if n.rsplit("/", 1)[-1] == name]
    if len(matches) == 1:
        return root / matches[0]
    if matches:
        raise InvalidInstanceError(f"data: {name!r} is ambiguous: {', '.join(matches)}", field="data")
    raise InvalidInstanceError(
        f"data: no bundled file {name!r}; `schedkit data` lists them: {', '.join(names())}", field="data"
    )
