"""What deserves a generated test: modules, module-level functions that look pure, and GET routes
of Flask/FastAPI apps, whose lines the coverage report says are not run. Read with ``ast``,
never imported.

A function is skipped (with the reason) when its body does I/O (``open``, ``socket``,
``requests``, ``subprocess``, ...), touches globals, is a generator or a coroutine, or is decorated.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...llm.schemas import Condition, FunctionTarget, ModuleTarget, Param, RouteTarget, Skipped, Target
from ..coverage import CoverageReport, is_test_file

log = logging.getLogger(__name__)

IO_CALLS = frozenset({"open", "input", "print", "exec", "eval", "compile", "__import__", "breakpoint"})
IO_MODULES = frozenset(
    {"os", "sys", "socket", "subprocess", "requests", "httpx", "urllib", "urllib3", "http", "shutil",
     "pathlib", "time", "random", "asyncio", "threading", "multiprocessing", "sqlite3", "smtplib",
     "ftplib", "telnetlib", "select", "signal", "logging", "tempfile", "glob", "io", "aiohttp", "boto3"}
)  # fmt: skip
IO_METHODS = frozenset({"read", "write", "recv", "send", "sendall", "connect", "accept", "listen", "bind"})
SKIP_DIRS = frozenset(
    {"node_modules", "venv", ".venv", "env", "site-packages", "build", "dist", "migrations"}
)
ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
APP_FACTORIES = {"Flask": "flask", "FastAPI": "fastapi"}
SOURCE_CHARS = 4000
_OPS: dict[type[ast.cmpop], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    frameworks: set[str] = field(default_factory=set)


def python_files(service_dir: Path, exclude: frozenset[str] = frozenset()) -> Iterator[tuple[str, Path]]:
    """``(dotted module, path)`` of the service's importable, non-test modules."""
    for path in sorted(service_dir.rglob("*.py")):
        rel = path.relative_to(service_dir)
        parts = rel.parts
        if any(p.startswith(".") or p in SKIP_DIRS or p in exclude for p in parts[:-1]):
            continue
        if is_test_file(rel.as_posix()) or rel.name in ("setup.py", "__main__.py", "manage.py"):
            continue
        names = [*parts[:-1], rel.stem] if rel.stem != "__init__" else list(parts[:-1])
        if names and all(n.isidentifier() for n in names):
            yield ".".join(names), path


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def impurity(fn: ast.FunctionDef) -> str | None:
    """Why ``fn`` does not look pure, or None."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Global | ast.Nonlocal):
            return "changes global state"
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return "is a generator"
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            root, _, _ = name.partition(".")
            method = name.rsplit(".", 1)[-1]
            if name in IO_CALLS or root in IO_MODULES or ("." in name and method in IO_METHODS):
                return f"does I/O (calls {name})"
    return None


def _param_name(node: ast.expr, params: set[str]) -> str | None:
    return node.id if isinstance(node, ast.Name) and node.id in params else None


def _constant(node: ast.expr) -> int | float | str | None:
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        value = node.operand.value
        return -value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float | str)
        and not isinstance(node.value, bool)
    ):
        return node.value
    return None


def _compare(node: ast.expr, params: set[str]) -> tuple[str, Condition] | None:
    if not isinstance(node, ast.Compare) or len(node.ops) != 1 or type(node.ops[0]) not in _OPS:
        return None
    op = _OPS[type(node.ops[0])]
    left, right = node.left, node.comparators[0]
    if (name := _param_name(left, params)) is not None and (value := _constant(right)) is not None:
        return name, Condition(op=op, value=value)  # type: ignore[arg-type]
    if (name := _param_name(right, params)) is not None and (value := _constant(left)) is not None:
        return name, Condition(op=_FLIP[op], value=value)  # type: ignore[arg-type]
    return None


def _raised(body: list[ast.stmt]) -> str | None:
    if body and isinstance(body[0], ast.Raise) and body[0].exc is not None:
        name = _dotted(body[0].exc)
        return name if name.isidentifier() else None
    return None


def conditions(fn: ast.FunctionDef, params: set[str]) -> dict[str, list[Condition]]:
    """Per parameter, the constants the body compares it with; ``raises`` when an ``if`` raises."""
    found: dict[str, list[Condition]] = {}
    guarded: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.If):
            raises = _raised(node.body)
            parts = node.test.values if isinstance(node.test, ast.BoolOp) else [node.test]
            sure = not isinstance(node.test, ast.BoolOp) or isinstance(node.test.op, ast.Or)
            for part in parts:
                if (hit := _compare(part, params)) is not None:
                    guarded.add(id(part))
                    cond = hit[1].model_copy(update={"raises": raises if sure else None})
                    found.setdefault(hit[0], []).append(cond)
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and id(node) not in guarded and (hit := _compare(node, params)):
            found.setdefault(hit[0], []).append(hit[1])
    return found


def _params(fn: ast.FunctionDef) -> list[Param]:
    a = fn.args
    names = {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
    conds = conditions(fn, names)
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params = []
    for i, (p, d) in enumerate(zip(positional, defaults, strict=True)):
        kind = "positional_only" if i < len(a.posonlyargs) else "positional"
        params.append(_param(p, d, kind, conds))
    params += [_param(p, d, "keyword", conds) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    if a.vararg:
        params.append(_param(a.vararg, None, "var_positional", conds))
    if a.kwarg:
        params.append(_param(a.kwarg, None, "var_keyword", conds))
    return params


def _param(p: ast.arg, default: ast.expr | None, kind: str, conds: dict[str, list[Condition]]) -> Param:
    return Param(
        name=p.arg, kind=kind,  # type: ignore[arg-type]
        annotation=ast.unparse(p.annotation) if p.annotation else None,
        default=ast.unparse(default) if default is not None else None,
        conditions=conds.get(p.arg, []),
    )  # fmt: skip


def _uncovered(fn: ast.FunctionDef, rel: str, coverage: CoverageReport | None) -> bool:
    if coverage is None or rel not in coverage.files:
        return True
    missing = set(coverage.files[rel].missing)
    end = fn.end_lineno or fn.lineno
    return any(fn.body[0].lineno <= line <= end for line in missing)


def _apps(tree: ast.Module) -> dict[str, str]:
    """Module-level ``app = Flask(__name__)`` / ``api = FastAPI()``: name -> framework."""
    apps: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            factory = _dotted(node.value.func).rsplit(".", 1)[-1]
            if factory in APP_FACTORIES:
                apps.update({t.id: APP_FACTORIES[factory] for t in node.targets if isinstance(t, ast.Name)})
    return apps


def _routes(fn: ast.FunctionDef, module: str, rel: str, apps: dict[str, str]) -> list[RouteTarget]:
    routes = []
    for dec in fn.decorator_list:
        if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
            continue
        owner, verb = _dotted(dec.func.value), dec.func.attr
        if owner not in apps or not dec.args or not isinstance(dec.args[0], ast.Constant):
            continue
        path = str(dec.args[0].value)
        if verb == "route":
            methods = ["GET"]
            for kw in dec.keywords:
                if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple):
                    methods = [str(e.value).upper() for e in kw.value.elts if isinstance(e, ast.Constant)]
        elif verb in ROUTE_METHODS:
            methods = [verb.upper()]
        else:
            continue
        hints = {p.arg: ast.unparse(p.annotation) for p in fn.args.args if p.annotation}
        for method in methods:
            routes.append(RouteTarget(
                module=module, app=owner, framework=apps[owner], method=method, path=path,  # type: ignore[arg-type]
                path_params=hints, function=fn.name, file=rel, line=fn.lineno,
            ))  # fmt: skip
    return routes


def discover(
    service_dir: Path, coverage: CoverageReport | None, exclude: frozenset[str] = frozenset()
) -> Discovery:
    found = Discovery()
    for module, path in python_files(service_dir, exclude):
        rel = path.relative_to(service_dir).as_posix()
        text = path.read_text(errors="replace")
        try:
            tree = ast.parse(text, rel)
        except SyntaxError as exc:
            found.skipped.append(Skipped(target=module, reason=f"does not parse: {rel}:{exc.lineno}"))
            continue
        measured = coverage is not None and rel in coverage.files
        if not measured or coverage is None or coverage.files[rel].missing:
            found.targets.append(ModuleTarget(module=module, file=rel))
        apps = _apps(tree)
        found.frameworks |= set(apps.values())
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef) or not _uncovered(fn, rel, coverage):
                continue
            routes = _routes(fn, module, rel, apps)
            if routes:
                found.targets += routes
                continue
            target = f"{module}:{fn.name}"
            if fn.name.startswith("_"):
                continue
            why = "is decorated" if fn.decorator_list else impurity(fn)
            if why:
                found.skipped.append(Skipped(target=target, reason=why))
                continue
            source = (ast.get_source_segment(text, fn) or "")[:SOURCE_CHARS]
            found.targets.append(FunctionTarget(
                module=module, name=fn.name, file=rel, line=fn.lineno, params=_params(fn),
                returns=ast.unparse(fn.returns) if fn.returns else None, source=source,
            ))  # fmt: skip
    log.info("discovered %d target(s), skipped %d", len(found.targets), len(found.skipped))
    return found
