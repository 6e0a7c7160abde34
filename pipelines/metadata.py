"""Read a report page's metadata: title, reported year, 索引号, 发布机构, dates, 文号, 主题分类, 网站标识码.

Needs: html, text, url, list_title.  Sets: title, year, index_no, publisher, generated_date,
publish_date, doc_no, topic, site_id_code, metadata_sources.
"""
from __future__ import annotations

import datetime
import logging
import re
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from lxml import etree

from crawler.items import ReportPage
from pipelines import metadata_labels as labels

logger = logging.getLogger(__name__)

FIELDS = ("title", "year", "index_no", "publisher", "generated_date", "publish_date", "doc_no",
          "topic", "site_id_code")
MAX_HTML_CHARS = 3_000_000      # metadata sits at the top; past this we stop reading (bounded work)
MAX_CHUNKS = 50_000
MAX_LABEL_SCAN = 2_000          # metadata lines are short; only the head of a long paragraph is searched
TEXT_YEAR_LINES = 10

BLOCK_TAGS = frozenset(
    "address article aside blockquote br center dd div dl dt fieldset figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split())
SKIP_TAGS = frozenset("script style noscript template textarea select iframe object svg title".split())
CELL_SHAPES = {"td": "table", "th": "table", "li": "list", "dd": "list", "dt": "list"}
EMPTY_CELLS = frozenset({"td", "th", "dd"})   # an empty value cell still ends the label before it

SPACES = re.compile(r"\s+")                   # \s covers U+3000 and U+00A0 (&nbsp;) in str patterns
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CN_YEAR = re.compile("[〇○零ＯO一二三四五六七八九]{4}(?=\\s*年)")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(度)?")
DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
CN_DATE = re.compile("([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日")
SITE_ID = re.compile(r"[0-9A-Za-z]{6,20}")
CJK = re.compile(r"[\u4e00-\u9fff]")
ANY_LABEL = re.compile(r"[\u4e00-\u9fff\s]{2,8}[：:]")     # an unknown label, e.g. "办文部门："
LATER_LABEL = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[：:]")   # an unknown label later in a value


def _label_pattern(label: str) -> str:
    return r"\s*".join(re.escape(char) for char in label)


# label (spaces removed) -> (field, rank); stop labels map to (None, 0)
LABEL_FIELDS = {label: (name, rank) for name, names in labels.FIELD_LABELS.items()
                for rank, label in enumerate(names)}
LABEL_FIELDS.update({label: (None, 0) for label in labels.STOP_LABELS})
INLINE_LABEL = re.compile(
    "(" + "|".join(_label_pattern(lb) for lb in sorted(LABEL_FIELDS, key=len, reverse=True)) + r")\s*[：:]")


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


class Chunk(NamedTuple):
    text: str
    shape: str          # "table", "list" or "text": where a label/value pair was read


class Pair(NamedTuple):
    field: str
    rank: int           # position of the label in FIELD_LABELS[field]; lower is better
    order: int          # position on the page
    value: str
    shape: str


def normalize_space(value: str | None) -> str:
    """Collapse runs of whitespace (U+3000, &nbsp;, newlines) into one space; no other change."""
    return SPACES.sub(" ", value or "").strip()


def _ascii_years(value: str) -> str:
    """Copy of `value` with full-width digits and 二〇二四-style years as ASCII digits (same length)."""
    value = value.translate(FULLWIDTH_DIGITS)
    return CN_YEAR.sub(lambda m: "".join(str(labels.CHINESE_DIGITS[c]) for c in m[0]), value)


def report_year(title: str) -> int | None:
    """The year a title reports on: a year before 年度, else before 政府信息公开…, else the first."""
    found = list(YEAR.finditer(_ascii_years(title or "")))
    if not found:
        return None
    tail = _ascii_years(title)
    by_rule = (
        [m for m in found if m[2]],                                          # 2023年度
        [m for m in found if tail[m.end():].startswith(labels.AFTER_YEAR_WORDS)],
        [m for m in found if not re.match(r"\s*\d{1,2}\s*月", tail[m.end():])],  # not 2024年3月
        found,
    )
    return int(next(matches for matches in by_rule if matches)[0][1])


def _chinese_number(value: str) -> int:
    """十 → 10, 十五 → 15, 二十 → 20, 三十一 → 31, 九 → 9."""
    tens, _, units = value.rpartition("十")
    if "十" not in value:
        return labels.CHINESE_DIGITS.get(value, 0)
    return (labels.CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + labels.CHINESE_DIGITS.get(units, 0)


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_date(value: str) -> str | None:
    """First real date in `value` as YYYY-MM-DD ("2021年01月31日", "2021/1/31", "2023-08-19 10∶08")."""
    text = (value or "")[:500].translate(FULLWIDTH_DIGITS)
    for m in DATE.finditer(text):
        if found := _valid_date(int(m[1]), int(m[2]), int(m[3])):
            return found
    for m in CN_DATE.finditer(text):
        year = int("".join(str(labels.CHINESE_DIGITS[c]) for c in m[1]))
        if found := _valid_date(year, _chinese_number(m[2]), _chinese_number(m[3])):
            return found
    for m in COMPACT_DATE.finditer(text):
        if found := _valid_date(int(m[1]), int(m[2]), int(m[3])):
            return found
    return None


def parse_html(html: str):
    """The lxml root of `html`, or None for an empty or unparsable page."""
    if not html or not html.strip():
        return None
    # huge_tree: Word-pasted pages nest hundreds of unclosed <font>; libxml2's default
    # depth limit (256) silently drops everything after them
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        return etree.fromstring(html[:MAX_HTML_CHARS].encode("utf-8", "replace"), parser)
    except (etree.ParserError, etree.ParseError, ValueError) as exc:
        logger.debug("Unparsable HTML (%s)", exc)
        return None


def page_chunks(root) -> list[Chunk]:
    """Text of the page cut at block boundaries, in document order, with the shape around it."""
    chunks: list[Chunk] = []
    buffer: list[str] = []
    open_blocks: list[tuple[str, int]] = []       # (tag, len(chunks) when it opened)

    def flush(empty_cell: bool = False) -> None:
        text = normalize_space("".join(buffer))
        buffer.clear()
        if text or empty_cell:
            shape = next((CELL_SHAPES[t] for t, _ in reversed(open_blocks) if t in CELL_SHAPES), "text")
            chunks.append(Chunk(text, shape))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        if len(chunks) > MAX_CHUNKS:
            break
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
                open_blocks.append((tag, len(chunks)))
            buffer.append(el.text or "")
            continue
        if tag in BLOCK_TAGS and open_blocks:
            flush()
            opened_tag, opened_at = open_blocks.pop()
            if opened_tag in EMPTY_CELLS and len(chunks) == opened_at:
                flush(empty_cell=True)
        buffer.append(el.tail or "")
    flush()
    return chunks


def _bare_label(text: str) -> tuple[str | None, int] | None:
    """(field, rank) when the whole chunk is one label ("索引号", "索 引 号：" in its own cell)."""
    return LABEL_FIELDS.get(SPACES.sub("", text).rstrip("：:"))


def _starts_with_label(text: str) -> bool:
    """Whether a chunk opens with a label, known or not ("办文部门：" on tests/pages/metadata/nfra_…)."""
    return _bare_label(text) is not None or bool(INLINE_LABEL.match(text) or ANY_LABEL.match(text))


def label_pairs(chunks: list[Chunk]) -> list[Pair]:
    """Every label/value pair: "label：value" (several a line), or a label chunk then a value chunk."""
    pairs: list[Pair] = []
    for i, chunk in enumerate(chunks):
        following = chunks[i + 1].text if i + 1 < len(chunks) else ""
        next_value = "" if _starts_with_label(following) else following
        if (bare := _bare_label(chunk.text)) is not None:
            if bare[0]:
                pairs.append(Pair(bare[0], bare[1], i, next_value, chunk.shape))
            continue
        text = chunk.text[:MAX_LABEL_SCAN]
        found = list(INLINE_LABEL.finditer(text))
        for j, m in enumerate(found):
            end = found[j + 1].start() if j + 1 < len(found) else len(text)
            value = LATER_LABEL.split(text[m.end():end], maxsplit=1)[0].strip()
            name, rank = LABEL_FIELDS[SPACES.sub("", m[1])]
            if name:
                value = value or (next_value if end == len(text) else "")
                pairs.append(Pair(name, rank, i, value, chunk.shape))
    return pairs


def clean_value(name: str, value: str) -> str | None:
    """The value worth keeping for field `name`, or None (empty, "无", too long, wrong kind)."""
    value = normalize_space(value).strip("：:;；,，")
    if not value or value.lower() in labels.EMPTY_VALUES or len(value) > labels.MAX_VALUE_CHARS[name]:
        return None
    if name in ("generated_date", "publish_date"):
        return iso_date(value)
    if name == "index_no":
        value = value.split(" ")[0]
        return value if re.search(r"\d", value) else None
    if name == "site_id_code":
        return m[0] if (m := SITE_ID.search(value)) else None
    if name == "doc_no" and not re.search(r"\d", value):
        return None
    if name == "publisher" and (not CJK.search(value) or "http" in value or "www." in value
                                or iso_date(value)):
        return None
    return value


def pick_label_value(pairs: list[Pair], name: str) -> tuple[str, str] | None:
    """(value, shape) of the best-labelled usable pair for field `name`."""
    for pair in sorted((p for p in pairs if p.field == name), key=lambda p: (p.rank, p.order)):
        if value := clean_value(name, pair.value):
            return value, pair.shape
    return None


def meta_tags(root) -> dict[str, str]:
    """<meta name=...> contents by lower-cased name; the first non-empty one wins."""
    found: dict[str, str] = {}
    for el in root.iterfind(".//meta[@name]"):
        name, content = el.get("name", "").strip().lower(), normalize_space(el.get("content"))
        if content and name not in found:
            found[name] = content
    return found


def title_tag_text(root) -> str | None:
    """The <title> minus the site suffix ("_XX县人民政府", "-中国宜春", " | 某某网")."""
    el = root.find(".//title")
    text = normalize_space(el.xpath("string()")) if el is not None else ""
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
    return normalize_space("".join(parts))


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
    ascii_title = _ascii_years(title or "")
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


def year_from_text(text: str) -> int | None:
    """The reported year from the first lines of the main text that speak of the report."""
    lines = [line for line in (text or "")[:5000].splitlines() if line.strip()][:TEXT_YEAR_LINES]
    for line in lines:
        if any(word in line for word in labels.TEXT_YEAR_WORDS) and (year := report_year(line)):
            return year
    return None


def url_date(url: str) -> str | None:
    """Publication date encoded in a CMS URL (TRS t20250310_…, P020250310…, Hanweb /art/2024/1/17/)."""
    for _name, rule in labels.URL_DATE_RULES:
        if m := rule.search(url or ""):
            return _valid_date(int(m[1]), int(m[2]), int(m[3]))
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


def read_page(html: str, text: str) -> PageFacts:
    """Parse once; without HTML (attachments) the label pairs come from the text lines."""
    root = parse_html(html)
    chunks = page_chunks(root) if root is not None else []
    if not chunks:
        lines = (text or "")[:20000].splitlines()[:300]
        chunks = [Chunk(normalize_space(line), "text") for line in lines if line.strip()]
    tags = {}
    if root is not None:
        for tag in labels.CUSTOM_TAGS:
            el = root.find(f".//{tag}")
            if el is not None:
                tags[tag] = normalize_space(el.xpath("string()"))
    return PageFacts(meta_tags(root) if root is not None else {}, label_pairs(chunks), tags, root)


def _title_line(text: str) -> str | None:
    """The first line of the text when it reads like a 年报 title."""
    line = normalize_space(next((ln for ln in (text or "")[:2000].splitlines() if ln.strip()), ""))
    return line if len(line) <= 80 and any(w in line for w in labels.REPORT_WORDS) else None


def _year_before(date: str | None) -> int | None:
    """A report published in January–April reports on the year before."""
    if date and int(date[5:7]) in labels.REPORT_MONTHS:
        return int(date[:4]) - 1
    return None


def extract_metadata(html: str, text: str = "", url: str = "", list_title: str = "") -> Metadata:
    """All metadata of one page; each value from the best place that has it (see `sources`)."""
    page = read_page(html, text)
    list_title = normalize_space(list_title)
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
                            (_year_before(values["publish_date"][0]), "publish_date"),
                            (_year_before(values["generated_date"][0]), "generated_date"))
    sources = {name: source for name, (_value, source) in values.items() if source}
    return Metadata(**{name: values[name][0] for name in FIELDS}, sources=sources)


class MetadataPipeline:
    """Copies `extract_metadata` onto each ReportPage and counts the fields found."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        meta = extract_metadata(item.html, item.text, item.url, item.list_title)
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
