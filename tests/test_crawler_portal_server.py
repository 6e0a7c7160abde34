"""The sample portal: every EXPECTED.json path answers as promised, files go out byte-for-byte, /_fail/ routes work."""
from __future__ import annotations

import http.client
import importlib.util
import json
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from crawler.portal_server import SAMPLE_PORTAL, PortalServer, is_loopback, query_number, resolve_file

EXPECTED = json.loads((SAMPLE_PORTAL / "EXPECTED.json").read_text("utf-8"))
REPORTS = [r for r in EXPECTED["reports"] if not r.get("pointer")]   # a pointer page's text is in its file
GBK_REPORT = next(r for r in REPORTS if r["charset"] == "gbk")
SERVED_FILES = sorted("/" + p.relative_to(SAMPLE_PORTAL).as_posix() for p in SAMPLE_PORTAL.rglob("*")
                      if p.is_file() and p.name not in ("EXPECTED.json", "_headers.json", "_routes.json", "README.md"))
TIMEOUT = 10


@pytest.fixture(scope="module")
def portal():
    with PortalServer() as server:
        yield server


def fetch(portal: PortalServer, path: str) -> tuple[int, dict[str, str], bytes]:
    """(status, lower-cased headers, body) with urllib; HTTP errors are answers, not exceptions."""
    try:
        with urllib.request.urlopen(portal.url + path, timeout=TIMEOUT) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def raw_response(portal: PortalServer, path: str) -> http.client.HTTPResponse:
    """A response that follows no redirects and reads nothing yet."""
    connection = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=TIMEOUT)
    connection.request("GET", path)
    return connection.getresponse()


# --- EXPECTED.json paths ------------------------------------------------------------------------

@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r["path"])
def test_report_page_is_served_with_its_charset_header(portal, report):
    status, headers, body = fetch(portal, report["path"])
    assert status == 200
    want = "text/html; charset=gbk" if report["charset"] == "gbk" else "text/html"   # no charset by default
    assert headers["content-type"] == want
    assert body == (SAMPLE_PORTAL / report["path"].lstrip("/")).read_bytes()


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r["path"])
def test_report_page_holds_its_expected_title_and_sentences(portal, report):
    text = fetch(portal, report["path"])[2].decode(report["charset"])
    assert f'<meta name="ArticleTitle" content="{report["title"]}">' in text
    for needle in (report["title"], report["publisher"], report["index_no"], *report["must_contain"][:2]):
        assert needle in text


@pytest.mark.parametrize("path", EXPECTED["not_reports"] + EXPECTED["list_pages"] + [EXPECTED["home"]])
def test_other_pages_answer_200(portal, path):
    assert fetch(portal, path)[0] == 200


@pytest.mark.parametrize("failure", EXPECTED["failures"], ids=lambda f: f["path"])
def test_failure_links_answer_with_their_status(portal, failure):
    assert failure["reason"] == "http_500"
    assert fetch(portal, failure["path"])[0] == 500


