"""The three national statistics tables read from a stream of cells, anchored on their row labels.

A stream is the cells in reading order: from cell grids (each spanned cell once, at its origin; empty
cells kept, tables separated by TABLE_BREAK) or from flattened text (one cell a line, ` |` separators or
tab-led lines; empty cells dropped). Labels, not positions, say which numbers are which, so both give the
same rows; the numbers between two labels are the row's cells.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipelines.statistics_cells import parse_cell, split_merged
from pipelines.statistics_labels import (
    COLUMNS, GROUP_LABELS, ITEM_HEADER, MAX_LABEL_CHARS, PROACTIVE_COLUMNS, PROACTIVE_CORNER, PROACTIVE_ROWS,
    REVIEW_FIELDS, REVIEW_GROUPS, REVIEW_HEADER_CHARS, REVIEW_START, ROW_LABELS, SECTION_END,
)
from pipelines.tables import normalize_space

TABLE_BREAK = "\x00"     # between two tables of a grid stream: ends the row before it
MAX_CELLS = 50_000       # cells per stream; the three tables hold < 300
MAX_TABLES = 50
MAX_LINES = 100_000
SQUASH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "．": ".", "；": ";", "\u3000": ""})

ROW_PATTERNS = {key: re.compile(pattern) for key, pattern in ROW_LABELS.items()}
GROUP_PATTERN = re.compile(GROUP_LABELS)
PROACTIVE_PATTERNS = {label: re.compile(pattern) for label, pattern in PROACTIVE_ROWS.items()}
SECTION_END_PATTERN = re.compile(SECTION_END)
APPLICATIONS_START = re.compile(r"勾稽关系|^三、收到和处理")
# Each region finder re-reads the same cells: squashing and label lookups of short cells are memoised
# (a long cell is never a label, and caching it would only hold memory).
CACHED_CELL_CHARS = 200
LABEL_CACHE_SIZE = 8192


def squash(cell: str) -> str:
    """Matching copy of a cell: no whitespace, half-width brackets, colons and commas."""
    return squash_short(cell) if len(cell) <= CACHED_CELL_CHARS else squash_text(cell)


def squash_text(cell: str) -> str:
    return "".join(cell.split()).translate(SQUASH)    # str.split() and \s agree on every code point


squash_short = lru_cache(maxsize=LABEL_CACHE_SIZE)(squash_text)


def grid_cells(tables: list[dict]) -> list[str]:
    """Stream of the grids' cells: row by row, positions covered by a span (other than its origin) left out."""
    cells: list[str] = []
    for grid in tables[:MAX_TABLES]:
        rows = grid.get("rows") if isinstance(grid, dict) else None
        if not isinstance(rows, list):
            continue
        covered = covered_positions(grid.get("spans") or [])
        for r, row in enumerate(rows):
            cells.extend(str(cell) for c, cell in enumerate(row or []) if (r, c) not in covered)
            if len(cells) > MAX_CELLS:
                return cells[:MAX_CELLS]
        cells.append(TABLE_BREAK)
    return cells


def covered_positions(spans: list) -> set[tuple[int, int]]:
    covered: set[tuple[int, int]] = set()
    for span in spans:
        if not (isinstance(span, (list, tuple)) and len(span) == 4):
            continue
        r, c, rowspan, colspan = (int(x) for x in span)
        covered.update((r + dr, c + dc) for dr in range(min(rowspan, 100)) for dc in range(min(colspan, 100))
                       if dr or dc)
    return covered


def text_cells(text: str) -> list[str]:
    """Stream of flattened text: each line split on "|", blank cells dropped."""
    cells: list[str] = []
    for line in text.split("\n")[:MAX_LINES]:
        cells.extend(part for part in (normalize_space(p) for p in line.split("|")) if part)
        if len(cells) > MAX_CELLS:
            return cells[:MAX_CELLS]
    return cells


def is_label(label: str) -> bool:
    return 0 < len(label) <= MAX_LABEL_CHARS and not re.search(r"\d+件|。", label)


