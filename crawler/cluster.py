"""Scale out on Redis: with NIANBAO_REDIS_URL set, `scrapy crawl reports` becomes one worker of a cluster.

The add-on (ADDONS in settings.py) does nothing without NIANBAO_REDIS_URL. With it, it swaps in: a
scheduler whose frontier is Redis (JSON requests, leases, shared seen-set), a per-host slot limiter shared by
all workers, a pipeline that sends finished items to Redis instead of SQLite (`nianbao writer` stores them),
and an extension that renews leases and closes the worker after NIANBAO_REDIS_IDLE_SECONDS of empty frontier.
"""
from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.request import request_from_dict
from twisted.internet import task

from crawler import cluster_codec as codec
from crawler.cluster_worker import (
    GIVE_UP_META, LEASE_META, REDIS_ERRORS, ClusterConfig, ClusterWorker, SharedContentSeen, redacted,
)
from crawler.items import CrawlFailure
from crawler.warc_middleware import warc_dir_for
from crawler.items import utc_now

logger = logging.getLogger(__name__)

CLUSTER_COMPONENTS = {   # where each cluster component goes in the Scrapy settings, and at what order
    "SPIDER_MIDDLEWARES": ("crawler.cluster.LeaseSpiderMiddleware", 10),
    "DOWNLOADER_MIDDLEWARES": ("crawler.cluster_politeness.HostSlotMiddleware", 950),
    "EXTENSIONS": ("crawler.cluster.ClusterExtension", 500),
}


class ClusterAddon:
    """Switch the crawl to Redis when NIANBAO_REDIS_URL is set; otherwise leave every setting alone."""

    def update_settings(self, settings) -> None:
        if not settings.get("NIANBAO_REDIS_URL"):
            return
        config = ClusterConfig.from_settings(settings)          # bad values fail at startup
        # Each worker writes its own WARC files (several workers may share a disk); the writer indexes them.
        settings.set("NIANBAO_REDIS_WORKER_ID", config.worker_id, priority="addon")
        settings.set("NIANBAO_WARC_DIR", str(warc_dir_for(settings) / config.worker_id),
                     priority=max(settings.getpriority("NIANBAO_WARC_DIR") or 0, 15))
        settings.set("SCHEDULER", "crawler.cluster.RedisScheduler", priority="addon")
        for name, (path, order) in CLUSTER_COMPONENTS.items():
            settings[name] = {**settings.getdict(name), path: order}
        pipelines = settings.getdict("ITEM_PIPELINES")
        order = pipelines.pop("pipelines.storage.ArchivePipeline", 900)
        settings["ITEM_PIPELINES"] = {**pipelines, "crawler.cluster_pipeline.RedisItemPipeline": order}


def worker_for(crawler) -> ClusterWorker:
    """The crawler's one ClusterWorker, created by whichever component asks first."""
    worker = getattr(crawler, "_nianbao_cluster", None)
    if worker is None:
        if not crawler.settings.get("NIANBAO_REDIS_URL"):
            raise NotConfigured("NIANBAO_REDIS_URL is not set")
        worker = ClusterWorker(ClusterConfig.from_settings(crawler.settings), crawler.spidercls.name)
        crawler._nianbao_cluster = worker
    return worker


