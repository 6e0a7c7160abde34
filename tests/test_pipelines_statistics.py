"""Statistics stage: cell parser, table readers, identities, seeds against hand-read goldens, archive rows."""
import json
from pathlib import Path

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from archive.schema import open_archive
from archive.stats import format_summary, summarise
from archive.versions import record_capture
from crawler.items import ReportPage
from pipelines.chain import process_page, processing_stages
from pipelines.extract_file import extract_file
from pipelines.spam import deannotate
from pipelines.statistics import StatisticsPipeline, parse_statistics
from pipelines.statistics_cells import parse_cell, split_merged
from pipelines.statistics_checks import identity, narrative_checks, stated
from pipelines.statistics_labels import NARRATIVE_RECEIVED, ROWS_2021
from pipelines.statistics_tables import grid_cells, parse_review, text_cells

TESTS = Path(__file__).parent
SEEDS = TESTS / "seeds"
GOLDEN = TESTS / "golden" / "statistics"
PORTAL = TESTS.parent / "crawler" / "sample_portal"
# The sample portal's HTML renderings of the seeds (tests/tools/build_sample_portal.py), with their charset.
PORTAL_PAGES = {
    "000": ("/zwgk/xxgknb/202501/t20250120_1001.html", "utf-8"),
    "001": ("/zwgk/xxgknb/202501/t20250124_1002.html", "utf-8"),
    "003": ("/zwgk/xxgknb/202401/t20240126_0958.html", "gbk"),
    "004": ("/zwgk/xxgknb/202503/t20250328_1017.html", "utf-8"),
}
PARSED_KEYS = ("format", "proactive", "applications", "review_litigation")


def seed_text(seed: str) -> str:
    text = next(SEEDS.glob(f"{seed}_*.txt")).read_text("utf-8")
    return deannotate(text) if seed == "002" else text   # 002: spam-mirror copy, traditional + pinyin


def golden(seed: str) -> dict:
    return json.loads((GOLDEN / f"{seed}.json").read_text("utf-8"))


def assert_matches_golden(statistics: dict, expected: dict) -> None:
    assert {key: statistics[key] for key in PARSED_KEYS} == {key: expected[key] for key in PARSED_KEYS}
    assert [c for c in statistics["checks"] if c["passed"] is not True] == []   # every identity evaluated, held
    stated_numbers = {c["name"]: c["left"]["stated"] for c in statistics["checks"] if c["target"] == "narrative"}
    assert stated_numbers == expected["narrative"]
    rows = len(expected["applications"]["rows"])
    assert len(statistics["checks"]) == 7 + rows + 7 + 3 + len(expected["narrative"])


# --- cells ------------------------------------------------------------------------------------------

CELLS = [
    ("0", 0, "number"),
    ("11398889", 11398889, "number"),
    ("16671.4808", 16671.4808, "number"),           # seed 004: 万元 amount stays a decimal
    (" 0 ", 0, "number"),                           # seed 002: cells padded with spaces
    ("４０", 40, "fullwidth_digits"),
    ("—", 0, "dash_zero"),
    ("-", 0, "dash_zero"),
    ("－", 0, "dash_zero"),
    ("无", 0, "word_zero"),
    ("11,398,889", 11398889, "thousands_separator"),
    ("22项", 22, "unit_suffix"),                    # seed 002: 本年增/减 of 行政许可
    ("6119919.29元", 6119919.29, "unit_suffix"),    # seed 002: 采购总金额
    ("加76项", 76, "signed"),                       # seed 002: 本年增/减 of 行政处罚
    ("增加1项", 1, "signed"),
    ("减少2项", -2, "signed"),
    ("4 0", None, "merged_numbers"),                # 40, or 4 and 0? not certain on its own
    ("1,23", None, "not_a_number"),                 # not a thousands grouping
    ("见附件", None, "not_a_number"),
    ("/", None, "not_a_number"),                    # "not applicable" is not zero
    ("", None, "empty"),
    (None, None, "empty"),
    ("9" * 5000, None, "too_long"),                 # int() of 4300+ digits raises; never reached
]


@pytest.mark.parametrize("raw, value, rule", CELLS, ids=[repr(c[0])[:20] for c in CELLS])
def test_parse_cell_reads_certain_numbers_and_flags_the_rest(raw, value, rule):
    cell = parse_cell(raw)
    assert (cell.value, cell.rule) == (value, rule)
    assert type(cell.value) is type(value)


SPLITS = [
    (["4 0", "1"], 3, ["4", "0", "1"]),
    (["0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"], 15, ["0"] * 15),    # a PDF's table C as one run
    (["4 0", "1"], 2, None),                                # already two cells: "4 0" stays ambiguous
    (["4 0", "x"], 3, ["4", "0", "x"]),                    # "x" is then read (and flagged) on its own
    (["4 a"], 2, None),
]


