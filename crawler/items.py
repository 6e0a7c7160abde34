"""Items that travel from the spider through the pipelines to the archive."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Any

from w3lib.url import canonicalize_url

# How the encoding stage decided the charset of a page.
ENCODING_SOURCES = ("bom", "header", "meta", "detected", "fallback")

# Why a pipeline drops an item on purpose (anything else is a bug and raises).
DROP_REASONS = ("not_a_report", "spam_mirror", "no_main_text", "undecodable",
                # attachments (pipelines/attachments.py): a scan with no text layer, and unreadable files
                # by pipelines.formats.FAILURE_REASONS
                "needs_ocr", "attachment_corrupt", "attachment_encrypted", "attachment_zip_bomb",
                "attachment_unsupported", "attachment_too_large", "attachment_timeout",
                "attachment_converter_missing")

# Where a failure happened; recorded with each row of the `failures` table.
FAILURE_STAGES = ("download", "robots", "private_host", "spider", "pipeline", "storage")


@dataclass
class ReportPage:
    """One captured page that may be a 年报; each pipeline stage fills its own block."""

    # capture (spider)
    url: str
    spider: str = "reports"
    fetched_at: str = ""            # UTC, ISO 8601
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)   # lower-cased names
    body: bytes = b""
    portal: str = ""                # portal name from the portal list
    list_title: str = ""            # anchor text of the link that led here
    referer: str = ""
    warc_file: str = ""             # the WARC record of this response (crawler/warc_middleware.py): exact
    warc_offset: int | None = None  # provenance for exports; empty when WARC recording is off
    # encoding stage
    html: str = ""
    encoding: str = ""              # codec used to decode body, e.g. "gb18030"
    encoding_source: str = ""       # one of ENCODING_SOURCES
    encoding_detail: dict[str, Any] = field(default_factory=dict)  # header/meta/detected/used/replacements
    # extraction stage
    content_html: str = ""          # the main-content container, as HTML
    text: str = ""                  # cleaned text, one paragraph or table row a line
    tables: list[dict[str, Any]] = field(default_factory=list)     # cell grids, see pipelines.tables
    extractor: str = ""             # which container or extractor produced the text
    # spam stage
    spam_mirror: bool = False
    spam_evidence: list[str] = field(default_factory=list)
    spam_removed: list[dict[str, str]] = field(default_factory=list)  # audit: {"rule", "snippet"}
    # metadata stage
    title: str | None = None        # 标题
    year: int | None = None         # 年度 (the year reported on)
    index_no: str | None = None     # 索引号
    publisher: str | None = None    # 发布机构
    generated_date: str | None = None  # 生成日期, YYYY-MM-DD
    publish_date: str | None = None    # 发布日期, YYYY-MM-DD
    doc_no: str | None = None       # 文号 / 文件编号
    topic: str | None = None        # 主题分类
    site_id_code: str | None = None  # 网站标识码
    metadata_sources: dict[str, str] = field(default_factory=dict)  # field -> where it came from
    # statistics stage
    statistics: dict[str, Any] | None = None  # the three national tables as numbers + identity checks,
                                              # see pipelines.statistics.parse_statistics
    # attachments stage: a pointer page ("附件：…年度报告.pdf") travels with the file it points to; the
    # report takes the file's text and tables, the page gives the metadata (spiders/attachments.py)
    attachment: Attachment | None = None
    # transient, deliberately not a field (no annotation: never stored, exported, compared or in asdict):
    # (html, lxml tree) the spam stage parsed; later stages reuse the tree while item.html is that very
    # string, else parse it themselves. See pipelines.textutil.hand_on_tree / handed_tree.
    _dom = None

    @property
    def report_id(self) -> str:
        """Stable key of the report: digest of the canonical URL."""
        return report_id_for(self.url)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class CrawlFailure:
    """A page or request that could not be captured or processed, recorded in `failures`."""

    url: str
    stage: str                      # one of FAILURE_STAGES
    reason: str                     # short machine-friendly reason, e.g. "http_500", "timeout"
    detail: str = ""
    spider: str = "reports"
    portal: str = ""
    at: str = ""                    # UTC, ISO 8601


@dataclass
class Attachment:
    """A report file (PDF/DOC/DOCX/WPS…) linked from a 年报 page or list, recorded for the file-extraction stage."""

    url: str
    report_url: str                 # the page that links to it (detail page, or the list for direct links)
    title: str = ""                 # anchor text
    spider: str = "reports"
    portal: str = ""
    found_at: str = ""              # UTC, ISO 8601
    # once fetched (spiders/attachments.py): the raw file, for the captures and attachments tables
    file_name: str = ""             # showname=, Content-Disposition filename, else the URL's last segment
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)   # lower-cased names
    body: bytes = b""
    capture_url: str = ""           # where the bytes came from (after redirects)
    format: str = ""                # sniffed: pdf, docx, doc, wps, xls, xlsx (pipelines.formats.sniff)
    error: str = ""                 # why its text could not be read: a DROP_REASONS value, e.g. attachment_corrupt


@dataclass
class RefreshCheck:
    """A refresh's verdict on an archived report (spiders/refresh.py); the storage pipeline marks it seen or gone."""

    url: str                        # the report's archived URL
    outcome: str                    # one of archive.refresh.REFRESH_OUTCOMES
    status: int | None = None       # HTTP status of the re-check
    spider: str = "reports"
    portal: str = ""
    at: str = ""                    # UTC, ISO 8601



@dataclass
class ListPageVisit:
    """A 年报 list page a crawl read (spiders/refresh.py ListMemoryMiddleware); the storage pipeline remembers it."""

    portal: str
    url: str
    status: int = 200
    method: str = "GET"
    body: str = ""                  # the form body of a POST list (Hanweb dataproxy.jsp)
    platform: str = ""              # spiders.platforms convention that reads it ("" = HTML)
    context: str = ""               # the column title its entries were judged with
    depth: int = 0
    root: str = ""                  # the portal scope its links were judged in (spiders.urls.portal_origin)
    etag: str = ""
    last_modified: str = ""
    report_links: list[list[str]] | None = None   # [url, anchor text, "page" | "file"]; None: unchanged (304)
    walked: bool = True             # reached by a walk from the home page, not from a remembered list
    crawl: str = ""                 # start of the crawl that read it (CrawlTally.started_at): names a walk
    at: str = ""                    # UTC, ISO 8601

def utc_now() -> str:
    """Now, UTC, ISO 8601 to the second: the format of every *_at / fetched_at field."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def report_id_for(url: str) -> str:
    """First 16 hex digits of the sha256 of the canonical URL (fragments dropped)."""
    return hashlib.sha256(canonicalize_url(url).encode("utf-8")).hexdigest()[:16]
