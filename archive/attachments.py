"""Fetched report files: their raw bytes as a capture and their `attachments` row (name, digest, format)."""
from __future__ import annotations

import hashlib
import json

from sqlite_utils import Database

from crawler.items import Attachment


def record_attachment_file(db: Database, file: Attachment, report_id: str | None = None) -> int:
    """Store the file's bytes as a capture and upsert its attachments row; return the capture id."""
    with db.atomic():
        capture_id = db["captures"].insert({
            "url": file.capture_url or file.url, "report_id": report_id, "status": file.status,
            "headers": json.dumps(file.headers, ensure_ascii=False, sort_keys=True), "body": file.body,
            "body_sha256": hashlib.sha256(file.body).hexdigest(), "fetched_at": file.found_at,
            "encoding": "", "encoding_source": "", "encoding_detail": "{}",
        }).last_pk
        seen = db.execute("select first_seen from attachments where url = ?", [file.url]).fetchone()
        db["attachments"].upsert({
            "url": file.url, "report_url": file.report_url, "title": file.title, "spider": file.spider,
            "portal": file.portal, "first_seen": seen[0] if seen else file.found_at, "last_seen": file.found_at,
            "file_name": file.file_name, "sha256": hashlib.sha256(file.body).hexdigest(), "size": len(file.body),
            "format": file.format or None, "capture_id": capture_id, "error": file.error or None,
        }, pk="url")
    return capture_id