@pytest.mark.parametrize("cells, expected, split", SPLITS, ids=["short_by_one", "pdf_run", "not_short",
                                                                  "other_cell_text", "text_piece"])
def test_split_merged_only_when_the_count_is_certain(cells, expected, split):
    assert split_merged(cells, expected) == split


# --- identities -------------------------------------------------------------------------------------

IDENTITIES = [
    ({"new": 74, "carried_over": 0}, {"total": 72, "carried_forward": 2}, True),
    ({"new": 74, "carried_over": 1}, {"total": 72, "carried_forward": 2}, False),
    ({"new": None, "carried_over": 0}, {"total": 72, "carried_forward": 2}, None),    # not evaluated
    ({"a": 0.1, "b": 0.2}, {"total": 0.3}, True),                                     # 万元 decimals
]


@pytest.mark.parametrize("left, right, passed", IDENTITIES, ids=["holds", "fails", "null_term", "decimals"])
def test_identity_compares_sums_and_never_guesses(left, right, passed):
    assert identity("column_balance", "total", left, right)["passed"] is passed


NARRATIVE = [
    ("收到依申请公开信息共74件,完成72件", 74),                                    # seed 000
    ("共收到依申请公开线上4件,线下23件,共27件。", 27),                             # seed 001
    ("共受理依申请公开211件(含上年结转11件),其中自然人申请190件", 211),             # seed 003
    ("全年受理“市长信箱”信件5320件、办结率91.10%", None),                          # seed 003: not 申请
    ("| 一、本年新收政府信息公开申请数量 | 72 |", None),                             # a table row, no 件
]


@pytest.mark.parametrize("text, number", NARRATIVE, ids=["000", "001", "003_with_carried", "mailbox", "row"])
def test_narrative_received_number(text, number):
    found = stated(text, NARRATIVE_RECEIVED)
    assert (found["value"] if found else None) == number


def rows_with(**overrides) -> dict:
    rows = {key: [0] * 7 for key in ROWS_2021}
    rows.update(overrides)
    return rows


NARRATIVE_CHECKS = [
    ("共受理依申请公开211件", rows_with(new=[0] * 6 + [200], carried_over=[0] * 6 + [11]), True),
    ("共受理依申请公开200件", rows_with(new=[0] * 6 + [200], carried_over=[0] * 6 + [11]), True),
    ("共受理依申请公开250件", rows_with(new=[0] * 6 + [200], carried_over=[0] * 6 + [11]), False),
]


@pytest.mark.parametrize("text, rows, passed", NARRATIVE_CHECKS, ids=["new_plus_carried", "new", "neither"])
def test_narrative_received_counts_with_or_without_carried_over(text, rows, passed):
    [check] = narrative_checks(text, rows, None)
    assert check["passed"] is passed


# --- seeds ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_seed_text_matches_hand_read_golden(seed):
    statistics = parse_statistics([], seed_text(seed))
    assert_matches_golden(statistics, golden(seed))
    assert set(statistics["sources"].values()) == {"text"}


@pytest.fixture(scope="module")
def stages():
    return processing_stages(get_project_settings())


@pytest.mark.parametrize("seed", sorted(PORTAL_PAGES))
def test_seed_html_through_the_real_chain_matches_golden(seed, stages):
    path, charset = PORTAL_PAGES[seed]
    page = ReportPage(url=f"http://127.0.0.1:8000{path}", body=(PORTAL / path.lstrip("/")).read_bytes(),
                      headers={"content-type": f"text/html; charset={charset}"})
    page = process_page(page, stages)
    assert_matches_golden(page.statistics, golden(seed))
    assert set(page.statistics["sources"].values()) == {"tables"}
    assert page.statistics["flags"] == []


def test_extract_returns_statistics(tmp_path):
    path, _ = PORTAL_PAGES["001"]
    record = extract_file((PORTAL / path.lstrip("/")).read_bytes(), "http://127.0.0.1" + path, "text/html")
    assert record["statistics"]["format"] == "2021"
    assert record["statistics"]["applications"]["rows"]["new"] == [26, 0, 0, 0, 0, 0, 26]


# --- broken tables ----------------------------------------------------------------------------------

def broken_seed(old: str, new: str) -> dict:
    """Seed 000's text with one cell line replaced (first occurrence after table B's header)."""
    text = seed_text("000")
    start = text.index("一、本年新收")
    return parse_statistics([], text[:start] + text[start:].replace(old, new, 1))


def test_text_in_a_number_cell_is_null_flagged_and_its_checks_not_evaluated():
    statistics = broken_seed("72 |", "见说明 |")
    assert statistics["applications"]["rows"]["new"] == [None, 2, 0, 0, 0, 0, 74]
    assert {"where": "applications/new/natural_person", "rule": "not_a_number", "raw": "见说明",
            "value": None} in statistics["flags"]
    row_sum = next(c for c in statistics["checks"] if c["name"] == "row_sum" and c["target"] == "new")
    assert row_sum["passed"] is None


