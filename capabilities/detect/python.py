"""Python services: which framework, how to start and test them, from their manifests and code.

What is declared comes from :mod:`._python_manifests` (requirements/pyproject/Pipfile/setup), what
the code does from :mod:`._python_code` (parsed with :mod:`ast`, never imported); this module
weighs the two: the framework declared and confirmed by the code wins, the entry is the web app
object (or a factory function creating one), the port comes from ``app.run(port=...)`` /
``uvicorn.run(..., port=...)`` / ``os.environ.get("PORT", N)``, and the health path from routes.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ._files import best_health, list_files, read_text
from ._python_code import ANY_HOST, _App, _Code, _Run, _scan
from ._python_manifests import _Manifests, _read_manifests, normalise, requirement_names
from .model import ServiceStack

__all__ = ["ANY_HOST", "DEFAULT_PORTS", "FRAMEWORKS", "detect_python", "normalise", "requirement_names"]

FRAMEWORKS = ("django", "fastapi", "flask", "starlette", "aiohttp")
"""In order of preference when a service declares several."""
DEFAULT_PORTS = {"flask": 5000, "fastapi": 8000, "django": 8000, "starlette": 8000, "aiohttp": 8080}
_ASGI = frozenset({"fastapi", "starlette"})
_ENTRY_NAMES = ("app.py", "main.py", "wsgi.py", "asgi.py", "server.py", "application.py", "api.py", "run.py")
_IMPORTS_PYTEST = re.compile(r"^\s*(?:import pytest|from pytest\b)", re.M)
_SETTINGS = re.compile(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]")


def _is_test(rel: Path) -> bool:
    name = rel.name
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "tests.py"
        or name == "conftest.py"
        or bool({"tests", "test"} & set(rel.parts[:-1]))
    )


def _entry_rank(file: str) -> tuple[int, int, str]:
    parts = PurePosixPath(file).parts
    name = parts[-1]
    rank = _ENTRY_NAMES.index(name) if name in _ENTRY_NAMES else len(_ENTRY_NAMES)
    return len(parts) - (parts[0] == "src"), rank, file


def _module(file: str) -> tuple[str, str | None]:
    """``app.py`` -> (``app``, None); ``src/pkg/main.py`` -> (``pkg.main``, ``src``)."""
    parts = list(PurePosixPath(file).with_suffix("").parts)
    app_dir = "src" if parts[0] == "src" and len(parts) > 1 else None
    parts = parts[1:] if app_dir else parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts), app_dir


# --- putting it together --------------------------------------------------------------------

_CLASS = {"flask": "Flask", "fastapi": "FastAPI", "starlette": "Starlette", "aiohttp": "web.Application"}


def _framework(m: _Manifests, code: _Code, manage: str | None, evidence: list[str]) -> str | None:
    """Declared in a runtime manifest and confirmed by the code, else whichever of the two there is."""
    proof = {a.framework: f"{_CLASS[a.framework]}() in {a.file}" for a in reversed(code.apps)}
    if manage:
        proof["django"] = manage
    declared = [f for f in FRAMEWORKS if f in m.runtime]
    for f in declared:
        if f in proof:
            evidence.append(f"framework {f}: {m.runtime[f]}; {proof[f]}")
            return f
    coded = [f for f in FRAMEWORKS if f in proof]
    if coded:
        evidence.append(f"framework {coded[0]}: {proof[coded[0]]} (not declared in a manifest)")
        return coded[0]
    if declared:
        evidence.append(f"framework {declared[0]}: {m.runtime[declared[0]]} (not confirmed by the code)")
        return declared[0]
    return None


def _pick_port(
    code: _Code, run: _Run | None, near: str | None, framework: str | None
) -> tuple[int | None, str]:
    if run and run.port:
        return run.port, f"port {run.port}: {run.port_text} in {run.file}"
    if code.env_ports:
        file, port, text = min(code.env_ports, key=lambda e: (e[0] != near, _entry_rank(e[0])))
        return port, f"port {port}: {text} in {file}"
    if framework in DEFAULT_PORTS:
        return DEFAULT_PORTS[framework], f"port {DEFAULT_PORTS[framework]}: {framework} default"
    return None, ""


def _launch(
    d: Path, framework: str | None, code: _Code, manage: str | None, evidence: list[str]
) -> tuple[str | None, tuple[str, ...], int | None]:
    """(entry, start argv, port)."""
    if framework == "django":
        port, why = _pick_port(code, None, None, "django")
        evidence.append(why)
        if manage is None:
            evidence.append("start unknown: django without manage.py")
            return None, (), port
        settings = _SETTINGS.search(read_text(d / manage) or "")
        evidence.append(f"entry {manage}: settings {settings.group(1) if settings else 'not found'}")
        return manage, ("python", manage, "runserver", f"0.0.0.0:{port}"), port
    apps = sorted(code.apps, key=lambda a: (a.framework != framework, a.factory, *_entry_rank(a.file)))
    if apps:
        return _launch_app(apps[0], code, evidence)
    if framework:
        port, why = _pick_port(code, None, None, framework)
        evidence += [why, f"entry unknown: no {_CLASS[framework]}() assignment found"]
        return None, (), port
    mains = sorted(dict.fromkeys(code.mains), key=_entry_rank)
    if not mains:
        return None, (), None
    file = mains[0]
    port, why = _pick_port(code, None, file, None)
    if why:
        evidence.append(why)
    package = PurePosixPath(file).parent
    if PurePosixPath(file).name == "__main__.py" and package.parts and package.parts[0] != "src":
        start: tuple[str, ...] = ("python", "-m", ".".join(package.parts))
    else:
        start = ("python", file)
    evidence.append(f"start {' '.join(start)}: __main__ block in {file}")
    return file, start, port


def _launch_app(app: _App, code: _Code, evidence: list[str]) -> tuple[str, tuple[str, ...], int | None]:
    module, app_dir = _module(app.file)
    call = "()" if app.factory and app.framework == "flask" else ""
    entry = f"{module}:{app.obj}{call}"
    how = f"in factory {app.obj}()" if app.factory else "assigned"
    evidence.append(f"entry {entry}: {_CLASS[app.framework]}() {how} in {app.file}")
    owners = {a.obj for a in code.apps} | {"app", "application", "api", "server", "uvicorn", "web"}
    runs = [r for r in code.runs if r.call == "run_app" or r.call.split(".")[0] in owners]
    run = min(
        runs, key=lambda r: (r.file != app.file, r.file not in code.mains, *_entry_rank(r.file)), default=None
    )
    port, why = _pick_port(code, run, app.file, app.framework)
    evidence.append(why)
    if run and run.public:
        evidence.append(f"start python {run.file}: {run.call}() binds 0.0.0.0 in {run.file}")
        return entry, ("python", run.file), port
    if run:
        evidence.append(f"start: not python {run.file}, its {run.call}() binds 127.0.0.1 only")
    if app.framework == "flask":
        target = f"{app.file}:{app.obj}{call}" if app_dir else entry
        return (
            entry,
            ("python", "-m", "flask", "--app", target, "run", "--host", ANY_HOST, "--port", str(port)),
            port,
        )
    if app.framework in _ASGI:
        extra = (("--factory",) if app.factory else ()) + (("--app-dir", app_dir) if app_dir else ())
        return (
            entry,
            ("python", "-m", "uvicorn", entry, *extra, "--host", ANY_HOST, "--port", str(port)),
            port,
        )
    evidence.append(f"start unknown: {app.framework} app without a __main__ block")
    return entry, (), port


_PLAIN_TEST_FUNCTION = re.compile(r"^def test_\w*\(", re.M)
_UNITTEST_CASE = re.compile(r"unittest\.TestCase|\(TestCase\)")


def _tests(
    d: Path, m: _Manifests, files: list[Path], manage: str | None, evidence: list[str]
) -> tuple[str | None, tuple[str, ...]]:
    """pytest when anything points at it, else unittest (Django's runner for Django) if tests exist."""
    test_files = [f for f in files if re.fullmatch(r"test_.*\.py|.*_test\.py|tests\.py", f.name)]
    why = m.pytest_config or (f"pytest in {m.source('pytest')}" if m.source("pytest") else None)
    why = why or next((f.as_posix() for f in files if f.name == "conftest.py"), None)
    for f in test_files[:200] if why is None else ():
        text = read_text(d / f) or ""
        if _IMPORTS_PYTEST.search(text):
            why = f"{f.as_posix()} imports pytest"
            break
        if _PLAIN_TEST_FUNCTION.search(text) and not _UNITTEST_CASE.search(text):
            why = f"{f.as_posix()} has plain test functions (pytest style; unittest would run none)"
            break
    if why:
        evidence.append(f"tests pytest: {why}")
        return "pytest", ("python", "-m", "pytest", "-q")
    if not test_files:
        return None, ()
    evidence.append(f"tests unittest: {test_files[0].as_posix()} and no sign of pytest")
    if manage:
        return "unittest", ("python", manage, "test")
    in_tests = all(f.parts[0] == "tests" for f in test_files) and not (d / "tests" / "__init__.py").is_file()
    return "unittest", ("python", "-m", "unittest", "discover", *(("-s", "tests") if in_tests else ()))


def _manage_py(d: Path) -> str | None:
    if (d / "manage.py").is_file():
        return "manage.py"
    nested = sorted(p for p in d.glob("*/manage.py") if p.is_file())
    return nested[0].relative_to(d).as_posix() if nested else None


def detect_python(service_dir: Path, name: str, rel: str) -> ServiceStack | None:
    """A Python service, or None when ``service_dir`` has no Python manifest (nor ``manage.py``)."""
    m = _read_manifests(service_dir)
    manage = _manage_py(service_dir)
    if not m.found and manage is None:
        return None
    evidence = [f"language python: {', '.join(m.found or [str(manage)])}"]
    manager, why = m.package_manager
    evidence.append(f"package_manager {manager}: {why or 'no poetry or pipenv files'}")
    files = list_files(service_dir, (".py",))
    code = _scan(service_dir, [f for f in files if not _is_test(f)])
    framework = _framework(m, code, manage, evidence)
    entry, start, port = _launch(service_dir, framework, code, manage, evidence)
    health = best_health(code.routes)
    if health:
        evidence.append(f"health {health[0]}: {health[1]}")
    test_framework, test_command = _tests(
        service_dir, m, files, manage if framework == "django" else None, evidence
    )
    version = m.versions[0] if m.versions else None
    if version:
        evidence.append(f"runtime python {version[0]}: {version[1]}")
    return ServiceStack(
        name=name,
        path=rel,
        language="python",
        framework=framework,
        package_manager=manager,
        entry=entry,
        start=start,
        port=port,
        health_path=health[0] if health else None,
        test_framework=test_framework,
        test_command=test_command,
        dependencies=tuple(dict.fromkeys([*m.runtime, *m.dev])),
        runtime_version=version[0] if version else None,
        evidence=tuple(e for e in evidence if e),
    )
