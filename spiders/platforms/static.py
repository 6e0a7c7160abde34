"""Static pagers: index_N.html, ?page=N and 下一页/尾页 links (the pages exist as plain <a> links)."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from spiders.platforms import Listing, ListPage, linked_elements

NAME = "static"
PAGER_WORDS = re.compile(r"^(?:下一页|下页|后一页|尾页|末页|最后一页|next|last|>|»|>>)$", re.I)
NUMBERED_PAGE = re.compile(r"(?:index|list|default)_\d+\.s?html?$|[?&](?:page|pageNo|pageIndex|curPage|p)=\d+", re.I)


def read(text: str, url: str, sel) -> Listing:
    """Pager links: anchors named 下一页/尾页…, or numbered anchors pointing at index_N / ?page=N."""
    if sel is None:
        return Listing()
    pages = []
    for anchor in linked_elements(sel, "a"):
        href = anchor.get("href").strip()
        label = "".join(anchor.itertext()).strip()
        if href.startswith(("javascript:", "#")):
            continue
        if PAGER_WORDS.match(label) or (label.isdigit() and NUMBERED_PAGE.search(href)):
            target = urljoin(url, href).split("#", 1)[0]
            if target != url:
                pages.append(ListPage(target, NAME))
    return Listing(pages=pages)
