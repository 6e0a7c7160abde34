"""Per-portal counts a crawl keeps for its crawl report (pages fetched, reports, blocked hosts …)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crawler.items import utc_now


@dataclass
class PortalTally:
    portal: str
    requests: int = 0               # requests scheduled (navigation, lists, details, renders)
    pages_fetched: int = 0          # responses received
    reports_found: int = 0          # pages yielded as 年报
    attachments: int = 0            # report files recorded
    duplicates: int = 0             # 年报 pages skipped because their content was seen at another URL
    rendered: int = 0               # list pages rendered in the browser
    blocked_hosts: set[str] = field(default_factory=set)
    events: Counter = field(default_factory=Counter)

    def row(self) -> dict:
        return {"portal": self.portal, "requests": self.requests, "pages_fetched": self.pages_fetched,
                "reports_found": self.reports_found, "attachments": self.attachments,
                "duplicates": self.duplicates, "rendered": self.rendered,
                "blocked_hosts": sorted(self.blocked_hosts)}


class CrawlTally:
    """One tally per portal name, plus when the crawl started."""

    def __init__(self, spider: str):
        self.spider = spider
        self.started_at = utc_now()
        self.portals: dict[str, PortalTally] = {}

    def __getitem__(self, portal: str) -> PortalTally:
        if portal not in self.portals:
            self.portals[portal] = PortalTally(portal)
        return self.portals[portal]

    def rows(self) -> list[dict]:
        return [self.portals[name].row() for name in sorted(self.portals)]
