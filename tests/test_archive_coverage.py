"""Coverage: publisher kinds, deadlines, statuses per year, and the HTML page rendered in real headless Chromium."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from archive.coverage import cell_status, coverage, deadline, publisher_kind, render_html
from archive.schema import open_archive
from archive.versions import record_capture
from crawler.cli import main
from crawler.items import ReportPage

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.parametrize("name, kind", [
    ("南昌市人民政府办公室", "government"),
    ("营山县人民政府", "government"),
    ("湖北省人民政府办公厅", "government"),
    ("大兴安岭地区行政公署", "government"),
    ("示例县统计局", "department"),
    ("示例市发展和改革委员会", "department"),
    ("示例区网信办", "department"),             # 办 alone is a department office, not 政府办公室
    ("示例市政务服务中心", "department"),
    ("", "unknown"),
    (None, "unknown"),
], ids=lambda v: str(v))
def test_publisher_kind(name, kind):
    assert publisher_kind(name) == kind


@pytest.mark.parametrize("year, kind, first_seen, watched_since, status", [
    (2024, "department", "2025-01-31T23:00:00+00:00", "2025-01-02", "on_time"),    # deadline day counts
    (2024, "department", "2025-02-01T00:00:00+00:00", "2025-01-02", "late"),
    (2024, "government", "2025-03-20T00:00:00+00:00", "2025-01-02", "on_time"),   # governments have to 31 March
    (2024, "government", "2025-04-02T00:00:00+00:00", "2025-01-02", "late"),
    (2022, "government", "2025-04-02T00:00:00+00:00", "2025-04-01", "unverified"),  # we started watching later
], ids=["dept-on-deadline", "dept-late", "gov-on-time", "gov-late", "not-watched-then"])
def test_cell_status(year, kind, first_seen, watched_since, status):
    assert cell_status(year, kind, first_seen, watched_since) == status


def test_deadlines():
    assert (deadline(2024, "department"), deadline(2024, "government")) == ("2025-01-31", "2025-03-31")


def add(db, url, publisher, year, first_seen):
    record_capture(db, ReportPage(url=url, fetched_at=first_seen, text=f"{publisher}{year}", portal="示例县门户",
                                  title=f"{publisher}{year}年政府信息公开工作年度报告", publisher=publisher,
                                  year=year))


@pytest.fixture
def db(tmp_path):
    db = open_archive(tmp_path / "a.db")
    add(db, "https://x.gov.cn/1.html", "示例县人民政府办公室", 2023, "2024-01-10T00:00:00+00:00")
    add(db, "https://x.gov.cn/2.html", "示例县人民政府办公室", 2024, "2025-03-15T00:00:00+00:00")
    add(db, "https://x.gov.cn/3.html", "示例县统计局", 2024, "2025-02-20T00:00:00+00:00")
    return db


def test_coverage_grid_marks_present_late_and_missing(db):
    (portal,) = coverage(db)
    statuses = {(pub, year): cell.status for pub, cells in portal.rows.items() for year, cell in cells.items()}
    assert statuses == {("示例县人民政府办公室", 2023): "on_time", ("示例县人民政府办公室", 2024): "on_time",
                        ("示例县统计局", 2023): "missing", ("示例县统计局", 2024): "late"}


def test_empty_archive_renders_a_page():
    assert "还没有" in render_html([], "2026-01-01")


def test_html_escapes_names(tmp_path):
    db = open_archive(tmp_path / "x.db")
    add(db, "https://x.gov.cn/1.html", "<script>局", 2024, "2025-01-10T00:00:00+00:00")
    assert "<script>局" not in render_html(coverage(db), "now")


@pytest.fixture
def page(db, tmp_path):
    out = tmp_path / "coverage.html"
    db_file = db.execute("pragma database_list").fetchone()[2]
    result = CliRunner().invoke(main, ["coverage", "--db", db_file, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_page_renders_grid_and_chart_in_headless_chromium(page):
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count('<td class="cell missing"') == 1 and dom.count('<td class="cell late"') == 1
    assert '<svg id="chart"' in dom and dom.count("<rect") >= 3
    assert "示例县统计局" in dom


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_page_screenshot_is_drawn(page, tmp_path):
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--screenshot={shot}", "--window-size=900,700", page.as_uri()],
                   capture_output=True, timeout=120, cwd=tmp_path)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5_000     # a blank page compresses to ~2 kB
