"""Crawl benchmark: the multi-portal test site, many copies at once, the real spider with every pipeline on.

Reports found vs expected, decoys stored, requests per stored report, pages/s end to end, peak memory.
Example: python benchmarks/crawl.py --copies 32 --repeat 5   (politeness is relaxed with -s overrides: loopback only)
CPU seconds are reported beside wall time: this machine is shared, so pages per CPU second of the crawler
process is the steadier figure. `--set NAME=VALUE` adds a setting (e.g. --set NIANBAO_PROCESS_WORKERS=0).
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.schema import open_archive  # noqa: E402
from crawler.portal_server import PortalServer  # noqa: E402
from crawler.settings import NIANBAO_CHROMIUM  # noqa: E402
from tests.conftest import run_scrapy_crawl  # noqa: E402

PLATFORMS = REPO / "tests" / "pages" / "platforms"
# One host (127.0.0.1) serves every test portal, so the per-host limits would serialise them all.
RELAXED = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "32",
           "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "NIANBAO_ALLOW_PRIVATE_HOSTS": "1", "LOG_LEVEL": "INFO"}
CHILDREN, SELF = resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF
TARGETS = {"requests_per_report_max": 3.0, "pages_per_second_min": 100.0}


def stat(stderr: str, name: str) -> float:
    m = re.search(rf"'{re.escape(name)}': ([\d.]+)", stderr)
    return float(m[1]) if m else 0.0


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run(copies: int, conventions: list[str], overrides: dict | None = None) -> dict:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        portals = []
        expected_of = {name: json.loads((PLATFORMS / name / "EXPECTED.json").read_text("utf-8")) for name in conventions}
        for i in range(copies):          # interleaved, as in a real portal list: conventions are not sorted
            for name in conventions:     # (sorted, every JS-only portal started last and Chromium ran alone)
                server = stack.enter_context(PortalServer(PLATFORMS / name / "site"))
                portals.append((f"{name}-{i}", server, expected_of[name]))
        csv = Path(tmp) / "portals.csv"
        csv.write_text("name,url\n" + "".join(f"{n},{s.url}{e['home']}\n" for n, s, e in portals), "utf-8")
        started, crawler_cpu, server_cpu = time.perf_counter(), cpu_seconds(CHILDREN), cpu_seconds(SELF)
        result = run_scrapy_crawl(Path(tmp) / "bench.db", {"portals": csv}, {**RELAXED, **(overrides or {})},
                                  timeout=900)
        wall = time.perf_counter() - started
        # children: the crawler and what it waited for (process-pool workers, Chromium)
        crawler_cpu, server_cpu = cpu_seconds(CHILDREN) - crawler_cpu, cpu_seconds(SELF) - server_cpu
        db = open_archive(Path(tmp) / "bench.db")
        copies_of = {s.url + c: s.url + o for _, s, e in portals for c, o in e["duplicates"].items()}
        stored = {copies_of.get(r["url"], r["url"]) for r in db.query("select url from reports")}
    expected = {s.url + r["path"] for _, s, e in portals for r in e["reports"]}
    decoys = {s.url + d for _, s, e in portals for d in e["decoys"]}
    requests = sum(len(s.requested) for _, s, _ in portals)
    responses, elapsed = stat(result.stderr, "response_received_count"), stat(result.stderr, "elapsed_time_seconds")
    return {
        "portals": len(portals), "exit_code": result.returncode,
        "reports_expected": len(expected), "reports_found": len(stored & expected), "reports_missing": len(expected - stored),
        "unexpected_stored": len(stored - expected), "decoys_stored": len(stored & decoys),
        "requests_served": requests, "requests_per_stored_report": round(requests / max(len(stored), 1), 2),
        "responses": int(responses), "crawl_seconds": round(elapsed, 2), "wall_seconds": round(wall, 2),
        "pages_per_second": round(responses / elapsed, 1) if elapsed else 0.0,
        "cpu_seconds_crawler": round(crawler_cpu, 2), "cpu_seconds_servers": round(server_cpu, 2),
        "pages_per_crawler_cpu_second": round(responses / crawler_cpu, 1) if crawler_cpu else 0.0,
        "peak_rss_mb_crawler": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "robots_requests_blocked": int(stat(result.stderr, "robotstxt/forbidden")),
        "targets": TARGETS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="copies of each convention's portal (one port each)")
    parser.add_argument("--no-browser", action="store_true", help="leave out the portal that needs Chromium")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="extra -s setting for the crawl (repeatable)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs; the figures printed are the median run's, with every run's pages/s beside them")
    args = parser.parse_args()
    overrides = dict(pair.split("=", 1) for pair in args.set)
    conventions = ["static", "trs", "hanweb", "gkmlpt"]
    if not args.no_browser and shutil.which(NIANBAO_CHROMIUM):
        conventions.append("rendered")
    print(json.dumps(median_run([run(args.copies, conventions, overrides) for _ in range(args.repeat)]),
                     ensure_ascii=False, indent=1))


def median_run(results: list[dict]) -> dict:
    """The run with the median pages/s (this host is shared: single runs vary by ±20%), and all runs' pages/s."""
    ranked = sorted(results, key=lambda result: result["pages_per_second"])
    median = ranked[len(ranked) // 2]
    return {**median, "pages_per_second_runs": [result["pages_per_second"] for result in results]}


if __name__ == "__main__":
    main()
