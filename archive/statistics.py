"""Archive writes and reads of a report's statistics: the JSON object, its checks and long-form counts."""
from __future__ import annotations

from sqlite_utils import Database

from archive.json_columns import to_json
from archive.rows import insert_row, insert_rows

STATISTICS_TABLES = ("statistics_checks", "application_counts", "proactive_counts", "review_litigation_counts",
                     "statistics")


def replace_statistics(db: Database, report_id: str, statistics: dict | None) -> None:
    """Replace the report's statistics rows; call inside the caller's `db.atomic()` (record_capture)."""
    for table in STATISTICS_TABLES:
        db.conn.execute(f"delete from [{table}] where report_id = ?", [report_id])
    if statistics is None:
        return                          # the statistics stage did not run on this page
    insert_row(db, "statistics", summary_row(report_id, statistics))
    insert_rows(db, "statistics_checks", check_rows(report_id, statistics["checks"]))
    insert_rows(db, "application_counts", application_rows(report_id, statistics.get("applications")))
    insert_rows(db, "proactive_counts", proactive_rows(report_id, statistics.get("proactive") or []))
    insert_rows(db, "review_litigation_counts", review_rows(report_id, statistics.get("review_litigation")))


def summary_row(report_id: str, statistics: dict) -> dict:
    checks = statistics.get("checks") or []
    return {"report_id": report_id, "format": statistics.get("format"), "json": to_json(statistics),
            "checks_total": len(checks),
            "checks_failed": sum(c["passed"] is False for c in checks),
            "checks_unevaluated": sum(c["passed"] is None for c in checks),
            "flags": len(statistics.get("flags") or [])}


def check_rows(report_id: str, checks: list[dict]) -> list[dict]:
    return [{"report_id": report_id, "name": c["name"], "target": c["target"],
             "passed": None if c["passed"] is None else int(c["passed"]),
             "detail": to_json({k: v for k, v in c.items() if k not in ("name", "target", "passed")})}
            for c in checks]


def application_rows(report_id: str, applications: dict | None) -> list[dict]:
    if not applications:
        return []
    columns = applications["columns"]
    return [{"report_id": report_id, "row_key": key, "column_key": column, "value": value}
            for key, values in applications["rows"].items() for column, value in zip(columns, values)]


def proactive_rows(report_id: str, proactive: list[dict]) -> list[dict]:
    rows = {}
    for row in proactive:
        for column, value in row["values"].items():
            rows[(row["item"], row["label"], column)] = value   # a repeated row keeps its last reading
    return [{"report_id": report_id, "item": item, "label": label, "column_name": column, "value": value}
            for (item, label, column), value in rows.items()]


def review_rows(report_id: str, groups: dict | None) -> list[dict]:
    return [{"report_id": report_id, "review_group": group, "field": field, "value": value}
            for group, values in (groups or {}).items() for field, value in values.items()]

