"""Refresh groundwork: validators from captures, conditional headers, gone/seen marks, version history."""
from __future__ import annotations

import pytest

from archive.refresh import (KnownReport, ListPageVisit, RememberedList, UnknownReport, apply_check,
                             conditional_headers, known_reports, links_of, mark_gone, mark_seen, record_list_visit,
                             remembered_lists, stored_since, validators, version_history, walk_due)
from archive.schema import open_archive
from archive.versions import record_capture
from crawler.items import ReportPage

URL = "https://www.example.gov.cn/zwgk/xxgknb/t20250120_1.html"


def capture(db, text, fetched_at, headers=None, url=URL):
    record_capture(db, ReportPage(url=url, fetched_at=fetched_at, text=text, body=text.encode("utf-8"),
                                  headers=headers or {}, portal="示例县"))


@pytest.fixture
def db(tmp_path):
    db = open_archive(tmp_path / "a.db")
    capture(db, "第一版", "2025-01-20T00:00:00+00:00",
            {"etag": '"v1"', "last-modified": "Mon, 20 Jan 2025 00:00:00 GMT"})
    capture(db, "第二版", "2025-03-01T00:00:00+00:00",
            {"etag": '"v2"', "last-modified": "Sat, 01 Mar 2025 00:00:00 GMT"})
    return db


@pytest.mark.parametrize("headers_json, expected", [
    ('{"etag": "\\"x\\"", "last-modified": "Mon, 20 Jan 2025 00:00:00 GMT"}', ('"x"', "Mon, 20 Jan 2025 00:00:00 GMT")),
    ('{"ETag": "W/\\"y\\""}', ('W/"y"', "")),                 # names may come in any case
    ("{}", ("", "")),
    (None, ("", "")),
    ("not json", ("", "")),                                   # a damaged row must not stop a refresh
    ("[1, 2]", ("", "")),
], ids=["both", "weak-etag-mixed-case", "none", "null", "garbage", "not-an-object"])
def test_validators(headers_json, expected):
    assert validators(headers_json) == expected


def test_known_reports_carry_the_current_captures_validators(db):
    (report,) = known_reports(db)
    assert (report.url, report.etag, report.last_modified) == (URL, '"v2"', "Sat, 01 Mar 2025 00:00:00 GMT")
    assert conditional_headers(report) == {"If-None-Match": '"v2"',
                                           "If-Modified-Since": "Sat, 01 Mar 2025 00:00:00 GMT"}


def test_no_validators_means_a_plain_get():
    assert conditional_headers(KnownReport("id", URL, "", "", "")) == {}


def test_gone_reports_are_marked_not_deleted_and_skipped_by_default(db):
    mark_gone(db, URL, 404, "2026-02-01T00:00:00+00:00")
    mark_gone(db, URL, 410, "2026-03-01T00:00:00+00:00")     # the first sighting of the absence stays
    row = db["reports"].get(next(known_reports(db, include_gone=True)).report_id)
    assert (row["gone_at"], row["gone_status"], row["text"]) == ("2026-02-01T00:00:00+00:00", 404, "第二版")
    assert list(known_reports(db)) == []


def test_seen_again_clears_gone_and_moves_last_seen(db):
    mark_gone(db, URL, None, "2026-02-01T00:00:00+00:00")    # dropped from its list: no status
    mark_seen(db, URL, "2026-02-15T00:00:00+00:00")
    (report,) = known_reports(db)
    assert report.last_seen == "2026-02-15T00:00:00+00:00" and report.gone_at is None


def test_version_history_oldest_first(db):
    history = version_history(db, URL)
    assert [v["text"] for v in history] == ["第一版", "第二版"]
    assert history[0]["tables"] == []


@pytest.mark.parametrize("call", [
    lambda db: mark_gone(db, "https://nowhere.example/", 404, "2026-01-01"),
    lambda db: mark_seen(db, "https://nowhere.example/", "2026-01-01"),
    lambda db: version_history(db, "https://nowhere.example/"),
], ids=["mark_gone", "mark_seen", "version_history"])
def test_unknown_url_is_a_named_error(db, call):
    with pytest.raises(UnknownReport):
        call(db)


