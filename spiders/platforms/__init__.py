"""CMS list conventions: each module turns a list page into (link, title) pairs and further list pages.

A module has NAME and `read(text, url) -> Listing` for HTML pages; modules whose further pages are not
HTML (Hanweb dataproxy XML, gkmlpt JSON) also have `read_reply(text, url) -> Listing` for those replies.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

MAX_LIST_PAGES = 200            # a pager announcing more pages than this is a trap or a search result


@dataclass(frozen=True)
class ListPage:
    """A further page of a list: how to request it and which module reads the reply."""

    url: str
    platform: str
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] = ()
    render: bool = False        # only through the browser (scrapy-playwright)


@dataclass
class Listing:
    links: list[tuple[str, str]] = field(default_factory=list)   # (absolute URL, anchor text + title)
    pages: list[ListPage] = field(default_factory=list)
    needs_browser: bool = False

    def merge(self, other: "Listing") -> "Listing":
        seen = {url for url, _ in self.links}
        self.links += [(u, t) for u, t in other.links if u not in seen and not seen.add(u)]
        known = {page.url for page in self.pages}
        self.pages += [p for p in other.pages if p.url not in known and not known.add(p.url)]
        self.needs_browser = self.needs_browser or other.needs_browser
        return self


def selector(text: str) -> Selector | None:
    """A parsel Selector, or None for text lxml cannot parse at all."""
    try:
        return Selector(text=text or "<html></html>")
    except (ValueError, TypeError):
        return None


def lxml_root(sel: Selector | None):
    """The lxml tree under a Selector, or None (JSON or text selectors have none).

    Reading many nodes off the tree itself avoids wrapping each one in a Selector, which cost about
    a tenth of a crawl's CPU (benchmarks/crawl.py profile).
    """
    root = getattr(sel, "root", None)
    return root if hasattr(root, "iter") else None


def node_texts(sel: Selector, query: str) -> list[str]:
    """The strings an XPath query selects (text nodes, attributes), as plain str."""
    root = lxml_root(sel)
    return root.xpath(query, smart_strings=False) if root is not None else sel.xpath(query).getall()


def linked_elements(sel: Selector | None, *tags: str) -> list:
    """Elements of the given tags that carry an href, in page order."""
    root = lxml_root(sel)
    return [element for element in root.iter(*tags) if element.get("href") is not None] if root is not None else []


def anchor_links(sel: Selector, base_url: str) -> list[tuple[str, str]]:
    """(absolute URL, text + title) of every followable <a>/<area>, in page order."""
    from urllib.parse import urljoin

    links = []
    for anchor in linked_elements(sel, "a", "area"):
        href = anchor.get("href").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "file:")) or ":\\" in href:
            continue
        text = " ".join(anchor.itertext()) + " " + (anchor.get("title") or "")
        links.append((urljoin(base_url, href).split("#", 1)[0], " ".join(text.split())))
    return links


def read_listing(text: str, url: str, sel: Selector | None = None) -> Listing:
    """Everything an HTML page offers: its anchors plus what every convention finds in it.

    `sel` is the page already parsed (a Scrapy response's selector), to parse each page once.
    """
    from spiders.platforms import gkmlpt, hanweb, rendered, static, trs

    sel = sel if sel is not None else selector(text)
    listing = Listing(links=anchor_links(sel, url) if sel is not None else [])
    for module in (static, trs, hanweb, gkmlpt):
        listing.merge(module.read(text, url, sel))
    # A list API or pager found in the page beats a browser (domain.md §2.2: look for the endpoint first).
    listing.needs_browser = not listing.pages and rendered.needs_browser(text, sel, listing.links)
    return listing


def read_reply(platform: str, text: str, url: str, sel: Selector | None = None) -> Listing:
    """Read a non-HTML list reply with the module that asked for it."""
    from spiders.platforms import gkmlpt, hanweb

    readers = {hanweb.NAME: hanweb.read_reply, gkmlpt.NAME: gkmlpt.read_reply}
    if platform in readers:
        return readers[platform](text, url)
    return read_listing(text, url, sel)
