"""`scrapy crawl`, exiting with status 1 when the crawl found no report at all (STYLE §8)."""
from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl

FOUND_NOTHING = "nianbao/crawl/found_nothing"   # stat set by a spider that found no report (spiders/reports.py)


def found_nothing(crawler) -> bool:
    return bool(crawler.stats.get_value(FOUND_NOTHING))


class Command(ScrapyCrawl):
    def _create_crawler(self, spname):
        # Scrapy forgets a crawler once it finishes: keep it to read its stats afterwards.
        self.crawler = super()._create_crawler(spname)
        return self.crawler

    def run(self, args, opts) -> None:
        super().run(args, opts)
        if self.exitcode == 0 and found_nothing(self.crawler):
            self.exitcode = 1
