"""The processing stages in worker processes: same pages, stats and drops as in-process; crashes fail one page."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from archive.schema import open_archive
from crawler.items import ReportPage
from pipelines.chain import process_page, processing_stages
from pipelines.encoding import DecodePipeline
from pipelines.offload import OffloadPipeline, WorkerCrashed
from pipelines.statistics import StatisticsPipeline
from tests.conftest import run_scrapy_crawl

PAGES = Path(__file__).parent / "pages"
CORPUS_PAGE = PAGES / "corpus" / "trs_pingtan_2024.html"
URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm"
CRASH_MARKER = "crash-the-worker"


class CrashStage:
    """Test-only stage: kills its worker process on a marked URL, as a segfaulting parser would."""

    def process_item(self, item):
        if CRASH_MARKER in item.url:
            os._exit(3)
        return item


def offload_pipeline(workers: int = 1, extra: dict | None = None):
    settings = {"ITEM_PIPELINES": get_project_settings().getdict("ITEM_PIPELINES"), "NIANBAO_PROCESS_WORKERS": workers,
                **(extra or {})}
    return build_from_crawler(OffloadPipeline, get_crawler(settings_dict=settings))


def page(url: str = URL, body: bytes | None = None) -> ReportPage:
    return ReportPage(url=url, headers={"content-type": "text/html"},
                      body=CORPUS_PAGE.read_bytes() if body is None else body)


def offloaded(pipeline, item):
    async def run():
        try:
            return await pipeline.process_item(item)
        finally:
            pipeline.close_spider()
    return asyncio.run(run())


def test_worker_gives_the_same_page_as_in_process():
    expected = process_page(page(), processing_stages(get_project_settings()))
    pipeline = offload_pipeline()
    got = offloaded(pipeline, page())
    assert got == expected
    assert got.body == CORPUS_PAGE.read_bytes()
    assert pipeline.stats.get_value("nianbao/encoding/meta", 0) + pipeline.stats.get_value(
        "nianbao/encoding/detected", 0) + pipeline.stats.get_value("nianbao/encoding/header", 0) == 1


def test_drop_in_worker_raises_drop_item_with_its_reason():
    with pytest.raises(DropItem, match="undecodable"):
        offloaded(offload_pipeline(), page(body=b""))


def test_worker_crash_fails_that_page_and_the_next_page_gets_a_new_worker():
    pipelines = {**get_project_settings().getdict("ITEM_PIPELINES"), "tests.test_pipelines_offload.CrashStage": 150}
    pipeline = offload_pipeline(extra={"ITEM_PIPELINES": pipelines})

    async def run():
        try:
            with pytest.raises(WorkerCrashed):
                await pipeline.process_item(page(url="https://www.example.gov.cn/" + CRASH_MARKER))
            return await pipeline.process_item(page())
        finally:
            pipeline.close_spider()
    assert asyncio.run(run()).title
    assert pipeline.stats.get_value("nianbao/offload/worker_crashed") == 1


@pytest.mark.parametrize("item", [{"not": "a page"}, "text"], ids=["dict", "str"])
def test_other_items_pass_through(item):
    assert offloaded(offload_pipeline(), item) is item


@pytest.mark.parametrize("stage, workers, enabled", [
    (OffloadPipeline, 0, False), (OffloadPipeline, 2, True),
    (DecodePipeline, 0, True), (DecodePipeline, 1, False),     # the worker runs it instead
    (StatisticsPipeline, 0, True), (StatisticsPipeline, 1, False),
], ids=["offload-0", "offload-2", "decode-0", "decode-1", "statistics-0", "statistics-1"])
def test_exactly_one_side_runs_the_stages(stage, workers, enabled):
    crawler = get_crawler(settings_dict={"NIANBAO_PROCESS_WORKERS": workers})
    if enabled:
        assert build_from_crawler(stage, crawler)
    else:
        with pytest.raises(NotConfigured):
            build_from_crawler(stage, crawler)


def test_chain_runs_in_process_whatever_the_setting():
    settings = get_project_settings()
    settings.set("NIANBAO_PROCESS_WORKERS", 3)
    names = [type(stage).__name__ for stage in processing_stages(settings)]
    assert names[0] == "DecodePipeline" and "OffloadPipeline" not in names


def archive_rows(db_path: Path, portal_url: str) -> dict:
    db = open_archive(db_path)
    tables = {"reports": "url", "statistics": "report_id", "failures": "url"}
    volatile = {"fetched_at", "first_seen", "last_seen", "last_changed", "capture_id", "at", "warc_file", "warc_offset",
                "failure_id"}   # row ids follow arrival order, which load may change
    return {table: sorted(str({k: v for k, v in row.items() if k not in volatile}).replace(portal_url, "")
                          for row in db.query(f"select * from {table} order by {key}"))
            for table, key in tables.items()}


def test_offloaded_crawl_gives_the_same_archive_as_in_process(portal, tmp_path):
    archives = {}
    for workers in (0, 1):
        db_path = tmp_path / f"workers{workers}.db"
        result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"},
                                  {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1", "NIANBAO_PROCESS_WORKERS": str(workers)})
        assert result.returncode == 0, result.stderr[-3000:]
        archives[workers] = archive_rows(db_path, portal.url)
    assert archives[0]["reports"]
    assert archives[1] == archives[0]
