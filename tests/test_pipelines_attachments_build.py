"""Builders of the attachment test documents (PDF, DOCX, XLSX) from tests/seeds/ texts, and their checks.

The tests and benchmarks/attachments.py make their documents here, so no binary needs an editor.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pipelines.formats import grid_from_cells, place_spanned
from pipelines.formats.sniff import sniff_format
from pipelines.tables import table_lines

SEEDS = Path(__file__).parent / "seeds"
CJK_FONT = "STSong-Light"   # reportlab's built-in Adobe-GB1 CID font: no font file needed

# The standard 国办 tables, as (row, col, rowspan, colspan, text) boxes; merged headers like the real ones.
TABLE_PROACTIVE = [
    (0, 0, 1, 4, "第二十条第（一）项"),
    (1, 0, 1, 1, "信息内容"), (1, 1, 1, 1, "本年制发件数"), (1, 2, 1, 1, "本年废止件数"), (1, 3, 1, 1, "现行有效件数"),
    (2, 0, 1, 1, "规章"), (2, 1, 1, 1, "0"), (2, 2, 1, 1, "0"), (2, 3, 1, 1, "0"),
    (3, 0, 1, 1, "行政规范性文件"), (3, 1, 1, 1, "2"), (3, 2, 1, 1, "3"), (3, 3, 1, 1, "17"),
    (4, 0, 1, 4, "第二十条第（五）项"),
    (5, 0, 1, 1, "信息内容"), (5, 1, 1, 3, "本年处理决定数量"),
    (6, 0, 1, 1, "行政许可"), (6, 1, 1, 3, "1052"),
]
TABLE_REQUESTS = [
    (0, 0, 2, 2, "本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和"),
    (0, 2, 1, 3, "申请人情况"),
    (1, 2, 1, 1, "自然人"), (1, 3, 1, 1, "法人或其他组织"), (1, 4, 1, 1, "总计"),
    (2, 0, 1, 2, "一、本年新收政府信息公开申请数量"), (2, 2, 1, 1, "26"), (2, 3, 1, 1, "0"), (2, 4, 1, 1, "26"),
    (3, 0, 1, 2, "二、上年结转政府信息公开申请数量"), (3, 2, 1, 1, "1"), (3, 3, 1, 1, "0"), (3, 4, 1, 1, "1"),
    (4, 0, 2, 1, "三、本年度办理结果"), (4, 1, 1, 1, "（一）予以公开"),
    (4, 2, 1, 1, "6"), (4, 3, 1, 1, "0"), (4, 4, 1, 1, "6"),
    (5, 1, 1, 1, "（二）部分公开"), (5, 2, 1, 1, "3"), (5, 3, 1, 1, "0"), (5, 4, 1, 1, "3"),
    (6, 0, 1, 2, "四、结转下年度继续办理"), (6, 2, 1, 1, "2"), (6, 3, 1, 1, "0"), (6, 4, 1, 1, "2"),
]
TABLE_REVIEWS = [
    (0, 0, 1, 3, "行政复议"), (0, 3, 1, 4, "行政诉讼"),
    (1, 0, 1, 1, "结果维持"), (1, 1, 1, 1, "结果纠正"), (1, 2, 1, 1, "总计"),
    (1, 3, 1, 1, "结果维持"), (1, 4, 1, 1, "结果纠正"), (1, 5, 1, 1, "尚未审结"), (1, 6, 1, 1, "总计"),
    (2, 0, 1, 1, "1"), (2, 1, 1, 1, "0"), (2, 2, 1, 1, "1"),
    (2, 3, 1, 1, "0"), (2, 4, 1, 1, "0"), (2, 5, 1, 1, "1"), (2, 6, 1, 1, "1"),
]
# Unruled tables in real PDFs are plain number grids laid out in columns, without merged headers.
TABLE_PLAIN = [(r, c, 1, 1, text) for r, row in enumerate([
    ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
    ("规章", "0", "0", "0"),
    ("行政规范性文件", "12", "3", "45"),
    ("行政许可", "1052", "0", "88"),
]) for c, text in enumerate(row)]
CANONICAL_TABLES = (TABLE_PROACTIVE, TABLE_REQUESTS, TABLE_REVIEWS)


def grid_of(boxes) -> dict:
    return grid_from_cells(*place_spanned(boxes))


def seed_blocks(seed: str, tables=CANONICAL_TABLES) -> list:
    """The seed's paragraphs in order, each run of flattened table lines replaced by the next canonical table."""
    blocks, in_table, used = [], False, 0
    for line in (SEEDS / seed).read_text(encoding="utf-8").splitlines():
        if "|" in line:
            if not in_table and used < len(tables):
                blocks.append(tables[used])
                used += 1
            in_table = True
        elif line.strip():
            blocks.append(line.strip())
            in_table = False
    return blocks