def test_merged_cell_in_a_short_row_is_split_and_a_wrong_total_fails():
    statistics = broken_seed("72 |\n2 |", "72 2 |")
    assert statistics["applications"]["rows"]["new"] == [72, 2, 0, 0, 0, 0, 74]
    assert statistics["flags"][0]["rule"] == "split_merged"
    failing = broken_seed("74 |", "75 |")
    failed = {(c["name"], c["target"]) for c in failing["checks"] if c["passed"] is False}
    assert failed == {("row_sum", "new"), ("column_balance", "total"), ("narrative_received", "narrative")}


def test_missing_cell_makes_the_whole_row_null_not_shifted():
    statistics = broken_seed("72 |\n", "")
    assert statistics["applications"]["rows"]["new"] == [None] * 7
    assert statistics["flags"][0]["rule"] == "missing_cells"


def test_grid_with_fullwidth_digits_dashes_and_a_pdf_run():
    grid = {"rows": [["行政复议", "行政诉讼"], ["结果维持", "总计"], ["１ — 0 0 1 0 0 0 0 0 0 0 0 0 0", ""]],
            "spans": []}
    review = parse_review(grid_cells([grid]))
    assert review["groups"]["review"] == {"upheld": None, "corrected": None, "other": None, "pending": None,
                                          "total": None}            # "１ —" is not a plain-number run
    grid["rows"][2] = ["１", "—", "0", "0", "1"] + ["0"] * 10
    review = parse_review(grid_cells([grid]))
    assert review["groups"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert [f["rule"] for f in review["flags"]] == ["fullwidth_digits", "dash_zero"]


def test_spanned_cells_count_once():
    grid = {"rows": [["a", "a", "b"], ["c", "d", "d"]], "spans": [[0, 0, 1, 2], [1, 1, 1, 2]]}
    assert grid_cells([grid]) == ["a", "b", "c", "d", "\x00"]


@pytest.mark.parametrize("text, tables", [
    ("一、概述\n2012年共受理政府信息公开申请15件。", []),                       # pre-2019 free text
    ("", []),
    ("|" * 100_000 + "\n" + "本年新收 |\n" * 1000, []),                           # junk lines
    ("", [{"rows": "not a list"}, {"rows": [[None, 3]], "spans": [[0, 0]]}, "x"]),  # malformed grids
], ids=["pre_2019", "empty", "junk", "malformed_grids"])
def test_no_national_tables_gives_format_null(text, tables):
    statistics = parse_statistics(tables, text)
    assert statistics["format"] is None and statistics["checks"] == []


def test_text_cells_split_pipes_and_tabs():
    assert text_cells("第二十条第(一)项 | |||\n\t规章\n\t0\n||") == ["第二十条第(一)项", "规章", "0"]


# --- adapter and archive ------------------------------------------------------------------------------

def test_pipeline_sets_statistics_and_counts_formats_and_failures():
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    pipeline = build_from_crawler(StatisticsPipeline, crawler)
    page = ReportPage(url="https://www.example.gov.cn/nb.html", text=seed_text("000").replace("74 |", "75 |", 1))
    assert pipeline.process_item(page) is page
    assert pipeline.process_item("not a page") == "not a page"
    assert page.statistics["format"] == "2021"
    assert crawler.stats.get_value("nianbao/statistics/format_2021") == 1
    assert crawler.stats.get_value("nianbao/statistics/check_failed") == 3


def test_archive_replaces_statistics_rows_on_each_capture(tmp_path):
    db = open_archive(tmp_path / "a.db")
    page = ReportPage(url="https://www.example.gov.cn/nb.html", text=seed_text("003"), fetched_at="2025-01-01")
    page.statistics = parse_statistics([], page.text)
    record_capture(db, page)
    page.statistics = parse_statistics([], seed_text("000").replace("74 |", "75 |", 1))
    record_capture(db, page)
    [row] = db["statistics"].rows
    assert (row["format"], row["checks_total"], row["checks_failed"]) == ("2021", 44, 3)
    value = db.execute("select value from application_counts where row_key = 'new' and column_key = 'total'")
    assert value.fetchone()[0] == 75
    assert db["proactive_counts"].count == 10 and db["review_litigation_counts"].count == 15
    summary = summarise(db)
    assert summary["reports_by_format"] == [["2021", 1]]
    assert summary["failed_checks_by_name"] == [["column_balance", 1], ["narrative_received", 1], ["row_sum", 1]]
    assert "failed identities by check:\n  column_balance: 1" in format_summary(summary)
