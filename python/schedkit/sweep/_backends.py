"""Where a sweep's chunks run: threads, processes, Ray or Dask, behind one small interface.

Every backend takes chunks of runs (:class:`~schedkit.sweep._exec.Item` lists), computes each
with :func:`~schedkit.sweep._exec.run_chunk` on a worker, and yields each chunk's records as
soon as it is done (or the exception that lost it: a dead worker, an engine error). Each knows
how many chunks it runs at once (``slots``) and how many CPU threads a run may use inside a
worker, so the Rust core's thread count follows the CPUs the engine gave the worker:

* ``local``: ``workers`` threads of this process (the core releases the GIL while it works);
  each run may use ``available CPUs // workers`` threads.
* ``processes``: ``workers`` spawned processes (``concurrent.futures``); the same thread share.
* ``ray``: one Ray task per chunk, asking for one CPU, at most ``workers`` in flight; a run
  uses the CPUs Ray assigned to its task. Uses the connection the user opened with ``ray.init(address=...)``, else connects
  to ``address`` (or ``RAY_ADDRESS``), else starts a local Ray instance of ``workers`` CPUs and
  stops it afterwards.
* ``dask``: one Dask task per chunk, at most ``workers`` in flight; a task holds one worker
  thread, so a run uses one thread. Uses ``Client(address)`` when ``address`` is given, else the user's default client,
  else a ``LocalCluster`` of ``workers`` single-threaded worker processes, closed afterwards.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

from schedkit._arrays import shown
from schedkit._names import resolve_name
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._exec import Item, Record, available_cpus, run_chunk

__all__ = ["BACKENDS", "Engine", "check_backend", "open_engine"]

#: Backend name -> what runs the chunks.
BACKENDS: dict[str, str] = {
    "local": "threads of this process (the Rust core releases the GIL)",
    "processes": "worker processes on this machine",
    "ray": "Ray tasks on a Ray cluster (schedkit[ray])",
    "dask": "Dask tasks on a Dask cluster (schedkit[dask])",
}

Chunk = Sequence[Item]
Done = tuple[Chunk, "list[Record] | BaseException"]


class Engine(Protocol):
    """A running backend."""

    name: str
    #: Chunks computed at once.
    slots: int

    def results(self, chunks: Sequence[Chunk]) -> Iterator[Done]:
        """Each chunk with its records (or the exception that lost it), as they finish."""
        ...


def _check_workers(workers: Any) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidInstanceError(f"workers: expected an integer >= 1, got {workers!r}", field="workers")
    return workers


def _drain(pool: Executor, futures: dict[Future[list[Record]], Chunk]) -> Iterator[Done]:
    finished = False
    try:
        for f in as_completed(futures):
            exc = f.exception()
            if exc is not None and not isinstance(exc, Exception):
                raise exc  # Ctrl-C inside a worker thread stops the sweep, as it would inline
            yield futures[f], exc if exc is not None else f.result()
        finished = True
    finally:
        # Interrupted: drop the queued chunks and do not wait for the running ones.
        pool.shutdown(wait=finished, cancel_futures=True)


class _Pool:
    """``local`` and ``processes``: a ``concurrent.futures`` pool on this machine."""

    def __init__(self, name: str, workers: int | None) -> None:
        self.name = name
        cpus = available_cpus()
        self.slots = workers or cpus
        self.threads = max(1, cpus // self.slots)

    def results(self, chunks: Sequence[Chunk]) -> Iterator[Done]:
        if self.name == "local" and self.slots == 1:
            for c in chunks:  # in this thread: nothing to gain from a pool
                yield c, run_chunk(c, self.threads)
            return
        pool: Executor
        size = max(1, min(self.slots, len(chunks)))  # no idle thread or process to start
        if self.name == "local":
            pool = ThreadPoolExecutor(size, thread_name_prefix="schedkit-sweep")
        else:
            # spawn, not fork: forking a process that holds threads (pyarrow's, the core's)
            # can deadlock the child.
            pool = ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("spawn"))
        futures = {pool.submit(run_chunk, c, self.threads): c for c in chunks}
        yield from _drain(pool, futures)


def _ray_chunk(items: Sequence[Item]) -> list[Record]:
    """A Ray task: the run's threads are the CPUs Ray assigned to this task."""
    ray = require("ray", "the Ray backend of schedkit.sweep")
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return run_chunk(items, max(1, int(cpus)))


