"""Strip injected spam (暗链) off the decoded page and recognise spam mirrors, before main-text selection.

Needs: html, url.  Sets: html, spam_removed, spam_mirror, spam_evidence.
"""
from __future__ import annotations

import html as html_lib
import ipaddress
import logging
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import lxml.html
import opencc
from lxml import etree

from crawler.items import ReportPage
from pipelines import spam_patterns as P

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 80
MAX_DOM_CHARS = 20_000_000        # bigger pages only get the string rules (after_html_end, script_write)
MAX_PARSE_DEPTH = 250             # libxml2 drops everything below depth 255: never re-serialise that
NO_TEXT_TAGS = ("script", "style", "textarea")
KEEP_TAGS = ("html", "head", "body")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.I)
XML_INCOMPATIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HAN = re.compile(r"[\u3400-\u9fff]")
LEXICON_RE = re.compile("|".join(re.escape(t) for t in P.LEXICON), re.I)
SEPARATOR = re.compile(f"[{P.CLAUSE_SEPARATORS}]")
ANCHOR_HOST = re.compile(r"<a\b[^>]*?href\s*=\s*['\"]?(?:https?:)?//([^/'\"\s>:]+)", re.I)
HIDDEN_MARKUP = re.compile(r"style\s*=\s*\\?['\"]?[^'\">]*(?:display\s*:\s*none|visibility\s*:\s*hidden|-\d{3,}px)", re.I)
JS_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|(?:\\u|%u)([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Removal:
    rule: str       # one of spam_patterns.RULES
    snippet: str    # first ~80 characters of what was removed


@dataclass(frozen=True)
class SpamResult:
    html: str                    # cleaned page (de-annotated and simplified when a mirror)
    removed: list[Removal]
    mirror_evidence: list[str]   # empty = not a mirror
    skipped: str = ""            # why the DOM rules did not run: "", "too_large", "unparsable", "lossy_parse"


# --- hosts -----------------------------------------------------------------------------------------

def host_of(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").rstrip(".").lower()
    except ValueError:           # malformed IPv6 literal and the like
        return ""


def is_gov_host(host: str) -> bool:
    return host in P.GOV_HOSTS or host.endswith(P.GOV_HOST_SUFFIXES)


def is_local_host(host: str) -> bool:
    """Loopback/private hosts (tests, the local portal) say nothing about a page."""
    if host in P.LOCAL_HOSTS:
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def registrable_domain(host: str) -> str:
    labels = host.split(".")
    size = 3 if len(labels) >= 3 and labels[-2] in P.SECOND_LEVEL_LABELS else 2
    return ".".join(labels[-size:])


@lru_cache(maxsize=4096)
def is_spam_link_host(link_host: str, page_host: str) -> bool:
    """A link target that is neither this site, nor government, nor a routinely linked public service."""
    if not link_host or link_host == page_host or registrable_domain(link_host) == registrable_domain(page_host):
        return False
    if is_gov_host(link_host) or is_local_host(link_host):
        return False
    return not any(link_host == s or link_host.endswith("." + s) for s in P.TRUSTED_LINK_SUFFIXES)


# --- small helpers ---------------------------------------------------------------------------------

def squash(text: str) -> str:
    """Whitespace runs (U+3000 and &nbsp; included) to one space, for snippets and matching."""
    return " ".join(text.split())


def snippet_of(el) -> str:
    text = squash(el.text_content())
    if not text:
        text = etree.tostring(el, encoding="unicode", with_tail=False)
    return text[:SNIPPET_CHARS]


def drop(el, rule: str, removed: list[Removal]) -> None:
    removed.append(Removal(rule, snippet_of(el)))
    el.drop_tree()               # keeps the tail text, which belongs to the parent


def is_attached(el, root) -> bool:
    return el is root or any(a is root for a in el.iterancestors())


def lexicon_hits(text: str) -> list[str]:
    return sorted({m.group().lower() for m in LEXICON_RE.finditer(text)})


def unescape_js(text: str) -> str:
    """Undo the encodings spam scripts hide payloads in: %XX, %uXXXX, \\xXX, \\uXXXX, &#NNNN;."""
    text = JS_ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)), text)
    return html_lib.unescape(unquote(text))


