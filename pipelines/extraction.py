"""Main text of a 年报 page: the body container (or trafilatura) as lines, tables as cell grids.

Needs: html (and the spam stage's tree when it handed one on).  Sets: content_html, text, tables, extractor.
Rendering lives in extraction_render, the trafilatura fallback in extraction_fallback.
"""
from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from dataclasses import dataclass

import lxml.html
from lxml import etree
from scrapy.exceptions import DropItem

from crawler.items import ReportPage
from pipelines import boilerplate_patterns as bp
from pipelines import textutil
# Public names of this stage, kept importable from here.
from pipelines.extraction_fallback import merge_tables, trafilatura_segments
from pipelines.extraction_render import compose, drop_chrome_lines, render_segments
from pipelines.tables import normalize_space
from pipelines.stage import StatsStage

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000        # a 年报 page is 50-300 kB; past this we read the first 5 M chars
TRAFILATURA_MAX_CHARS = 2_000_000  # larger pages skip the general extractor (slow) and use "body"
MIN_CONTAINER_CHARS = 20          # a container with less text is a look-alike (e.g. span.view counter)
TIGHTEN_RATIO = 0.9               # prefer an inner container holding >= 90% of the outer one's text
CHROME_MAX_CHARS = 200            # only small elements can be share/print/related widgets

HIDDEN = re.compile(bp.HIDDEN_STYLE, re.I)
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
    return textutil.parse_html(html[:MAX_HTML_CHARS].replace("\x00", ""), MAX_HTML_CHARS)


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


def render_fragment(fragment_html: str) -> tuple[str, list[dict]]:
    """Text and tables of any HTML fragment (no container search, no chrome filtering)."""
    root = parse_html(f"<html><body>{fragment_html}</body></html>")
    if root is None:
        return "", []
    clean_tree(root)
    return compose(render_segments(root.body if root.find("body") is not None else root))


def container_text(name: str, el, hits: Counter) -> MainText:
    """The main text read from a known body container."""
    strip_chrome(el, hits)
    text, tables = compose(drop_chrome_lines(render_segments(el), hits))
    return MainText(lxml.html.tostring(el, encoding="unicode"), text, tables, f"container:{name}")


def fallback_text(root, html: str, url: str, hits: Counter) -> MainText:
    """No container: trafilatura's lines with our tables, else the whole body rendered."""
    body = root.find("body") if root.find("body") is not None else root
    t_segments = None
    if len(html) <= TRAFILATURA_MAX_CHARS:
        t_segments = trafilatura_segments(lxml.html.tostring(root, encoding="unicode"))
    strip_chrome(body, hits)
    body_segments = drop_chrome_lines(render_segments(body), hits)
    if t_segments:
        text, tables = compose(drop_chrome_lines(merge_tables(t_segments, body_segments), hits))
        return MainText("", text, tables, "trafilatura")
    logger.debug("No container and no trafilatura result on %s, rendering the body", url)
    text, tables = compose(body_segments)
    return MainText("", text, tables, "body")


def extract_detailed(html: str, url: str, tree=None) -> tuple[MainText, Counter]:
    """extract_main plus the hits of each chrome rule (for per-rule stats).

    tree: the page already parsed from `html` (pipelines.textutil.handed_tree); it is copied, never changed.
    """
    hits: Counter = Counter()
    if tree is not None:
        root = copy.deepcopy(tree)
    else:
        root = parse_html(html) if html and html.strip() else None
    if root is None:
        return EMPTY, hits
    clean_tree(root)
    found = find_container(root)
    if found:
        return container_text(*found, hits), hits
    return fallback_text(root, html, url, hits), hits


def extract_main(html: str, url: str) -> MainText:
    """The report's text and tables, without navigation, widgets, footer or the metadata block."""
    return extract_detailed(html, url)[0]


class MainTextPipeline(StatsStage):
    def process_item(self, item):
        if not isinstance(item, ReportPage) or not (item.html or item.encoding_source):
            return item          # attachments skip decoding; their text comes from pipelines.extract_file
        if not item.html.strip():
            # tests/test_quality_floor.py::bom_only: a BOM alone decodes to "" and must not reach storage
            logger.warning("No main text on %s (empty page)", item.url)
            self.stats.inc_value("nianbao/extraction/empty_page")
            raise DropItem("no_main_text")
        main, hits = extract_detailed(item.html, item.url, textutil.handed_tree(item))
        item.content_html, item.text, item.tables, item.extractor = (
            main.content_html, main.text, main.tables, main.extractor)
        self.count(main, hits)
        if not main.text:
            logger.warning("No main text on %s (%s)", item.url, main.extractor)
            raise DropItem("no_main_text")
        logger.debug("Main text of %s: %d chars, %d tables via %s",
                     item.url, len(main.text), len(main.tables), main.extractor)
        return item

    def count(self, main: MainText, hits: Counter) -> None:
        self.stats.inc_value(f"nianbao/extraction/{main.extractor}")
        self.stats.inc_value("nianbao/extraction/tables", len(main.tables))
        for rule, count in hits.items():
            self.stats.inc_value(f"nianbao/extraction/rule/{rule}", count)
