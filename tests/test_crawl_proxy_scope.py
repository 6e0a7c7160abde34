"""Through a forward proxy, as a crawl from abroad runs: department sub-domains are in scope, other hosts are not
unless the portal list names them, and the browser rendering JS-only lists goes through the proxy too."""
from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest

from archive.schema import open_archive
from crawler.portal_server import PortalServer
from crawler.settings import NIANBAO_CHROMIUM
from tests.conftest import run_scrapy_crawl
from tests.forward_proxy import ForwardProxy

SITE = Path(__file__).parent / "pages" / "proxy_scope"   # one root per host; tests/tools/build_proxy_scope.py
EXPECTED = json.loads((SITE / "EXPECTED.json").read_text("utf-8"))
COUNTY_A, DEPARTMENT, COUNTY_B = "www.county-a.invalid", "jtj.county-a.invalid", "www.county-b.invalid"
LOOK_ALIKES = ("county-a.invalid.evil.invalid", "evilcounty-a.invalid")   # start / end like county-a's domain
RENDERED = Path(__file__).parent / "pages" / "platforms" / "rendered"
COUNTY_R = "www.county-r.invalid"
CHROMIUM = NIANBAO_CHROMIUM


def crawl_through_proxy(tmp_path: Path, roots: dict[str, Path], portals: list[tuple[str, str]],
                        credentials: str = ""):
    """Serve each host's root behind one forward proxy and crawl the portal rows with http_proxy set, as a user
    would (run_scrapy_crawl drops the caller's own *_proxy variables)."""
    with ExitStack() as stack:
        servers = {host: stack.enter_context(PortalServer(root)) for host, root in roots.items()}
        proxy = stack.enter_context(ForwardProxy({host: server.url for host, server in servers.items()}, credentials))
        proxy_url = proxy.url.replace("//", f"//{credentials}@") if credentials else proxy.url
        csv = tmp_path / "portals.csv"
        csv.write_text("name,url\n" + "".join(f"{name},{url}\n" for name, url in portals), encoding="utf-8")
        db_path = tmp_path / "proxied.db"
        result = run_scrapy_crawl(db_path, {"portals": csv}, env={"http_proxy": proxy_url, "no_proxy": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    return open_archive(db_path), proxy, servers


def stored(db) -> dict[str, str]:
    """Stored report URL → the portal row it was found under."""
    return {row["url"]: row["portal"] for row in db.query("select url, portal from reports")}


def urls(host: str) -> set[str]:
    return {f"http://{host}{path}" for path in EXPECTED[host]["reports"]}


@pytest.fixture(scope="module")
def county_a_alone(tmp_path_factory):
    roots = {host: SITE / host for host in EXPECTED}
    rows = [("county-a", f"http://{COUNTY_A}/index.html")]
    return crawl_through_proxy(tmp_path_factory.mktemp("scope"), roots, rows)


@pytest.fixture(scope="module")
def both_counties(tmp_path_factory):
    roots = {host: SITE / host for host in EXPECTED}
    rows = [("county-a", f"http://{COUNTY_A}/index.html"), ("county-b", f"http://{COUNTY_B}/index.html")]
    return crawl_through_proxy(tmp_path_factory.mktemp("listed"), roots, rows)


def test_department_sub_domain_reports_are_stored_with_the_portal(county_a_alone):
    db, _, _ = county_a_alone
    assert stored(db) == {url: "county-a" for url in urls(COUNTY_A) | urls(DEPARTMENT)}


def test_other_hosts_are_never_requested(county_a_alone):
    _, proxy, servers = county_a_alone
    assert set(proxy.seen_hosts) == {COUNTY_A, DEPARTMENT}
    assert all(servers[host].requested == [] for host in (COUNTY_B, *LOOK_ALIKES))


def test_a_host_the_portal_list_names_is_crawled_as_its_own_portal(both_counties):
    db, _, _ = both_counties
    assert stored(db) == ({url: "county-a" for url in urls(COUNTY_A) | urls(DEPARTMENT)}
                          | {url: "county-b" for url in urls(COUNTY_B)})


def test_a_listed_host_is_still_out_of_scope_for_other_portals(both_counties):
    """county-a links a county-b report that county-b's own pages do not: no portal may follow that link."""
    _, proxy, servers = both_counties
    assert COUNTY_B in proxy.seen_hosts
    assert not set(servers[COUNTY_B].requested) & set(EXPECTED[COUNTY_B]["unlinked"])
    assert not set(proxy.seen_hosts) & set(LOOK_ALIKES)


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is absent (apt-get install chromium-headless-shell)")
# Chromium on Linux also reads http_proxy from its environment; only an institutional proxy's user:password
# (which Chromium drops: ERR_INVALID_AUTH_CREDENTIALS) needs PLAYWRIGHT_LAUNCH_OPTIONS["proxy"] to get through.
@pytest.mark.parametrize("credentials", ["", "nianbao:s3cret"], ids=["open", "with-credentials"])
def test_browser_renders_js_lists_through_the_proxy(tmp_path, credentials):
    rows = [("county-r", f"http://{COUNTY_R}/index.html")]
    db, proxy, _ = crawl_through_proxy(tmp_path, {COUNTY_R: RENDERED / "site"}, rows, credentials)
    expected = json.loads((RENDERED / "EXPECTED.json").read_text("utf-8"))
    assert set(stored(db)) == {f"http://{COUNTY_R}{report['path']}" for report in expected["reports"]}
    # Only Chromium loads a page's scripts: the list page's script file reached the proxy, so the browser used it.
    assert (COUNTY_R, "/js/common.js") in proxy.seen
    assert db.execute("select rendered from crawl_reports").fetchone()[0] == 1