def expected_lines(blocks) -> list[str]:
    """What extraction should give back: every paragraph, then every table row as `a | b | c`."""
    lines = []
    for block in blocks:
        lines.extend([block] if isinstance(block, str) else table_lines(grid_of(block)))
    return lines


def build_docx(blocks) -> bytes:
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        grid = grid_of(block)
        table = document.add_table(rows=grid["n_rows"], cols=grid["n_cols"])
        table.style = "Table Grid"
        for row, col, rowspan, colspan, text in block:
            cell = table.cell(row, col)
            if rowspan > 1 or colspan > 1:
                cell = cell.merge(table.cell(row + rowspan - 1, col + colspan - 1))
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_styles(cell_font_size: float = 9):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=11, leading=17, firstLineIndent=22,
                          wordWrap="CJK", spaceAfter=4)
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=cell_font_size, leading=cell_font_size * 4 / 3,
                          wordWrap="CJK")
    return body, cell


def pdf_table(boxes, cell_style, ruled: bool, width: float = 450):
    from reportlab.platypus import Paragraph, Table, TableStyle

    grid = grid_of(boxes)
    data = [["" for _ in range(grid["n_cols"])] for _ in range(grid["n_rows"])]
    style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for row, col, rowspan, colspan, text in boxes:
        data[row][col] = Paragraph(text, cell_style) if ruled else text
        if rowspan > 1 or colspan > 1:
            style.append(("SPAN", (col, row), (col + colspan - 1, row + rowspan - 1)))
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    else:
        style.append(("FONT", (0, 0), (-1, -1), CJK_FONT, 10))
    return Table(data, colWidths=[width / grid["n_cols"]] * grid["n_cols"], style=TableStyle(style), spaceBefore=6, spaceAfter=6)


def build_pdf(blocks, ruled: bool = True, encrypt: str | None = None, small_tables: bool = False) -> bytes:
    """A text PDF as Word's "save as PDF" makes them: indented paragraphs, tables ruled or not.

    small_tables: 6 pt table text, as reports print the 25-row applications table on one page (a row span
    that tall cannot break across pages).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    body, cell = pdf_styles(6 if small_tables else 9)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title="", encrypt=encrypt)
    width = 480 if small_tables else 450
    doc.build([Paragraph(block, body) if isinstance(block, str) else pdf_table(block, cell, ruled, width)
               for block in blocks])
    return out.getvalue()


def build_xlsx(tables) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, boxes in enumerate(tables, 1):
        sheet = book.create_sheet(f"表{number}")
        for row, col, rowspan, colspan, text in boxes:
            sheet.cell(row + 1, col + 1, int(text) if text.isdigit() else text)
            if rowspan > 1 or colspan > 1:
                sheet.merge_cells(start_row=row + 1, start_column=col + 1,
                                  end_row=row + rowspan, end_column=col + colspan)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def convert_with_soffice(body: bytes, source_suffix: str, target: str) -> bytes:
    """Convert with LibreOffice (the tests' DOC, and XLS); callers skip when soffice is missing."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / f"in.{source_suffix}"
        source.write_bytes(body)
        subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--convert-to", target, "--outdir", work, str(source)],
                       check=True, capture_output=True, timeout=180)
        return (Path(work) / f"in.{target.split(':')[0]}").read_bytes()


def needs_soffice():
    return pytest.mark.skipif(shutil.which("soffice") is None,
                              reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-writer-nogui")


SEED_REPORT = "001_f2aeb89fdf6e39cd.txt"


@pytest.mark.parametrize("build,kind", [
    (lambda blocks: build_pdf(blocks), "pdf"),
    (lambda blocks: build_pdf(blocks, ruled=False), "pdf"),
    (build_docx, "docx"),
    (lambda blocks: build_xlsx([b for b in blocks if not isinstance(b, str)]), "xlsx"),
], ids=["pdf-ruled", "pdf-unruled", "docx", "xlsx"])
def test_builders_make_the_format_they_claim(build, kind):
    assert sniff_format(build(seed_blocks(SEED_REPORT)), None, "") == kind


def test_seed_blocks_keep_paragraphs_in_order_and_put_tables_where_the_seed_had_them():
    blocks = seed_blocks(SEED_REPORT)
    assert blocks[0] == "营山县人民政府办公室2024年政府信息公开工作年度报告"
    assert blocks[blocks.index("二、主动公开政府信息情况") + 1] is TABLE_PROACTIVE
    assert sum(not isinstance(block, str) for block in blocks) == 3
