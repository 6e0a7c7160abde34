"""Export reports for parsers as JSONL, CSV or Parquet: metadata, cleaned text, table grids, provenance.

One record per report (its current version), or per version with `all_versions`. Rows are streamed from
SQLite in URL order and written as they come (Parquet in batches), so memory stays flat on any archive.
Output is deterministic: fixed row order, sorted JSON keys, UTF-8 without ASCII escapes.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sqlite_utils import Database

from archive.json_columns import to_json
from archive.warc_index import capture_location

FORMATS = ("jsonl", "csv", "parquet")
PARQUET_BATCH = 500
METADATA_FIELDS = ("report_id", "url", "portal", "title", "year", "publisher", "index_no", "doc_no",
                   "generated_date", "publish_date", "topic", "site_id_code", "extractor", "sha256",
                   "fetched_at", "first_seen", "last_seen", "last_changed", "gone_at", "gone_status")
PROVENANCE_FIELDS = ("capture_id", "captured_at", "status", "encoding", "encoding_source", "encoding_detail",
                     "warc_file", "warc_offset", "warc_length")
# Flat column order for CSV and Parquet; nested values (tables, metadata_sources, encoding_detail) as JSON text.
FLAT_COLUMNS = (*METADATA_FIELDS, "is_current", "text", "tables", "metadata_sources",
                *(f"provenance_{name}" for name in PROVENANCE_FIELDS))
INT_COLUMNS = {"year", "gone_status", "provenance_capture_id", "provenance_status", "provenance_warc_offset",
               "provenance_warc_length"}


class ParquetUnavailable(RuntimeError):
    """pyarrow is not installed: `pip install 'nianbao[parquet]'`."""


@dataclass(frozen=True)
class ExportFilter:
    year: int | None = None
    since: str | None = None          # ISO date: reports changed (versions fetched) on or after it
    publisher: str | None = None      # substring of 发布机构
    all_versions: bool = False


def selection_sql(flt: ExportFilter) -> tuple[str, list]:
    """The streaming query: current versions in URL order, or every version in (URL, time) order."""
    text_from = "v" if flt.all_versions else "r"
    changed = "v.fetched_at" if flt.all_versions else "r.last_changed"
    clauses, params = [], []
    if flt.year is not None:
        clauses.append("r.year = ?")
        params.append(flt.year)
    if flt.since:
        clauses.append(f"{changed} >= ?")
        params.append(flt.since)
    if flt.publisher:
        clauses.append("instr(r.publisher, ?) > 0")
        params.append(flt.publisher)
    where = " where " + " and ".join(clauses) if clauses else ""
    join = "from versions v join reports r on r.report_id = v.report_id" if flt.all_versions else "from reports r"
    capture = "v.capture_id" if flt.all_versions else "r.capture_id"
    order = "r.url, r.report_id, v.fetched_at, v.sha256" if flt.all_versions else "r.url, r.report_id"
    sql = (f"select r.report_id, r.url, r.portal, r.title, r.year, r.publisher, r.index_no, r.doc_no, "
           f"r.generated_date, r.publish_date, r.topic, r.site_id_code, r.extractor, r.first_seen, r.last_seen, "
           f"r.last_changed, r.gone_at, r.gone_status, r.metadata_sources, {text_from}.sha256 as sha256, "
           f"{text_from}.fetched_at as fetched_at, {text_from}.text as text, {text_from}.tables as tables, "
           f"{text_from}.sha256 = r.sha256 as is_current, c.capture_id, c.fetched_at as captured_at, c.status, "
           f"c.encoding, c.encoding_source, c.encoding_detail, c.warc_file, c.warc_offset "
           f"{join} left join captures c on c.capture_id = {capture}{where} order by {order}")
    return sql, params


def parse_json(value, default):
    try:
        return json.loads(value) if value else default
    except ValueError:
        return default


def export_records(db: Database, flt: ExportFilter = ExportFilter()) -> Iterator[dict]:
    """Export records, one dict each, nested: metadata, text, tables, provenance."""
    has_warc = "warc_captures" in db.table_names()
    sql, params = selection_sql(flt)
    for row in db.query(sql, params):
        record = {name: row[name] for name in METADATA_FIELDS}
        record.update(text=row["text"] or "", tables=parse_json(row["tables"], []),
                      metadata_sources=parse_json(row["metadata_sources"], {}), is_current=bool(row["is_current"]))
        where = capture_location(db, row["url"], row["captured_at"] or "", row["warc_file"],
                                 row["warc_offset"]) if has_warc else None
        record["provenance"] = {
            "capture_id": row["capture_id"], "captured_at": row["captured_at"], "status": row["status"],
            "encoding": row["encoding"], "encoding_source": row["encoding_source"],
            "encoding_detail": parse_json(row["encoding_detail"], {}),
            "warc_file": where["warc_file"] if where else None,
            "warc_offset": where["offset"] if where else None,
            "warc_length": where["length"] if where else None,
        }
        yield record


def flatten(record: dict) -> dict:
    """One record as flat columns (FLAT_COLUMNS), nested values as sorted-key JSON text."""
    flat = {name: record[name] for name in (*METADATA_FIELDS, "is_current", "text")}
    flat["tables"] = to_json(record["tables"])
    flat["metadata_sources"] = to_json(record["metadata_sources"])
    for name, value in record["provenance"].items():
        flat[f"provenance_{name}"] = to_json(value) if isinstance(value, (dict, list)) else value
    return flat


def export(db: Database, out_path: str | Path, fmt: str, flt: ExportFilter = ExportFilter(),
           progress: Callable[[int], None] | None = None) -> int:
    """Write the selection to `out_path` in `fmt`; return the number of records."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    writer = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}[fmt]
    return writer(export_records(db, flt), Path(out_path), progress or (lambda n: None))


def write_jsonl(records, out_path: Path, progress) -> int:
    count = 0
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(to_json(record) + "\n")
            count += 1
            progress(1)
    return count


def write_csv(records, out_path: Path, progress) -> int:
    count = 0
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(flatten(record))
            count += 1
            progress(1)
    return count


def parquet_schema():
    try:
        import pyarrow as pa
    except ImportError as error:
        raise ParquetUnavailable("Parquet export needs pyarrow: pip install 'nianbao[parquet]'") from error
    types = {"is_current": pa.bool_()}
    return pa.schema([(name, pa.int64() if name in INT_COLUMNS else types.get(name, pa.string()))
                      for name in FLAT_COLUMNS])


def write_parquet(records, out_path: Path, progress) -> int:
    schema = parquet_schema()
    import pyarrow as pa
    import pyarrow.parquet as pq

    count = 0
    with pq.ParquetWriter(str(out_path), schema, compression="zstd") as writer:
        batch: list[dict] = []
        for record in records:
            batch.append(flatten(record))
            count += 1
            progress(1)
            if len(batch) >= PARQUET_BATCH:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
    return count


def count_records(db: Database, flt: ExportFilter = ExportFilter()) -> int:
    """How many records `export` will write (for a progress bar)."""
    sql, params = selection_sql(flt)
    return db.execute(f"select count(*) from ({sql})", params).fetchone()[0]