# --- raw-string rules (before parsing) -------------------------------------------------------------

def cut_after_html_end(html: str, removed: list[Removal]) -> str:
    """Drop anything but whitespace and comments after the last </html>."""
    ends = list(P.HTML_END.finditer(html))
    if not ends:
        return html
    tail = html[ends[-1].end():]
    if not re.sub(r"<!--[\s\S]*?-->", "", tail).strip():
        return html
    text = squash(re.sub(r"<[^>]*>", " ", tail)) or squash(tail)
    removed.append(Removal("after_html_end", text[:SNIPPET_CHARS]))
    return html[:ends[-1].end()]


def cut_script_wrapped_blocks(html: str, removed: list[Removal]) -> str:
    """Static links between a document.write() that opens a hidden wrapper and one that closes it."""
    def replace(m: re.Match) -> str:
        text = squash(re.sub(r"<[^>]*>", " ", m[3])) or squash(m[3])
        removed.append(Removal("script_write", text[:SNIPPET_CHARS]))
        return ""
    return P.SCRIPT_WRAPPED_BLOCK.sub(replace, html)


# --- DOM rules -------------------------------------------------------------------------------------

def parse_style(style: str) -> dict[str, str]:
    decls = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            decls[name.strip().lower()] = re.sub(r"\s+|!important", "", value.lower())
    return decls


def length_px(value: str | None) -> float | None:
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(px|pt|em|rem|%)?", (value or "").strip().lower())
    if not m:
        return None
    return float(m[1]) * (16 if m[2] in ("em", "rem") else 1)


def descendants_declare(el, name: str, test) -> bool:
    return any(test(parse_style(d.get("style")).get(name)) for d in el.iterdescendants() if d.get("style"))


def white_background(el) -> bool:
    for node in (el, *el.iterancestors()):
        d = parse_style(node.get("style") or "")
        background = d.get("background-color") or d.get("background")
        if background:
            return background.startswith(P.WHITE_COLOURS)
    return False


def is_offscreen(d: dict[str, str]) -> bool:
    if d.get("position") in P.OFFSCREEN_POSITIONS:
        offsets = (length_px(d.get(side)) for side in ("top", "left", "right", "bottom"))
        if any(v is not None and v <= P.OFFSCREEN_OFFSET_PX for v in offsets):
            return True
    indent = length_px(d.get("text-indent"))
    return indent is not None and indent <= P.OFFSCREEN_INDENT_PX


def hiding_rule(el) -> str | None:
    """Name of the rule by which an element's own attributes hide it, or None."""
    if el.get("hidden") is not None:
        return "hidden_attr"
    d = parse_style(el.get("style") or "")
    if not d:
        return None
    if d.get("display") in P.HIDING_DISPLAY or length_px(d.get("opacity")) == 0:
        return "hidden_style"
    if d.get("visibility") in P.HIDING_VISIBILITY and not descendants_declare(el, "visibility", lambda v: v == "visible"):
        return "hidden_style"
    if d.get("overflow") == "hidden" and 0 in (length_px(d.get("height")), length_px(d.get("width"))):
        return "hidden_style"
    if is_offscreen(d):
        return "offscreen_position"
    if length_px(d.get("font-size")) == 0 and not descendants_declare(el, "font-size", lambda v: bool(length_px(v))):
        return "zero_font_size"
    if d.get("color") in P.WHITE_COLOURS and white_background(el):
        return "white_on_white"
    return None


def is_tiny_marquee(el) -> bool:
    d = parse_style(el.get("style") or "")
    sizes = (length_px(el.get(dim) or d.get(dim)) for dim in ("height", "width"))
    return any(v is not None and 0 <= v < 10 for v in sizes)


def looks_like_hidden_content(el, page_chars: int) -> bool:
    """A big, link-poor, spam-free hidden block: probably a tab a script reveals, so it stays."""
    text = squash(el.text_content())
    links = sum(len(squash(a.text_content())) for a in el.iter("a"))
    return len(text) >= P.HIDDEN_KEEP_TEXT_SHARE * page_chars and links < 0.1 * len(text) and not lexicon_hits(text)


