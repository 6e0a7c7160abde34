"""The identities of the national tables and the narrative-vs-table checks; a failed one is data, not an error.

Each check: {"name", "target", "passed": True/False/None (None: a number it needs is null),
"left": {term: number}, "right": {term: number}, "left_sum", "right_sum"} plus, for narrative
checks, the rule and the quoted sentence fragment.
"""
from __future__ import annotations

import re

from pipelines.statistics_labels import (
    APPLICANT_COLUMNS, COLUMNS, NARRATIVE_CARRIED_FORWARD, NARRATIVE_LITIGATION, NARRATIVE_RECEIVED,
    NARRATIVE_REVIEW, RESULT_ROWS, REVIEW_FIELDS,
)

CHECK_NAMES = ("column_balance", "row_sum", "results_total", "review_litigation_sum", "narrative_received",
               "narrative_carried_forward", "narrative_review", "narrative_litigation")
MAX_NARRATIVE_CHARS = 200_000
TOLERANCE = 1e-6


def identity(name: str, target: str, left: dict, right: dict) -> dict:
    """Compare sum(left) with sum(right); passed None when any term is null."""
    complete = all(v is not None for v in (*left.values(), *right.values()))
    left_sum = sum(left.values()) if complete else None
    right_sum = sum(right.values()) if complete else None
    passed = abs(left_sum - right_sum) < TOLERANCE if complete else None
    return {"name": name, "target": target, "passed": passed, "left": left, "right": right,
            "left_sum": left_sum, "right_sum": right_sum}


def application_checks(fmt: str, rows: dict[str, list]) -> list[dict]:
    """Per column 一+二 = 三(七)+四; per row the six applicant columns sum to 总计; (七) = sum of (一)…(六)."""
    checks = []
    for i, column in enumerate(COLUMNS):
        checks.append(identity("column_balance", column,
                               {"new": rows["new"][i], "carried_over": rows["carried_over"][i]},
                               {"total": rows["total"][i], "carried_forward": rows["carried_forward"][i]}))
    for key, values in rows.items():
        checks.append(identity("row_sum", key, dict(zip(APPLICANT_COLUMNS, values[:6])), {"total": values[6]}))
    for i, column in enumerate(COLUMNS):
        checks.append(identity("results_total", column, {key: rows[key][i] for key in RESULT_ROWS[fmt]},
                               {"total": rows["total"][i]}))
    return checks


def review_checks(groups: dict[str, dict]) -> list[dict]:
    """Each of 行政复议 and the two 行政诉讼 groups: 维持+纠正+其他+尚未审结 = 总计."""
    return [identity("review_litigation_sum", group, {f: values[f] for f in REVIEW_FIELDS[:-1]},
                     {"total": values["total"]})
            for group, values in groups.items()]


def narrative_text(text: str) -> str:
    """The report's prose: lines that are not table rows (rows hold " | ")."""
    return "\n".join(line for line in text[:MAX_NARRATIVE_CHARS].split("\n") if "|" not in line)


def stated(text: str, rules: tuple) -> dict | None:
    """The first number a narrative rule finds: {"value", "rule", "quote"}."""
    for rule, pattern in rules:
        match = re.search(pattern, text)
        if match and len(match[1]) <= 15:
            return {"value": int(match[1]), "rule": rule, "quote": match[0]}
    return None


def narrative_check(name: str, statement: dict | None, right: dict, alternative: dict | None = None) -> list[dict]:
    """A number stated in the prose against the table; `alternative` terms also count as agreement."""
    if statement is None:
        return []
    check = identity(name, "narrative", {"stated": statement["value"]}, right)
    if check["passed"] is False and alternative:
        other = identity(name, "narrative", {"stated": statement["value"]}, alternative)
        check = other if other["passed"] else check
    check.update(rule=statement["rule"], quote=statement["quote"])
    return [check]


def narrative_checks(text: str, rows: dict | None, groups: dict | None) -> list[dict]:
    """本年新收/共受理…件 (some reports count 上年结转 in it), 结转下年度…件, 行政复议…件, 行政诉讼…件."""
    prose = narrative_text(text)
    checks: list[dict] = []
    if rows:
        new, carried = rows["new"][6], rows["carried_over"][6]
        checks += narrative_check("narrative_received", stated(prose, NARRATIVE_RECEIVED), {"new": new},
                                  {"new": new, "carried_over": carried})
        checks += narrative_check("narrative_carried_forward", stated(prose, NARRATIVE_CARRIED_FORWARD),
                                  {"carried_forward": rows["carried_forward"][6]})
    if groups:
        checks += narrative_check("narrative_review", stated(prose, NARRATIVE_REVIEW),
                                  {"review": groups["review"]["total"]})
        checks += narrative_check("narrative_litigation", stated(prose, NARRATIVE_LITIGATION),
                                  {"litigation_direct": groups["litigation_direct"]["total"],
                                   "litigation_after_review": groups["litigation_after_review"]["total"]})
    return checks
