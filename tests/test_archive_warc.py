"""WARC files: records read back with warcio, digests, revisits, rollover, torn-tail repair, the middleware."""
from __future__ import annotations

import gzip
import hashlib
import base64
import sqlite3

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator

from archive.schema import open_archive
from archive.warc import (PROFILE_IDENTICAL_PAYLOAD, PROFILE_SERVER_NOT_MODIFIED, Exchange, PriorCapture,
                          WarcFiles, finish_open_files, payload_digest, repair_warc)
from archive.warc_index import cdxj_lines, index_warc_file, last_capture, record_warc_rows, write_cdxj
from crawler.warc_middleware import WarcRecorderMiddleware, warc_record_written

URL = "https://www.example.gov.cn/zwgk/xxgknb/202501/t20250120_1001.html"
PAGE = "<html><body><p>南昌市人民政府办公室2024年政府信息公开工作年度报告</p></body></html>".encode("utf-8")
INFO = {"software": "nianbao-test"}


def exchange(status=200, body=PAGE, url=URL, headers=None) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "nianbao-test")], request_body=b"",
                    status=status, body=body, ip_address="203.0.113.7", date="2025-02-03T08:00:00.000000Z",
                    response_headers=headers or [("Content-Type", "text/html; charset=utf-8"),
                                                 ("Transfer-Encoding", "chunked"), ("ETag", '"abc"')])


def read_records(path):
    with open(path, "rb") as fh:
        out = []
        for record in ArchiveIterator(fh, check_digests=True):
            out.append((record.rec_type, dict(record.rec_headers.headers), record.http_headers,
                        record.content_stream().read()))
        return out


@pytest.fixture
def files(tmp_path):
    return WarcFiles(tmp_path / "warc", max_bytes=10_000_000, info=INFO)


def written_file(files):
    files.close()
    (path,) = sorted(files.directory.glob("*.warc.gz"))
    return path


def test_file_opens_with_warcinfo_then_request_and_response(files):
    files.write_exchange(exchange(), prior=None)
    records = read_records(written_file(files))
    assert [r[0] for r in records] == ["warcinfo", "request", "response"]
    assert records[0][1]["WARC-Filename"].endswith(".warc.gz")
    assert all(r[1].get("WARC-Date") == "2025-02-03T08:00:00.000000Z" for r in records[1:])


def test_response_keeps_body_bytes_and_payload_digest(files):
    files.write_exchange(exchange(), prior=None)
    _type, headers, http, body = read_records(written_file(files))[2]
    assert body == PAGE
    expected = "sha1:" + base64.b32encode(hashlib.sha1(PAGE).digest()).decode()
    assert headers["WARC-Payload-Digest"] == expected == payload_digest(PAGE)
    assert headers["WARC-IP-Address"] == "203.0.113.7"
    assert http.get_statuscode() == "200"
    assert http.get_header("Transfer-Encoding") is None     # body is de-chunked: header would lie


def test_request_record_points_at_its_response(files):
    files.write_exchange(exchange(), prior=None)
    records = read_records(written_file(files))
    request, response = records[1], records[2]
    assert request[1]["WARC-Concurrent-To"] == response[1]["WARC-Record-ID"]
    assert request[2].protocol == "GET" and "/zwgk/xxgknb/202501/t20250120_1001.html" in request[2].statusline
    assert request[2].get_header("Host") == "www.example.gov.cn"


def test_redirect_is_a_response_record_of_its_own(files):
    files.write_exchange(exchange(status=302, body=b"", headers=[("Location", "/new.html")]), prior=None)
    _type, _headers, http, _body = read_records(written_file(files))[2]
    assert (_type, http.get_statuscode(), http.get_header("Location")) == ("response", "302", "/new.html")


@pytest.mark.parametrize("status, body, profile", [
    (304, b"", PROFILE_SERVER_NOT_MODIFIED),        # conditional GET answered "not modified"
    (200, PAGE, PROFILE_IDENTICAL_PAYLOAD),         # full answer, same bytes as last time
], ids=["not-modified", "identical-payload"])
def test_revisit_records_refer_to_the_prior_capture(files, status, body, profile):
    prior = PriorCapture(payload_digest(PAGE), "2024-02-01T00:00:00.000000Z", "<urn:uuid:prior>")
    rows = files.write_exchange(exchange(status=status, body=body), prior=prior)
    _type, headers, _http, block = read_records(written_file(files))[2]
    assert (_type, headers["WARC-Profile"]) == ("revisit", profile)
    assert headers["WARC-Refers-To"] == "<urn:uuid:prior>"
    assert headers["WARC-Refers-To-Date"] == prior.date and headers["WARC-Payload-Digest"] == prior.digest
    assert block == b"" and rows[-1].record_type == "revisit"


def test_changed_payload_is_a_full_response_again(files):
    prior = PriorCapture(payload_digest(b"old text"), "2024-02-01T00:00:00.000000Z")
    rows = files.write_exchange(exchange(), prior=prior)
    assert rows[-1].record_type == "response"


def test_files_roll_over_past_the_size_limit_each_with_warcinfo(tmp_path):
    files = WarcFiles(tmp_path, max_bytes=2_000, info=INFO)
    big = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(100))   # 3.2 kB that gzip cannot shrink
    for _ in range(3):
        files.write_exchange(exchange(body=big), prior=None)
    files.close()
    paths = sorted(tmp_path.glob("*.warc.gz"))
    assert len(paths) == 3
    assert all(read_records(path)[0][0] == "warcinfo" for path in paths)


