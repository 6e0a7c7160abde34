"""Attachment formats: the shared result, typed failure, limits and table-grid helpers of pipelines/formats/*."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from pipelines.tables import MAX_CELLS, normalize_space, table_lines

# Why a document could not be read; each becomes DropItem("attachment_<reason>") and a failure row.
FAILURE_REASONS = ("corrupt", "encrypted", "zip_bomb", "unsupported", "too_large", "timeout",
                   "converter_missing")
# A first paragraph that names a report is the document's title (covers, not 附件 labels).
TITLE_WORDS = re.compile(r"报告|年报")
MAX_TITLE_CHARS = 80
TITLE_SEARCH_PARAGRAPHS = 6


class DocumentError(Exception):
    """A document that cannot be read; `reason` is one of FAILURE_REASONS, the message says why."""

    def __init__(self, reason: str, detail: str = ""):
        if reason not in FAILURE_REASONS:
            raise ValueError(f"unknown document failure reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """Bounds on one document's work; NIANBAO_* settings fill them (see AttachmentTextPipeline)."""

    max_bytes: int = 200 * 1024 * 1024       # NIANBAO_MAX_ATTACHMENT_MB
    max_pages: int = 500                     # pages read from a PDF; the rest are ignored (and logged)
    timeout: float = 120.0                   # seconds per document, converters and parsing alike
    max_unzipped_bytes: int = 256 * 1024 * 1024  # declared size of all members of a DOCX/XLSX
    max_member_ratio: int = 200              # declared size / compressed size of one member
    ocr: bool = False                        # NIANBAO_OCR: run tesseract on scanned PDF pages
    ocr_pages: int = 50                      # at most this many scanned pages are OCRed


@dataclass
class DocumentText:
    """What an attachment says: text one paragraph or table row a line, grids as in pipelines.tables."""

    text: str
    tables: list[dict] = field(default_factory=list)
    title: str = ""
    needs_ocr: bool = False
    pages: int = 0
    format: str = ""
    ocr_pages: int = 0      # pages whose text came from tesseract


class Deadline:
    """Wall-clock budget of one document; `check()` raises DocumentError("timeout") once spent."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return max(self.ends - time.monotonic(), 0.0)

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise DocumentError("timeout", f"more than {self.seconds:g} s")


def grid_from_cells(cells: dict[tuple[int, int], str], spans: list[list[int]], index: int = 0,
                    caption: str | None = None) -> dict:
    """A grid dict (see pipelines.tables.table_grid) from {(row, col): text}; spanned text already repeated."""
    n_rows = max((r for r, _ in cells), default=-1) + 1
    n_cols = max((c for _, c in cells), default=-1) + 1
    return {"index": index, "n_rows": n_rows, "n_cols": n_cols, "caption": caption,
            "rows": [[cells.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)],
            "spans": spans}


def place_spanned(boxes: list[tuple[int, int, int, int, str]]) -> tuple[dict[tuple[int, int], str], list[list[int]]]:
    """Lay (row, col, rowspan, colspan, text) boxes on a grid, repeating spanned text, capped at MAX_CELLS."""
    cells: dict[tuple[int, int], str] = {}
    spans: list[list[int]] = []
    for row, col, rowspan, colspan, text in boxes:
        if len(cells) + rowspan * colspan > MAX_CELLS:
            break
        for r in range(row, row + rowspan):
            for c in range(col, col + colspan):
                cells.setdefault((r, c), text)
        if rowspan > 1 or colspan > 1:
            spans.append([row, col, rowspan, colspan])
    return cells, spans


def guess_title(paragraphs: list[str]) -> str:
    """The first of the opening paragraphs that names a report and is short enough to be a title."""
    for paragraph in paragraphs[:TITLE_SEARCH_PARAGRAPHS]:
        if TITLE_WORDS.search(paragraph) and len(paragraph) <= MAX_TITLE_CHARS:
            return paragraph
    return ""


def assemble(blocks: list, fmt: str, pages: int = 0, needs_ocr: bool = False) -> DocumentText:
    """DocumentText from blocks in reading order: str paragraphs and grid dicts (re-indexed here)."""
    lines: list[str] = []
    tables: list[dict] = []
    paragraphs: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            text = normalize_space(block)
            if text:
                lines.append(text)
                paragraphs.append(text)
        elif block["n_rows"]:
            block["index"] = len(tables)
            tables.append(block)
            lines.extend(table_lines(block))
    return DocumentText(text="\n".join(lines), tables=tables, title=guess_title(paragraphs),
                        needs_ocr=needs_ocr, pages=pages, format=fmt)
