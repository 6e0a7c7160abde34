"""Start the `reports` spider in this process (used by `nianbao crawl` and `nianbao demo`)."""
from __future__ import annotations

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.commands.crawl import found_nothing


def run_crawl(db_path: str, start_urls: str = "", portals: str = "", overrides: dict | None = None,
              **spider_args: str) -> bool:
    """Crawl; True when it found at least one report (False is `scrapy crawl`'s exit status 1)."""
    settings = get_project_settings()
    settings.set("NIANBAO_DB", db_path, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("reports")
    process.crawl(crawler, start_urls=start_urls, portals=portals, **spider_args)
    process.start()
    return not found_nothing(crawler)
