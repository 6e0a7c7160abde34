"""Hanweb jcms lists: records as CDATA in <datastore>, further records from jpage dataproxy.jsp (POST).

The column page embeds the first group of records and a <nextgroup> link whose query carries the
form fields; dataproxy.jsp?startrecord=&endrecord=&perpage= answers with the same <datastore> XML
(TrueCMS getMessage.do wraps that XML in JSONP: tests/pages/platforms/hanweb/haimen_truecms.jsonp).
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from spiders.platforms import MAX_LIST_PAGES, Listing, ListPage, anchor_links, selector

NAME = "hanweb"
DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
NEXT_GROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
PERPAGE = re.compile(r"perpage\s*[:=]\s*['\"]?(\d+)", re.I)
JSONP = re.compile(r"^\s*;?\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.S)
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def unwrap(text: str) -> str:
    """The datastore XML of a reply: as sent, or inside a JSONP/JSON `result` string."""
    m = JSONP.match(text or "")
    if m:
        try:
            value = json.loads(m[1])
        except ValueError:
            return text
        return value.get("result", "") if isinstance(value, dict) else str(value)
    return text or ""


def records(xml: str, url: str) -> list[tuple[str, str]]:
    """(URL, title) of every <record> anchor in a datastore."""
    links = []
    for fragment in RECORD.findall(xml):
        sel = selector(fragment)
        if sel is not None:
            links += anchor_links(sel, url)
    return links


def read(text: str, url: str, sel=None) -> Listing:
    """Records embedded in the column page, and POST requests for the groups after them."""
    store = DATASTORE.search(text or "")
    if not store:
        return Listing()
    links = records(store[1], url)
    return Listing(links=links, pages=further_groups(store[1], text, url, len(RECORD.findall(store[1]))))


def further_groups(store: str, text: str, url: str, shown: int) -> list[ListPage]:
    """dataproxy.jsp POSTs for records shown+1 … totalrecord, one group of `shown` records each."""
    total, nextgroup = TOTAL.search(store), NEXT_GROUP.search(store)
    if not total or not nextgroup or shown == 0:
        return []
    href = re.search(r"href=['\"]([^'\"]+)['\"]", html.unescape(nextgroup[1]))
    proxy = urljoin(url, urlsplit(href[1]).path if href else DATAPROXY)
    form = tuple((k, v) for k, v in parse_qsl(urlsplit(href[1]).query if href else "") if k != "page")
    perpage = int(m[1]) if (m := PERPAGE.search(text)) else shown
    pages, start = [], shown + 1
    while start <= int(total[1]) and len(pages) < MAX_LIST_PAGES:
        end = min(start + shown - 1, int(total[1]))
        pages.append(ListPage(f"{proxy}?startrecord={start}&endrecord={end}&perpage={perpage}", NAME,
                              method="POST", formdata=form))
        start = end + 1
    return pages


def read_reply(text: str, url: str) -> Listing:
    """A dataproxy.jsp (or TrueCMS JSONP) reply: its records; the groups were all requested up front."""
    return Listing(links=records(unwrap(text), url))
