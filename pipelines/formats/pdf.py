"""PDF: text lines rebuilt into paragraphs in reading order, ruled tables by pdfplumber, unruled ones from positions."""
from __future__ import annotations

import io
import logging
import re
import struct
import zlib
from dataclasses import dataclass

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfexceptions import PDFException
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from pipelines.formats import Deadline, DocumentError, DocumentText, Limits, assemble, grid_from_cells, place_spanned
from pipelines.formats.ocr import ocr_page
from pipelines.tables import normalize_space

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 20          # a page with fewer characters and an image is a scan
COLUMN_GAP_EM = 1.5          # a gap this many font sizes wide separates table columns, not words
LINE_TOLERANCE_EM = 0.5      # words whose tops differ less than this are on one line
INDENT_EM = 0.8              # a line starting this far right of the margin opens a paragraph
SHORT_LINE_EM = 2.0          # a line ending this far left of the right edge closes its paragraph
PARAGRAPH_GAP_EM = 1.2       # extra vertical space between lines that separates paragraphs
MIN_TABLE_ROWS = 2
# Page furniture, not text: "- 3 -", "第 2 页 共 9 页", "2 / 9".
PAGE_NUMBER = re.compile(r"^[-—–\s]*(\d{1,4}|第\s*\d+\s*页.*|\d+\s*/\s*\d+)[-—–\s]*$")
UNREADABLE = (PDFException, PSException, PdfminerException, ValueError, KeyError, TypeError, IndexError,
              AttributeError, AssertionError, struct.error, zlib.error, RecursionError, OverflowError, EOFError)


@dataclass
class Line:
    """One text line outside tables; `segments` are runs of words split by column-wide gaps."""

    top: float
    x0: float
    x1: float
    size: float
    segments: list[tuple[float, float, str]]
    page: int = 0
    left: float = 0.0           # the document's text margins, set by set_margins
    right: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(text for _, _, text in self.segments)


def snap(values, tolerance: float = 1.5) -> list[float]:
    """Sorted distinct coordinates, merging those closer than `tolerance` points."""
    snapped: list[float] = []
    for value in sorted(values):
        if not snapped or value - snapped[-1] > tolerance:
            snapped.append(value)
    return snapped


def position(value: float, edges: list[float]) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def ruled_grid(table) -> dict:
    """Grid of a pdfplumber table: spans from cell boxes against the table's distinct edges."""
    texts = table.extract()
    xs = snap([c[0] for c in table.cells] + [c[2] for c in table.cells])
    ys = snap([c[1] for c in table.cells] + [c[3] for c in table.cells])
    boxes = []
    for row, row_texts in zip(table.rows, texts):
        for cell, text in zip(row.cells, row_texts):
            if cell is None:
                continue
            col, end_col = position(cell[0], xs), position(cell[2], xs)
            top, end_row = position(cell[1], ys), position(cell[3], ys)
            boxes.append((top, col, max(end_row - top, 1), max(end_col - col, 1), normalize_space(text or "")))
    return grid_from_cells(*place_spanned(sorted(boxes)))


def page_lines(page, size_default: float = 10.0) -> list[Line]:
    """Words grouped into lines by their tops, each line split into segments at column-wide gaps."""
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False)
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        size = word.get("size") or size_default
        if lines and abs(word["top"] - lines[-1][0]["top"]) < LINE_TOLERANCE_EM * size:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [line_of(sorted(line, key=lambda w: w["x0"]), size_default) for line in lines]


def line_of(words: list[dict], size_default: float) -> Line:
    size = max(w.get("size") or size_default for w in words)
    segments: list[list] = []
    for word in words:
        if segments and word["x0"] - segments[-1][1] < COLUMN_GAP_EM * size:
            segments[-1][1] = word["x1"]
            segments[-1][2] += ("" if is_cjk_join(segments[-1][2], word["text"]) else " ") + word["text"]
        else:
            segments.append([word["x0"], word["x1"], word["text"]])
    return Line(top=words[0]["top"], x0=words[0]["x0"], x1=words[-1]["x1"], size=size,
                segments=[tuple(s) for s in segments])


def is_cjk_join(left: str, right: str) -> bool:
    return bool(left and right) and (ord(left[-1]) > 0x2e80 or ord(right[0]) > 0x2e80)


def unruled_grid(lines: list[Line]) -> dict:
    """Rows are lines; columns are the union of the segments' x-extents across the run of lines."""
    columns: list[list[float]] = []
    for x0, x1 in sorted((s[0], s[1]) for line in lines for s in line.segments):
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    boxes = []
    for row, line in enumerate(lines):
        for x0, x1, text in line.segments:
            col = next(i for i, (c0, c1) in enumerate(columns) if x0 <= c1 and x1 >= c0)
            boxes.append((row, col, 1, 1, text))
    return grid_from_cells(*place_spanned(boxes))