def strip_tag_soup(root, removed: list[Removal]) -> int:
    """Remove groups of empty elements of several tags sharing one random id; return how many groups."""
    groups: dict[str, list] = {}
    for el in root.iter(etree.Element):
        if el.get("id") and P.SOUP_ID.match(el.get("id")):
            groups.setdefault(el.get("id"), []).append(el)
    found = 0
    for els in groups.values():
        if len(els) < P.SOUP_MIN_GROUP or len({e.tag for e in els}) < 2 or any(squash(e.text_content()) for e in els):
            continue
        found += 1
        removed.append(Removal("random_id_tag_soup", snippet_of(els[0])))
        for el in els:
            if is_attached(el, root) and el.tag not in KEEP_TAGS:
                el.drop_tree()
    return found


def strip_hidden(root, page_host: str, removed: list[Removal]) -> None:
    page_chars = len(visible_text(root)) or 1
    for el in list(root.iter(etree.Element)):
        if el.tag in KEEP_TAGS or not is_attached(el, root):
            continue
        rule = hiding_rule(el)
        if rule is None and el.tag == "marquee" and is_tiny_marquee(el):
            rule = "tiny_marquee"
        if rule is None and el.tag in ("noscript", "noframes") and is_junk_fallback(el, page_host):
            rule = "noscript_junk"
        if rule and not (rule != "tiny_marquee" and looks_like_hidden_content(el, page_chars)):
            drop(el, rule, removed)


def is_junk_fallback(el, page_host: str) -> bool:
    """<noframes> is obsolete; <noscript> is junk when it carries off-site links or spam words."""
    if el.tag == "noframes":
        return bool(squash(el.text_content()) or len(el))
    markup = etree.tostring(el, encoding="unicode", with_tail=False)
    return bool(lexicon_hits(markup)) or any(is_spam_link_host(h.lower(), page_host) for h in ANCHOR_HOST.findall(markup))


def script_rule(code: str, page_host: str) -> str | None:
    if all(p.search(code) for p in (P.REFERRER_READ, P.SEARCH_ENGINE_NAMES, P.LOCATION_CHANGE)):
        return "referrer_redirect"
    for m in P.DOCUMENT_WRITE.finditer(code):
        payload = unescape_js(code[m.end():m.end() + 4000])
        hosts = [h.lower() for h in ANCHOR_HOST.findall(payload)]
        if lexicon_hits(payload) or HIDDEN_MARKUP.search(payload) or any(is_spam_link_host(h, page_host) for h in hosts):
            return "script_write"
    return None


def strip_spam_scripts(root, page_host: str, removed: list[Removal]) -> None:
    for script in list(root.iter("script")):
        rule = script_rule(script.text or "", page_host)
        if rule:
            removed.append(Removal(rule, squash(script.text)[:SNIPPET_CHARS]))
            script.drop_tree()


def link_container(a):
    node = a.getparent()
    while node is not None and node.tag in P.INLINE_WRAPPERS and node.getparent() is not None:
        node = node.getparent()
    return node


def strip_offsite_clusters(root, page_host: str, removed: list[Removal]) -> None:
    """Several links to non-government hosts in one container that is mostly those links."""
    clusters: dict = {}
    for a in root.iter("a"):
        if is_spam_link_host(host_of(a.get("href")), page_host):
            clusters.setdefault(link_container(a), []).append(a)
    for container, links in clusters.items():
        if container is None or len(links) < P.CLUSTER_MIN_LINKS:
            continue
        link_chars = sum(len(squash(a.text_content())) for a in links)
        if link_chars < P.CLUSTER_MIN_LINK_TEXT_SHARE * len(squash(container.text_content())):
            continue
        text = " ".join(squash(a.text_content()) or host_of(a.get("href")) for a in links)
        removed.append(Removal("offsite_link_cluster", text[:SNIPPET_CHARS]))
        for a in links:
            wrapper = a.getparent()
            a.drop_tree()
            if wrapper is not None and wrapper.tag == "li" and not squash(wrapper.text_content()):
                wrapper.drop_tree()


