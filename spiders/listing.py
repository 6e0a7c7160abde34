"""A page's links → the reports spider's next requests: 年报 pages, files listed as 年报, further list pages."""
from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from spiders.capture import column_title
from spiders.discovery import REPORT_COLUMN, is_annual_report, link_score
from spiders.platforms import Listing, sitesearch
from spiders.urls import canonical_url, in_scope, is_alternate_rendering, is_attachment

STUB_BYTES = 512   # deep pagination often ends in a few-hundred-byte stub page (domain.md §2.2)


class ListingRequests:
    """ReportsSpider's part that turns a page's links and pager into requests, within the portal's budget."""

    def next_requests(self, response, listing: Listing, is_report: bool):
        meta, portal = response.meta, response.meta["nianbao_portal"]
        depth, root, new = meta["nianbao_depth"] + 1, meta["nianbao_root"], 0
        if meta.get("nianbao_platform") == sitesearch.NAME:
            yield from self.search_results(response, listing)
            return
        if depth == 1 and not is_report:
            self.remember_search(response)
        context = meta.get("nianbao_context", "") if meta.get("nianbao_platform") else column_title(response)
        pager = {page.url for page in listing.pages}
        for url, text in listing.links:
            url = canonical_url(url)
            if url in self.seen_urls or url in pager or not in_scope(url, root) or is_alternate_rendering(url, text):
                continue
            if is_annual_report(text, context):
                if is_attachment(url) and is_report:
                    continue   # a 年报 page's own file: capture() decides its role, duplicate page or not
                new += 1
                if is_attachment(url):   # a file listed directly: a report of its own
                    yield from self.attachment(url, response.url, text, meta, role="report")
                else:
                    yield self.follow(url, meta, nianbao_depth=depth, nianbao_list_title=text,
                                      nianbao_context=context, nianbao_priority=10, nianbao_platform="")
            elif not is_report and link_score(text, url) > 0 and not is_attachment(url) \
                    and self.within_budget(portal, depth):
                new += 1
                yield self.follow(url, meta, nianbao_depth=depth, nianbao_list_title="", nianbao_platform="",
                                  nianbao_list_page=False)
        if not is_report and not new and REPORT_COLUMN.search(context.replace(" ", "")):
            self.logger.warning("Empty 年报 list on %s", response.url)
            self.crawler.stats.inc_value("nianbao/discovery/empty_list")
        if is_report or len(response.body) < STUB_BYTES or (meta.get("nianbao_list_page") and not new):
            return   # stop on stub pages and on list pages that yield nothing new
        for page in listing.pages:
            url = canonical_url(page.url)
            if url not in self.seen_urls and in_scope(url, root) and self.within_budget(portal, 0):
                yield self.follow(url, meta, page, nianbao_context=context)

    def within_budget(self, portal, depth: int) -> bool:
        if depth > self.settings.getint("NIANBAO_MAX_DEPTH"):
            return False
        if self.tally[portal.name].requests >= self.settings.getint("NIANBAO_MAX_PAGES_PER_PORTAL"):
            self.crawler.stats.inc_value("nianbao/discovery/budget_exhausted")
            return False
        return True

    # Site search (spiders/platforms/sitesearch.py): asked once per portal whose walk found no 年报.
    def remember_search(self, response) -> None:
        meta = response.meta
        if self.settings.getint("NIANBAO_SITE_SEARCH_PAGES", 3) < 1 or meta.get("nianbao_platform"):
            return
        page = sitesearch.search_request(response.text, response.url, response.selector, meta["nianbao_root"])
        if page is None:
            return
        if not hasattr(self, "site_searches"):
            self.site_searches = {}
            self.crawler.signals.connect(self.search_when_idle, signal=signals.spider_idle)
        self.site_searches.setdefault(meta["nianbao_portal"].name, (page, meta))

    def search_when_idle(self):
        """The walk is over: one search request for each portal that found no 年报 and offers a site search."""
        pending, self.site_searches = self.site_searches, {}
        scheduled = 0
        for name, (page, context) in pending.items():
            url = canonical_url(page.url) if page.method == "GET" else page.url
            if self.tally[name].reports_found or url in self.seen_urls:
                continue
            self.logger.info("No 年报 found on %s: asking its site search %s", context["nianbao_portal"].url, url)
            self.crawler.stats.inc_value("nianbao/discovery/site_search")
            request = self.follow(url, context, page, nianbao_depth=1, nianbao_search_page=1,
                                  nianbao_search_url=url, nianbao_context="")
            if request is not None:
                self.crawler.engine.crawl(request)
                scheduled += 1
        if scheduled:
            raise DontCloseSpider

    def search_results(self, response, listing: Listing):
        """A result page: its 年报 links, and from the first page at most NIANBAO_SITE_SEARCH_PAGES - 1 more."""
        meta, portal, depth = response.meta, response.meta["nianbao_portal"], response.meta["nianbao_depth"] + 1
        found = [(url, text) for url, text in sitesearch.report_links(listing, meta["nianbao_root"])
                 if url not in self.seen_urls]
        for url, text in found:
            if is_attachment(url):
                yield from self.attachment(url, response.url, text, meta, role="report")
            else:
                yield self.follow(url, meta, nianbao_depth=depth, nianbao_list_title=text, nianbao_context="",
                                  nianbao_priority=10, nianbao_platform="")
        if not found or meta.get("nianbao_search_page", 1) > 1 or "nianbao_search_url" not in meta:
            return   # no search URL: a refresh re-reading a remembered result page; it re-reads each one itself
        limit = self.settings.getint("NIANBAO_SITE_SEARCH_PAGES", 3) - 1
        for number, page in enumerate(sitesearch.result_pages(listing, meta["nianbao_search_url"], limit), 2):
            if page.url not in self.seen_urls and self.within_budget(portal, 0):
                yield self.follow(page.url, meta, page, nianbao_search_page=number)