def split_unruled_tables(lines: list[Line]) -> list[tuple[float, Line | dict]]:
    """(top, Line or grid) in order: runs of ≥ MIN_TABLE_ROWS multi-segment lines become a table."""
    out: list = []
    run: list[Line] = []
    for line in lines + [None]:
        if line is not None and len(line.segments) > 1:
            run.append(line)
            continue
        grid = unruled_grid(run) if len(run) >= MIN_TABLE_ROWS else None
        if grid and grid["n_cols"] > 1:
            out.append((run[0].top, grid))
        else:
            out.extend((each.top, each) for each in run)
        run = []
        if line is not None:
            out.append((line.top, line))
    return out


def is_inside(obj: dict, boxes: list[tuple]) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def without_page_numbers(lines: list[Line]) -> list[Line]:
    """Drop a page number printed as the first or last line; a "0" inside the page is data."""
    return [line for i, line in enumerate(lines)
            if not (i in (0, len(lines) - 1) and PAGE_NUMBER.match(line.text))] if lines else lines


def page_blocks(page, number: int) -> list[Line | dict]:
    """Lines and table grids of one page in reading order (top to bottom); page numbers left out."""
    tables = [table for table in page.find_tables() if len(table.cells) > 1]
    boxes = [table.bbox for table in tables]
    outside = page.filter(lambda obj: "x0" not in obj or not is_inside(obj, boxes)) if boxes else page
    lines = without_page_numbers(page_lines(outside))
    for line in lines:
        line.page = number
    placed = split_unruled_tables(lines) + [(table.bbox[1], ruled_grid(table)) for table in tables]
    return [block for _, block in sorted(placed, key=lambda pair: pair[0])]


def opens_paragraph(previous: Line | dict | None, line: Line) -> bool:
    """Word's PDFs indent a paragraph's first line and end its last one short of the right margin."""
    if not isinstance(previous, Line):
        return True
    indented = line.x0 > line.left + INDENT_EM * line.size
    ended_short = previous.x1 < previous.right - SHORT_LINE_EM * previous.size
    spaced = previous.page == line.page and line.top - previous.top > (1 + PARAGRAPH_GAP_EM) * line.size * 1.5
    return indented or ended_short or spaced


def set_margins(blocks: list[Line | dict]) -> None:
    """The document's text margins: a page of short lines (a flattened table) has none of its own."""
    lines = [block for block in blocks if isinstance(block, Line)]
    if lines:
        left, right = min(line.x0 for line in lines), max(line.x1 for line in lines)
        for line in lines:
            line.left, line.right = left, right


def paragraphs(blocks: list[Line | dict | str]) -> list[str | dict]:
    """Join wrapped lines into paragraphs (across pages too); tables and OCR text pass through."""
    set_margins(blocks)
    out: list = []
    previous = None
    for block in blocks:
        if isinstance(block, (dict, str)):   # tables, and OCRed paragraphs
            out.append(block)
        elif opens_paragraph(previous, block):
            out.append(block.text)
        else:
            out[-1] += ("" if is_cjk_join(out[-1], block.text) else " ") + block.text
        previous = block
    return out


def read_pages(pdf, limits: Limits, deadline: Deadline) -> tuple[list, int, int]:
    """Blocks of every page up to the cap, the number of scanned pages and of pages OCRed."""
    blocks: list = []
    scanned = ocred = 0
    for number, page in enumerate(pdf.pages[:limits.max_pages]):
        deadline.check()
        if len(page.chars) < MIN_TEXT_CHARS and page.images:
            scanned += 1
            if limits.ocr and ocred < limits.ocr_pages:
                blocks.extend(ocr_page(page, deadline))
                ocred += 1
        else:
            blocks.extend(page_blocks(page, number))
        page.close()
    return blocks, scanned, ocred


def extract_pdf(body: bytes, limits: Limits, deadline: Deadline) -> DocumentText:
    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            pages = len(pdf.pages)
            if pages > limits.max_pages:
                logger.warning("PDF has %d pages; reading the first %d", pages, limits.max_pages)
            blocks, scanned, ocred = read_pages(pdf, limits, deadline)
    except UNREADABLE as error:
        cause = error.args[0] if isinstance(error, PdfminerException) and error.args else error
        if isinstance(cause, PDFPasswordIncorrect):
            raise DocumentError("encrypted", "the PDF needs a password") from error
        raise DocumentError("corrupt", f"unreadable PDF ({type(cause).__name__}: {cause})") from error
    needs_ocr = scanned - ocred >= max(1, min(pages, limits.max_pages) // 2)
    document = assemble(paragraphs(blocks), "pdf", pages=pages, needs_ocr=needs_ocr)
    document.ocr_pages = ocred
    return document