class RedisScheduler:
    """Scrapy's scheduler interface over the Redis frontier (scrapy-redis's shape, with leases and JSON)."""

    def __init__(self, crawler, worker: ClusterWorker):
        self.crawler, self.worker, self.stats = crawler, worker, crawler.stats
        self.spider = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, worker_for(crawler))

    def open(self, spider) -> None:
        self.spider = spider
        logger.info("Worker %s on the Redis frontier at %s", self.worker.config.worker_id,
                    redacted(self.worker.config.url))

    def close(self, reason: str) -> None:
        self.worker.outbox.flush()

    def __len__(self) -> int:
        try:
            return sum(self.worker.frontier.frontier_sizes())
        except REDIS_ERRORS:
            return 1

    def has_pending_requests(self) -> bool:
        """Work may still come while requests are queued or leased anywhere in the cluster."""
        if self.worker.outbox.ops:
            return True
        try:
            return sum(self.worker.frontier.frontier_sizes()) > 0
        except REDIS_ERRORS as error:
            self.worker.outbox.went_down(error)
            return True

    def enqueue_request(self, request) -> bool:
        parent = request.meta.pop(LEASE_META, "")
        payload = codec.request_payload(request.to_dict(spider=self.spider))
        fingerprint = self.crawler.request_fingerprinter.fingerprint(request).hex()
        if parent and parent not in self.worker.held:
            parent = ""
        self.worker.held.discard(parent)
        self.worker.outbox.add("request", lambda: self.worker.frontier.enqueue(
            fingerprint, payload, request.priority, request.dont_filter, parent))
        self.stats.inc_value("nianbao/cluster/enqueued")
        return True

    def next_request(self):
        if len(self.worker.held) >= self.worker.config.prefetch or not self.worker.outbox.flush():
            return None
        try:
            lease = self.worker.frontier.lease(self.worker.config.lease_seconds, self.worker.config.max_attempts)
        except REDIS_ERRORS as error:
            self.worker.outbox.went_down(error)
            return None
        if lease is None or not lease.id:
            return None
        if lease.requeued:
            logger.warning("Put %d expired leases back on the frontier (a worker died or stalled)", lease.requeued)
            self.stats.inc_value("nianbao/cluster/lease_expired", lease.requeued)
        return self.request_of(lease)

    def request_of(self, lease):
        try:
            request = request_from_dict(codec.request_dict(lease.payload), spider=self.spider)
        except (codec.CodecError, ValueError, AttributeError) as error:
            logger.error("Dropped an unreadable request from the frontier (lease %s): %s", lease.id, error)
            self.stats.inc_value("nianbao/cluster/bad_request")
            return None
        if lease.attempt > self.worker.config.max_attempts and not self.give_up(request, lease.attempt):
            return None
        self.worker.held.add(lease.id)
        request.meta[LEASE_META] = lease.id
        self.stats.inc_value("nianbao/cluster/leased")
        return request

    def give_up(self, request, attempt: int) -> bool:
        """True: the request goes on to fail in HostSlotMiddleware, so its errback records the failure (and
        lets a pointer page travelling with its file go on alone, as for any lost file); False: dropped here."""
        logger.error("Giving up on %s: leased %d times without finishing (NIANBAO_REDIS_MAX_ATTEMPTS)",
                     request.url, attempt - 1)
        self.stats.inc_value("nianbao/cluster/gave_up")
        if request.errback is not None:
            request.meta[GIVE_UP_META] = attempt - 1
            return True
        portal = request.meta.get("nianbao_portal")
        self.worker.push(codec.encode_item(CrawlFailure(
            url=request.url, stage="spider", reason="lease_attempts_exhausted",
            detail=f"leased {attempt - 1} times", spider=self.spider.name,
            portal=getattr(portal, "name", ""), at=utc_now())))
        return False


class LeaseSpiderMiddleware:
    """Tracks what each leased response yields, so its lease is acked only once all of it reached Redis."""

    def __init__(self, worker: ClusterWorker):
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler):
        return cls(worker_for(crawler))

    async def process_start(self, start):
        """Workers take their start requests from the shared frontier (`nianbao enqueue`), not start()."""
        logger.info("Cluster worker: start requests come from Redis (seed them with `nianbao enqueue`)")
        return
        yield  # noqa: unreachable - makes this an async generator

    async def process_spider_output(self, response, result):
        lease = response.meta.get(LEASE_META, "")
        if not lease:
            async for output in result:
                yield output
            return
        self.worker.tracker.started(lease)
        try:
            async for output in result:
                if codec.item_kind(output):
                    self.worker.tracker.yielded_item(lease)
                yield output
        finally:
            self.worker.tracker.finished(lease)

    def process_spider_exception(self, response, exception):
        lease = response.meta.get(LEASE_META, "")
        if lease:
            self.worker.tracker.finished(lease)


class ClusterExtension:
    """Heartbeat (renew leases, wake the engine when work appears) and the idle close."""

    def __init__(self, crawler, worker: ClusterWorker):
        self.crawler, self.worker = crawler, worker
        self.idle_since: float | None = None
        self.loop = task.LoopingCall(self.beat)

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, worker_for(crawler))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        if hasattr(spider, "seen_content"):
            spider.seen_content = SharedContentSeen(self.worker)
        self.loop.start(min(1.0, self.worker.config.lease_seconds / 3), now=True)
        self.worker.start_renewing()

    def beat(self):
        self.worker.heartbeat(int(self.crawler.stats.get_value("response_received_count", 0)))
        if self.worker.held:
            self.idle_since = None
        slot = getattr(self.crawler.engine, "_slot", None)   # wake the engine now instead of at its 5 s heartbeat
        if slot is not None and len(self.worker.held) < self.worker.config.prefetch:
            slot.nextcall.schedule()

    def spider_idle(self, spider=None):
        if self.worker.outbox.ops or self.worker.held:
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.worker.config.idle_seconds:
            raise DontCloseSpider
        logger.info("Frontier empty for %.0f s (NIANBAO_REDIS_IDLE_SECONDS): worker %s stops",
                    now - self.idle_since, self.worker.config.worker_id)

    def spider_closed(self, spider=None, reason=None):
        if self.loop.running:
            self.loop.stop()
        self.worker.stop_renewing()
        deadline = time.monotonic() + 30
        while not self.worker.outbox.flush() and time.monotonic() < deadline:
            time.sleep(1)
        if self.worker.outbox.ops:
            logger.error("%d writes never reached Redis; their leases expire and the requests are crawled again",
                         len(self.worker.outbox.ops))
        try:
            self.worker.server.hdel(self.worker.frontier.keys.workers, self.worker.config.worker_id)
        except REDIS_ERRORS:
            pass
