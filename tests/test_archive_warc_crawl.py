"""WARC recording in real crawls of the sample portal: index completeness, digests, revisits, kill and restart."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.schema import open_archive
from tests.conftest import REPO, run_scrapy_crawl

ALLOW_LOOPBACK = {"NIANBAO_ALLOW_PRIVATE_HOSTS": "1"}


def warc_records(directory):
    """(file, offset, type, status) of every record, read back with warcio checking digests."""
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh, check_digests="raise")
            for record in iterator:
                status = record.http_headers.get_statuscode() if record.http_headers else None
                out.append((path.name, iterator.get_record_offset(), record.rec_type, status))
    return out


@pytest.fixture(scope="module")
def crawled_twice(portal, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("warc") / "out.db"
    for _ in range(2):
        result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"}, ALLOW_LOOPBACK)
        assert result.returncode == 0, result.stderr[-3000:]
    return db_path


def test_every_record_is_indexed_and_digests_check(crawled_twice):
    records = warc_records(crawled_twice.with_name("out-warc"))
    db = open_archive(crawled_twice)
    indexed = {(r["warc_file"], r["offset"]) for r in db.query("select warc_file, offset from warc_captures")}
    assert indexed == {(f, o) for f, o, kind, _s in records if kind != "warcinfo"}
    assert sum(kind == "warcinfo" for _f, _o, kind, _s in records) == 2          # one file per run


def test_second_crawl_of_unchanged_pages_writes_revisits(crawled_twice):
    db = open_archive(crawled_twice)
    counts = dict(db.execute("select record_type, count(*) from warc_captures where status = 200 "
                             "group by record_type").fetchall())
    assert counts.get("revisit", 0) >= counts["response"] - 2     # every unchanged 200 of run 2 (at most a
    #                                                               page with a changing counter differs)


def test_failed_exchanges_are_recorded_too(crawled_twice):
    db = open_archive(crawled_twice)
    assert db.execute("select count(*) from warc_captures where status = 500").fetchone()[0] >= 1


def test_cdxj_export_lists_responses_and_revisits(crawled_twice, tmp_path):
    from click.testing import CliRunner

    from crawler.cli import main

    out = tmp_path / "index.cdxj"
    result = CliRunner().invoke(main, ["cdxj", "--db", str(crawled_twice), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    keys = [line.split(" ", 2)[:2] for line in lines]  # pywb binary-searches on (SURT key, timestamp)
    assert keys == sorted(keys) and all(line.startswith("127,0,0,1:") or line.startswith("1,0,0,127")
                                          for line in lines)


def test_killed_crawl_leaves_readable_warcs_after_restart(portal, tmp_path):
    db_path = tmp_path / "killed.db"
    warc_dir = tmp_path / "killed-warc"
    command = [sys.executable, "-m", "scrapy", "crawl", "reports", "-s", f"NIANBAO_DB={db_path}",
               "-a", f"start_urls={portal.url}/index.html", "-s", "NIANBAO_ALLOW_PRIVATE_HOSTS=1",
               "-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING"]
    child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.stat().st_size > 5_000 for p in warc_dir.glob("*.open")):
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert list(warc_dir.glob("*.open")), "the crawl finished before it could be killed"
    result = run_scrapy_crawl(db_path, {"start_urls": portal.url + "/index.html"}, ALLOW_LOOPBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not list(warc_dir.glob("*.open"))
    assert len(warc_records(warc_dir)) > 0                       # raises on any torn or bad record
    assert open_archive(db_path).execute("pragma integrity_check").fetchone()[0] == "ok"
