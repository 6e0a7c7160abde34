"""Parse the three national statistics tables (主动公开, 申请, 复议诉讼) into numbers and check their identities.

Needs: tables, text.  Sets: statistics.
Grid-first: each table is read from the cell grids when they hold it, else from the flattened text
(one cell a line, as in tests/seeds/). PDF/DOCX renderings arrive with the attachments issue; their
text goes through the same text path.
"""
from __future__ import annotations

import logging

from crawler.items import ReportPage
from pipelines.stage import raise_if_offloaded
from pipelines.statistics_checks import application_checks, narrative_checks, review_checks
from pipelines.statistics_labels import COLUMNS, FORMAT_MARKERS, ROWS_BY_FORMAT
from pipelines.statistics_tables import (
    grid_cells, parse_applications, parse_proactive, parse_review, squash, text_cells,
)

logger = logging.getLogger(__name__)

FORMATS = ("2021", "2019")
PARSERS = {"applications": parse_applications, "proactive": parse_proactive, "review_litigation": parse_review}
MAX_MARKER_CHARS = 200_000


def known_numbers(found: dict | None) -> int:
    """How many numbers a parsed table yields: decides between the grid and the text reading."""
    if not found:
        return 0
    if "rows" in found and isinstance(found["rows"], dict):
        values = [v for row in found["rows"].values() for v in row]
    elif "rows" in found:
        values = [v for row in found["rows"] for v in row["values"].values()]
    else:
        values = [v for group in found["groups"].values() for v in group.values()]
    return sum(v is not None for v in values)


def read_tables(tables: list[dict], text: str) -> tuple[dict, dict]:
    """Each table from the grids unless the text gives strictly more numbers: ({name: parsed}, {name: source})."""
    streams = {"tables": grid_cells(tables), "text": text_cells(text)}
    found, sources = {}, {}
    for name, parser in PARSERS.items():
        readings = {source: parser(cells) for source, cells in streams.items()}
        source = max(readings, key=lambda s: (known_numbers(readings[s]), s == "tables"))
        if readings[source] is not None:
            found[name], sources[name] = readings[source], source
    return found, sources


def detect_format(rows: dict | None, proactive: dict | None, text: str) -> str | None:
    """2021 (three 其他处理 rows), 2019 (one), else the format's column words; None for pre-2019 reports."""
    if rows:
        if {"other_overdue_correction", "other_overdue_fee", "other_other"} & rows.keys():
            return "2021"
        if "other" in rows:
            return "2019"
    if not (rows or proactive):
        return None
    squashed = squash(text[:MAX_MARKER_CHARS])
    counts = {fmt: sum(marker in squashed for marker in FORMAT_MARKERS[fmt]) for fmt in FORMATS}
    best = max(FORMATS, key=lambda fmt: counts[fmt])
    return best if counts[best] else None


def complete_rows(fmt: str, rows: dict[str, list], flags: list[dict]) -> dict[str, list]:
    """Every row key of the format, in order; a missing row is seven nulls and a flag."""
    complete = {}
    for key in ROWS_BY_FORMAT[fmt]:
        if key not in rows:
            flags.append({"where": f"applications/{key}", "rule": "missing_row", "raw": None})
        complete[key] = rows.get(key, [None] * len(COLUMNS))
    flags.extend({"where": f"applications/{key}", "rule": "unexpected_row", "raw": rows[key]}
                 for key in rows if key not in complete)
    return complete


def parse_statistics(tables: list[dict], text: str) -> dict:
    """The `statistics` object: format, proactive, applications, review_litigation, checks (+ flags, sources)."""
    tables, text = tables or [], text or ""
    found, sources = read_tables(tables, text)
    flags = [flag for part in found.values() for flag in part["flags"]]
    fmt = detect_format(found.get("applications", {}).get("rows"), found.get("proactive"),
                        text + "".join(grid_cells(tables)))
    if fmt is None:
        return {"format": None, "proactive": [], "applications": None, "review_litigation": None,
                "checks": [], "flags": [], "sources": {}}
    rows = complete_rows(fmt, found["applications"]["rows"], flags) if "applications" in found else None
    groups = found["review_litigation"]["groups"] if "review_litigation" in found else None
    checks = (application_checks(fmt, rows) if rows else []) + (review_checks(groups) if groups else [])
    checks += narrative_checks(text, rows, groups)
    return {
        "format": fmt,
        "proactive": found["proactive"]["rows"] if "proactive" in found else [],
        "applications": {"columns": list(COLUMNS), "rows": rows} if rows else None,
        "review_litigation": groups,
        "checks": checks,
        "flags": flags,
        "sources": sources,
    }


class StatisticsPipeline:
    """Sets ReportPage.statistics and counts formats and failed identities."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        raise_if_offloaded(crawler.settings)
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        item.statistics = parse_statistics(item.tables, item.text)
        self.stats.inc_value(f"nianbao/statistics/format_{item.statistics['format'] or 'none'}")
        failed = [check for check in item.statistics["checks"] if check["passed"] is False]
        if failed:
            self.stats.inc_value("nianbao/statistics/check_failed", len(failed))
            logger.debug("%d identities fail on %s: %s", len(failed), item.url,
                         ", ".join(f"{c['name']}:{c['target']}" for c in failed))
        return item
