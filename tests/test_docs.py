"""Documentation: schedkit._docs.fill_doc (shared docstring sections filled into the docstrings
that name them), and no docstring or comment citing files the project does not ship."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schedkit._docs import fill_doc


def test_a_marker_line_becomes_the_section_indented_like_it():
    @fill_doc(pair="a : int\n    First.\nb : int", unused="never named")
    def f(a, b):
        """Adds.

        Parameters
        ----------
        {pair}

        Examples
        --------
        >>> {"a": 1}  # braces that are not a whole marker line stay
        {'a': 1}
        """

    assert f.__doc__.splitlines()[4:8] == ["        a : int", "            First.", "        b : int", ""]
    assert '>>> {"a": 1}' in f.__doc__ and "never named" not in f.__doc__


def test_an_unknown_marker_is_an_error_when_decorating():
    with pytest.raises(ValueError, match="'pairs'"):

        @fill_doc(pair="a : int")
        def f():
            """Adds.

            {pairs}
            """


def test_no_docstring_is_left_alone():
    def f():
        pass

    assert fill_doc(pair="a : int")(f) is f and f.__doc__ is None


# --- no documentation points to a file the project does not ship ------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _files_citing_specs() -> dict[str, list[int]]:
    sources = [*(ROOT / "python" / "schedkit").rglob("*.py"), *(ROOT / "python" / "schedkit").rglob("*.pyi")]
    sources += [p for p in (ROOT / "rust").rglob("*.rs") if "target" not in p.relative_to(ROOT).parts]
    found: dict[str, list[int]] = {}
    for path in sources:
        lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "specs/" in line]
        if lines:
            found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_no_docstring_or_comment_cites_the_specs_notes():
    # /work/shared/specs/ are the developers' reference notes; users never get them, so a
    # docstring "see specs/fair.md" points nowhere. Cite the paper instead.
    cited = _files_citing_specs()
    assert not cited, f"cite the paper, not specs/: {cited}"


def test_the_specs_scan_sees_a_citation(tmp_path, monkeypatch):
    # The scan above must be able to fail: a planted citation is found.
    planted = tmp_path / "python" / "schedkit" / "m.py"
    planted.parent.mkdir(parents=True)
    planted.write_text('"""See specs/x.md."""\n')
    (tmp_path / "rust").mkdir()
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _files_citing_specs() == {"python/schedkit/m.py": [1]}
