"""Sample values from type hints: only what is obviously valid."""

from __future__ import annotations

import pytest

from capabilities.llm.backends.template._values import base_type, sample


@pytest.mark.parametrize(
    ("hint", "value"),
    [
        ("int", "3"),
        ("float", "2.5"),
        ("str", "'sample'"),
        ("bool", "True"),
        ("list[int]", "[3]"),
        ("dict[str, int]", "{'sample': 3}"),
        ("Optional[str]", "'sample'"),
        ("int | None", "3"),
        ("tuple[int, str]", "(3, 'sample')"),
        ("typing.List[float]", "[2.5]"),
        ("'int'", "3"),
        ("dict[list[int], int]", None),
        ("Socket", None),
        (None, None),
    ],
)
def test_sample(hint: str | None, value: str | None) -> None:
    assert sample(hint) == value


def test_base_type() -> None:
    assert base_type("float") == "(int, float)"
    assert base_type("dict[str, int]") == "dict"
    assert base_type("Sequence[int]") is None, "an abstract hint says nothing about the result's class"
    assert base_type("None") == "None"
