"""Strip injected spam (暗链) off the decoded page and recognise spam mirrors, before main-text selection.

Needs: html, url.  Sets: html, spam_removed, spam_mirror, spam_evidence (and hands the cleaned tree on, see
pipelines.textutil.hand_on_tree).  The rules live in spam_text (strings), spam_dom (the tree),
spam_hosts (link targets) and spam_mirror (mirror evidence, de-annotation).
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass

import lxml.html
from lxml import etree

from crawler.items import ReportPage
from pipelines.spam_dom import strip_hidden, strip_offsite_clusters, strip_spam_scripts, strip_tag_soup
from pipelines.spam_hosts import host_of
from pipelines.spam_mirror import deannotate, mirror_evidence
from pipelines.spam_text import (
    Removal, clean_text_nodes, cut_after_html_end, cut_script_wrapped_blocks, drop_early_end_tags,
)
from pipelines.textutil import hand_on_tree, html_parser, strip_comments
from pipelines.stage import StatsStage

logger = logging.getLogger(__name__)

MAX_DOM_CHARS = 20_000_000        # bigger pages only get the string rules (after_html_end, script_write)
MAX_PARSE_DEPTH = 250             # libxml2 drops everything below depth 255: never re-serialise that
MAX_HANDED_CHARS = 3_000_000      # later stages read at most this much (metadata's limit): longer pages they parse
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.I)
# Anything (element, comment, processing instruction) at depth MAX_PARSE_DEPTH, the root being depth 1.
_DEEP_PATH = "/*" * (MAX_PARSE_DEPTH - 1)
TOO_DEEP = etree.XPath(f"boolean({_DEEP_PATH}/* | {_DEEP_PATH}/comment() | {_DEEP_PATH}/processing-instruction())")


@dataclass(frozen=True)
class SpamResult:
    html: str                    # cleaned page (de-annotated and simplified when a mirror)
    removed: list[Removal]
    mirror_evidence: list[str]   # empty = not a mirror
    skipped: str = ""            # why the DOM rules did not run: "", "too_large", "unparsable", "lossy_parse"
    tree: object | None = None   # the cleaned tree of `html` without comments, when later stages may reuse it


def parse_dom(html: str):
    """(document, "") or (None, reason) when parsing fails or would lose content."""
    try:
        root = lxml.html.document_fromstring(XML_DECLARATION.sub("", html), parser=html_parser(keep_comments=True))
    except (etree.ParserError, ValueError):
        return None, "unparsable"
    if TOO_DEEP(root):                            # libxml2 silently drops everything deeper
        return None, "lossy_parse"
    return root, ""


def serialise(root) -> str:
    doctype = root.getroottree().docinfo.doctype
    return (doctype + "\n" if doctype else "") + etree.tostring(root, encoding="unicode", method="html")


def reusable_tree(root, html: str, mirror: bool):
    """The tree, comments dropped, when it is what later stages would parse from `html`; else None.

    Not for mirrors (their html is de-annotated after serialising), pages past MAX_HANDED_CHARS (later
    stages cut them) or NUL characters (later stages drop them before parsing).
    """
    if mirror or len(html) > MAX_HANDED_CHARS or "\x00" in html:
        return None
    strip_comments(root)
    return root


def clean_tree(root, url: str, removed: list[Removal]) -> list[str]:
    """Apply the DOM and text rules to a parsed page; return the mirror evidence."""
    page_host = host_of(url)
    soup_groups = strip_tag_soup(root, removed)
    strip_hidden(root, page_host, removed)
    strip_spam_scripts(root, page_host, removed)
    strip_offsite_clusters(root, page_host, removed)
    evidence = mirror_evidence(root, page_host, soup_groups)
    clean_text_nodes(root, removed)
    return evidence


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
    before = len(removed)
    evidence = clean_tree(root, url, removed)
    if len(removed) > before:
        html = serialise(root)
    if evidence:
        return SpamResult(deannotate(html), removed, evidence)
    return SpamResult(html, removed, evidence, tree=reusable_tree(root, html, False))


class SpamStripPipeline(StatsStage):
    """Adapts clean_page to Scrapy; mirrors are flagged, not dropped (storage keeps them apart)."""

    def process_item(self, item):
        if not isinstance(item, ReportPage) or not item.html:
            return item
        result = clean_page(item.html, item.url)
        item.html = result.html
        if result.tree is not None:
            hand_on_tree(item, result.tree)
        item.spam_removed = [asdict(r) for r in result.removed]
        item.spam_mirror = bool(result.mirror_evidence)
        item.spam_evidence = list(result.mirror_evidence)
        self.count(item, result)
        logger.debug("Spam stage removed %s pieces from %s", len(result.removed), item.url)
        return item

    def count(self, item, result: SpamResult) -> None:
        for removal in result.removed:
            self.stats.inc_value(f"nianbao/spam/{removal.rule}")
        if result.skipped:
            self.stats.inc_value(f"nianbao/spam/skipped_{result.skipped}")
            logger.warning("Spam rules skipped on %s (%s)", item.url, result.skipped)
        if item.spam_mirror:
            self.stats.inc_value("nianbao/spam/mirror")
            logger.warning("Spam mirror %s: %s", item.url, "; ".join(item.spam_evidence))
