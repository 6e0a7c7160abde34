"""Archive side of a refresh: known reports with their validators, conditional headers, gone and seen marks, history,
and the 年报 list pages a crawl read (table list_pages), where the next refresh starts instead of the home page.

The spider's refresh mode (spiders/refresh.py) calls these; reports are never deleted, only marked gone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterator

from sqlite_utils import Database

from crawler.items import ListPageVisit  # re-exported: defined with the other items so the cluster carries it


# What a refresh found when it re-checked an archived report (crawler.items.RefreshCheck.outcome):
# still there unchanged (304) or fetched again (200: record_capture versions it by text digest), gone
# (404/410), or unlisted (answered, but no list page of its portal links to it any more).
REFRESH_OUTCOMES = ("not_modified", "fetched", "gone", "unlisted")
GONE_OUTCOMES = ("gone", "unlisted")


class UnknownReport(LookupError):
    """No report in the archive has this URL."""


@dataclass(frozen=True)
class KnownReport:
    """A report to re-check, with the validators its last capture was served with."""

    report_id: str
    url: str
    portal: str
    sha256: str
    last_seen: str
    etag: str = ""
    last_modified: str = ""
    gone_at: str | None = None
    title: str = ""


def validators(headers_json: str | None) -> tuple[str, str]:
    """(ETag, Last-Modified) from a capture's JSON headers; ("", "") when absent or unreadable."""
    try:
        headers = json.loads(headers_json or "{}")
    except ValueError:
        return "", ""
    if not isinstance(headers, dict):
        return "", ""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    return str(lowered.get("etag") or ""), str(lowered.get("last-modified") or "")


def known_reports(db: Database, portal: str | None = None, include_gone: bool = False) -> Iterator[KnownReport]:
    """Every archived report (of one portal), in URL order, with ETag/Last-Modified of its current capture."""
    where = ["1 = 1"]
    params: list = []
    if portal:
        where.append("r.portal = ?")
        params.append(portal)
    if not include_gone:
        where.append("r.gone_at is null")
    sql = (f"select r.report_id, r.url, r.portal, r.sha256, r.last_seen, r.gone_at, r.title, c.headers "
           f"from reports r left join captures c on c.capture_id = r.capture_id "
           f"where {' and '.join(where)} order by r.url")
    for row in db.query(sql, params):
        etag, last_modified = validators(row["headers"])
        yield KnownReport(row["report_id"], row["url"], row["portal"] or "", row["sha256"] or "",
                          row["last_seen"] or "", etag, last_modified, row["gone_at"], row["title"] or "")


def conditional_headers(report: KnownReport | RememberedList) -> dict[str, str]:
    """Request headers for a conditional GET (of a report or a list page): a 304 costs no body, no new version."""
    headers = {}
    if report.etag:
        headers["If-None-Match"] = report.etag
    if report.last_modified:
        headers["If-Modified-Since"] = report.last_modified
    return headers


def report_id_of(db: Database, url: str) -> str:
    row = next(db.query("select report_id from reports where url = ?", [url]), None)
    if row is None:
        raise UnknownReport(url)
    return row["report_id"]


def mark_gone(db: Database, url: str, status: int | None, when: str) -> None:
    """Record that a report disappeared (404/410, or dropped from its list: status None); never delete it.

    The first sighting of the absence is kept: a report missing for three refreshes keeps its first gone_at.
    """
    report_id = report_id_of(db, url)
    with db.atomic():
        db.execute("update reports set gone_at = ?, gone_status = ? where report_id = ? and gone_at is null",
                   [when, status, report_id])


def mark_seen(db: Database, url: str, when: str) -> None:
    """A re-check found the report unchanged (304 or same text): move last_seen, clear any gone mark."""
    report_id = report_id_of(db, url)
    with db.atomic():
        db.execute("update reports set last_seen = max(coalesce(last_seen, ''), ?), gone_at = null, "
                   "gone_status = null where report_id = ?", [when, report_id])