def row_key_of(cell: str) -> str | None:
    """Key of a table-B row label ("一、本年新收…" -> "new"), None for anything else."""
    return row_key_short(cell) if len(cell) <= CACHED_CELL_CHARS else row_key_of_label(squash(cell))


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def row_key_short(cell: str) -> str | None:
    return row_key_of_label(squash(cell))


def row_key_of_label(label: str) -> str | None:
    if not is_label(label):
        return None
    return next((key for key, pattern in ROW_PATTERNS.items() if pattern.search(label)), None)


def first_index(cells: list[str], test, start: int = 0) -> int | None:
    return next((i for i in range(start, len(cells)) if test(cells[i])), None)


def read_row(cells: list[str], names: tuple | list, where: str) -> tuple[list, list[dict]]:
    """The numbers of one row by column name order, and flags for every cell not read as a plain number."""
    n = len(names)
    flags: list[dict] = []
    if len(cells) > n and not any(c.strip() for c in cells[n:]):
        cells = cells[:n]               # a sloppy Word table: empty columns right of the data
    if len(cells) < n:
        split = split_merged(cells, n)
        flags.append({"where": where, "rule": "split_merged" if split else "missing_cells", "raw": cells})
        if split is None:
            return [None] * n, flags
        cells = split
    elif len(cells) > n:
        flags.append({"where": where, "rule": "extra_cells", "raw": cells})
        return [None] * n, flags
    values = []
    for name, raw in zip(names, cells):
        cell = parse_cell(raw)
        if cell.rule != "number":
            flags.append({"where": f"{where}/{name}", "rule": cell.rule, "raw": raw, "value": cell.value})
        values.append(cell.value)
    return values, flags


# --- table B: 收到和处理政府信息公开申请情况 --------------------------------------------------------

def applications_region(cells: list[str]) -> list[str] | None:
    start = first_index(cells, lambda c: row_key_of(c) == "new")
    if start is None:
        return None
    end = first_index(cells, lambda c: bool(SECTION_END_PATTERN.search(squash(c))) or squash(c) == "行政复议"
                      or bool(ITEM_HEADER.search(squash(c))), start + 1)
    return cells[start:end]


def labelled_segments(region: list[str]) -> list[tuple[str | None, list[str]]]:
    """(row key, cells up to the next label) in order; group labels and table breaks end a row (key None)."""
    segments: list[tuple[str | None, list[str]]] = []
    for cell in region:
        key = row_key_of(cell) if cell != TABLE_BREAK else None
        if key or cell == TABLE_BREAK or GROUP_PATTERN.search(squash(cell)):
            segments.append((key, []))
        elif segments:
            segments[-1][1].append(cell)
    return segments


def parse_applications(cells: list[str]) -> dict | None:
    """{"rows": {key: [7 numbers]}, "flags": [...]} of table B, None when the stream has no table B."""
    region = applications_region(cells)
    if region is None:
        return None
    rows: dict[str, list] = {}
    flags: list[dict] = []
    for key, values in labelled_segments(region):
        if key is None or not any(v.strip() for v in values):
            continue                    # a group label, or "(六)其他处理" heading its 2021 sub-rows
        if key in rows:
            flags.append({"where": f"applications/{key}", "rule": "duplicate_row", "raw": values})
            continue
        rows[key], row_flags = read_row(values, COLUMNS, f"applications/{key}")
        flags.extend(row_flags)
    return {"rows": rows, "flags": flags}


# --- table A: 主动公开政府信息情况 ------------------------------------------------------------------

@lru_cache(maxsize=LABEL_CACHE_SIZE)
def proactive_row_short(cell: str) -> str | None:
    return proactive_row_of_label(squash(cell))


def proactive_row_of(cell: str) -> str | None:
    return proactive_row_short(cell) if len(cell) <= CACHED_CELL_CHARS else proactive_row_of_label(squash(cell))


def proactive_row_of_label(label: str) -> str | None:
    return next((name for name, pattern in PROACTIVE_PATTERNS.items() if pattern.fullmatch(label)), None)


