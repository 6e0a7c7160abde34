"""Refresh mode of the reports spider (`-a refresh=1`): conditional re-checks of archived reports, gone marks.

List pages are walked as in a first crawl, so new reports are found the usual way. A link to a report the
archive already holds becomes a conditional GET (If-None-Match / If-Modified-Since from its last capture);
archived reports of the crawled portals that no page linked are re-checked when the crawl falls idle. Each
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

from archive.refresh import KnownReport, conditional_headers, known_reports, stored_since
from crawler.items import RefreshCheck
from spiders.resume import killed_job_started_at
from spiders.tally import utc_now
from spiders.urls import canonical_url, portal_origin

logger = logging.getLogger(__name__)

# Statuses a re-check must see in its callback: HttpErrorMiddleware would drop them before it otherwise.
RECHECK_STATUSES = [304, 404, 410]
GONE_STATUSES = (404, 410)
TRUE_WORDS = ("1", "true", "yes", "on")


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

    def __init__(self, spider, known: dict[str, KnownReport], done: set[str] = frozenset()):
        self.spider = spider
        self.known = known
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

    def verdict(self, response) -> RefreshCheck:
        """The verdict on a re-checked report; a 200 page then goes on through the spider's capture path."""
        meta = response.meta
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

    def spider_idle(self):
        """Once the walk is done: re-check the archived reports no page linked (removed from their lists?)."""
        if self.idle_checked:
            return
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
    plan = RefreshPlan(spider, known, done)
    spider.crawler.signals.connect(plan.spider_idle, signal=signals.spider_idle)
    logger.info("Refresh: %d archived reports to re-check", len(known))
    return plan
