"""The repository the bot deploys from: refs resolved to commits, and the bot's own config.

``/orchestra deploy backend hotfix-v2`` names a branch, a tag or a full commit sha; the bot asks
the repository (``git ls-remote``), fetches the commit into the shared mirror (so a bad ref fails
in chat, not on a peer) and starts the run on that sha.

The bot's config (who may run what, where threads go) is trusted input, so it never comes from
the ref a user asks to deploy: it is a file given to the bot, or the repository's default branch.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import anyio

from capabilities.config import ConfigError, OrchestraConfig, load_config, resolve_config
from capabilities.host import default_cache_dir
from capabilities.llm.schemas.chat import valid_ref
from capabilities.plan.trigger import repo_name
from capabilities.source import GitError, Workspaces, git
from capabilities.source._git import redact_url

from .errors import ChatOpsError, RefNotFound
from .settings import ChatOpsSettings

log = logging.getLogger(__name__)

CLONE_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


@dataclass(frozen=True, slots=True)
class Resolved:
    ref: str
    """As asked (``main``, ``v1.2``, a sha)."""
    name: str
    """The full ref it matched (``refs/heads/main``), or the sha itself."""
    sha: str

    @property
    def branch(self) -> str:
        """What a run's trigger records as its branch: the branch or tag name, or the sha."""
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.name.startswith(prefix):
                return self.name.removeprefix(prefix)
        return self.ref


def check_repo(repo: str) -> str:
    if not (repo.startswith(CLONE_SCHEMES) or repo.startswith("/")) or any(c.isspace() for c in repo):
        raise ChatOpsError(
            f"{redact_url(repo)} is not a clone URL (https, ssh, git, file) or an absolute path"
        )
    return repo


async def resolve_ref(workspaces: Workspaces, repo: str, ref: str) -> Resolved:
    """The commit ``ref`` names in ``repo``, fetched into the mirror."""
    check_repo(repo)
    if not valid_ref(ref):
        raise RefNotFound(f"{ref[:80]!r} is not a branch, tag or commit name")
    if _SHA.match(ref):
        resolved = Resolved(ref, ref, ref)
    else:
        try:
            listing = await git("ls-remote", repo, ref, timeout_s=60)
        except GitError as exc:
            raise ChatOpsError(f"cannot list the refs of {redact_url(repo)}: {exc}") from None
        found: dict[str, str] = {}
        for line in listing.splitlines():
            sha, _, name = line.partition("\t")
            if name:
                found[name] = sha
        for name in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}"):
            if name in found and (name.startswith("refs/") or name == "HEAD"):
                resolved = Resolved(ref, name.removesuffix("^{}"), found[name])
                break
        else:
            raise RefNotFound(f"{redact_url(repo)} has no branch or tag {ref!r}")
    try:
        mirror = await workspaces.fetch(repo, resolved.sha)
        # an annotated tag names a tag object: the run is of the commit it points at
        commit = await git("--git-dir", str(mirror), "rev-parse", "--verify", f"{resolved.sha}^{{commit}}")
    except GitError as exc:
        raise RefNotFound(f"cannot fetch {ref!r} from {redact_url(repo)}: {exc}") from None
    return Resolved(resolved.ref, resolved.name, commit)


class BotConfig:
    """The config the bot acts on (allow lists, channel, notify_on, services), read again now and then."""

    def __init__(self, settings: ChatOpsSettings, workspaces: Workspaces) -> None:
        self._settings = settings
        self._workspaces = workspaces
        self.current = OrchestraConfig()
        self.source = "defaults"

    @property
    def repo(self) -> str | None:
        return self._settings.repo or self.current.project.repo

    @property
    def channel(self) -> str | None:
        return self._settings.channel or self.current.chatops.channel

    @property
    def notify_on(self) -> frozenset[str]:
        return frozenset(self._settings.notify_on or self.current.chatops.notify_on)

    async def load(self) -> OrchestraConfig:
        """Read the config file, or the repository's default branch; raises ChatOpsError."""
        path = self._settings.config_path
        try:
            if path is not None:
                config = await anyio.to_thread.run_sync(load_config, path)
                source = str(path)
            elif self._settings.repo:
                config, source = await self._from_repo(self._settings.repo)
            else:
                config, source = OrchestraConfig(), "defaults"
        except ConfigError as exc:
            raise ChatOpsError(f"the bot's devops_orchestra.yaml is not valid:\n{exc}") from None
        if config.chatops.platform == "none" and source != "defaults":
            log.info("chatops.platform is 'none' in %s; the bot serves Slack anyway", source)
        self.current, self.source = config, source
        return config

    async def refresh(self) -> None:
        try:
            await self.load()
        except (ChatOpsError, GitError, OSError) as exc:
            log.warning("could not read the config again (keeping the one from %s): %s", self.source, exc)

    async def _from_repo(self, repo: str) -> tuple[OrchestraConfig, str]:
        head = await resolve_ref(self._workspaces, repo, "HEAD")
        home = self._workspaces.work / f"chatops-config-{secrets.token_hex(6)}"
        try:
            root = await self._workspaces.checkout(repo, head.sha, home / repo_name(repo))
            config, _, _ = await anyio.to_thread.run_sync(resolve_config, root)
        finally:
            await self._workspaces.remove(home)
        return config, f"{redact_url(repo)}@{head.sha[:12]}"


def cache_root(settings: ChatOpsSettings) -> Path:
    """Where the repository's mirror lives: shared with the peers of this host by default."""
    return settings.cache_dir or default_cache_dir()
