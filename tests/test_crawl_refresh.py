"""Refresh mode end to end on a copy of the sample portal (its server sends ETag/Last-Modified and answers 304):
a first crawl, an unchanged refresh from the remembered list pages (cheap, no new version), then an edited, a
deleted and an unlisted report, and a refresh that walks from the home page again (-a rediscover=1)."""
from __future__ import annotations

import re
import shutil

import pytest

from archive.schema import open_archive
from crawler.portal_server import SAMPLE_PORTAL, PortalServer
from tests.conftest import run_scrapy_crawl

ALLOW_LOOPBACK = {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"}
EDITED = "/zwgk/xxgknb/202501/t20250120_1001.html"
DELETED = "/zwgk/xxgknb/202501/t20250124_1002.html"
UNLISTED = "/zwgk/xxgknb/202503/t20250328_1017.html"
ADDED = "/zwgk/xxgknb/202504/t20250402_1020.html"      # a new report, linked from the first list page
LIST_PAGES = {"/zwgk/xxgknb/index.html", "/zwgk/xxgknb/index_1.html"}


def crawl_stats(stderr: str) -> dict[str, int]:
    """The integer stats of the dump `scrapy crawl` logs at the end."""
    return {name: int(value) for name, value in re.findall(r"'([\w/]+)': (\d+)[,}]", stderr)}


def versions_by_url(db) -> dict[str, int]:
    return dict(db.execute("select r.url, count(*) from versions v join reports r using (report_id) "
                           "group by r.url").fetchall())


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """First crawl, unchanged refresh, then add/edit/delete/unlist reports and refresh again, then rediscover."""
    work = tmp_path_factory.mktemp("refresh")
    site = shutil.copytree(SAMPLE_PORTAL, work / "site")
    db_path = work / "out.db"
    server = PortalServer(site)
    server.start()
    try:
        start = {"start_urls": server.url + "/index.html"}
        runs = {"first": run_scrapy_crawl(db_path, start, ALLOW_LOOPBACK)}
        db = open_archive(db_path)
        state = {"first_versions": versions_by_url(db)}
        db.close()
        requested_before = len(server.requested)
        runs["unchanged"] = run_scrapy_crawl(db_path, {**start, "refresh": "1"}, ALLOW_LOOPBACK)
        state["first_requested"] = server.requested[:requested_before]
        state["unchanged_requested"] = server.requested[requested_before:]
        db = open_archive(db_path)
        state["unchanged_versions"] = versions_by_url(db)
        state["gone_after_unchanged"] = db.execute("select count(*) from reports where gone_at is not null").fetchone()[0]
        db.close()
        edit_site(site)
        runs["changed"] = run_scrapy_crawl(db_path, {**start, "refresh": "1"}, ALLOW_LOOPBACK)
        requested_before = len(server.requested)
        runs["rediscover"] = run_scrapy_crawl(db_path, {**start, "refresh": "1", "rediscover": "1"}, ALLOW_LOOPBACK)
        state["rediscover_requested"] = server.requested[requested_before:]
    finally:
        server.stop()
    for name, run in runs.items():
        assert run.returncode == 0, f"{name}: {run.stderr[-3000:]}"
    return {"url": server.url, "db_path": db_path, "stats": {k: crawl_stats(r.stderr) for k, r in runs.items()},
            **state}


def edit_site(site) -> None:
    """One report's text edited in place, one deleted (its list still links it), one dropped from its list, one
    new report (an edited copy) linked at the top of the first list page."""
    edited = site / EDITED.lstrip("/")
    body = edited.read_bytes()
    assert "本年度已结合实际认真贯彻落实".encode() in body
    edited.write_bytes(body.replace("本年度已结合实际认真贯彻落实".encode(), "本年度已结合本地实际认真贯彻落实".encode()))
    (site / DELETED.lstrip("/")).unlink()
    listing = site / "zwgk/xxgknb/index.html"
    lines = listing.read_bytes().split(b"\n")
    kept = [line for line in lines if UNLISTED.rsplit("/", 1)[1].encode() not in line]
    assert len(kept) == len(lines) - 1
    added = site / ADDED.lstrip("/")
    added.parent.mkdir()
    added.write_bytes(body.replace("本年度已结合实际认真贯彻落实".encode(), "本年度新增一份示例报告并认真贯彻落实".encode()))
    anchor = '<li><a href=".{}">示例县2025年政府信息公开工作年度报告</a></li>'.format(ADDED[len("/zwgk/xxgknb"):])
    at = next(i for i, line in enumerate(kept) if b"<li><a href" in line)
    listing.write_bytes(b"\n".join(kept[:at] + [anchor.encode("utf-8")] + kept[at:]))


def test_unchanged_refresh_costs_a_fraction_of_the_first_crawl(refreshed):
    first, again = refreshed["stats"]["first"], refreshed["stats"]["unchanged"]
    assert again["downloader/request_count"] <= 0.6 * first["downloader/request_count"]
    assert again["downloader/response_bytes"] <= 0.15 * first["downloader/response_bytes"]
    # every archived report and both remembered list pages answer "not modified"
    assert again["downloader/response_status_count/304"] == len(refreshed["first_versions"]) + len(LIST_PAGES)


def test_unchanged_refresh_starts_from_the_remembered_list_pages(refreshed):
    assert LIST_PAGES <= set(refreshed["first_requested"]) and LIST_PAGES <= set(refreshed["unchanged_requested"])
    assert not {"/index.html", "/zwgk/index.html"} & set(refreshed["unchanged_requested"])   # no walk from home
    assert refreshed["stats"]["unchanged"]["nianbao/storage/list_page"] == len(LIST_PAGES)


def test_rediscover_walks_from_the_home_page_again(refreshed):
    assert {"/index.html", "/zwgk/index.html"} <= set(refreshed["rediscover_requested"])


def test_new_report_on_a_changed_list_is_found(refreshed):
    db = open_archive(refreshed["db_path"])
    row = db.execute("select gone_at, text like '%本年度新增一份示例报告%' from reports where url = ?",
                     [refreshed["url"] + ADDED]).fetchone()
    assert row == (None, 1)


def test_unchanged_refresh_makes_no_new_version_and_marks_nothing_gone(refreshed):
    assert refreshed["unchanged_versions"] == refreshed["first_versions"]
    assert refreshed["gone_after_unchanged"] == 0
    assert refreshed["stats"]["unchanged"]["nianbao/storage/refresh_not_modified"] == len(refreshed["first_versions"])


def test_refresh_still_reads_robots_txt(refreshed):
    assert "/robots.txt" in refreshed["unchanged_requested"]
    assert not any(path.startswith("/private/") for path in refreshed["unchanged_requested"])


def test_edited_report_gets_exactly_one_new_version(refreshed):
    db = open_archive(refreshed["db_path"])
    after = versions_by_url(db)
    before = refreshed["first_versions"]
    grew = {url: n - before.get(url, 0) for url, n in after.items() if n != before.get(url, 0)}
    assert grew == {refreshed["url"] + EDITED: 1, refreshed["url"] + ADDED: 1}   # the added report: its first
    row = db.execute("select first_seen < last_changed, text like '%本年度已结合本地实际%' from reports where url = ?",
                     [refreshed["url"] + EDITED]).fetchone()
    assert row == (1, 1)


@pytest.mark.parametrize("path, status", [(DELETED, 404), (UNLISTED, None)], ids=["deleted-404", "unlisted"])
def test_vanished_report_is_marked_gone_not_deleted(refreshed, path, status):
    db = open_archive(refreshed["db_path"])
    row = db.execute("select gone_at is not null, gone_status, length(text) > 0 from reports where url = ?",
                     [refreshed["url"] + path]).fetchone()
    assert row == (1, status, 1)


def test_reports_still_published_are_not_gone(refreshed):
    db = open_archive(refreshed["db_path"])
    gone = {row[0] for row in db.execute("select url from reports where gone_at is not null")}
    assert gone == {refreshed["url"] + DELETED, refreshed["url"] + UNLISTED}
