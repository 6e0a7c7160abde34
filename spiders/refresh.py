"""Refresh mode of the reports spider (`-a refresh=1`): remembered list pages, conditional re-checks, gone marks.

Every crawl remembers the 年报 list pages it read (ListMemoryMiddleware → ListPageVisit → table list_pages). A
refresh starts from those with conditional GETs instead of walking from the home page: a 304 list re-offers the
report links it gave last time, a 200 list is read as usual (new reports, new pages). It walks from the home page
anyway for a portal without remembered lists, on every NIANBAO_REFRESH_WALK_EVERY-th refresh, with
`-a rediscover=1`, or when no remembered list of the portal lists anything any more (moved columns).
A link to a report the archive already holds becomes a conditional GET (If-None-Match / If-Modified-Since from
its last capture); archived reports of the crawled portals that no page linked are re-checked when the crawl
falls idle. Each
re-check ends in a RefreshCheck item (outcomes: archive.refresh.REFRESH_OUTCOMES) that the storage pipeline
turns into mark_seen / mark_gone; a 200 also travels as a ReportPage, which record_capture versions by text
digest. The spider only reads the archive (a read-only connection); the storage pipeline stays its one writer.
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from sqlite_utils import Database

from archive.refresh import (KnownReport, ListPageVisit, RememberedList, conditional_headers, known_reports,
                             remembered_lists, stored_since, walk_due)
from crawler.items import RefreshCheck, ReportPage, utc_now
from spiders.capture import column_title, lowercase_headers
from spiders.platforms import node_texts
from spiders.resume import killed_job_started_at
from spiders.urls import canonical_url, portal_origin

logger = logging.getLogger(__name__)

# Statuses a re-check must see in its callback: HttpErrorMiddleware would drop them before it otherwise.
RECHECK_STATUSES = [304, 404, 410]
GONE_STATUSES = (404, 410)
TRUE_WORDS = ("1", "true", "yes", "on")
MAX_ANCHORS = 5000         # anchors of one list page looked at for links to reports seen elsewhere


def read_only(db_path: str) -> Database | None:
    """The archive on a read-only connection, or None when there is none yet (a refresh then is a crawl)."""
    if not db_path or not Path(db_path).exists():
        return None
    return Database(sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True))


def load_known(db: Database | None, portal_names: list[str]) -> dict[str, KnownReport]:
    """Archived reports of these portals (gone ones too: they may be back), keyed by canonical URL."""
    if db is None or "reports" not in db.table_names():
        return {}
    return {canonical_url(report.url): report for name in portal_names
            for report in known_reports(db, portal=name, include_gone=True)}


def recheck_request(request: Request, report: KnownReport, listed: bool) -> Request:
    """The same request made conditional, its 304/404/410 answers delivered to the spider's callback."""
    headers = request.headers.copy()
    headers.update(conditional_headers(report))
    meta = {**request.meta, "nianbao_recheck": report.url, "nianbao_listed": listed,
            "handle_httpstatus_list": RECHECK_STATUSES}
    return request.replace(headers=headers, meta=meta)


def outcome_of(status: int, listed: bool, lists_reached: bool) -> str:
    """A re-check's verdict; 'unlisted' only when the portal's lists were read in this refresh."""
    if status in GONE_STATUSES:
        return "gone"
    if not listed and lists_reached:
        return "unlisted"
    return "not_modified" if status == 304 else "fetched"


