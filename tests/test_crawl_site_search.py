"""The site-search fallback end to end: the real spider finds a portal's 年报 only through its was5 search (issue 4)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.schema import open_archive
from crawler.portal_server import PortalServer
from spiders.platforms import selector, sitesearch
from tests.conftest import run_scrapy_crawl

PLATFORMS = Path(__file__).parent / "pages" / "platforms"
SEARCH_PAGES = 2   # NIANBAO_SITE_SEARCH_PAGES for these crawls: the portal's pager announces 4 result pages
ALLOW_LOOPBACK = {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"}


def expected_of(name: str) -> dict:
    return json.loads((PLATFORMS / name / "EXPECTED.json").read_text("utf-8"))


def crawl_portals(tmp_path, servers: dict[str, PortalServer], settings: dict, **spider_args):
    csv = tmp_path / "portals.csv"
    csv.write_text("name,url\n" + "".join(f"{n},{s.url}/index.html\n" for n, s in servers.items()), encoding="utf-8")
    db = tmp_path / "out.db"
    return db, run_scrapy_crawl(db, {"portals": csv, **spider_args}, {**ALLOW_LOOPBACK, **settings})


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The search portal and the static one (a 年报 column, and the same search form) crawled together."""
    with PortalServer(PLATFORMS / "search" / "site") as search, PortalServer(PLATFORMS / "static" / "site") as static:
        db, result = crawl_portals(tmp_path_factory.mktemp("crawl"), {"search": search, "static": static},
                                   {"NIANBAO_SITE_SEARCH_PAGES": SEARCH_PAGES})
        assert result.returncode == 0, result.stderr[-3000:]
        yield open_archive(db), search, static, result


def stored(db, server, portal: str) -> set[str]:
    return {r["url"].removeprefix(server.url) for r in db.query("select url from reports where portal = ?", [portal])}


def search_requests(server) -> list[str]:
    return [path for path in server.requested if urlsplit(path).path == "/was5/web/search"]


def test_portal_routes_answer_the_word_the_spider_asks_for():
    rebuild = "QUERY changed: edit search_site() and run python tests/tools/build_platform_portals.py"
    assert expected_of("search")["search_word"] == sitesearch.QUERY, rebuild


def test_walk_alone_finds_no_report(tmp_path):
    """Without the fallback the crawl of this portal stores nothing: its 年报 are reachable by search only."""
    with PortalServer(PLATFORMS / "search" / "site") as search:
        db, result = crawl_portals(tmp_path, {"search": search}, {"NIANBAO_SITE_SEARCH_PAGES": 0})
        assert "/zwgk/fdzdgk/index.html" in search.requested   # the walk did go through 政务公开
        assert not search_requests(search)
    assert "found no report" in result.stderr
    assert open_archive(db)["reports"].count == 0


def test_every_report_found_through_the_search(crawled):
    db, search, _, _ = crawled
    assert stored(db, search, "search") == {r["path"] for r in expected_of("search")["reports"]}


def test_decoys_in_results_are_never_fetched_or_stored(crawled):
    db, search, _, _ = crawled
    decoys = set(expected_of("search")["decoys"])
    assert not decoys & set(search.requested)
    assert not decoys & stored(db, search, "search")


def test_site_search_stat_counts_one_search(crawled):
    *_, result = crawled
    assert re.search(r"'nianbao/discovery/site_search': 1\b", result.stderr), result.stderr[-2000:]


def test_result_pages_stop_at_the_setting(crawled):
    _, search, _, _ = crawled
    expected = expected_of("search")
    asked = search_requests(search)
    assert asked == expected["list_pages"][:SEARCH_PAGES]   # page 1, then page 2; each once
    assert not set(expected["never_requested"]) & set(search.requested)


def test_portal_with_a_column_never_asks_its_search(crawled):
    db, _, static, _ = crawled
    home = (PLATFORMS / "static" / "site" / "index.html").read_text("utf-8")
    assert sitesearch.search_request(home, static.url + "/index.html", selector(home), urlsplit(static.url).netloc)
    assert len(stored(db, static, "static")) == len(expected_of("static")["reports"])
    assert not search_requests(static)


def test_refresh_rereads_changed_result_pages(tmp_path):
    """A refresh starts from the remembered result pages; changed ones (200, not 304) are read without error."""
    site = shutil.copytree(PLATFORMS / "search" / "site", tmp_path / "site")
    settings = {"NIANBAO_SITE_SEARCH_PAGES": SEARCH_PAGES}
    with PortalServer(site) as search:
        db, first = crawl_portals(tmp_path, {"search": search}, settings)
        assert first.returncode == 0, first.stderr[-3000:]
        for page in (site / "_was5").glob("result*.html"):   # e.g. a new visit counter: new ETag, same links
            page.write_bytes(page.read_bytes() + b"<!-- 2025-02-01 -->\n")
        search.requested.clear()
        db, again = crawl_portals(tmp_path, {"search": search}, settings, refresh="1")
    assert again.returncode == 0 and "spider_exceptions" not in again.stderr, again.stderr[-3000:]
    assert sorted(search_requests(search)) == sorted(expected_of("search")["list_pages"])   # each once, no more
    assert stored(open_archive(db), search, "search") == {r["path"] for r in expected_of("search")["reports"]}
