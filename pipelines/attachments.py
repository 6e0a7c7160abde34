"""Text and tables of attachments (PDF, DOCX, DOC, WPS, XLS, XLSX), sniffed by their bytes.

Needs: body, headers, html == "" (DecodePipeline passes documents on undecoded).  Sets: text, tables, extractor,
title (when empty).  Drops: no_main_text, needs_ocr, attachment_<reason> (see pipelines.formats.FAILURE_REASONS).
A pointer page carrying its file (item.attachment, see spiders/attachments.py) takes the file's text, tables and
extractor; the page keeps its HTML for the metadata stage. An unreadable file never drops the page: it keeps
its own text and attachment.error says why (storage records it as a failure).
"""
from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawler.items import ReportPage
from pipelines.formats import Deadline, DocumentError, DocumentText, Limits
from pipelines.formats.docx import extract_docx
from pipelines.formats.ocr import tesseract_languages
from pipelines.formats.pdf import extract_pdf
from pipelines.formats.sheet import extract_sheet
from pipelines.formats.sniff import is_encrypted_ooxml, sniff_format, zip_is_readable
from pipelines.formats.word import extract_word
from pipelines.stage import raise_if_offloaded

logger = logging.getLogger(__name__)

# One reader per sniffed format; "zip" and "ole" are containers we recognise but cannot read.
READERS = {
    "pdf": lambda body, limits, deadline: extract_pdf(body, limits, deadline),
    "docx": lambda body, limits, deadline: extract_docx(body, limits, deadline),
    "doc": lambda body, limits, deadline: extract_word(body, limits, deadline, "doc"),
    "wps": lambda body, limits, deadline: extract_word(body, limits, deadline, "wps"),
    "xlsx": lambda body, limits, deadline: extract_sheet(body, limits, deadline, "xlsx"),
    "xls": lambda body, limits, deadline: extract_sheet(body, limits, deadline, "xls"),
}
MB = 1024 * 1024


def extract_document(body: bytes, url: str, content_type: str | None, limits: Limits = Limits()) -> DocumentText:
    """Text, tables and title of one attachment; raises DocumentError with a FAILURE_REASONS reason."""
    if len(body) > limits.max_bytes:
        raise DocumentError("too_large", f"{len(body) / MB:.0f} MB > {limits.max_bytes / MB:.0f} MB")
    kind = sniff_format(body, content_type, url)
    if kind == "ole" and is_encrypted_ooxml(body):
        raise DocumentError("encrypted", "the Office file needs a password")
    if kind == "zip":
        raise DocumentError("unsupported" if zip_is_readable(body) else "corrupt", "a zip that is no DOCX/XLSX")
    if kind not in READERS:
        raise DocumentError("unsupported", f"not a PDF, Word, WPS or Excel file ({content_type or 'no type'})")
    return READERS[kind](body, limits, Deadline(limits.timeout))


def limits_from_settings(settings) -> Limits:
    """Limits from NIANBAO_MAX_ATTACHMENT_MB, NIANBAO_MAX_ATTACHMENT_PAGES, NIANBAO_ATTACHMENT_TIMEOUT, NIANBAO_OCR."""
    defaults = Limits()
    return Limits(max_bytes=int(settings.getfloat("NIANBAO_MAX_ATTACHMENT_MB", defaults.max_bytes / MB) * MB),
                  max_pages=settings.getint("NIANBAO_MAX_ATTACHMENT_PAGES", defaults.max_pages),
                  timeout=settings.getfloat("NIANBAO_ATTACHMENT_TIMEOUT", defaults.timeout),
                  ocr=settings.getbool("NIANBAO_OCR", defaults.ocr))


class AttachmentTextPipeline:
    """Scrapy adapter for extract_document on items DecodePipeline passed on undecoded."""

    def __init__(self, stats, limits: Limits):
        self.stats = stats
        self.limits = limits

    @classmethod
    def from_crawler(cls, crawler):
        raise_if_offloaded(crawler.settings)
        limits = limits_from_settings(crawler.settings)
        if limits.ocr and "chi_sim" not in tesseract_languages():
            raise ValueError("NIANBAO_OCR is on but tesseract with chi_sim data is not installed "
                             "(apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
        return cls(crawler.stats, limits)

    def process_item(self, item):
        if isinstance(item, ReportPage) and item.attachment is not None and item.attachment.body:
            return self.take_attachment_text(item)
        if not isinstance(item, ReportPage) or item.html or sniff_format(item.body, item.content_type, item.url) is None:
            return item
        try:
            document = extract_document(item.body, item.url, item.content_type, self.limits)
        except DocumentError as error:
            logger.warning("Unreadable attachment %s (%s)", item.url, error)
            self.stats.inc_value(f"nianbao/attachments/failed/{error.reason}")
            raise DropItem(f"attachment_{error.reason}") from error
        self.stats.inc_value(f"nianbao/attachments/{document.format}")
        self.stats.inc_value("nianbao/attachments/pages", document.pages)
        return self.fill(item, document)

    def take_attachment_text(self, item: ReportPage) -> ReportPage:
        """Pointer page + file → one report whose text and tables are the file's."""
        file = item.attachment
        try:
            document = extract_document(file.body, file.url, file.headers.get("content-type"), self.limits)
        except DocumentError as error:
            file.error = f"attachment_{error.reason}"
            self.stats.inc_value(f"nianbao/attachments/failed/{error.reason}")
            logger.warning("Unreadable attachment %s of %s (%s): the page keeps its own text", file.url, item.url,
                           error)
            return item
        file.format = document.format
        self.stats.inc_value(f"nianbao/attachments/{document.format}")
        self.stats.inc_value("nianbao/attachments/pages", document.pages)
        if not document.text:
            file.error = "needs_ocr" if document.needs_ocr else "no_main_text"
            self.stats.inc_value(f"nianbao/attachments/{file.error}")
            logger.warning("No text in attachment %s of %s (%s)", file.url, item.url, file.error)
            return item
        item.text, item.tables = document.text, document.tables
        item.extractor = document.format + ("+ocr" if document.ocr_pages else "")
        self.stats.inc_value("nianbao/attachments/pointer_page")
        logger.debug("Pointer page %s takes the text of %s (%s)", item.url, file.url, item.extractor)
        return item

    def fill(self, item: ReportPage, document: DocumentText) -> ReportPage:
        if not document.text:
            reason = "needs_ocr" if document.needs_ocr else "no_main_text"
            logger.warning("No text in attachment %s (%s, %d pages)", item.url, reason, document.pages)
            self.stats.inc_value(f"nianbao/attachments/{reason}")
            raise DropItem(reason)
        item.text, item.tables = document.text, document.tables
        item.extractor = document.format + ("+ocr" if document.ocr_pages else "")
        item.title = item.title or document.title or None
        logger.debug("Attachment %s: %s, %d pages, %d tables", item.url, item.extractor, document.pages,
                     len(document.tables))
        return item