def test_robots_txt_forbids_only_private(portal):
    status, headers, body = fetch(portal, "/robots.txt")
    assert (status, headers["content-type"], body) == (200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert not any(robots.can_fetch("nianbao", portal.url + p) for p in EXPECTED["robots_disallowed"])
    assert all(robots.can_fetch("nianbao", portal.url + r["path"]) for r in REPORTS)


def test_every_expected_path_is_reachable_by_links_from_home(portal):
    """Walk <a href> from the home page (not into /_fail/ or /private/): the crawl can find everything."""
    seen, queue = set(), [EXPECTED["home"]]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.startswith(("/_fail/", "/private/")) or not path.endswith(".html"):
            continue
        for href in lxml.html.fromstring(fetch(portal, path)[2]).xpath("//a/@href"):
            url = urlsplit(urljoin(portal.url + path, href))
            if url.scheme == "http" and url.port == portal.port:
                queue.append(url.path)
    wanted = [r["path"] for r in REPORTS] + EXPECTED["not_reports"] + EXPECTED["robots_disallowed"] + [
        f["path"] for f in EXPECTED["failures"]] + EXPECTED["list_pages"] + EXPECTED["empty_lists"]
    assert [p for p in wanted if p not in seen] == []


# --- the GBK page -------------------------------------------------------------------------------

def test_gbk_page_is_gbk_bytes_declared_gb2312_in_meta(portal):
    status, headers, body = fetch(portal, GBK_REPORT["path"])
    assert headers["content-type"] == "text/html; charset=gbk"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")           # 昇 in the footer is GBK-only: the meta tag under-declares
    assert GBK_REPORT["title"] in body.decode("gb18030")


# --- static serving -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", SERVED_FILES)
def test_files_are_served_byte_for_byte(portal, path):
    status, _, body = fetch(portal, path)
    assert (status, body) == (200, (SAMPLE_PORTAL / path.lstrip("/")).read_bytes())


@pytest.mark.parametrize("path,status", [
    ("/", 200), ("/zwgk/", 200), ("/EXPECTED.json", 404), ("/_headers.json", 404), ("/README.md", 404),
    ("/%2e%2e/portal_server.py", 404),      # traversal out of the site
    ("/nope.html", 404),
], ids=["root", "directory", "expected-hidden", "headers-hidden", "readme-hidden", "traversal", "missing"])
def test_paths_outside_the_site_are_not_served(portal, path, status):
    assert raw_response(portal, path).status == status


@pytest.mark.parametrize("url_path,expected", [
    ("/", "index.html"), ("/zwgk/", "zwgk/index.html"), ("/zwgk/xxgknb/index_1.html", "zwgk/xxgknb/index_1.html"),
    ("/../crawler/portal_server.py", None), ("/a%00b.html", None), ("/" + "x" * 5000, None),  # name too long
    ("/EXPECTED.json", None), ("/zwgk/nope/", None),
], ids=["root", "dir", "file", "dotdot", "nul", "too-long", "hidden", "missing-dir"])
def test_resolve_file(url_path, expected):
    result = resolve_file(SAMPLE_PORTAL, url_path)
    assert (result.relative_to(SAMPLE_PORTAL).as_posix() if result else None) == expected


# --- /_fail/ routes -----------------------------------------------------------------------------

def test_fail_500_and_404(portal):
    assert (fetch(portal, "/_fail/500")[0], fetch(portal, "/_fail/404")[0]) == (500, 404)


def test_fail_slow_waits_the_requested_seconds(portal):
    started = time.monotonic()
    assert fetch(portal, "/_fail/slow?seconds=1")[0] == 200
    assert 1.0 <= time.monotonic() - started < TIMEOUT


def test_fail_redirect_loop_redirects_to_itself(portal):
    response = raw_response(portal, "/_fail/redirect-loop")
    assert (response.status, response.getheader("Location")) == (302, "/_fail/redirect-loop")


def test_fail_truncated_body_is_shorter_than_announced(portal):
    response = raw_response(portal, "/_fail/truncated")
    with pytest.raises(http.client.IncompleteRead):
        response.read()


def test_fail_huge_streams_the_requested_megabytes(portal):
    status, headers, body = fetch(portal, "/_fail/huge?mb=1")
    assert (status, headers["content-length"], len(body)) == (200, str(2**20), 2**20)
    assert body.startswith(b"<div><p>")


def test_fail_binary_is_pdf_bytes_labelled_html(portal):
    _, headers, body = fetch(portal, "/_fail/binary")
    assert headers["content-type"] == "text/html" and body.startswith(b"%PDF-")


def test_fail_gbk_as_utf8_lies_about_its_charset(portal):
    _, headers, body = fetch(portal, "/_fail/gbk-as-utf8")
    assert headers["content-type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "政府信息公开工作年度报告" in body.decode("gbk")


@pytest.mark.parametrize("query,expected", [
    ("seconds=2", 2.0), ("seconds=999", 30.0), ("seconds=-5", 0.0), ("seconds=abc", 5.0), ("", 5.0),
    ("seconds=nan", 5.0), ("seconds=inf", 30.0),
], ids=["plain", "capped", "negative", "junk", "absent", "nan", "inf"])
def test_query_number(query, expected):
    assert query_number(query, "seconds", 5, 30) == expected


# --- the server itself --------------------------------------------------------------------------

def test_requests_are_recorded_in_order(portal):
    fetch(portal, "/robots.txt?probe=1")
    assert portal.requested[-1] == "/robots.txt?probe=1"


@pytest.mark.parametrize("host,ok", [("127.0.0.1", True), ("127.0.0.2", True), ("0.0.0.0", False),
                                     ("192.168.1.10", False), ("localhost", False), ("::1", False)])
def test_only_ipv4_loopback_may_be_bound(host, ok):
    assert is_loopback(host) is ok


def test_refuses_to_bind_a_public_address():
    with pytest.raises(ValueError):
        PortalServer(host="0.0.0.0")


def test_stop_does_not_wait_for_a_slow_request():
    server = PortalServer().__enter__()
    worker = threading.Thread(target=fetch, args=(server, "/_fail/slow?seconds=30"), daemon=True)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    server.stop()
    worker.join(timeout=5)
    assert time.monotonic() - started < 5 and not worker.is_alive()


def test_site_matches_its_generator(tmp_path):
    """tests/tools/build_sample_portal.py rebuilds the committed site byte-for-byte."""
    seeds = Path(__file__).parent / "seeds"
    spec = importlib.util.spec_from_file_location("build_sample_portal",
                                                  Path(__file__).parent / "tools" / "build_sample_portal.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    builder.build(seeds, tmp_path / "site")
    built = {p.relative_to(tmp_path / "site"): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    stored = {p.relative_to(SAMPLE_PORTAL): p.read_bytes() for p in SAMPLE_PORTAL.rglob("*") if p.is_file()}
    assert built == stored


# --- _routes.json: query strings, statuses and Hanweb's POST dataproxy.jsp (tests/pages/platforms/*/site) ----

PLATFORM_SITES = Path(__file__).parent / "pages" / "platforms"


def fetch_url(url: str, data: bytes | None = None):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("site,path,status,marker", [
    ("static", "/xxgk/xzjd/dz/ndbg/list.html?page=2", 200, "2022年政府信息公开工作年度报告"),
    ("gkmlpt", "/gkmlpt/api/all/2?sid=4400000101&page=3", 200, '"total": 9'),    # query order does not matter
    ("trs", "/zwgk/xxgknb/202401/t20240122_412.html", 412, "$_ts"),
    ("trs", "/zwgk/xxgknb/202401/t20240123_521.html", 521, "sl_clearance"),
], ids=["page-query", "api-sorted-query", "ruishu-412", "jiasule-521"])
def test_routes(site, path, status, marker):
    with PortalServer(PLATFORM_SITES / site / "site") as server:
        got_status, body = fetch_url(server.url + path)
    assert got_status == status and marker in body.decode("utf-8")


@pytest.mark.parametrize("form,records", [
    (b"col=1&appid=1&webid=7&columnid=1001&unitid=5001", 4),
    (b"col=1&appid=1&webid=7&columnid=9999&unitid=5001", 0),     # another column: jcms answers no records
], ids=["column", "wrong-column"])
def test_dataproxy_post_slices_records(form, records):
    with PortalServer(PLATFORM_SITES / "hanweb" / "site") as server:
        status, body = fetch_url(server.url + "/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=8&perpage=4", form)
    assert status == 200 and body.count(b"<record>") == records and b"<totalrecord>" in body


def conditional_get(portal: PortalServer, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(portal.host, portal.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


LIST_PAGE = "/zwgk/xxgknb/index.html"


@pytest.mark.parametrize("conditions, status", [
    ({}, 200),
    ({"If-None-Match": "{etag}"}, 304),
    ({"If-None-Match": 'W/{etag}, "other"'}, 304),                    # weak comparison, a list of tags
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"stale"'}, 200),
    ({"If-None-Match": '"stale"', "If-Modified-Since": "{last_modified}"}, 200),   # If-None-Match decides alone
    ({"If-Modified-Since": "{last_modified}"}, 304),
    ({"If-Modified-Since": "Sun, 19 Jan 2025 08:00:00 GMT"}, 200),   # the file is newer than that
    ({"If-Modified-Since": "yesterday"}, 200),                        # unparseable: never "not modified"
], ids=["plain", "etag", "weak-etag-list", "star", "stale-etag", "stale-etag-with-date", "date", "older-date",
        "bad-date"])
def test_files_answer_conditional_gets_like_a_static_server(portal, conditions, status):
    _, first, body = fetch(portal, LIST_PAGE)
    headers = {name: value.format(etag=first["etag"], last_modified=first["last-modified"])
               for name, value in conditions.items()}
    got, answer_headers, answer = conditional_get(portal, LIST_PAGE, headers)
    assert got == status
    assert answer_headers["etag"] == first["etag"] and answer_headers["last-modified"] == first["last-modified"]
    assert answer == (body if status == 200 else b"")


def test_etag_is_a_digest_of_the_bytes(portal):
    _, list_headers, _ = fetch(portal, LIST_PAGE)
    _, other_headers, _ = fetch(portal, "/zwgk/xxgknb/index_1.html")
    assert list_headers["etag"].startswith('"') and list_headers["etag"] != other_headers["etag"]
    assert fetch(portal, LIST_PAGE)[1]["etag"] == list_headers["etag"]           # stable across requests


def test_fail_routes_carry_no_validators(portal):
    assert "etag" not in fetch(portal, "/_fail/500")[1]
