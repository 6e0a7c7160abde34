"""Whitespace, tag names and HTML parsing shared by the text stages, and the parsed tree they hand on."""
from __future__ import annotations

import re
from functools import lru_cache

import lxml.html
from lxml import etree

# Characters that are whitespace on the page: ASCII runs, &nbsp;, U+3000 (全角空格), zero-width ones.
WHITESPACE = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A line break between two CJK characters is source formatting (Word wraps its HTML, cells break
# "三、本<br>年度办<br>理结果"), not a space a reader sees: it is removed, not turned into " ".
CJK = "[\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\uff01-\uffef]"
CJK_BREAK = re.compile(rf"(?<={CJK})[ \t\r\u00a0\u3000]*\n\s*(?={CJK})")


def normalize_space(text: str) -> str:
    """Page text for a reader: control and zero-width characters out, CJK line wraps joined, runs to one space."""
    return WHITESPACE.sub(" ", CJK_BREAK.sub("", CONTROL.sub("", text))).strip()


def collapse_space(text: str | None) -> str:
    """Whitespace runs (U+3000, &nbsp;, newlines) to one space, stripped; nothing else changes.

    str.split() and the regex class \\s agree on every code point, so this equals re.sub(r"\\s+", " ", …).strip().
    """
    return " ".join(text.split()) if text else ""


def tag_of(node) -> str:
    """Lower-case local tag name; "" for comments and processing instructions."""
    tag = node.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def parse_html(html: str, max_chars: int, huge_tree: bool = False):
    """The first `max_chars` of a page as an lxml.html tree without comments, or None when nothing parses.

    huge_tree: Word-pasted pages nest hundreds of unclosed <font>; libxml2's default depth limit (256)
    silently drops everything below them.
    """
    if not html or not html.strip():
        return None
    data = html[:max_chars].encode("utf-8", "replace")     # libxml2 reads a NUL as U+FFFD
    try:
        return lxml.html.document_fromstring(data, parser=html_parser(huge_tree))
    except (etree.ParserError, etree.ParseError, ValueError):
        return None


# lxml.html's own lookup is Python code run for every element touched (~10% of the chain's time); this
# C-level one gives the same HtmlElement class (text_content, drop_tree), minus the form-field subclasses.
HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity)


@lru_cache(maxsize=4)
def html_parser(huge_tree: bool = False, keep_comments: bool = False) -> etree.HTMLParser:
    """A shared parser (Scrapy runs pipelines on one thread) building lxml.html elements."""
    parser = etree.HTMLParser(encoding="utf-8" if not keep_comments else None, remove_comments=not keep_comments,
                              remove_pis=not keep_comments, huge_tree=huge_tree)
    parser.set_element_class_lookup(HTML_CLASSES)
    return parser


def strip_comments(root) -> None:
    """Remove comments and processing instructions, tail text kept, as a parser with remove_comments would."""
    for node in root.xpath("//comment() | //processing-instruction()"):
        if node.getparent() is not None:
            node.drop_tree()


def hand_on_tree(item, root) -> None:
    """Give later stages the parsed tree of item.html (read-only for them); see ReportPage._dom."""
    item._dom = (item.html, root)


def handed_tree(item):
    """The tree an earlier stage parsed from exactly this item.html, or None (then parse it yourself)."""
    handed = getattr(item, "_dom", None)
    return handed[1] if handed and handed[0] is item.html else None
