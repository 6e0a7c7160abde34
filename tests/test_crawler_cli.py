"""The nianbao command line: extract's JSON contract, stats, help, and the offline demo."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from archive.schema import open_archive
from archive.versions import record_capture, record_failure
from crawler.cli import main
from crawler.items import CrawlFailure, ReportPage
from crawler.portal_server import SAMPLE_PORTAL
from tests.conftest import REPO

CONTRACT_KEYS = {"url", "title", "year", "index_no", "publisher", "generated_date", "text", "encoding",
                 "spam_mirror"}
PINGTAN = REPO / "tests/pages/extraction/02_pingtan_2024_nianbao_detail_trs.html"
PINGTAN_URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm"


def run_cli(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def test_extract_prints_one_json_object_with_the_contract_keys():
    result = run_cli("extract", PINGTAN, "--url", PINGTAN_URL)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert CONTRACT_KEYS <= set(record)
    assert record["title"] == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert record["year"] == 2024 and record["spam_mirror"] is False
    assert record["index_no"] is None          # the page has no 索引号: null, never ""
    assert record["text"].startswith("本报告根据《中华人民共和国政府信息公开条例》")
    assert len(record["tables"]) == 3


def test_extract_honours_the_given_content_type_for_gbk_bytes(expected):
    gbk = next(report for report in expected["reports"] if report["charset"] == "gbk")
    page = SAMPLE_PORTAL / gbk["path"].lstrip("/")
    result = run_cli("extract", page, "--url", "http://www.example.gov.cn" + gbk["path"],
                     "--content-type", "text/html; charset=gbk")
    record = json.loads(result.stdout)
    assert (record["encoding"], record["title"], record["index_no"]) == ("gb18030", gbk["title"], gbk["index_no"])


@pytest.mark.parametrize("content,reason", [
    (None, "Cannot read"),
    (b"", "is empty"),
    (b"%PDF-1.4\x00\x01\x02" * 200, "undecodable"),
], ids=["missing", "empty", "binary"])
def test_extract_unreadable_input_exits_nonzero_with_one_sentence(tmp_path, content, reason):
    path = tmp_path / "page.html"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("extract", path, "--url", "https://www.example.gov.cn/x.html")
    assert result.exit_code == 1 and result.stdout == ""
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_stats_summarises_years_publishers_and_failures(tmp_path):
    db_path = tmp_path / "a.db"
    db = open_archive(db_path)
    record_capture(db, ReportPage(url="https://www.example.gov.cn/1.html", text="正文", year=2024,
                                  publisher="示例县人民政府办公室", fetched_at="2025-02-01T00:00:00+00:00"))
    record_failure(db, CrawlFailure(url="https://www.example.gov.cn/2.html", stage="download", reason="timeout"))
    text = run_cli("stats", "--db", db_path).stdout
    assert "2024: 1" in text and "示例县人民政府办公室: 1" in text and "download:timeout: 1" in text
    summary = json.loads(run_cli("stats", "--db", db_path, "--json").stdout)
    assert summary["reports"] == 1 and summary["failures_by_reason"] == [["download:timeout", 1]]


def test_stats_on_a_missing_archive_fails_clearly(tmp_path):
    result = run_cli("stats", "--db", tmp_path / "none.db")
    assert result.exit_code == 1 and "No archive at" in result.stderr


@pytest.mark.parametrize("command", ["crawl", "demo", "extract", "stats", "migrate"])
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.exit_code == 0 and "Example: nianbao " + command in result.output


def test_demo_serves_the_sample_portal_and_reports_what_it_archived(tmp_path, expected):
    db_path = tmp_path / "demo.db"
    result = subprocess.run([sys.executable, "-m", "crawler", "demo", "--db", str(db_path)],
                            capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Archive: {db_path}" in result.stdout
    assert f"reports: {len(expected['reports'])}" in result.stdout
    for report in expected["reports"]:
        assert report["title"] in result.stdout


def test_crawl_that_finds_no_report_exits_1(tmp_path):
    # A loopback portal is refused in a public crawl: nothing found, so the command fails and says which spider.
    db_path = tmp_path / "empty.db"
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--start-urls", "http://127.0.0.1:9/",
                             "--db", str(db_path)], capture_output=True, text=True, timeout=180, cwd=REPO)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "The reports spider found no report on 1 portals" in result.stderr
