"""The per-portal crawl report: pages fetched, reports by year and publisher, failures by reason, blocked hosts."""
from __future__ import annotations

import json

from sqlite_utils import Database

from archive.json_columns import to_json
from crawler.items import Attachment


def counted(db: Database, sql: str, params: list) -> dict:
    return {str(row["key"]): row["n"] for row in db.query(sql, params)}


def record_crawl_reports(db: Database, spider: str, started_at: str, finished_at: str, tallies: list[dict]) -> str:
    """Write one crawl_reports row per portal (reports and failures read back from this crawl's rows)."""
    crawl_id = f"{spider}@{started_at}"
    with db.atomic():
        for tally in tallies:
            portal, since = tally["portal"], [tally["portal"], started_at]
            db["crawl_reports"].upsert({
                **{key: tally[key] for key in ("requests", "pages_fetched", "reports_found", "attachments",
                                               "duplicates", "rendered")},
                "crawl_id": crawl_id, "portal": portal, "spider": spider, "started_at": started_at,
                "finished_at": finished_at, "blocked_hosts": to_json(tally["blocked_hosts"]),
                "reports_by_year": to_json(counted(db, "select coalesce(year, 'unknown') as key, count(*) as n "
                                                       "from reports where portal = ? and last_seen >= ? "
                                                       "group by key", since)),
                "reports_by_publisher": to_json(counted(db, "select coalesce(publisher, '') as key, count(*) as n "
                                                            "from reports where portal = ? and last_seen >= ? "
                                                            "group by key", since)),
                "failures_by_reason": to_json(counted(db, "select reason as key, count(*) as n from failures "
                                                          "where portal = ? and at >= ? group by reason", since)),
            }, pk=("crawl_id", "portal"))
    return crawl_id


def record_attachment(db: Database, attachment: Attachment) -> None:
    """Remember a report file and the page linking to it; a re-crawl only moves last_seen."""
    with db.atomic():
        seen = db.execute("select 1 from attachments where url = ?", [attachment.url]).fetchone()
        if seen:
            db.execute("update attachments set last_seen = ? where url = ?", [attachment.found_at, attachment.url])
            return
        db["attachments"].insert({"url": attachment.url, "report_url": attachment.report_url,
                                  "title": attachment.title, "spider": attachment.spider,
                                  "portal": attachment.portal, "first_seen": attachment.found_at,
                                  "last_seen": attachment.found_at})


def latest_crawl_report(db: Database) -> list[dict]:
    """The rows of the most recent crawl, JSON columns decoded, portals in name order."""
    row = next(db.query("select crawl_id from crawl_reports order by finished_at desc, crawl_id desc limit 1"), None)
    if row is None:
        return []
    rows = list(db.query("select * from crawl_reports where crawl_id = ? order by portal", [row["crawl_id"]]))
    for r in rows:
        for key in ("reports_by_year", "reports_by_publisher", "failures_by_reason", "blocked_hosts"):
            r[key] = json.loads(r[key] or "null")
    return rows


def format_crawl_report(rows: list[dict]) -> str:
    """Plain-text rendering, one block per portal."""
    lines = []
    for r in rows:
        lines.append(f"{r['portal']}: {r['pages_fetched']} pages fetched, {r['reports_found']} reports found, "
                     f"{r['attachments']} attachments, {r['duplicates']} duplicates")
        for title, key in (("by year", "reports_by_year"), ("by publisher", "reports_by_publisher"),
                           ("failures", "failures_by_reason")):
            lines.append(f"  {title}: " + (", ".join(f"{k} {v}" for k, v in sorted(r[key].items())) or "(none)"))
        lines.append("  blocked hosts: " + (", ".join(r["blocked_hosts"]) or "(none)"))
    return "\n".join(lines) or "(no crawl recorded)"
