"""Pages without a known body container: trafilatura's reading, with our table grids merged back in."""
from __future__ import annotations

import re

import trafilatura
from lxml import etree

from pipelines.textutil import normalize_space

ANCHOR_WINDOW = 6                 # lines searched around a table trafilatura dropped


def line_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def xml_segments(main) -> list[tuple]:
    """trafilatura's <main> as ("line", text) and ("ttable", [[cell, ...], ...]) segments."""
    segments: list[tuple] = []
    for block in main if main is not None else []:
        if block.tag == "table":
            rows = [[normalize_space("".join(c.itertext())) for c in row.iter("cell")]
                    for row in block.iter("row")]
            segments.append(("ttable", rows, None))
            continue
        for lb in block.iter("lb"):
            lb.tail = "\n" + (lb.tail or "")
        for item in (block.iter("item") if block.tag == "list" else [block]):
            segments.extend(("line", line, None) for line in
                            map(normalize_space, "".join(item.itertext()).split("\n")) if line)
    return segments


def trafilatura_segments(html: str) -> list[tuple] | None:
    """trafilatura's reading of the page as ("line", text) and ("ttable", [[cell, ...], ...])."""
    try:
        xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                                  include_images=False, include_links=False, deduplicate=False)
    except etree.ParseError:     # its XML output re-parse fails on binary junk (test "binary", ~1 run in 40)
        return None
    if not xml:
        return None
    try:
        main = etree.fromstring(xml.encode("utf-8")).find("main")
    except etree.XMLSyntaxError:
        return None
    return xml_segments(main)


def cell_overlap(rows: list[list[str]], grid: dict) -> float:
    """Share of trafilatura's non-empty cells that are cells of `grid`."""
    ours = {line_key(cell) for row in grid["rows"] for cell in row if cell}
    theirs = [line_key(cell) for row in rows for cell in row if cell]
    return sum(cell in ours for cell in theirs) / len(theirs) if theirs else 0.0


def link_share(table) -> float:
    total = len(normalize_space(table.text_content())) or 1
    return sum(len(normalize_space(a.text_content())) for a in table.iter("a")) / total


def plain_grid(rows: list[list[str]]) -> dict:
    """A grid from trafilatura's cells, for a table we did not read as one (spans unknown)."""
    n_cols = max(len(row) for row in rows)
    padded = [row + [""] * (n_cols - len(row)) for row in rows]
    return {"index": 0, "n_rows": len(padded), "n_cols": n_cols, "caption": None, "rows": padded, "spans": []}


def merge_tables(t_segments: list[tuple], body: list[tuple]) -> list[tuple]:
    """trafilatura's lines with our grids for its tables, and the tables it dropped put back."""
    body_tables = [i for i, seg in enumerate(body) if seg[0] == "table"]
    used: set[int] = set()
    out: list[tuple] = []
    for kind, payload, _ in t_segments:
        if kind != "ttable":
            out.append((kind, payload, None))
            continue
        match = next((i for i in body_tables if i not in used and cell_overlap(payload, body[i][1]) >= 0.5), None)
        if match is not None:
            used.add(match)
            out.append(body[match])
        elif any(any(row) for row in payload):
            out.append(("table", plain_grid(payload), None))
    return insert_lost_tables(out, body, [i for i in body_tables if i not in used])


def insert_lost_tables(out: list[tuple], body: list[tuple], lost: list[int]) -> list[tuple]:
    """Put each dropped table back after the line that precedes it on the page, when it lies inside the text."""
    position = {line_key(seg[1]): n for n, seg in enumerate(out) if seg[0] == "line"}
    last_line = max(position.values(), default=-1)
    inserts: dict[int, list[tuple]] = {}
    for i in lost:
        before = [position[k] for k in (line_key(s[1]) for s in body[max(0, i - ANCHOR_WINDOW):i] if s[0] == "line")
                  if k in position]
        after = [s for s in body[i + 1:i + 1 + ANCHOR_WINDOW] if s[0] == "line" and line_key(s[1]) in position]
        at_end = before and before[-1] == last_line and link_share(body[i][2]) < 0.5
        if before and (after or at_end):
            inserts.setdefault(before[-1], []).append(body[i])
    merged = []
    for n, seg in enumerate(out):
        merged.append(seg)
        merged.extend(inserts.get(n, []))
    return merged
