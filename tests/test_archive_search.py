"""Search: trigram FTS with ranking and snippets, LIKE below three characters, filters, index kept in sync."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.schema import open_archive
from archive.search import fts_phrase, like_snippet, ranking_query, search
from archive.versions import record_capture
from crawler.items import ReportPage

SEEDS = Path(__file__).parent / "seeds"


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text("utf-8")


def add_report(db, url, text, title, publisher, year, fetched_at="2025-02-03T00:00:00+00:00"):
    page = ReportPage(url=url, fetched_at=fetched_at, body=text.encode("utf-8"), text=text, title=title,
                      publisher=publisher, year=year, portal="https://www.example.gov.cn/")
    record_capture(db, page)


@pytest.fixture
def db(tmp_path):
    db = open_archive(tmp_path / "a.db")
    # Real report texts from tests/seeds/: 001 营山县 2024, 004 同江市 2024.
    add_report(db, "https://a.example.gov.cn/1.html", seed_text("001"), "营山县人民政府办公室2024年政府信息公开工作年度报告",
               "营山县人民政府办公室", 2024)
    add_report(db, "https://b.example.gov.cn/2.html", seed_text("004"), "同江市2024年政府信息公开工作年度报告",
               "同江市自然资源局", 2024)
    add_report(db, "https://c.example.gov.cn/3.html", "本机关2023年未收到行政复议申请。部署安排见附件。",
               "示例市统计局2023年政府信息公开工作年度报告", "示例市统计局", 2023)
    return db


@pytest.mark.parametrize("query, expected_urls", [
    ("依申请公开", {"https://a.example.gov.cn/1.html", "https://b.example.gov.cn/2.html"}),
    ("行政复议申请", {"https://c.example.gov.cn/3.html"}),
    ("营山县", {"https://a.example.gov.cn/1.html"}),                 # matches the publisher and title too
    ("不存在的词语组合", set()),
], ids=["common-term", "rare-term", "place-name", "no-hit"])
def test_fts_finds_substrings(db, query, expected_urls):
    assert {hit.url for hit in search(db, query)} == expected_urls


@pytest.mark.parametrize("query", ["部署", "局"], ids=["two-chars", "one-char"])
def test_short_queries_fall_back_to_like(db, query):
    # trigram FTS returns nothing for terms under 3 characters; LIKE must still find them
    hits = search(db, query)
    assert hits and all(hit.method == "like" for hit in hits)
    assert "https://c.example.gov.cn/3.html" in {hit.url for hit in hits}


def test_hits_carry_a_highlighted_snippet(db):
    (hit,) = search(db, "行政复议申请")
    assert "[行政复议申请]" in hit.snippet and hit.method == "fts"


@pytest.mark.parametrize("year, publisher, expected", [
    (2023, None, {"https://c.example.gov.cn/3.html"}),
    (None, "自然资源", {"https://b.example.gov.cn/2.html"}),
    (2023, "营山", set()),
], ids=["year", "publisher-substring", "both"])
def test_filters(db, year, publisher, expected):
    assert {hit.url for hit in search(db, "政府信息公开", year=year, publisher=publisher)} == expected


@pytest.mark.parametrize("query", ['"', "AND OR NEAR(", "a*b", "  ", "%_"], ids=["quote", "fts-syntax", "star",
                                                                               "blank", "like-wildcards"])
def test_odd_queries_never_raise(db, query):
    assert isinstance(search(db, query), list)


def test_fts_phrase_escapes_quotes():
    assert fts_phrase('年报"2024') == '"年报""2024"'


def test_ranking_puts_denser_matches_first(db):
    add_report(db, "https://d.example.gov.cn/4.html", "依申请公开。" * 50, "依申请公开情况", "示例县政务服务中心", 2024)
    assert search(db, "依申请公开")[0].url == "https://d.example.gov.cn/4.html"


def test_recrawls_keep_the_index_in_sync_without_bloat(db):
    for round_ in range(5):                  # same report re-captured with changing text
        add_report(db, "https://c.example.gov.cn/3.html", f"第{round_}版：本机关未收到行政复议申请。",
                   "示例市统计局2023年政府信息公开工作年度报告", "示例市统计局", 2023)
    docsize = db.execute("select count(*) from reports_fts_docsize").fetchone()[0]
    assert docsize == db["reports"].count == 3
    assert search(db, "第4版") and not search(db, "第3版")


def test_like_snippet_marks_the_first_occurrence():
    assert like_snippet("甲乙丙部署丁", "部署", ("<", ">")) == "甲乙丙<部署>丁"


@pytest.mark.parametrize("year, publisher", [
    (2024, None), (None, "自然资源局"), (None, "营山"), (2024, "人民政府办公室"), (2023, "统计局"),
], ids=["year", "publisher-fts", "publisher-short-like", "both", "both-other-year"])
def test_filtered_ranking_equals_filtering_the_ranking(db, year, publisher):
    # the rowid-set filters must keep exactly the hits, in the same order, that filtering every hit would
    everything = search(db, "政府信息公开", limit=100)
    expected = [hit.url for hit in everything if (year is None or hit.year == year)
                and (publisher is None or publisher in hit.publisher)]
    assert [hit.url for hit in search(db, "政府信息公开", year=year, publisher=publisher, limit=100)] == expected


@pytest.mark.parametrize("year, publisher", [(2024, None), (None, "自然资源局"), (2024, "人民")],
                         ids=["year", "publisher-fts", "both-publisher-like"])
def test_filtered_ranking_never_reads_report_rows(db, year, publisher):
    # EXPLAIN QUERY PLAN: matches come from FTS5, filters are rowid sets built from an index or the FTS index;
    # `reports` rows (whole texts) are never scanned or looked up per match.
    sql, params = ranking_query("政府信息公开", year, publisher, 20)
    steps = [row[3] for row in db.execute("explain query plan " + sql, params)]
    assert any("VIRTUAL TABLE INDEX" in step for step in steps) and any("LIST SUBQUERY" in step for step in steps)
    on_reports = [step for step in steps if " reports " in step + " "]
    assert all("COVERING INDEX" in step for step in on_reports)   # index entries, never rows
