"""Build the multi-portal test site: one small county portal per list convention, under tests/pages/platforms/.

Usage: python tests/tools/build_platform_portals.py [--out tests/pages/platforms]

Each <convention>/site/ is a portal root served by crawler/portal_server.py on its own 127.0.0.1 port
(_routes.json answers query strings, POST dataproxy.jsp and challenge statuses). EXPECTED.json beside it
lists reports, decoys, traps and the list pages. Report texts are the real seeds; the portals are fictional.
Output is deterministic: re-running it must leave `git diff tests/pages/platforms` empty.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.tools.build_sample_portal import E, article_page, breadcrumb, list_page, page_html, read_seed  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "tests" / "seeds"
HOME = (("首页", "/index.html"),)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
RUISHU_412 = (b'<!DOCTYPE html><html><head><meta content="{qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq" r="m">'
              b'<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=37721;'
              b'$_ts.cd="qqqqqq";</script><script charset="iso-8859-1" src="/ZvbYc1RuNkYg/c.FxJzG50F.js" r="m">'
              b'</script></head><body></body></html>')
JSL_521 = (b"<html><body><script>document.cookie=('_')+('_')+('j')+('sl_clearance_s')+('=')+"
           b"('1732180000.123|0|abc');location.href=location.pathname+location.search</script></body></html>")
DECOYS = [  # (title, source) look-alikes every portal lists beside its reports (domain.md §1.8)
    ("{u}2024年统计年报", "统计局"), ("{u}2025年政府工作报告", "人民政府"), ("{u}2024年法治政府建设年度报告", "司法局"),
    ("{u}2024年政府网站工作年度报表", "人民政府办公室"), ("{u}2024年部门决算", "财政局"),
    ("关于做好2024年度政府信息公开工作年度报告编制发布工作的通知", "人民政府办公室"),
    ("图解：{u}2023年政府信息公开工作年度报告", "融媒体中心"), ("{u}政府信息公开指南", "人民政府办公室"),
]
SEED_TEXT = {}


def seed_paragraphs(n: int) -> list[str]:
    prefix = ("000", "001", "003", "004")[n % 4]
    if prefix not in SEED_TEXT:
        SEED_TEXT[prefix] = read_seed(SEEDS, prefix, "")[0]
    return SEED_TEXT[prefix][:12]


def report(unit: str, year: int, n: int) -> tuple[str, list[str]]:
    """A 年报 title and its body: a real seed text led by a sentence that makes the page unique."""
    title = f"{unit}{year}年政府信息公开工作年度报告"
    lead = f"本报告由{unit}编制，所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    return title, [lead] + seed_paragraphs(n)


class Site:
    """Files of one portal, its routes, and the ground truth the crawl tests check."""

    def __init__(self, name: str, unit: str):
        self.name, self.unit = name, unit
        self.files: dict[str, bytes] = {"/robots.txt": ROBOTS}
        self.routes: dict[str, dict] = {}
        self.expected = {"portal": name, "home": "/index.html", "reports": [], "decoys": [], "attachments": [],
                         "robots_disallowed": [], "blocked": [], "duplicates": {}, "list_pages": []}

    def add_report(self, path: str, title: str, paragraphs: list[str], date: str, column: str, extra: str = "",
                   expect: bool = True) -> None:
        meta = dict(index_no=f"990000000/{date[:4]}-{len(self.files):05d}", topic="政务公开", publisher=self.unit,
                    generated_shown=date, title=title, pub=date + " 09:00", meta_style="ul")
        self.files[path] = article_page(title, column, HOME + ((column, "#"),), paragraphs, date=date + " 09:00",
                                        source=self.unit, extra_html=extra, metadata=meta)
        if expect:
            self.expected["reports"].append({"path": path, "title": title, "year": int(title.split("年")[0][-4:])})

    def add_decoys(self, stem: str, date: str) -> list[tuple[str, str, str]]:
        items = []
        for i, (title, source) in enumerate(DECOYS):
            title, path = title.format(u=self.unit), f"{stem}/t{date.replace('-', '')}_9{i:02d}.html"
            self.files[path] = article_page(title, "政务公开", HOME, [f"{title}。本页不是政府信息公开工作年度报告。"],
                                            date=date + " 10:00", source=self.unit + source)
            self.expected["decoys"].append(path)
            items.append((path, title, date))
        return items

    def page(self, path: str, title: str, main: str, script: str = "", list_page_: bool = False) -> None:
        self.files[path] = page_html(title, title, main, meta={"ColumnName": title}, script=script).encode("utf-8")
        if list_page_:
            self.expected["list_pages"].append(path)

    def home(self, section: str) -> None:
        main = (f'<div class="index_zwgk"><h2><a href="{section}">政务公开</a></h2></div>\n'
                '<div class="index_news"><h2><a href="/news/index.html">要闻动态</a></h2></div>\n')
        self.page("/index.html", self.unit, main)
        self.files["/news/index.html"] = list_page("新闻中心", HOME, [])

    def section(self, path: str, column: str, extra: str = "") -> None:
        menu = [("政府信息公开指南", "/zwgk/zn/index.html"), ("政府信息公开年报", column)]
        lis = "".join(f'<li><a href="{h}">{t}</a></li>\n' for t, h in menu)
        self.page(path, "政府信息公开", breadcrumb(*HOME) + f'<div class="xxgk_menu"><ul>\n{lis}{extra}</ul></div>\n')
        self.page("/zwgk/zn/index.html", "政府信息公开指南", breadcrumb(*HOME) + "<p>政府信息公开指南（略）。</p>\n")


def items_html(items) -> str:
    return "".join(f'<li><a href="{h}" target="_blank" title="{E(t)}">{E(t)}</a><span>{d}</span></li>\n'
                   for h, t, d in items)


def column_page(site: Site, path: str, items, pager: str = "", script: str = "", listed: bool = True) -> None:
    main = breadcrumb(*HOME) + f'<div class="list_box"><h2>政府信息公开年报</h2><ul class="list">\n{items_html(items)}</ul>{pager}</div>\n'
    site.page(path, "政府信息公开年报", main, script=script, list_page_=listed)


def years_reports(site: Site, stem: str, years, start: int = 0) -> list[tuple[str, str, str]]:
    items = []
    for i, year in enumerate(years):
        title, body = report(site.unit, year, start + i)
        path, date = f"{stem}/{year + 1}01/t{year + 1}0120_{start + i:03d}.html", f"{year + 1}-01-20"
        site.add_report(path, title, body, date, "政府信息公开年报")
        items.append((path, title, date))
    return items


def static_site() -> Site:
    """下一页/尾页 links, a stub last page, ?page=N township lists, traps: 关怀版, ?from=, a copy, robots, files."""
    site = Site("static", "示例甲县人民政府")
    site.home("/xxgk/index.html")
    site.section("/xxgk/index.html", "/xxgk/ndbg/index.html",
                 '<li><a href="/xxgk/xzjd/index.html">乡镇街道信息公开</a></li>\n'
                 '<li><a href="/care/xxgk/ndbg/index.html">关怀版</a></li><li><a href="/big5/xxgk/index.html">繁體</a></li>\n')
    first, second = years_reports(site, "/xxgk/ndbg", (2024, 2023)), years_reports(site, "/xxgk/ndbg", range(2022, 2018, -1), 2)
    decoys = site.add_decoys("/xxgk/ndbg/202501", "2025-01-10")
    title, body = report(site.unit, 2017, 6)
    site.add_report("/xxgk/ndbg/201801/t20180120_006.html", title, body[:2], "2018-01-20", "政府信息公开年报",
                    extra='<p>附件：<a href="./P020180120381.docx">2017年政府信息公开工作年度报告.docx</a></p>\n')
    site.files["/xxgk/ndbg/201801/P020180120381.docx"] = b"PK\x03\x04 docx placeholder"
    site.files["/xxgk/ndbg/201701/P020170120.pdf"] = b"%PDF-1.4\n% report file\n"
    site.expected["attachments"] = ["/xxgk/ndbg/201801/P020180120381.docx", "/xxgk/ndbg/201701/P020170120.pdf"]
    title16 = f"{site.unit}2016年政府信息公开工作年度报告"
    private = "/private/xxgk/ndbg/202501/t20250101_099.html"
    site.add_report(private, f"{site.unit}2024年政府信息公开工作年度报告（送审稿）", ["送审稿，不对外公开。"], "2025-01-01",
                    "政府信息公开年报", expect=False)
    site.expected["robots_disallowed"] = [private]
    page2 = second + decoys[4:] + [(first[0][0] + "?from=timeline", first[0][1], first[0][2]),
                                   ("/xxgk/ndbg/201801/t20180120_006.html", title, "2018-01-20"),
                                   ("/xxgk/ndbg/201701/P020170120.pdf", title16, "2017-01-20"), (private, "送审稿 2024年政府信息公开工作年度报告", "2025-01-01")]
    column_page(site, "/xxgk/ndbg/index.html", first + decoys[:4],
                '<div class="page"><a href="index_1.html">下一页</a> <a href="index_2.html">尾页</a></div>')
    column_page(site, "/xxgk/ndbg/index_1.html", page2,
                '<div class="page"><a href="index.html">上一页</a> <a href="index_2.html">下一页</a></div>')
    site.files["/xxgk/ndbg/index_2.html"] = b'<html><body><a href="index_3.html">\xe4\xb8\x8b\xe4\xb8\x80\xe9\xa1\xb5</a></body></html>'
    site.files["/xxgk/ndbg/index_3.html"] = site.files["/xxgk/ndbg/index_2.html"]   # past the stub: never asked for
    site.expected["never_requested"] = ["/xxgk/ndbg/index_3.html", "/care/xxgk/ndbg/index.html", "/big5/xxgk/index.html"]
    township(site, first)
    return site


def township(site: Site, county) -> None:
    """乡镇街道 directory → 东镇 年报 list paged by ?page=N; page 2 re-lists a county report at another URL."""
    site.page("/xxgk/xzjd/index.html", "乡镇街道信息公开",
              breadcrumb(*HOME) + '<ul><li><a href="/xxgk/xzjd/dz/ndbg/list.html">东镇政府信息公开年报</a></li></ul>\n')
    unit = "示例甲县东镇人民政府"
    items = []
    for i, year in enumerate((2024, 2023, 2022)):
        title, body = report(unit, year, 10 + i)
        path = f"/xxgk/xzjd/dz/ndbg/{year + 1}01/t{year + 1}0125_{i}.html"
        site.add_report(path, title, body, f"{year + 1}-01-25", "政府信息公开年报")
        items.append((path, title, f"{year + 1}-01-25"))
    copy = "/xxgk/xzjd/dz/ndbg/202501/t20250120_copy.html"
    site.files[copy] = site.files[county[0][0]]
    site.expected["duplicates"] = {copy: county[0][0]}   # either URL may be stored, never both
    column_page(site, "/xxgk/xzjd/dz/ndbg/list.html", items[:2], '<div class="page"><span>1</span> <a href="list.html?page=2">2</a></div>')
    column_page(site, "/xxgk/xzjd/dz/ndbg/list_page2.html", items[2:] + [(copy, county[0][1], county[0][2])],
                '<div class="page"><a href="list.html?page=1">1</a> <span>2</span></div>', listed=False)
    site.routes["/xxgk/xzjd/dz/ndbg/list.html?page=2"] = {"file": "/xxgk/xzjd/dz/ndbg/list_page2.html"}
    site.routes["/xxgk/xzjd/dz/ndbg/list.html?page=1"] = {"file": "/xxgk/xzjd/dz/ndbg/list.html"}
    site.expected["list_pages"].append("/xxgk/xzjd/dz/ndbg/list.html?page=2")


def trs_site() -> Site:
    """createPageHTML(3, 0, "index", "html") with no pager anchors; reports 2008–2024; 412 and 521 challenges."""
    site = Site("trs", "示例乙市人民政府")
    site.home("/zwgk/index.html")
    site.section("/zwgk/index.html", "/zwgk/xxgknb/index.html")
    items = years_reports(site, "/zwgk/xxgknb", range(2024, 2007, -1))
    decoys = site.add_decoys("/zwgk/xxgknb/202501", "2025-01-12")
    blocked = [("/zwgk/xxgknb/202401/t20240122_412.html", "示例乙市财政局2023年政府信息公开工作年度报告", "2024-01-22"),
               ("/zwgk/xxgknb/202401/t20240123_521.html", "示例乙市教育局2023年政府信息公开工作年度报告", "2024-01-23")]
    site.routes[blocked[0][0]] = {"status": 412, "body": RUISHU_412.decode("latin-1")}
    site.routes[blocked[1][0]] = {"status": 521, "body": JSL_521.decode("latin-1")}
    site.expected["blocked"] = [p for p, _, _ in blocked]
    pages = [items[:6] + decoys[:3], items[6:12] + decoys[3:6] + blocked, items[12:] + decoys[6:]]
    for i, chunk in enumerate(pages):
        name = "index.html" if i == 0 else f"index_{i}.html"
        script = f'<script type="text/javascript">createPageHTML({len(pages)}, {i}, "index", "html");</script>'
        column_page(site, f"/zwgk/xxgknb/{name}", [(p.replace("/zwgk/xxgknb", "."), t, d) for p, t, d in chunk],
                    f'<div class="page">{script}</div>')
    return site


def hanweb_site() -> Site:
    """jcms column: 4 records embedded in <datastore>, 7 more from POST dataproxy.jsp (<totalrecord>11)."""
    site = Site("hanweb", "示例丙县人民政府")
    site.home("/col/col1000/index.html")
    site.section("/col/col1000/index.html", "/col/col1001/index.html")
    records = []
    for i, year in enumerate(range(2024, 2017, -1)):
        title, body = report(site.unit, year, 20 + i)
        path = f"/art/{year + 1}/1/2{i}/art_1001_{300 + i}.html"
        site.add_report(path, title, body, f"{year + 1}-01-2{i}", "政府信息公开年报")
        records.append((path, title, f"{year + 1}-01-2{i}"))
    for path, title, date in site.add_decoys("/art/2025/1/9", "2025-01-09")[:4]:
        records.insert(3, (path, title, date))
    cdata = [f'<li><a href="{p}" target="_blank" title="{E(t)}">{E(t)}</a><span>{d}</span></li>' for p, t, d in records]
    nextgroup = ('<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=7&path=/&columnid=1001&unitid=5001'
                 '&webname=%E7%A4%BA%E4%BE%8B&permissiontype=0"></a>')
    store = (f'<script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup>'
             f'<totalrecord>{len(records)}</totalrecord><recordset>'
             + "".join(f"<record><![CDATA[{c}]]></record>" for c in cdata[:4]) + "</recordset></datastore></script>")
    script = ('<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>\n<script>$(function(){'
              '$("#5001").jpage({dataStore: dataStore, perPage: 4, proxyUrl: "/module/web/jpage/dataproxy.jsp"});'
              '});\n</script>\n')
    main = breadcrumb(*HOME) + f'<div class="list_box"><h2>政府信息公开年报</h2><div id="5001">{store}</div></div>\n'
    site.page("/col/col1001/index.html", "政府信息公开年报", main, script=script, list_page_=True)
    site.files["/_records.json"] = json.dumps(cdata, ensure_ascii=False).encode("utf-8")
    site.routes["POST /module/web/jpage/dataproxy.jsp"] = {"dataproxy": "/_records.json", "columnid": "1001"}
    site.expected["list_pages"].append("POST /module/web/jpage/dataproxy.jsp")
    return site


def gkmlpt_site() -> Site:
    """gkmlpt annual-report page whose script names /gkmlpt/api/all/2; JSON pages of 4 articles, total 9."""
    site = Site("gkmlpt", "示例丁区人民政府")
    site.home("/gkmlpt/index")
    site.section("/gkmlpt/index/index.html", "/gkmlpt/annualreport")
    site.files["/gkmlpt/index"] = site.files.pop("/gkmlpt/index/index.html")
    articles = []
    for i, year in enumerate(range(2024, 2018, -1)):
        title, body = report(site.unit, year, 30 + i)
        path = f"/gkmlpt/content/1/10{i}/post_10{i}88.html"
        site.add_report(path, title, body, f"{year + 1}-01-1{i}", "政府信息公开年报")
        articles.append({"title": title, "url": path, "identifier": f"007/{year + 1}-0000{i}", "publisher": site.unit})
    for path, title, _ in site.add_decoys("/gkmlpt/content/2/20", "2025-01-08")[:3]:
        articles.insert(2, {"title": title, "url": path, "publisher": site.unit})
    script = ('<script>window._CONFIG = {SID: "4400000101", CAT: 2};\nvar api = "/gkmlpt/api/all/2";\n'
              'fetch(api + "?page=1&sid=" + window._CONFIG.SID).then(function (r) { return r.json(); })'
              '.then(function (d) { document.getElementById("list").innerHTML = d.articles.map(function (a) {'
              ' return "<li><a href=\\"" + a.url + "\\">" + a.title + "</a></li>"; }).join(""); });\n</script>\n')
    main = breadcrumb(*HOME) + '<div class="list_box"><h2>政府信息公开年报</h2><ul id="list"></ul></div>\n'
    site.page("/gkmlpt/annualreport", "政府信息公开年报", main, script=script, list_page_=True)
    for path in ("/gkmlpt/index", "/gkmlpt/annualreport"):   # extension-less pages, as gkmlpt serves them
        site.routes[path] = {"file": path, "type": "text/html; charset=utf-8"}
    for n in range(3):
        body = {"articles": articles[n * 4:(n + 1) * 4], "total": len(articles), "classify": {"post_count": len(articles)}}
        site.files[f"/_api/page{n + 1}.json"] = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
        key = f"/gkmlpt/api/all/2?page={n + 1}&sid=4400000101"
        site.routes[key] = {"file": f"/_api/page{n + 1}.json", "type": "application/json; charset=utf-8"}
        site.expected["list_pages"].append(key)
    return site


def rendered_site() -> Site:
    """A 年报 column whose list exists only after its script runs (titles base64 in the script)."""
    import base64

    site = Site("rendered", "示例戊县人民政府")
    site.home("/xxgk/index.html")
    site.section("/xxgk/index.html", "/xxgk/nb/index.html")
    items = years_reports(site, "/xxgk/nb", range(2024, 2019, -1), 40)
    entries = ",".join(f'["{p}","{base64.b64encode(t.encode("utf-8")).decode()}"]' for p, t, _ in items)
    script = ('<script>\nvar items = [' + entries + '];\ndocument.addEventListener("DOMContentLoaded", function () {\n'
              '  var ul = document.getElementById("list");\n  items.forEach(function (it) {\n'
              '    var li = document.createElement("li"), a = document.createElement("a");\n'
              '    a.href = it[0]; a.textContent = decodeURIComponent(escape(atob(it[1])));\n'
              '    li.appendChild(a); ul.appendChild(li);\n  });\n});\n</script>\n')
    main = breadcrumb(*HOME) + '<div class="list_box"><h2>政府信息公开年报</h2><ul id="list" class="list"></ul></div>\n'
    site.page("/xxgk/nb/index.html", "政府信息公开年报", main, script=script, list_page_=True)
    return site


def search_site() -> Site:
    """No 年报 column anywhere: reports only through the home page's TRS was5 search (4 result pages announced:
    1–2 hold the 年报, 3 only look-alikes, 4 an older report beyond NIANBAO_SITE_SEARCH_PAGES, never asked for)."""
    site = Site("search", "示例己县人民政府")
    site.home("/zwgk/index.html")   # every page's header (nav_html) has <form action="/was5/web/search">
    menu = [("政府信息公开指南", "/zwgk/zn/index.html"), ("政府信息公开制度", "/zwgk/zd/index.html"),
            ("法定主动公开内容", "/zwgk/fdzdgk/index.html")]
    lis = "".join(f'<li><a href="{h}">{t}</a></li>\n' for t, h in menu)
    site.page("/zwgk/index.html", "政府信息公开", breadcrumb(*HOME) + f'<div class="xxgk_menu"><ul>\n{lis}</ul></div>\n')
    decoys = site.add_decoys("/zwgk/fdzdgk/202501", "2025-01-15")   # listed by the walk, too: never a 年报
    news = ("/news/202412/t20241203_950.html", f"{site.unit}召开2024年度政府信息公开工作年度报告编制工作培训会", "2024-12-03")
    site.files[news[0]] = article_page(news[1], "要闻动态", HOME, [news[1] + "。"], date=news[2] + " 15:00", source=site.unit)
    site.expected["decoys"].append(news[0])
    site.files["/zwgk/fdzdgk/index.html"] = list_page("法定主动公开内容", HOME, decoys[:5])
    reports = []
    for i, (unit, year) in enumerate([(site.unit, 2024), ("示例己县教育局", 2024), (site.unit, 2023), (site.unit, 2022),
                                      ("示例己县卫生健康局", 2022), (site.unit, 2021), (site.unit, 2018)]):
        title, body = report(unit, year, 50 + i)
        path, date = f"/zwgk/bmxx/{year + 1}01/t{year + 1}012{i}_{50 + i}.html", f"{year + 1}-01-2{i}"
        site.add_report(path, title, body, date, "部门信息", expect=year > 2018)
        reports.append((path, title, date))
    word = "政府信息公开工作年度报告"   # spiders/platforms/sitesearch.py QUERY: the routes answer this word only
    site.expected["search_word"] = word
    results = [reports[:3] + [news, decoys[5], decoys[6], decoys[0], reports[0]],
               reports[3:6] + [decoys[1], decoys[7], decoys[4]], decoys[2:4], reports[6:]]
    for n, items in enumerate(results, 1):
        query = urlencode([("page", n)] * (n > 1) + [("searchword", word)])   # sorted: what the server keys on
        site.routes[f"/was5/web/search?{query}"] = {"file": f"/_was5/result{n}.html", "type": "text/html; charset=utf-8"}
        site.files[f"/_was5/result{n}.html"] = search_results_page(site, word, items, n, len(results))
        if n <= 2:
            site.expected["list_pages"].append(f"/was5/web/search?{query}")
    site.routes["/was5/web/search?" + urlencode([("page", 1), ("searchword", word)])] = {
        "file": "/_was5/result1.html", "type": "text/html; charset=utf-8"}
    site.expected["never_requested"] = [f"/was5/web/search?{urlencode([('page', 4), ('searchword', word)])}",
                                        reports[6][0]]
    return site


def search_results_page(site: Site, word: str, items, current: int, count: int) -> bytes:
    """A was5 result page: the word highlighted in red inside titles, numbered pager with 下一页/尾页."""
    def title_html(title: str) -> str:
        return E(title).replace(word, f'<font color="red">{word}</font>')
    lis = "".join(f'<li><a href="{p}" target="_blank">{title_html(t)}</a><p>{E(t)}……</p><span>{d}</span></li>\n'
                  for p, t, d in items)
    href = (lambda n: "/was5/web/search?" + urlencode([("page", n), ("searchword", word)]).replace("&", "&amp;"))
    links = [f'<a href="{href(1)}">首页</a>']
    links += [f"<span>{n}</span>" if n == current else f'<a href="{href(n)}">{n}</a>' for n in range(1, count + 1)]
    if current < count:
        links.append(f'<a href="{href(current + 1)}">下一页</a>')
    links.append(f'<a href="{href(count)}">尾页</a>')
    main = (f'<div class="result-info">找到相关结果约 {count * 10 - 3} 条</div>\n<ul class="result-list">\n{lis}</ul>\n'
            f'<div class="page">{" ".join(links)}</div>\n')
    return page_html("检索结果", "检索结果", main).encode("utf-8")


SITES = (static_site, trs_site, hanweb_site, gkmlpt_site, rendered_site, search_site)


def json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def build(out: Path) -> dict[str, dict]:
    """Write every portal under out/<name>/site (replacing it) and out/<name>/EXPECTED.json."""
    expected = {}
    for make in SITES:
        site = make()
        root = out / site.name / "site"
        if root.exists():
            shutil.rmtree(root)
        for path, data in sorted({**site.files, "/_routes.json": json_bytes(site.routes)}.items()):
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (out / site.name / "EXPECTED.json").write_bytes(json_bytes(site.expected))
        expected[site.name] = site.expected
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "pages" / "platforms")
    args = parser.parse_args()
    for name, exp in build(args.out).items():
        print(f"{name}: {len(exp['reports'])} reports, {len(exp['decoys'])} decoys")


if __name__ == "__main__":
    main()
