"""Attachments: sniffing by bytes, text and tables per format against goldens, named failures, the stage, the CLI."""
from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.cli import main
from crawler.items import DROP_REASONS, ReportPage
from pipelines.attachments import AttachmentTextPipeline, extract_document
from pipelines.formats import FAILURE_REASONS, DocumentError, Limits
from pipelines.formats.ocr import tesseract_languages
from pipelines.formats.sniff import sniff_format
from tests.test_pipelines_attachments_build import (
    CANONICAL_TABLES, SEED_REPORT, TABLE_PLAIN, build_docx, build_pdf, build_xlsx, convert_with_soffice,
    expected_lines, needs_soffice, seed_blocks,
)

PAGES = Path(__file__).parent / "pages" / "attachments"
GOLDEN = Path(__file__).parent / "golden" / "attachments"
SCANNED = PAGES / "scanned_page.pdf"   # one page of the营山 report rendered to a JPEG: no text layer
URL = "https://www.example.gov.cn/zwgk/ndbg/202501/P020250120123456.pdf"
# Rewrite the goldens on purpose only: NIANBAO_UPDATE_GOLDEN=1 pytest tests/test_pipelines_attachments.py
UPDATE_GOLDEN = os.environ.get("NIANBAO_UPDATE_GOLDEN") == "1"


def blocks(tables=CANONICAL_TABLES):
    return seed_blocks(SEED_REPORT, tables)


def docx_bytes():
    return build_docx(blocks())


DOCUMENTS = {
    "pdf_ruled": lambda: build_pdf(blocks()),
    "pdf_unruled": lambda: build_pdf(blocks((TABLE_PLAIN,) * 3), ruled=False),
    "docx_merged": docx_bytes,
    "xlsx_merged": lambda: build_xlsx(CANONICAL_TABLES),
}
EXPECTED = {
    "pdf_ruled": lambda: expected_lines(blocks()),
    "pdf_unruled": lambda: expected_lines(blocks((TABLE_PLAIN,) * 3)),
    "docx_merged": lambda: expected_lines(blocks()),
    "xlsx_merged": lambda: expected_lines(CANONICAL_TABLES),
}


