"""The generic `reports` spider: from each portal's home page toward its 年报 column, yielding 年报 pages."""
from __future__ import annotations

import scrapy
from scrapy.http import TextResponse

from crawler.commands.crawl import FOUND_NOTHING
from crawler.portals import BUNDLED_PORTALS, load_portals, portals_from_urls
from spiders.attachments import pointer_file, report_files, text_outside_links
from spiders.capture import content_digest, page_title, report_page
from spiders.challenges import challenge_kind
from spiders.discovery import is_annual_report
from spiders.errors import FailureReplies
from spiders.file_requests import FileRequests
from spiders.listing import ListingRequests
from spiders.platforms import Listing, ListPage, read_reply
from spiders.platforms.rendered import browser_usable
from spiders.refresh import open_refresh
from spiders.tally import CrawlTally
from spiders.urls import canonical_url, portal_origin


class ReportsSpider(ListingRequests, FileRequests, FailureReplies, scrapy.Spider):
    """Crawl portals given by `-a start_urls=U1,U2`, `-a portals=FILE.csv`, or the bundled list."""

    name = "reports"

    def __init__(self, start_urls: str = "", portals: str = "", refresh: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refresh_arg, self.refresh = refresh, None   # spiders/refresh.py: re-checks, resume after a kill
        self.portal_list = portals_from_urls(start_urls) if start_urls else load_portals(portals or BUNDLED_PORTALS)
        self.tally, self.seen_urls = CrawlTally(self.name), set()
        self.seen_content: dict = {}   # digest -> first URL; in a cluster crawler/cluster.py shares it in Redis

    async def start(self):
        self.logger.info("Crawling %d portals", len(self.portal_list))
        self.refresh = open_refresh(self, self.refresh_arg)
        self.render_js = browser_usable(self.settings, self.logger)
        for portal in self.portal_list:
            yield self.follow(canonical_url(portal.url), {"nianbao_portal": portal, "nianbao_depth": 0,
                                                          "nianbao_root": portal_origin(portal.url)})

    def follow(self, url: str, context: dict, page: ListPage | None = None, **meta) -> scrapy.Request | None:
        self.seen_urls.add(url)
        self.tally[context["nianbao_portal"].name].requests += 1
        meta = {key: value for key, value in context.items() if key.startswith("nianbao_")} | meta
        if page is not None:
            meta.update(nianbao_platform=page.platform, nianbao_list_page=True)
            if page.method == "POST":
                return scrapy.FormRequest(url, formdata=dict(page.formdata), callback=self.parse,
                                          errback=self.on_error, meta=meta, priority=5)
        request = scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta,
                                 priority=meta.pop("nianbao_priority", 0), dont_filter=bool(meta.get("playwright")))
        return self.refresh.prepare(request) if self.refresh else request   # None: finished before a kill

    def parse(self, response):
        meta, tally = response.meta, self.tally[response.meta["nianbao_portal"].name]
        tally.pages_fetched += 1
        if kind := challenge_kind(response.status, response.body):
            yield self.blocked(response.url, kind, response.status, meta["nianbao_portal"])
            return
        if self.refresh and (meta.get("nianbao_recheck") or response.status == 304):   # refresh: report or list
            yield self.refresh.verdict(response)
            if response.status != 200:
                return
        if not isinstance(response, TextResponse) or meta.get("nianbao_attachment_of"):
            if meta.get("nianbao_attachment_of"):
                yield from self.attachment_reply(response)
            return
        if meta["nianbao_depth"] == 0:
            meta["nianbao_root"] = portal_origin(response.url)
        platform = meta.get("nianbao_platform", "")
        listing = read_reply(platform, response.text, response.url, response.selector)   # HTML: every convention
        is_report = not platform and (is_annual_report(meta.get("nianbao_list_title", ""), meta.get("nianbao_context", ""))
                                      or is_annual_report(page_title(response)))
        if is_report:
            yield from self.capture(response, listing)
        elif listing.needs_browser and not meta.get("playwright") and self.render_js:
            tally.rendered += 1
            self.crawler.stats.inc_value("nianbao/discovery/rendered")
            # As urgent as a report: at the default priority renders queued behind every report of every portal
            # and Chromium, two pages at a time, ran alone at the end (a third of benchmarks/crawl.py's wall time).
            yield self.follow(response.url, meta, playwright=True, nianbao_priority=10)
            return
        yield from self.next_requests(response, listing, is_report)

    def capture(self, response, listing: Listing):
        # Per portal: a city portal re-listing a county's report still shows it in its own crawl report.
        digest = (response.meta["nianbao_root"], content_digest(response))
        tally = self.tally[response.meta["nianbao_portal"].name]
        if self.seen_content.setdefault(digest, response.url) != response.url:
            tally.duplicates += 1
            self.crawler.stats.inc_value("nianbao/discovery/duplicate_content")
            return
        tally.reports_found += 1
        self.crawler.stats.inc_value("nianbao/discovery/report_page")
        page, files = report_page(response, self.name), report_files(listing.links, response.meta["nianbao_root"])
        pointer = pointer_file(files, text_outside_links(response))   # spiders/attachments.py: store once
        if pointer is None:
            yield page
        for file in files:
            yield from self.attachment(file.url, response.url, file.text, response.meta,
                                       page if file is pointer else None)

    def closed(self, reason):
        if not self.crawler.stats.get_value("nianbao/discovery/report_page", 0):
            if not self.settings.get("NIANBAO_REDIS_URL"):   # a cluster worker may find nothing its peers did not
                self.crawler.stats.set_value(FOUND_NOTHING, 1)   # `scrapy crawl` / `nianbao crawl` then exit 1
            self.logger.error("The %s spider found no report on %d portals (%s); see the failures table",
                              self.name, len(self.portal_list), reason)
