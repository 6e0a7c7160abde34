"""Export: one record per report or per version, filters, deterministic output, CSV/Parquet shapes, CLI."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from archive.export import FLAT_COLUMNS, ExportFilter, ParquetUnavailable, export, export_records
from archive.schema import open_archive
from archive.versions import record_capture
from crawler.cli import main
from crawler.items import ReportPage

TABLE = [{"rows": [["收到申请数", "74"], ["办结", "72"]]}]


def add_report(db, url, text, year, publisher, fetched_at):
    record_capture(db, ReportPage(
        url=url, fetched_at=fetched_at, body=text.encode("gb18030"), text=text, title=f"{publisher}{year}年年报",
        publisher=publisher, year=year, tables=TABLE, encoding="gb18030", encoding_source="meta",
        headers={"content-type": "text/html"}, portal="https://www.example.gov.cn/"))


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "a.db"
    db = open_archive(path)
    add_report(db, "https://www.example.gov.cn/b.html", "二〇二四年，收到申请74件。", 2024, "示例县人民政府办公室",
               "2025-01-20T02:00:00+00:00")
    add_report(db, "https://www.example.gov.cn/a.html", "2023年报告正文。", 2023, "示例县统计局",
               "2024-01-25T02:00:00+00:00")
    add_report(db, "https://www.example.gov.cn/b.html", "二〇二四年，收到申请75件（更正）。", 2024,
               "示例县人民政府办公室", "2025-03-01T02:00:00+00:00")    # silently edited later
    return path


def test_one_record_per_report_in_url_order_with_current_text(db_path):
    records = list(export_records(open_archive(db_path)))
    assert [r["url"] for r in records] == ["https://www.example.gov.cn/a.html", "https://www.example.gov.cn/b.html"]
    assert records[1]["text"] == "二〇二四年，收到申请75件（更正）。" and records[1]["tables"] == TABLE


def test_all_versions_gives_the_history_oldest_first(db_path):
    records = list(export_records(open_archive(db_path), ExportFilter(all_versions=True)))
    b = [r for r in records if r["url"].endswith("b.html")]
    assert [r["is_current"] for r in b] == [False, True]
    assert b[0]["text"].endswith("74件。") and b[0]["fetched_at"] < b[1]["fetched_at"]


@pytest.mark.parametrize("flt, urls", [
    (ExportFilter(year=2023), ["a.html"]),
    (ExportFilter(publisher="人民政府"), ["b.html"]),
    (ExportFilter(since="2025-02-01"), ["b.html"]),          # changed after the date: only the edited one
    (ExportFilter(since="2030-01-01"), []),
], ids=["year", "publisher", "since", "since-future"])
def test_filters(db_path, flt, urls):
    assert [r["url"].rsplit("/", 1)[1] for r in export_records(open_archive(db_path), flt)] == urls


def test_provenance_names_capture_and_encoding_decision(db_path):
    record = next(export_records(open_archive(db_path)))
    provenance = record["provenance"]
    assert provenance["encoding"] == "gb18030" and provenance["encoding_source"] == "meta"
    assert provenance["captured_at"] == "2024-01-25T02:00:00+00:00" and provenance["capture_id"]
    assert provenance["warc_file"] is None              # no WARC was recorded for these captures


def test_jsonl_is_deterministic_and_keeps_chinese(db_path, tmp_path):
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    export(open_archive(db_path), first, "jsonl")
    export(open_archive(db_path), second, "jsonl")
    assert first.read_bytes() == second.read_bytes()
    line = first.read_text("utf-8").splitlines()[0]
    assert "报告正文" in line and list(json.loads(line)) == sorted(json.loads(line))


def test_csv_has_fixed_flat_columns(db_path, tmp_path):
    out = tmp_path / "r.csv"
    assert export(open_archive(db_path), out, "csv") == 2
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == FLAT_COLUMNS
    assert json.loads(rows[1]["tables"]) == TABLE and rows[1]["provenance_encoding"] == "gb18030"


def test_parquet_round_trips(db_path, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="parquet export is the optional [parquet] extra")
    out = tmp_path / "r.parquet"
    assert export(open_archive(db_path), out, "parquet", ExportFilter(all_versions=True)) == 3
    table = pq.read_table(out)
    assert table.column_names == list(FLAT_COLUMNS) and table.num_rows == 3
    assert table.column("year").to_pylist() == [2023, 2024, 2024]


def test_parquet_without_pyarrow_is_a_named_error(db_path, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ParquetUnavailable):
        export(open_archive(db_path), tmp_path / "r.parquet", "parquet")


def test_cli_export_writes_the_file_and_no_progress_bar_off_a_terminal(db_path, tmp_path):
    out = tmp_path / "cli.jsonl"
    result = CliRunner().invoke(main, ["export", "--db", str(db_path), "--format", "jsonl", "--out", str(out),
                                       "--year", "2024"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text("utf-8").splitlines()) == 1 and "Exporting" not in result.output


def test_cli_export_of_a_missing_archive_fails_in_one_sentence(tmp_path):
    result = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "none.db"), "--format", "csv",
                                       "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and result.output.strip().startswith("No archive at")
