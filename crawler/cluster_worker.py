"""One crawl worker's link to the Redis cluster: its settings, leases held, and an outbox that survives outages.

Every write to Redis (queue a request, push an item, ack a lease) goes through the outbox in order, so an
ack never overtakes the items and requests of its lease; while Redis is unreachable the outbox keeps them
and work pauses (no new leases), with one WARNING when it starts and one INFO when Redis is back.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import redis

from crawler.redis_frontier import Frontier, Keys

logger = logging.getLogger(__name__)

# Lease meta key: deliberately not nianbao_*, so the spider never copies it onto the requests it derives.
LEASE_META = "cluster_lease"
# On a request leased more than NIANBAO_REDIS_MAX_ATTEMPTS times: HostSlotMiddleware fails it, the errback records it.
GIVE_UP_META = "cluster_give_up"
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, redis.ReadOnlyError)
# The renewal thread keeps leases while the reactor is busy (a processing stage parsing a 300-page PDF blocks it
# for seconds), but not for a reactor silent this long: a hung worker's requests go to the others.
HUNG_REACTOR_SECONDS = 120.0


class LeaseAttemptsExhausted(Exception):
    """Leased NIANBAO_REDIS_MAX_ATTEMPTS times without finishing; the errback names it lease_attempts_exhausted."""


@dataclass(frozen=True)
class ClusterConfig:
    """Our NIANBAO_REDIS_* settings, parsed once."""

    url: str
    idle_seconds: float = 300.0
    lease_seconds: float = 30.0
    max_attempts: int = 3
    prefetch: int = 16
    worker_id: str = ""

    @classmethod
    def from_settings(cls, settings) -> "ClusterConfig":
        config = cls(url=settings.get("NIANBAO_REDIS_URL") or "",
                     idle_seconds=settings.getfloat("NIANBAO_REDIS_IDLE_SECONDS", 300.0),
                     lease_seconds=settings.getfloat("NIANBAO_REDIS_LEASE_SECONDS", 30.0),
                     max_attempts=settings.getint("NIANBAO_REDIS_MAX_ATTEMPTS", 3),
                     prefetch=settings.getint("NIANBAO_REDIS_PREFETCH", 16),
                     worker_id=settings.get("NIANBAO_REDIS_WORKER_ID") or default_worker_id())
        if config.lease_seconds <= 0 or config.max_attempts < 1 or config.prefetch < 1:
            raise ValueError("NIANBAO_REDIS_LEASE_SECONDS, _MAX_ATTEMPTS and _PREFETCH must be positive")
        return config


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def connect(url: str) -> redis.Redis:
    """A client that fails fast (5 s) instead of hanging, so an outage becomes a logged pause."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=10)


