"""Policies: the registry of built-in rules, policy specs, and user-defined rules.

A built-in rule is a :class:`Policy` (a value; calling it simulates it). A user-defined rule
is a callable that sees a :class:`PolicyView` at every event, holding only what its
information class allows, and returns one priority per alive job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, Unpack

import numpy as np
import numpy.typing as npt

from schedkit import _core
from schedkit._arrays import bool_arg, readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime._engine import MAX_LOG_ROWS, RunOptions, check_run, run_builtin, run_callback
from schedkit.flowtime._model import Jobs, Result


@dataclass(frozen=True, eq=False)
class PolicyView:
    """What a user-defined policy sees at an event: the alive jobs, in release order.

    Only what the policy's information class allows is filled; everything else is ``None``.
    The arrays are fresh read-only copies; nothing in them refers back to the hidden sizes.

    Attributes
    ----------
    time : float
    machines : int
    job : ndarray of int64
        Job positions (ids) of the alive jobs.
    release, weight, attained, op_attained : ndarray of float64
        ``attained`` is the total service received, ``op_attained`` the service on the
        current operation.
    op_index : ndarray of int64
        Index of the current operation (operations completed so far).
    op_size : ndarray or None
        Size of the current, revealed operation (``"revealed"`` and ``"clairvoyant"``).
    estimate : ndarray or None
        p̂_j (all classes but ``"nonclairvoyant"``, when the jobs carry estimates).
    remaining : ndarray or None
        Total remaining size (``"clairvoyant"`` only).
    ops_total : ndarray or None
        Number of operations (``"clairvoyant"``, or ``known_count=True``).

    Examples
    --------
    >>> import schedkit as sk
    >>> seen = []
    >>> def fifo(view):
    ...     seen.append(view)
    ...     return view.release
    >>> sk.flowtime.simulate(sk.flowtime.Jobs([0, 1], [[2, 1], [1]]), policy=fifo).completion.tolist()
    [3.0, 4.0]
    >>> seen[0]
    <flowtime.PolicyView t=0 alive=1 m=1 revealed sizes>
    >>> seen[0].op_size.tolist(), seen[0].remaining is None
    ([2.0], True)
    """

    time: float
    machines: int
    job: npt.NDArray[np.int64]
    release: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    attained: npt.NDArray[np.float64]
    op_index: npt.NDArray[np.int64]
    op_attained: npt.NDArray[np.float64]
    op_size: npt.NDArray[np.float64] | None = None
    estimate: npt.NDArray[np.float64] | None = None
    remaining: npt.NDArray[np.float64] | None = None
    ops_total: npt.NDArray[np.int64] | None = None

    def __repr__(self) -> str:
        seen = [k for k in ("op_size", "estimate", "remaining", "ops_total") if getattr(self, k) is not None]
        shown = {"op_size": "revealed sizes", "estimate": "estimates", "remaining": "remaining", "ops_total": "counts"}
        extra = "".join(" " + shown[k] for k in seen)
        return f"<flowtime.PolicyView t={self.time:g} alive={self.job.shape[0]} m={self.machines}{extra}>"


_ArrayT = TypeVar("_ArrayT", bound=np.ndarray)


def _readonly_or_none(a: _ArrayT | None) -> _ArrayT | None:
    return None if a is None else readonly(a)


def _wrap(fn: Callable[[PolicyView], Any], machines: int) -> Callable[..., npt.NDArray[np.float64]]:
    # The core calls this with the view's columns; those the information class hides are None.
    def call(
        t: float,
        job: npt.NDArray[np.int64],
        release: npt.NDArray[np.float64],
        weight: npt.NDArray[np.float64],
        attained: npt.NDArray[np.float64],
        op_index: npt.NDArray[np.int64],
        op_attained: npt.NDArray[np.float64],
        op_size: npt.NDArray[np.float64] | None,
        estimate: npt.NDArray[np.float64] | None,
        remaining: npt.NDArray[np.float64] | None,
        ops_total: npt.NDArray[np.int64] | None,
    ) -> npt.NDArray[np.float64]:
        view = PolicyView(
            float(t),
            machines,
            readonly(job),
            readonly(release),
            readonly(weight),
            readonly(attained),
            readonly(op_index),
            readonly(op_attained),
            _readonly_or_none(op_size),
            _readonly_or_none(estimate),
            _readonly_or_none(remaining),
            _readonly_or_none(ops_total),
        )
        try:
            raw = np.asarray(fn(view))
        except (TypeError, ValueError):  # ragged nesting
            raise InvalidInstanceError(
                "priorities: the policy returned no array of numbers", field="priorities"
            ) from None
        if raw.dtype.kind not in "iuf":  # booleans too: True as a priority is a bug
            raise InvalidInstanceError(
                f"priorities: the policy returned {raw.dtype} values, not numbers", field="priorities"
            )
        out = np.ascontiguousarray(raw, dtype=np.float64).reshape(-1)
        if out.shape != job.shape:
            raise InvalidInstanceError(
                f"priorities: the policy returned {out.shape[0]} values for {job.shape[0]} alive jobs",
                field="priorities",
            )
        return out

    return call


@dataclass(frozen=True)
class Policy:
    """A built-in policy of the registry :data:`POLICIES`; calling it simulates it.

    A plain value (compares and pickles by its fields); :func:`simulate` accepts it as
    ``policy``.

    Parameters
    ----------
    name : str
        The name ``simulate`` accepts.
    information : str
        ``"clairvoyant"``, ``"nonclairvoyant"``, ``"revealed"`` or ``"estimated"``.
    params : Mapping[str, Any]
        Its parameters with their defaults.
    summary : str
        One line on what it does.

    Examples
    --------
    >>> import schedkit as sk
    >>> laps = sk.flowtime.POLICIES["laps"]
    >>> laps
    <flowtime.Policy laps(beta=0.5) nonclairvoyant>
    >>> laps(sk.flowtime.Jobs([0, 0], [1, 2]), machines=1, beta=1.0).completion.tolist()
    [2.0, 3.0]
    """

    name: str
    information: str
    params: Mapping[str, Any]
    summary: str

    def __call__(
        self,
        jobs: Jobs,
        *,
        machines: int = 1,
        event_log: bool = False,
        time_limit: float | None = None,
        max_log_rows: int = MAX_LOG_ROWS,
        threads: int | None = None,
        **params: Any,
    ) -> Result:
        """Simulates this policy on ``jobs``: ``simulate(jobs, policy=self, ...)``.

        Parameters
        ----------
        jobs : Jobs
        machines, event_log, time_limit, max_log_rows, threads
            As for :func:`simulate`.
        **params
            This policy's parameters (keys of :attr:`params`).

        Returns
        -------
        Result

        Raises
        ------
        InvalidInstanceError
            A parameter this policy does not have, or a bad value.
        """
        return self._run(
            jobs,
            params,
            machines=machines,
            event_log=event_log,
            time_limit=time_limit,
            max_log_rows=max_log_rows,
            threads=threads,
        )

    def _run(self, jobs: Jobs, params: Mapping[str, Any], **options: Unpack[RunOptions]) -> Result:
        # Parameters arrive as a dict so that none of them can be taken for an option.
        options["machines"] = check_run(jobs, options)
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise InvalidInstanceError(
                f"{unknown[0]}: not a parameter of policy {self.name!r} (its parameters: {sorted(self.params) or 'none'})",
                field=unknown[0],
            )
        return run_builtin(
            jobs,
            self.name,
            params,
            information=self.information,
            label=label(self.name, params),
            core_params={k: _coerce(k, v, self.params[k]) for k, v in params.items()},
            **options,
        )

    def __repr__(self) -> str:
        return f"<flowtime.Policy {label(self.name, self.params)} {self.information}>"


#: Every built-in policy by name: the core's registry ``_core.FLOWTIME_POLICIES`` (its names,
#: information classes, parameter defaults and summaries, in its order).
POLICIES: dict[str, Policy] = {
    name: Policy(name, information, dict(params), summary)
    for name, information, params, summary in _core.FLOWTIME_POLICIES
}


def _value(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        return float(text)
    except ValueError:
        return text.strip()


def parse_policy(spec: Any) -> tuple[Any, dict[str, Any]]:
    """A policy spec as (name or callable, params).

    Parameters
    ----------
    spec : str, (str, dict), Policy or callable
        A name (``"srpt"``), a string with parameters ``"name:key=value:key=value"``
        (``"laps:beta=0.25"``, ``"sprpt:variant=class"``; values read as booleans, numbers or
        else strings), a ``(name, dict)`` pair, a :class:`Policy`, or a callable (a
        user-defined policy).

    Returns
    -------
    tuple
        ``(name, params)``, or ``(callable, {})``. The name is not checked against
        :data:`POLICIES` here.

    Raises
    ------
    InvalidInstanceError
        A ``key=value`` item that does not parse, or a spec of another type.

    Examples
    --------
    >>> from schedkit.flowtime import parse_policy
    >>> parse_policy("chunk:gamma=4:known_count=true")
    ('chunk', {'gamma': 4.0, 'known_count': True})
    """
    if isinstance(spec, Policy):
        return spec.name, {}
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], Mapping):
        return spec[0], dict(spec[1])
    if isinstance(spec, str):
        name, *items = spec.split(":")
        params: dict[str, Any] = {}
        for item in items:
            key, sep, val = item.partition("=")
            if not sep or not key.strip():
                raise InvalidInstanceError(
                    f"policy: cannot parse {item!r} in {spec!r}; expected key=value", field="policy"
                )
            if key.strip() in params:
                raise InvalidInstanceError(f"policy: {key.strip()!r} is given twice in {spec!r}", field="policy")
            params[key.strip()] = _value(val)
        return name.strip(), params
    if callable(spec):
        return spec, {}
    raise InvalidInstanceError(f"policy: expected a name or a callable, got {type(spec).__name__}", field="policy")


#: Options of a user-defined (callable) policy, with their defaults.
CALLABLE_OPTIONS = {"information": "revealed", "known_count": False, "quantum": None}


def run_callable(
    fn: Callable[[PolicyView], Any], jobs: Jobs, params: Mapping[str, Any], **options: Unpack[RunOptions]
) -> Result:
    """Simulates a user-defined rule: ``fn(view)`` returns priorities, smaller runs first (on
    one thread: ``threads`` is checked, not used)."""
    machines = check_run(jobs, options)
    unknown = sorted(set(params) - set(CALLABLE_OPTIONS))
    if unknown:
        raise InvalidInstanceError(
            f"{unknown[0]}: not an option of a user-defined policy (expected {sorted(CALLABLE_OPTIONS)})",
            field=unknown[0],
        )
    opts = {**CALLABLE_OPTIONS, **params}
    name = getattr(fn, "__name__", "custom")
    if name == "<lambda>":
        name = "custom"
    return run_callback(
        jobs,
        _wrap(fn, machines),
        name,
        params,
        information=str(opts["information"]),
        known_count=bool_arg(opts["known_count"], "known_count"),
        quantum=None if opts["quantum"] is None else float(opts["quantum"]),
        # The information class is shown by Result.information, not in the label.
        label=label(name, {k: v for k, v in params.items() if k != "information"}),
        machines=machines,
        event_log=options["event_log"],
        time_limit=options["time_limit"],
        max_log_rows=options["max_log_rows"],
    )


def _coerce(key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of the parameter's registry ``default`` (bool, str or float)."""
    if isinstance(default, bool):
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidInstanceError(f"{key}: expected True or False, got {value!r}", field=key)
        return bool(value)
    if isinstance(default, str):
        return str(value)
    if isinstance(value, (bool, np.bool_)):  # True as a number is a bug, not 1.0
        raise InvalidInstanceError(f"{key}: expected a number, got {value!r}", field=key)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInstanceError(f"{key}: expected a number, got {value!r}", field=key) from None


def label(name: str, params: Mapping[str, Any]) -> str:
    """``name(key=value, ...)`` for tables and legends; just ``name`` without parameters."""
    if not params:
        return name
    return name + "(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()) + ")"