def check_golden(name: str, document) -> None:
    text_path, tables_path = GOLDEN / f"{name}.txt", GOLDEN / f"{name}.tables.json"
    tables = json.dumps(document.tables, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE_GOLDEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        text_path.write_text(document.text + "\n", encoding="utf-8")
        tables_path.write_text(tables, encoding="utf-8")
    assert document.text + "\n" == text_path.read_text(encoding="utf-8")
    assert tables == tables_path.read_text(encoding="utf-8")


# --- sniffing ------------------------------------------------------------------------------------

def zip_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize("body,content_type,url,kind", [
    (b"%PDF-1.7\n...", "application/pdf", "a.pdf", "pdf"),
    (b"\r\n<html>junk</html>%PDF-1.4\n", None, "a.pdf", "pdf"),          # junk before %PDF- is allowed
    (b"%PDF-1.4\n", "application/msword", "a.docx", "pdf"),              # the extension lies
    (zip_with({"word/document.xml": b"<w/>"}), "application/pdf", "a.pdf", "docx"),
    (zip_with({"xl/workbook.xml": b"<w/>"}), None, "a.bin", "xlsx"),
    (zip_with({"readme.txt": b"hello"}), None, "a.docx", "zip"),                 # a zip but no Office package
    (b"PK\x03\x04" + b"\x00" * 40, None, "a.docx", "zip"),              # truncated: no central directory
    (OLE + "WordDocument".encode("utf-16-le"), "application/msword", "a.doc", "doc"),
    (OLE + "WordDocument".encode("utf-16-le"), None, "downfile.jsp?filename=nb.WPS", "wps"),
    (OLE + "WordDocument".encode("utf-16-le"), "application/kswps", "x", "wps"),
    (OLE + "Workbook".encode("utf-16-le"), None, "a.xls", "xls"),
    (OLE + b"\x00" * 64, None, "a.doc", "ole"),
    (b"<html><body>\xc4\xea\xb1\xa8</body></html>", "application/pdf", "a.pdf", None),  # HTML served as PDF
    (b"", None, "a.pdf", None),
], ids=["pdf", "pdf-junk-prefix", "pdf-named-docx", "docx-named-pdf", "xlsx", "other-zip", "truncated-zip",
        "doc", "wps-by-name", "wps-by-type", "xls", "other-ole", "html-named-pdf", "empty"])
def test_sniff_format_trusts_bytes_over_names(body, content_type, url, kind):
    assert sniff_format(body, content_type, url) == kind


# --- text and tables per format ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DOCUMENTS), ids=str)
def test_document_text_and_tables_match_golden(name):
    check_golden(name, extract_document(DOCUMENTS[name](), URL, None))


@pytest.mark.parametrize("name", sorted(DOCUMENTS), ids=str)
def test_every_paragraph_and_table_row_of_the_seed_comes_back(name):
    lines = set(extract_document(DOCUMENTS[name](), URL, None).text.splitlines())
    assert [line for line in EXPECTED[name]() if line not in lines] == []


def test_docx_merged_cells_are_repeated_in_every_position_and_listed_as_spans():
    table = extract_document(docx_bytes(), URL, None).tables[1]
    assert table["rows"][4][:2] == ["三、本年度办理结果", "（一）予以公开"]
    assert table["rows"][5][:2] == ["三、本年度办理结果", "（二）部分公开"]      # vMerge continues
    assert [0, 2, 1, 3] in table["spans"] and [4, 0, 2, 1] in table["spans"]


def test_pdf_title_and_page_count_come_from_the_document():
    document = extract_document(DOCUMENTS["pdf_ruled"](), URL, "application/pdf")
    assert (document.title, document.pages, document.format) == (
        "营山县人民政府办公室2024年政府信息公开工作年度报告", 3, "pdf")


@needs_soffice()
@pytest.mark.parametrize("suffix,content_type", [("doc", "application/msword"), ("wps", "application/kswps")],
                         ids=["doc", "wps"])
def test_word_binaries_convert_through_libreoffice(suffix, content_type):
    # A Kingsoft .wps file is a Word 97 binary; the test's WPS is LibreOffice's DOC under a .wps name.
    body = convert_with_soffice(docx_bytes(), "docx", "doc")
    document = extract_document(body, URL.replace(".pdf", f".{suffix}"), content_type)
    assert document.format == suffix
    check_golden(f"{suffix}_from_docx", document)
    assert [line for line in expected_lines(blocks()) if line not in document.text.splitlines()] == []


def test_scanned_pdf_is_flagged_needs_ocr_with_no_text():
    document = extract_document(SCANNED.read_bytes(), URL, "application/pdf")
    assert (document.text, document.needs_ocr, document.pages) == ("", True, 1)


@pytest.mark.skipif("chi_sim" not in tesseract_languages(),
                    reason="tesseract with chi_sim is not installed; .ci/run installs tesseract-ocr-chi-sim")
def test_ocr_reads_the_scanned_page_when_switched_on():
    document = extract_document(SCANNED.read_bytes(), URL, "application/pdf", Limits(ocr=True))
    assert document.ocr_pages == 1 and not document.needs_ocr
    assert document.text.startswith("营山县人民政府办公室2024年政府信息公开工作年度报告")
    assert "邮编:637700" in document.text


# --- failures: each a named reason, never a crash --------------------------------------------------

def zip_bomb() -> bytes:
    # 64 MB of zeros deflates to ~64 KB: ratio ~1000, far past max_member_ratio.
    return zip_with({"word/document.xml": b"\x00" * (64 * 1024 * 1024), "[Content_Types].xml": b"<Types/>"})


def encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt

    return build_pdf(blocks()[:3], encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))


FAILURES = {
    "truncated-docx": (lambda: docx_bytes()[:2000], Limits(), "corrupt"),
    "garbage-docx-xml": (lambda: zip_with({"word/document.xml": b"<w:document><<<"}), Limits(), "corrupt"),
    "encrypted-pdf": (encrypted_pdf, Limits(), "encrypted"),
    "encrypted-ooxml": (lambda: OLE + "EncryptedPackage".encode("utf-16-le"), Limits(), "encrypted"),
    "zip-bomb": (zip_bomb, Limits(), "zip_bomb"),
    "too-large": (lambda: b"%PDF-1.4\n" + b"0" * 5000, Limits(max_bytes=4096), "too_large"),
    "not-a-document": (lambda: b"GIF89a\x01\x00", Limits(), "unsupported"),
    "other-zip": (lambda: zip_with({"readme.txt": b"hi"}), Limits(), "unsupported"),
    "garbage-pdf": (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 40, Limits(), "corrupt"),
    "no-time-left": (lambda: build_pdf(blocks()), Limits(timeout=0), "timeout"),
    "garbage-xls": (lambda: OLE + "Workbook".encode("utf-16-le") + b"\x00" * 600, Limits(), "corrupt"),
}


@pytest.mark.parametrize("name", sorted(FAILURES), ids=str)
def test_bad_input_raises_a_named_document_error(name):
    build, limits, reason = FAILURES[name]
    with pytest.raises(DocumentError) as raised:
        extract_document(build(), URL, None, limits)
    assert raised.value.reason == reason and f"attachment_{reason}" in DROP_REASONS


