"""Opening the files users pass: one place that turns a missing path or undecodable bytes into an
:class:`~schedkit.exceptions.InvalidInstanceError` naming the file (and the line), so no reader
lets a bare ``FileNotFoundError`` or ``UnicodeDecodeError`` reach the user.

Readers stream with :func:`text_lines` (one decoded line at a time, never the whole file) or,
for formats that must be parsed whole (JSON, YAML), take :func:`read_text` with a size bound.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from schedkit.exceptions import InvalidInstanceError

__all__ = ["existing_file", "parse_json", "read_text", "strict_yaml_loader", "text_lines"]

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


def output_file(path: Any, field: str) -> Path:
    """``path`` as a file to write, checked before anything is written: a str or path without
    NUL, not a folder, in a folder that exists; otherwise InvalidInstanceError naming
    ``field`` and the path."""
    if not isinstance(path, (str, os.PathLike)) or not os.fsdecode(path) or "\x00" in os.fsdecode(path):
        raise InvalidInstanceError(f"{field}: expected a file path, got {path!r:.60}", field=field)
    p = Path(path)
    if p.is_dir() or not p.parent.is_dir():
        what = "is a folder" if p.is_dir() else "is in a folder that does not exist"
        raise InvalidInstanceError(f"{field}: {p} {what}", field=field)
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


#: YAML alias expansion bound: a document may reach at most this many nodes through aliases
#: beyond its own (a "billion laughs" file needs exponentially many).
MAX_ALIAS_EXPANSION = 100_000


def strict_yaml_loader(yaml: Any) -> Any:
    """A SafeLoader (of the ``yaml`` module given, which is optional) that refuses a mapping
    key given twice (PyYAML keeps the last; Kubernetes' strict decoding refuses it), a
    document whose aliases expand past :data:`MAX_ALIAS_EXPANSION` nodes, and an alias inside
    the node it names (the value would contain itself, which no reader can walk). A scalar
    PyYAML cannot build (a date such as ``2024-13-45``, an integer past Python's digit limit)
    is a ``yaml.YAMLError`` naming its line, like any other malformed document."""

    class BoundedLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                if key in seen and key != "<<":
                    raise yaml.YAMLError(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

        def construct_document(self, node: Any) -> Any:
            sizes: dict[int, int] = {}
            open_nodes: set[int] = set()  # the nodes being sized: an alias to one is a cycle
            distinct = 0

            def size(nd: Any) -> int:
                nonlocal distinct
                key = id(nd)
                if key in open_nodes:
                    raise yaml.YAMLError(
                        f"line {nd.start_mark.line + 1}: an alias refers to a node that contains it (a value holding itself)"
                    )
                if key in sizes:
                    return sizes[key]
                distinct += 1
                open_nodes.add(key)
                if isinstance(nd, yaml.SequenceNode):
                    total = 1 + sum(size(c) for c in nd.value)
                elif isinstance(nd, yaml.MappingNode):
                    total = 1 + sum(size(k) + size(v) for k, v in nd.value)
                else:
                    total = 1
                if total - distinct > MAX_ALIAS_EXPANSION:
                    raise yaml.YAMLError(f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (an alias bomb?)")
                open_nodes.discard(key)
                sizes[key] = total
                return total

            import sys

            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 10_000))
            try:
                size(node)
            except RecursionError:
                raise yaml.YAMLError("document nested too deeply") from None
            finally:
                sys.setrecursionlimit(limit)
            return super().construct_document(node)

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep=deep)
            except ValueError as exc:  # the scalar's constructor refused it (int(), date())
                what = (
                    f"an integer of {len(node.value):,} digits"
                    if node.tag.endswith(":int")
                    else f"{node.value!r}: {exc}"
                )
                raise yaml.YAMLError(f"line {node.start_mark.line + 1}: {what}") from None

    return BoundedLoader


class JsonContentError(ValueError):
    """JSON that :func:`json.loads` would read but a reader must not (:func:`parse_json`): a
    key given twice, an integer too long to convert; the readers name the file."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonContentError(f"key {key!r} is given twice in one object")
        out[key] = value
    return out


def _integer(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # past sys.get_int_max_str_digits(): no quantity is that long
        raise JsonContentError(f"an integer of {len(digits):,} digits") from None


def parse_json(text: str) -> Any:
    """``json.loads`` that refuses an object key given twice rather than keeping the last
    value silently, and an integer too long for Python to convert, raising
    :class:`JsonContentError` for both.

    Examples
    --------
    >>> parse_json('{"a": 1}')
    {'a': 1}
    >>> parse_json('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    schedkit._files.JsonContentError: key 'a' is given twice in one object
    """
    return json.loads(text, object_pairs_hook=_unique_object, parse_int=_integer)
