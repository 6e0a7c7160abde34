"""Archive writes: one transaction per item, upserts instead of duplicates, versions on text change."""
import sqlite3

import pytest

from archive.schema import migrations, open_archive
from archive.stats import summarise
from archive.versions import record_capture, record_failure, record_mirror
from crawler.items import CrawlFailure, ReportPage


def page(url="https://www.example.gov.cn/xxgk/t20250120_1.html", text="一、总体情况", **fields):
    defaults = dict(body="<html>…</html>".encode(), fetched_at="2025-02-03T00:00:00+00:00",
                    headers={"content-type": "text/html"}, title="示例县2024年政府信息公开工作年度报告",
                    year=2024, publisher="示例县人民政府办公室", encoding="utf-8")
    defaults.update(fields)
    return ReportPage(url=url, text=text, **defaults)


@pytest.fixture
def db(tmp_path):
    return open_archive(tmp_path / "a.db")


def test_archive_uses_wal_and_records_every_migration_once(db):
    assert db.journal_mode == "wal"
    applied = [row["name"] for row in db.query("select name from _sqlite_migrations")]
    # sqlite-utils applies pending migrations in name order, whatever order the file defines them in
    assert applied == sorted(migration.name for migration in migrations._migrations)
    assert applied[0] == "m001_reports_captures_failures" and migrations.pending(db) == []


def test_recrawl_updates_the_row_instead_of_duplicating(db):
    record_capture(db, page())
    record_capture(db, page(fetched_at="2025-03-01T00:00:00+00:00"))
    row = next(db.query("select * from reports"))
    assert db["reports"].count == 1 and db["captures"].count == 2 and db["versions"].count == 1
    assert (row["first_seen"], row["last_seen"]) == ("2025-02-03T00:00:00+00:00", "2025-03-01T00:00:00+00:00")


def test_changed_text_adds_a_version_and_moves_last_changed(db):
    record_capture(db, page())
    record_capture(db, page(text="一、总体情况（修订）", fetched_at="2025-03-01T00:00:00+00:00"))
    row = next(db.query("select last_changed, text from reports"))
    assert db["versions"].count == 2
    assert row == {"last_changed": "2025-03-01T00:00:00+00:00", "text": "一、总体情况（修订）"}


def test_fragment_variants_of_a_url_are_one_report(db):
    record_capture(db, page())
    record_capture(db, page(url="https://www.example.gov.cn/xxgk/t20250120_1.html#top"))
    assert db["reports"].count == 1


def test_raw_capture_keeps_bytes_and_headers(db):
    body = "示例".encode("gbk")
    record_capture(db, page(body=body, headers={"content-type": "text/html; charset=gbk"}))
    capture = next(db.query("select body, headers from captures"))
    assert capture["body"] == body and "charset=gbk" in capture["headers"]


def test_failed_write_leaves_no_half_written_rows(db):
    # The last write of a capture (its version row) fails inside SQLite: the capture and report rows go too.
    db.execute("CREATE TRIGGER refuse_versions BEFORE INSERT ON versions BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        record_capture(db, page())
    assert (db["captures"].count, db["reports"].count, db["versions"].count) == (0, 0, 0)


def test_mirrors_are_kept_apart_from_reports(db):
    record_mirror(db, page(url="http://www.wfyxz.com/zwgk/1.html", spam_mirror=True,
                           spam_evidence=["non-government host", "pinyin annotations"]))
    assert db["reports"].count == 0 and db["spam_mirrors"].count == 1


def test_summary_counts_years_publishers_and_failure_reasons(db):
    record_capture(db, page())
    record_capture(db, page(url="https://www.example.gov.cn/2.html", year=2023))
    record_failure(db, CrawlFailure(url="https://www.example.gov.cn/x", stage="download", reason="http_500"))
    summary = summarise(db)
    assert summary["reports_by_year"] == [[2024, 1], [2023, 1]]
    assert summary["reports_by_publisher"] == [["示例县人民政府办公室", 2]]
    assert summary["failures_by_reason"] == [["download:http_500", 1]]
