"""JSON list APIs found from the page's script, e.g. Guangdong gkmlpt `/gkmlpt/api/all/<cat>?page=N&sid=`."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from spiders.platforms import MAX_LIST_PAGES, Listing, ListPage

NAME = "gkmlpt"
API_URL = re.compile(r"""["']((?:https?://[^"'\s]+)?/gkmlpt/api/all/\d+(?:\?[^"'\s]*)?)["']""")
SITE_ID = re.compile(r"""\b(?:SID|sid|siteId)\s*[:=]\s*["']?(\w+)""")
TITLE_KEYS = ("title", "name")
URL_KEYS = ("url", "post_url", "link", "href")


def with_page(url: str, page: int, sid: str = "") -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["page"] = str(page)
    if sid and "sid" not in query:
        query["sid"] = sid
    return urlunsplit(parts._replace(query=urlencode(query)))


def read(text: str, url: str, sel=None) -> Listing:
    """Page 1 of every list API the page's script names."""
    text = text or ""
    if "/gkmlpt/api/" not in text:   # a substring test is ~100× cheaper than API_URL over every quote
        return Listing()
    sid = m[1] if (m := SITE_ID.search(text)) else ""
    apis = dict.fromkeys(urljoin(url, api) for api in API_URL.findall(text))
    return Listing(pages=[ListPage(with_page(api, 1, sid), NAME) for api in apis])


def articles(data) -> list[dict]:
    if isinstance(data, dict):
        for key in ("articles", "data", "list", "results"):
            if isinstance(data.get(key), list):
                return [a for a in data[key] if isinstance(a, dict)]
            if isinstance(data.get(key), dict):
                return articles(data[key])
    return []


def read_reply(text: str, url: str) -> Listing:
    """Articles of one API page; page 1 also asks for the other pages (from `total`, else the next one)."""
    try:
        data = json.loads(text or "null")
    except ValueError:
        return Listing()
    items = articles(data)
    links = [(urljoin(url, next(str(a[k]) for k in URL_KEYS if a.get(k))),
              next((str(a[k]) for k in TITLE_KEYS if a.get(k)), "")) for a in items if any(a.get(k) for k in URL_KEYS)]
    page = int(dict(parse_qsl(urlsplit(url).query)).get("page", "1") or 1)
    return Listing(links=links, pages=other_pages(data, url, page, len(items)))


def other_pages(data, url: str, page: int, shown: int) -> list[ListPage]:
    total = data.get("total") if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(data.get("classify"), dict):
        total = total or data["classify"].get("post_count")
    if not shown:
        return []                         # an empty page ends the list
    if page == 1 and isinstance(total, int):
        count = min(-(-total // shown), MAX_LIST_PAGES)
        return [ListPage(with_page(url, n), NAME) for n in range(2, count + 1)]
    if total is None and page < MAX_LIST_PAGES:
        return [ListPage(with_page(url, page + 1), NAME)]
    return []
