"""HTML tables as cell grids: rowspan/colspan expanded, capped, rendered one row a line."""
from __future__ import annotations

import re

from pipelines.textutil import normalize_space, tag_of  # noqa: F401  (re-exported: formats/, statistics)

MAX_SPAN = 100          # a rowspan/colspan above this is a typo or an attack, not a 年报 table
MAX_CELLS = 20_000      # grid positions per table; the 3 standard 国办 tables need < 300
CELL_SEPARATOR = " | "

# Elements whose text is never page text.
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "select", "option"})
# Elements that separate words inside a cell (a Word cell holds one <p> per line).
CELL_BREAK_TAGS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"})


def direct_rows(table) -> list:
    """The <tr> of this table only (directly or through thead/tbody/tfoot), never of nested tables."""
    rows = []
    for child in table:
        tag = tag_of(child)
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(row for row in child if tag_of(row) == "tr")
    return rows


def row_cells(row) -> list:
    return [cell for cell in row if tag_of(cell) in ("td", "th")]


def cell_text(cell) -> str:
    """Inline text of a cell: block children and <br> break words (see CJK_BREAK), nested tables are left out."""
    parts: list[str] = []
    stack = [(cell, False)]
    while stack:
        node, done = stack.pop()
        if done:
            parts.append("\n" if tag_of(node) in CELL_BREAK_TAGS else "")
            if node is not cell and node.tail:
                parts.append(node.tail)
            continue
        tag = tag_of(node)
        if node is not cell and tag in SKIPPED_TAGS | {"table"} or not tag:
            if node.tail:
                parts.append(node.tail)
            continue
        if tag in CELL_BREAK_TAGS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return normalize_space("".join(parts))


def span_of(cell, name: str) -> int:
    """rowspan/colspan as an int in 1..MAX_SPAN; junk, 0 and negatives count as 1."""
    match = re.match(r"\s*(\d+)", cell.get(name) or "")
    value = int(match.group(1)) if match else 1
    return min(max(value, 1), MAX_SPAN)


def caption_of(table) -> str | None:
    for child in table:
        if tag_of(child) == "caption":
            return cell_text(child) or None
    return None


def place_cells(rows) -> tuple[dict[tuple[int, int], str], list[list[int]]]:
    """Lay the cells of `rows` on a grid: {(r, c): text} and the spans of cells covering > 1 position."""
    n_rows = len(rows)
    grid: dict[tuple[int, int], str] = {}
    spans: list[list[int]] = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row_cells(row):
            while (r, c) in grid:
                c += 1
            rowspan = min(span_of(cell, "rowspan"), n_rows - r)
            colspan = span_of(cell, "colspan")
            if len(grid) + rowspan * colspan > MAX_CELLS:
                return grid, spans
            text = cell_text(cell)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid.setdefault((r + dr, c + dc), text)
            if rowspan > 1 or colspan > 1:
                spans.append([r, c, rowspan, colspan])
            c += colspan
    return grid, spans


def table_grid(table_element, index: int = 0) -> dict:
    """The table as a rectangular grid: every row has n_cols strings, spanned text repeated."""
    rows = direct_rows(table_element)
    grid, spans = place_cells(rows)
    n_rows = max((r for r, _ in grid), default=-1) + 1
    n_cols = max((c for _, c in grid), default=-1) + 1
    return {
        "index": index,
        "n_rows": n_rows,
        "n_cols": n_cols,
        "caption": caption_of(table_element),
        "rows": [[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)],
        "spans": spans,
    }


def table_lines(grid: dict) -> list[str]:
    """One line per row, cells joined by " | "; rows with no text at all are skipped."""
    lines = [grid["caption"]] if grid.get("caption") else []
    for row in grid["rows"]:
        if any(row):
            lines.append(CELL_SEPARATOR.join(row))
    return lines


def is_layout_table(table_element) -> bool:
    """A table used for page layout (wraps other tables, or a single cell), not a data table."""
    if (table_element.get("role") or "").lower() in ("presentation", "none"):
        return True
    if next(table_element.iterdescendants("table"), None) is not None:
        return True
    rows = direct_rows(table_element)
    return len(rows) <= 1 and sum(len(row_cells(row)) for row in rows) <= 1
