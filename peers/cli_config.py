"""``orchestra config``: check, write, show and describe ``devops_orchestra.yaml``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from capabilities.config import (
    CONFIG_FILENAMES,
    ConfigError,
    OrchestraConfig,
    Service,
    complete_config,
    find_config,
    json_schema,
    load_config,
    resolve_config,
    starter_yaml,
)
from capabilities.detect.model import RepoStack

config_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help=f"Check, write and show {CONFIG_FILENAMES[0]}.",
)

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

_PathArg = Annotated[Path, typer.Argument(help="A config file or a repository folder.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


def _detect(root: Path) -> RepoStack:
    from capabilities.detect import detect  # lazily: `schema` and `validate FILE` need no detection

    return detect(root)


def _summary(config: OrchestraConfig) -> str:
    services = config.deployment.services
    names = ", ".join(s.name for s in services)
    return f"{len(services)} service{'' if len(services) == 1 else 's'}" + (f": {names}" if names else "")


def _invalid(exc: ConfigError) -> typer.Exit:
    for line in exc.lines():
        err.print(escape(line), highlight=False)
    return typer.Exit(1)


@config_app.command("validate")
def validate(
    path: _PathArg = Path("."),
    strict: Annotated[bool, typer.Option("--strict", help="Fail when there is no config file.")] = False,
) -> None:
    """Check a config file (line:column for every problem); without one, show what is inferred."""
    if not path.exists():
        raise _fail(f"{path} does not exist", 2)
    found = path if path.is_file() else find_config(path)
    try:
        if found is not None:
            config = load_config(found)
            console.print(f"ok: {escape(str(found))} ({escape(_summary(config))})", highlight=False)
            return
        config, _ = complete_config(OrchestraConfig(), _detect(path))
    except ConfigError as exc:
        raise _invalid(exc) from None
    console.print(f"no {CONFIG_FILENAMES[0]} in {escape(str(path))}; inferred: {escape(_summary(config))}")
    for service in config.deployment.services:
        console.print(f"  {escape(_service_line(service))}", highlight=False)
    if strict:
        raise _fail(f"--strict: write one with `orchestra config init {path}`")


@config_app.command("init")
def init(
    path: _PathArg = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder's name).")] = None,
) -> None:
    """Write a commented starter config from what is detected in the repository."""
    if not path.is_dir():
        raise _fail(f"{path} is not a folder", 2)
    target = path / CONFIG_FILENAMES[0]
    existing = find_config(path)
    if existing is not None and not force:
        raise _fail(f"{existing} exists; use --force to overwrite it")
    stack = _detect(path)
    target.write_text(starter_yaml(stack, name or path.resolve().name), encoding="utf-8")
    for detected in stack.services:
        what = "/".join(x for x in (detected.language, detected.framework) if x)
        console.print(
            f"detected {escape(detected.name)}: {escape(what)} at {escape(detected.path)}", highlight=False
        )
    if not stack.services:
        console.print("detected no service: add one under deployment.services")
    console.print(f"wrote {escape(str(target))}")


@config_app.command("schema")
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it to this file.")] = None,
) -> None:
    """The JSON Schema of the config (for editors: yaml-language-server, VS Code)."""
    text = json.dumps(json_schema(), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {escape(str(output))}")


@config_app.command("show")
def show(path: _PathArg = Path(".")) -> None:
    """The config a run would use: the file completed from detection, and where each guess came from."""
    if path.is_file() and path.name in CONFIG_FILENAMES:
        path = path.parent
    if not path.is_dir():
        raise _fail(f"{path} is not a folder (or a {CONFIG_FILENAMES[0]})", 2)
    try:
        config, notes, _ = resolve_config(path)
    except ConfigError as exc:
        raise _invalid(exc) from None
    typer.echo(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), nl=False)
    if notes:
        typer.echo("")
        for note in notes:
            typer.echo(f"# {note}")


def _service_line(service: Service) -> str:
    parts = [f"{service.name} at {service.path}"]
    if service.language or service.framework:
        parts.append("/".join(x for x in (service.language, service.framework) if x))
    if service.port:
        parts.append(f"port {service.port}")
    return ", ".join(parts)
