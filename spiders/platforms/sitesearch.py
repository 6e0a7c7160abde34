"""Site search as a fallback: the portal's own search form asked for 年报 when the walk found none (issue 4)."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from spiders.discovery import is_annual_report
from spiders.platforms import ListPage, Listing
from spiders.urls import canonical_url, in_scope, is_alternate_rendering

NAME = "sitesearch"
QUERY = "政府信息公开工作年度报告"
# Search engines shared by many portals: TRS was5, Hanweb jrobotfront, the igs 集约化 platform.
KNOWN_ENDPOINT = re.compile(r"/was5/web/search|/jrobotfront/search\.(?:action|do)|/igs/front/search\.s?html?", re.I)
# The same endpoints written out in a link or a script, up to their query word's "=".
ENDPOINT_IN_TEXT = re.compile(
    r"(?:https?://[\w.-]+(?::\d+)?)?(?:/[\w.-]+)*(?:/was5/web/search|/jrobotfront/search\.(?:action|do)"
    r"|/igs/front/search\.s?html?)\?(?:[^\s\"'<>?]*?(?:&|&amp;))?(?:searchword|q)=", re.I)
SEARCH_FIELD = re.compile(r"^(?:searchword|headSearchword|q|keyword|keywords|searchKey)$", re.I)
TEXT_TYPES = ("", "text", "search")


def form_requests(sel, url: str) -> list[ListPage]:
    """Each <form> that is a site search (action names "search", or a searchword field), asked for QUERY."""
    found = []
    for form in sel.xpath("//form") if sel is not None else []:
        action = (form.attrib.get("action") or "").strip()
        if not action or action.lower().startswith(("javascript:", "#", "mailto:")):
            continue
        fields, word = [], None
        for field in form.xpath(".//input[@name]"):
            name, kind = field.attrib["name"].strip(), (field.attrib.get("type") or "").strip().lower()
            if kind == "hidden":
                fields.append((name, field.attrib.get("value", "")))
            elif kind in TEXT_TYPES and name and word is None:
                word = name
        if word is None or not ("search" in action.lower() or SEARCH_FIELD.match(word)):
            continue
        fields.append((word, QUERY))
        target = urljoin(url, action).split("#", 1)[0]
        if (form.attrib.get("method") or "get").strip().upper() == "POST":
            found.append(ListPage(target, NAME, "POST", tuple(fields)))
        else:
            found.append(ListPage(with_query(target, fields), NAME))
    return found


def with_query(url: str, fields: list[tuple[str, str]]) -> str:
    """`url` with the form's fields appended to its own query (a GET form submission)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + fields
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def text_requests(text: str, url: str) -> list[ListPage]:
    """Known search endpoints written in links or scripts (`…/was5/web/search?searchword=` + the word)."""
    found = []
    for m in ENDPOINT_IN_TEXT.finditer((text or "")[:2_000_000]):
        found.append(ListPage(urljoin(url, m[0].replace("&amp;", "&")) + quote(QUERY), NAME))
    return found


def search_request(text: str, url: str, sel, root: str) -> ListPage | None:
    """The one site-search request for QUERY a page offers, in scope of the portal `root`; known engines first."""
    candidates = [page for page in form_requests(sel, url) + text_requests(text, url) if in_scope(page.url, root)]
    known = [page for page in candidates if KNOWN_ENDPOINT.search(urlsplit(page.url).path)]
    return (known or candidates or [None])[0]


def report_links(listing: Listing, root: str) -> list[tuple[str, str]]:
    """The result links the 年报 predicate accepts (title alone: a result page is no 年报 column), in scope."""
    found, seen = [], set()
    for url, text in listing.links:
        url = canonical_url(url)
        if url in seen or not in_scope(url, root) or is_alternate_rendering(url, text) or not is_annual_report(text):
            continue
        seen.add(url)
        found.append((url, text))
    return found


def result_pages(listing: Listing, search_url: str, limit: int) -> list[ListPage]:
    """At most `limit` further result pages: the pager's pages of the same search endpoint, in page order."""
    endpoint, pages = urlsplit(search_url)[1:3], []
    for page in listing.pages:
        url = canonical_url(page.url)
        if urlsplit(url)[1:3] == endpoint and url != canonical_url(search_url) and url not in {p.url for p in pages}:
            pages.append(ListPage(url, NAME))
    return pages[:max(limit, 0)]
