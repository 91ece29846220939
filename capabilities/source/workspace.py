"""The workspace cache: a bare mirror per repository, fetched by sha, and private working copies.

A peer checks out a run's commit for each task that needs the source: the mirror is fetched
once per commit (``file://`` and ``https://`` remotes alike), then the tree is written into a
fresh folder the task may change freely; the folder goes when the task ends.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import anyio

from .._lock import file_lock
from ._git import GitError, git, redact_url

log = logging.getLogger(__name__)


class Workspaces:
    def __init__(self, cache_dir: Path) -> None:
        self.root = cache_dir
        self.mirrors = cache_dir / "mirrors"
        self.work = cache_dir / "work"

    def _mirror(self, repo: str) -> Path:
        return self.mirrors / f"{hashlib.sha256(repo.encode()).hexdigest()[:20]}.git"

    async def fetch(self, repo: str, commit: str) -> Path:
        """Make sure the mirror of ``repo`` has ``commit``; returns the mirror's path."""
        mirror = self._mirror(repo)
        async with file_lock(mirror.with_suffix(".lock")):
            if not (mirror / "HEAD").exists():
                mirror.mkdir(parents=True, exist_ok=True)
                await git("init", "--bare", "--quiet", str(mirror))
            if not await _has(mirror, commit):
                log.info("fetching %s from %s", commit[:12], redact_url(repo))
                await git("--git-dir", str(mirror), "fetch", "--quiet", "--no-tags", repo, commit)
                await git("--git-dir", str(mirror), "update-ref", f"refs/orchestra/{commit}", commit)
                if not await _has(mirror, commit):
                    raise GitError(f"{redact_url(repo)} has no commit {commit}")
        return mirror

    async def checkout(self, repo: str, commit: str, dest: Path) -> Path:
        """Write the tree of ``commit`` into ``dest`` (emptied first)."""
        mirror = await self.fetch(repo, commit)
        if dest.exists():
            await anyio.to_thread.run_sync(shutil.rmtree, dest)
        dest.mkdir(parents=True)
        index = dest.parent / f".{dest.name}.index"
        env = {"GIT_INDEX_FILE": str(index)}
        try:
            await git("--git-dir", str(mirror), "--work-tree", str(dest), "read-tree", commit, env=env)
            await git(
                "--git-dir",
                str(mirror),
                "--work-tree",
                str(dest),
                "checkout-index",
                "--all",
                "--force",
                env=env,
            )
        finally:
            index.unlink(missing_ok=True)
        return dest

    async def remove(self, dest: Path) -> None:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(dest, ignore_errors=True))


async def _has(mirror: Path, commit: str) -> bool:
    try:
        await git("--git-dir", str(mirror), "cat-file", "-e", f"{commit}^{{commit}}")
    except GitError:
        return False
    return True
