"""End to end on a real redis-server: 1 and 3 workers plus the writer give the archive one `scrapy crawl` gives;
politeness holds across workers; a SIGKILLed worker or writer and a Redis restart lose nothing."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from crawler.portal_server import PortalHandler, PortalServer
from tests.conftest import FAST_POLITE, REPO, run_scrapy_crawl
from tests.test_cluster_redis import REDIS_SERVER, RedisServer

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (CI: apt-get install "
                                                                "redis-server)")

WORKER_SETTINGS = {**FAST_POLITE, "NIANBAO_ALLOW_PRIVATE_HOSTS": "1", "NIANBAO_RENDER_JS": "0",
                   "NIANBAO_REDIS_IDLE_SECONDS": "2", "NIANBAO_REDIS_LEASE_SECONDS": "10"}
PER_HOST = 2        # CONCURRENT_REQUESTS_PER_DOMAIN as shipped


class HostCounter:
    """Concurrent requests per Host header, and the peak, seen by the portal server."""

    def __init__(self):
        self.lock, self.now, self.peak = threading.Lock(), Counter(), Counter()

    def handler(self, delay: float):
        counter = self

        class CountingHandler(PortalHandler):
            def serve(self, send_body):
                host = (self.headers.get("Host") or "").split(":")[0]
                with counter.lock:
                    counter.now[host] += 1
                    counter.peak[host] = max(counter.peak[host], counter.now[host])
                try:
                    time.sleep(delay)        # long enough for requests of several workers to overlap
                    super().serve(send_body)
                finally:
                    with counter.lock:
                        counter.now[host] -= 1

        return CountingHandler


@pytest.fixture(scope="module")
def counted_portal():
    counter = HostCounter()
    with PortalServer() as server:
        server._httpd.RequestHandlerClass = counter.handler(0.05)
        yield server, counter


@pytest.fixture(scope="module")
def reference(counted_portal, tmp_path_factory):
    """The archive one machine writes without Redis."""
    server, _ = counted_portal
    db = tmp_path_factory.mktemp("single") / "single.db"
    result = run_scrapy_crawl(db, {"start_urls": server.url + "/index.html"},
                              {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1", "NIANBAO_RENDER_JS": "0"})
    assert result.returncode == 0, result.stderr[-2000:]
    return archive_summary(db)


def archive_summary(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        return {
            "reports": sorted(conn.execute("select url, sha256, year, title from reports")),
            "versions": sorted(conn.execute("select report_id, sha256 from versions")),
            "failures": sorted(conn.execute("select url, reason from failures")),
            "attachments": sorted(conn.execute("select url from attachments")),
            "warc_responses": sorted(conn.execute(      # distinct: every worker fetches robots.txt itself
                "select distinct url from warc_captures where record_type = 'response'")),
            "spam_mirrors": sorted(conn.execute("select url from spam_mirrors")),
        }


def child_env() -> dict:
    return {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}


def start_worker(redis: RedisServer, workdir: Path, name: str, **settings) -> subprocess.Popen:
    command = [sys.executable, "-m", "scrapy", "crawl", "reports", "-s", f"NIANBAO_REDIS_URL={redis.url}",
               "-s", f"NIANBAO_DB={workdir / 'worker.db'}", "-s", f"NIANBAO_REDIS_WORKER_ID={name}"]
    for key, value in {**WORKER_SETTINGS, **settings}.items():
        command += ["-s", f"{key}={value}"]
    log = open(workdir / f"{name}.log", "w")
    process = subprocess.Popen(command, cwd=REPO, env=child_env(), stdout=log, stderr=subprocess.STDOUT)
    process.log_path = Path(log.name)
    return process


def start_writer(redis: RedisServer, db: Path, log_name: str = "writer.log", idle: float = 4,
                 batch: int = 200) -> subprocess.Popen:
    command = [sys.executable, "-m", "crawler", "writer", "--redis", redis.url, "--db", str(db),
               "--idle-seconds", str(idle), "--batch", str(batch)]
    log = open(db.parent / log_name, "w")
    process = subprocess.Popen(command, cwd=REPO, env=child_env(), stdout=log, stderr=subprocess.STDOUT)
    process.log_path = Path(log.name)
    return process


def enqueue(redis: RedisServer, url: str) -> None:
    subprocess.run([sys.executable, "-m", "crawler", "enqueue", "--redis", redis.url, "--start-urls", url],
                   cwd=REPO, env=child_env(), check=True, capture_output=True, timeout=60)


def wait_all(processes, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        status = process.wait(timeout=max(1, deadline - time.monotonic()))
        assert status == 0, f"exit {status}; log tail:\n{log_tail(process)}"


def log_tail(process: subprocess.Popen, lines: int = 40) -> str:
    log = getattr(process, "log_path", None)
    return "".join(log.read_text("utf-8", "replace").splitlines(True)[-lines:]) if log else ""


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.mark.parametrize("workers", [1, 3], ids=["one_worker", "three_workers"])
def test_cluster_archive_equals_single_machine_archive(workers, redis, counted_portal, reference, tmp_path):
    server, counter = counted_portal
    enqueue(redis, server.url + "/index.html")
    counter.peak.clear()
    processes = [start_worker(redis, tmp_path, f"w{i}") for i in range(workers)] + \
                [start_writer(redis, tmp_path / "cluster.db")]
    wait_all(processes)
    assert archive_summary(tmp_path / "cluster.db") == reference
    assert counter.peak["127.0.0.1"] <= PER_HOST     # politeness is per host across the cluster, not per worker
    client = redis.client()
    assert client.llen("nianbao:reports:items") == 0 and client.zcard("nianbao:reports:leases") == 0


def test_killed_worker_and_writer_lose_nothing(redis, counted_portal, reference, tmp_path):
    server, _ = counted_portal
    enqueue(redis, server.url + "/index.html")
    client = redis.client()
    slow = start_worker(redis, tmp_path, "doomed", DOWNLOAD_DELAY="0.4", NIANBAO_REDIS_LEASE_SECONDS="3")
    wait_until(lambda: client.llen("nianbao:reports:items") >= 3 and client.zcard("nianbao:reports:leases") >= 1)
    slow.send_signal(signal.SIGKILL)                   # mid-crawl, holding leases
    slow.wait()
    writer = start_writer(redis, tmp_path / "cluster.db", "writer1.log", batch=2)
    wait_until(lambda: (tmp_path / "cluster.db").exists() and stored_items(tmp_path / "cluster.db") >= 2)
    writer.send_signal(signal.SIGKILL)                 # mid-run: a batch may sit in items:processing
    writer.wait()
    processes = [start_worker(redis, tmp_path, f"w{i}") for i in range(2)] + \
                [start_writer(redis, tmp_path / "cluster.db", "writer2.log")]
    wait_all(processes)
    assert archive_summary(tmp_path / "cluster.db") == reference
    assert "expired leases back on the frontier" in "".join(
        (tmp_path / f"w{i}.log").read_text() for i in range(2))


def stored_items(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("select count(*) from cluster_items").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_redis_restart_pauses_the_worker_and_keeps_the_frontier(redis, counted_portal, reference, tmp_path):
    server, _ = counted_portal
    enqueue(redis, server.url + "/index.html")
    client = redis.client()
    worker = start_worker(redis, tmp_path, "w0", DOWNLOAD_DELAY="0.3", NIANBAO_REDIS_LEASE_SECONDS="10")
    wait_until(lambda: client.llen("nianbao:reports:items") >= 3)
    redis.stop()                                       # AOF (appendfsync always) keeps queues and leases
    time.sleep(3)
    assert worker.poll() is None                       # paused, not crashed
    redis.start()
    wait_all([worker, start_writer(redis, tmp_path / "cluster.db")])
    assert archive_summary(tmp_path / "cluster.db") == reference
    log = (tmp_path / "w0.log").read_text()
    assert "unreachable" in log and "is back after" in log
