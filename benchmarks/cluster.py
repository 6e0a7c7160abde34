"""Cluster benchmark: pages/s with 1, 2, 3 Redis workers (+ the writer), peak concurrent requests per host,
and Redis memory per 100k queued requests. Needs redis-server (apt-get install redis-server).

Each copy of the sample portal gets its own loopback host (127.0.0.2, 127.0.0.3 …) answering after a small
delay (a stand-in for a distant server), so per-host politeness applies as it would to real portals.
Example: python benchmarks/cluster.py --copies 8 --workers 1 2 3
Short leases on a loaded machine (--lease-seconds 1) exercise requests done twice: reports must stay the same.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler import cluster_codec as codec  # noqa: E402
from crawler.portal_server import PortalServer  # noqa: E402
from crawler.redis_frontier import Frontier, Keys  # noqa: E402
from tests.test_cluster_crawl import HostCounter, enqueue, start_worker, start_writer  # noqa: E402
from tests.test_cluster_redis import RedisServer  # noqa: E402

BENCH_SETTINGS = {"LOG_LEVEL": "INFO", "NIANBAO_REDIS_IDLE_SECONDS": "2", "NIANBAO_REDIS_LEASE_SECONDS": "30"}


def drained(client) -> bool:
    keys = Keys.for_spider()
    return (client.zcard(keys.queue) + client.zcard(keys.leases) + client.llen(keys.items)
            + client.llen(keys.items_processing)) == 0


def crawl(workers: int, copies: int, delay: float, lease_seconds: float = 30) -> dict:
    counter = HostCounter()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        redis = RedisServer(tmp / "redis").start()
        stack.callback(redis.stop)
        servers = [stack.enter_context(PortalServer(host=f"127.0.0.{i + 2}")) for i in range(copies)]
        for server in servers:
            server._httpd.RequestHandlerClass = counter.handler(delay)
        for server in servers:
            enqueue(redis, server.url + "/index.html")
        client = redis.client()
        started = time.perf_counter()
        settings = {**BENCH_SETTINGS, "NIANBAO_REDIS_LEASE_SECONDS": str(lease_seconds)}
        processes = [start_worker(redis, tmp, f"w{i}", **settings) for i in range(workers)]
        processes.append(start_writer(redis, tmp / "cluster.db", idle=2))
        time.sleep(1)
        while not drained(client):
            time.sleep(0.05)
        wall = time.perf_counter() - started
        for process in processes:
            process.wait(timeout=120)
        pages = sum(len(server.requested) for server in servers)
        import sqlite3
        with sqlite3.connect(tmp / "cluster.db") as conn:
            reports = conn.execute("select count(*) from reports").fetchone()[0]
            failures = dict(conn.execute("select reason, count(*) from failures group by reason"))
        expired = sum((tmp / f"w{i}.log").read_text().count("expired leases back") for i in range(workers))
    return {"workers": workers, "portals": copies, "pages": pages, "reports": reports, "failures": failures,
            "lease_expiry_events": expired, "seconds": round(wall, 2),
            "pages_per_second": round(pages / wall, 1), "peak_per_host": max(counter.peak.values())}


def queue_memory(count: int = 100_000) -> dict:
    """Redis used_memory growth for `count` queued requests shaped like the spider's detail-page requests."""
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis").start()
        try:
            client = redis.client()
            frontier = Frontier(client, Keys.for_spider())
            before = client.info("memory")["used_memory"]
            for start in range(0, count, 1000):
                with client.pipeline(transaction=False) as pipe:
                    for i in range(start, start + 1000):
                        url = f"https://www.example{i % 500}.gov.cn/zwgk/xxgknb/2025{i % 12:02d}/t2025_{i}.html"
                        payload = codec.request_payload({
                            "url": url, "callback": "parse", "errback": "on_error", "method": "GET",
                            "headers": {b"Referer": [url.encode()]}, "body": b"", "priority": 10,
                            "dont_filter": False,
                            "meta": {"nianbao_depth": 3, "nianbao_list_title": "2024年政府信息公开工作年度报告",
                                     "nianbao_root": url[:30], "nianbao_platform": ""}})
                        frontier._enqueue(keys=[frontier.keys.seen, frontier.keys.queue, frontier.keys.requests,
                                                frontier.keys.scores, frontier.keys.seq, frontier.keys.leases,
                                                frontier.keys.attempts],
                                          args=[f"{i:040x}", "0", 10, payload, ""], client=pipe)
                    pipe.execute()
            after = client.info("memory")["used_memory"]
            return {"queued": client.zcard(frontier.keys.queue), "mb_per_100k": round((after - before) / 2**20
                                                                                       * 100_000 / count, 1)}
        finally:
            redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="portals (one loopback host each)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--delay", type=float, default=0.05, help="server answer delay per request, seconds")
    parser.add_argument("--lease-seconds", type=float, default=30, help="NIANBAO_REDIS_LEASE_SECONDS of the workers")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the Redis memory measurement")
    args = parser.parse_args()
    results = [crawl(n, args.copies, args.delay, args.lease_seconds) for n in args.workers]
    if args.skip_memory:
        print(json.dumps({"crawl": results}, indent=2))
        return
    print(json.dumps({"crawl": results, "redis_memory": queue_memory()}, indent=2))


if __name__ == "__main__":
    main()
