"""Spam mirrors: evidence that a page is a copy of a government page on someone else's host, and de-annotation."""
from __future__ import annotations

from functools import lru_cache

import opencc
from lxml import etree

from pipelines import spam_patterns as P
from pipelines.spam_hosts import is_gov_host, is_local_host
from pipelines.spam_text import lexicon_hits, place_run_spans
from pipelines.textutil import collapse_space as squash

# Plain strings (smart_strings=False): lxml's smart strings keep a reference to their parent, which costs.
VISIBLE_TEXTS = etree.XPath("//body//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False)
BODY_TEXTS = etree.XPath("//body//text()", smart_strings=False)
SITE_DOMAIN = etree.XPath("string(//meta[translate(@name,'SITEDOMAIN','sitedomain')='sitedomain']/@content)")


def visible_text(root) -> str:
    return squash(" ".join(VISIBLE_TEXTS(root)))


def content_evidence(root, text: str, soup_groups: int) -> tuple[list[str], list[str]]:
    """(strong, weak) signs of spam in what the page shows: pinyin, spam words, tag soup, place names."""
    title = squash(root.findtext(".//title") or "")
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
    return strong, weak


def mirror_evidence(root, page_host: str, soup_groups: int) -> list[str]:
    """Short reasons why this page is a spam mirror; empty when it is not."""
    strong, weak = content_evidence(root, visible_text(root), soup_groups)
    judged = page_host and not is_local_host(page_host)
    site_domain = (SITE_DOMAIN(root) or "").strip().lower()
    if judged and is_gov_host(site_domain) and not is_gov_host(page_host):
        strong.append(f"SiteDomain {site_domain} is not the host {page_host}")
    if any(place_run_spans(t) for t in BODY_TEXTS(root)):
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
