"""The corpus in tests/pages/corpus/ through the real processing chain: per-page expectations, the pinned
quality floor (tests/quality_floor.json) and bad input that must end in a named outcome, never a crash."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.project import get_project_settings

from benchmarks.extraction import (
    Case, Score, add_hits, contains, load_cases, metadata_hits, page_metadata, run_ours, same_value,
    score_text, snippet_key,
)
from crawler.items import DROP_REASONS, ReportPage
from pipelines.chain import process_page, processing_stages

FLOOR_PATH = Path(__file__).parent / "quality_floor.json"
CASES = load_cases()
BAD_INPUT_SECONDS = 20      # generous: each bad page takes well under 2 s on a laptop


@pytest.fixture(scope="module")
def stages():
    return processing_stages(get_project_settings())


@pytest.fixture(scope="module")
def outputs(stages) -> dict[str, ReportPage | None]:
    return {case.slug: run_ours(case, stages) for case in CASES}


@pytest.fixture(scope="module")
def floor() -> dict:
    return json.loads(FLOOR_PATH.read_text(encoding="utf-8"))


# --- per page --------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_page_keeps_its_body(case: Case, outputs):
    page = outputs[case.slug]
    assert page is not None, "dropped"
    key = snippet_key(page.text)
    assert [s for s in case.must_contain if not contains(key, s)] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_page_loses_its_chrome_and_spam(case: Case, outputs):
    key = snippet_key(outputs[case.slug].text)
    assert [s for s in case.must_not_contain + case.spam if contains(key, s)] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_page_text_is_normalised(case: Case, outputs):
    text = outputs[case.slug].text
    # U+3000 and &nbsp; become plain spaces, runs collapse (an empty table cell still shows as "|  |")
    assert "\u3000" not in text and "\u00a0" not in text
    assert [line for line in text.splitlines() if any("  " in cell.strip() for cell in line.split("|"))] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_page_metadata(case: Case, outputs):
    got = page_metadata(outputs[case.slug])
    wrong = {name: (value, got.get(name)) for name, value in case.metadata.items()
             if not same_value(value, got.get(name))}
    assert wrong == {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_page_mirror_flag(case: Case, outputs):
    assert outputs[case.slug].spam_mirror is case.spam_mirror


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_case_snippets_are_on_the_page(case: Case):
    """A must-not-contain snippet missing from the page itself would test nothing."""
    import html

    from benchmarks.extraction import decoded
    page_key = snippet_key(html.unescape(decoded(case)))
    assert [s for s in case.must_not_contain + case.spam if not contains(page_key, s)] == []


# --- the floor -------------------------------------------------------------------------------------

def test_floor_lowered_only_with_a_note(floor):
    """Every floor below perfect needs a `lowered` entry that names it and says why."""
    noted = {entry["name"] for entry in floor["lowered"] if entry.get("why", "").strip()}
    below = [f"body.{k}" for k, v in floor["body"].items() if v < 1.0]
    below += [f"metadata.{k}" for k, v in floor["metadata"].items() if v < 1.0]
    below += ["spam_snippets_left"] * (floor["spam_snippets_left"] > 0)
    below += ["spam_mirror_accuracy"] * (floor["spam_mirror_accuracy"] < 1.0)
    assert [name for name in below if name not in noted] == []


def test_corpus_size(floor):
    assert len(CASES) >= floor["min_cases"]


def test_quality_floor(outputs, floor):
    score, fields, mirrors = Score(), {}, 0
    for case in CASES:
        page = outputs[case.slug]
        score.add(score_text(case, page.text if page else ""))
        add_hits(fields, metadata_hits(case.metadata, page_metadata(page)))
        mirrors += int(bool(page and page.spam_mirror) == case.spam_mirror)
    measured = {"precision": score.precision, "recall": score.recall, "f1": score.f1}
    assert {k: round(v, 4) for k, v in measured.items() if v < floor["body"][k]} == {}
    assert len(score.spam_left) <= floor["spam_snippets_left"], score.spam_left
    accuracy = {name: right / seen for name, (right, seen) in fields.items()}
    assert {k: round(v, 4) for k, v in accuracy.items() if v < floor["metadata"][k]} == {}
    assert mirrors / len(CASES) >= floor["spam_mirror_accuracy"]


# --- bad input through the whole chain -------------------------------------------------------------

def nested_tags(megabytes: int) -> bytes:
    unit = b"<div><span>"
    return b"<html><body>" + unit * (megabytes * 1_000_000 // len(unit)) + b"</body></html>"


TABLE_ONLY = ("<html><head><meta charset='utf-8'><title>表</title></head><body><table>"
              "<tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>0</td></tr>"
              "</table></body></html>").encode("utf-8")
REPORT = (Path(__file__).parent / "pages" / "corpus" / "trs_pingtan_2024.html").read_bytes()

BAD_INPUT = [
    pytest.param(b"", {"content-type": "text/html"}, id="empty_body"),
    pytest.param(bytes(range(256)) * 4000, {"content-type": "text/html; charset=utf-8"}, id="binary_as_html"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00\x01" * 5000, {"content-type": "text/html"},
                 id="pdf_bytes_as_html"),
    pytest.param(REPORT[: len(REPORT) // 2], {"content-type": "text/html; charset=utf-8"}, id="truncated_bytes"),
    pytest.param(REPORT[:1001], {"content-type": "text/html; charset=utf-8"}, id="truncated_mid_character"),
    pytest.param(nested_tags(10), {"content-type": "text/html"}, id="ten_mb_nested_tags"),
    pytest.param(REPORT, {"content-type": "text/html; charset=no-such-charset"}, id="invalid_header_charset"),
    pytest.param(b"<meta charset='x-\xff\xfe'>" + REPORT, {}, id="invalid_meta_charset"),
    pytest.param(TABLE_ONLY, {"content-type": "text/html"}, id="only_a_table"),
    pytest.param(b"\xef\xbb\xbf", {"content-type": "text/html"}, id="bom_only"),
]


def outcome(stages, body: bytes, headers: dict) -> str:
    """"kept" or the drop reason of a page run through the chain."""
    page = ReportPage(url="https://www.example.gov.cn/zwgk/nb/t20250101_1.html", headers=headers, body=body)
    try:
        return "kept" if process_page(page, stages).text else "kept_without_text"
    except DropItem as exc:
        return str(exc)


@pytest.mark.timeout(BAD_INPUT_SECONDS * 2)
@pytest.mark.parametrize(("body", "headers"), BAD_INPUT)
def test_bad_input_gives_a_named_outcome(stages, body, headers):
    start = time.perf_counter()
    assert outcome(stages, body, headers) in ("kept", *DROP_REASONS)   # never an exception, never empty text
    assert time.perf_counter() - start < BAD_INPUT_SECONDS


def test_only_a_table_keeps_the_table(stages):
    page = process_page(ReportPage(url="https://www.example.gov.cn/a.html", body=TABLE_ONLY), stages)
    assert page.text.splitlines() == ["信息内容 | 本年制发件数", "规章 | 0"] and len(page.tables) == 1
