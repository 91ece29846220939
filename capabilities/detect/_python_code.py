"""What a Python service's code says, found with :mod:`ast` (the code is parsed, never imported).

* web apps: module-level ``x = Flask(...)`` / ``FastAPI(...)`` / ``Starlette(...)`` /
  ``web.Application(...)`` assignments, and factory functions creating one;
* ``if __name__ == "__main__":`` blocks and the ``app.run(...)`` / ``uvicorn.run(...)`` /
  ``web.run_app(...)`` calls in them, with their port and whether they bind every interface;
* ports read from the environment with a default (``os.environ.get("PORT", 5000)``);
* routes, for the health path: decorators (``@app.get("/health")``, with a blueprint's or
  router's prefix), ``add_url_rule``-style calls and Django's ``urls.py``.
"""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._files import port_number, read_text

log = logging.getLogger(__name__)

ANY_HOST = "0.0.0.0"  # noqa: S104 - a service in a container must listen on every interface
_PORT_VARS = frozenset(
    {"PORT", "APP_PORT", "HTTP_PORT", "SERVER_PORT", "WEB_PORT", "SERVICE_PORT", "API_PORT", "FLASK_RUN_PORT"}
)
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "environ.get", "getenv", "os.environ.setdefault"})
_NOT_APPS = frozenset({"asyncio", "anyio", "trio", "subprocess", "os", "sys"})
_ROUTE_DECORATORS = frozenset({"route", "get", "head", "api_route", "websocket_route"})
_ROUTE_CALLS = {"add_url_rule": 0, "add_api_route": 0, "add_get": 0, "add_route": 1}
_INTERESTING = re.compile(r"Flask\(|FastAPI\(|Starlette\(|Application\(|__main__|PORT|health|ping|ready|live")


@dataclass(frozen=True)
class _App:
    framework: str
    file: str
    obj: str
    factory: bool


@dataclass(frozen=True)
class _Run:
    file: str
    call: str
    port: int | None
    port_text: str | None
    public: bool
    """Binds every interface (``host="0.0.0.0"``), so it works inside a container."""


@dataclass
class _Code:
    apps: list[_App] = field(default_factory=list)
    mains: list[str] = field(default_factory=list)
    runs: list[_Run] = field(default_factory=list)
    env_ports: list[tuple[str, int, str]] = field(default_factory=list)
    """(file, port, ``os.environ.get('PORT', 5000)``)"""
    routes: list[tuple[str, str]] = field(default_factory=list)


def _dotted(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr}"
    return ""


def _app_framework(expr: ast.expr | None) -> str | None:
    if not isinstance(expr, ast.Call):
        return None
    name = _dotted(expr.func)
    if name in ("web.Application", "aiohttp.web.Application"):
        return "aiohttp"
    return {"Flask": "flask", "FastAPI": "fastapi", "Starlette": "starlette"}.get(name.rsplit(".", 1)[-1])


def _value(expr: ast.expr | None, consts: dict[str, ast.expr], depth: int = 0) -> int | str | None:
    """What a port or host expression evaluates to when its environment variable is unset."""
    if expr is None or depth > 4:
        return None
    if (
        isinstance(expr, ast.Constant)
        and isinstance(expr.value, int | str)
        and not isinstance(expr.value, bool)
    ):
        return expr.value
    if isinstance(expr, ast.Name):
        return _value(consts.get(expr.id), consts, depth + 1)
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
        return next((v for e in expr.values if (v := _value(e, consts, depth + 1)) is not None), None)
    if isinstance(expr, ast.Call):
        name = _dotted(expr.func)
        if name in ("int", "str") and expr.args:
            return _value(expr.args[0], consts, depth + 1)
        if name in _ENV_GETTERS:
            default = expr.args[1] if len(expr.args) > 1 else None
            default = default or next((k.value for k in expr.keywords if k.arg == "default"), None)
            return _value(default, consts, depth + 1)
    return None