def redacted(url: str) -> str:
    """The Redis URL without its password, for log lines."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if "@" in rest else url


class Outbox:
    """Ordered Redis writes; `flush` runs what it can and keeps the rest when Redis is unreachable."""

    def __init__(self, url: str):
        self.url = url
        self.ops: deque[tuple[str, Callable[[], object]]] = deque()
        self.down_since: float | None = None

    def add(self, what: str, op: Callable[[], object]) -> None:
        self.ops.append((what, op))
        self.flush()

    def flush(self) -> bool:
        """True when everything is written."""
        while self.ops:
            what, op = self.ops[0]
            try:
                op()
            except REDIS_ERRORS as error:
                self.went_down(error)
                return False
            self.ops.popleft()
        self.came_back()
        return True

    def went_down(self, error: Exception) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning("Redis at %s unreachable (%s): pausing, %d writes kept until it is back",
                           redacted(self.url), error, len(self.ops))

    def came_back(self) -> None:
        if self.down_since is not None:
            logger.info("Redis at %s is back after %.0f s: resuming", redacted(self.url),
                        time.monotonic() - self.down_since)
            self.down_since = None


class LeaseTracker:
    """When a lease's callback has finished yielding and each of its items has left the pipelines, ack it.

    Items are counted per lease, found from the response they came from, never by object identity: a
    pipeline may return another object than it got (pipelines/offload.py sends pages to other processes).
    """

    def __init__(self, ack: Callable[[str], None]):
        self.ack = ack
        self.pending: dict[str, int] = {}
        self.yielding: set[str] = set()

    def started(self, lease: str) -> None:
        self.yielding.add(lease)
        self.pending.setdefault(lease, 0)

    def yielded_item(self, lease: str) -> None:
        self.pending[lease] = self.pending.get(lease, 0) + 1

    def finished(self, lease: str) -> None:
        self.yielding.discard(lease)
        self._maybe_ack(lease)

    def item_done(self, lease: str) -> None:
        """An item of `lease` was pushed or dropped; errback items (their lease never tracked) ack it directly."""
        if not lease:
            return
        if lease in self.pending:
            self.pending[lease] -= 1
            self._maybe_ack(lease)
        else:
            self.ack(lease)

    def _maybe_ack(self, lease: str) -> None:
        if lease not in self.yielding and self.pending.get(lease, 0) <= 0:
            self.pending.pop(lease, None)
            self.ack(lease)


class ClusterWorker:
    """Shared by the scheduler, middlewares, pipeline and extension of one crawler (see `worker_for`)."""

    def __init__(self, config: ClusterConfig, spider_name: str = "reports", server=None):
        self.config = config
        self.server = server or connect(config.url)
        self.frontier = Frontier(self.server, Keys.for_spider(spider_name))
        self.outbox = Outbox(config.url)
        self.held: set[str] = set()                  # leases this worker has taken and not acked
        self.host_tokens: dict[str, str] = {}        # per-host slot token → host, renewed with the leases
        self.tracker = LeaseTracker(self.ack)
        self.given_up = 0
        self.reactor_seen = time.monotonic()
        self.renewing: threading.Event | None = None

    def ack(self, lease: str) -> None:
        if lease in self.held:
            self.outbox.add(f"ack {lease}", lambda: (self.frontier.ack(lease), self.held.discard(lease)))

    def push(self, payload: str) -> None:
        self.outbox.add("item", lambda: self.server.rpush(self.frontier.keys.items, payload))

    def heartbeat(self, pages: int) -> None:
        """Renew held leases and host slots, say we are alive; keeps quiet (outbox logs) when Redis is down."""
        self.reactor_seen = time.monotonic()
        try:
            self.renew()
            self.server.hset(self.frontier.keys.workers, self.config.worker_id,
                             f'{{"seen": {time.time():.0f}, "held": {len(self.held)}, "pages": {pages}}}')
        except REDIS_ERRORS as error:
            self.outbox.went_down(error)
            return
        self.outbox.flush()

    def renew(self) -> None:
        self.frontier.renew(self.config.lease_seconds, sorted(self.held))
        for token, host in list(self.host_tokens.items()):
            self.frontier.renew_host(host, self.config.lease_seconds, token)

    def start_renewing(self) -> None:
        """Renew leases from a thread too: a reactor blocked by a slow stage must not let them expire (the
        request would be done again elsewhere, and given up after NIANBAO_REDIS_MAX_ATTEMPTS such stalls)."""
        self.reactor_seen = time.monotonic()
        self.renewing = threading.Event()
        thread = threading.Thread(target=self._renew_while_alive, name="nianbao-lease-renewal", daemon=True)
        thread.start()

    def stop_renewing(self) -> None:
        if self.renewing is not None:
            self.renewing.set()

    def _renew_while_alive(self) -> None:
        interval = min(1.0, self.config.lease_seconds / 3)
        while not self.renewing.wait(interval):
            if time.monotonic() - self.reactor_seen > max(HUNG_REACTOR_SECONDS, 10 * self.config.lease_seconds):
                continue   # the reactor looks hung: let the leases expire
            try:
                self.renew()
            except REDIS_ERRORS:
                continue   # the reactor's heartbeat logs the outage


class SharedContentSeen:
    """`spider.seen_content` across the cluster: setdefault(digest, url) → the URL that captured it first."""

    def __init__(self, worker: ClusterWorker):
        self.worker = worker

    def setdefault(self, digest, url: str) -> str:
        key = "|".join(digest) if isinstance(digest, tuple) else str(digest)
        while True:
            try:
                return self.worker.frontier.claim_content(key, url)
            except REDIS_ERRORS as error:     # rare: Redis dropped between lease and parse; wait for it
                self.worker.outbox.went_down(error)
                time.sleep(1)
