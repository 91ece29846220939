"""``orchestra run`` and ``orchestra plan``: the main job, and its DAG without running it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from blackboard import BoardSettings, OrchestraError
from capabilities.config import ConfigError, resolve_config
from capabilities.plan import Trigger
from capabilities.plan.planner import plan

from . import views
from ._aio import run_async
from .catalog import default_catalog
from .local_run import RunOptions, run_pipeline
from .settings import parse_list

console = Console()
err = Console(stderr=True)

EVENTS = {"manual": "manual", "push": "push", "pr": "pull_request"}


def _stages(only: str | None) -> tuple[str, ...] | None:
    return parse_list(only) if only else None


def _show_plan(path: Path, event: str, branch: str, only: str | None, changed: list[str] | None) -> None:
    try:
        config, notes, inferred = resolve_config(path)
    except ConfigError as exc:
        err.print(f"[red]devops_orchestra.yaml is not valid:[/]\n{exc}")
        raise typer.Exit(1) from None
    if inferred:
        console.print("[yellow]no devops_orchestra.yaml: using a config inferred from the repository[/]")
    for note in notes:
        console.print(f"  [dim]{note}[/]")
    trigger = Trigger(
        event=EVENTS[event],  # type: ignore[arg-type]
        repo=str(path.resolve()),
        commit="(working tree)",
        branch=branch,
        base="main" if event == "pr" else None,
        changed=tuple(changed) if changed else None,
        only=_stages(only),
    )
    planned = plan(config, trigger)
    console.print(views.plan_table(planned))
    for name, why in planned.skipped.items():
        console.print(f"  [dim]not planned: {name} ({why})[/]")


def plan_command(
    path: Annotated[Path, typer.Argument(help="The repository.")] = Path("."),
    event: Annotated[str, typer.Option(help="manual | push | pr")] = "push",
    branch: Annotated[str, typer.Option(help="The branch pushed (deploy branches plan a deploy).")] = "main",
    only: Annotated[str | None, typer.Option(help="Plan only these stages, comma-separated.")] = None,
    changed: Annotated[list[str] | None, typer.Option(help="A path the push changed; repeatable.")] = None,
) -> None:
    """Print the DAG a push or pull request would get, without running it."""
    if event not in EVENTS:
        raise typer.BadParameter("event is one of manual, push, pr")
    _show_plan(path, event, branch, only, changed)


def run_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The repository (git or not).")] = Path("."),
    event: Annotated[str, typer.Option(help="manual (deploy) | push | pr")] = "manual",
    branch: Annotated[str | None, typer.Option(help="Branch to plan for (default: the directory's).")] = None,
    only: Annotated[str | None, typer.Option(help="Run only these stages, comma-separated.")] = None,
    service: Annotated[list[str] | None, typer.Option(help="Run only this service; repeatable.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and stop.")] = False,
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Tear a local deploy down and exit when the run ends (CI).")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Exit when the run ends and leave a local deploy serving.")
    ] = False,
    concurrency: Annotated[int, typer.Option(help="Tasks run at once in this process.")] = 4,
    load: Annotated[list[str] | None, typer.Option(help="Extra capabilities module; repeatable.")] = None,
) -> None:
    """Run the pipeline on PATH: plan, analyze, test, scan, build, deploy, observe, report."""
    if event not in EVENTS:
        raise typer.BadParameter("event is one of manual, push, pr")
    if not path.is_dir():
        err.print(f"[red]error:[/] {path} is not a directory")
        raise typer.Exit(2)
    if dry_run:
        _show_plan(path, event, branch or "main", only, None)
        return
    board: BoardSettings = ctx.obj
    opts = RunOptions(
        path=path,
        event=event,  # type: ignore[arg-type]
        branch=branch,
        only=_stages(only),
        services=tuple(service) if service else None,
        concurrency=concurrency,
        exit_after=exit_after,
        keep=keep,
    )
    try:
        catalog = default_catalog([*(load or []), *parse_list(os.environ.get("ORCHESTRA_LOAD", ""))])
        code = run_async(lambda: run_pipeline(opts, board, catalog, console))
    except OrchestraError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    raise typer.Exit(code)


def down_command(
    path: Annotated[Path, typer.Argument(help="The repository whose local deploy to stop.")] = Path("."),
    project: Annotated[
        str | None, typer.Option(help="The project name (default: from PATH's config).")
    ] = None,
) -> None:
    """Stop the routers and service processes a local deploy left running on this host."""
    from capabilities.deploy import project_name, teardown
    from capabilities.host import Host

    if project is None:
        try:
            config, _, _ = resolve_config(path)
        except ConfigError as exc:
            err.print(f"[red]devops_orchestra.yaml is not valid:[/]\n{exc}")
            raise typer.Exit(1) from None
        project = project_name(config)
    name = project
    stopped = run_async(lambda: teardown(Host.at().cache_dir, name))
    console.print(f"stopped {', '.join(stopped)}" if stopped else f"nothing of {project} is running here")
