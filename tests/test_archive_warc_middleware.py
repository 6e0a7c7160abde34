"""The WARC middleware alone: exact provenance handed to the item, browser-rendered pages not recorded as raw bytes."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.portals import Portal
from crawler.warc_middleware import RENDERED_FLAG, WarcRecorderMiddleware
from spiders.capture import report_page

URL = "https://www.example.gov.cn/zwgk/xxgknb/t20250120_1.html"
BODY = "<html><head><title>示例县2024年政府信息公开工作年度报告</title></head><body>年报</body></html>".encode()


@pytest.fixture
def middleware(tmp_path):
    crawler = get_crawler(settings_dict={"NIANBAO_DB": str(tmp_path / "a.db"), "NIANBAO_WARC_DIR": str(tmp_path / "w"),
                                         "NIANBAO_WARC_ENABLED": True, "NIANBAO_WARC_MAX_MB": 10})
    crawler.stats.open_spider()
    yield build_from_crawler(WarcRecorderMiddleware, crawler)


def exchange(middleware, **meta):
    request = Request(URL, meta={"nianbao_portal": Portal("示例县", "https://www.example.gov.cn/"), **meta})
    response = HtmlResponse(URL, body=BODY, headers={"Content-Type": "text/html"}, request=request)
    return middleware.process_response(request, response)


def test_item_carries_the_warc_record_of_its_response(middleware):
    response = exchange(middleware)
    page = report_page(response, "reports")
    middleware.spider_closed()
    assert page.warc_file.endswith(".warc.gz") and page.warc_offset > 0      # after the file's warcinfo record
    with open(middleware.files.directory / page.warc_file, "rb") as fh:
        from warcio.archiveiterator import ArchiveIterator

        fh.seek(page.warc_offset)
        record = next(iter(ArchiveIterator(fh)))
    assert (record.rec_type, record.rec_headers.get_header("WARC-Target-URI")) == ("response", URL)
    assert record.content_stream().read() == BODY


def test_browser_rendered_page_is_flagged_not_recorded(middleware):
    response = exchange(middleware, playwright=True)
    middleware.spider_closed()
    assert RENDERED_FLAG in response.flags and "nianbao_warc_file" not in response.meta
    assert middleware.stats.get_value("nianbao/warc/rendered_skipped") == 1
    assert middleware.stats.get_value("nianbao/warc/response") is None
