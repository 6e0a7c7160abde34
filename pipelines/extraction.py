"""Main text of a 年报 page: the body container (or trafilatura) as lines, tables as cell grids.

Needs: html.  Sets: content_html, text, tables, extractor.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from scrapy.exceptions import DropItem

from crawler.items import ReportPage
from pipelines import boilerplate_patterns as bp
from pipelines.tables import is_layout_table, normalize_space, table_grid, table_lines, tag_of

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000        # a 年报 page is 50-300 kB; past this we read the first 5 M chars
MAX_ELEMENTS = 200_000            # elements walked per rendering
TRAFILATURA_MAX_CHARS = 2_000_000  # larger pages skip the general extractor (slow) and use "body"
MIN_CONTAINER_CHARS = 20          # a container with less text is a look-alike (e.g. span.view counter)
TIGHTEN_RATIO = 0.9               # prefer an inner container holding >= 90% of the outer one's text
ANCHOR_WINDOW = 6                 # lines searched around a table trafilatura dropped
CHROME_MAX_CHARS = 200            # only small elements can be share/print/related widgets

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu",
    "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
HIDDEN = re.compile(bp.HIDDEN_STYLE, re.I)
CHROME_LINES = {name: re.compile(rx) for name, rx in bp.CHROME_LINE_RULES.items()}
CONTAINER_XPATHS = [(name, etree.XPath(xpath)) for name, xpath in bp.CONTAINERS]


@dataclass(frozen=True)
class MainText:
    content_html: str      # the chosen container serialised as HTML ("" if none)
    text: str
    tables: list[dict]
    extractor: str         # e.g. "container:div.TRS_Editor", "container:#zoom", "trafilatura", "body"


EMPTY = MainText("", "", [], "none")


def parse_html(html: str):
    """The page as an lxml tree (comments dropped), or None when there is nothing to parse."""
    data = html[:MAX_HTML_CHARS].replace("\x00", "").encode("utf-8", "replace")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def is_hidden(el) -> bool:
    return el.get("hidden") is not None or bool(HIDDEN.search(el.get("style") or ""))


def drop(el) -> None:
    """Remove an element but keep its tail text."""
    if el.getparent() is not None:
        el.drop_tree()


def clean_tree(root) -> None:
    """Remove scripts, styles, form controls and hidden elements (hidden full-text copies included)."""
    for el in list(root.iter(*bp.NOISE_TAGS)):
        drop(el)
    for el in [el for el in root.xpath("//*[@hidden or @style]") if is_hidden(el)]:
        drop(el)


def text_length(el) -> int:
    return len(normalize_space(el.text_content()))


def find_container(root):
    """(name, element) of the best known body container, or None."""
    seen, found = set(), []
    for name, xpath in CONTAINER_XPATHS:
        for el in xpath(root):
            if el not in seen:
                seen.add(el)
                found.append((name, el, text_length(el)))
    if not found:
        return None
    name, best, size = max(found, key=lambda c: c[2])
    while True:
        inner = [c for c in found if c[1] is not best and best in c[1].iterancestors()
                 and c[2] >= TIGHTEN_RATIO * size]
        if not inner:
            break
        name, best, size = max(inner, key=lambda c: c[2])
    return (name, best) if size >= MIN_CONTAINER_CHARS else None


def chrome_rule(el) -> str | None:
    """Name of the widget rule (share, print_close, ...) an element's class/id matches."""
    tokens = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
    for rule, needles in bp.CHROME_CLASS_RULES.items():
        if any(needle in token for token in tokens for needle in needles):
            return rule
    return None


def is_metadata_block(el) -> bool:
    """The 索引号/发布机构/生成日期 block: several labels in a short element."""
    text = el.text_content()
    if len(text) > bp.METADATA_MAX_CHARS:
        return False
    return sum(label in text for label in bp.METADATA_LABELS) >= bp.METADATA_MIN_LABELS


