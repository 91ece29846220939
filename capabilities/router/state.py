"""What one router process holds: the route table, its selector, the statistics, the upstream
connections; and the state file that lets a later process find it and a restart restore it."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from ._pool import Pool
from .stats import Stats
from .table import RouteTable, Selector

log = logging.getLogger(__name__)


class RouterState:
    def __init__(self, name: str = "", state_file: Path | None = None) -> None:
        self.name = name
        self.state_file = state_file
        self.table = RouteTable()
        self.selector = Selector(self.table)
        self.upstreams: set[str] = set()
        self.stats = Stats()
        self.pool = Pool()
        self.listen = ""
        self.admin = ""
        self.started = time.time()

    def restore(self) -> None:
        """Take the table the previous process of this router last applied, if any."""
        if self.state_file is None or not self.state_file.is_file():
            return
        try:
            saved = json.loads(self.state_file.read_text())
            table = RouteTable.model_validate(saved.get("table") or {})
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable router state %s: %s", self.state_file, exc)
            return
        self._install(table)
        log.info("restored route table generation %d", table.generation)

    async def apply(self, table: RouteTable) -> RouteTable:
        """Replace the table atomically (one assignment); returns it with its generation."""
        applied = table.model_copy(update={"generation": self.table.generation + 1})
        self._install(applied)
        await self.pool.purge(self.upstreams)
        self.save()
        log.info("route table %d: %s", applied.generation, applied.percent())
        return applied

    def _install(self, table: RouteTable) -> None:
        self.table = table
        self.selector = Selector(table)
        self.upstreams = table.upstreams()

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pid": os.getpid(),
            "listen": self.listen,
            "admin": self.admin,
            "started": self.started,
            "table": self.table.model_dump(mode="json"),
        }

    def save(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_name(f".{self.state_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.describe(), indent=1))
        os.replace(tmp, self.state_file)
