"""``orchestra gateway`` and ``orchestra webhook send``: thin commands, registered in ``cli.py``.

They follow ``cli.py``'s conventions (``peers._console``, ``ctx.obj`` is the
``BoardSettings`` of the app callback) without importing it: ``cli.py`` imports this module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import anyio
import httpx
import typer

from blackboard import TRANSIENT_ERRORS, OrchestraError

from ._console import console, shared_board
from ._console import fail as _fail
from .webhook import github_payload, send

webhook_app = typer.Typer(
    no_args_is_help=True, help="Post GitHub-shaped webhooks built from a local git repository."
)


def gateway(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (env ORCHESTRA_GATEWAY_HOST; 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (env ORCHESTRA_GATEWAY_PORT; 8080).")] = None,
    max_body_bytes: Annotated[
        int | None, typer.Option(help="Largest webhook body accepted (env ORCHESTRA_MAX_BODY_BYTES).")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log one line per HTTP request.")] = False,
) -> None:
    """Run the GitOps gateway: GitHub webhooks in, the run and artifact API out, /metrics.

    The webhook secret and the API token come from the environment only
    (ORCHESTRA_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET, ORCHESTRA_API_TOKEN), never from flags,
    so they do not show in the process list.
    """
    from .gateway import GatewaySettings, serve  # FastAPI and uvicorn load only for this command

    board = shared_board(ctx, "the gateway", "so the peers see the runs it starts")
    log_level = ctx.parent.params.get("log_level") if ctx.parent else None
    try:
        settings = GatewaySettings.from_env(
            board,
            host=host,
            port=port,
            max_body_bytes=max_body_bytes,
            access_log=access_log,
            log_level=str(log_level or "info").lower(),
        )
        anyio.run(serve, settings)
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    except TRANSIENT_ERRORS as exc:
        raise _fail(f"cannot reach the board at {board.redis_url}: {exc}") from None


@webhook_app.command("send")
def webhook_send(
    event: Annotated[str, typer.Option(help="push or pull_request.")],
    repo: Annotated[Path, typer.Option(help="The local git repository the payload describes.")],
    url: Annotated[
        str, typer.Option(help="The gateway's webhook URL, e.g. http://127.0.0.1:8080/webhooks/github.")
    ],
    secret: Annotated[
        str,
        typer.Option(
            envvar=["ORCHESTRA_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET"],
            help="Signing secret (env ORCHESTRA_WEBHOOK_SECRET).",
            show_default=False,
        ),
    ],
    branch: Annotated[
        str | None, typer.Option(help="Branch pushed, or the PR's head (default: current).")
    ] = None,
    base: Annotated[str, typer.Option(help="A pull request's base branch.")] = "main",
    number: Annotated[int, typer.Option(help="A pull request's number.")] = 1,
    before: Annotated[
        str | None, typer.Option(help="A push's previous tip (default: the parent of the branch tip).")
    ] = None,
    delivery: Annotated[str | None, typer.Option(help="X-GitHub-Delivery (default: a new uuid4).")] = None,
) -> None:
    """Build a push or pull_request payload from a git repository, sign it and POST it."""
    if event not in ("push", "pull_request"):
        raise _fail(f"--event must be push or pull_request, not {event!r}")
    try:
        payload = github_payload(repo, event, branch=branch, base=base, number=number, before=before)
        response = send(url, event, payload, secret, delivery=delivery)
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    except httpx.HTTPError as exc:
        raise _fail(f"cannot post to {url}: {exc}") from None
    try:
        answer = json.dumps(response.json())
    except ValueError:
        answer = response.text[:500]
    if response.is_error:
        raise _fail(f"{response.status_code} from {url}: {answer}", code=1)
    console.print(f"{response.status_code} {answer}", markup=False, highlight=False)
