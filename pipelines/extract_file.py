"""Turn one saved file into the JSON record `nianbao extract` prints, via the crawl's own stages."""
from __future__ import annotations

from datetime import datetime, timezone

from scrapy.exceptions import DropItem
from scrapy.utils.project import get_project_settings

from archive.versions import text_digest
from crawler.items import ReportPage
from pipelines.chain import process_page, processing_stages

# The keys users' scripts rely on come first; the rest extend them.
RECORD_KEYS = (
    "url", "title", "year", "index_no", "publisher", "generated_date", "text", "encoding", "spam_mirror",
    "publish_date", "doc_no", "topic", "site_id_code", "tables", "encoding_source", "encoding_detail",
    "extractor", "spam_evidence", "spam_removed", "metadata_sources", "statistics",
)


DROP_EXPLANATIONS = {
    "undecodable": "the body is not text in any encoding we can read (undecodable)",
    "needs_ocr": "the PDF is scanned images without a text layer (needs_ocr; set NIANBAO_OCR=1 to OCR it)",
    "attachment_corrupt": "the file is truncated or corrupt (attachment_corrupt)",
    "attachment_encrypted": "the file is password-protected (attachment_encrypted)",
    "attachment_zip_bomb": "the file would unzip to an unreasonable size (attachment_zip_bomb)",
    "attachment_unsupported": "the file is not a PDF, Word, WPS or Excel document (attachment_unsupported)",
    "attachment_too_large": "the file is larger than NIANBAO_MAX_ATTACHMENT_MB (attachment_too_large)",
    "attachment_timeout": "reading the file took longer than NIANBAO_ATTACHMENT_TIMEOUT (attachment_timeout)",
    "attachment_converter_missing": "LibreOffice or tesseract is not installed (attachment_converter_missing)",
}


class ExtractionError(Exception):
    """The input cannot be read as a page at all (the message is one sentence for the user)."""


def extract_file(body: bytes, url: str, content_type: str | None) -> dict:
    page = ReportPage(url=url, spider="extract", body=body,
                      headers={"content-type": content_type} if content_type else {},
                      fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    if not body:
        raise ExtractionError(f"The file for {url} is empty.")
    try:
        page = process_page(page, processing_stages(get_project_settings()))
    except DropItem as drop:
        if str(drop) != "no_main_text":
            raise ExtractionError(f"Cannot extract {url}: {DROP_EXPLANATIONS.get(str(drop), drop)}.") from drop
    return page_record(page)


def page_record(page: ReportPage) -> dict:
    record = {key: getattr(page, key) for key in RECORD_KEYS}
    for key in ("title", "index_no", "publisher", "generated_date", "publish_date", "doc_no", "topic",
                "site_id_code", "encoding"):
        record[key] = record[key] or None  # missing values are null, never ""
    record["sha256"] = text_digest(page.text)
    return record
