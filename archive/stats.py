"""Archive reads that summarise what an archive holds: reports by year and publisher, failures by reason."""
from __future__ import annotations

from sqlite_utils import Database


def summarise(db: Database, top: int = 20) -> dict:
    """Counts a user wants first: reports, by year, by publisher (top N), failures by reason, mirrors."""
    return {
        "reports": db["reports"].count,
        "captures": db["captures"].count,
        "spam_mirrors": db["spam_mirrors"].count,
        "failures": db["failures"].count,
        "reports_by_year": grouped(db, "select year as key, count(*) as n from reports group by year "
                                       "order by year desc"),
        "reports_by_publisher": grouped(db, "select publisher as key, count(*) as n from reports "
                                            "group by publisher order by n desc, publisher limit ?", [top]),
        "failures_by_reason": grouped(db, "select stage || ':' || reason as key, count(*) as n from failures "
                                          "group by stage, reason order by n desc, key"),
        # statistics stage: format "none" = no national tables found (pre-2019 free text)
        "reports_by_format": grouped(db, "select coalesce(format, 'none') as key, count(*) as n from statistics "
                                         "group by key order by n desc, key"),
        "failed_checks_by_name": grouped(db, "select name as key, count(*) as n from statistics_checks "
                                             "where passed = 0 group by name order by n desc, name"),
    }


def grouped(db: Database, sql: str, params: list | None = None) -> list[list]:
    return [[row["key"], row["n"]] for row in db.query(sql, params or [])]


def format_summary(summary: dict) -> str:
    """Plain-text rendering for the terminal."""
    lines = [
        f"reports: {summary['reports']}   captures: {summary['captures']}   "
        f"spam mirrors: {summary['spam_mirrors']}   failures: {summary['failures']}",
    ]
    for title, key in (("reports by year", "reports_by_year"),
                       ("reports by publisher", "reports_by_publisher"),
                       ("failures by reason", "failures_by_reason"),
                       ("reports by statistics format", "reports_by_format"),
                       ("failed identities by check", "failed_checks_by_name")):
        lines.append(f"{title}:")
        lines.extend(f"  {label if label is not None else '(unknown)'}: {n}" for label, n in summary[key])
        if not summary[key]:
            lines.append("  (none)")
    return "\n".join(lines)
