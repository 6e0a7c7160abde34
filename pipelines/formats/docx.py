"""DOCX: paragraphs and tables in document order; merged cells repeated in every position they cover."""
from __future__ import annotations

import io
import zipfile
import zlib

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from pipelines.formats import Deadline, DocumentError, DocumentText, Limits, assemble, grid_from_cells, place_spanned
from pipelines.formats.ziputil import checked_zip
from pipelines.tables import MAX_CELLS, normalize_space

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Content controls (w:sdt) and custom XML wrap ordinary paragraphs and tables: read through them.
WRAPPERS = frozenset({f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag"})
UNREADABLE = (PackageNotFoundError, KeyError, ValueError, AttributeError, etree.XMLSyntaxError,
              zipfile.BadZipFile, EOFError, zlib.error)


def table_grid(table: Table, deadline: Deadline) -> dict:
    """Grid of a Word table: a merged cell (gridSpan, vMerge) is one _tc seen at several positions."""
    positions: dict = {}   # keyed by the <w:tc> element itself: holding it keeps lxml's proxy (and identity) alive
    texts: dict = {}
    for r, row in enumerate(table.rows):
        deadline.check()
        for c, cell in enumerate(row.cells):
            key = cell._tc
            positions.setdefault(key, []).append((r, c))
            texts.setdefault(key, normalize_space(cell.text))
        if sum(map(len, positions.values())) > MAX_CELLS:
            break
    boxes = []
    for key, cells in positions.items():
        rows, cols = [r for r, _ in cells], [c for _, c in cells]
        boxes.append((min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1, texts[key]))
    return grid_from_cells(*place_spanned(sorted(boxes)))


def body_blocks(parent, document, deadline: Deadline) -> list:
    """Paragraph strings and table grids of a body (or content control) in document order."""
    blocks: list = []
    for child in parent.iterchildren():
        if child.tag == f"{W}p":
            blocks.append(Paragraph(child, document).text)
        elif child.tag == f"{W}tbl":
            blocks.append(table_grid(Table(child, document), deadline))
        elif child.tag in WRAPPERS:
            blocks.extend(body_blocks(child, document, deadline))
    return blocks


def extract_docx(body: bytes, limits: Limits, deadline: Deadline, fmt: str = "docx") -> DocumentText:
    checked_zip(body, limits)
    try:
        document = docx.Document(io.BytesIO(body))
        blocks = body_blocks(document.element.body, document, deadline)
    except UNREADABLE as error:
        raise DocumentError("corrupt", f"unreadable Word package ({type(error).__name__}: {error})") from error
    return assemble(blocks, fmt)
