"""TRS WCM list pages: items in <a> tags, further pages announced only by createPageHTML()."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from spiders.platforms import MAX_LIST_PAGES, Listing, ListPage

NAME = "trs"
# createPageHTML(count, current, "index", "html"): 0-based pages index.html, index_1.html … index_{count-1}.html.
CREATE_PAGE = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")


def read(text: str, url: str, sel=None) -> Listing:
    """The other pages of a TRS list, from the pager script; none for single-page lists and articles."""
    m = CREATE_PAGE.search(text or "")
    if not m:
        return Listing()
    count, current, stem, ext = min(int(m[1]), MAX_LIST_PAGES), int(m[2]), m[3], m[4]
    name = (lambda i: f"{stem}.{ext}" if i == 0 else f"{stem}_{i}.{ext}")
    return Listing(pages=[ListPage(urljoin(url, name(i)), NAME) for i in range(count) if i != current])
