"""Run the processing stages of ITEM_PIPELINES (everything before storage) on one page, outside a crawl.

`nianbao extract` and the tests use this, so a saved file goes through exactly the stages a crawl uses.
"""
from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.items import ReportPage

STORAGE_ORDER = 900  # stages at or after this order write somewhere; extraction must not


def processing_stages(settings: Settings) -> list:
    """Instantiate the pipelines that transform items, in their configured order."""
    from spiders.reports import ReportsSpider

    crawler = Crawler(ReportsSpider, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    ordered = sorted(settings.getdict("ITEM_PIPELINES").items(), key=lambda pair: pair[1])
    return [build_from_crawler(load_object(path), crawler)
            for path, order in ordered if order is not None and order < STORAGE_ORDER]


def process_page(page: ReportPage, stages: list) -> ReportPage:
    """Pass a page through the stages; DropItem propagates to the caller."""
    for stage in stages:
        page = stage.process_item(page)
    return page