def test_index_rows_match_offsets_read_back(files, tmp_path):
    rows = files.write_exchange(exchange(), prior=None)
    path = written_file(files)
    db = open_archive(tmp_path / "a.db")
    assert index_warc_file(db, path) == 2
    stored = {(r["offset"], r["length"], r["record_type"]) for r in db.query("select * from warc_captures")}
    assert stored == {(row.offset, row.length, row.record_type) for row in rows}
    with open(path, "rb") as fh:             # each row addresses one whole gzip member
        fh.seek(rows[-1].offset)
        member = gzip.decompress(fh.read(rows[-1].length))
    assert member.startswith(b"WARC/1.1\r\n") and PAGE in member


def test_reindexing_twice_adds_nothing(files, tmp_path):
    files.write_exchange(exchange(), prior=None)
    path = written_file(files)
    db = open_archive(tmp_path / "a.db")
    index_warc_file(db, path)
    index_warc_file(db, path)
    assert db["warc_captures"].count == 2


def test_cdxj_is_sorted_surt_lines_of_responses_and_revisits(files, tmp_path):
    other = "http://www.example.gov.cn/a.html"
    db = open_archive(tmp_path / "a.db")
    record_warc_rows(db, files.write_exchange(exchange(), prior=None))
    record_warc_rows(db, files.write_exchange(exchange(url=other), prior=None))
    lines = list(cdxj_lines(db))
    assert len(lines) == 2 and lines == sorted(lines)
    assert lines[0].startswith("cn,gov,example)/a.html 20250203080000 {")
    assert write_cdxj(db, tmp_path / "index.cdxj") == 2
    assert (tmp_path / "index.cdxj").read_text("utf-8").splitlines() == lines


def test_last_capture_prefers_the_newest_200(files, tmp_path):
    db = open_archive(tmp_path / "a.db")
    assert last_capture(db, URL) is None
    rows = files.write_exchange(exchange(), prior=None)
    record_warc_rows(db, rows)
    assert last_capture(db, URL) == PriorCapture(payload_digest(PAGE), rows[-1].date, rows[-1].record_id)


def test_last_capture_of_a_revisit_points_at_the_original(files, tmp_path):
    db = open_archive(tmp_path / "a.db")
    first = files.write_exchange(exchange(), prior=None)
    record_warc_rows(db, first)
    again = files.write_exchange(exchange(), prior=last_capture(db, URL))
    record_warc_rows(db, again)
    assert again[-1].record_type == "revisit"
    assert last_capture(db, URL).record_id == first[-1].record_id


def test_an_archive_older_than_warc_recording_has_no_last_capture(tmp_path):
    db = Database(sqlite3.connect(tmp_path / "old.db"))
    db["reports"].insert({"url": URL})
    assert last_capture(db, URL) is None


@pytest.mark.parametrize("cut", [1, 10, 100, 250], ids=lambda n: f"cut-{n}-bytes")
def test_torn_final_record_is_truncated(files, cut):
    files.write_exchange(exchange(), prior=None)
    rows = files.write_exchange(exchange(body=PAGE * 3), prior=None)
    path = written_file(files)
    whole = path.stat().st_size
    with open(path, "r+b") as fh:            # a SIGKILL in the middle of the last record
        fh.truncate(whole - cut)
    result = repair_warc(path)
    assert result.kept_bytes == rows[-1].offset      # the whole torn record goes, nothing before it
    assert [r[0] for r in read_records(path)] == ["warcinfo", "request", "response", "request"]


def test_intact_file_is_left_alone(files):
    files.write_exchange(exchange(), prior=None)
    path = written_file(files)
    before = path.read_bytes()
    assert repair_warc(path).truncated_bytes == 0 and path.read_bytes() == before


def test_garbage_after_last_record_is_cut(files):
    files.write_exchange(exchange(), prior=None)
    path = written_file(files)
    size = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00 not really gzip")
    assert repair_warc(path).kept_bytes == size


def test_open_files_left_by_a_killed_crawl_are_repaired_and_closed(tmp_path):
    files = WarcFiles(tmp_path, max_bytes=10_000_000, info=INFO)
    files.write_exchange(exchange(), prior=None)
    files.fh.write(b"\x1f\x8b\x08\x00\x00\x00")   # half a gzip header, then the process dies
    files.fh.flush()
    (results,) = finish_open_files(tmp_path)
    assert results.truncated_bytes == 6
    (path,) = tmp_path.glob("*.warc.gz")
    assert [r[0] for r in read_records(path)] == ["warcinfo", "request", "response"]


def test_middleware_writes_exchange_and_signals_rows(tmp_path):
    crawler = get_crawler(settings_dict={"NIANBAO_DB": str(tmp_path / "a.db"), "NIANBAO_WARC_ENABLED": True,
                                         "NIANBAO_WARC_MAX_MB": 10})
    received = []
    crawler.signals.connect(lambda rows: received.extend(rows), signal=warc_record_written, weak=False)
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    request = Request(URL, headers={"If-None-Match": '"abc"'})
    response = HtmlResponse(URL, status=200, body=PAGE, headers={"Content-Type": "text/html"}, request=request)
    assert middleware.process_response(request, response) is response
    middleware.spider_closed()
    assert [row.record_type for row in received] == ["request", "response"]
    (path,) = (tmp_path / "a-warc").glob("*.warc.gz")
    request_record = read_records(path)[1]
    assert request_record[2].get_header("If-None-Match") == '"abc"'
    assert crawler.stats.get_value("nianbao/warc/response") == 1


def test_middleware_skips_http_cache_replays(tmp_path):
    crawler = get_crawler(settings_dict={"NIANBAO_DB": str(tmp_path / "a.db"), "NIANBAO_WARC_ENABLED": True,
                                         "NIANBAO_WARC_MAX_MB": 10})
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    response = HtmlResponse(URL, body=PAGE, flags=["cached"])
    middleware.process_response(Request(URL), response)
    assert crawler.stats.get_value("nianbao/warc/response") is None
