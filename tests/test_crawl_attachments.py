"""Issue 5 end to end: pointer pages become one report with their file's text, files are captured and listed."""
from __future__ import annotations

from urllib.parse import unquote

import pytest

from archive.schema import open_archive
from crawler.portal_server import PortalHandler, PortalServer
from tests.conftest import run_scrapy_crawl

ALLOW_LOOPBACK = {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"}


class RedirectingHandler(PortalHandler):
    """The sample portal, plus `location` in _routes.json answered as a real 302 (Hanweb downfile.jsp)."""

    def route(self, answer: dict, send_body: bool) -> None:
        if "location" in answer:
            return self.reply(answer.get("status", 302), "text/html", b"", send_body,
                              extra={"Location": answer["location"]})
        return super().route(answer, send_body)


class RedirectingPortal(PortalServer):
    def start(self) -> None:
        super().start()
        self._httpd.RequestHandlerClass = RedirectingHandler


@pytest.fixture(scope="module")
def site():
    with RedirectingPortal() as server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("attachments") / "out.db"
    result = run_scrapy_crawl(db_path, {"start_urls": site.url + "/index.html"},
                              {**ALLOW_LOOPBACK, "NIANBAO_FETCH_ATTACHMENTS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return open_archive(db_path), result


def path_of(site, url: str) -> str:
    return unquote(url.removeprefix(site.url))


def pointer_reports(expected) -> list[dict]:
    return [r for r in expected["reports"] if r.get("pointer")]


def test_each_pointer_page_is_one_report_keyed_by_the_page(crawled, site, expected):
    db, _ = crawled
    urls = [path_of(site, row["url"]) for row in db.query("select url from reports")]
    assert sorted(urls) == sorted(r["path"] for r in expected["reports"])
    files = {path_of(site, u) for u in expected["attachments"]["pointer"].values()}
    assert not files & set(urls)


@pytest.mark.parametrize("field", ["title", "year", "publisher", "index_no", "generated_date"])
def test_pointer_report_metadata_comes_from_the_page(crawled, site, expected, field):
    db, _ = crawled
    rows = {path_of(site, row["url"]): row for row in db.query("select * from reports")}
    for report in pointer_reports(expected):
        assert rows[report["path"]][field] == report[field], report["path"]


def test_pointer_report_text_and_tables_are_the_files(crawled, site, expected):
    db, _ = crawled
    rows = {path_of(site, row["url"]): row for row in db.query("select * from reports")}
    for path in expected["attachments"]["pointer"]:
        report = next(r for r in expected["reports"] if r["path"] == path)
        row = rows[path]
        assert row["extractor"] in ("pdf", "docx"), path
        assert row["tables"].count('"n_rows"') == report["tables"], path
        for snippet in report["must_contain"]:
            assert snippet in row["text"], (path, snippet)
        for snippet in report["must_not_contain"]:
            assert snippet not in row["text"], (path, snippet)


def test_files_are_captured_raw_and_tied_to_their_page(crawled, site, expected):
    db, _ = crawled
    rows = {path_of(site, row["url"]): row for row in db.query(
        "select a.*, c.body, c.report_id as capture_report from attachments a join captures c using (capture_id)")}
    names = expected["attachments"]["file_names"]
    for page, file in expected["attachments"]["pointer"].items():
        row = rows[file]
        assert path_of(site, row["report_url"]) == page
        assert row["file_name"] == names[file] and row["size"] == len(row["body"]) and row["error"] is None
        report_id = db.execute("select report_id from reports where url = ?", [site.url + page]).fetchone()[0]
        assert row["capture_report"] == report_id
    assert rows[unquote(next(iter(expected["attachments"]["pointer"].values())))]["format"] == "pdf"
    hanweb = next(f for f in names if "downfile.jsp" in f)
    assert rows[hanweb]["format"] == "docx"            # named .pdf, sniffed as the DOCX it is
    full_page, docx = next(iter(expected["attachments"]["full_page"].items()))
    assert path_of(site, rows[docx]["report_url"]) == full_page and rows[docx]["format"] == "docx"


def test_hanweb_download_follows_the_redirect_to_the_file(crawled, site):
    db, _ = crawled
    captured = [path_of(site, row["url"]) for row in db.query("select url from captures")]
    assert any(url.startswith("/attach/0/") for url in captured)


def test_corrupt_file_is_a_failure_and_the_page_keeps_its_own_text(crawled, site, expected):
    db, _ = crawled
    page, file = next(iter(expected["attachments"]["corrupt"].items()))
    failures = {(path_of(site, r["url"]), r["reason"]) for r in db.query("select url, reason from failures")}
    assert (file, "attachment_corrupt") in failures
    row = next(db.query("select text, extractor from reports where url = ?", [site.url + page]))
    assert "附件" in row["text"] and row["extractor"] not in ("pdf", "docx")
    assert next(db.query("select error from attachments where url = ?", [site.url + file]))["error"] \
        == "attachment_corrupt"


def test_pasted_local_paths_are_never_fetched_or_recorded(crawled, site):
    db, _ = crawled
    urls = [unquote(r["url"]) for r in db.query("select url from attachments")]
    assert not [u for u in urls if "年报终稿" in u]
    assert not [p for p in site.requested if "Desktop" in unquote(p)]


def test_without_the_setting_only_the_reports_files_are_fetched(site, expected, tmp_path):
    db_path = tmp_path / "default.db"
    before = len(site.requested)
    result = run_scrapy_crawl(db_path, {"start_urls": site.url + "/index.html"}, ALLOW_LOOPBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    requested = [unquote(p) for p in site.requested[before:]]
    db = open_archive(db_path)
    assert db["reports"].count == len(expected["reports"])
    assert not [p for p in requested if p.endswith(".docx")]            # the full page's Word original
    files = [unquote(f) for f in (*expected["attachments"]["pointer"].values(),
                                  *expected["attachments"]["corrupt"].values())]
    assert all(f in requested for f in files)
    # one request per pointer report (two for the Hanweb download: its 302), nothing else
    assert len([p for p in requested if p.startswith(("/attach/", "/module/")) or p.endswith(".pdf")]) == len(files) + 1
