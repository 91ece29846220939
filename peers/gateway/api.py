"""The run and artifact API: read routes for dashboards and scripts, token-protected write routes.

Board errors become HTTP answers in ``app.py`` (NotFound 404, InvalidState 409, an unreachable
board 503), so the routes here read as what they do.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Body, Depends, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from blackboard import TRANSIENT_ERRORS, Artifact, Board, Event, Heartbeat, PeerStatus, Run, RunMeta, Task
from blackboard.keys import task_id

from .metrics import CONTENT_TYPE, GatewayMetrics
from .settings import GatewaySettings

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 2.0
_UNREACHABLE: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, OSError)


class RunView(BaseModel):
    """A run, its trigger and its task counters."""

    id: str
    status: str
    meta: RunMeta
    created_ms: int
    finished_ms: int
    duration_ms: int | None
    total: int
    remaining: int
    succeeded: int
    failed: int
    skipped: int
    cancelled: int
    reason: str

    @classmethod
    def of(cls, run: Run) -> RunView:
        return cls(
            id=run.id,
            status=run.status.value,
            meta=run.meta,
            created_ms=run.created_ms,
            finished_ms=run.finished_ms,
            duration_ms=run.finished_ms - run.created_ms if run.finished_ms else None,
            total=run.total,
            remaining=run.remaining,
            succeeded=run.succeeded,
            failed=run.failed,
            skipped=run.skipped,
            cancelled=run.cancelled,
            reason=run.reason,
        )


class TaskView(BaseModel):
    """One node of a run's DAG: ``needs`` lists spec ids of the same run."""

    id: str
    spec: str
    capability: str
    state: str
    needs: list[str]
    approval: bool
    approved_by: str
    attempt: int
    max_attempts: int
    owner: str
    started_ms: int
    finished_ms: int
    duration_ms: int | None
    error: str | None = Field(description="The last line of the error, when the task failed.")
    summary: str | None = Field(description="The one-line summary of the task's result.")

    @classmethod
    def of(cls, task: Task) -> TaskView:
        return cls(
            id=task.id,
            spec=task.spec,
            capability=task.capability,
            state=task.state.value,
            needs=[n.split(".", 1)[-1] for n in task.needs],
            approval=task.approval,
            approved_by=task.approved_by,
            attempt=task.attempt,
            max_attempts=task.max_attempts,
            owner=task.owner,
            started_ms=task.started_ms,
            finished_ms=task.finished_ms,
            duration_ms=task.finished_ms - task.started_ms if task.started_ms and task.finished_ms else None,
            error=_last_line(task.error),
            summary=_summary(task.result),
        )


class RunDetail(RunView):
    tasks: list[TaskView]


class EventView(BaseModel):
    id: str
    ts_ms: int
    kind: str
    task: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> EventView:
        return cls(id=event.id, ts_ms=event.ts_ms, kind=event.kind, task=event.task, data=event.data)


class ArtifactView(Artifact):
    url: str = Field(description="Where to download the bytes.")


class PeerView(BaseModel):
    id: str
    host: str
    pid: int
    version: str
    capabilities: list[str]
    tags: dict[str, str]
    concurrency: int
    started_ms: int
    alive: bool
    heartbeat: Heartbeat | None

    @classmethod
    def of(cls, peer: PeerStatus) -> PeerView:
        i = peer.info
        return cls(
            id=i.id,
            host=i.host,
            pid=i.pid,
            version=i.version,
            capabilities=i.capabilities,
            tags=i.tags,
            concurrency=i.concurrency,
            started_ms=i.started_ms,
            alive=peer.alive,
            heartbeat=peer.heartbeat,
        )


class Health(BaseModel):
    ok: bool
    detail: str | None = None


class CancelRequest(BaseModel):
    reason: str = Field(default="cancelled through the API", max_length=500)


class Cancelled(BaseModel):
    run: str
    cancelled: int = Field(description="Unfinished tasks that were cancelled.")


class DecisionRequest(BaseModel):
    by: str = Field(min_length=1, max_length=100, description="Who decides (recorded on the task).")
    reason: str = Field(default="", max_length=1000)


class Decision(BaseModel):
    task: str
    decision: Literal["approved", "rejected"]


