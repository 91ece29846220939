"""Who may run which command: ``chatops.allow`` of the bot's config.

    chatops:
      allow:
        deploy: [U0123ABCD, "@release-managers"]   # user ids, user-group handles (or S... ids)
        rollback: ["@sre"]
        "*": ["@engineering"]                       # commands without a list of their own

A command with no list (and no ``*``) is open to everyone. Membership of user groups is asked
from Slack (``usergroups.list``, ``usergroups.users.list``) and cached for a minute, so the
check fits in the 3 s a slash command gets; when Slack cannot say, the answer is no.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence

import anyio
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

ANY_COMMAND = "*"
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CACHE_S = 60.0
LOOKUP_TIMEOUT_S = 1.2


class Authorizer:
    """``allowed(user, command)`` against allow lists read from the current config."""

    def __init__(
        self,
        client: AsyncWebClient,
        allow: Callable[[], Mapping[str, Sequence[str]]],
        *,
        cache_s: float = CACHE_S,
    ) -> None:
        self._client = client
        self._allow = allow
        self._cache_s = cache_s
        self._handles: tuple[float, dict[str, str]] = (0.0, {})
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    def restricted(self, command: str) -> bool:
        allow = self._allow()
        return command in allow or ANY_COMMAND in allow

    async def allowed(self, user: str, command: str) -> bool:
        allow = self._allow()
        entries = allow.get(command, allow.get(ANY_COMMAND))
        if entries is None:
            return True
        groups: list[str] = []
        for entry in entries:
            entry = entry.strip()
            if _USER.match(entry):
                if entry == user:
                    return True
            elif entry:
                groups.append(entry)
        try:
            with anyio.fail_after(LOOKUP_TIMEOUT_S):  # the whole check fits in the ack's 3 s
                for group in groups:
                    if user in await self._members_of(group):
                        return True
        except TimeoutError:
            log.warning(
                "Slack did not list the user groups in %.1fs: refusing %s to %s",
                LOOKUP_TIMEOUT_S,
                command,
                user,
            )
        return False

    async def _members_of(self, group: str) -> frozenset[str]:
        try:
            group_id = group if _GROUP_ID.match(group) else await self._group_id(group.lstrip("@"))
            if group_id is None:
                log.warning("chatops.allow names %r, which is no user id or user group handle", group)
                return frozenset()
            return await self._users(group_id)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("could not read the members of user group %s (refusing): %s", group, exc)
            return frozenset()

    async def _group_id(self, handle: str) -> str | None:
        fetched, handles = self._handles
        if time.monotonic() - fetched > self._cache_s or handle not in handles:
            reply = await self._client.usergroups_list(include_disabled=False)
            handles = {
                str(g.get("handle", "")): str(g.get("id", ""))
                for g in reply.get("usergroups") or []
                if g.get("id")
            }
            self._handles = (time.monotonic(), handles)
        return handles.get(handle)

    async def _users(self, group_id: str) -> frozenset[str]:
        cached = self._members.get(group_id)
        if cached is not None and time.monotonic() - cached[0] <= self._cache_s:
            return cached[1]
        reply = await self._client.usergroups_users_list(usergroup=group_id)
        users = frozenset(str(u) for u in reply.get("users") or [])
        self._members[group_id] = (time.monotonic(), users)
        return users
