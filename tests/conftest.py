"""Shared fixtures: the sample portal on 127.0.0.1 and a runner for real `scrapy crawl` processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.portal_server import SAMPLE_PORTAL, PortalServer

REPO = Path(__file__).resolve().parents[1]
FAST_POLITE = {  # the local portal needs no throttling; everything else stays as shipped
    "AUTOTHROTTLE_START_DELAY": "0.05",
    "DOWNLOAD_DELAY": "0",
    "LOG_LEVEL": "INFO",
}


@pytest.fixture(scope="session")
def expected():
    return json.loads((SAMPLE_PORTAL / "EXPECTED.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def portal():
    with PortalServer() as server:
        yield server


def run_scrapy_crawl(db: Path, spider_args: dict, settings: dict | None = None,
                     env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    """Run the real command line, `scrapy crawl reports -a … -s NIANBAO_DB=…`, in a child process."""
    command = [sys.executable, "-m", "scrapy", "crawl", "reports", "-s", f"NIANBAO_DB={db}"]
    for name, value in spider_args.items():
        command += ["-a", f"{name}={value}"]
    for name, value in {**FAST_POLITE, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    child_env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    child_env.update(env or {})
    return subprocess.run(command, cwd=REPO, env=child_env, capture_output=True, text=True, timeout=timeout)


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output (review the diff like code)")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")
