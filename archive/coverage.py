"""Coverage of the archive: per portal and publisher, which report years are present, late or missing, as HTML.

A 年报 is due by 31 January of the following year from a department (部门) and by 31 March from a
government (人民政府, its 办公室/办公厅); which one a publisher is comes from its name. "Late" means first
seen after that deadline while we were already watching the portal; first seen after the deadline on a
portal we started watching later is "unverified" (we cannot tell when it appeared).
"""
from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

# Named rules, checked in order: the first that matches decides the publisher's kind.
PUBLISHER_KINDS = (
    ("government", re.compile(r"人民政府|政府办公[室厅]|行政公署|政府$")),
    ("department", re.compile(r"[局委办厅署院所队站]$|中心$|委员会|办公室$|管理处$|公司$")),
)
DEADLINES = {"government": "03-31", "department": "01-31", "unknown": "03-31"}  # unknown: the lenient one
STATUSES = ("on_time", "late", "unverified", "missing")
STATUS_LABELS = {"on_time": ("✓", "按时", "#2e7d32"), "late": ("迟", "逾期", "#e65100"),
                 "unverified": ("?", "无法核实", "#9e9d24"), "missing": ("✗", "缺失", "#c62828")}


@dataclass
class Cell:
    status: str
    first_seen: str = ""
    title: str = ""
    url: str = ""


@dataclass
class PortalCoverage:
    portal: str
    watched_since: str
    rows: dict[str, dict[int, Cell]] = field(default_factory=dict)   # publisher → year → cell


def publisher_kind(name: str | None) -> str:
    name = (name or "").strip()
    return next((kind for kind, rule in PUBLISHER_KINDS if rule.search(name)), "unknown")


def deadline(year: int, kind: str) -> str:
    """The date (YYYY-MM-DD) a report on `year` is due: the following year, by kind."""
    return f"{year + 1}-{DEADLINES[kind]}"


def cell_status(year: int, kind: str, first_seen: str, watched_since: str) -> str:
    due = deadline(year, kind)
    if first_seen[:10] <= due:
        return "on_time"
    return "late" if watched_since[:10] <= due else "unverified"


def coverage(db: Database, years: range | None = None) -> list[PortalCoverage]:
    """Coverage per portal (sorted), every publisher × every year of `years` (default: the archive's span)."""
    rows = list(db.query("select portal, publisher, year, min(first_seen) as first_seen, title, url from reports "
                         "where year is not null group by portal, publisher, year order by portal, publisher, year"))
    if years is None:
        found = [row["year"] for row in rows]
        years = range(min(found), max(found) + 1) if found else range(0)
    watched = {row["portal"]: row["since"] for row in db.query(
        "select portal, min(first_seen) as since from reports group by portal")}
    portals: dict[str, PortalCoverage] = {}
    for row in rows:
        portal = row["portal"] or ""
        pc = portals.setdefault(portal, PortalCoverage(portal, watched.get(row["portal"]) or ""))
        kind = publisher_kind(row["publisher"])
        status = cell_status(row["year"], kind, row["first_seen"] or "", pc.watched_since)
        pc.rows.setdefault(row["publisher"] or "", {})[row["year"]] = Cell(
            status, row["first_seen"] or "", row["title"] or "", row["url"] or "")
    for pc in portals.values():
        for cells in pc.rows.values():
            for year in years:
                cells.setdefault(year, Cell("missing"))
    return [portals[name] for name in sorted(portals)]


