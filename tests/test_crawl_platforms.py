"""The real spider and pipelines over the multi-portal test site: one portal per list convention, on 127.0.0.1."""
from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest

from archive.crawl_report import format_crawl_report, latest_crawl_report
from archive.schema import open_archive
from crawler.portal_server import PortalServer
from crawler.settings import NIANBAO_CHROMIUM
from tests.conftest import run_scrapy_crawl

PLATFORMS = Path(__file__).parent / "pages" / "platforms"
CHROMIUM = NIANBAO_CHROMIUM
HAS_CHROMIUM = shutil.which(CHROMIUM) is not None
CONVENTIONS = ["static", "trs", "hanweb", "gkmlpt", "rendered", "search"]
NEEDS_CHROMIUM = pytest.mark.skipif(not HAS_CHROMIUM, reason=f"{CHROMIUM} is absent (apt-get install chromium-headless-shell)")


def params():
    return [pytest.param(c, marks=NEEDS_CHROMIUM) if c == "rendered" else c for c in CONVENTIONS]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """All portals served at once, crawled once; yields (db, {name: (server, EXPECTED)}, crawl result)."""
    names = [c for c in CONVENTIONS if c != "rendered" or HAS_CHROMIUM]
    with ExitStack() as stack:
        portals = {n: (stack.enter_context(PortalServer(PLATFORMS / n / "site")),
                       json.loads((PLATFORMS / n / "EXPECTED.json").read_text("utf-8"))) for n in names}
        csv = tmp_path_factory.mktemp("portals") / "portals.csv"
        csv.write_text("name,url\n" + "".join(f"{n},{s.url}{e['home']}\n" for n, (s, e) in portals.items()),
                       encoding="utf-8")
        db = tmp_path_factory.mktemp("crawl") / "platforms.db"
        result = run_scrapy_crawl(db, {"portals": csv}, {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"})
        assert result.returncode == 0, result.stderr[-3000:]
        yield open_archive(db), portals, result


def rows(db, table: str, server, portal: str) -> set[str]:
    return {r["url"].removeprefix(server.url) for r in db.query(f"select url from {table} where portal = ?", [portal])}


@pytest.mark.parametrize("name", params())
def test_every_report_found_and_nothing_else(site, name):
    db, portals, _ = site
    server, expected = portals[name]
    stored = {expected["duplicates"].get(path, path) for path in rows(db, "reports", server, name)}
    assert stored == {r["path"] for r in expected["reports"]}


@pytest.mark.parametrize("name", params())
def test_every_list_page_is_followed_to_the_end(site, name):
    _, portals, _ = site
    server, expected = portals[name]
    requested = {p if p.startswith("POST ") else p for p in server.requested}
    posts = {p.split("?", 1)[0] for p in requested if p.startswith("POST ")}
    for page in expected["list_pages"]:
        assert page in requested or page in posts, page


@pytest.mark.parametrize("name", params())
def test_decoys_traps_and_robots_are_never_fetched(site, name):
    _, portals, _ = site
    server, expected = portals[name]
    requested = {p.split(" ", 1)[-1] for p in server.requested}
    never = expected["decoys"] + expected["robots_disallowed"] + expected.get("never_requested", [])
    assert not requested & set(never)


def test_challenge_pages_are_recorded_as_blocked_and_never_stored(site):
    db, portals, _ = site
    server, expected = portals["trs"]
    blocked = {r["url"].removeprefix(server.url) for r in db.query("select url from failures where reason = 'blocked'")}
    assert blocked == set(expected["blocked"])
    captured = {r["url"].removeprefix(server.url) for r in db.query("select url from captures")}
    assert not captured & set(expected["blocked"])


def test_same_report_at_two_urls_is_stored_once(site):
    db, portals, _ = site
    server, expected = portals["static"]
    for copy, original in expected["duplicates"].items():
        assert len(rows(db, "reports", server, "static") & {copy, original}) == 1


def test_attachments_are_recorded_with_the_page_linking_them(site):
    db, portals, _ = site
    server, expected = portals["static"]
    assert rows(db, "attachments", server, "static") == set(expected["attachments"])


def test_crawl_report_per_portal(site):
    db, portals, _ = site
    report = {r["portal"]: r for r in latest_crawl_report(db)}
    assert set(report) == set(portals)
    for name, (server, expected) in portals.items():
        assert report[name]["reports_found"] == len(expected["reports"])
        years = {str(r["year"]) for r in expected["reports"]}
        assert set(report[name]["reports_by_year"]) == years
        assert report[name]["pages_fetched"] >= len(expected["reports"])
    assert report["trs"]["blocked_hosts"] == [f"127.0.0.1:{portals['trs'][0].port}"]
    assert report["trs"]["failures_by_reason"]["blocked"] == 2
    assert "trs: " in format_crawl_report(list(report.values()))


def test_at_most_three_requests_per_stored_report(site):
    db, portals, _ = site
    requests = sum(len(server.requested) for server, _ in portals.values())   # robots.txt included
    assert requests <= 3 * db["reports"].count


@NEEDS_CHROMIUM
def test_only_the_js_list_page_goes_through_the_browser(site):
    db, portals, result = site
    report = {r["portal"]: r for r in latest_crawl_report(db)}
    assert report["rendered"]["rendered"] == 1
    assert sum(r["rendered"] for r in report.values()) == 1
    assert "'playwright/request_count/navigation': 1" in result.stderr