def proactive_items(cells: list[str]) -> list[tuple[str, list[str]]]:
    """(item number 一/五/…, its cells) for each 第二十条第（X）项 header before table B."""
    start = first_index(cells, lambda c: is_label(squash(c)) and bool(ITEM_HEADER.search(squash(c))))
    if start is None:
        return []
    end = first_index(cells, lambda c: row_key_of(c) == "new" or bool(APPLICATIONS_START.search(squash(c)))
                      or bool(SECTION_END_PATTERN.search(squash(c))), start)
    items: list[tuple[str, list[str]]] = []
    for cell in cells[start:end]:
        match = ITEM_HEADER.search(squash(cell)) if is_label(squash(cell)) else None
        if match:
            items.append((match[1], []))
        else:
            items[-1][1].append(cell)
    return items


def canonical_columns(number: str, header: list[str]) -> tuple[str, ...]:
    """The format's column names when the header cells spell them in order ("本年新"+"制作数量" too)."""
    joined = "".join(squash(c) for c in header)
    for by_item in PROACTIVE_COLUMNS.values():
        names = by_item.get(number, ())
        pattern = ".*".join(re.escape(squash(name)) for name in names)
        if names and re.search(pattern, joined):
            return names
    published = [normalize_space(c) for c in header]
    return tuple(dict.fromkeys(published))  # as published, spanned repeats once


def parse_proactive(cells: list[str]) -> dict | None:
    """{"rows": [{item, label, values}], "flags": [...]} of table A, None when there is no 第二十条 header."""
    items = proactive_items(cells)
    if not items:
        return None
    rows: list[dict] = []
    flags: list[dict] = []
    for number, item_cells in items:
        header, segments = [], []
        for cell in item_cells:
            label = proactive_row_of(cell)
            if label:
                segments.append((label, []))
            elif cell == TABLE_BREAK:
                if segments:
                    segments.append((None, []))
            elif segments:
                segments[-1][1].append(cell)
            elif squash(cell) and cell != TABLE_BREAK and not re.fullmatch(PROACTIVE_CORNER, squash(cell)):
                header.append(cell)
        columns = canonical_columns(number, header)
        item = f"第二十条第（{number}）项"
        for label, values in segments:
            if label is None:
                continue
            numbers, row_flags = read_row(values, columns, f"proactive/{item}/{label}")
            rows.append({"item": item, "label": label, "values": dict(zip(columns, numbers))})
            flags.extend(row_flags)
    return {"rows": rows, "flags": flags} if rows else None


# --- table C: 行政复议、行政诉讼 ----------------------------------------------------------------------

def is_review_header(label: str) -> bool:
    return bool(label) and set(label) <= REVIEW_HEADER_CHARS


def review_values(cells: list[str], start: int) -> list[str]:
    """The value cells after table C's header: header words and leading blanks skipped, stop at its end."""
    values: list[str] = []
    for cell in cells[start + 1:]:
        label = squash(cell)
        if cell == TABLE_BREAK or SECTION_END_PATTERN.search(label) or len(label) > 30:
            if values or cell != TABLE_BREAK:
                break
            continue
        if not values and (not label or is_review_header(label)):
            continue
        if values and is_review_header(label):
            break
        values.append(cell)
    return values


def parse_review(cells: list[str]) -> dict | None:
    """{"groups": {review/litigation_*: {upheld, corrected, other, pending, total}}, "flags"}, None if absent."""
    start = first_index(cells, lambda c: bool(re.fullmatch(REVIEW_START, squash(c))))
    if start is None:
        return None
    names = [f"{group}/{field}" for group in REVIEW_GROUPS for field in REVIEW_FIELDS]
    numbers, flags = read_row(review_values(cells, start), names, "review_litigation")
    groups = {group: dict(zip(REVIEW_FIELDS, numbers[i * 5:i * 5 + 5])) for i, group in enumerate(REVIEW_GROUPS)}
    return {"groups": groups, "flags": flags}
