"""The Scrapy side every text stage shares: built from the crawler, keeps its stats collector."""
from __future__ import annotations


class StatsStage:
    """Base of the pipeline classes that adapt a pure stage function; subclasses add process_item(item)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)
