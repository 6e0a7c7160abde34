"""Archive schema: the tables, indexes and ordered, named migrations that build them."""
from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database, Migrations

migrations = Migrations("nianbao")


@migrations()
def m001_reports_captures_failures(db: Database) -> None:
    db["captures"].create(
        {
            "capture_id": int, "url": str, "report_id": str, "status": int, "headers": str,
            "body": bytes, "body_sha256": str, "fetched_at": str, "encoding": str,
            "encoding_source": str, "encoding_detail": str,
        },
        pk="capture_id",
    )
    db["reports"].create(
        {
            "report_id": str, "url": str, "portal": str, "title": str, "year": int,
            "index_no": str, "publisher": str, "generated_date": str, "publish_date": str,
            "doc_no": str, "topic": str, "site_id_code": str, "text": str, "tables": str,
            "encoding": str, "extractor": str, "sha256": str, "fetched_at": str,
            "first_seen": str, "last_seen": str, "last_changed": str, "capture_id": int,
            "metadata_sources": str, "spam_removed": str,
        },
        pk="report_id",
        foreign_keys=[("capture_id", "captures")],
    )
    db["versions"].create(
        {"report_id": str, "sha256": str, "fetched_at": str, "text": str, "tables": str,
         "capture_id": int},
        pk=("report_id", "sha256"),
        foreign_keys=[("report_id", "reports"), ("capture_id", "captures")],
    )
    db["failures"].create(
        {"failure_id": int, "url": str, "stage": str, "reason": str, "detail": str,
         "spider": str, "portal": str, "at": str},
        pk="failure_id",
    )
    db["spam_mirrors"].create(
        {"url": str, "title": str, "text": str, "evidence": str, "spam_removed": str,
         "fetched_at": str, "capture_id": int},
        pk="url",
        foreign_keys=[("capture_id", "captures")],
    )
    db["captures"].create_index(["url"])
    db["reports"].create_index(["year"])
    db["reports"].create_index(["publisher"])
    db["failures"].create_index(["reason"])


@migrations()
def m005_warc_captures(db: Database) -> None:
    # One row per WARC record (archive/warc_index.py); (file, offset) makes re-indexing idempotent.
    db["warc_captures"].create(
        {"warc_file": str, "offset": int, "length": int, "url": str, "surt": str, "date": str,
         "record_type": str, "status": int, "mime": str, "digest": str, "record_id": str, "refers_to": str},
        pk=("warc_file", "offset"),
    )
    db["warc_captures"].create_index(["surt", "date"])
    db["warc_captures"].create_index(["url", "date"])


@migrations()
def m006_search(db: Database) -> None:
    # Trigram FTS5 over reports, kept in sync by triggers named as sqlite-utils names them (datasette and
    # table.search() find it). Plain execute(), not enable_fts(): its executescript() would COMMIT mid-migration.
    db.execute("CREATE VIRTUAL TABLE [reports_fts] USING FTS5 ([title], [publisher], [text], "
               "content=[reports], tokenize='trigram')")
    db.execute("INSERT INTO [reports_fts] (rowid, [title], [publisher], [text]) "
               "SELECT rowid, [title], [publisher], [text] FROM [reports]")
    old = "old.[title], old.[publisher], old.[text]"
    new = "new.[title], new.[publisher], new.[text]"
    delete = f"INSERT INTO [reports_fts] ([reports_fts], rowid, [title], [publisher], [text]) " \
             f"VALUES('delete', old.rowid, {old});"
    insert = f"INSERT INTO [reports_fts] (rowid, [title], [publisher], [text]) VALUES (new.rowid, {new});"
    db.execute(f"CREATE TRIGGER [reports_ai] AFTER INSERT ON [reports] BEGIN {insert} END")
    db.execute(f"CREATE TRIGGER [reports_ad] AFTER DELETE ON [reports] BEGIN {delete} END")
    db.execute(f"CREATE TRIGGER [reports_au] AFTER UPDATE ON [reports] BEGIN {delete} {insert} END")


@migrations()
def m007_reports_gone(db: Database) -> None:
    # A report that disappears is marked, never deleted (archive/refresh.py mark_gone).
    db["reports"].add_column("gone_at", str)
    db["reports"].add_column("gone_status", int)
    db["reports"].create_index(["url"])  # exports stream reports in URL order


