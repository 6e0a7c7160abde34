"""What the reports spider records when a portal blocks it (anti-bot challenge) or a request fails."""
from __future__ import annotations

from crawler.items import CrawlFailure
from spiders.challenges import challenge_kind
from spiders.failures import describe_failure
from crawler.items import utc_now
from spiders.urls import portal_origin


class FailureReplies:
    """ReportsSpider's part for challenge pages and failed requests: a CrawlFailure each, with a stat."""

    def blocked(self, url: str, kind: str, status: int, portal) -> CrawlFailure:
        self.tally[portal.name].blocked_hosts.add(portal_origin(url))
        self.crawler.stats.inc_value("nianbao/discovery/blocked")
        self.logger.warning("Anti-bot challenge (%s, HTTP %s) on %s: recorded as blocked", kind, status, url)
        return CrawlFailure(url=url, stage="download", reason="blocked", detail=f"{kind} challenge, HTTP {status}",
                            spider=self.name, portal=portal.name, at=utc_now())

    def on_error(self, failure):
        request, portal = failure.request, failure.request.meta.get("nianbao_portal")
        response = getattr(failure.value, "response", None)
        if response is not None and portal and (kind := challenge_kind(response.status, response.body)):
            yield self.blocked(request.url, kind, response.status, portal)
            return
        stage, reason, detail = describe_failure(failure)
        self.logger.warning("Could not capture %s: %s (%s)", request.url, reason, detail)
        self.crawler.stats.inc_value(f"nianbao/{stage}/{reason}")
        yield CrawlFailure(url=request.url, stage=stage, reason=reason, detail=detail, spider=self.name,
                           portal=portal.name if portal else "", at=utc_now())
        if request.meta.get("nianbao_pointer_page") is not None:   # file lost: the page goes on alone
            yield request.meta["nianbao_pointer_page"]
