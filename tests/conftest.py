"""Shared test configuration: hypothesis profiles and the test data folder.

Hypothesis profiles: ``default`` (CI-sized, for everyday runs, derandomized: the same examples
on every run, so a CI verdict does not depend on the draw) and ``slow`` (many more examples from
a fresh random draw each run, for fuzzing on demand and ``python bench/fuzz.py``; what it finds
becomes a fixed test case); pick ``slow`` with ``pytest --slow`` or ``HYPOTHESIS_PROFILE=slow pytest``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

#: tests/data/smtt, found relative to this file so the suite runs from any checkout.
SMTT_DIR = Path(__file__).resolve().parent / "data" / "smtt"

settings.register_profile(
    "default",
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "slow",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run hypothesis tests with the slow profile (many examples)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--slow"):
        settings.load_profile("slow")
    # pyproject turns warnings into errors. When a hypothesis test fails, hypothesis' pytest
    # plugin imports libcst to print a patch, and libcst trips a DeprecationWarning from
    # mypy_extensions, which would turn a plain test failure into a pytest INTERNALERROR.
    config.addinivalue_line("filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


def smtt_path(*parts: str) -> Path:
    """Path of a file under tests/data/smtt (e.g. ``smtt_path("sdt", "sdt_n100.txt")``)."""
    return SMTT_DIR.joinpath(*parts)


@pytest.fixture(scope="session")
def smtt_dir() -> Path:
    """The folder tests/data/smtt; fails (not skips) when it is missing."""
    assert SMTT_DIR.is_dir(), f"test data folder missing: {SMTT_DIR}"
    return SMTT_DIR