@migrations()
def m002_statistics(db: Database) -> None:
    # The national tables as numbers (pipelines/statistics.py), replaced on each capture (archive/statistics.py).
    # "value" has INTEGER affinity: counts stay integers, 万元 amounts such as 16671.4808 stay REAL.
    db["statistics"].create(
        {"report_id": str, "format": str, "json": str, "checks_total": int, "checks_failed": int,
         "checks_unevaluated": int, "flags": int},
        pk="report_id", foreign_keys=[("report_id", "reports")],
    )
    db["statistics_checks"].create(
        {"report_id": str, "name": str, "target": str, "passed": int, "detail": str},
        pk=("report_id", "name", "target"), foreign_keys=[("report_id", "reports")],
    )
    db["application_counts"].create(
        {"report_id": str, "row_key": str, "column_key": str, "value": int},
        pk=("report_id", "row_key", "column_key"), foreign_keys=[("report_id", "reports")],
    )
    db["proactive_counts"].create(
        {"report_id": str, "item": str, "label": str, "column_name": str, "value": int},
        pk=("report_id", "item", "label", "column_name"), foreign_keys=[("report_id", "reports")],
    )
    db["review_litigation_counts"].create(
        {"report_id": str, "review_group": str, "field": str, "value": int},
        pk=("report_id", "review_group", "field"), foreign_keys=[("report_id", "reports")],
    )
    db["statistics"].create_index(["format"])
    db["statistics_checks"].create_index(["name", "passed"])


@migrations()
def m003_crawl_reports(db: Database) -> None:
    # One row per portal per crawl (archive/crawl_report.py), and the report files discovery found.
    db["crawl_reports"].create(
        {"crawl_id": str, "portal": str, "spider": str, "started_at": str, "finished_at": str,
         "requests": int, "pages_fetched": int, "reports_found": int, "attachments": int, "duplicates": int,
         "rendered": int, "reports_by_year": str, "reports_by_publisher": str, "failures_by_reason": str,
         "blocked_hosts": str},
        pk=("crawl_id", "portal"),
    )
    db["attachments"].create(
        {"url": str, "report_url": str, "title": str, "spider": str, "portal": str, "first_seen": str,
         "last_seen": str},
        pk="url",
    )
    db["attachments"].create_index(["report_url"])


@migrations()
def m008_attachment_files(db: Database) -> None:
    # Fetched report files (archive/attachments.py): real name, raw-byte digest and size, sniffed format,
    # their capture, and why their text could not be read (a DROP_REASONS value) when it could not.
    for column, kind in (("file_name", str), ("sha256", str), ("size", int), ("format", str),
                         ("capture_id", int), ("error", str)):
        db["attachments"].add_column(column, kind)


@migrations()
def m009_capture_warc_location(db: Database) -> None:
    # Exact provenance: the WARC record (file, offset) the crawl wrote for this capture's response
    # (crawler/warc_middleware.py via ReportPage.warc_file/warc_offset); NULL for older captures.
    db["captures"].add_column("warc_file", str)
    db["captures"].add_column("warc_offset", int)


@migrations()
def m010_cluster_items(db: Database) -> None:
    # `nianbao writer` (crawler/cluster_writer.py): ids of the Redis item envelopes already stored, written
    # in the same transaction as the item, so an item re-read after a writer crash is applied only once.
    db["cluster_items"].create({"item_id": str, "kind": str, "stored_at": str}, pk="item_id")


@migrations()
def m011_list_pages(db: Database) -> None:
    # The 年报 list pages a crawl read (archive/refresh.py record_list_visit), with their validators and the
    # report links each gave: a refresh starts there with conditional GETs instead of walking from home.
    db["list_pages"].create(
        {"portal": str, "url": str, "method": str, "body": str, "platform": str, "context": str, "depth": int,
         "root": str,
         "etag": str, "last_modified": str, "status": int, "report_links": str, "first_seen": str,
         "last_seen": str, "first_crawl": str, "last_walk": str, "visits_since_walk": int},
        pk=("portal", "url"),
    )


@migrations()
def m012_portal_indexes(db: Database) -> None:
    # The crawl report counts each portal's reports and failures since the crawl began (archive/crawl_report.py):
    # without these, every portal scanned both tables whole (3,000 portals × every report ever stored).
    db["reports"].create_index(["portal", "last_seen"])
    db["failures"].create_index(["portal", "at"])


# New migrations go above this line, each a new named function; never edit an applied one.


def open_archive(path: str | Path) -> Database:
    """Open (creating if needed) the archive at `path`: WAL mode, busy timeout, migrations applied."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")   # WAL stays consistent; one fsync per checkpoint, not per item
    migrations.apply(db)
    return db
