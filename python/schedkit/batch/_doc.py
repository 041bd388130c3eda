"""The docstring sections the batch evaluators share: the options and results that work the
same in every one of them, and the DAG examples' instance."""

from __future__ import annotations

from schedkit._docs import fill_doc

#: Fills the docstring sections of the options and results every evaluator shares (see
#: :func:`schedkit._docs.fill_doc`): ``{device}``, ``{max_chunk_rows}``, ``{returns_rows}``,
#: ``{device_error}``, and ``{fork_join}``, the DAG examples' instance.
batch_doc = fill_doc(
    device="""
        device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional, keyword-only
            Backend; default ``SCHEDKIT_DEVICE`` or ``"auto"``.
        """,
    max_chunk_rows="""
        max_chunk_rows : int, optional, keyword-only
            Upper bound on the rows evaluated at once (``"numpy"`` and ``"cupy"``).
        """,
    returns_rows="""
        Returns
        -------
        ndarray of float64, shape (B,)
            A CuPy array on ``"cupy"``.
        """,
    device_error="""
        DeviceUnavailableError
            ``device="cupy"`` or ``"cuda"`` without a usable GPU.
        """,
    fork_join="""
        >>> import schedkit as sk
        >>> graph = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], data=[4, 2, 1, 3])
        >>> platform = sk.dag.Platform([[2, 3], [3, 1], [4, 2], [2, 2]], latency=[1, 0])
        """,
)
