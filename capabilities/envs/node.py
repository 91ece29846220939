"""Node dependencies: ``npm ci`` (or ``npm install``) once per lockfile, cached on the host and
linked into each working copy."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from .._lock import file_lock
from ..errors import TaskFailed
from ..tools import run_tool

log = logging.getLogger(__name__)

NPM_TIMEOUT_S = 900.0
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")


@dataclass(frozen=True, slots=True)
class NodeEnv:
    key: str
    modules: Path | None
    """The cached node_modules folder; None when the package declares no dependencies."""


def _needs_install(package: dict[str, object]) -> bool:
    return bool(package.get("dependencies") or package.get("devDependencies"))


def node_key(service_dir: Path) -> str:
    parts = []
    for name in ("package.json", *LOCKFILES):
        f = service_dir / name
        if f.is_file():
            parts.append(f.read_bytes())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:24]


async def node_env(service_dir: Path, cache_dir: Path, *, timeout_s: float = NPM_TIMEOUT_S) -> NodeEnv:
    """Install the package's dependencies into the cache (once) and link ``node_modules``."""
    manifest = service_dir / "package.json"
    if not manifest.is_file():
        raise TaskFailed(f"{service_dir.name} has no package.json")
    package = json.loads(manifest.read_text())
    key = node_key(service_dir)
    if not _needs_install(package):
        return NodeEnv(key, None)
    root = cache_dir / "envs" / "node" / key
    ready = root / ".ready"
    if not ready.exists():
        async with file_lock(root.with_suffix(".lock")):
            if not ready.exists():
                root.mkdir(parents=True, exist_ok=True)
                for name in ("package.json", *LOCKFILES):
                    if (service_dir / name).is_file():
                        shutil.copy2(service_dir / name, root / name)
                lock = any((root / n).is_file() for n in LOCKFILES)
                cmd = ["npm", "ci"] if lock else ["npm", "install"]
                log.info("installing Node dependencies for %s (%s)", service_dir.name, " ".join(cmd))
                result = await run_tool(
                    [*cmd, "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, timeout_s=timeout_s
                )
                if not result.ok:
                    raise TaskFailed(f"{' '.join(cmd)} failed for {service_dir.name}:\n{result.tail(30)}")
                ready.write_text(key)
    link = service_dir / "node_modules"
    if not link.exists():
        link.symlink_to(root / "node_modules", target_is_directory=True)
    return NodeEnv(key, root / "node_modules")
