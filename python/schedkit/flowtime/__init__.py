"""Online preemptive flow-time scheduling (see :mod:`schedkit.flowtime._model`).

The former module schedkit/flowtime.py, moved into a package as it is; the next commit splits
it by role.
"""

from __future__ import annotations

from schedkit.flowtime._model import *  # noqa: F403
from schedkit.flowtime._model import LOG_KINDS as LOG_KINDS
from schedkit.flowtime._model import MAX_LOG_ROWS as MAX_LOG_ROWS
from schedkit.flowtime._model import __all__ as __all__
