"""A page subtree as text segments: lines and table grids in document order, chrome lines dropped."""
from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from pipelines import boilerplate_patterns as bp
from pipelines.tables import is_layout_table, table_grid, table_lines
from pipelines.textutil import normalize_space, tag_of

MAX_ELEMENTS = 200_000            # elements walked per rendering

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu",
    "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
CHROME_LINES = {name: re.compile(rx) for name, rx in bp.CHROME_LINE_RULES.items()}


def pre_lines(el) -> list[tuple]:
    """A <pre> keeps its line breaks: one segment per non-empty line."""
    return [("line", line, None) for line in map(normalize_space, el.text_content().splitlines()) if line]


def render_segments(root) -> list[tuple]:
    """Walk `root` in document order: ("line", text, None) and ("table", grid, element)."""
    segments: list[tuple] = []
    parts: list[str] = []

    def flush() -> None:
        line = normalize_space("".join(parts))
        parts.clear()
        if line:
            segments.append(("line", line, None))

    walker = etree.iterwalk(root, events=("start", "end"))
    for count, (event, el) in enumerate(walker):
        tag = tag_of(el)
        if event == "start":
            if count > 2 * MAX_ELEMENTS:
                break
            if tag == "table" and not is_layout_table(el):
                flush()
                segments.append(("table", table_grid(el), el))
                walker.skip_subtree()
            elif tag == "pre":
                flush()
                segments.extend(pre_lines(el))
                walker.skip_subtree()
            else:
                if tag in BLOCK_TAGS or tag == "br":
                    flush()
                parts.append(el.text or "")
            continue
        if tag in BLOCK_TAGS or tag == "pre":
            flush()
        if el is not root and el.tail:
            parts.append(el.tail)
    flush()
    return segments


def drop_chrome_lines(segments: list[tuple], hits: Counter) -> list[tuple]:
    """Drop short lines that are navigation, breadcrumb, share/print widgets or footer."""
    kept = []
    for seg in segments:
        if seg[0] == "line" and len(seg[1]) <= bp.CHROME_LINE_MAX_CHARS:
            rule = next((name for name, rx in CHROME_LINES.items() if rx.fullmatch(seg[1])), None)
            if rule:
                hits[rule] += 1
                continue
        kept.append(seg)
    return kept


def compose(segments: list[tuple]) -> tuple[str, list[dict]]:
    """Text (one paragraph or table row a line) and the tables, numbered in document order."""
    lines, tables = [], []
    for kind, payload, _ in segments:
        if kind == "table":
            grid = dict(payload, index=len(tables))
            tables.append(grid)
            lines.extend(table_lines(grid))
        else:
            lines.append(payload)
    return "\n".join(lines), tables
