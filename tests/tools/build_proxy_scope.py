"""Build the scope test site: a county portal, its department sub-domain, a neighbour county and a look-alike host.

Usage: python tests/tools/build_proxy_scope.py   (writes tests/pages/proxy_scope/)

Each <host>/ directory is the root one PortalServer serves; tests/forward_proxy.py sends each host name (all
under .invalid, so none resolves here) to its server. The county's 年报 column links the department's list on
a sub-domain (in scope) and, beside its own reports, real-looking 年报 on the neighbour county and on
two look-alike hosts: county-a.invalid.evil.invalid (starts like the county's domain) and
evilcounty-a.invalid (ends like it, without the dot); all three are out of scope. EXPECTED.json names, per
host, the reports its own pages lead to and the paths only the county links to. Output is deterministic.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.tools.build_platform_portals import HOME, Site, column_page, json_bytes, report  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "pages" / "proxy_scope"
COUNTY_A, DEPARTMENT, COUNTY_B = "www.county-a.invalid", "jtj.county-a.invalid", "www.county-b.invalid"
LOOK_ALIKES = ("county-a.invalid.evil.invalid", "evilcounty-a.invalid")
LIST = "/xxgk/nb/index.html"


def add_report(site: Site, year: int, n: int, expect: bool = True) -> tuple[str, str, str]:
    title, body = report(site.unit, year, n)
    path, date = f"/xxgk/nb/{year + 1}01/t{year + 1}0120_{n:03d}.html", f"{year + 1}-01-20"
    site.add_report(path, title, body, date, "政府信息公开年报", expect=expect)
    return path, title, date


def county(name: str, unit: str, first: int, extra_menu: str = "", extra_items=()) -> Site:
    """A county portal: home → 政府信息公开 → 年报 column with two reports (and any extra list items)."""
    site = Site(name, unit)
    site.home("/xxgk/index.html")
    site.section("/xxgk/index.html", LIST, extra_menu)
    items = [add_report(site, year, first + i) for i, year in enumerate((2024, 2023))]
    column_page(site, LIST, items + list(extra_items))
    return site


def department() -> Site:
    """The 交通运输局 site on a sub-domain: only its own 年报 list and one report."""
    site = Site(DEPARTMENT, "示例子县交通运输局")
    column_page(site, LIST, [add_report(site, 2024, 20)])
    return site


def look_alike(host: str, n: int) -> Site:
    """A host that merely looks like the county's domain; its page would pass as the county's report."""
    site = Site(host, "示例子县人民政府")
    add_report(site, 2022, n)
    return site


def sites() -> list[Site]:
    neighbour = county(COUNTY_B, "示例丑县人民政府", 10)
    lured = add_report(neighbour, 2022, 12, expect=False)   # on county-b, but only county-a links it
    neighbour.expected["unlinked"] = [lured[0]]
    baits = [look_alike(host, 30 + i) for i, host in enumerate(LOOK_ALIKES)]
    decoys = [(f"http://{COUNTY_B}{lured[0]}", lured[1], lured[2])] + [
        (f"http://{bait.name}{bait.expected['reports'][0]['path']}", bait.expected["reports"][0]["title"], "2023-01-20")
        for bait in baits]
    menu = f'<li><a href="http://{DEPARTMENT}{LIST}">示例子县交通运输局政府信息公开年报</a></li>\n'
    return [county(COUNTY_A, "示例子县人民政府", 0, menu, decoys), department(), neighbour, *baits]


def build(out: Path = OUT) -> dict[str, dict]:
    """Write every host under out/<host>/ (replacing it) and out/EXPECTED.json."""
    expected = {}
    for site in sites():
        root = out / site.name
        if root.exists():
            shutil.rmtree(root)
        for path, data in sorted({**site.files, "/_routes.json": json_bytes(site.routes)}.items()):
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        expected[site.name] = {"reports": sorted(r["path"] for r in site.expected["reports"]),
                               "unlinked": site.expected.get("unlinked", [])}
    (out / "EXPECTED.json").write_bytes(json_bytes(expected))
    return expected


if __name__ == "__main__":
    print(json.dumps(build(), ensure_ascii=False, indent=1))
