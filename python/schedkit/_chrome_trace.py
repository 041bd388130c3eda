"""Timelines in the Chrome trace event format, which Perfetto (ui.perfetto.dev) and
chrome://tracing open: one track (a "thread") per processor, core or machine, one complete
event (phase ``"X"``) per slice of work, times in microseconds.

Format reference: the "Trace Event Format" document of the Chromium project (JSON object form:
``{"traceEvents": [...], "displayTimeUnit": "ms"}``; ``"M"`` metadata events name the process
and its threads; an ``"X"`` event has ``ts`` and ``dur`` in microseconds).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from schedkit._files import output_file
from schedkit.exceptions import InvalidInstanceError

__all__ = ["write_chrome_trace"]

#: Microseconds per second: schedule times are seconds (or unitless costs, drawn as seconds).
US = 1e6


def write_chrome_trace(
    path: str | os.PathLike[str],
    process: str,
    tracks: Sequence[str],
    slices: Iterable[tuple[int, str, float, float, Mapping[str, Any]]],
) -> Path:
    """Writes a Chrome trace event JSON file; returns its path.

    Parameters
    ----------
    path : path
        The file to write (conventionally ``.json``).
    process : str
        The name of the one process the tracks belong to (the instance and algorithm).
    tracks : sequence of str
        The track names, in display order; track ``k`` gets thread id ``k``.
    slices : iterable of (track, name, start, end, args)
        One complete event each: the track index, the slice's name, start and end in seconds,
        and ``args`` (shown in the viewer's details pane; JSON-serialisable values).

    Raises
    ------
    InvalidInstanceError
        A slice on a track that does not exist, or a start or end that is not finite.

    Examples
    --------
    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "trace.json")
    >>> out = write_chrome_trace(path, "demo", ["P0"], [(0, "task a", 0.5, 2.0, {"task": 0})])
    >>> [e for e in json.loads(out.read_text())["traceEvents"] if e["ph"] == "X"]
    [{'name': 'task a', 'ph': 'X', 'pid': 0, 'tid': 0, 'ts': 500000.0, 'dur': 1500000.0, 'args': {'task': 0}}]
    """
    events: list[dict[str, Any]] = [{"name": "process_name", "ph": "M", "pid": 0, "args": {"name": process}}]
    for k, name in enumerate(tracks):
        events.append({"name": "thread_name", "ph": "M", "pid": 0, "tid": k, "args": {"name": name}})
        events.append({"name": "thread_sort_index", "ph": "M", "pid": 0, "tid": k, "args": {"sort_index": k}})
    for track, name, start, end, args in slices:
        if not 0 <= track < len(tracks):
            raise InvalidInstanceError(f"track {track} of slice {name!r} does not exist", field="track")
        if not (math.isfinite(start) and math.isfinite(end)):
            raise InvalidInstanceError(f"slice {name!r}: times must be finite, got {start}..{end}", field="time")
        events.append(
            {
                "name": name,
                "ph": "X",
                "pid": 0,
                "tid": int(track),
                "ts": float(start) * US,
                "dur": float(end - start) * US,
                "args": dict(args),
            }
        )
    out = output_file(path, "path")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"traceEvents": events, "displayTimeUnit": "ms"}, fh)
    return out
