"""Resume after a kill: a JOBDIR whose last run never closed cannot be trusted as Scrapy left it.

Scrapy writes its disk queue's state (requests.queue/active.json and the queue sizes) only when a crawl
closes, and buffers requests.seen: after a SIGKILL the queue is lost while some fingerprints on disk name
requests whose pages were never stored, so a plain restart would skip them for good. The JobDirGuard
extension keeps a marker in JOBDIR (nianbao-job.json): "running" while a crawl runs, cleared when it closes
(Ctrl-C pauses stay resumable the Scrapy way). Found "running" at start, the job was killed: the scheduler
state is dropped and the walk starts over, while reports the killed run already stored are not fetched
again (spiders/refresh.py asks killed_job_started_at). The archive itself needs no repair: each item is one
SQLite transaction, and torn WARC tails are cut by crawler/warc_middleware.py at start.
"""
from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.items import utc_now

logger = logging.getLogger(__name__)

MARKER = "nianbao-job.json"
SCHEDULER_STATE = ("requests.seen", "requests.queue")   # what Scrapy's scheduler and dupefilter keep in JOBDIR


@dataclass(frozen=True)
class JobState:
    started_at: str                 # when the job's first run started (UTC, ISO 8601)
    killed: bool                    # the previous run never closed: its scheduler state was dropped


def read_marker(jobdir: Path) -> dict:
    try:
        marker = json.loads((jobdir / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def write_marker(jobdir: Path, marker: dict) -> None:
    tmp = jobdir / (MARKER + ".tmp")
    tmp.write_text(json.dumps(marker, sort_keys=True), "utf-8")
    tmp.replace(jobdir / MARKER)     # atomic: a kill never leaves half a marker


def open_job(jobdir: Path, now: str) -> JobState:
    """Start (or resume) the job in jobdir: drop the scheduler state a killed run left, mark the job running."""
    jobdir.mkdir(parents=True, exist_ok=True)
    marker = read_marker(jobdir)
    killed = bool(marker.get("running"))
    if killed:
        for name in SCHEDULER_STATE:
            path = jobdir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    state = JobState(started_at=str(marker.get("started_at") or now), killed=killed)
    write_marker(jobdir, {"started_at": state.started_at, "running": True, "resumed_after_kill": killed})
    return state


def close_job(jobdir: Path) -> None:
    """The run closed (finished or paused): Scrapy's own JOBDIR state is complete again."""
    marker = read_marker(jobdir)
    write_marker(jobdir, {**marker, "running": False, "resumed_after_kill": False})


def killed_job_started_at(settings) -> str:
    """The start of the job this run resumes after a kill, or "" (no JOBDIR, a fresh job, a clean resume)."""
    jobdir = settings.get("JOBDIR")
    if not jobdir:
        return ""
    marker = read_marker(Path(jobdir))
    return str(marker.get("started_at") or "") if marker.get("resumed_after_kill") else ""


class JobDirGuard:
    """Extension: runs before the scheduler opens JOBDIR, so its cleanup comes first."""

    def __init__(self, jobdir: Path, stats):
        self.jobdir = jobdir
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured("no JOBDIR")
        guard = cls(Path(jobdir), crawler.stats)
        state = open_job(guard.jobdir, utc_now())
        if state.killed:
            logger.warning("JOBDIR %s was left by a killed crawl (started %s): its request queue is dropped and "
                           "the walk restarts; reports already stored are not fetched again", jobdir, state.started_at)
            crawler.signals.connect(guard.count_killed, signal=signals.spider_opened)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def count_killed(self, spider=None):
        self.stats.set_value("nianbao/resume/killed_job", 1)

    def spider_closed(self, spider=None, reason=""):
        close_job(self.jobdir)