# --- text rules ------------------------------------------------------------------------------------

def place_run_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for pattern, splitter, share in ((P.PLACE_PIPE_RUN, r"[|｜]", P.PLACE_PIPE_MIN_SHARE),
                                     (P.PLACE_SPACE_RUN, r"\s+", P.PLACE_SPACE_MIN_SHARE)):
        for m in pattern.finditer(text):
            names = [n.strip() for n in re.split(splitter, m.group()) if n.strip()]
            if sum(n[-1] in P.PLACE_SUFFIXES for n in names) >= share * len(names):
                spans.append(m.span())
    return spans


def lexicon_spans(text: str) -> list[tuple[int, int]]:
    """Each spam word widened to its clause (and one separator) unless the clause is a long sentence."""
    spans = []
    for m in LEXICON_RE.finditer(text):
        window = text[max(0, m.start() - P.CLAUSE_MAX_CHARS):m.start()]
        left = [s.end() for s in SEPARATOR.finditer(window)]
        right = SEPARATOR.search(text, m.end(), m.end() + P.CLAUSE_MAX_CHARS)
        start = m.start() - len(window) + left[-1] if left else (0 if m.start() <= P.CLAUSE_MAX_CHARS else None)
        end = right.end() if right else (len(text) if len(text) - m.end() <= P.CLAUSE_MAX_CHARS else None)
        if start is None or end is None or end - start > P.CLAUSE_MAX_CHARS:
            start, end = m.span()
        spans.append((start, end))
    return spans


