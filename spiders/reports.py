"""The generic `reports` spider: from each portal's home page toward its 年报 column, yielding 年报 pages."""
from __future__ import annotations

import scrapy
from scrapy.http import TextResponse

from crawler.items import Attachment, CrawlFailure
from crawler.portals import BUNDLED_PORTALS, load_portals, portals_from_urls
from spiders.attachments import attachment_item, pointer_file, pointer_report, report_files, text_outside_links
from spiders.capture import column_title, content_digest, page_title, report_page
from spiders.challenges import challenge_kind
from spiders.discovery import REPORT_COLUMN, is_annual_report, link_score
from spiders.failures import describe_failure
from spiders.platforms import Listing, ListPage, read_reply
from spiders.platforms.rendered import browser_usable
from spiders.refresh import open_refresh
from spiders.tally import CrawlTally, utc_now
from spiders.urls import canonical_url, in_scope, is_alternate_rendering, is_attachment, portal_origin

STUB_BYTES = 512   # deep pagination often ends in a few-hundred-byte stub page (domain.md §2.2)


class ReportsSpider(scrapy.Spider):
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
        if meta.get("nianbao_recheck") and self.refresh:   # an archived report re-checked by a refresh
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
            yield self.follow(response.url, meta, playwright=True)
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

    def attachment(self, url: str, report_url: str, title: str, meta: dict, pointer_page=None, role: str = ""):
        """Record a report file; fetch it when it is the report (listed directly, or behind a pointer page),
        and other files of report pages with NIANBAO_FETCH_ATTACHMENTS (spiders/attachments.py)."""
        self.tally[meta["nianbao_portal"].name].attachments += 1
        self.crawler.stats.inc_value("nianbao/discovery/attachment")
        role = role or ("pointer" if pointer_page is not None else "extra")
        if (role != "extra" or self.settings.getbool("NIANBAO_FETCH_ATTACHMENTS")) and url not in self.seen_urls:
            yield self.follow(url, meta, nianbao_attachment_of=report_url, nianbao_list_title=title,
                              nianbao_attachment_role=role, nianbao_attachment_url=url,
                              nianbao_pointer_page=pointer_page)
        self.seen_urls.add(url)
        yield Attachment(url=url, report_url=report_url, title=title, spider=self.name,
                         portal=meta["nianbao_portal"].name, found_at=utc_now())

    def attachment_reply(self, response):
        """A fetched file: the report itself, the report of its pointer page, or a page's extra file."""
        meta = response.meta
        if meta.get("nianbao_attachment_role") == "report":
            yield report_page(response, self.name)
        elif meta.get("nianbao_pointer_page") is not None:
            yield pointer_report(meta["nianbao_pointer_page"], attachment_item(response, self.name, meta))
        else:
            yield attachment_item(response, self.name, meta)

    def blocked(self, url: str, kind: str, status: int, portal) -> CrawlFailure:
        self.tally[portal.name].blocked_hosts.add(portal_origin(url))
        self.crawler.stats.inc_value("nianbao/discovery/blocked")
        self.logger.warning("Anti-bot challenge (%s, HTTP %s) on %s: recorded as blocked", kind, status, url)
        return CrawlFailure(url=url, stage="download", reason="blocked", detail=f"{kind} challenge, HTTP {status}",
                            spider=self.name, portal=portal.name, at=utc_now())

    def closed(self, reason):
        if not self.crawler.stats.get_value("nianbao/discovery/report_page", 0):
            self.logger.error("The %s spider found no report on %d portals (%s); see the failures table",
                              self.name, len(self.portal_list), reason)

    def on_error(self, failure):
        request, portal = failure.request, failure.request.meta.get("nianbao_portal")
        response = getattr(failure.value, "response", None)
        if response is not None and portal and (kind := challenge_kind(response.status, response.body)):
            yield self.blocked(request.url, kind, response.status, portal)
            return
        stage, reason, detail = describe_failure(failure)
        self.logger.warning("Could not capture %s: %s (%s)", request.url, reason, detail)
        self.crawler.stats.inc_value(f"nianbao/{stage}/{reason}")
        yield CrawlFailure(url=request.url, stage=stage, reason=reason, detail=detail, spider=self.name,
                           portal=portal.name if portal else "", at=utc_now())
        if request.meta.get("nianbao_pointer_page") is not None:   # file lost: the page goes on alone
            yield request.meta["nianbao_pointer_page"]