def status_counts(portals: list[PortalCoverage]) -> dict[int, dict[str, int]]:
    """year → status → count, for the chart."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for pc in portals:
        for cells in pc.rows.values():
            for year, cell in cells.items():
                counts[year][cell.status] += 1
    return dict(sorted(counts.items()))


def render_html(portals: list[PortalCoverage], generated_at: str) -> str:
    """A self-contained page: legend, a stacked bar chart per year, then a year × publisher grid per portal."""
    years = sorted({year for pc in portals for cells in pc.rows.values() for year in cells})
    body = [f"<h1>政府信息公开工作年度报告 · 归档覆盖情况</h1><p class=meta>生成于 {esc(generated_at)}；"
            f"门户 {len(portals)} 个，发布机构 {sum(len(pc.rows) for pc in portals)} 个。</p>",
            legend(), chart_svg(status_counts(portals))]
    for pc in portals:
        body.append(portal_table(pc, years))
    if not portals:
        body.append("<p class=empty>归档中还没有带年度的年报。</p>")
    return PAGE.format(style=STYLE, body="\n".join(body))


def legend() -> str:
    items = "".join(f'<span class="cell {s}">{sym}</span> {label}（{s}）　'
                    for s, (sym, label, _c) in STATUS_LABELS.items())
    return f"<p class=legend>{items}部门截止：次年1月31日；政府截止：次年3月31日。</p>"


def chart_svg(counts: dict[int, dict[str, int]]) -> str:
    """Stacked bars, one per year, one colour per status; heights scaled to the busiest year."""
    if not counts:
        return ""
    bar, gap, height = 36, 14, 160
    top = max(sum(c.values()) for c in counts.values()) or 1
    parts = []
    for i, (year, by_status) in enumerate(counts.items()):
        x, y = 40 + i * (bar + gap), height + 10
        for status in STATUSES:
            h = by_status[status] * height / top
            if h:
                y -= h
                parts.append(f'<rect class="bar {status}" data-year="{year}" data-status="{status}" x="{x}" '
                             f'y="{y:.1f}" width="{bar}" height="{h:.1f}" fill="{STATUS_LABELS[status][2]}">'
                             f'<title>{year} {status}: {by_status[status]}</title></rect>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 26}" text-anchor="middle">{year}</text>')
    width = 40 + len(counts) * (bar + gap)
    return (f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 36}" '
            f'role="img" aria-label="每年报告状态">{"".join(parts)}</svg>')


def portal_table(pc: PortalCoverage, years: list[int]) -> str:
    head = "".join(f"<th>{year}</th>" for year in years)
    lines = []
    for publisher in sorted(pc.rows):
        kind = publisher_kind(publisher)
        cells = "".join(grid_cell(pc.rows[publisher].get(year, Cell("missing")), year, kind) for year in years)
        lines.append(f'<tr><th class=pub>{esc(publisher or "（未知发布机构）")}<small>{kind}</small></th>{cells}</tr>')
    return (f'<section class=portal><h2>{esc(pc.portal or "（未知门户）")}</h2>'
            f'<p class=meta>自 {esc(pc.watched_since[:10])} 起开始监测</p>'
            f'<table class=grid><tr><th>发布机构</th>{head}</tr>{"".join(lines)}</table></section>')


def grid_cell(cell: Cell, year: int, kind: str) -> str:
    symbol, label, _colour = STATUS_LABELS[cell.status]
    tip = f"{year} {label}；截止 {deadline(year, kind)}"
    if cell.first_seen:
        tip += f"；首次发现 {cell.first_seen[:10]}；{cell.title}"
    inner = f'<a href="{esc(cell.url)}">{symbol}</a>' if cell.url else symbol
    return f'<td class="cell {cell.status}" data-status="{cell.status}" title="{esc(tip)}">{inner}</td>'


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def write_coverage(db: Database, out_path: str | Path, generated_at: str) -> list[PortalCoverage]:
    portals = coverage(db)
    Path(out_path).write_text(render_html(portals, generated_at), encoding="utf-8")
    return portals


STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
.meta{color:#666}.grid{border-collapse:collapse;margin:.5em 0 2em}
.grid th,.grid td{border:1px solid #ccc;padding:4px 8px;text-align:center}
.grid th.pub{text-align:left;font-weight:normal}.grid th.pub small{color:#888;margin-left:.5em}
.cell{color:#fff;font-weight:bold}.cell a{color:#fff;text-decoration:none}
.on_time{background:#2e7d32}.late{background:#e65100}.unverified{background:#9e9d24}.missing{background:#c62828}
.legend .cell{display:inline-block;width:1.4em;text-align:center}
"""
PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>年报归档覆盖情况</title><style>{style}</style></head>
<body>
{body}
</body></html>
"""
