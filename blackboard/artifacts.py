"""Artifacts of a run: generated files, reports, image refs, deploy records (size-capped)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from ._core import Core
from .errors import ArtifactTooLarge, BoardError, NotFound
from .models import Artifact, Claim

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,199}$")


class Artifacts:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def put(
        self,
        run_id: str,
        name: str,
        data: bytes | str,
        *,
        content_type: str = "application/octet-stream",
        meta: dict[str, Any] | None = None,
        claim: Claim | None = None,
    ) -> Artifact:
        """Store (or replace) an artifact. From inside a task pass its ``claim``: a peer that
        lost the task's lease cannot overwrite what the new owner wrote."""
        if not _NAME.match(name) or ".." in name:
            raise BoardError(f"artifact name {name!r} must be 1-200 of [A-Za-z0-9._/-], no '..'")
        body = data.encode() if isinstance(data, str) else data
        c = self._c
        if len(body) > c.settings.artifact_max_bytes:
            raise ArtifactTooLarge(
                f"artifact {name!r} is {len(body)} bytes; the board keeps at most "
                f"{c.settings.artifact_max_bytes} (ORCHESTRA_ARTIFACT_MAX_BYTES)"
            )
        part = c.keys.for_run(run_id)
        art = Artifact(
            run=run_id,
            name=name,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            content_type=content_type,
            task=claim.task_id if claim else "",
            created_ms=time.time_ns() // 1_000_000,
            meta=meta or {},
        )
        summary = {"name": name, "size": art.size, "sha256": art.sha256}
        await c.scripts.call(
            "put_artifact",
            [part.artifacts(run_id), part.blob(run_id, name)],
            [
                *c.args(part),
                run_id,
                name,
                art.model_dump_json(),
                body,
                claim.task_id if claim else "",
                claim.token if claim else 0,
                json.dumps(summary),
            ],
        )
        return art

    async def get(self, run_id: str, name: str) -> bytes:
        body: bytes | None = await self._c.raw.get(self._c.keys.for_run(run_id).blob(run_id, name))
        if body is None:
            raise NotFound(f"no artifact {name!r} in run {run_id}")
        return body

    async def info(self, run_id: str, name: str) -> Artifact:
        raw = await self._c.redis.hget(self._c.keys.for_run(run_id).artifacts(run_id), name)
        if raw is None:
            raise NotFound(f"no artifact {name!r} in run {run_id}")
        return Artifact.model_validate_json(raw)

    async def all(self, run_id: str) -> list[Artifact]:
        entries = await self._c.redis.hgetall(self._c.keys.for_run(run_id).artifacts(run_id))
        return sorted((Artifact.model_validate_json(v) for v in entries.values()), key=lambda a: a.name)
