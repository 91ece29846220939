"""The ``tests`` task: what to test (the variables) and the candidate tests (the answer).

The template backend and any model answer through :class:`GeneratedTests`; every case is
checked to be a parseable test function before anything runs it, and then it still has to
pass and raise coverage before it is kept.
"""

from __future__ import annotations

import ast
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Number = int | float


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(_Model):
    """``<param> <op> <value>`` found in the function's body (an ``if`` or a comparison)."""

    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Number | str
    raises: str | None = None
    """The built-in exception an ``if`` raises when the condition holds (``ValueError``)."""


class Param(_Model):
    name: str
    kind: Literal["positional_only", "positional", "keyword", "var_positional", "var_keyword"] = "positional"
    annotation: str | None = None
    """The type hint as written (``float``, ``dict[str, int]``, ``Optional[str]``)."""
    default: str | None = None
    """The default as written, when there is one."""
    conditions: list[Condition] = Field(default_factory=list)


class FunctionTarget(_Model):
    kind: Literal["function"] = "function"
    module: str
    """Dotted import path (``inventory.pricing``)."""
    name: str
    file: str
    line: int
    params: list[Param] = Field(default_factory=list)
    returns: str | None = None
    source: str = ""
    """The function's source (bounded), for model backends."""


class RouteTarget(_Model):
    kind: Literal["route"] = "route"
    module: str
    app: str
    """The module-level name of the application object."""
    framework: Literal["flask", "fastapi"]
    method: str = "GET"
    path: str
    """As declared (``/items/<int:item_id>``, ``/items/{item_id}``)."""
    path_params: dict[str, str] = Field(default_factory=dict)
    """Path parameter -> its converter or type hint (``int``, ``str``)."""
    function: str
    file: str
    line: int


class ModuleTarget(_Model):
    kind: Literal["module"] = "module"
    module: str
    file: str


Target = Annotated[FunctionTarget | RouteTarget | ModuleTarget, Field(discriminator="kind")]


class TestTargets(_Model):
    """The variables of the ``tests`` task."""

    __test__ = False  # not a pytest test class

    service: str
    framework: str | None = None
    targets: list[Target] = Field(default_factory=list)


def _single_statement_imports(lines: list[str]) -> list[str]:
    for line in lines:
        try:
            tree = ast.parse(line)
        except SyntaxError as exc:
            raise ValueError(f"import {line!r} does not parse: {exc.msg}") from None
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Import | ast.ImportFrom):
            raise ValueError(f"{line!r} is not one import statement")
    return lines


class CandidateTest(_Model):
    """One test function: its imports and its body; rendered into a module of its own."""

    name: str = Field(pattern=r"^test_[A-Za-z0-9_]{1,100}$")
    target: str
    """What it exercises: ``inventory.pricing:apply_discount``, ``GET /health``, a module."""
    kind: Literal["import", "call", "raises", "route"]
    imports: list[str] = Field(default_factory=list)
    body: str

    @field_validator("imports")
    @classmethod
    def _imports(cls, lines: list[str]) -> list[str]:
        return _single_statement_imports(lines)

    @field_validator("body")
    @classmethod
    def _body(cls, body: str) -> str:
        try:
            tree = ast.parse(body)
        except SyntaxError as exc:
            raise ValueError(f"the body does not parse: {exc.msg} (line {exc.lineno})") from None
        if not tree.body:
            raise ValueError("the body is empty")
        return body

    def render(self, header: str = "") -> str:
        """The test module: a header comment, the imports, and the test function."""
        body = "\n".join(f"    {line}" if line.strip() else "" for line in self.body.strip("\n").splitlines())
        parts = [f"# {line}" for line in header.splitlines()]
        parts += [*self.imports, "", "", f"def {self.name}() -> None:", body, ""]
        source = "\n".join(parts).lstrip("\n")
        ast.parse(source)  # the parts were validated; the whole must parse as well
        return source


class Skipped(_Model):
    target: str
    reason: str


class GeneratedTests(_Model):
    """The answer of the ``tests`` task."""

    cases: list[CandidateTest] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    """Targets given no test, with why (no type hints or defaults, unsupported types)."""

    @field_validator("cases")
    @classmethod
    def _unique(cls, cases: list[CandidateTest]) -> list[CandidateTest]:
        names = [c.name for c in cases]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"test names must be unique: {', '.join(dupes)}")
        return cases
