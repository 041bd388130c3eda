"""``schedkit._optional.require``: a missing package names its extra; Ctrl-C during an import
stays a Ctrl-C."""

from __future__ import annotations

import importlib

import pytest

from schedkit._optional import require
from schedkit.exceptions import SolverUnavailableError


def _failing_import(cause: BaseException):
    def import_module(name: str):
        raise ImportError("initialization failed") from cause

    return import_module


def test_a_missing_package_names_its_extra(monkeypatch):
    monkeypatch.setattr(importlib, "import_module", _failing_import(ModuleNotFoundError("no ortools")))
    with pytest.raises(SolverUnavailableError, match=r"pip install 'schedkit\[cp\]'"):
        require("ortools.sat.python.cp_model")


def test_ctrl_c_inside_an_extensions_initialisation_is_a_ctrl_c(monkeypatch):
    # pybind11 turns a KeyboardInterrupt raised while a module initialises into
    # ImportError("initialization failed") caused by it (seen with OR-Tools' cp_model_helper)
    monkeypatch.setattr(importlib, "import_module", _failing_import(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        require("ortools.sat.python.cp_model")