def cut_spans(text: str, spans: list[tuple[int, int]], rule: str, removed: list[Removal]) -> str:
    """Remove the (merged) spans from text, one audit entry per merged span."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        removed.append(Removal(rule, squash(text[start:end])[:SNIPPET_CHARS]))
    for start, end in reversed(merged):
        text = text[:start] + text[end:]
    return text


def clean_text(text: str, removed: list[Removal]) -> str:
    if not HAN.search(text) and not LEXICON_RE.search(text):
        return text
    text = cut_spans(text, place_run_spans(text), "place_name_stuffing", removed)
    return cut_spans(text, lexicon_spans(text), "porn_gambling_lexicon", removed)


def clean_text_nodes(root, removed: list[Removal]) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in NO_TEXT_TAGS and el.text:
            text = clean_text(el.text, removed)
            if text != el.text:
                el.text = XML_INCOMPATIBLE.sub("", text)   # lxml refuses control characters on assignment
        parent = el.getparent()
        if el.tail and (parent is None or parent.tag not in NO_TEXT_TAGS):
            tail = clean_text(el.tail, removed)
            if tail != el.tail:
                el.tail = XML_INCOMPATIBLE.sub("", tail)


# --- mirrors ---------------------------------------------------------------------------------------

def visible_text(root) -> str:
    return squash(" ".join(root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")))


def mirror_evidence(root, page_host: str, soup_groups: int) -> list[str]:
    """Short reasons why this page is a spam mirror; empty when it is not."""
    text, title = visible_text(root), squash(root.findtext(".//title") or "")
    strong, weak = [], []
    pinyin = P.PINYIN_ANNOTATION.findall(text)
    if len(pinyin) >= P.MIRROR_MIN_PINYIN:
        strong.append(f"pinyin annotations: {len(pinyin)}")
    top_hits = lexicon_hits(f"{title} {text[:P.TOP_CHARS]}")
    if top_hits:
        strong.append("porn/gambling words in title or top: " + ", ".join(top_hits[:3]))
    elif lexicon_hits(text):
        weak.append("porn/gambling words in body: " + ", ".join(lexicon_hits(text)[:3]))
    if soup_groups >= P.SOUP_MIN_GROUPS_FOR_EVIDENCE:
        strong.append(f"random-id tag soup: {soup_groups} groups")
    judged = page_host and not is_local_host(page_host)
    site_domain = (root.xpath("string(//meta[translate(@name,'SITEDOMAIN','sitedomain')='sitedomain']/@content)") or "").strip().lower()
    if judged and is_gov_host(site_domain) and not is_gov_host(page_host):
        strong.append(f"SiteDomain {site_domain} is not the host {page_host}")
    if any(place_run_spans(t) for t in root.xpath("//body//text()")):
        weak.append("place-name stuffing")
    off_gov = bool(judged and not is_gov_host(page_host))
    if (off_gov and strong + weak) or len(strong) >= 2:
        return ([f"host {page_host} is not a government host"] if off_gov else []) + strong + weak
    return []


@lru_cache(maxsize=1)
def t2s_converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def deannotate(text: str) -> str:
    """Pinyin annotations out (關(guān) → 關, (gong)(gong) too), then traditional → simplified."""
    return t2s_converter().convert(P.PINYIN_ANNOTATION.sub("", text))


# --- the stage -------------------------------------------------------------------------------------

def drop_early_end_tags(html: str) -> str:
    """Keep only the last </body> and </html>: libxml2 drops what follows an early one, browsers don't.

    realpages/12_govcn_gongbao_detail.html: the header template ends in </html>, the 公报 body follows.
    """
    for pattern in (P.HTML_END, P.BODY_END):
        last = None
        for last in pattern.finditer(html):
            pass
        if last is not None:
            html = pattern.sub("", html[:last.start()]) + html[last.start():]
    return html


def tree_depth(root) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in el)
    return deepest


def parse_dom(html: str):
    """(document, "") or (None, reason) when parsing fails or would lose content."""
    try:
        root = lxml.html.document_fromstring(XML_DECLARATION.sub("", html))
    except (etree.ParserError, ValueError):
        return None, "unparsable"
    if tree_depth(root) >= MAX_PARSE_DEPTH:      # libxml2 silently drops everything deeper
        return None, "lossy_parse"
    return root, ""


def serialise(root) -> str:
    doctype = root.getroottree().docinfo.doctype
    return (doctype + "\n" if doctype else "") + etree.tostring(root, encoding="unicode", method="html")


def clean_page(html: str, url: str) -> SpamResult:
    """Remove 暗链 and injected text from a decoded page; tell whether it is a spam mirror."""
    removed: list[Removal] = []
    html = cut_script_wrapped_blocks(drop_early_end_tags(cut_after_html_end(html, removed)), removed)
    if not html.strip():
        return SpamResult(html, removed, [])
    if len(html) > MAX_DOM_CHARS:
        return SpamResult(html, removed, [], skipped="too_large")
    root, reason = parse_dom(html)
    if root is None:
        return SpamResult(html, removed, [], skipped=reason)
    page_host, before = host_of(url), len(removed)
    soup_groups = strip_tag_soup(root, removed)
    strip_hidden(root, page_host, removed)
    strip_spam_scripts(root, page_host, removed)
    strip_offsite_clusters(root, page_host, removed)
    evidence = mirror_evidence(root, page_host, soup_groups)
    clean_text_nodes(root, removed)
    if len(removed) > before:
        html = serialise(root)
    return SpamResult(deannotate(html) if evidence else html, removed, evidence)


class SpamStripPipeline:
    """Adapts clean_page to Scrapy; mirrors are flagged, not dropped (storage keeps them apart)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, ReportPage) or not item.html:
            return item
        result = clean_page(item.html, item.url)
        item.html = result.html
        item.spam_removed = [asdict(r) for r in result.removed]
        item.spam_mirror = bool(result.mirror_evidence)
        item.spam_evidence = list(result.mirror_evidence)
        for removal in result.removed:
            self.stats.inc_value(f"nianbao/spam/{removal.rule}")
        if result.skipped:
            self.stats.inc_value(f"nianbao/spam/skipped_{result.skipped}")
            logger.warning("Spam rules skipped on %s (%s)", item.url, result.skipped)
        if item.spam_mirror:
            self.stats.inc_value("nianbao/spam/mirror")
            logger.warning("Spam mirror %s: %s", item.url, "; ".join(item.spam_evidence))
        logger.debug("Spam stage removed %s pieces from %s", len(result.removed), item.url)
        return item