@pytest.mark.parametrize("outcome, status, gone", [
    ("gone", 410, (1, 410)),
    ("unlisted", 200, (1, None)),            # answered, but no list links it: gone without a status
    ("not_modified", 304, (0, None)),
    ("fetched", 200, (0, None)),
], ids=["gone-410", "unlisted", "not-modified", "fetched"])
def test_apply_check(db, outcome, status, gone):
    apply_check(db, URL, outcome, status, "2026-02-01T00:00:00+00:00")
    assert db.execute("select gone_at is not null, gone_status from reports").fetchone() == gone


def test_apply_check_refuses_an_unknown_outcome(db):
    with pytest.raises(ValueError):
        apply_check(db, URL, "vanished", 404, "2026-02-01T00:00:00+00:00")


@pytest.mark.parametrize("status, listed, lists_reached, expected", [
    (404, True, True, "gone"), (410, False, False, "gone"),
    (304, True, True, "not_modified"), (200, True, True, "fetched"),
    (304, False, True, "unlisted"), (200, False, True, "unlisted"),
    (304, False, False, "not_modified"),     # the portal's lists were not reached: no verdict on listing
], ids=["404", "410-unreached", "304", "200", "304-unlisted", "200-unlisted", "304-lists-unreached"])
def test_outcome_of(status, listed, lists_reached, expected):
    from spiders.refresh import outcome_of

    assert outcome_of(status, listed, lists_reached) == expected


def test_stored_since(db):
    assert stored_since(db, "2025-03-01T00:00:00+00:00") == {URL}
    assert stored_since(db, "2025-03-02T00:00:00+00:00") == set()


LIST = "https://www.example.gov.cn/zwgk/xxgknb/index.html"
WALK_1, REFRESH_1, WALK_2 = "2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00", "2025-03-01T00:00:00+00:00"


def visit(url=LIST, crawl=WALK_1, walked=True, status=200, links=(("https://www.example.gov.cn/r1.html", "年报", "page"),),
          etag='"l1"'):
    return ListPageVisit(portal="示例县", url=url, status=status, etag=etag, walked=walked, crawl=crawl, at=crawl,
                         report_links=None if links is None else [list(link) for link in links])


def test_a_304_keeps_the_report_links_and_counts_a_visit_since_the_walk(db):
    record_list_visit(db, visit())
    record_list_visit(db, visit(crawl=REFRESH_1, walked=False, status=304, links=None, etag='"l2"'))
    (remembered,) = remembered_lists(db, "示例县")
    assert remembered.report_links == (("https://www.example.gov.cn/r1.html", "年报", "page"),)
    assert (remembered.etag, remembered.visits_since_walk) == ('"l2"', 1)
    assert conditional_headers(remembered) == {"If-None-Match": '"l2"'}


def test_a_list_the_latest_walk_did_not_reach_is_forgotten(db):
    record_list_visit(db, visit())                                         # walk 1: the old column
    record_list_visit(db, visit(url=LIST + "?page=2", crawl=REFRESH_1, walked=False))   # found by a refresh
    record_list_visit(db, visit(url=LIST.replace("xxgknb", "ndbg"), crawl=WALK_2))     # walk 2: moved column
    assert [item.url for item in remembered_lists(db, "示例县")] == [LIST.replace("xxgknb", "ndbg")]


@pytest.mark.parametrize("visits, every, due", [
    ([], 5, True),               # nothing remembered: walk
    ([0, 3], 5, False), ([4, 0], 5, True),     # the 5th refresh since the walk walks again
    ([0], 1, True),              # every refresh walks
], ids=["no-lists", "not-yet", "fifth", "always"])
def test_walk_due(visits, every, due):
    assert walk_due([RememberedList(url=str(i), visits_since_walk=n) for i, n in enumerate(visits)], every) is due


@pytest.mark.parametrize("stored, expected", [
    ('[["u", "t", "page"]]', [["u", "t", "page"]]), ("not json", []), ('{"a": 1}', []), ('[["u"], 3]', []), (None, []),
], ids=["good", "garbage", "object", "bad-entries", "null"])
def test_links_of_a_damaged_row(stored, expected):
    assert links_of(stored) == expected


def test_no_list_pages_table_means_nothing_remembered(tmp_path):
    from sqlite_utils import Database
    assert remembered_lists(Database(tmp_path / "old.db"), "示例县") == []
