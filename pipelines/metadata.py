"""Read a report page's metadata: title, reported year, 索引号, 发布机构, dates, 文号, 主题分类, 网站标识码.

Needs: html, text, url, list_title (and the spam stage's tree when it handed one on).  Sets: title, year,
index_no, publisher, generated_date, publish_date, doc_no, topic, site_id_code, metadata_sources.
Label/value pairs are read in metadata_blocks, years and dates in metadata_dates.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from crawler.items import ReportPage
from pipelines import metadata_labels as labels
from pipelines import textutil
# Public names of this stage, kept importable from here.
from pipelines.metadata_blocks import (  # noqa: F401
    CJK, Chunk, Pair, clean_value, label_pairs, page_chunks, pick_label_value,
)
from pipelines.metadata_dates import (  # noqa: F401
    YEAR, ascii_years, iso_date, report_year, url_date, year_before, year_from_text,
)
from pipelines.textutil import collapse_space
from pipelines.stage import StatsStage

logger = logging.getLogger(__name__)

FIELDS = ("title", "year", "index_no", "publisher", "generated_date", "publish_date", "doc_no",
          "topic", "site_id_code")
MAX_HTML_CHARS = 3_000_000      # metadata sits at the top; past this we stop reading (bounded work)


@dataclass(frozen=True)
class Metadata:
    """Metadata of one page; missing values are None, `sources` says where each value came from."""

    title: str | None = None
    year: int | None = None
    index_no: str | None = None
    publisher: str | None = None
    generated_date: str | None = None
    publish_date: str | None = None
    doc_no: str | None = None
    topic: str | None = None
    site_id_code: str | None = None
    sources: dict[str, str] = field(default_factory=dict)


def parse_html(html: str):
    """The lxml root of `html`, or None for an empty or unparsable page (no depth limit: huge_tree)."""
    return textutil.parse_html(html, MAX_HTML_CHARS, huge_tree=True)


def meta_tags(root) -> dict[str, str]:
    """<meta name=...> contents by lower-cased name; the first non-empty one wins."""
    found: dict[str, str] = {}
    for el in root.iterfind(".//meta[@name]"):
        name, content = el.get("name", "").strip().lower(), collapse_space(el.get("content"))
        if content and name not in found:
            found[name] = content
    return found


def title_tag_text(root) -> str | None:
    """The <title> minus the site suffix ("_XX县人民政府", "-中国宜春", " | 某某网")."""
    el = root.find(".//title")
    text = collapse_space(el.xpath("string()")) if el is not None else ""
    text = labels.SITE_SUFFIX.sub("", text)
    parts = [p for p in labels.TITLE_SEPARATOR.split(text) if p and len(p) >= 4]
    if not parts:
        return text or None
    reports = [p for p in parts if any(w in p for w in labels.REPORT_WORDS)]
    return (reports or sorted(parts, key=len, reverse=True))[0]


def _heading_text(el) -> str:
    """Text of a heading up to its first non-inline child (24a: <h2>title<small>date 来源…</small>)."""
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str) or child.tag.lower() not in labels.HEADING_INLINE_TAGS:
            break
        parts += [child.xpath("string()"), child.tail or ""]
    return collapse_space("".join(parts))


def main_heading(root, page_title: str | None) -> str | None:
    """The page's main heading: a heading matching <title>, else the first one naming a 年报."""
    words = " or ".join(f"contains(@class, '{w}') or contains(@id, '{w}')"
                        for w in labels.HEADING_CLASS_WORDS)
    elements = [el for tag in labels.HEADING_TAGS for el in root.iterfind(f".//{tag}")]
    elements += root.xpath(f"//*[{words}]")[:300]    # headings first: a title div may hold the date too
    texts = [t for el in elements if 5 <= len(t := _heading_text(el)) <= 150]
    if page_title:
        for text in texts:
            if page_title in text or (text in page_title and len(text) >= 0.6 * len(page_title)):
                return text
    return next((t for t in texts if any(w in t for w in labels.REPORT_WORDS)), None)


def publisher_from_title(title: str) -> str | None:
    """The issuing body named in a 年报 title, before the year or between the year and 政府信息公开."""
    ascii_title = ascii_years(title or "")
    year = YEAR.search(ascii_title)
    if not year:
        return None
    before = title[:year.start()].strip(" 《》“”\"【】[]（）()")
    rest = title[year.end():]
    after = None if rest.startswith(labels.AFTER_YEAR_WORDS) else re.match(
        "(.+?)(?:" + "|".join(labels.AFTER_YEAR_WORDS) + ")", rest)
    for candidate in (before, after[1] if after else ""):
        candidate = candidate.strip(" 《》“”\"【】[]（）()")
        if candidate.endswith("人民"):   # "…县人民政府信息公开" is 人民政府 + 信息公开
            candidate += "政府"
        if 2 <= len(candidate) <= 40 and CJK.search(candidate) and not re.search(r"\d|关于", candidate):
            return candidate
    return None