def _port(expr: ast.expr | None, consts: dict[str, ast.expr]) -> int | None:
    value = _value(expr, consts)
    return (
        port_number(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None
    )


def _run_call(call: ast.Call, rel: str, consts: dict[str, ast.expr]) -> _Run | None:
    """``app.run(...)``, ``uvicorn.run(...)`` or ``web.run_app(...)``."""
    name = _dotted(call.func)
    owner, _, method = name.rpartition(".")
    if method == "run" and owner == "uvicorn":
        host_at, port_at, default_host = 1, 2, "127.0.0.1"
    elif method == "run" and owner and "." not in owner and owner not in _NOT_APPS:
        host_at, port_at, default_host = 0, 1, "127.0.0.1"
    elif method == "run_app" or name == "run_app":
        host_at, port_at, default_host = 99, 99, ANY_HOST  # aiohttp's default
    else:
        return None
    kwargs = {k.arg: k.value for k in call.keywords if k.arg}
    port_expr = kwargs.get("port") or (call.args[port_at] if len(call.args) > port_at else None)
    host_expr = kwargs.get("host") or (call.args[host_at] if len(call.args) > host_at else None)
    host = _value(host_expr, consts) if host_expr is not None else default_host
    more = ", ".join(["..."] * bool(call.args or len(kwargs) > 1))
    port_text = f"{name}({more + ', ' if more else ''}port={ast.unparse(port_expr)})" if port_expr else None
    return _Run(rel, name, _port(port_expr, consts), port_text, host not in ("127.0.0.1", "localhost"))


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and _dotted(test.left) == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _route_path(expr: ast.expr | None, prefix: str = "") -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return prefix + expr.value
    return None


def _scan_module(rel: str, tree: ast.Module, code: _Code) -> None:
    consts: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            consts.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            consts[node.target.id] = node.value
    prefixes: dict[str, str] = {}
    for var, value in consts.items():
        if framework := _app_framework(value):
            code.apps.append(_App(framework, rel, var, factory=False))
        if isinstance(value, ast.Call):
            for k in value.keywords:
                if k.arg in ("url_prefix", "prefix") and (p := _route_path(k.value)) is not None:
                    prefixes[var] = p
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Assign | ast.AnnAssign | ast.Return) and (
                    framework := _app_framework(sub.value)
                ):
                    code.apps.append(_App(framework, rel, node.name, factory=True))
                    break
        guarded = isinstance(node, ast.If) and _is_main_guard(node.test)
        if guarded:
            code.mains.append(rel)
        if guarded or isinstance(node, ast.Expr):
            calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
            code.runs.extend(r for c in calls if (r := _run_call(c, rel, consts)))
    for item in ast.walk(tree):
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            _decorator_routes(rel, item, prefixes, code)
        elif isinstance(item, ast.Call):
            _call_facts(rel, item, consts, code)


def _decorator_routes(
    rel: str, func: ast.FunctionDef | ast.AsyncFunctionDef, prefixes: dict[str, str], code: _Code
) -> None:
    """``@app.route("/health")``, ``@router.get("/healthz")`` (with the blueprint's or router's prefix)."""
    for dec in func.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.args:
            if dec.func.attr in _ROUTE_DECORATORS:
                prefix = prefixes.get(_dotted(dec.func.value), "")
                if (path := _route_path(dec.args[0], prefix)) is not None:
                    code.routes.append((path, f"@{ast.unparse(dec)} in {rel}"))


def _call_facts(rel: str, call: ast.Call, consts: dict[str, ast.expr], code: _Code) -> None:
    """``os.environ.get("PORT", 5000)``, ``app.add_url_rule("/health")``, Django's ``path("health/")``."""
    name = _dotted(call.func)
    if name in _ENV_GETTERS and call.args:
        var = call.args[0]
        if isinstance(var, ast.Constant) and var.value in _PORT_VARS and (port := _port(call, consts)):
            code.env_ports.append((rel, port, ast.unparse(call)))
    at = _ROUTE_CALLS.get(name.rsplit(".", 1)[-1], -1) if "." in name else -1
    if at >= 0 and len(call.args) > at and (path := _route_path(call.args[at])) is not None:
        code.routes.append((path, f"{name}({path!r}) in {rel}"))
    if rel.endswith("urls.py") and name in ("path", "re_path", "url") and call.args:
        if (pattern := _route_path(call.args[0])) is not None:
            path = "/" + pattern.lstrip("^").rstrip("$").lstrip("/")
            code.routes.append((path, f"{name}({ast.unparse(call.args[0])}) in {rel}"))


def _scan(d: Path, files: list[Path]) -> _Code:
    code = _Code()
    for rel in files:
        text = read_text(d / rel)
        if text is None or not _INTERESTING.search(text):
            continue
        try:
            tree = ast.parse(text, filename=rel.as_posix())
        except (SyntaxError, ValueError) as exc:
            log.debug("detect: cannot parse %s: %s", d / rel, exc)
            continue
        _scan_module(rel.as_posix(), tree, code)
    return code