class RefreshPlan:
    """What a refresh (or a resumed job) knows and did: archived reports, re-checks, portals that listed any."""

    def __init__(self, spider, known: dict[str, KnownReport], done: set[str] = frozenset(),
                 remembered: dict[str, list[RememberedList]] | None = None):
        self.spider = spider
        self.known = known
        self.remembered = remembered or {}      # portal name -> the list pages to start from
        self.shortcut_portals: set[str] = set()  # portals this refresh started from remembered lists
        self.walked_again: set[str] = set()      # of those, portals walked from home after all (lists gone)
        self.done = set(done)                   # canonical URLs a killed run of this job already stored
        self.checked: set[str] = set(self.done)  # canonical URLs re-checked in this refresh
        self.listing_portals: set[str] = set()  # portals whose list pages linked at least one report
        self.idle_checked = False

    def prepare(self, request: Request) -> Request | None:
        """Hook on every request the spider makes: links to archived reports become conditional re-checks,
        reports a killed run of this job stored are not fetched again (None; the link still counts as found)."""
        meta = request.meta
        if meta.get("nianbao_list_title") and not meta.get("nianbao_attachment_of") and not self.idle_checked:
            self.listing_portals.add(meta["nianbao_portal"].name)
        key = canonical_url(request.url)
        if key in self.done:
            self.spider.crawler.stats.inc_value("nianbao/resume/skipped")
            return None
        report = self.known.get(key)
        if report is None or key in self.checked or meta.get("nianbao_attachment_of"):
            return request
        self.checked.add(key)
        return recheck_request(request, report, listed=True)

    def start_requests(self, home: Request) -> list[Request]:
        """A portal's start: its remembered list pages (conditional GETs), or its home page when a walk is due."""
        portal = home.meta["nianbao_portal"]
        lists = self.remembered.get(portal.name, [])
        every = self.spider.settings.getint("NIANBAO_REFRESH_WALK_EVERY", 5)
        if str(getattr(self.spider, "rediscover", "")).strip().lower() in TRUE_WORDS or walk_due(lists, every):
            return [home]
        self.shortcut_portals.add(portal.name)
        self.spider.seen_urls.discard(home.url)          # not fetched after all: a fallback walk may need it
        self.spider.tally[portal.name].requests -= 1
        logger.info("Refresh of %s starts from %d remembered list pages, not %s", portal.name, len(lists), home.url)
        return [request for item in lists if (request := self.list_request(portal, item)) is not None]

    def list_request(self, portal, item: RememberedList) -> Request | None:
        context = {"nianbao_portal": portal, "nianbao_depth": item.depth,
                   "nianbao_root": item.root or portal_origin(portal.url)}
        request = self.spider.follow(item.url, context, nianbao_list_title="", nianbao_platform=item.platform,
                                     nianbao_context=item.context, nianbao_list_page=True, nianbao_shortcut=True)
        if request is None:
            return None
        if item.method == "POST":   # a form list (Hanweb dataproxy.jsp): no validators, fetched in full
            return request.replace(method="POST", body=item.body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        headers = request.headers.copy()
        headers.update(conditional_headers(item))
        return request.replace(headers=headers, meta={**request.meta, "handle_httpstatus_list": [304]})

    def list_not_modified(self, response) -> ListPageVisit | None:
        """A remembered list answered 304: offer again the report links it gave last time (conditional re-checks)."""
        meta, portal = response.meta, response.meta["nianbao_portal"]
        item = next((i for i in self.remembered.get(portal.name, []) if i.url == canonical_url(response.url)), None)
        if item is None:
            return None
        for url, title, kind in item.report_links:
            if url in self.spider.seen_urls:
                continue
            if kind == "file":
                request = self.spider.follow(url, meta, nianbao_attachment_of=response.url, nianbao_list_title=title,
                                             nianbao_attachment_role="report", nianbao_attachment_url=url,
                                             nianbao_pointer_page=None)
            else:
                request = self.spider.follow(url, meta, nianbao_depth=item.depth + 1, nianbao_list_title=title,
                                             nianbao_context=item.context, nianbao_priority=10, nianbao_platform="")
            if request is not None:
                self.spider.crawler.engine.crawl(request)
        headers = lowercase_headers(response.headers)
        return ListPageVisit(portal=portal.name, url=item.url, status=304, etag=headers.get("etag", ""),
                             last_modified=headers.get("last-modified", ""), walked=False,
                             crawl=self.spider.tally.started_at, at=utc_now())

    def verdict(self, response) -> RefreshCheck | ListPageVisit | None:
        """The verdict on a re-checked report (a 200 page then goes on through the spider's capture path), or
        the reading of a remembered list page that answered 304."""
        meta = response.meta
        if not meta.get("nianbao_recheck"):
            return self.list_not_modified(response) if response.status == 304 else None
        portal = meta["nianbao_portal"].name
        lists_reached = meta.get("nianbao_lists_reached", portal in self.listing_portals)
        outcome = outcome_of(response.status, meta["nianbao_listed"], lists_reached)
        self.spider.crawler.stats.inc_value(f"nianbao/refresh/{outcome}")
        if outcome in ("gone", "unlisted"):
            logger.warning("Archived report %s is %s (HTTP %s)", meta["nianbao_recheck"], outcome, response.status)
        elif outcome == "not_modified":     # still published, unchanged: found, at the cost of a header
            self.spider.tally[portal].reports_found += 1
            self.spider.crawler.stats.inc_value("nianbao/discovery/report_page")
        return RefreshCheck(url=meta["nianbao_recheck"], outcome=outcome, status=response.status,
                            spider=self.spider.name, portal=portal, at=utc_now())

    def walk_unlisting_portals(self) -> bool:
        """Portals whose remembered lists listed nothing (moved, 404): walk from their home page now."""
        lost = [portal for portal in self.spider.portal_list if portal.name in self.shortcut_portals
                and portal.name not in self.listing_portals | self.walked_again]
        for portal in lost:
            self.walked_again.add(portal.name)
            logger.warning("Remembered 年报 lists of %s listed no report: walking from %s", portal.name, portal.url)
            home = self.spider.follow(canonical_url(portal.url), {"nianbao_portal": portal, "nianbao_depth": 0,
                                                                  "nianbao_root": portal_origin(portal.url)})
            if home is not None:
                self.spider.crawler.engine.crawl(home)
        return bool(lost)

    def spider_idle(self):
        """Once the walk is done: re-check the archived reports no page linked (removed from their lists?)."""
        if self.idle_checked:
            return
        if self.walk_unlisting_portals():
            raise DontCloseSpider
        self.idle_checked = True
        portals = {portal.name: portal for portal in self.spider.portal_list}
        pending = [(key, report) for key, report in self.known.items()
                   if key not in self.checked and report.portal in portals]
        for key, report in pending:
            self.checked.add(key)
            portal = portals[report.portal]
            context = {"nianbao_portal": portal, "nianbao_depth": 0, "nianbao_root": portal_origin(portal.url)}
            # its archived title stands in for the anchor text no list gave: the page is judged a report again
            request = self.spider.follow(report.url, context, nianbao_priority=-10, nianbao_list_title=report.title,
                                         nianbao_lists_reached=portal.name in self.listing_portals)
            self.spider.crawler.engine.crawl(recheck_request(request, report, listed=False))
        if pending:
            logger.info("Re-checking %d archived reports no list page linked", len(pending))
            raise DontCloseSpider


def open_refresh(spider, refresh: str) -> RefreshPlan | None:
    """At the spider's start: the refresh plan (with `-a refresh=1`), and what a killed run already finished."""
    db = read_only(spider.settings.get("NIANBAO_DB"))
    refreshing = str(refresh).strip().lower() in TRUE_WORDS
    try:
        known = load_known(db, [portal.name for portal in spider.portal_list]) if refreshing else {}
        remembered = {portal.name: remembered_lists(db, portal.name) for portal in spider.portal_list} \
            if refreshing and db is not None else {}
        started_at = killed_job_started_at(spider.settings)
        done = set()
        if started_at and db is not None and "reports" in db.table_names():
            done = {canonical_url(url) for url in stored_since(db, started_at)}
    finally:
        if db is not None:
            db.close()
    if done:
        logger.info("Resuming a killed job: %d reports stored since %s are not fetched again", len(done), started_at)
    if not refreshing:
        return RefreshPlan(spider, {}, done) if done else None
    plan = RefreshPlan(spider, known, done, remembered)
    spider.crawler.signals.connect(plan.spider_idle, signal=signals.spider_idle)
    logger.info("Refresh: %d archived reports to re-check", len(known))
    return plan


def report_link(entry) -> tuple[str, str, str] | None:
    """(url, anchor text, "page" | "file") when the spider's output entry is a request for a report."""
    if not isinstance(entry, Request):
        return None
    meta = entry.meta
    if meta.get("nianbao_attachment_role") == "report":
        return canonical_url(entry.url), meta.get("nianbao_list_title", ""), "file"
    if meta.get("nianbao_list_title") and not meta.get("nianbao_attachment_of"):   # pager requests have none
        return canonical_url(entry.url), meta["nianbao_list_title"], "page"
    return None


def is_report_output(entry, url: str) -> bool:
    """The response was a report page: it yielded itself, or a file it points to or carries."""
    if isinstance(entry, ReportPage):
        return True
    return isinstance(entry, Request) and entry.meta.get("nianbao_attachment_of") == url \
        and entry.meta.get("nianbao_attachment_role") != "report"


def anchor_urls(response) -> set[str]:
    """Canonical URLs of (at most MAX_ANCHORS) anchors of an HTML page; none for other bodies."""
    try:
        hrefs = node_texts(response.selector, "//a/@href")[:MAX_ANCHORS]
    except (AttributeError, ValueError):          # not text, or not markup
        return set()
    return {canonical_url(response.urljoin(href)) for href in hrefs if href.strip()}


class ListMemoryMiddleware:
    """Spider middleware: every crawl remembers the 年报 list pages it reads (a ListPageVisit item each, with the
    report links it gave), and a refresh's start requests become those list pages (RefreshPlan.start_requests)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.links: dict[str, tuple[str, str]] = {}   # report URL -> (anchor text, kind), over the whole crawl

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        async for entry in start:
            plan = getattr(self.crawler.spider, "refresh", None)
            if isinstance(entry, Request) and plan is not None and entry.meta.get("nianbao_depth") == 0:
                for request in plan.start_requests(entry):
                    yield request
            else:
                yield entry

    def process_spider_output(self, response, result):
        found, report = [], False
        for entry in result:
            found += [link] if (link := report_link(entry)) else []
            report = report or is_report_output(entry, response.url)
            yield entry
        if visit := self.list_visit(response, found, report):
            yield visit

    async def process_spider_output_async(self, response, result):
        found, report = [], False
        async for entry in result:
            found += [link] if (link := report_link(entry)) else []
            report = report or is_report_output(entry, response.url)
            yield entry
        if visit := self.list_visit(response, found, report):
            yield visit

    def list_visit(self, response, found: list[tuple[str, str, str]], report: bool) -> ListPageVisit | None:
        """A 200 page that linked reports and is not one itself: new links, plus links to reports seen elsewhere."""
        meta = response.meta
        if response.status != 200 or report or meta.get("nianbao_list_title") or "nianbao_portal" not in meta:
            return None
        for url, text, kind in found:
            self.links.setdefault(url, (text, kind))
        links = {url: (text, kind) for url, text, kind in found}
        links |= {url: self.links[url] for url in anchor_urls(response) if url in self.links and url not in links}
        if not links:
            return None
        headers, request = lowercase_headers(response.headers), response.request
        post = request is not None and request.method == "POST"
        return ListPageVisit(
            portal=meta["nianbao_portal"].name, url=response.url if post else canonical_url(response.url),
            method="POST" if post else "GET", body=request.body.decode("utf-8", "replace") if post else "",
            platform=meta.get("nianbao_platform", ""),   # the column title, as next_requests judges entries by it
            context=meta.get("nianbao_context", "") if meta.get("nianbao_platform") else column_title(response),
            depth=meta.get("nianbao_depth", 0), root=meta.get("nianbao_root", ""), etag=headers.get("etag", ""),
            last_modified=headers.get("last-modified", ""), walked=not meta.get("nianbao_shortcut"),
            report_links=[[url, text, kind] for url, (text, kind) in sorted(links.items())],
            crawl=self.crawler.spider.tally.started_at, at=utc_now())
