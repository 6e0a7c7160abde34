"""Run the processing stages of ITEM_PIPELINES (everything before storage) on one page, outside a crawl.

`nianbao extract`, the tests and the worker processes of pipelines.offload use this, so a saved file goes
through exactly the stages a crawl uses. Stages are built in-process here (NIANBAO_PROCESS_WORKERS 0).
"""
from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.items import ReportPage

STORAGE_ORDER = 900  # stages at or after this order write somewhere; extraction must not


def processing_stages(settings: Settings) -> list:
    """Instantiate the pipelines that transform items, in their configured order."""
    from spiders.reports import ReportsSpider

    settings = settings.copy()
    settings.set("NIANBAO_PROCESS_WORKERS", 0, priority=100)   # this process runs them: no offloading
    crawler = Crawler(ReportsSpider, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    ordered = sorted(settings.getdict("ITEM_PIPELINES").items(), key=lambda pair: pair[1])
    stages = []
    for path, order in ordered:
        if order is not None and order < STORAGE_ORDER:
            try:
                stages.append(build_from_crawler(load_object(path), crawler))
            except NotConfigured:   # switched off, as Scrapy's pipeline manager would skip it
                continue
    return stages


def process_page(page: ReportPage, stages: list) -> ReportPage:
    """Pass a page through the stages; DropItem propagates to the caller."""
    for stage in stages:
        page = stage.process_item(page)
    return page
