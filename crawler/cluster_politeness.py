"""Cluster-wide politeness: per-host concurrency (CONCURRENT_REQUESTS_PER_DOMAIN) and delay (DOWNLOAD_DELAY)
held as slots in Redis, so N workers never put more on one government host than one crawler would."""
from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

from crawler.cluster import worker_for
from crawler.cluster_worker import GIVE_UP_META, REDIS_ERRORS, ClusterWorker, LeaseAttemptsExhausted


class HostSlotMiddleware:
    """Per-host concurrency (CONCURRENT_REQUESTS_PER_DOMAIN) and delay (DOWNLOAD_DELAY) for the whole cluster."""

    def __init__(self, worker: ClusterWorker, limit: int, delay: float, stats):
        self.worker, self.limit, self.delay, self.stats = worker, limit, delay, stats

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(worker_for(crawler), s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), s.getfloat("DOWNLOAD_DELAY"),
                   crawler.stats)

    async def process_request(self, request):
        if attempts := request.meta.get(GIVE_UP_META):   # RedisScheduler.give_up: fail it, never download it
            raise LeaseAttemptsExhausted(f"leased {attempts} times without finishing")
        host = (urlsplit(request.url).hostname or "").lower()
        token = uuid.uuid4().hex
        waited = 0.0
        while True:
            try:
                wait_ms = self.worker.frontier.acquire_host(host, self.limit, self.delay,
                                                            self.worker.config.lease_seconds, token)
            except REDIS_ERRORS as error:
                self.worker.outbox.went_down(error)
                wait_ms = 1000
            if wait_ms == 0:
                break
            waited += wait_ms / 1000
            await asyncio.sleep(min(wait_ms, 1000) / 1000)
        if waited:
            self.stats.inc_value("nianbao/cluster/host_wait_ms", int(waited * 1000))
        self.worker.host_tokens[token] = host
        request.meta["cluster_host_slot"] = token
        return None

    def process_response(self, request, response):
        self.release(request)
        return response

    def process_exception(self, request, exception):
        self.release(request)

    def release(self, request) -> None:
        token = request.meta.pop("cluster_host_slot", "")
        host = self.worker.host_tokens.pop(token, None)
        if host is not None:
            try:
                self.worker.frontier.release_host(host, token)
            except REDIS_ERRORS as error:   # the slot expires by itself after the lease time
                self.worker.outbox.went_down(error)
