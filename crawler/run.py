"""Start the `reports` spider in this process (used by `nianbao crawl` and `nianbao demo`)."""
from __future__ import annotations

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def run_crawl(db_path: str, start_urls: str = "", portals: str = "", overrides: dict | None = None,
              **spider_args: str) -> None:
    settings = get_project_settings()
    settings.set("NIANBAO_DB", db_path, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl("reports", start_urls=start_urls, portals=portals, **spider_args)
    process.start()
