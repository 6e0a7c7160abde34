"""Downloader middleware recording every HTTP exchange to WARC/1.1 files (archive/warc.py does the work).

Ordered at 650, between RedirectMiddleware (600) and HttpCacheMiddleware (900): process_response runs from
high to low numbers, so it sees each 3xx before it becomes a new request, and bodies before
HttpCompressionMiddleware (590) decodes them. It writes files only; the index rows travel through the
`warc_record_written` signal to the archive's single SQLite writer (pipelines/storage.py).
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlite_utils import Database

from archive.warc import Exchange, WarcFiles, finish_open_files, warc_date
from archive.warc_index import last_capture

logger = logging.getLogger(__name__)

# Sent with rows=[IndexRow, …] after each exchange is on disk.
warc_record_written = object()
# Response flag of a page rendered by Chromium (scrapy-playwright): never written as a WARC response record.
RENDERED_FLAG = "nianbao_rendered"


def warc_dir_for(settings) -> Path:
    """NIANBAO_WARC_DIR, or `<db name>-warc/` next to the archive."""
    configured = settings.get("NIANBAO_WARC_DIR")
    if configured:
        return Path(configured)
    db_path = Path(settings.get("NIANBAO_DB") or "nianbao.db")
    return db_path.with_name(db_path.stem + "-warc")


def warcinfo_fields(settings) -> dict[str, str]:
    return {
        "software": "nianbao/0.1 (warcio)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "operator": settings.get("NIANBAO_CONTACT_URL") or "",
        "http-header-user-agent": settings.get("USER_AGENT") or "",
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
    }


def header_pairs(headers) -> list[tuple[str, str]]:
    """Scrapy Headers → [(name, value)] as latin-1 text, one pair per value."""
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def exchange_of(request, response) -> Exchange:
    return Exchange(
        url=response.url, method=request.method, request_headers=header_pairs(request.headers),
        request_body=request.body or b"", status=response.status,
        response_headers=header_pairs(response.headers), body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else "", date=warc_date())


class WarcRecorderMiddleware:
    def __init__(self, files: WarcFiles, db_path: str, crawler):
        self.files = files
        self.db_path = db_path
        self.stats = crawler.stats
        self.signals = crawler.signals
        self.reader = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NIANBAO_WARC_ENABLED"):
            raise NotConfigured("NIANBAO_WARC_ENABLED is off")
        directory = warc_dir_for(settings)
        max_mb = settings.getfloat("NIANBAO_WARC_MAX_MB")
        if max_mb <= 0:
            raise NotConfigured(f"NIANBAO_WARC_MAX_MB must be positive, got {max_mb}")
        directory.mkdir(parents=True, exist_ok=True)
        for result in finish_open_files(directory):
            logger.warning("Repaired WARC %s left by an interrupted crawl: kept %s records, cut %s bytes",
                           result.path, result.records, result.truncated_bytes)
            crawler.stats.inc_value("nianbao/warc/repaired")
        files = WarcFiles(directory, int(max_mb * 1024 * 1024), warcinfo_fields(settings))
        middleware = cls(files, settings.get("NIANBAO_DB"), crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request, response):
        if "cached" in response.flags:       # HttpCacheMiddleware replay, not an exchange with the server
            return response
        if request.meta.get("playwright"):   # Chromium's DOM after scripts ran, not the bytes the server sent
            response.flags.append(RENDERED_FLAG)
            self.stats.inc_value("nianbao/warc/rendered_skipped")
            logger.debug("Not recording %s in WARC: rendered in the browser, not raw server bytes", response.url)
            return response
        exchange = exchange_of(request, response)
        rows = self.files.write_exchange(exchange, self.prior(exchange.url))
        # Exact provenance for the item built from this response (spiders/capture.py report_page).
        request.meta["nianbao_warc_file"], request.meta["nianbao_warc_offset"] = rows[-1].warc_file, rows[-1].offset
        for row in rows:
            self.stats.inc_value(f"nianbao/warc/{row.record_type}")
        self.stats.inc_value("nianbao/warc/bytes", sum(row.length for row in rows))
        logger.debug("WARC %s %s → %s@%s", rows[-1].record_type, response.url, rows[-1].warc_file, rows[-1].offset)
        self.signals.send_catch_log(warc_record_written, rows=rows)
        return response

    def prior(self, url: str):
        """The last capture of `url` in the archive, read on a read-only connection (never a writer)."""
        if self.reader is None:
            if not self.db_path or not Path(self.db_path).exists():
                return None
            self.reader = Database(sqlite3.connect(f"file:{Path(self.db_path).resolve()}?mode=ro", uri=True))
        try:
            return last_capture(self.reader, url)
        except sqlite3.Error as error:
            logger.warning("Cannot look up the last capture of %s: %s", url, error)
            return None

    def spider_closed(self, spider=None):
        self.files.close()
        if self.reader is not None:
            self.reader.close()
            self.reader = None