def test_truncated_pdf_gives_text_of_the_pages_it_still_has_or_corrupt():
    # tests a PDF cut at 60%: pdfminer rebuilds the xref from what is left; either way no other exception.
    try:
        document = extract_document(build_pdf(blocks())[: int(len(build_pdf(blocks())) * 0.6)], URL, None)
    except DocumentError as error:
        assert error.reason == "corrupt"
    else:
        assert document.text.startswith("营山县")


def test_missing_libreoffice_is_a_named_failure(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DocumentError) as raised:
        extract_document(OLE + "WordDocument".encode("utf-16-le"), "a.doc", "application/msword")
    assert raised.value.reason == "converter_missing"


def test_every_failure_reason_has_a_drop_reason():
    assert {f"attachment_{reason}" for reason in FAILURE_REASONS} <= set(DROP_REASONS)
    assert "needs_ocr" in DROP_REASONS


# --- the Scrapy stage -------------------------------------------------------------------------

@pytest.fixture
def stage():
    crawler = get_crawler(settings_dict={"NIANBAO_MAX_ATTACHMENT_MB": 1})
    crawler.stats.open_spider()
    return build_from_crawler(AttachmentTextPipeline, crawler), crawler.stats


def attachment(body: bytes, content_type="application/pdf") -> ReportPage:
    return ReportPage(url=URL, body=body, headers={"content-type": content_type}, list_title="附件")


def test_stage_fills_text_tables_extractor_and_title(stage):
    pipeline, stats = stage
    item = pipeline.process_item(attachment(DOCUMENTS["pdf_ruled"]()))
    assert (item.extractor, len(item.tables), item.title) == (
        "pdf", 3, "营山县人民政府办公室2024年政府信息公开工作年度报告")
    assert item.text.splitlines()[1].startswith("根据《中华人民共和国政府信息公开条例》")
    assert stats.get_value("nianbao/attachments/pdf") == 1 and stats.get_value("nianbao/attachments/pages") == 3


@pytest.mark.parametrize("body,reason", [
    (SCANNED.read_bytes(), "needs_ocr"),
    (b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024), "attachment_too_large"),   # NIANBAO_MAX_ATTACHMENT_MB = 1
    (zip_with({"word/document.xml": b"<w:document><<<"}), "attachment_corrupt"),
], ids=["scanned", "too-large", "corrupt"])
def test_stage_drops_unreadable_attachments_with_a_reason_and_a_stat(stage, body, reason):
    pipeline, stats = stage
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(attachment(body))
    assert stats.get_value(f"nianbao/attachments/{reason.replace('attachment_', 'failed/')}") == 1


def test_stage_passes_decoded_pages_and_other_items_through(stage):
    pipeline, _ = stage
    page = ReportPage(url="https://www.example.gov.cn/a.html", body=b"%PDF-1.4", html="<p>已解码</p>")
    assert pipeline.process_item(page) is page and pipeline.process_item({"x": 1}) == {"x": 1}


# --- nianbao extract on attachments ---------------------------------------------------------------

CLI_CASES = {
    "pdf": (lambda: DOCUMENTS["pdf_ruled"](), "pdf"),
    "docx": (docx_bytes, "docx"),
    "xlsx": (lambda: DOCUMENTS["xlsx_merged"](), "xlsx"),
    "PDF-named-docx": (lambda: DOCUMENTS["pdf_ruled"](), "pdf"),   # file name says .docx: bytes win
}


@pytest.mark.parametrize("case", sorted(CLI_CASES), ids=str)
def test_cli_extract_prints_the_same_json_record_for_attachments(tmp_path, case):
    build, extractor = CLI_CASES[case]
    path = tmp_path / ("report.docx" if case == "PDF-named-docx" else f"report.{case}")
    path.write_bytes(build())
    result = CliRunner().invoke(main, ["extract", str(path), "--url", URL])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["extractor"] == extractor and record["sha256"] and record["tables"]
    assert {"url", "title", "year", "index_no", "publisher", "generated_date", "text", "encoding",
            "spam_mirror"} <= set(record)
    if extractor != "xlsx":
        assert (record["title"], record["year"]) == ("营山县人民政府办公室2024年政府信息公开工作年度报告", 2024)


@needs_soffice()
def test_cli_extract_reads_a_wps_file(tmp_path):
    path = tmp_path / "report.wps"
    path.write_bytes(convert_with_soffice(docx_bytes(), "docx", "doc"))
    record = json.loads(CliRunner().invoke(main, ["extract", str(path), "--url", URL]).stdout)
    assert record["extractor"] == "wps" and record["year"] == 2024


def test_cli_extract_of_a_scanned_pdf_says_it_needs_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(SCANNED.read_bytes())
    result = CliRunner().invoke(main, ["extract", str(path), "--url", URL])
    assert result.exit_code == 1 and "needs_ocr" in result.stderr
