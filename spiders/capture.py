"""What the spider reads off a response without cleaning it: title, headers, a content digest."""
from __future__ import annotations

import hashlib
import re

from scrapy.http import TextResponse

from crawler.items import ReportPage, utc_now
from spiders.platforms import node_texts


def page_title(response: TextResponse) -> str:
    return (response.xpath("//meta[@name='ArticleTitle']/@content").get()
            or response.xpath("//title/text()").get() or "").strip()


def column_title(response: TextResponse) -> str:
    """The column a list page is, for judging bare-year entries ("2023年度") listed on it."""
    return " ".join(response.xpath("//meta[@name='ColumnName']/@content | //title/text()").getall())


def content_digest(response: TextResponse) -> str:
    """sha256 of the page's visible text with all whitespace removed: equal for the same report at two URLs."""
    text = "".join(node_texts(response.selector, "//body//text()[not(ancestor::script) and not(ancestor::style)]"))
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


def lowercase_headers(headers) -> dict[str, str]:
    return {key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for key, values in headers.items()}


def report_page(response: TextResponse, spider: str) -> ReportPage:
    """The capture item: raw bytes and headers as received, plus the crawl context."""
    return ReportPage(
        url=response.url, spider=spider, fetched_at=utc_now(), status=response.status,
        headers=lowercase_headers(response.headers), body=response.body,
        portal=response.meta["nianbao_portal"].name, list_title=response.meta.get("nianbao_list_title", ""),
        referer=(response.request.headers.get("Referer") or b"").decode("latin-1"),
        warc_file=response.meta.get("nianbao_warc_file", ""), warc_offset=response.meta.get("nianbao_warc_offset"),
    )
