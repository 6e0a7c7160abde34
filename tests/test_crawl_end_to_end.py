"""The real spider, pipelines and archive against the sample portal served on 127.0.0.1."""
from __future__ import annotations

import pytest

from archive.schema import open_archive
from tests.conftest import run_scrapy_crawl
from tests.forward_proxy import ForwardProxy

ALLOW_LOOPBACK = {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"}


@pytest.fixture(scope="module")
def crawled(portal, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("crawl") / "out.db"
    result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"}, ALLOW_LOOPBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    return db_path, result


def reports_by_path(db_path, portal) -> dict:
    db = open_archive(db_path)
    return {row["url"].removeprefix(portal.url): row for row in db.query("select * from reports")}


def test_every_expected_report_is_archived_and_nothing_else(crawled, portal, expected):
    rows = reports_by_path(crawled[0], portal)
    assert sorted(rows) == sorted(report["path"] for report in expected["reports"])


@pytest.mark.parametrize("field", ["title", "year", "publisher", "index_no", "generated_date"])
def test_report_metadata(crawled, portal, expected, field):
    rows = reports_by_path(crawled[0], portal)
    for report in expected["reports"]:
        assert rows[report["path"]][field] == report[field], report["path"]


def test_report_text_is_the_body_and_only_the_body(crawled, portal, expected):
    rows = reports_by_path(crawled[0], portal)
    for report in expected["reports"]:
        text = rows[report["path"]]["text"]
        for snippet in report["must_contain"]:
            assert snippet in text, (report["path"], snippet)
        for snippet in report["must_not_contain"]:
            assert snippet not in text, (report["path"], snippet)


def test_gbk_page_is_decoded_from_its_header(crawled, portal, expected):
    rows = reports_by_path(crawled[0], portal)
    gbk = [report["path"] for report in expected["reports"] if report["charset"] == "gbk"]
    assert gbk and all(rows[path]["encoding"] == "gb18030" for path in gbk)


def test_failures_are_recorded_with_their_reason(crawled, portal, expected):
    db = open_archive(crawled[0])
    failures = {(row["url"].removeprefix(portal.url), row["reason"]) for row in db.query("select * from failures")}
    for failure in expected["failures"]:
        assert (failure["path"], failure["reason"]) in failures


def test_robots_disallowed_pages_are_never_fetched(crawled, portal, expected):
    db = open_archive(crawled[0])
    captured = {row["url"].removeprefix(portal.url) for row in db.query("select url from captures")}
    assert not captured & set(expected["robots_disallowed"])
    assert "robots_disallowed" in {row["reason"] for row in db.query("select reason from failures")}


def test_raw_captures_are_kept_for_every_report(crawled):
    db = open_archive(crawled[0])
    orphans = db.execute("select count(*) from reports r left join captures c using (capture_id) "
                         "where c.body is null").fetchone()[0]
    assert orphans == 0


def test_recrawl_updates_rows_instead_of_duplicating(portal, expected, tmp_path):
    db_path = tmp_path / "twice.db"
    for _ in range(2):
        result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"}, ALLOW_LOOPBACK)
        assert result.returncode == 0, result.stderr[-3000:]
    db = open_archive(db_path)
    assert db["reports"].count == len(expected["reports"])
    assert db["versions"].count == len(expected["reports"])
    files = len(expected["attachments"]["pointer"]) + len(expected["attachments"]["corrupt"])   # pointer pages' files
    assert db["captures"].count == 2 * (len(expected["reports"]) + files)


def test_loopback_targets_are_refused_by_default(portal, tmp_path):
    db_path = tmp_path / "refused.db"
    result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"})
    # Nothing found is a failed crawl (exit 1) that names the spider; the refusals are recorded.
    assert result.returncode == 1 and "The reports spider found no report" in result.stderr, result.stderr[-3000:]
    db = open_archive(db_path)
    assert db["reports"].count == 0
    assert {row["reason"] for row in db.query("select reason from failures")} == {"private_address"}


def test_crawl_through_a_proxy_for_hosts_that_do_not_resolve_here(portal, expected, tmp_path):
    db_path = tmp_path / "proxied.db"
    unresolvable = "http://www.nianbao-sample.gov.cn.invalid"
    with ForwardProxy(portal.url) as proxy:
        result = run_scrapy_crawl(db_path, {"start_urls": unresolvable + "/index.html"},
                                  env={"http_proxy": proxy.url, "no_proxy": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    db = open_archive(db_path)
    assert db["reports"].count == len(expected["reports"])
    assert set(proxy.seen_hosts) == {"www.nianbao-sample.gov.cn.invalid"}


def test_portals_csv_argument(portal, expected, tmp_path):
    portals = tmp_path / "portals.csv"
    portals.write_text(f"name,url,level\n示例市,{portal.url}/index.html,city\n", encoding="utf-8")
    db_path = tmp_path / "csv.db"
    result = run_scrapy_crawl(db_path, {"portals": portals}, ALLOW_LOOPBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    db = open_archive(db_path)
    assert db["reports"].count == len(expected["reports"])
    assert {row["portal"] for row in db.query("select portal from reports")} == {"示例市"}
