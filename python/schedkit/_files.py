"""Opening the files users pass: one place that turns a missing path or undecodable bytes into an
:class:`~schedkit.exceptions.InvalidInstanceError` naming the file (and the line), so no reader
lets a bare ``FileNotFoundError`` or ``UnicodeDecodeError`` reach the user.

Readers stream with :func:`text_lines` (one decoded line at a time, never the whole file) or,
for formats that must be parsed whole (JSON, YAML), take :func:`read_text` with a size bound.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from schedkit.exceptions import InvalidInstanceError

__all__ = ["existing_file", "read_text", "text_lines"]

#: Default bound on a file parsed whole (JSON workflows, YAML manifests): 256 MiB.
MAX_WHOLE_FILE_BYTES = 256 * 2**20


#: The UTF-8 byte-order mark, which the text readers drop from the start of a file.
BOM = "\ufeff"


def existing_file(path: str | os.PathLike[str], field: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`, checked to be a readable regular file.

    Parameters
    ----------
    path : str or os.PathLike
        What the user passed.
    field : str
        The argument name reported in the error.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InvalidInstanceError
        When the path does not exist or is a directory; the message names the path.

    Examples
    --------
    >>> existing_file("/no/such/file.txt")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: path: no such file: /no/such/file.txt
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInstanceError(f"{field}: expected a file path, got {type(path).__name__}", field=field)
    p = Path(path)
    if "\x00" in str(p):  # the OS cannot name such a file (os.stat raises ValueError)
        raise InvalidInstanceError(f"{field}: a path cannot hold a NUL character: {str(p)!r}", field=field)
    if not p.exists():
        raise InvalidInstanceError(f"{field}: no such file: {p}", field=field)
    if not p.is_file():
        raise InvalidInstanceError(f"{field}: not a regular file: {p}", field=field)
    return p


def _decode(raw: bytes, path: Path, line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInstanceError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
            field=str(path),
            index=line,
        ) from None


def text_lines(path: str | os.PathLike[str], field: str = "path") -> Iterator[tuple[int, str]]:
    """Streams ``(line_number, text)`` pairs of a UTF-8 file, 1-based, without line endings.

    Memory is bounded by the longest line, not the file; a byte sequence that is not UTF-8
    raises an error naming the file and line.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as fh:
    ...     _ = fh.write(b"ok\\n\\xff\\n")
    >>> list(text_lines(fh.name))
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: ...: line 2: not UTF-8 text (byte 0xff at column 1)
    """
    p = existing_file(path, field)
    with open(p, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            line = _decode(raw, p, number).rstrip("\r\n")
            # a byte-order mark (Windows editors write one) is not part of the first line
            yield number, line.removeprefix(BOM) if number == 1 else line


def read_text(path: str | os.PathLike[str], field: str = "path", max_bytes: int = MAX_WHOLE_FILE_BYTES) -> str:
    """The whole UTF-8 text of a file parsed as one document (JSON, YAML), bounded in size.

    Raises
    ------
    InvalidInstanceError
        Missing file, a file over ``max_bytes`` (the message names the bound), or bytes that
        are not UTF-8 (the message names the line).
    """
    p = existing_file(path, field)
    size = p.stat().st_size
    if size > max_bytes:
        raise InvalidInstanceError(
            f"{field}: {p} is {size:,} bytes, over the {max_bytes:,}-byte limit for a file read whole",
            field=field,
        )
    raw = p.read_bytes()
    try:
        return raw.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        _decode(raw[start : exc.end], p, line)  # raises with the line and column
        raise AssertionError("unreachable") from None
