"""Run the processing stages (everything before storage) in worker processes, so a crawl uses a 2nd core.

Needs: a ReportPage with its capture.  Sets: what the stages set (pipelines.chain.processing_stages).
NIANBAO_PROCESS_WORKERS > 0: this pipeline sends each page to a ProcessPoolExecutor and the in-process
stages switch themselves off (pipelines.stage.raise_if_offloaded); 0: this one is off and they run here.
The worker returns the page, its stats increments and its DropItem reason; the transient `_dom` tree never
crosses. At most IN_FLIGHT_PER_WORKER pages per worker are queued: the others wait in the scraper, which
stops reading new responses (back-pressure). A worker that dies or outlives PAGE_TIMEOUT fails that page
(storage records the exception as a failure) and the pool is replaced; a crawl never hangs on one.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import Settings

from crawler.items import ReportPage

logger = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 4
MIN_PAGE_TIMEOUT = 300.0           # seconds per page; attachments get 2x their own timeout on top
# Spawned, not forked: the crawler process runs a reactor and threads whose locks a fork would copy.
START_METHOD = "spawn"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"

_stages: list = []                 # per worker process: the stages, built once by init_worker


class WorkerCrashed(RuntimeError):
    """The worker process processing a page died (killed, out of memory, segfault in a parser)."""


class WorkerTimeout(RuntimeError):
    """A page took longer than the per-page limit in a worker; the pool was replaced."""


def workers_setting(settings) -> int:
    return max(settings.getint("NIANBAO_PROCESS_WORKERS", 0), 0)


def portable_settings(settings) -> dict:
    """The crawl's settings as plain data a spawned worker can rebuild them from (unpicklable ones left out)."""
    portable = {}
    for name, value in settings.copy_to_dict().items():
        try:
            pickle.dumps(value)
        except (pickle.PicklingError, TypeError, AttributeError):
            continue
        portable[name] = value
    return portable


def init_worker(values: dict) -> None:
    """Build the stages in a worker, in-process (workers 0), logging to the crawl's stderr or log file."""
    from pipelines.chain import processing_stages

    settings = Settings(values)
    settings.set("NIANBAO_REDIS_URL", "", priority=100)   # a worker only transforms pages: never joins a cluster
    log_file = settings.get("LOG_FILE")
    handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT") or LOG_FORMAT,
                                           settings.get("LOG_DATEFORMAT")))
    logging.basicConfig(level=settings.get("LOG_LEVEL") or "INFO", handlers=[handler])
    _stages[:] = processing_stages(settings)


def process_in_worker(page: ReportPage) -> tuple[ReportPage | None, dict, str | None, bool]:
    """(page or None, stats increments, DropItem reason or None, body_sent_back) for one page."""
    from pipelines.chain import process_page

    stats = _stages[0].stats if _stages else None
    if stats is not None:
        stats.clear_stats()
    body, reason = page.body, None
    try:
        page = process_page(page, _stages)
    except DropItem as drop:
        page, reason = None, str(drop)
    increments = dict(stats.get_stats()) if stats is not None else {}
    if page is None:
        return None, increments, reason, False
    page.__dict__.pop("_dom", None)            # an lxml tree: neither picklable nor wanted downstream
    unchanged_body = page.body is body
    if unchanged_body:
        page.body = b""                        # the crawler still holds these bytes: do not ship them back
    return page, increments, None, not unchanged_body


def new_pool(workers: int, values: dict) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(START_METHOD),
                               initializer=init_worker, initargs=(values,))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down without waiting on a stuck worker: its processes are terminated."""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # no public handle before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


class OffloadPipeline:
    """Scrapy adapter: awaits each page's processing in the worker pool; off when NIANBAO_PROCESS_WORKERS is 0."""

    def __init__(self, stats, workers: int, values: dict, page_timeout: float):
        self.stats = stats
        self.workers = workers
        self.values = values
        self.page_timeout = page_timeout
        self.pool: ProcessPoolExecutor | None = None
        self.slots: asyncio.Semaphore | None = None

    @classmethod
    def from_crawler(cls, crawler):
        workers = workers_setting(crawler.settings)
        if not workers:
            raise NotConfigured
        timeout = max(MIN_PAGE_TIMEOUT, 2 * crawler.settings.getfloat("NIANBAO_ATTACHMENT_TIMEOUT", 0) + 60)
        return cls(crawler.stats, workers, portable_settings(crawler.settings), timeout)

    async def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        if self.slots is None:
            self.slots = asyncio.Semaphore(self.workers * IN_FLIGHT_PER_WORKER)
        async with self.slots:
            page, increments, reason, body_sent_back = await self.run(item)
        for name, value in increments.items():
            if isinstance(value, (int, float)):
                self.stats.inc_value(name, value)
        if reason is not None:
            raise DropItem(reason)
        if not body_sent_back:
            page.body = item.body
        return page

    async def run(self, item: ReportPage):
        if self.pool is None:
            self.pool = new_pool(self.workers, self.values)
            logger.info("Processing pages in %d worker process(es)", self.workers)
        pool = self.pool
        try:
            future = pool.submit(process_in_worker, item)
            return await asyncio.wait_for(asyncio.wrap_future(future), self.page_timeout)
        except BrokenProcessPool as error:
            self.replace(pool)
            self.stats.inc_value("nianbao/offload/worker_crashed")
            logger.error("A processing worker died on %s; the page is recorded as failed", item.url)
            raise WorkerCrashed(item.url) from error
        except asyncio.TimeoutError as error:
            self.replace(pool)
            self.stats.inc_value("nianbao/offload/timeout")
            logger.error("Processing %s took over %s s; its worker was stopped", item.url, self.page_timeout)
            raise WorkerTimeout(item.url) from error

    def replace(self, pool: ProcessPoolExecutor) -> None:
        """Retire a broken or stuck pool once (several pages may fail on it); the next page starts a new one."""
        if self.pool is pool:
            self.pool = None
            stop_pool(pool)

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
