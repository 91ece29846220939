"""Snapshot a local directory (a git work tree or not) as a commit in a private bare repository.

`orchestra run PATH` runs what is on disk, uncommitted changes included, `.gitignore` honoured.
The snapshot is an ordinary git commit, so peers fetch it by sha exactly as they fetch a
pushed commit: one way to get source, whoever started the run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .._lock import file_lock
from ._git import GitError, git

ALWAYS_EXCLUDED = (".orchestra/", ".git/", ".venv/", "node_modules/", "__pycache__/")


@dataclass(frozen=True, slots=True)
class Snapshot:
    repo: str
    """``file://`` URL of the bare repository holding the snapshot."""
    commit: str
    branch: str
    """The directory's git branch, or ``local`` when it is not a git work tree."""
    files: int


async def snapshot(path: Path, cache_dir: Path) -> Snapshot:
    path = path.resolve()
    if not path.is_dir():
        raise GitError(f"{path} is not a directory")
    store = cache_dir / "snapshots" / f"{hashlib.sha256(str(path).encode()).hexdigest()[:16]}.git"
    async with file_lock(store.with_suffix(".lock")):
        if not (store / "HEAD").exists():
            store.mkdir(parents=True, exist_ok=True)
            await git("init", "--bare", "--quiet", str(store))
            (store / "info").mkdir(exist_ok=True)
            (store / "info" / "exclude").write_text("\n".join(ALWAYS_EXCLUDED) + "\n")
        env = {
            "GIT_DIR": str(store),
            "GIT_WORK_TREE": str(path),
            "GIT_INDEX_FILE": str(store / "snapshot-index"),
        }
        # the directory's own .gitignore files apply (they live in the work tree); nested repos
        # are taken as plain files, not submodules
        await git("add", "--all", "--", ".", env=env)
        tree = await git("write-tree", env=env)
        parent = await _head(env)
        if parent and await git("rev-parse", f"{parent}^{{tree}}", env=env) == tree:
            commit = parent  # nothing changed since the last snapshot
        else:
            args = ["commit-tree", tree, "-m", f"snapshot of {path}"]
            if parent:
                args += ["-p", parent]
            commit = await git(*args, env=env)
            await git("update-ref", "refs/heads/snapshot", commit, env=env)
        files = len((await git("ls-tree", "-r", "--name-only", commit, env=env)).splitlines())
    return Snapshot(repo=store.as_uri(), commit=commit, branch=await _branch(path), files=files)


async def _head(env: dict[str, str]) -> str | None:
    try:
        return await git("rev-parse", "--verify", "--quiet", "refs/heads/snapshot", env=env)
    except GitError:
        return None


async def _branch(path: Path) -> str:
    try:
        name = await git("-C", str(path), "rev-parse", "--abbrev-ref", "HEAD")
    except GitError:
        return "local"
    return "local" if name in ("", "HEAD") else name