class _Ray:
    name = "ray"

    def __init__(self, ray: Any, workers: int | None) -> None:
        self.ray = ray
        self.slots = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.task = ray.remote(num_cpus=1)(_ray_chunk)

    def results(self, chunks: Sequence[Chunk]) -> Iterator[Done]:
        # At most `slots` tasks in flight, the next submitted as one finishes, so `workers`
        # bounds what the sweep takes of a shared cluster.
        ray = self.ray
        queue = iter(chunks)
        pending: dict[Any, Chunk] = {}

        def submit() -> None:
            chunk = next(queue, None)
            if chunk is not None:
                pending[self.task.remote(list(chunk))] = chunk

        for _ in range(self.slots):
            submit()
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    chunk = pending.pop(ref)
                    submit()
                    try:
                        yield chunk, ray.get(ref)
                    except Exception as exc:  # a lost worker, a task error: the chunk's runs fail
                        yield chunk, exc
        finally:
            for ref in pending:
                ray.cancel(ref)


@contextmanager
def _ray(workers: int | None, address: str | None) -> Iterator[_Ray]:
    ray = require("ray", "the Ray backend of schedkit.sweep")
    started = False
    if ray.is_initialized() and address is not None:
        warnings.warn(
            f"address {address!r} not used: Ray is already initialized in this process; the sweep runs there",
            UserWarning,
            stacklevel=4,
        )
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING}
        if address is not None:
            ray.init(address=address, **options)
        elif os.environ.get("RAY_ADDRESS"):
            ray.init(**options)  # Ray connects to the cluster the variable names
        else:
            ray.init(num_cpus=workers or available_cpus(), **options)
        started = True
    try:
        yield _Ray(ray, workers)
    finally:
        if started:
            ray.shutdown()


def _dask_chunk(items: Sequence[Item]) -> list[Record]:
    """A Dask task: it holds one thread of its worker."""
    return run_chunk(items, 1)


class _Dask:
    name = "dask"

    def __init__(self, distributed: Any, client: Any, workers: int | None) -> None:
        self.distributed = distributed
        self.client = client
        self.slots = workers or max(1, sum(client.nthreads().values()))

    def results(self, chunks: Sequence[Chunk]) -> Iterator[Done]:
        # At most `slots` tasks in flight, as for Ray.
        queue = iter(chunks)
        futures: dict[Any, Chunk] = {}
        done = self.distributed.as_completed([], loop=self.client.loop)

        def submit() -> None:
            chunk = next(queue, None)
            if chunk is not None:
                f = self.client.submit(_dask_chunk, list(chunk), pure=False)
                futures[f] = chunk
                done.add(f)

        for _ in range(self.slots):
            submit()
        try:
            for f in done:
                chunk = futures.pop(f)
                submit()
                try:
                    yield chunk, f.result()
                except Exception as exc:  # a lost worker, a task error: the chunk's runs fail
                    yield chunk, exc
        finally:
            self.client.cancel(list(futures))


#: Seconds the Dask backend waits for the scheduler at ``address`` to answer: one that does
#: not is an error, not a hang.
DASK_CONNECT_TIMEOUT_S = 10.0
#: The schemes of a Dask address reached over the network; ``inproc://`` names a scheduler of
#: this process (a ``LocalCluster(processes=False)``).
_DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def _dask_host_port(address: str) -> tuple[str, int] | None:
    """The host and port of a Dask scheduler address (``tcp://host:8786``, or ``host:8786`` as
    Dask reads it: tcp), None for an ``inproc://`` one; InvalidInstanceError naming
    ``address`` for anything else, before any connection is tried (Dask's own parser raises a
    bare ValueError and leaves a half-made client behind that blocks the exit)."""
    if address.startswith("inproc://"):
        return None
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:  # a port that is no number or out of range
        port = None
    if parts.scheme not in _DASK_SCHEMES or not parts.hostname or port is None or parts.path.strip("/"):
        raise InvalidInstanceError(
            f"address: {shown(address)} is not a Dask scheduler address; expected scheme://host:port "
            f"with scheme one of {', '.join(_DASK_SCHEMES)} (tcp://10.0.0.5:8786), or host:port",
            field="address",
        )
    return parts.hostname, port


