"""Spam rules on the parsed page: hidden blocks, tag soup, spam scripts, clusters of off-site links."""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from pipelines import spam_patterns as P
from pipelines.spam_hosts import host_of, is_spam_link_host
from pipelines.spam_mirror import visible_text
from pipelines.spam_text import SNIPPET_CHARS, Removal, lexicon_hits, unescape_js
from pipelines.textutil import collapse_space as squash

KEEP_TAGS = ("html", "head", "body")
ANCHOR_HOST = re.compile(r"<a\b[^>]*?href\s*=\s*['\"]?(?:https?:)?//([^/'\"\s>:]+)", re.I)
HIDDEN_MARKUP = re.compile(r"style\s*=\s*\\?['\"]?[^'\">]*(?:display\s*:\s*none|visibility\s*:\s*hidden|-\d{3,}px)", re.I)
STYLE_NOISE = re.compile(r"\s+|!important")
LENGTH = re.compile(r"(-?\d+(?:\.\d+)?)(px|pt|em|rem|%)?")
# Only these elements can match a hiding rule: the others are never looked at (most of a page).
HIDING_CANDIDATES = etree.XPath("//*[@hidden or @style] | //marquee | //noscript | //noframes")


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


# --- styles ----------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def parse_style(style: str) -> dict[str, str]:
    """Declarations by lower-cased name; cached (Word pages repeat a few styles thousands of times): read only."""
    decls = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            decls[name.strip().lower()] = STYLE_NOISE.sub("", value.lower())
    return decls


def length_px(value: str | None) -> float | None:
    m = LENGTH.fullmatch((value or "").strip().lower())
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


# --- hidden blocks and tag soup --------------------------------------------------------------------

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


def element_rule(el, page_host: str) -> str | None:
    """The rule hiding this element: by its attributes, as a tiny marquee, or as junk fallback content."""
    rule = hiding_rule(el)
    if rule is None and el.tag == "marquee" and is_tiny_marquee(el):
        rule = "tiny_marquee"
    if rule is None and el.tag in ("noscript", "noframes") and is_junk_fallback(el, page_host):
        rule = "noscript_junk"
    return rule


def strip_hidden(root, page_host: str, removed: list[Removal]) -> None:
    page_chars = None            # visible text before any drop, measured when a rule first hits
    last_dropped = None          # until something is dropped, every candidate is attached
    for el in HIDING_CANDIDATES(root):
        if el.tag in KEEP_TAGS or (last_dropped is not None and not is_attached(el, root)):
            continue
        rule = element_rule(el, page_host)
        if not rule:
            continue
        page_chars = page_chars or len(visible_text(root)) or 1
        if rule == "tiny_marquee" or not looks_like_hidden_content(el, page_chars):
            drop(el, rule, removed)
            last_dropped = el


def is_junk_fallback(el, page_host: str) -> bool:
    """<noframes> is obsolete; <noscript> is junk when it carries off-site links or spam words."""
    if el.tag == "noframes":
        return bool(squash(el.text_content()) or len(el))
    markup = etree.tostring(el, encoding="unicode", with_tail=False)
    return bool(lexicon_hits(markup)) or any(is_spam_link_host(h.lower(), page_host) for h in ANCHOR_HOST.findall(markup))


# --- scripts and link clusters ---------------------------------------------------------------------

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
