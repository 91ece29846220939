"""The peer registry: descriptors in one hash, liveness as keys that expire."""

from __future__ import annotations

from collections.abc import Iterable

from redis.exceptions import ResponseError

from ._core import Core
from .keys import GROUP
from .models import Heartbeat, PeerInfo, PeerStatus


class PeerRegistry:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def beat(self, info: PeerInfo, heartbeat: Heartbeat) -> None:
        """Register (or refresh) a peer; it counts as alive for ``peer_ttl_ms``."""
        c = self._c
        pipe = c.redis.pipeline(transaction=False)
        pipe.hset(c.keys.peers, info.id, info.model_dump_json())
        pipe.set(c.keys.peer(info.id), heartbeat.model_dump_json(), px=c.settings.peer_ttl_ms)
        await pipe.execute()

    async def deregister(self, peer_id: str) -> None:
        c = self._c
        pipe = c.redis.pipeline(transaction=False)
        pipe.delete(c.keys.peer(peer_id))
        pipe.hdel(c.keys.peers, peer_id)
        await pipe.execute()

    async def heartbeat(self, peer_id: str) -> Heartbeat | None:
        raw = await self._c.redis.get(self._c.keys.peer(peer_id))
        return Heartbeat.model_validate_json(raw) if raw else None

    async def all(self) -> list[PeerStatus]:
        """Every registered peer with its heartbeat (None once it stopped beating)."""
        c = self._c
        descriptors = await c.redis.hgetall(c.keys.peers)
        ids = sorted(descriptors)
        beats = await c.redis.mget([c.keys.peer(i) for i in ids]) if ids else []
        return [
            PeerStatus(
                info=PeerInfo.model_validate_json(descriptors[i]),
                heartbeat=Heartbeat.model_validate_json(b) if b else None,
            )
            for i, b in zip(ids, beats, strict=True)
        ]

    async def live_capabilities(self) -> set[str]:
        """What the live peers advertise, together."""
        return {cap for p in await self.all() if p.alive for cap in p.info.capabilities}

    async def prune(self, capabilities: Iterable[str]) -> list[str]:
        """Forget peers that stopped beating and hold no task on these streams."""
        c = self._c
        gone = [p.info.id for p in await self.all() if not p.alive]
        if not gone:
            return []
        streams = [part.stream(cap) for part in c.keys.all_partitions() for cap in capabilities]
        busy: set[str] = set()
        for stream in streams:
            try:
                for consumer in await c.redis.xinfo_consumers(stream, GROUP):
                    name = consumer["name"]
                    if name in gone and int(consumer["pending"]) > 0:
                        busy.add(name)
            except ResponseError:
                continue  # no stream or group yet
        removed = [p for p in gone if p not in busy]
        for peer_id in removed:
            for stream in streams:
                try:
                    await c.redis.xgroup_delconsumer(stream, GROUP, peer_id)
                except ResponseError:
                    continue
            await c.redis.hdel(c.keys.peers, peer_id)
        return removed