def _first(*candidates: tuple[object, str]) -> tuple[object, str] | tuple[None, None]:
    """The first (value, source) whose value is set."""
    return next(((v, s) for v, s in candidates if v), (None, None))


class PageFacts(NamedTuple):
    """What the page offers, read once: <meta> tags, label/value pairs, custom tags, <title>."""

    metas: dict[str, str]
    pairs: list[Pair]
    tags: dict[str, str]
    root: object | None

    def meta(self, name: str) -> tuple[str | None, str | None]:
        for meta_name in labels.META_NAMES[name]:
            if value := clean_value(name, self.metas.get(meta_name.lower(), "")):
                return value, f"meta:{meta_name}"
        return None, None

    def labelled(self, name: str) -> tuple[str | None, str | None]:
        return pick_label_value(self.pairs, name) or (None, None)

    def tagged(self, name: str) -> tuple[str | None, str | None]:
        for tag, raw in self.tags.items():
            if labels.CUSTOM_TAGS[tag] == name and (value := clean_value(name, raw)):
                return value, f"tag:{tag}"
        return None, None


def read_page(html: str, text: str, tree=None) -> PageFacts:
    """Parse once (or take the tree handed on); without HTML (attachments) the pairs come from the text lines."""
    root = tree if tree is not None else parse_html(html)
    chunks = page_chunks(root) if root is not None else []
    if not chunks:
        lines = (text or "")[:20000].splitlines()[:300]
        chunks = [Chunk(collapse_space(line), "text") for line in lines if line.strip()]
    tags = {}
    if root is not None:
        for tag in labels.CUSTOM_TAGS:
            el = root.find(f".//{tag}")
            if el is not None:
                tags[tag] = collapse_space(el.xpath("string()"))
    return PageFacts(meta_tags(root) if root is not None else {}, label_pairs(chunks), tags, root)


def _title_line(text: str) -> str | None:
    """The first line of the text when it reads like a 年报 title."""
    line = collapse_space(next((ln for ln in (text or "")[:2000].splitlines() if ln.strip()), ""))
    return line if len(line) <= 80 and any(w in line for w in labels.REPORT_WORDS) else None


def extract_metadata(html: str, text: str = "", url: str = "", list_title: str = "", tree=None) -> Metadata:
    """All metadata of one page; each value from the best place that has it (see `sources`).

    tree: the page already parsed from `html` (pipelines.textutil.handed_tree); read, never changed.
    """
    page = read_page(html, text, tree)
    list_title = collapse_space(list_title)
    page_title = title_tag_text(page.root) if page.root is not None else None
    heading = main_heading(page.root, page_title) if page.root is not None else None
    values = {
        "title": _first(page.meta("title"), (heading, "heading"), page.labelled("title"),
                        (page_title, "title_tag"), (list_title, "list_title"), (_title_line(text), "text")),
        "publish_date": _first(page.labelled("publish_date"), page.tagged("publish_date"),
                               page.meta("publish_date"), (url_date(url), "url")),
        "site_id_code": _first(page.meta("site_id_code"), page.labelled("site_id_code")),
    }
    for name in ("index_no", "generated_date", "doc_no", "topic"):
        values[name] = page.labelled(name)
    title = values["title"][0] or ""
    values["publisher"] = _first(page.labelled("publisher"), page.meta("publisher"),
                                 (publisher_from_title(title), "title"),
                                 (publisher_from_title(list_title), "list_title"))
    values["year"] = _first((report_year(title), "title"), (report_year(list_title), "list_title"),
                            (year_from_text(text), "text"),
                            (year_before(values["publish_date"][0]), "publish_date"),
                            (year_before(values["generated_date"][0]), "generated_date"))
    sources = {name: source for name, (_value, source) in values.items() if source}
    return Metadata(**{name: values[name][0] for name in FIELDS}, sources=sources)


class MetadataPipeline(StatsStage):
    """Copies `extract_metadata` onto each ReportPage and counts the fields found."""

    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        meta = extract_metadata(item.html, item.text, item.url, item.list_title, textutil.handed_tree(item))
        for name in FIELDS:
            setattr(item, name, getattr(meta, name))
            if getattr(meta, name) is not None:
                self.stats.inc_value(f"nianbao/metadata/{name}_found")
        item.metadata_sources = dict(meta.sources)
        if meta.year is None:
            self.stats.inc_value("nianbao/metadata/year_missing")
            logger.warning("No report year on %s (title %r)", item.url, meta.title)
        logger.debug("Metadata of %s: %s", item.url, asdict(meta))
        return item
