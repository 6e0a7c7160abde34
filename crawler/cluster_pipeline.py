"""Cluster workers' last stage: instead of SQLite, each finished item (and dropped page, WARC index rows,
the crawl report) goes to Redis as JSON for `nianbao writer`; acks a lease once all its items are there.

Needs: every field of ReportPage (the item is sent whole).  Sets: nothing.
"""
from __future__ import annotations

import logging

from scrapy import signals
from twisted.python.failure import Failure

from crawler import cluster_codec as codec
from crawler.cluster import worker_for
from crawler.cluster_worker import LEASE_META, ClusterWorker
from crawler.warc_middleware import warc_record_written
from crawler.items import utc_now

logger = logging.getLogger(__name__)


class RedisItemPipeline:
    """Instead of SQLite: each finished item (and dropped page, WARC index rows, crawl report) goes to Redis."""

    def __init__(self, worker: ClusterWorker, crawler):
        self.worker, self.crawler, self.stats = worker, crawler, crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(worker_for(crawler), crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        crawler.signals.connect(pipeline.warc_rows, signal=warc_record_written)
        return pipeline

    def process_item(self, item):
        if codec.item_kind(item):
            self.worker.push(codec.encode_item(item))
            self.stats.inc_value("nianbao/cluster/items_sent")
        return item

    def item_scraped(self, item, response, spider=None):
        self.worker.tracker.item_done(lease_of(response))

    def item_dropped(self, item, response, exception, spider=None):
        from pipelines.storage import failure_for

        if codec.item_kind(item) == "ReportPage":
            self.worker.push(codec.encode_item(failure_for(item, "pipeline", str(exception), "")))
        self.worker.tracker.item_done(lease_of(response))

    def item_error(self, item, response, spider=None, failure=None):
        from pipelines.storage import failure_for

        if codec.item_kind(item) == "ReportPage":
            error = failure.value if failure is not None else None
            logger.error("Pipeline error on %s: %r", item.url, error)
            self.worker.push(codec.encode_item(failure_for(item, "pipeline", type(error).__name__, repr(error))))
        self.worker.tracker.item_done(lease_of(response))

    def warc_rows(self, rows):
        self.worker.push(codec.encode_warc_rows(rows))

    def close_spider(self):
        tally = getattr(self.crawler.spider, "tally", None)
        if tally is not None:
            self.worker.push(codec.envelope("crawl_report", {
                "spider": f"{tally.spider}:{self.worker.config.worker_id}", "started_at": tally.started_at,
                "finished_at": utc_now(), "rows": tally.rows()}))


def lease_of(response) -> str:
    """The lease of the request an item came from: the response's, or the download Failure's (errback items)."""
    if isinstance(response, Failure):
        response = getattr(response, "request", None)
    meta = getattr(response, "meta", None) if response is not None else None
    return (meta or {}).get(LEASE_META, "")
