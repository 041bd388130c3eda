"""schedkit._docs.fill_doc: shared docstring sections filled into the docstrings that name them."""

from __future__ import annotations

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
