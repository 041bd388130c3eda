"""schedkit.data: bundled files by relative path or bare name, and nothing outside the bundle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError


def test_every_listed_name_resolves_to_its_file():
    for name in sk.data.names():
        assert sk.data.path(name).is_file()
        assert sk.data.path(name).as_posix().endswith(name)


@pytest.mark.parametrize(
    "name", ["../__init__.py", "../../schedkit/__init__.py", "/etc/passwd", "PROVENANCE.md", "wt40\x00.txt"]
)
def test_paths_outside_the_bundle_and_provenance_files_are_not_bundled(name):
    with pytest.raises(InvalidInstanceError, match="data:"):
        sk.data.path(name)


@given(st.one_of(st.text(max_size=40), st.integers(), st.none(), st.binary(max_size=8)))
def test_any_name_is_a_bundled_file_or_an_error_naming_data(name):
    try:
        found = sk.data.path(name)  # type: ignore[arg-type]
    except InvalidInstanceError as exc:
        assert exc.field == "data"
    else:
        assert found.relative_to(sk.data.path("wt40.txt").parents[1]).as_posix() in sk.data.names()


def test_a_path_with_a_nul_character_is_an_error_naming_the_field():
    from schedkit._files import existing_file

    with pytest.raises(InvalidInstanceError, match="NUL") as info:
        existing_file("wt40\x00.txt", "file")
    assert info.value.field == "file"
