"""The index of WARC records in SQLite (`warc_captures`), its CDXJ export for pywb, and lookups by URL.

One writer: SQLite has one, the storage pipeline's connection. The WARC middleware only writes files;
for every record it writes it sends the `warc_record_written` signal with an `IndexRow`, and
ArchivePipeline stores the rows with `record_warc_rows` in one transaction per exchange. Rows are keyed by
(warc_file, offset), so `index_warc_file` can rebuild or complete the index from the files themselves
(the files are the truth; the index is derived) without duplicating anything.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

import surt
from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator

from archive.rows import insert_rows
from archive.warc import IndexRow, PriorCapture, index_row

CDXJ_TYPES = ("response", "revisit")     # pywb replays these; request records stay in the WARC


def surt_key(url: str) -> str:
    """The sort key pywb looks captures up by (Sort-friendly URI Reordering Transform)."""
    try:
        return surt.surt(url)
    except (ValueError, TypeError):          # an unparsable URL still gets a stable, sortable key
        return url.lower()


def cdx_timestamp(date: str) -> str:
    """'2025-02-03T12:00:00.123456Z' → '20250203120000'."""
    return "".join(ch for ch in date if ch.isdigit())[:14].ljust(14, "0")


def row_dict(row: IndexRow) -> dict:
    return {**vars(row), "surt": surt_key(row.url)}   # vars, not asdict: no deep copy of plain fields


def record_warc_rows(db: Database, rows: list[IndexRow]) -> None:
    """Store the index rows of one exchange together (re-recording the same record is a no-op)."""
    with db.atomic():
        insert_rows(db, "warc_captures", [row_dict(row) for row in rows], conflict="OR REPLACE")


def last_capture(db: Database, url: str) -> PriorCapture | None:
    """The newest archived 200 response (or revisit of one) of `url`, for revisit records."""
    try:   # asked once per exchange: one indexed query, no schema lookup first
        row = db.conn.execute(
            "select digest, date, record_id, refers_to, record_type from warc_captures "
            "where url = ? and status = 200 and record_type in ('response', 'revisit') and digest != '' "
            "order by date desc limit 1", [url]).fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):      # an archive from before WARC recording
            return None
        raise
    if row is None:
        return None
    digest, date, record_id, refers_to, record_type = row
    if record_type == "revisit" and refers_to:   # a revisit points at the original; so should a later revisit
        record_id = refers_to
    return PriorCapture(digest=digest, date=date, record_id=record_id)


def warc_location(db: Database, url: str, fetched_at: str) -> dict | None:
    """The WARC record (file, offset, length) of the capture of `url` made at or just before `fetched_at`."""
    second = (fetched_at or "9")[:19]      # both sides to the second: '…T13:06:04+00:00' vs '…T13:06:04.5Z'
    row = next(db.query(
        "select warc_file, offset, length, date, record_type from warc_captures "
        "where url = ? and record_type in ('response', 'revisit') "
        "order by (substr(date, 1, 19) <= ?) desc, case when substr(date, 1, 19) <= ? then date end desc, "
        "date limit 1", [url, second, second]), None)
    return dict(row) if row else None


def capture_location(db: Database, url: str, fetched_at: str, warc_file: str | None,
                     offset: int | None) -> dict | None:
    """The WARC record of a capture: exact when the capture kept its (file, offset), else by URL and time."""
    if warc_file and offset is not None:
        row = next(db.query("select warc_file, offset, length, date, record_type from warc_captures "
                            "where warc_file = ? and offset = ?", [warc_file, offset]), None)
        return dict(row) if row else {"warc_file": warc_file, "offset": offset, "length": None}
    return warc_location(db, url, fetched_at)


def index_warc_file(db: Database, path: str | Path) -> int:
    """(Re)index every request/response/revisit record of one WARC file; return how many rows."""
    path = Path(path)
    name = path.name.removesuffix(".open")
    rows = []
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            if record.rec_type in ("request", "response", "revisit"):
                offset = iterator.get_record_offset()
                record.content_stream().read()
                rows.append(index_row(record, name, offset, iterator.get_record_length()))
    for start in range(0, len(rows), 1000):
        record_warc_rows(db, rows[start:start + 1000])
    return len(rows)


def index_warc_dir(db: Database, directory: str | Path) -> int:
    return sum(index_warc_file(db, path) for path in sorted(Path(directory).glob("*.warc.gz")))


def cdxj_lines(db: Database) -> Iterator[str]:
    """CDXJ lines (`surt timestamp {json}`) in pywb's sort order, streamed from the index."""
    sql = ("select * from warc_captures where record_type in ('response', 'revisit') "
           "order by surt, date, warc_file, offset")
    for row in db.query(sql):
        fields = {"url": row["url"], "mime": row["mime"] or "unk", "digest": row["digest"],
                  "length": str(row["length"]), "offset": str(row["offset"]), "filename": row["warc_file"]}
        if row["status"]:
            fields["status"] = str(row["status"])
        yield f"{row['surt']} {cdx_timestamp(row['date'])} {json.dumps(fields, ensure_ascii=False, sort_keys=True)}"


def write_cdxj(db: Database, out_path: str | Path) -> int:
    """Write the whole index as a CDXJ file; return the number of lines."""
    count = 0
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        for line in cdxj_lines(db):
            out.write(line + "\n")
            count += 1
    return count