def _dask_client(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``, or InvalidInstanceError naming ``address``
    within about :data:`DASK_CONNECT_TIMEOUT_S` when nothing answers there. The port is
    probed first: a Client that cannot connect keeps its event loop alive and blocks the
    interpreter's exit for twice its timeout."""
    host_port = _dask_host_port(address)
    try:
        if host_port is not None:
            socket.create_connection(host_port, timeout=DASK_CONNECT_TIMEOUT_S).close()
        elif not _inproc_listening(distributed, address):
            raise OSError("no such scheduler in this process")
        return distributed.Client(address, set_as_default=False, timeout=DASK_CONNECT_TIMEOUT_S)
    except OSError as exc:  # refused, unreachable, unknown host, timed out
        raise InvalidInstanceError(
            f"address: cannot reach a Dask scheduler at {address} ({exc.strerror or exc}; "
            f"waited at most {DASK_CONNECT_TIMEOUT_S:g} s)",
            field="address",
        ) from None


def _inproc_listening(distributed: Any, address: str) -> bool:
    """Whether a scheduler of this process listens at the ``inproc://`` ``address``."""
    try:
        listener = distributed.comm.inproc.global_manager.get_listener_for(address.removeprefix("inproc://"))
        return listener is not None
    except ValueError:  # not of the form inproc://ip/pid/n
        return False


@contextmanager
def _dask(workers: int | None, address: str | None) -> Iterator[_Dask]:
    distributed = require("distributed", "the Dask backend of schedkit.sweep")
    owned: list[Any] = []
    if address is not None:
        client = _dask_client(distributed, address)
        owned.append(client)
    else:
        try:
            client = distributed.default_client()
        except ValueError:  # no client yet: start a local cluster
            cluster = distributed.LocalCluster(
                n_workers=workers or available_cpus(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.WARNING,
            )
            client = distributed.Client(cluster, set_as_default=False)
            owned += [client, cluster]
    try:
        yield _Dask(distributed, client, workers)
    finally:
        for thing in owned:
            thing.close()


def check_backend(backend: Any, workers: Any = None, address: Any = None) -> tuple[str, int | None]:
    """The registry name of ``backend`` (case-insensitive) and the checked ``workers``.

    Raises
    ------
    InvalidInstanceError
        An unknown backend (with a "did you mean"), ``workers`` not an integer >= 1, or an
        ``address`` that is not a string, is given to a backend on this machine, or is not a
        Dask scheduler address (``dask``).

    Examples
    --------
    >>> check_backend("Processes", 2)
    ('processes', 2)
    """
    name = resolve_name("backend", backend, BACKENDS)
    n = _check_workers(workers)
    if address is not None and not isinstance(address, str):
        raise InvalidInstanceError(f"address: expected a string, got {type(address).__name__}", field="address")
    if address is not None and name in ("local", "processes"):
        raise InvalidInstanceError(
            f"address: the {name} backend runs on this machine; it takes no address", field="address"
        )
    if address is not None and name == "dask":
        _dask_host_port(address)
    return name, n


@contextmanager
def open_engine(backend: Any, workers: Any = None, address: str | None = None) -> Iterator[Engine]:
    """The backend named ``backend`` (checked as :func:`check_backend`), started, and stopped
    on exit when this call started it.

    Raises
    ------
    InvalidInstanceError
        As :func:`check_backend`; and no Dask scheduler answering at ``address`` within
        :data:`DASK_CONNECT_TIMEOUT_S`.
    SolverUnavailableError
        Ray or Dask is not installed; the message names the extra.
    """
    name, n = check_backend(backend, workers, address)
    if name == "ray":
        with _ray(n, address) as engine:
            yield engine
    elif name == "dask":
        with _dask(n, address) as dask_engine:
            yield dask_engine
    else:
        yield _Pool(name, n)
