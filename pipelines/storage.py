"""Store processed pages, spam mirrors and failures in the SQLite archive (always the last stage).

Needs: every field of ReportPage.  Sets: nothing; writes rows through archive/ only, one transaction an item.
Also records as failures the items other stages dropped or choked on, so nothing vanishes silently.
"""
from __future__ import annotations

import logging

from scrapy import signals

from archive.attachments import record_attachment_file
from archive.refresh import ListPageVisit, UnknownReport, apply_check, record_list_visit
from archive.schema import open_archive
from archive.versions import record_capture, record_failure, record_mirror
from archive.warc_index import record_warc_rows
from archive.crawl_report import record_attachment, record_crawl_reports
from crawler.items import Attachment, CrawlFailure, RefreshCheck, ReportPage, utc_now
from crawler.warc_middleware import warc_record_written

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, db_path: str, stats, crawler=None):
        self.db_path = db_path
        self.stats = stats
        self.crawler = crawler   # None in `nianbao writer`, which stores what cluster workers crawled
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler.settings.get("NIANBAO_DB"), crawler.stats, crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        crawler.signals.connect(pipeline.warc_records_written, signal=warc_record_written)
        return pipeline

    def open_spider(self):
        self.db = open_archive(self.db_path)
        logger.info("Archive open at %s", self.db_path)

    def close_spider(self):
        if self.db is not None:
            self.store_crawl_report()
            self.db.close()
            self.db = None

    def process_item(self, item):
        if isinstance(item, CrawlFailure):
            self.store_failure(item)
        elif isinstance(item, RefreshCheck):
            self.store_check(item)
        elif isinstance(item, ListPageVisit):   # a 年报 list page, where the next refresh starts (spiders/refresh.py)
            record_list_visit(self.db, item)
            self.stats.inc_value("nianbao/storage/list_page")
        elif isinstance(item, Attachment):
            (record_attachment_file if item.body else record_attachment)(self.db, item)
            self.stats.inc_value("nianbao/storage/attachment")
        elif isinstance(item, ReportPage) and item.spam_mirror:
            record_mirror(self.db, item)
            self.stats.inc_value("nianbao/storage/spam_mirror")
            logger.warning("Spam mirror kept apart, not as a report: %s (%s)", item.url,
                           "; ".join(item.spam_evidence))
        elif isinstance(item, ReportPage):
            with self.db.atomic():   # a pointer page's report and its file land together (spiders/attachments.py)
                report_id = record_capture(self.db, item)
                if item.attachment is not None:
                    record_attachment_file(self.db, item.attachment, report_id)
            self.stats.inc_value("nianbao/storage/report")
            if item.attachment is not None and item.attachment.error:
                self.store_failure(CrawlFailure(url=item.attachment.url, stage="pipeline", reason=item.attachment.error,
                                                detail=f"attachment of {item.url}", spider=item.spider,
                                                portal=item.portal, at=utc_now()))
        return item

    def store_check(self, check: RefreshCheck) -> None:
        """A refresh's verdict on an archived report (spiders/refresh.py): seen again, or gone (never deleted)."""
        try:
            apply_check(self.db, check.url, check.outcome, check.status, check.at)
        except UnknownReport:
            logger.warning("Refresh verdict %s for %s, which is not in the archive", check.outcome, check.url)
            return
        self.stats.inc_value(f"nianbao/storage/refresh_{check.outcome}")

    def warc_records_written(self, rows):
        """Index rows of one exchange from the WARC middleware: this pipeline is SQLite's single writer."""
        if self.db is not None:
            record_warc_rows(self.db, rows)

    def store_crawl_report(self) -> None:
        """The spider's per-portal tally (spiders/tally.py), as crawl_reports rows."""
        tally = getattr(getattr(self.crawler, "spider", None), "tally", None)   # only the `reports` spider has one
        if tally is not None:
            record_crawl_reports(self.db, tally.spider, tally.started_at, utc_now(), tally.rows())

    def store_failure(self, failure: CrawlFailure) -> None:
        record_failure(self.db, failure)
        self.stats.inc_value(f"nianbao/failure/{failure.reason}")

    def item_dropped(self, item, response, exception, spider=None):
        if isinstance(item, ReportPage) and self.db is not None:
            self.store_failure(failure_for(item, "pipeline", str(exception), ""))

    def item_error(self, item, response, spider=None, failure=None):
        if isinstance(item, ReportPage) and self.db is not None:
            error = failure.value if failure is not None else None
            logger.error("Pipeline error on %s: %r", item.url, error)
            self.store_failure(failure_for(item, "pipeline", type(error).__name__, repr(error)))


def failure_for(item: ReportPage, stage: str, reason: str, detail: str) -> CrawlFailure:
    return CrawlFailure(url=item.url, stage=stage, reason=reason, detail=detail, spider=item.spider,
                        portal=item.portal, at=utc_now())
