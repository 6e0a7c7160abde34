"""A page's links → the reports spider's next requests: 年报 pages, files listed as 年报, further list pages."""
from __future__ import annotations

from spiders.capture import column_title
from spiders.discovery import REPORT_COLUMN, is_annual_report, link_score
from spiders.platforms import Listing
from spiders.urls import canonical_url, in_scope, is_alternate_rendering, is_attachment

STUB_BYTES = 512   # deep pagination often ends in a few-hundred-byte stub page (domain.md §2.2)


class ListingRequests:
    """ReportsSpider's part that turns a page's links and pager into requests, within the portal's budget."""

    def next_requests(self, response, listing: Listing, is_report: bool):
        meta, portal = response.meta, response.meta["nianbao_portal"]
        depth, root, new = meta["nianbao_depth"] + 1, meta["nianbao_root"], 0
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
