"""The cluster's single SQLite writer, the seeding of the shared frontier, and the cluster's vital signs.

The writer moves a batch of item envelopes from `items` to `items:processing` (LMOVE), stores them in one
SQLite transaction together with their ids (table cluster_items), and only then deletes them from Redis.
Killed anywhere in between, it finds the batch in `items:processing` on restart and skips the ids already
stored: no item lost, none stored twice. It stores through pipelines.storage.ArchivePipeline, so an archive
written by the cluster is the one a single `scrapy crawl` would have written.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

from scrapy.utils.request import fingerprint
from sqlite_utils import Database

from archive.crawl_report import record_crawl_reports
from crawler.items import utc_now
from crawler import cluster_codec as codec
from crawler.cluster_worker import REDIS_ERRORS, redacted
from crawler.redis_frontier import Frontier, Keys

logger = logging.getLogger(__name__)

WRITER_LOCK_SECONDS = 10   # renewed every second; a killed writer's lock is gone this long after


class WriterBusy(RuntimeError):
    """Another writer holds the lock: SQLite must keep a single writer."""


class CountingStats:
    """The stats interface ArchivePipeline needs, counting into a Counter."""

    def __init__(self):
        self.counts = Counter()

    def inc_value(self, key, count=1, start=0):
        self.counts[key] += count


def archive_writer(db: Database):
    """ArchivePipeline bound to an open archive, outside any crawl."""
    from pipelines.storage import ArchivePipeline

    pipeline = ArchivePipeline(db_path="", stats=CountingStats())
    pipeline.db = db
    return pipeline


def store_envelope(pipeline, kind: str, value) -> None:
    if kind == "warc_rows":
        pipeline.warc_records_written(value)
    elif kind == "crawl_report":
        record_crawl_reports(pipeline.db, value["spider"], value["started_at"], value["finished_at"], value["rows"])
    else:
        pipeline.process_item(value)


def store_batch(pipeline, payloads: list) -> Counter:
    """Store envelopes not stored before, with their ids, in one transaction; count them by kind."""
    db, counts = pipeline.db, Counter()
    with db.atomic():
        for payload in payloads:
            try:
                item_id, kind, value = codec.decode_envelope(payload)
            except codec.CodecError as error:
                logger.error("Unreadable item from Redis, not stored (%s): %.200r", error, payload)
                counts["unreadable"] += 1
                continue
            if next(db.query("select 1 from cluster_items where item_id = ?", [item_id]), None):
                counts["already_stored"] += 1
                continue
            store_envelope(pipeline, kind, value)
            db["cluster_items"].insert({"item_id": item_id, "kind": kind, "stored_at": utc_now()})
            counts[kind] += 1
    return counts


@dataclass
class Writer:
    """`nianbao writer`: drain the item queue into the archive until the cluster has been idle long enough."""

    server: object
    db: Database
    keys: Keys
    idle_seconds: float = 300.0
    batch_size: int = 200
    name: str = "writer"

    def __post_init__(self):
        self.frontier = Frontier(self.server, self.keys)
        self.pipeline = archive_writer(self.db)
        self.totals = Counter()
        self.down_since = None

    def run(self) -> Counter:
        idle_since, waiting = time.monotonic(), False
        while True:
            try:
                stored = self.step()
            except REDIS_ERRORS as error:
                self.redis_down(error)
                time.sleep(1)
                continue
            except WriterBusy as error:
                if not waiting:
                    logger.warning("%s; waiting for its lock (gone %d s after that writer dies)", error,
                                   WRITER_LOCK_SECONDS)
                waiting = True
                time.sleep(1)
                idle_since = time.monotonic()
                continue
            waiting = False
            self.redis_back()
            if stored or not self.cluster_idle():
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= self.idle_seconds:
                logger.info("Item queue and frontier empty for %.0f s: writer stops (%s)", self.idle_seconds,
                            dict(self.totals))
                self.server.delete(self.keys.writer)
                return self.totals

    def step(self) -> int:
        """Store the batch left in processing by a killed writer, else move and store a new one."""
        self.hold_lock()
        batch = self.server.lrange(self.keys.items_processing, 0, -1)
        if not batch:
            batch = self.take_batch()
        if not batch:
            return 0
        counts = store_batch(self.pipeline, batch)
        self.server.delete(self.keys.items_processing)      # only after the commit above
        self.totals.update(counts)
        logger.info("Stored %d items (%s)", len(batch), ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return len(batch)

    def take_batch(self) -> list:
        first = self.server.blmove(self.keys.items, self.keys.items_processing, 1, "LEFT", "RIGHT")
        if first is None:
            return []
        batch = [first]
        while len(batch) < self.batch_size:
            more = self.server.lmove(self.keys.items, self.keys.items_processing, "LEFT", "RIGHT")
            if more is None:
                break
            batch.append(more)
        return batch

    def hold_lock(self) -> None:
        key = self.keys.writer
        if self.server.set(key, self.name, nx=True, ex=WRITER_LOCK_SECONDS):
            return
        holder = self.server.get(key)
        if holder is not None and holder.decode() != self.name:
            raise WriterBusy(f"another writer ({holder.decode()}) is storing this cluster's items")
        self.server.expire(key, WRITER_LOCK_SECONDS)

    def cluster_idle(self) -> bool:
        queued, leased = self.frontier.frontier_sizes()
        return queued == 0 and leased == 0 and self.server.llen(self.keys.items) == 0

    def redis_down(self, error) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning("Redis unreachable (%s): writer pauses, nothing is lost", error)

    def redis_back(self) -> None:
        if self.down_since is not None:
            logger.info("Redis is back after %.0f s: writer resumes", time.monotonic() - self.down_since)
            self.down_since = None


def seed_requests(start_urls: str = "", portals: str = "") -> list:
    """The requests `scrapy crawl reports` would start from (same callbacks, meta and priorities)."""
    from spiders.reports import ReportsSpider
    from spiders.urls import canonical_url, portal_origin

    spider = ReportsSpider(start_urls=start_urls, portals=portals)
    requests = [spider.follow(canonical_url(portal.url), {
        "nianbao_portal": portal, "nianbao_depth": 0, "nianbao_root": portal_origin(portal.url)})
        for portal in spider.portal_list]
    return [(request, spider) for request in requests if request is not None]


def enqueue(server, keys: Keys, start_urls: str = "", portals: str = "") -> tuple[int, int]:
    """Seed the frontier; (queued, already seen) — seeding twice queues nothing new."""
    frontier, queued, seen = Frontier(server, keys), 0, 0
    for request, spider in seed_requests(start_urls, portals):
        payload = codec.request_payload(request.to_dict(spider=spider))
        if frontier.enqueue(fingerprint(request).hex(), payload, request.priority, request.dont_filter):
            queued += 1
        else:
            seen += 1
    return queued, seen


def cluster_stats(server, keys: Keys) -> dict:
    """Queue lengths, workers seen (with their last heartbeat), items pending: `nianbao stats --redis`."""
    import json

    queued, leased = Frontier(server, keys).frontier_sizes()
    workers = {name.decode(): json.loads(value) for name, value in server.hgetall(keys.workers).items()}
    now = time.time()
    return {
        "frontier": {"queued": queued, "leased": leased, "seen_urls": server.scard(keys.seen)},
        "items": {"pending": server.llen(keys.items), "processing": server.llen(keys.items_processing)},
        "workers": {name: {**info, "seconds_ago": round(now - info.get("seen", now))}
                    for name, info in sorted(workers.items())},
        "writer": (server.get(keys.writer) or b"").decode() or None,
        "redis": {"used_memory": int(server.info("memory").get("used_memory", 0))},
    }


def format_cluster_stats(stats: dict, url: str) -> str:
    lines = [f"Redis {redacted(url)}",
             f"  frontier: {stats['frontier']['queued']} queued, {stats['frontier']['leased']} leased, "
             f"{stats['frontier']['seen_urls']} URLs seen",
             f"  items: {stats['items']['pending']} pending, {stats['items']['processing']} being stored",
             f"  writer: {stats['writer'] or 'none'}",
             f"  workers seen: {len(stats['workers'])}"]
    lines += [f"    {name}: {info.get('held', 0)} leases, {info.get('pages', 0)} pages, "
              f"last seen {info['seconds_ago']} s ago" for name, info in stats["workers"].items()]
    return "\n".join(lines)
