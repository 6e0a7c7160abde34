"""The Redis frontier against a real redis-server: dedupe, leases that expire, give-up, per-host slots, writer."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from crawler import cluster_codec as codec
from crawler.items import CrawlFailure, ReportPage
from crawler.redis_frontier import Frontier, Keys

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (CI: apt-get install "
                                                              "redis-server)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A real redis-server on 127.0.0.1, random port, AOF in a tmp dir (so a restart keeps the queues)."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory, self.port, self.process = Path(directory), port or free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (CI: apt-get install redis-server)")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def frontier(redis_server):
    return Frontier(redis_server.client(), Keys.for_spider("test"))


@needs_redis
def test_seen_fingerprint_is_queued_once_unless_dont_filter(frontier):
    assert frontier.enqueue("fp1", "{}") is True
    assert frontier.enqueue("fp1", "{}") is False
    assert frontier.enqueue("fp1", "{}", dont_filter=True) is True
    assert frontier.frontier_sizes() == (2, 0)


@needs_redis
def test_higher_priority_leased_first_then_fifo(frontier):
    for name, priority in (("a", 0), ("b", 10), ("c", 0), ("d", 10)):
        frontier.enqueue(name, name, priority)
    assert [frontier.lease(30, 3).payload for _ in range(4)] == ["b", "d", "a", "c"]
    assert frontier.frontier_sizes() == (0, 4)


@needs_redis
def test_unacked_lease_is_handed_out_again_after_it_expires(frontier):
    frontier.enqueue("fp", "request")
    first = frontier.lease(0.2, 3)
    assert frontier.lease(0.2, 3) is None            # still leased
    time.sleep(0.3)
    again = frontier.lease(0.2, 3)
    assert (again.id, again.payload, again.attempt, again.requeued) == (first.id, "request", 2, 1)
    frontier.ack(again.id)
    time.sleep(0.3)
    assert frontier.lease(0.2, 3) is None and frontier.frontier_sizes() == (0, 0)


@needs_redis
def test_renewed_lease_does_not_expire(frontier):
    frontier.enqueue("fp", "request")
    lease = frontier.lease(0.3, 3)
    for _ in range(3):
        time.sleep(0.15)
        frontier.renew(0.3, [lease.id])
    assert frontier.lease(0.3, 3) is None


@needs_redis
def test_request_leased_too_often_is_given_up(frontier):
    frontier.enqueue("fp", "request")
    for _ in range(2):
        assert frontier.lease(0.05, 2).attempt <= 2
        time.sleep(0.1)
    last = frontier.lease(0.05, 2)
    assert last.attempt == 3 and last.payload == "request"     # the caller records it as a failure
    assert frontier.frontier_sizes() == (0, 0)


@needs_redis
def test_redirect_acks_its_parent_lease_with_the_new_request(frontier):
    frontier.enqueue("fp", "first")
    lease = frontier.lease(30, 3)
    frontier.enqueue("fp2", "redirected", parent_lease=lease.id)
    assert frontier.frontier_sizes() == (1, 0)


@needs_redis
def test_host_slots_are_shared_and_expire(frontier):
    assert frontier.acquire_host("h", 2, 0, 0.3, "t1") == 0
    assert frontier.acquire_host("h", 2, 0, 0.3, "t2") == 0
    assert frontier.acquire_host("h", 2, 0, 0.3, "t3") > 0     # a third request on h waits, on any worker
    assert frontier.acquire_host("other", 2, 0, 0.3, "t4") == 0
    frontier.release_host("h", "t1")
    assert frontier.acquire_host("h", 2, 0, 0.3, "t3") == 0
    time.sleep(0.35)                                           # a dead worker's slots free themselves
    assert frontier.acquire_host("h", 2, 0, 0.3, "t5") == 0


@needs_redis
def test_host_delay_is_shared(frontier):
    assert frontier.acquire_host("h", 5, 0.5, 5, "t1") == 0
    assert 0 < frontier.acquire_host("h", 5, 0.5, 5, "t2") <= 500


@needs_redis
def test_writer_killed_after_commit_stores_nothing_twice(redis_server, tmp_path):
    from archive.schema import open_archive
    from crawler.cluster_writer import Writer

    server, keys = redis_server.client(), Keys.for_spider("test")
    pages = [ReportPage(url=f"http://127.0.0.1/{i}.html", text=f"报告{i}", body=b"<p>x</p>") for i in range(3)]
    for item in pages + [CrawlFailure(url="http://127.0.0.1/x", stage="download", reason="http_500")]:
        server.rpush(keys.items, codec.encode_item(item))
    db = open_archive(tmp_path / "a.db")
    writer = Writer(server, db, keys, idle_seconds=0, batch_size=2)
    batch = writer.take_batch()
    from crawler.cluster_writer import store_batch
    store_batch(writer.pipeline, batch)          # committed, then "killed" before the items leave Redis
    again = Writer(server, db, keys, idle_seconds=0, batch_size=2)
    totals = again.run()
    assert totals["already_stored"] == 2 and totals["ReportPage"] + totals["CrawlFailure"] == 2
    assert db["reports"].count == 3 and db["captures"].count == 3 and db["failures"].count == 1
    assert server.llen(keys.items) == 0 and server.llen(keys.items_processing) == 0


@needs_redis
def test_second_writer_is_refused(redis_server, tmp_path):
    from archive.schema import open_archive
    from crawler.cluster_writer import Writer, WriterBusy

    server, keys = redis_server.client(), Keys.for_spider("test")
    Writer(server, open_archive(tmp_path / "a.db"), keys, name="one").hold_lock()
    with pytest.raises(WriterBusy):
        Writer(server, open_archive(tmp_path / "b.db"), keys, name="two").step()