def strip_chrome(root, hits: Counter) -> None:
    """Remove small widget elements and metadata blocks inside `root` (never `root` itself)."""
    for el in root.xpath(".//*[@class or @id]"):
        rule = chrome_rule(el)
        if rule and text_length(el) <= CHROME_MAX_CHARS and any(a is root for a in el.iterancestors()):
            hits[rule] += 1
            drop(el)
    for el in list(root.iterdescendants("table", "dl", "ul", "div")):
        inner = el.iterdescendants("table", "dl", "ul", "div")
        if is_metadata_block(el) and not any(is_metadata_block(d) for d in inner):
            hits["metadata_block"] += 1
            drop(el)


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
                segments.extend(("line", line, None) for line in
                                map(normalize_space, el.text_content().splitlines()) if line)
                walker.skip_subtree()
            elif tag in BLOCK_TAGS or tag == "br":
                flush()
                parts.append(el.text or "")
            else:
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


def render_fragment(fragment_html: str) -> tuple[str, list[dict]]:
    """Text and tables of any HTML fragment (no container search, no chrome filtering)."""
    root = parse_html(f"<html><body>{fragment_html}</body></html>")
    if root is None:
        return "", []
    clean_tree(root)
    return compose(render_segments(root.body if root.find("body") is not None else root))


def line_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def trafilatura_segments(html: str) -> list[tuple] | None:
    """trafilatura's reading of the page as ("line", text) and ("ttable", [[cell, ...], ...])."""
    xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                              include_images=False, include_links=False, deduplicate=False)
    if not xml:
        return None
    try:
        main = etree.fromstring(xml.encode("utf-8")).find("main")
    except etree.XMLSyntaxError:
        return None
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


def extract_detailed(html: str, url: str) -> tuple[MainText, Counter]:
    """extract_main plus the hits of each chrome rule (for per-rule stats)."""
    hits: Counter = Counter()
    root = parse_html(html) if html and html.strip() else None
    if root is None:
        return EMPTY, hits
    clean_tree(root)
    found = find_container(root)
    if found:
        name, el = found
        strip_chrome(el, hits)
        text, tables = compose(drop_chrome_lines(render_segments(el), hits))
        return MainText(lxml.html.tostring(el, encoding="unicode"), text, tables, f"container:{name}"), hits
    body = root.find("body") if root.find("body") is not None else root
    t_segments = None
    if len(html) <= TRAFILATURA_MAX_CHARS:
        t_segments = trafilatura_segments(lxml.html.tostring(root, encoding="unicode"))
    strip_chrome(body, hits)
    body_segments = drop_chrome_lines(render_segments(body), hits)
    if t_segments:
        text, tables = compose(drop_chrome_lines(merge_tables(t_segments, body_segments), hits))
        return MainText("", text, tables, "trafilatura"), hits
    logger.debug("No container and no trafilatura result on %s, rendering the body", url)
    text, tables = compose(body_segments)
    return MainText("", text, tables, "body"), hits


def extract_main(html: str, url: str) -> MainText:
    """The report's text and tables, without navigation, widgets, footer or the metadata block."""
    return extract_detailed(html, url)[0]


class MainTextPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, ReportPage) or not (item.html or item.encoding_source):
            return item          # attachments skip decoding; their text comes from pipelines.extract_file
        if not item.html.strip():
            # tests/test_quality_floor.py::bom_only: a BOM alone decodes to "" and must not reach storage
            logger.warning("No main text on %s (empty page)", item.url)
            self.stats.inc_value("nianbao/extraction/empty_page")
            raise DropItem("no_main_text")
        main, hits = extract_detailed(item.html, item.url)
        item.content_html, item.text, item.tables, item.extractor = (
            main.content_html, main.text, main.tables, main.extractor)
        self.stats.inc_value(f"nianbao/extraction/{main.extractor}")
        self.stats.inc_value("nianbao/extraction/tables", len(main.tables))
        for rule, count in hits.items():
            self.stats.inc_value(f"nianbao/extraction/rule/{rule}", count)
        if not main.text:
            logger.warning("No main text on %s (%s)", item.url, main.extractor)
            raise DropItem("no_main_text")
        logger.debug("Main text of %s: %d chars, %d tables via %s",
                     item.url, len(main.text), len(main.tables), main.extractor)
        return item
