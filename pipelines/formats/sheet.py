"""XLSX (openpyxl) and XLS (xlrd): one table per non-empty sheet, merged ranges repeated, the sheet name as caption."""
from __future__ import annotations

import io
import zipfile
import zlib

import openpyxl
import xlrd
import xlrd.compdoc
from lxml import etree

from pipelines.formats import Deadline, DocumentError, DocumentText, Limits, assemble, grid_from_cells, place_spanned
from pipelines.formats.ziputil import checked_zip
from pipelines.tables import MAX_CELLS, normalize_space

MAX_SHEETS = 50
UNREADABLE = (KeyError, ValueError, TypeError, IndexError, AttributeError, AssertionError, EOFError,
              zipfile.BadZipFile, zlib.error, etree.XMLSyntaxError, xlrd.XLRDError, xlrd.compdoc.CompDocError, OSError)


def cell_text(value) -> str:
    """Numbers as a reader sees them: 26.0 is "26"; empty cells are ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_space(str(value))


def sheet_grid(values: dict[tuple[int, int], str], merges: list[tuple[int, int, int, int]], name: str) -> dict:
    """Grid from {(row, col): text} and merged ranges (row, col, rowspan, colspan), all 0-based."""
    covered = {(r, c) for row, col, rs, cs in merges for r in range(row, row + rs) for c in range(col, col + cs)}
    boxes = [(row, col, rs, cs, values.get((row, col), "")) for row, col, rs, cs in merges]
    boxes += [(r, c, 1, 1, text) for (r, c), text in values.items() if (r, c) not in covered and text]
    return grid_from_cells(*place_spanned(sorted(boxes)), caption=name)


def xlsx_sheets(body: bytes, deadline: Deadline) -> list[dict]:
    book = openpyxl.load_workbook(io.BytesIO(body), data_only=True)
    grids = []
    for sheet in book.worksheets[:MAX_SHEETS]:
        deadline.check()
        values = {}
        for row in sheet.iter_rows(max_row=min(sheet.max_row, MAX_CELLS), max_col=min(sheet.max_column, 200)):
            values.update({(cell.row - 1, cell.column - 1): cell_text(cell.value) for cell in row
                           if cell.value is not None})
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
                  for m in sheet.merged_cells.ranges]
        grids.append(sheet_grid(values, merges, sheet.title))
    return grids


def xls_sheets(body: bytes, deadline: Deadline) -> list[dict]:
    book = xlrd.open_workbook(file_contents=body, formatting_info=True, on_demand=True)
    grids = []
    for index in range(min(book.nsheets, MAX_SHEETS)):
        deadline.check()
        sheet = book.sheet_by_index(index)
        values = {(r, c): cell_text(sheet.cell_value(r, c)) for r in range(min(sheet.nrows, MAX_CELLS))
                  for c in range(min(sheet.ncols, 200)) if sheet.cell_value(r, c) != ""}
        merges = [(r0, c0, r1 - r0, c1 - c0) for r0, r1, c0, c1 in sheet.merged_cells]
        grids.append(sheet_grid(values, merges, sheet.name))
    return grids


def extract_sheet(body: bytes, limits: Limits, deadline: Deadline, fmt: str) -> DocumentText:
    if fmt == "xlsx":
        checked_zip(body, limits)
    try:
        grids = xlsx_sheets(body, deadline) if fmt == "xlsx" else xls_sheets(body, deadline)
    except UNREADABLE as error:
        raise DocumentError("corrupt", f"unreadable spreadsheet ({type(error).__name__}: {error})") from error
    return assemble(grids, fmt)
