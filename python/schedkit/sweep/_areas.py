"""The areas a sweep can run, by name: one adapter module per area, each built on the area's
public API (``schedkit.sweep._fair`` for :mod:`schedkit.fair`, and so on)."""

from __future__ import annotations

from schedkit.sweep import _dag, _fair, _flowtime, _packing, _tardiness
from schedkit.sweep._area import Area

__all__ = ["AREAS"]

#: Area name -> its adapter.
AREAS: dict[str, Area] = {a.name: a for a in (_fair.AREA, _dag.AREA, _flowtime.AREA, _packing.AREA, _tardiness.AREA)}
