"""A request done twice (its lease expired while a stalled worker still held it) or reached out of order must
give the archive the same reports: what a page is never depends on which worker or which request came first."""
from __future__ import annotations

import asyncio
import copy
import time

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.cluster import LeaseSpiderMiddleware
from crawler.cluster_pipeline import RedisItemPipeline
from crawler.cluster_politeness import HostSlotMiddleware
from crawler.cluster_worker import GIVE_UP_META, LEASE_META, ClusterConfig, ClusterWorker, LeaseAttemptsExhausted
from crawler.portal_server import SAMPLE_PORTAL
from crawler.portals import Portal
from crawler.redis_frontier import Frontier, Keys
from spiders.reports import ReportsSpider
from spiders.urls import portal_origin
from tests.test_cluster_redis import needs_redis, redis_server  # noqa: F401 - fixture

HOST = "http://127.0.0.2:8080"
PORTAL = Portal("示例县", HOST + "/index.html", "county", "")


def page_response(path: str, **meta) -> HtmlResponse:
    """A 年报 page of the sample portal, reached from its 年报 list as the spider would reach it."""
    url = HOST + path
    meta = {"nianbao_portal": PORTAL, "nianbao_depth": 2, "nianbao_root": portal_origin(url),
            "nianbao_platform": "", "nianbao_list_title": "", **meta}
    body = (SAMPLE_PORTAL / path.lstrip("/")).read_bytes()
    return HtmlResponse(url, body=body, request=Request(url, meta=meta))


def new_spider(seen_content: dict) -> ReportsSpider:
    """One worker's spider; `seen_content` stands for the digests the cluster shares in Redis."""
    crawler = get_crawler(ReportsSpider, settings_dict={"NIANBAO_DB": "/nonexistent/x.db"})
    spider = ReportsSpider.from_crawler(crawler, start_urls=PORTAL.url)
    spider.seen_content = seen_content
    return spider


def report_requests(outputs) -> list[str]:
    return [o.url for o in outputs if isinstance(o, Request) and o.meta.get("nianbao_attachment_role") == "report"]


@pytest.mark.parametrize("path", [
    "/zwgk/xxgknb/202503/t20250328_1017.html",   # full report page + its .docx: the docx must not become a report
    "/zwgk/xxgknb/202402/t20240205_0970.html",   # pointer page: its PDF is the page's report, not one of its own
    "/zwgk/xxgknb/202402/t20240206_0971.html",   # pointer page through downfile.jsp
], ids=["full_page_docx", "pointer_pdf", "pointer_downfile"])
def test_a_report_page_seen_before_never_turns_its_file_into_a_report(path):
    shared: dict = {}
    first = list(new_spider(shared).parse(page_response(path)))
    assert not report_requests(first)
    # The same content claimed first at another URL (a copy of the page, or an earlier claim in the cluster):
    digest = next(iter(shared))
    again = list(new_spider({digest: HOST + "/elsewhere.html"}).parse(page_response(path)))
    assert not report_requests(again)


@pytest.mark.parametrize("path", ["/zwgk/xxgknb/202503/t20250328_1017.html", "/zwgk/xxgknb/202402/t20240205_0970.html"],
                         ids=["full_page", "pointer_page"])
def test_a_redone_page_gives_the_items_and_requests_of_the_first_attempt(path):
    shared: dict = {}
    first = list(new_spider(shared).parse(page_response(path)))      # worker A, then its lease expires
    redo = list(new_spider(shared).parse(page_response(path)))       # worker B does the request again
    shape = [(type(o).__name__, o.url, o.meta.get("nianbao_attachment_role") if isinstance(o, Request) else "")
             for o in first]
    assert [(type(o).__name__, o.url, o.meta.get("nianbao_attachment_role") if isinstance(o, Request) else "")
            for o in redo] == shape


@needs_redis
def test_lease_is_acked_when_a_pipeline_hands_on_another_item_object(redis_server):  # noqa: F811
    """pipelines/offload.py returns the page processed in another process: a new object, same lease."""
    worker = ClusterWorker(ClusterConfig(url=redis_server.url, lease_seconds=30), "test")
    worker.frontier.enqueue("fp", '{"url": "http://x/"}')
    lease = worker.frontier.lease(30, 3)
    worker.held.add(lease.id)
    response = page_response("/zwgk/xxgknb/202501/t20250120_1001.html", **{LEASE_META: lease.id})
    page = next(o for o in new_spider({}).parse(response) if type(o).__name__ == "ReportPage")

    async def callback_output():
        yield page

    async def run_middleware():
        return [o async for o in LeaseSpiderMiddleware(worker).process_spider_output(response, callback_output())]

    asyncio.run(run_middleware())
    assert lease.id in worker.held                    # yielded, not yet stored
    pipeline = RedisItemPipeline(worker, get_crawler())
    pipeline.item_scraped(copy.copy(page), response)
    assert lease.id not in worker.held
    assert redis_server.client().zcard("nianbao:test:leases") == 0


def test_a_pointer_file_given_up_lets_its_page_go_on_alone():
    """Leased too often (stalled workers): the file request fails through its errback like a lost download,
    so the pointer page it carries is stored with its own text instead of vanishing with the request."""
    spider = new_spider({})
    outputs = list(spider.parse(page_response("/zwgk/xxgknb/202402/t20240205_0970.html")))
    file_request = next(o for o in outputs if isinstance(o, Request))
    file_request.meta[GIVE_UP_META] = 3
    with pytest.raises(LeaseAttemptsExhausted) as raised:
        asyncio.run(HostSlotMiddleware(None, 2, 0.0, None).process_request(file_request))
    failure = Failure(raised.value)
    failure.request = file_request
    replies = list(spider.on_error(failure))
    assert [type(reply).__name__ for reply in replies] == ["CrawlFailure", "ReportPage"]
    assert replies[0].reason == "lease_attempts_exhausted" and replies[1].url == file_request.meta["nianbao_attachment_of"]


@needs_redis
def test_leases_outlive_a_reactor_blocked_longer_than_the_lease(redis_server):  # noqa: F811
    """A processing stage may block the reactor (a big PDF: NIANBAO_ATTACHMENT_TIMEOUT is 120 s, leases 30 s):
    the renewal thread keeps the worker's leases, so its requests are not done again by the others."""
    worker = ClusterWorker(ClusterConfig(url=redis_server.url, lease_seconds=1), "test")
    worker.frontier.enqueue("fp", '{"url": "http://x/"}')
    lease = worker.frontier.lease(1, 3)
    worker.held.add(lease.id)
    worker.start_renewing()
    try:
        time.sleep(2.5)                                # the reactor thread is busy: no heartbeat runs
        other = Frontier(redis_server.client(), Keys.for_spider("test")).lease(1, 3)
        assert other is None                          # nothing expired, nothing handed out again
    finally:
        worker.stop_renewing()
