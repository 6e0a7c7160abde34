"""Benchmark the archive: first crawl vs refresh, search latency on N reports, export throughput and memory, WARC writes.

Example: python benchmarks/archive.py --reports 100000 --workdir /tmp/nianbao-bench
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.schema import open_archive  # noqa: E402
from archive.search import search  # noqa: E402
from archive.warc import Exchange, WarcFiles  # noqa: E402

SEEDS = REPO / "tests" / "seeds"
PLACES = ["营山县", "南昌市", "南通市", "同江市", "示例县", "东湖区", "青山湖区", "崇川区"]
KINDS = ["人民政府办公室", "统计局", "自然资源局", "发展和改革委员会", "教育局", "卫生健康委员会"]


def seed_sentences() -> list[str]:
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text("utf-8")
        sentences += [s + "。" for s in text.replace("\n", "").split("。") if 10 <= len(s) <= 120]
    return sentences


def build(db_path: Path, n: int, rng: random.Random) -> float:
    """Fill an archive with n synthetic reports of real sentences (~1.5 kB each); return seconds."""
    db = open_archive(db_path)
    sentences = seed_sentences()
    started = time.perf_counter()
    batch = []
    for i in range(n):
        publisher = f"{rng.choice(PLACES)}{i % 997}号{rng.choice(KINDS)}"
        year = 2019 + i % 6
        text = "".join(rng.choices(sentences, k=18))
        if i % 1000 == 0:
            text += "本年度开展了数据要素专项督查。"          # a rare 4-character term: 0.1 % of reports
        batch.append({"report_id": f"{i:016x}", "url": f"https://www{i % 500}.example.gov.cn/xxgk/{i}.html",
                      "portal": f"portal{i % 500}", "title": f"{publisher}{year}年政府信息公开工作年度报告",
                      "publisher": publisher, "year": year, "text": text, "tables": "[]", "sha256": f"{i:064x}",
                      "first_seen": f"{year + 1}-02-01T00:00:00+00:00", "last_changed": f"{year + 1}-02-01"})
        if len(batch) == 5000:
            db["reports"].insert_all(batch)
            batch = []
    if batch:
        db["reports"].insert_all(batch)
    return time.perf_counter() - started


SEARCH_FILTERS = {"none": {}, "year": {"year": 2023}, "publisher": {"publisher": "统计局"},
                  "year+publisher": {"year": 2023, "publisher": "南昌市"}}


def time_search(db_path: Path, query: str, runs: int = 20, **filters) -> dict:
    db = open_archive(db_path)
    search(db, query, **filters)                        # warm the page cache
    timings, hits = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        hits = len(search(db, query, limit=20, **filters))
        timings.append((time.perf_counter() - started) * 1000)
    return {"query": query, **filters, "median_ms": round(sorted(timings)[len(timings) // 2], 2),
            "max_ms": round(max(timings), 2), "hits": hits}


def time_export(db_path: Path, fmt: str, out: Path) -> dict:
    """Export in a child process, so its peak RSS is the export's own."""
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from archive.schema import open_archive; from archive.export import export\n"
            "t = time.perf_counter(); n = export(open_archive(%r), %r, %r)\n"
            "print(n, time.perf_counter() - t)") % (str(REPO), str(db_path), str(out), fmt)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    count, seconds = result.stdout.split()
    return {"format": fmt, "records": int(count), "seconds": round(float(seconds), 2),
            "records_per_s": round(int(count) / float(seconds)), "peak_rss_mb": round(max(peak_kb, before) / 1024, 1),
            "file_mb": round(out.stat().st_size / 1e6, 1)}


def time_warc(directory: Path, exchanges: int, rng: random.Random) -> dict:
    files = WarcFiles(directory, max_bytes=100 * 1024 * 1024, info={"software": "nianbao-bench"})
    sentences = seed_sentences()
    bodies = [("<html><body>" + "".join(rng.choices(sentences, k=120)) + "</body></html>").encode("utf-8")
              for _ in range(50)]
    started = time.perf_counter()
    raw = 0
    for i in range(exchanges):
        body = bodies[i % len(bodies)]
        raw += len(body)
        files.write_exchange(Exchange(url=f"https://www.example.gov.cn/{i}.html", method="GET",
                                      request_headers=[("User-Agent", "bench")], request_body=b"", status=200,
                                      response_headers=[("Content-Type", "text/html")], body=body), prior=None)
    files.close()
    seconds = time.perf_counter() - started
    written = sum(p.stat().st_size for p in directory.glob("*.warc.gz"))
    return {"exchanges": exchanges, "seconds": round(seconds, 2), "exchanges_per_s": round(exchanges / seconds),
            "body_mb_per_s": round(raw / 1e6 / seconds, 1), "warc_mb": round(written / 1e6, 1)}


def time_refresh(workdir: Path) -> dict:
    """Requests, response bytes and seconds of a first crawl, of a refresh of the unchanged sample portal (from
    the remembered list pages) and of one that walks from the home page again (-a rediscover=1)."""
    import shutil

    from crawler.portal_server import SAMPLE_PORTAL, PortalServer
    from tests.conftest import run_scrapy_crawl
    from tests.test_crawl_refresh import ALLOW_LOOPBACK, crawl_stats

    site = workdir / "refresh-site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(SAMPLE_PORTAL, site)
    db_path = workdir / "refresh.db"
    for old in workdir.glob("refresh.db*"):
        old.unlink()
    shutil.rmtree(workdir / "refresh-warc", ignore_errors=True)
    server = PortalServer(site)
    server.start()
    figures = {}
    try:
        for name, args in (("first_crawl", {}), ("refresh", {"refresh": "1"}),
                           ("refresh_walk", {"refresh": "1", "rediscover": "1"})):
            started = time.perf_counter()
            result = run_scrapy_crawl(db_path, {"start_urls": server.url + "/index.html", **args}, ALLOW_LOOPBACK)
            seconds = time.perf_counter() - started
            stats = crawl_stats(result.stderr)
            figures[name] = {"requests": stats.get("downloader/request_count", 0),
                             "response_bytes": stats.get("downloader/response_bytes", 0),
                             "not_modified": stats.get("downloader/response_status_count/304", 0),
                             "seconds": round(seconds, 2)}   # the whole `scrapy crawl` process
    finally:
        server.stop()
    first = figures["first_crawl"]
    for name in ("refresh", "refresh_walk"):
        figures[f"{name}_share"] = {key: round(figures[name][key] / first[key], 3)
                                    for key in ("requests", "response_bytes", "seconds")}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--exchanges", type=int, default=5_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nianbao-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db_path = args.workdir / f"bench-{args.reports}.db"
    rng = random.Random(6)
    figures = {"refresh": time_refresh(args.workdir)}
    if not db_path.exists():
        figures["build_seconds"] = round(build(db_path, args.reports, rng), 1)
    figures["db_mb"] = round(db_path.stat().st_size / 1e6, 1)
    figures["search"] = [time_search(db_path, q, **filters) for q in ("数据要素", "行政复议", "依申请公开", "部署")
                         for filters in SEARCH_FILTERS.values()]
    figures["export"] = [time_export(db_path, fmt, args.workdir / f"export.{fmt}") for fmt in ("jsonl", "csv", "parquet")]
    figures["warc"] = time_warc(args.workdir / "warc", args.exchanges, rng)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
