"""Statistics benchmark (run by hand): cells right / cells in the hand-read goldens, identities evaluated.

Usage: python benchmarks/statistics_golden.py
Renderings: the seeds' flattened text (002 through deannotate) and the sample portal's HTML through the
real processing chain. PDF/DOCX renderings come with the attachments issue.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy.utils.project import get_project_settings  # noqa: E402

from crawler.items import ReportPage  # noqa: E402
from pipelines.chain import process_page, processing_stages  # noqa: E402
from pipelines.spam import deannotate  # noqa: E402
from pipelines.statistics import parse_statistics  # noqa: E402

SEEDS = ROOT / "tests" / "seeds"
GOLDEN = ROOT / "tests" / "golden" / "statistics"
PORTAL = ROOT / "crawler" / "sample_portal"
PORTAL_PAGES = {"000": ("/zwgk/xxgknb/202501/t20250120_1001.html", "utf-8"),
                "001": ("/zwgk/xxgknb/202501/t20250124_1002.html", "utf-8"),
                "003": ("/zwgk/xxgknb/202401/t20240126_0958.html", "gbk"),
                "004": ("/zwgk/xxgknb/202503/t20250328_1017.html", "utf-8")}


def cells_of(statistics: dict) -> dict[str, object]:
    """Every number of a statistics object by a path naming it."""
    cells = {}
    for row in statistics.get("proactive") or []:
        cells.update({f"proactive/{row['item']}/{row['label']}/{k}": v for k, v in row["values"].items()})
    applications = statistics.get("applications") or {"columns": [], "rows": {}}
    for key, values in applications["rows"].items():
        cells.update({f"applications/{key}/{c}": v for c, v in zip(applications["columns"], values)})
    for group, values in (statistics.get("review_litigation") or {}).items():
        cells.update({f"review/{group}/{k}": v for k, v in values.items()})
    return cells


def score(statistics: dict, golden: dict) -> dict:
    expected, found = cells_of(golden), cells_of(statistics)
    right = sum(k in found and found[k] == v and type(found[k]) is type(v) for k, v in expected.items())
    checks = statistics["checks"]
    return {"cells_right": right, "cells": len(expected),
            "identities_evaluated": sum(c["passed"] is not None for c in checks), "identities": len(checks),
            "identities_failed": sum(c["passed"] is False for c in checks),
            "format_right": statistics["format"] == golden["format"]}


def renderings(stages) -> list[tuple[str, str, dict]]:
    """(seed, rendering, statistics) for every seed text and every portal HTML page."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        seed = path.name[:3]
        text = path.read_text("utf-8")
        out.append((seed, "text", parse_statistics([], deannotate(text) if seed == "002" else text)))
    for seed, (url_path, charset) in sorted(PORTAL_PAGES.items()):
        page = ReportPage(url="http://127.0.0.1" + url_path, body=(PORTAL / url_path.lstrip("/")).read_bytes(),
                          headers={"content-type": f"text/html; charset={charset}"})
        out.append((seed, "html", process_page(page, stages).statistics))
    return out


def main() -> None:
    totals = {"cells_right": 0, "cells": 0, "identities_evaluated": 0, "identities": 0, "identities_failed": 0}
    print(f"{'seed':5}{'rendering':10}{'cells right':>14}{'identities evaluated':>24}{'failed':>8}  format")
    for seed, rendering, statistics in renderings(processing_stages(get_project_settings())):
        result = score(statistics, json.loads((GOLDEN / f"{seed}.json").read_text("utf-8")))
        for key in totals:
            totals[key] += result[key]
        print(f"{seed:5}{rendering:10}{result['cells_right']:>8}/{result['cells']:<5}"
              f"{result['identities_evaluated']:>18}/{result['identities']:<5}{result['identities_failed']:>8}  "
              f"{'ok' if result['format_right'] else 'WRONG'}")
    print(f"{'all':15}{totals['cells_right']:>8}/{totals['cells']:<5}"
          f"{totals['identities_evaluated']:>18}/{totals['identities']:<5}{totals['identities_failed']:>8}")


if __name__ == "__main__":
    main()
