"""The Scrapy side every text stage shares: built from the crawler, keeps its stats collector."""
from __future__ import annotations

from scrapy.exceptions import NotConfigured


def raise_if_offloaded(settings) -> None:
    """Switch an in-process stage off when pipelines.offload runs the stages in worker processes."""
    if settings.getint("NIANBAO_PROCESS_WORKERS", 0) > 0:
        raise NotConfigured


class StatsStage:
    """Base of the pipeline classes that adapt a pure stage function; subclasses add process_item(item)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        raise_if_offloaded(crawler.settings)
        return cls(crawler.stats)
