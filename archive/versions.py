"""Archive writes: a capture, its report row and its text version land together or not at all."""
from __future__ import annotations

import hashlib

from sqlite_utils import Database

from archive.json_columns import to_json
from archive.rows import insert_row, upsert_row
from archive.statistics import replace_statistics
from crawler.items import CrawlFailure, ReportPage, utc_now

REPORT_FIELDS = (
    "url", "portal", "title", "year", "index_no", "publisher", "generated_date", "publish_date",
    "doc_no", "topic", "site_id_code", "text", "encoding", "extractor", "fetched_at",
)


def text_digest(text: str) -> str:
    """sha256 of the cleaned text, the key that decides whether a report changed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_capture(db: Database, page: ReportPage) -> str:
    """Store the raw capture, upsert the report and add a version if its text changed; return report_id."""
    report_id = page.report_id
    digest = text_digest(page.text)
    with db.atomic():
        capture_id = insert_capture(db, page, report_id)
        previous = next(db.query("select sha256, first_seen, last_changed from reports where report_id = ?",
                                 [report_id]), None)
        changed = previous is None or previous["sha256"] != digest
        row = {field: getattr(page, field) for field in REPORT_FIELDS}
        row.update(
            report_id=report_id, sha256=digest, capture_id=capture_id,
            tables=to_json(page.tables), metadata_sources=to_json(page.metadata_sources),
            spam_removed=to_json(page.spam_removed),
            first_seen=previous["first_seen"] if previous else page.fetched_at,
            last_seen=page.fetched_at,
            last_changed=page.fetched_at if changed else previous["last_changed"],
        )
        upsert_row(db, "reports", row, pk="report_id")
        if changed:
            insert_row(db, "versions",
                       {"report_id": report_id, "sha256": digest, "fetched_at": page.fetched_at,
                        "text": page.text, "tables": row["tables"], "capture_id": capture_id},
                       conflict="OR IGNORE")  # a text seen before (A → B → A) keeps its first version row
        replace_statistics(db, report_id, page.statistics)
    return report_id


def record_mirror(db: Database, page: ReportPage) -> None:
    """Keep a spam mirror apart from genuine reports, flagged, with its evidence."""
    with db.atomic():
        capture_id = insert_capture(db, page, report_id=None)
        db["spam_mirrors"].upsert(
            {"url": page.url, "title": page.title, "text": page.text,
             "evidence": to_json(page.spam_evidence), "spam_removed": to_json(page.spam_removed),
             "fetched_at": page.fetched_at, "capture_id": capture_id},
            pk="url",
        )


def record_failure(db: Database, failure: CrawlFailure) -> None:
    with db.atomic():
        db["failures"].insert({
            "url": failure.url, "stage": failure.stage, "reason": failure.reason,
            "detail": failure.detail[:2000], "spider": failure.spider, "portal": failure.portal,
            "at": failure.at or utc_now(),
        })


def insert_capture(db: Database, page: ReportPage, report_id: str | None) -> int:
    return insert_row(db, "captures", {
        "url": page.url, "report_id": report_id, "status": page.status,
        "headers": to_json(page.headers), "body": page.body,
        "body_sha256": hashlib.sha256(page.body).hexdigest(), "fetched_at": page.fetched_at,
        "encoding": page.encoding, "encoding_source": page.encoding_source,
        "encoding_detail": to_json(page.encoding_detail),
        "warc_file": page.warc_file or None, "warc_offset": page.warc_offset,
    })
