"""Resume after SIGKILL: JOBDIR marker handling, requests that pickle, and a real crawl killed and restarted."""
from __future__ import annotations

import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.refresh import KnownReport
from archive.schema import open_archive
from crawler.portals import Portal
from spiders.platforms import ListPage
from spiders.refresh import recheck_request
from spiders.reports import ReportsSpider
from spiders.resume import MARKER, close_job, killed_job_started_at, open_job
from tests.conftest import REPO, run_scrapy_crawl

ALLOW_LOOPBACK = {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"}
T0, T1 = "2026-02-01T00:00:00+00:00", "2026-02-01T01:00:00+00:00"


@pytest.mark.parametrize("before, killed, started_at, kept", [
    (None, False, T1, ("requests.seen",)),                    # a new job: Scrapy's files left alone
    ({"started_at": T0, "running": False}, False, T0, ("requests.seen",)),   # paused with Ctrl-C: Scrapy resumes
    ({"started_at": T0, "running": True}, True, T0, ()),      # killed: the scheduler state is dropped
    ("not json", False, T1, ("requests.seen",)),              # a damaged marker is a new job, not a crash
], ids=["new", "clean-pause", "killed", "damaged-marker"])
def test_open_job(tmp_path, before, killed, started_at, kept):
    (tmp_path / "requests.seen").write_bytes(b"\x14" + b"f" * 20)
    (tmp_path / "requests.queue").mkdir()
    if before is not None:
        (tmp_path / MARKER).write_text(before if isinstance(before, str) else json.dumps(before), "utf-8")
    state = open_job(tmp_path, T1)
    assert (state.killed, state.started_at) == (killed, started_at)
    assert tuple(name for name in ("requests.seen",) if (tmp_path / name).exists()) == kept
    assert json.loads((tmp_path / MARKER).read_text("utf-8"))["running"] is True


def test_killed_job_start_is_known_until_the_run_closes(tmp_path):
    settings = get_crawler(settings_dict={"JOBDIR": str(tmp_path)}).settings
    open_job(tmp_path, T0)
    open_job(tmp_path, T1)                                     # restarted after a kill
    assert killed_job_started_at(settings) == T0
    close_job(tmp_path)
    assert killed_job_started_at(settings) == ""
    assert killed_job_started_at(get_crawler().settings) == ""     # no JOBDIR at all


def test_requests_survive_jobdir_pickling():
    """JOBDIR pickles every queued request: meta values must pickle, callbacks must be spider methods."""
    crawler = get_crawler(ReportsSpider, settings_dict={"NIANBAO_DB": "/nonexistent/x.db"})
    spider = ReportsSpider.from_crawler(crawler, start_urls="https://www.example.gov.cn/")
    portal = Portal("示例县", "https://www.example.gov.cn/", "county", "四川/南充")
    context = {"nianbao_portal": portal, "nianbao_depth": 1, "nianbao_root": "https://www.example.gov.cn"}
    report = KnownReport("id", "https://www.example.gov.cn/a.html", "示例县", "", "", '"e"', "", None, "年报")
    requests = [
        spider.follow("https://www.example.gov.cn/list.html", context, nianbao_list_title="年报"),
        spider.follow("https://www.example.gov.cn/dataproxy.jsp", context,
                      ListPage("https://www.example.gov.cn/dataproxy.jsp", "hanweb", "POST", (("page", "2"),))),
        recheck_request(spider.follow(report.url, context), report, listed=False),
    ]
    for request in requests:
        again = request_from_dict(pickle.loads(pickle.dumps(request.to_dict(spider=spider))), spider=spider)
        assert (again.url, again.meta, again.callback, again.errback) == \
               (request.url, request.meta, spider.parse, spider.on_error)
        assert again.headers == request.headers


def stored_reports(db_path) -> int:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
            return db.execute("select count(*) from reports").fetchone()[0]
    except sqlite3.Error:                                      # not created yet, or mid-migration
        return 0


def warc_responses(warc_dir) -> list[str]:
    """Target URIs of the response records, read with warcio checking every digest (raises on a torn file)."""
    urls = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            urls += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh, check_digests="raise")
                     if r.rec_type == "response"]
    return urls


def test_killed_crawl_resumes_without_losing_or_duplicating_reports(portal, tmp_path):
    reference = run_scrapy_crawl(tmp_path / "ref.db", {"start_urls": portal.url + "/index.html"}, ALLOW_LOOPBACK)
    assert reference.returncode == 0, reference.stderr[-3000:]
    expected = {row[0] for row in open_archive(tmp_path / "ref.db").execute("select url from reports")}

    db_path, jobdir = tmp_path / "job.db", tmp_path / "job"
    slow = ["-s", "DOWNLOAD_DELAY=0.4", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING"]
    command = [sys.executable, "-m", "scrapy", "crawl", "reports", "-s", f"NIANBAO_DB={db_path}", "-s",
               f"JOBDIR={jobdir}", "-a", f"start_urls={portal.url}/index.html", "-s", "NIANBAO_ALLOW_PRIVATE_HOSTS=1",
               *slow]
    child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and child.poll() is None and stored_reports(db_path) < 1:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    before_kill = {row[0] for row in open_archive(db_path).execute("select url from reports")}
    assert 1 <= len(before_kill) < len(expected), "the kill did not land mid-crawl"
    assert json.loads((jobdir / MARKER).read_text("utf-8"))["running"] is True

    result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"}, {**ALLOW_LOOPBACK,
                                                                                    "JOBDIR": str(jobdir)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'nianbao/resume/killed_job': 1" in result.stderr
    db = open_archive(db_path)
    assert {row[0] for row in db.execute("select url from reports")} == expected          # nothing lost
    assert db.execute("select count(*) from versions").fetchone()[0] == len(expected)      # nothing duplicated
    assert db.execute("select count(*) from captures where report_id is not null group by url "
                      "order by 1 desc limit 1").fetchone()[0] == 1          # stored reports not fetched again
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    responses = warc_responses(tmp_path / "job-warc")
    assert all(responses.count(url) == 1 for url in before_kill)
    assert not list((tmp_path / "job-warc").glob("*.open"))
