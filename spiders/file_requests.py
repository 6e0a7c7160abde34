"""The reports spider's requests for report files and what their replies become (design: spiders/attachments.py)."""
from __future__ import annotations

from crawler.items import Attachment
from spiders.attachments import attachment_item, pointer_report
from spiders.capture import report_page
from crawler.items import utc_now


class FileRequests:
    """ReportsSpider's part that records report files, fetches those that are the report, and reads replies."""

    def attachment(self, url: str, report_url: str, title: str, meta: dict, pointer_page=None, role: str = ""):
        """Record a report file; fetch it when it is the report (listed directly, or behind a pointer page),
        and other files of report pages with NIANBAO_FETCH_ATTACHMENTS (spiders/attachments.py)."""
        self.tally[meta["nianbao_portal"].name].attachments += 1
        self.crawler.stats.inc_value("nianbao/discovery/attachment")
        role = role or ("pointer" if pointer_page is not None else "extra")
        if (role != "extra" or self.settings.getbool("NIANBAO_FETCH_ATTACHMENTS")) and url not in self.seen_urls:
            yield self.follow(url, meta, nianbao_attachment_of=report_url, nianbao_list_title=title,
                              nianbao_attachment_role=role, nianbao_attachment_url=url,
                              nianbao_pointer_page=pointer_page)
        self.seen_urls.add(url)
        yield Attachment(url=url, report_url=report_url, title=title, spider=self.name,
                         portal=meta["nianbao_portal"].name, found_at=utc_now())

    def attachment_reply(self, response):
        """A fetched file: the report itself, the report of its pointer page, or a page's extra file."""
        meta = response.meta
        if meta.get("nianbao_attachment_role") == "report":
            yield report_page(response, self.name)
        elif meta.get("nianbao_pointer_page") is not None:
            yield pointer_report(meta["nianbao_pointer_page"], attachment_item(response, self.name, meta))
        else:
            yield attachment_item(response, self.name, meta)
