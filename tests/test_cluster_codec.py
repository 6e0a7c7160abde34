"""JSON codec for the cluster: items, WARC rows and requests survive the trip; foreign payloads are refused."""
from __future__ import annotations

import pytest
import scrapy
from scrapy.utils.request import request_from_dict

from archive.warc import IndexRow
from crawler import cluster_codec as codec
from crawler.items import Attachment, CrawlFailure, ReportPage
from crawler.portals import Portal

GBK_BODY = "<p>本年度收到政府信息公开申请</p>".encode("gbk") + b"\x00\xff\x81"   # not UTF-8: stays bytes

ITEMS = [
    pytest.param(ReportPage(url="http://127.0.0.1/zwgk/t1.html", body=GBK_BODY, headers={"content-type": "text/html"},
                            text="一、总体情况\n表格 | 1", tables=[{"rows": [["申请", "1"]]}], year=2024,
                            statistics={"format": "2021", "flags": []}), id="report_page_gbk_bytes"),
    pytest.param(ReportPage(url="http://127.0.0.1/a.pdf", body=b"%PDF-1.4\n\xe2\xe3",
                            metadata_sources={"year": "title"}, spam_mirror=True), id="report_page_binary"),
    pytest.param(CrawlFailure(url="http://127.0.0.1/_fail/500", stage="download", reason="http_500"), id="failure"),
    pytest.param(Attachment(url="http://127.0.0.1/nb.pdf", report_url="http://127.0.0.1/t1.html", title="附件"),
                 id="attachment"),
]


@pytest.mark.parametrize("item", ITEMS)
def test_item_round_trip(item):
    item_id, kind, value = codec.decode_envelope(codec.encode_item(item))
    assert (kind, value) == (type(item).__name__, item) and item_id


def test_nested_attachment_round_trip():
    page = ReportPage(url="http://127.0.0.1/t1.html")
    if not hasattr(page, "attachment"):
        pytest.skip("ReportPage has no attachment field in this version")
    page.attachment = Attachment(url="http://127.0.0.1/nb.pdf", report_url=page.url)
    assert codec.decode_envelope(codec.encode_item(page))[2] == page


def test_warc_rows_round_trip():
    rows = [IndexRow(url="http://127.0.0.1/", date="2026-01-01T00:00:00Z", record_type="response", status=200,
                     mime="text/html", digest="sha1:X", warc_file="a.warc.gz", offset=0, length=10, record_id="<u>")]
    assert codec.decode_envelope(codec.encode_warc_rows(rows))[1:] == ("warc_rows", rows)


def test_every_envelope_but_a_failure_gets_its_own_id():
    item = Attachment(url="http://127.0.0.1/nb.pdf", report_url="http://127.0.0.1/t1.html")
    assert codec.decode_envelope(codec.encode_item(item))[0] != codec.decode_envelope(codec.encode_item(item))[0]


class Spider(scrapy.Spider):
    name = "reports"

    def parse(self, response):
        pass

    def on_error(self, failure):
        pass


REQUESTS = [
    pytest.param(lambda s: scrapy.Request("http://127.0.0.1/zwgk/", callback=s.parse, errback=s.on_error, priority=10,
                                          meta={"nianbao_portal": Portal("示例县", "http://127.0.0.1/"),
                                                "nianbao_depth": 1, "download_slot": "127.0.0.1",
                                                "cluster_lease": "7"}), id="get_with_portal"),
    pytest.param(lambda s: scrapy.FormRequest("http://127.0.0.1/dataproxy.jsp", formdata={"columnid": "年报"},
                                              callback=s.parse, meta={"playwright": True}), id="post_form"),
]


@pytest.mark.parametrize("make", REQUESTS)
def test_request_round_trip_keeps_what_matters_on_another_machine(make):
    spider = Spider()
    request = make(spider)
    back = request_from_dict(codec.request_dict(codec.request_payload(request.to_dict(spider=spider))), spider=spider)
    assert (type(back), back.url, back.method, back.body, back.priority, back.callback, back.errback) == \
           (type(request), request.url, request.method, request.body, request.priority, request.callback,
            request.errback)
    assert back.headers == request.headers
    assert back.meta == {k: v for k, v in request.meta.items() if k.startswith("nianbao_") or k == "playwright"}


BAD = [
    pytest.param(b"\x80\x03pickle", id="pickle_bytes"),
    pytest.param("{}", id="not_an_envelope"),
    pytest.param('{"id": "1", "kind": "Evil", "data": {}}', id="unknown_kind"),
    pytest.param('{"id": "1", "kind": "ReportPage", "data": {"__dc__": "os.system", "fields": {}}}',
                 id="unknown_class"),
    pytest.param('{"id": "1", "kind": "ReportPage", "data": {"__dc__": "CrawlFailure", "fields": {"url": "u", '
                 '"stage": "s", "reason": "r"}}}', id="kind_mismatch"),
    pytest.param('{"id": "1", "kind": "CrawlFailure", "data": {"__dc__": "CrawlFailure", "fields": {}}}',
                 id="missing_required_field"),
]


@pytest.mark.parametrize("payload", BAD)
def test_foreign_item_payload_is_refused(payload):
    with pytest.raises(codec.CodecError):
        codec.decode_envelope(payload)


@pytest.mark.parametrize("payload", [
    pytest.param('{"url": "http://x/", "_class": "os.system"}', id="foreign_class"),
    pytest.param('{"method": "GET"}', id="no_url"),
    pytest.param("not json", id="not_json"),
])
def test_foreign_request_payload_is_refused(payload):
    with pytest.raises(codec.CodecError):
        codec.request_dict(payload)


def test_a_redone_requests_failure_has_the_same_envelope_id_on_the_same_day():
    from crawler.items import CrawlFailure

    def failure(at):
        return CrawlFailure(url="http://x.gov.cn/a.html", stage="download", reason="http_500", at=at)

    first, redone = (codec.decode_envelope(codec.encode_item(failure(at)))[0]
                     for at in ("2025-02-01T10:00:00+00:00", "2025-02-01T10:00:31+00:00"))
    next_day = codec.decode_envelope(codec.encode_item(failure("2025-02-02T10:00:00+00:00")))[0]
    assert first == redone != next_day
