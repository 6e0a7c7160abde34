"""Attachment extraction per format: snippet recall of paragraphs and table rows vs the seed texts, seconds per page.

Run: python benchmarks/attachments.py   (DOC/WPS rows need LibreOffice; targets: recall ≥ 0.98 on PDF and Word)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.attachments import extract_document  # noqa: E402
from tests.test_pipelines_attachments_build import (  # noqa: E402
    CANONICAL_TABLES, TABLE_PLAIN, build_docx, build_pdf, build_xlsx, convert_with_soffice, expected_lines,
    needs_soffice, seed_blocks,
)

# 002 is a spam-mirror copy, not a report.
SEEDS = ("000_54ed621f2e25daf5.txt", "001_f2aeb89fdf6e39cd.txt", "003_5c46bab77c95ce4d.txt",
         "004_167e2993170d8178.txt")
FORMATS = {
    "pdf-ruled": (CANONICAL_TABLES, lambda blocks: build_pdf(blocks), "pdf"),
    "pdf-unruled": ((TABLE_PLAIN,) * 3, lambda blocks: build_pdf(blocks, ruled=False), "pdf"),
    "docx": (CANONICAL_TABLES, build_docx, "docx"),
    "doc": (CANONICAL_TABLES, lambda blocks: convert_with_soffice(build_docx(blocks), "docx", "doc"), "doc"),
    "wps": (CANONICAL_TABLES, lambda blocks: convert_with_soffice(build_docx(blocks), "docx", "doc"), "wps"),
    "xlsx": (CANONICAL_TABLES, lambda blocks: build_xlsx([b for b in blocks if not isinstance(b, str)]), "xlsx"),
}


def measure(name: str) -> tuple[float, float, float, int]:
    """(paragraph recall, table-row recall, seconds per page, documents) over the seeds."""
    tables, build, suffix = FORMATS[name]
    found = {"p": [0, 0], "row": [0, 0]}
    seconds = pages = 0.0
    for seed in SEEDS:
        blocks = seed_blocks(seed, tables)
        if suffix == "xlsx":
            blocks = [block for block in blocks if not isinstance(block, str)]
            if not blocks:   # 004 has no tables to put in a workbook
                continue
        body = build(blocks)
        started = time.perf_counter()
        document = extract_document(body, f"https://www.example.gov.cn/a.{suffix}", None)
        seconds += time.perf_counter() - started
        pages += document.pages or 1
        got = set(document.text.splitlines())
        for line in expected_lines(blocks):
            kind = "row" if " | " in line else "p"
            found[kind][0] += line in got
            found[kind][1] += 1
    recall = {kind: hit / total if total else float("nan") for kind, (hit, total) in found.items()}
    return recall["p"], recall["row"], seconds / max(pages, 1), len(SEEDS)


def main() -> None:
    skip_word = needs_soffice().args[0]
    print(f"{'format':12} {'para recall':>11} {'row recall':>10} {'s/page':>8}")
    for name in FORMATS:
        if name in ("doc", "wps") and skip_word:
            print(f"{name:12} skipped: LibreOffice (soffice) is not installed")
            continue
        para, rows, per_page, _ = measure(name)
        print(f"{name:12} {para:11.3f} {rows:10.3f} {per_page:8.3f}")


if __name__ == "__main__":
    main()