def read_router(board: Board, metrics: GatewayMetrics) -> APIRouter:
    r = APIRouter()

    @r.get("/api/runs", response_model=list[RunView], tags=["runs"])
    async def runs(limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[RunView]:
        return [RunView.of(run) for run in await board.runs.recent(limit)]

    @r.get("/api/runs/{run_id}", response_model=RunDetail, tags=["runs"])
    async def run(run_id: str) -> RunDetail:
        found = RunView.of(await board.runs.get(run_id))
        tasks = [TaskView.of(t) for t in await board.runs.tasks(run_id)]
        return RunDetail(**found.model_dump(), tasks=tasks)

    @r.get("/api/runs/{run_id}/events", response_model=list[EventView], tags=["runs"])
    async def events(run_id: str, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[EventView]:
        await board.runs.get(run_id)  # 404 for an unknown run, not an empty list
        return [EventView.of(e) for e in await board.events.history(run_id, limit)]

    @r.get("/api/runs/{run_id}/artifacts", response_model=list[ArtifactView], tags=["artifacts"])
    async def artifacts(run_id: str) -> list[ArtifactView]:
        await board.runs.get(run_id)
        return [
            ArtifactView(**a.model_dump(), url=f"/api/runs/{run_id}/artifacts/{a.name}")
            for a in await board.artifacts.all(run_id)
        ]

    @r.get(
        "/api/runs/{run_id}/artifacts/{name:path}",
        tags=["artifacts"],
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}, "description": "The artifact."}},
    )
    async def artifact(run_id: str, name: str) -> Response:
        info = await board.artifacts.info(run_id, name)
        body = await board.artifacts.get(run_id, name)
        return Response(
            body,
            media_type=info.content_type,
            headers={
                "ETag": f'"{info.sha256}"',
                "Content-Disposition": f'inline; filename="{name.rsplit("/", 1)[-1]}"',
                # generated files are shown, never run, in the gateway's origin
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox; default-src 'none'",
            },
        )

    @r.get("/api/peers", response_model=list[PeerView], tags=["peers"])
    async def peers() -> list[PeerView]:
        return [PeerView.of(p) for p in await board.peers.all()]

    @r.get("/healthz", response_model=Health, tags=["ops"])
    async def healthz() -> Health:
        return Health(ok=True)

    @r.get("/readyz", response_model=Health, tags=["ops"], responses={503: {"model": Health}})
    async def readyz() -> Response:
        try:
            with anyio.fail_after(READY_TIMEOUT_S):
                await board.ping()
        except _UNREACHABLE as exc:
            detail = "the board did not answer in time" if isinstance(exc, TimeoutError) else str(exc)
            return JSONResponse(Health(ok=False, detail=f"board: {detail}").model_dump(), status_code=503)
        return JSONResponse(Health(ok=True).model_dump())

    @r.get("/metrics", tags=["ops"], response_class=Response)
    async def prometheus() -> Response:
        await metrics.refresh(board)
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return r


_bearer = HTTPBearer(auto_error=False, description="ORCHESTRA_API_TOKEN")


def write_router(board: Board, settings: GatewaySettings) -> APIRouter:
    async def require_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        token = settings.api_token
        if not token:
            raise HTTPException(503, "the write API is disabled: no ORCHESTRA_API_TOKEN is configured")
        if credentials is None or not hmac.compare_digest(
            credentials.credentials.encode("latin-1", "replace"), token.encode()
        ):
            raise HTTPException(
                401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )

    errors: dict[int | str, dict[str, Any]] = {
        401: {"description": "Missing or wrong bearer token."},
        404: {"description": "No such run or task."},
        409: {"description": "The run or task is not in a state this applies to."},
        503: {"description": "No API token is configured, or the board is unavailable."},
    }
    r = APIRouter(dependencies=[Depends(require_token)], responses=errors)

    @r.post("/api/runs/{run_id}/cancel", response_model=Cancelled, tags=["runs"])
    async def cancel(run_id: str, body: Annotated[CancelRequest | None, Body()] = None) -> Cancelled:
        reason = (body or CancelRequest()).reason
        n = await board.runs.cancel(run_id, reason)
        log.info("api: cancelled run %s (%d unfinished task(s))", run_id, n)
        return Cancelled(run=run_id, cancelled=n)

    @r.post("/api/runs/{run_id}/tasks/{spec_id}/approve", response_model=Decision, tags=["approvals"])
    async def approve(run_id: str, spec_id: str, body: DecisionRequest) -> Decision:
        tid = task_id(run_id, spec_id)
        await board.tasks.approve(tid, body.by, body.reason)
        log.info("api: %s approved %s", body.by, tid)
        return Decision(task=tid, decision="approved")

    @r.post("/api/runs/{run_id}/tasks/{spec_id}/reject", response_model=Decision, tags=["approvals"])
    async def reject(run_id: str, spec_id: str, body: DecisionRequest) -> Decision:
        tid = task_id(run_id, spec_id)
        await board.tasks.reject(tid, body.by, body.reason)
        log.info("api: %s rejected %s", body.by, tid)
        return Decision(task=tid, decision="rejected")

    return r


def _last_line(text: str) -> str | None:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else None


def _summary(result: Any) -> str | None:
    if isinstance(result, dict) and isinstance(result.get("summary"), str):
        return str(result["summary"])[:300]
    if isinstance(result, str):
        return result[:300]
    return None
