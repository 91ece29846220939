"""Candidate tests without a model: import smoke tests, calls built from type hints and the
constants a function compares its parameters with, ``pytest.raises`` for the guards it raises
from, and route smoke tests through the framework's test client.

Every case is only a candidate: the test stage runs it and keeps it only when it passes and
raises coverage, so a sample that trips a guard costs a dropped candidate, never a wrong test.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any

from ...schemas.tests import (
    CandidateTest,
    Condition,
    FunctionTarget,
    GeneratedTests,
    ModuleTarget,
    Param,
    RouteTarget,
    Skipped,
    TestTargets,
)
from ._values import base_type, literal, sample

MAX_CASES_PER_FUNCTION = 8
_SUBJECT = "subject"
_FLASK_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_FASTAPI_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_PATH_SAMPLES = {"int": "1", "float": "1.5", "uuid": "00000000-0000-0000-0000-000000000000"}


def _slug(text: str, limit: int = 60) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]+", "_", text)).strip("_").lower()[:limit] or "x"


class _Names:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, *parts: str) -> str:
        base = "test_" + _slug("_".join(parts), 90)
        name, n = base, 2
        while name in self.seen:
            name, n = f"{base}_{n}", n + 1
        self.seen.add(name)
        return name


def _is_exception(name: str | None) -> bool:
    cls = getattr(builtins, name or "", None)
    return isinstance(cls, type) and issubclass(cls, Exception)


def _satisfying(cond: Condition, param: Param) -> str | None:
    """A value for ``param`` that makes ``cond`` true, as source; None when there is no sound one."""
    kind = base_type(param.annotation)
    value = cond.value
    if isinstance(value, str):
        return literal(value) if cond.op == "==" and kind in (None, "str") else None
    if kind not in (None, "int", "(int, float)") or cond.op == "!=":
        return None
    if kind == "int" and isinstance(value, float):
        return None
    shifted = {"<": value - 1, "<=": value, ">": value + 1, ">=": value, "==": value}[cond.op]
    return literal(shifted)


def _function_cases(t: FunctionTarget, names: _Names) -> tuple[list[CandidateTest], str | None]:
    """The cases for a function, or a reason why it gets none."""
    args: dict[str, str] = {}
    positional: list[str] = []
    for p in t.params:
        if p.kind in ("var_positional", "var_keyword"):
            continue
        if p.default is not None:
            continue  # its default is used; conditions on it still get cases of their own
        value = sample(p.annotation)
        if value is None:
            why = "no type hint or default" if not p.annotation else f"no sample value for `{p.annotation}`"
            return [], f"parameter `{p.name}` has {why}"
        args[p.name] = value
        if p.kind == "positional_only":
            positional.append(p.name)
    call = f"{_SUBJECT}.{t.name}"
    imports = [f"import {t.module} as {_SUBJECT}"]

    def render(values: Mapping[str, str]) -> str:
        pos = [values[n] for n in positional]
        kw = [f"{n}={v}" for n, v in values.items() if n not in positional]
        return f"{call}({', '.join([*pos, *kw])})"

    returns = base_type(t.returns)
    check = (
        "assert result is None" if returns == "None"
        else f"assert isinstance(result, {returns})" if returns
        else "assert result is not NotImplemented"
    )  # fmt: skip
    target = f"{t.module}:{t.name}"
    cases = [CandidateTest(
        name=names(t.module, t.name), target=target, kind="call", imports=imports,
        body=f"result = {render(args)}\n{check}",
    )]  # fmt: skip
    seen: set[tuple[str, str]] = set()
    for p in t.params:
        for cond in p.conditions:
            value = _satisfying(cond, p)
            if value is None or (p.name, value) in seen or value == args.get(p.name):
                continue
            seen.add((p.name, value))
            call_src = render({**args, p.name: value})
            suffix = (p.name, {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq"}[cond.op], value)
            if cond.raises and _is_exception(cond.raises):
                body = f"with pytest.raises({cond.raises}):\n    {call_src}"
                cases.append(CandidateTest(
                    name=names(t.module, t.name, "raises", *suffix), target=target, kind="raises",
                    imports=["import pytest", *imports], body=body,
                ))  # fmt: skip
            else:
                cases.append(CandidateTest(
                    name=names(t.module, t.name, *suffix), target=target, kind="call", imports=imports,
                    body=f"result = {call_src}\n{check}",
                ))  # fmt: skip
    return cases[:MAX_CASES_PER_FUNCTION], None


def _route_path(t: RouteTarget) -> str | None:
    def flask(m: re.Match[str]) -> str:
        return _PATH_SAMPLES.get(m.group(1) or "string", "sample")

    def fastapi(m: re.Match[str]) -> str:
        hint = "path" if m.group(2) == "path" else t.path_params.get(m.group(1), "str")
        return _PATH_SAMPLES.get(hint, "sample")

    path = _FLASK_PARAM.sub(flask, t.path) if t.framework == "flask" else _FASTAPI_PARAM.sub(fastapi, t.path)
    return path if path.startswith("/") else None


def _route_case(t: RouteTarget, names: _Names) -> tuple[CandidateTest | None, str | None]:
    if t.method.upper() != "GET":
        return None, f"{t.method} routes get no smoke test (a call could change state)"
    path = _route_path(t)
    if path is None:
        return None, f"route path {t.path!r} is not absolute"
    imports = [f"import {t.module} as {_SUBJECT}"]
    if t.framework == "flask":
        body = f"client = {_SUBJECT}.{t.app}.test_client()\nresponse = client.get({path!r})\n"
    else:
        imports.insert(0, "from fastapi.testclient import TestClient")
        body = f"with TestClient({_SUBJECT}.{t.app}) as client:\n    response = client.get({path!r})\n"
    body += "assert response.status_code < 500"
    name = names("route", t.method, t.path if t.path != "/" else "root")
    return CandidateTest(name=name, target=f"GET {t.path}", kind="route", imports=imports, body=body), None


def _module_case(t: ModuleTarget, names: _Names) -> CandidateTest:
    body = f"assert {_SUBJECT}.__name__ == {t.module!r}"
    imports = [f"import {t.module} as {_SUBJECT}"]
    return CandidateTest(
        name=names("import", t.module), target=t.module, kind="import", imports=imports, body=body
    )


def generate_tests(variables: Mapping[str, Any]) -> GeneratedTests:
    """The template answer to the ``tests`` task."""
    request = TestTargets.model_validate(variables)
    names = _Names()
    cases: list[CandidateTest] = []
    skipped: list[Skipped] = []
    for t in request.targets:
        if isinstance(t, ModuleTarget):
            cases.append(_module_case(t, names))
        elif isinstance(t, FunctionTarget):
            found, why = _function_cases(t, names)
            cases += found
            if why:
                skipped.append(Skipped(target=f"{t.module}:{t.name}", reason=why))
        else:
            case, why = _route_case(t, names)
            if case:
                cases.append(case)
            if why:
                skipped.append(Skipped(target=f"{t.method} {t.path}", reason=why))
    return GeneratedTests(cases=cases, skipped=skipped)
