"""Type stubs of the compiled ``schedkit._core`` module (kept in step with rust/schedkit-py)."""

from typing import final

import numpy as np
import numpy.typing as npt

__version__: str
build_profile: str
TARDINESS_METHODS: list[str]

@final
class TardinessInstance:
    def __init__(
        self,
        p: npt.NDArray[np.float64],
        d: npt.NDArray[np.float64],
        w: npt.NDArray[np.float64] | None = None,
    ) -> None: ...
    @property
    def n(self) -> int: ...
    @property
    def weighted(self) -> bool: ...
    @property
    def p(self) -> npt.NDArray[np.float64]: ...
    @property
    def d(self) -> npt.NDArray[np.float64]: ...
    @property
    def w(self) -> npt.NDArray[np.float64]: ...

def tardiness_solve(
    instance: TardinessInstance,
    method: str,
    *,
    improve: str | None = None,
    atc_k: float | None = None,
    seed: int = 0,
    iterations: int = 1000,
    strength: int = 2,
    time_limit: float | None = None,
) -> tuple[npt.NDArray[np.int64], float, bool, float, float | None]: ...
def batch_evaluate_sequences(
    instance: TardinessInstance, perms: npt.NDArray[np.int64], objective: str
) -> npt.NDArray[np.float64]: ...
