"""The areas a sweep can run, by name: one adapter module per area, each built on the area's
public API (``schedkit.sweep._fair`` for :mod:`schedkit.fair`, and so on)."""

from __future__ import annotations

from schedkit.sweep._area import Area
from schedkit.sweep._dag import AREA as DAG
from schedkit.sweep._fair import AREA as FAIR
from schedkit.sweep._flowtime import AREA as FLOWTIME
from schedkit.sweep._packing import AREA as PACKING
from schedkit.sweep._tardiness import AREA as TARDINESS

__all__ = ["AREAS"]

#: Area name -> its adapter.
AREAS: dict[str, Area] = {a.name: a for a in (FAIR, DAG, FLOWTIME, PACKING, TARDINESS)}