def version_history(db: Database, url: str) -> list[dict]:
    """Every distinct text of a report, oldest first: sha256, fetched_at, text, tables (parsed), capture_id."""
    report_id = report_id_of(db, url)
    rows = db.query("select sha256, fetched_at, text, tables, capture_id from versions where report_id = ? "
                    "order by fetched_at, sha256", [report_id])
    return [{**row, "tables": json.loads(row["tables"] or "[]")} for row in rows]


def apply_check(db: Database, url: str, outcome: str, status: int | None, when: str) -> None:
    """Record a refresh's verdict on an archived report: gone (with the status, None when unlisted) or seen."""
    if outcome not in REFRESH_OUTCOMES:
        raise ValueError(f"unknown refresh outcome {outcome!r} for {url}")
    if outcome in GONE_OUTCOMES:
        mark_gone(db, url, status if outcome == "gone" else None, when)
    else:
        mark_seen(db, url, when)


def stored_since(db: Database, since: str) -> set[str]:
    """URLs of reports captured or re-checked at or after `since` (what a killed job already finished)."""
    return {row["url"] for row in db.query("select url from reports where last_seen >= ?", [since])}


# Statuses of a list page that still lists: 200, or 304 (unchanged since the validators we hold).
LISTING_STATUSES = (200, 304)


@dataclass(frozen=True)
class RememberedList:
    """A list page to start a refresh from, with the validators and report links of its last reading."""

    url: str
    method: str = "GET"
    body: str = ""
    platform: str = ""
    context: str = ""
    depth: int = 0
    root: str = ""
    etag: str = ""
    last_modified: str = ""
    report_links: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)
    visits_since_walk: int = 0


def record_list_visit(db: Database, visit: ListPageVisit) -> None:
    """Remember a list page reading: validators, report links (kept on 304), and walk bookkeeping."""
    key = [visit.portal, visit.url]
    stored = next(db.query("select visits_since_walk, first_seen, first_crawl from list_pages "
                           "where portal = ? and url = ?", key), None) or {}
    row = {"portal": visit.portal, "url": visit.url, "status": visit.status, "last_seen": visit.at,
           "first_seen": stored.get("first_seen") or visit.at, "first_crawl": stored.get("first_crawl") or visit.crawl,
           "visits_since_walk": 0 if visit.walked else (stored.get("visits_since_walk") or 0) + 1}
    if visit.walked:
        row["last_walk"] = visit.crawl
    if visit.etag or visit.last_modified or visit.status == 200:
        row.update(etag=visit.etag, last_modified=visit.last_modified)
    if visit.report_links is not None:
        row.update(method=visit.method, body=visit.body, platform=visit.platform, context=visit.context,
                   depth=visit.depth, root=visit.root, report_links=json.dumps(sorted(visit.report_links), ensure_ascii=False))
    with db.atomic():
        db["list_pages"].upsert(row, pk=("portal", "url"))


def remembered_lists(db: Database, portal: str) -> list[RememberedList]:
    """The list pages a refresh of `portal` starts from: still listing, and reached by its latest walk or found
    since (a page the latest walk no longer reached has moved away). [] when none: the refresh walks."""
    if "list_pages" not in db.table_names():
        return []
    rows = db.query(
        "select * from list_pages where portal = ? and status in (200, 304) and coalesce(last_walk, first_crawl) >= "
        "(select coalesce(max(last_walk), '') from list_pages where portal = ?) order by url", [portal, portal])
    return [RememberedList(row["url"], row["method"] or "GET", row["body"] or "", row["platform"] or "",
                           row["context"] or "", row["depth"] or 0, row["root"] or "", row["etag"] or "", row["last_modified"] or "",
                           tuple(tuple(link) for link in links_of(row["report_links"])), row["visits_since_walk"] or 0)
            for row in rows]


def links_of(report_links_json: str | None) -> list[list[str]]:
    """A list page's stored report links, [] when absent or damaged."""
    try:
        links = json.loads(report_links_json or "[]")
    except ValueError:
        return []
    return [link for link in links if isinstance(link, list) and len(link) == 3] if isinstance(links, list) else []


def walk_due(lists: list[RememberedList], every: int) -> bool:
    """Walk from the home page anyway on every `every`-th refresh (moved or new columns); always without lists."""
    return not lists or every <= 1 or max(item.visits_since_walk for item in lists) >= every - 1
