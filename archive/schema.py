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


# New migrations go above this line, each a new named function; never edit an applied one.


def open_archive(path: str | Path) -> Database:
    """Open (creating if needed) the archive at `path`: WAL mode, busy timeout, migrations applied."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    migrations.apply(db)
    return db
