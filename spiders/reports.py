"""The generic `reports` spider: from each portal's home page toward its 年报 column, yielding 年报 pages."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse

from crawler.items import CrawlFailure, ReportPage
from crawler.portals import BUNDLED_PORTALS, Portal, load_portals, portals_from_urls
from spiders.discovery import in_scope, is_annual_report, link_score
from spiders.failures import describe_failure


class ReportsSpider(scrapy.Spider):
    """Crawl portals given by `-a start_urls=U1,U2`, `-a portals=FILE.csv`, or the bundled list."""

    name = "reports"

    def __init__(self, start_urls: str = "", portals: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        if start_urls:
            self.portal_list = portals_from_urls(start_urls)
        else:
            self.portal_list = load_portals(portals or BUNDLED_PORTALS)
        self.pages_per_portal: dict[str, int] = {}

    async def start(self):
        self.logger.info("Crawling %d portals", len(self.portal_list))
        for portal in self.portal_list:
            yield self.follow(portal.url, portal, depth=0, root=urlsplit(portal.url).hostname or "")

    def follow(self, url: str, portal: Portal, depth: int, root: str, list_title: str = "",
               priority: int = 0) -> scrapy.Request:
        self.pages_per_portal[portal.url] = self.pages_per_portal.get(portal.url, 0) + 1
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_error, priority=priority,
            meta={"nianbao_portal": portal, "nianbao_depth": depth, "nianbao_root": root,
                  "nianbao_list_title": list_title},
        )

    def parse(self, response):
        if not isinstance(response, TextResponse):
            return  # attachments are their own issue; nothing to read here
        meta = response.meta
        if meta["nianbao_depth"] == 0:
            meta["nianbao_root"] = urlsplit(response.url).hostname or meta["nianbao_root"]
        is_report = is_annual_report(meta["nianbao_list_title"]) or is_annual_report(page_title(response))
        if is_report:
            yield self.capture(response)
        yield from self.next_requests(response, reports_only=is_report)

    def next_requests(self, response, reports_only: bool):
        meta, portal = response.meta, response.meta["nianbao_portal"]
        depth = meta["nianbao_depth"] + 1
        for url, text in page_links(response):
            if not in_scope(url, meta["nianbao_root"]):
                continue
            if is_annual_report(text):
                yield self.follow(url, portal, depth, meta["nianbao_root"], list_title=text, priority=10)
            elif not reports_only and link_score(text, url) > 0 and self.within_budget(portal, depth):
                yield self.follow(url, portal, depth, meta["nianbao_root"])

    def within_budget(self, portal: Portal, depth: int) -> bool:
        if depth > self.settings.getint("NIANBAO_MAX_DEPTH"):
            return False
        if self.pages_per_portal.get(portal.url, 0) >= self.settings.getint("NIANBAO_MAX_PAGES_PER_PORTAL"):
            self.crawler.stats.inc_value("nianbao/discovery/budget_exhausted")
            return False
        return True

    def capture(self, response) -> ReportPage:
        self.crawler.stats.inc_value("nianbao/discovery/report_page")
        return ReportPage(
            url=response.url, spider=self.name, fetched_at=utc_now(), status=response.status,
            headers=lowercase_headers(response.headers), body=response.body,
            portal=response.meta["nianbao_portal"].name,
            list_title=response.meta["nianbao_list_title"],
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1"),
        )

    def closed(self, reason):
        found = self.crawler.stats.get_value("nianbao/discovery/report_page", 0)
        if not found:
            self.logger.error("The %s spider found no report on %d portals (%s); see the failures table",
                              self.name, len(self.portal_list), reason)

    def on_error(self, failure):
        request = failure.request
        stage, reason, detail = describe_failure(failure)
        self.logger.warning("Could not capture %s: %s (%s)", request.url, reason, detail)
        self.crawler.stats.inc_value(f"nianbao/{stage}/{reason}")
        portal = request.meta.get("nianbao_portal")
        yield CrawlFailure(url=request.url, stage=stage, reason=reason, detail=detail, spider=self.name,
                           portal=portal.name if portal else "", at=utc_now())


def page_title(response: TextResponse) -> str:
    return (response.xpath("//meta[@name='ArticleTitle']/@content").get()
            or response.xpath("//title/text()").get() or "").strip()


def page_links(response: TextResponse):
    """(absolute URL, anchor text + title attribute) for every <a>/<area> with a followable href."""
    for anchor in response.xpath("//a[@href] | //area[@href]"):
        href = anchor.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = " ".join(anchor.xpath(".//text()").getall()) + " " + anchor.attrib.get("title", "")
        yield response.urljoin(href).split("#", 1)[0], " ".join(text.split())


def lowercase_headers(headers) -> dict[str, str]:
    return {key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for key, values in headers.items()}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
