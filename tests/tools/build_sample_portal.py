"""Build crawler/sample_portal/ (a TRS-style county portal) and its EXPECTED.json from the seed 年报 texts.

Usage: python tests/tools/build_sample_portal.py [--seeds tests/seeds] [--out crawler/sample_portal]

The seeds hold real report texts with table cells flattened one per line; the three statistics tables
are rebuilt from the fixed 国办公开办函〔2021〕30号 layout (rowspan/colspan) filled with the seed's cells.
Output is deterministic: re-running it must leave `git diff crawler/sample_portal` empty.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
SITE_NAME = "示例县人民政府"
SITE_ID_CODE = "9900000001"   # fictional 网站标识码 (province code 99 does not exist)
GBK_PATH = "/zwgk/xxgknb/202401/t20240126_0958.html"
SPAM_HIDDEN = (
    '<div style="display:none"><a href="http://www.am8866.example/">澳门葡京娱乐场</a>'
    '<a href="http://www.bjl-zhenren.example/">真人百家乐官网</a>'
    '<a href="https://xsj-casino.example/">新濠天地棋牌游戏</a></div>'
)
SPAM_TRAILER = (
    '\n<a href="http://www.am8866.example/">澳门葡京</a> www.am8866.example 时时彩开奖 北京赛车pk10 '
    '真人百家乐 和硕县| 临武县| 资源县| 安溪县| 自贡市| 西峡县| 炉霍县| 秦安县|\n'
)
SPAM_SNIPPETS = ["澳门葡京娱乐场", "真人百家乐", "新濠天地棋牌游戏", "www.am8866.example", "时时彩开奖",
                 "北京赛车pk10", "和硕县|"]
CHROME_SNIPPETS = ["首页", "网站标识码", "分享到", "您现在所在的位置", "ICP备", "公网安备", "主办单位",
                   "扫一扫在手机打开当前页", "打印本页", "关闭窗口"]
# Lines of page furniture the seed collector captured along with the report text.
SEED_FURNITURE = ("扫一扫在手机打开当前页",)

REPORTS = [
    dict(seed="000", path="/zwgk/xxgknb/202501/t20250120_1001.html", year=2024,
         title="南昌市人民政府办公室2024年政府信息公开工作年度报告", publisher="南昌市人民政府办公室",
         index_no="360100000/2025-00012", generated_date="2025-01-20", generated_shown="2025-01-20",
         pub="2025-01-20 10:32", topic="综合政务\\政务公开", meta_style="table", charset="utf-8", spam=True),
    dict(seed="001", path="/zwgk/xxgknb/202501/t20250124_1002.html", year=2024,
         title="营山县人民政府办公室2024年政府信息公开工作年度报告", publisher="营山县人民政府办公室",
         index_no="511322000/2025-00003", generated_date="2025-01-24", generated_shown="2025-01-24",
         pub="2025-01-24 16:05", topic="政务公开", meta_style="ul", charset="utf-8", spam=False),
    dict(seed="003", path=GBK_PATH, year=2023,
         title="南通市人民政府办公室2023年政府信息公开工作年度报告", publisher="南通市人民政府办公室",
         index_no="320600000/2024-00021", generated_date="2024-01-26", generated_shown="2024年01月26日",
         pub="2024-01-26 09:15", topic="综合政务\\政务公开", meta_style="table_spaced", charset="gbk",
         spam=False),
    dict(seed="004", path="/zwgk/xxgknb/202503/t20250328_1017.html", year=2024,
         title="同江市2024年政府信息公开工作年度报告", publisher="同江市人民政府办公室",
         index_no="230881000/2025-00008", generated_date="2025-03-28", generated_shown="2025-03-28",
         pub="2025-03-28 11:20", topic="政务公开", meta_style="ul", charset="utf-8", spam=False,
         docx="P020250328_1017.docx"),
]
STATS_PATH = "/zwgk/xxgknb/202503/t20250315_1012.html"
NOTICE_PATH = "/zwgk/xxgknb/202412/t20241210_0990.html"
GUIDE_PATH = "/zwgk/zn/202501/t20250106_0995.html"
RULES_PATH = "/zwgk/zd/202403/t20240301_0960.html"
NEWS = [("/news/202503/t20250312_1011.html", "示例县召开2025年政务公开工作推进会", "2025-03-12"),
        ("/news/202502/t20250218_1006.html", "示例县开展“政府开放日”活动", "2025-02-18")]
PRIVATE_PATH = "/private/zwgk/xxgknb/202501/t20250115_1003.html"
PRIVATE_TITLE = "示例县人民政府2024年政府信息公开工作年度报告（送审稿）"
FAIL_PATH = "/_fail/500/zwgk/xxgknb/202502/t20250210_1008.html"
FAIL_TITLE = "示例县交通运输局2024年政府信息公开工作年度报告"


# --- seed texts -> paragraphs and flat table cells ---------------------------------------------

TABLE_HEADINGS = (r"^二、主动公开", r"^三、收到和处理", r"^四、政府信息公开行政复议", r"^五、")
REPEATED_GROUP = re.compile(r"^三\s*、\s*本\s*年\s*度\s*办\s*理\s*结\s*果$")


def read_seed(seeds: Path, prefix: str, title: str) -> tuple[list[str], list[list[str]]]:
    """(paragraphs, [cells of table A, B, C]) of one seed text."""
    lines = (seeds / next(p.name for p in seeds.glob(f"{prefix}_*.txt"))).read_text("utf-8").split("\n")
    starts = [next(i for i, l in enumerate(lines) if re.match(h, l)) for h in TABLE_HEADINGS]
    tables = [split_cells(lines[a + 1:b]) for a, b in zip(starts, starts[1:])]
    kept = lines[:starts[0] + 1] + [lines[starts[1]], lines[starts[2]]] + lines[starts[3]:]
    paragraphs = [clean_paragraph(l) for l in kept]
    paragraphs = [p for p in paragraphs if p and p != title and p not in SEED_FURNITURE]
    # Headings 二/三/四 were kept in document order; put each back before its table when rendering.
    return paragraphs, tables


def clean_paragraph(line: str) -> str:
    # seed 004: the .docx conversion left Word's "[bookmark: _GoBack]" marker in the text.
    return re.sub(r"\[bookmark: [^\]]*\]", "", line).strip()


def split_cells(lines: list[str]) -> list[str]:
    """Flat cell texts: "cell |" lines (seeds 000-003) or tab-led lines (seed 004)."""
    if any(l.startswith("\t") for l in lines):
        return tab_cells(lines)
    cells = [re.sub(r"[\s|]+$", "", l).strip() for l in lines]
    return [c for c in cells if c]


def tab_cells(lines: list[str]) -> list[str]:
    cells: list[str] = []
    for line in lines:
        if line.startswith("\t"):
            cells.append(line.strip())
        elif line.strip() and cells:
            cells[-1] += " " + line.strip()      # second line of a two-line cell ("商业\n企业")
    kept, seen_group = [], False
    for cell in cells:
        if not cell:                             # empty cells stand for rowspan continuations
            continue
        if REPEATED_GROUP.match(cell):
            if seen_group:                       # seed 004: Word repeats this rowspanned label after a page break
                continue
            seen_group = True
        kept.append(cell)
    return kept


# --- the three tables of the 2021 format, as (standard label | None for a number, colspan, rowspan) ---

def L(text, colspan=1, rowspan=1):
    return (text, colspan, rowspan)


N = (None, 1, 1)
N3 = (None, 3, 1)


def table_a() -> list[list[tuple]]:
    rows = [[L("第二十条第（一）项", 4)], [L("信息内容"), L("本年制发件数"), L("本年废止件数"), L("现行有效件数")],
            [L("规章"), N, N, N], [L("行政规范性文件"), N, N, N]]
    for item, column, subjects in (("（五）", "本年处理决定数量", ["行政许可"]),
                                   ("（六）", "本年处理决定数量", ["行政处罚", "行政强制"]),
                                   ("（八）", "本年收费金额（单位：万元）", ["行政事业性收费"])):
        rows += [[L(f"第二十条第{item}项", 4)], [L("信息内容"), L(column, 3)]] + [[L(s), N3] for s in subjects]
    return rows


B_GROUPS = [
    ("（一）予以公开", []), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", []),
    ("（三）不予公开", ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                   "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"]),
    ("（四）无法提供", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]),
    ("（五）不予处理", ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                   "5.要求行政机关确认或重新出具已获取信息"]),
    ("（六）其他处理", ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                   "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]),
    ("（七）总计", []),
]


def table_b() -> list[list[tuple]]:
    seven = [N] * 7
    rows = [[L("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), L("申请人情况", 7)],
            [L("自然人", 1, 2), L("法人或其他组织", 5), L("总计", 1, 2)],
            [L("商业企业"), L("科研机构"), L("社会公益组织"), L("法律服务机构"), L("其他")],
            [L("一、本年新收政府信息公开申请数量", 3)] + seven, [L("二、上年结转政府信息公开申请数量", 3)] + seven]
    group_rows = []
    for group, items in B_GROUPS:
        if not items:
            group_rows.append([L(group, 2)] + seven)
        else:
            group_rows.append([L(group, 1, len(items)), L(items[0])] + seven)
            group_rows += [[L(item)] + seven for item in items[1:]]
    group_rows[0] = [L("三、本年度办理结果", 1, len(group_rows))] + group_rows[0]
    return rows + group_rows + [[L("四、结转下年度继续办理", 3)] + seven]


def table_c() -> list[list[tuple]]:
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [[L("行政复议", 5), L("行政诉讼", 10)],
            [L(r, 1, 2) for r in results] + [L("未经复议直接起诉", 5), L("复议后起诉", 5)],
            [L(r) for r in results * 2], [N] * 15]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(str.maketrans("（）：，", "():,"))


def fill_table(template: list[list[tuple]], cells: list[str]) -> list[list[tuple]]:
    """Put the seed's cells, in document order, into the template; check numbers land on numbers."""
    slots = sum(len(row) for row in template)
    if slots != len(cells):
        raise ValueError(f"table has {slots} cells, seed gave {len(cells)}: {cells[:6]}")
    it = iter(cells)
    return [[(cell_text(std, next(it)), cs, rs) for std, cs, rs in row] for row in template]


def cell_text(standard: str | None, seed: str) -> str:
    numeric = bool(re.fullmatch(r"\d+(\.\d+)?", seed))
    if (standard is None) != numeric:
        raise ValueError(f"seed cell {seed!r} does not fit the template cell {standard!r}")
    if standard and squash(standard).startswith(squash(seed)) and squash(standard) != squash(seed):
        # seed 001: the collector kept only the first line of two-line cells ("结果" for "结果<br>纠正").
        return squash(seed) + " " + squash(standard)[len(squash(seed)):]
    return seed


def expand(grid: list[list[tuple]]) -> list[list[str]]:
    """Text rows with every spanned cell repeated in each position it covers."""
    out: dict[tuple[int, int], str] = {}
    for r, row in enumerate(grid):
        c = 0
        for text, cs, rs in row:
            while (r, c) in out:
                c += 1
            for dr in range(rs):
                for dc in range(cs):
                    out[(r + dr, c + dc)] = text
            c += cs
    width = max(c for _, c in out) + 1
    return [[out.get((r, c), "") for c in range(width)] for r in range(len(grid))]


# --- HTML ---------------------------------------------------------------------------------------

E = html.escape


def cell_html(text: str, colspan: int, rowspan: int) -> str:
    attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
    inner = "<br/>".join(E(part) for part in text.split())   # a space in a seed cell was a line break
    return f'<td{attrs} valign="center" style="padding: 0 4px; border: 1px solid windowtext;">' \
           f'<p style="text-indent: 0em;">{inner}</p></td>'


def table_html(grid: list[list[tuple]]) -> str:
    rows = "".join("<tr>" + "".join(cell_html(*cell) for cell in row) + "</tr>\n" for row in grid)
    return ('<table style="border-collapse: collapse; width: auto !important; margin: 0 auto;" '
            f'cellspacing="0" align="center" border="1"><tbody>\n{rows}</tbody></table>\n')


def paragraph_html(text: str, indent: str = "") -> str:
    if re.match(r"^[一二三四五六七八九十]+、", text):
        return f'<p style="text-indent: 2em;"><span style="font-family: 黑体, SimHei;">{E(text)}&nbsp;</span></p>\n'
    return f'<p style="text-indent: 2em;">{indent}{E(text)}</p>\n'


def nav_html() -> str:
    return ('<div class="top"><div class="wrap"><span>欢迎访问示例县人民政府门户网站</span><div class="top_tools">'
            '<a href="javascript:void(0);" onclick="toggleCare()">关怀版</a>'
            '<a href="javascript:void(0);" onclick="toggleAria()">无障碍</a>'
            '<a href="javascript:void(0);" onclick="toBig5()">繁体</a></div></div></div>\n'
            '<div class="header"><div class="wrap"><div class="logo"><a href="/index.html">示例县人民政府</a></div>'
            '<form class="search" action="/was5/web/search" method="get"><input type="text" name="searchword" '
            'placeholder="请输入关键字"/><button type="submit">搜索</button></form></div></div>\n'
            '<div class="nav"><ul><li><a href="/index.html">首页</a></li><li><a href="/zwgk/index.html">政务公开</a></li>'
            '<li><a href="/news/index.html">新闻中心</a></li><li><a href="/bsfw/index.html">办事服务</a></li>'
            '<li><a href="/hdjl/index.html">互动交流</a></li></ul></div>\n')


def footer_html() -> str:
    return ('<div class="footer"><div class="wrap"><p><a href="/index.html">网站首页</a> | '
            '<a href="/hdjl/index.html">联系我们</a></p>\n'
            '<p>主办单位：示例县人民政府办公室　承办单位：示例县大数据中心</p>\n'
            '<p>地址：示例县昇平大道1号　联系电话：0000-1234567</p>\n'
            f'<p>网站标识码：{SITE_ID_CODE}　示ICP备00000001号　示公网安备 00000000000001号</p>\n'
            '<div class="jiucuo"><span>政府网站找错</span></div></div></div>\n')


def page_html(title: str, column: str, main: str, *, meta: dict[str, str] | None = None,
              charset_tag: str = '<meta charset="utf-8">', script: str = "") -> str:
    tags = {"SiteName": SITE_NAME, "SiteIDCode": SITE_ID_CODE, "ColumnName": column, **(meta or {})}
    metas = "".join(f'<meta name="{k}" content="{E(v)}">\n' for k, v in tags.items())
    page_title = f"{title}_{column}_{SITE_NAME}" if title != column else f"{column}_{SITE_NAME}"
    return (f'<!DOCTYPE html>\n<html>\n<head>\n{charset_tag}\n{metas}<title>{E(page_title)}</title>\n'
            '<link rel="stylesheet" type="text/css" href="/images/style.css">\n'
            f'<script type="text/javascript" src="/js/common.js"></script>\n</head>\n<body>\n{nav_html()}'
            f'<div class="main wrap">\n{main}</div>\n{footer_html()}{script}</body>\n</html>\n')


def breadcrumb(*links: tuple[str, str]) -> str:
    parts = " &gt; ".join(f'<a href="{href}">{E(text)}</a>' for text, href in links)
    return f'<div class="position">您现在所在的位置：{parts}</div>\n'


def metadata_html(r: dict) -> str:
    rows = [("索引号", r["index_no"], "主题分类", r["topic"]), ("发布机构", r["publisher"], "生成日期", r["generated_shown"]),
            ("名称", r["title"], None, None), ("文号", "", "发布日期", r["pub"][:10])]
    if r["meta_style"] == "ul":
        items = [(k, v) for a, b, c, d in rows for k, v in ((a, b), (c, d)) if k]
        lis = "".join(f'<li><span class="lab">{k}：</span><span class="val">{E(v)}</span></li>\n' for k, v in items)
        return f'<div class="xxgk_info"><ul>\n{lis}</ul></div>\n'
    spaced = r["meta_style"] == "table_spaced"   # gov.cn style labels: "索 引 号"
    label = (lambda k: " ".join(k) if spaced and len(k) == 3 else k)
    trs = ""
    for a, b, c, d in rows:
        tail = f'<td class="lab">{label(c)}：</td><td>{E(d)}</td>' if c else ""
        span = "" if c else ' colspan="3"'
        trs += f'<tr><td class="lab">{label(a)}：</td><td{span}>{E(b)}</td>{tail}</tr>\n'
    return f'<table class="xxgk_table" cellspacing="0" cellpadding="0">\n{trs}</table>\n'


def report_main(r: dict, paragraphs: list[str], grids: list[list[list[tuple]]]) -> str:
    indent = "\u3000\u3000" if r["charset"] == "gbk" else ""   # Word-pasted pages indent with U+3000
    body = ""
    tables = iter(grids)
    for p in paragraphs:
        body += paragraph_html(p, indent)
        if re.match(r"^[二三四]、(主动公开|收到和处理|政府信息公开行政复议)", p):
            body += table_html(next(tables))
    if r.get("docx"):   # issue 5: a full HTML report that also links its Word original
        body += f'<p>附件：<a href="./{r["docx"]}">{E(r["title"])}.docx</a></p>\n'
    if r["spam"]:
        body = SPAM_HIDDEN + "\n" + body        # 暗链 injected into the document body by the attacker
    info = (f'<div class="article_info"><span>来源：{E(r["publisher"])}</span><span>发布时间：{r["pub"]}</span>'
            '<span class="font">字号：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
            '<a href="javascript:doZoom(14)">小</a></span></div>\n')
    tools = ('<div class="article_tools"><div class="share">分享到：<a href="javascript:void(0);">微信</a>'
             '<a href="javascript:void(0);">微博</a><a href="javascript:void(0);">QQ空间</a></div>'
             '<a href="javascript:window.print();">打印本页</a> <a href="javascript:window.close();">关闭窗口</a>'
             '<div class="qrcode"><p>扫一扫在手机打开当前页</p></div></div>\n')
    return (breadcrumb(("首页", "../../../index.html"), ("政务公开", "../../index.html"),
                       ("政府信息公开年报", "../index.html")) + metadata_html(r)
            + f'<div class="article"><h1 class="article_title">{E(r["title"])}</h1>\n{info}'
            + f'<div class="article_content"><div class="TRS_Editor">\n{body}</div></div>\n{tools}</div>\n')


def report_page(r: dict, paragraphs: list[str], grids) -> bytes:
    meta = {"ColumnName": "政府信息公开年报", "ArticleTitle": r["title"], "PubDate": r["pub"],
            "ContentSource": r["publisher"]}
    if r["charset"] == "gbk":
        tag = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        text = page_html(r["title"], "政府信息公开年报", report_main(r, paragraphs, grids), meta=meta, charset_tag=tag)
        return text.replace("\n", "\r\n").encode("gbk")   # an old Windows-side template: GBK bytes, CRLF
    text = page_html(r["title"], "政府信息公开年报", report_main(r, paragraphs, grids), meta=meta)
    return (text + SPAM_TRAILER if r["spam"] else text).encode("utf-8")


# --- the other pages ----------------------------------------------------------------------------

def article_page(title: str, column: str, crumbs, paragraphs: list[str], *, date: str,
                 source: str = "示例县人民政府办公室", extra_html: str = "", metadata: dict | None = None) -> bytes:
    body = "".join(f'<p style="text-indent: 2em;">{E(p)}</p>\n' for p in paragraphs) + extra_html
    block = metadata_html(metadata) if metadata else ""
    main = (breadcrumb(*crumbs) + block + f'<div class="article"><h1 class="article_title">{E(title)}</h1>\n'
            f'<div class="article_info"><span>来源：{E(source)}</span><span>发布时间：{date}</span></div>\n'
            f'<div class="article_content"><div class="TRS_Editor">\n{body}</div></div></div>\n')
    meta = {"ArticleTitle": title, "PubDate": date, "ContentSource": source}
    return page_html(title, column, main, meta=meta).encode("utf-8")


def list_page(column: str, crumbs, items: list[tuple[str, str, str]], pager: str = "") -> bytes:
    """TRS list: <li><a title=full title>anchor (long titles cut with ...)</a><span>date</span></li>."""
    lis = "".join(f'<li><a href="{href}" target="_blank" title="{E(t)}">{E(t if len(t) <= 26 else t[:24] + "...")}'
                  f'</a><span class="date">{d}</span></li>\n' for href, t, d in items) or "<li>暂无信息</li>\n"
    main = (breadcrumb(*crumbs)
            + f'<div class="list_box"><h2>{E(column)}</h2>\n<ul class="list">\n{lis}</ul>\n{pager}</div>\n')
    return page_html(column, column, main, meta={"ColumnName": column}).encode("utf-8")


def pager_html(count: int, current: int) -> str:
    script = f'<script type="text/javascript">createPageHTML({count}, {current}, "index", "html");</script>'
    name = (lambda i: "index.html" if i == 0 else f"index_{i}.html")
    links = [f'<a href="{name(0)}">首页</a>']
    if current > 0:
        links.append(f'<a href="{name(current - 1)}">上一页</a>')
    if current < count - 1:
        links.append(f'<a href="{name(current + 1)}">下一页</a>')
    links.append(f'<a href="{name(count - 1)}">尾页</a>')
    return f'<div class="page">{script}\n{" ".join(links)}</div>\n'


def rel(path: str) -> str:
    """Link from /zwgk/xxgknb/index*.html to a page under it, the way TRS writes it."""
    return "." + path[len("/zwgk/xxgknb"):] if path.startswith("/zwgk/xxgknb/") else path


def nianbao_lists() -> dict[str, bytes]:
    crumbs = (("首页", "/index.html"), ("政务公开", "/zwgk/index.html"), ("政府信息公开年报", "/zwgk/xxgknb/index.html"))
    r = {x["seed"]: x for x in REPORTS}
    page1 = [(r["004"]["path"], r["004"]["title"], "2025-03-28"), (STATS_PATH, "示例县2024年统计年报", "2025-03-15"),
             (FAIL_PATH, FAIL_TITLE, "2025-02-10"), (r["001"]["path"], r["001"]["title"], "2025-01-24"),
             (r["000"]["path"], r["000"]["title"], "2025-01-20")]
    page2 = [(PRIVATE_PATH, PRIVATE_TITLE, "2025-01-15"),
             (NOTICE_PATH, "关于做好2024年度政府信息公开工作年度报告编制发布工作的通知", "2024-12-10"),
             (POINTER_CORRUPT[0], POINTER_CORRUPT[3], "2024-02-07"), (POINTER_HANWEB[0], POINTER_HANWEB[3], "2024-02-06"),
             (POINTER_PDF[0], POINTER_PDF[3], "2024-02-05"), (r["003"]["path"], r["003"]["title"], "2024-01-26")]
    return {"/zwgk/xxgknb/index.html": list_page("政府信息公开年报", crumbs, [(rel(h), t, d) for h, t, d in page1],
                                                 pager_html(2, 0)),
            "/zwgk/xxgknb/index_1.html": list_page("政府信息公开年报", crumbs, [(rel(h), t, d) for h, t, d in page2],
                                                   pager_html(2, 1))}


ZWGK_CRUMBS = (("首页", "/index.html"), ("政务公开", "/zwgk/index.html"))
NOTICE = ["各乡镇人民政府，县政府各部门：",
          "根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号文件要求，现就做好2024年度政府信息公开工作年度报告编制发布工作通知如下。",
          "一、县政府各部门应于2025年1月31日前，在县政府门户网站“政府信息公开年报”栏目发布本部门2024年度政府信息公开工作年度报告。",
          "二、各乡镇人民政府参照上述要求，于2025年1月31日前完成年度报告的编制和发布工作。",
          "三、年度报告应严格按照统一格式编制，做到数据准确、内容全面，不得内容雷同、敷衍塞责。",
          "示例县人民政府办公室", "2024年12月10日"]
GUIDE = ["为进一步做好政府信息公开工作，方便公民、法人和其他组织获取政府信息，根据《中华人民共和国政府信息公开条例》，编制本指南。",
         "一、主动公开。主动公开的政府信息包括机构职能、政策文件、规划计划、财政预决算、政府信息公开工作年度报告等，通过县政府门户网站“政务公开”栏目公开。",
         "二、依申请公开。公民、法人或者其他组织可以通过在线平台、信函或当面提交的方式向本机关申请获取政府信息，本机关在法定期限内予以答复。",
         "三、政府信息公开工作年度报告。本机关每年1月31日前在“政府信息公开年报”栏目公布上一年度政府信息公开工作年度报告。",
         "四、监督和救济。公民、法人或者其他组织认为本机关在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。"]
STATS = ["示例县统计局依据《中华人民共和国统计法》组织完成2024年统计年报工作，现将主要统计指标公布如下。",
         "注：本表数据为年报初步汇总数，最终以《示例县统计年鉴》为准。"]
STATS_TABLE = ('<table border="1" cellspacing="0"><tbody>\n<tr><td>指标</td><td>单位</td><td>2024年</td>'
               '<td>比上年增长（%）</td></tr>\n<tr><td>地区生产总值</td><td>亿元</td><td>128.6</td><td>5.2</td></tr>\n'
               '<tr><td>规模以上工业增加值</td><td>亿元</td><td>41.3</td><td>6.8</td></tr>\n'
               '<tr><td>社会消费品零售总额</td><td>亿元</td><td>52.7</td><td>4.9</td></tr>\n</tbody></table>\n')
RULES = ["第一条 为规范政府信息公开保密审查工作，根据《中华人民共和国保守国家秘密法》《中华人民共和国政府信息公开条例》，制定本制度。",
         "第二条 拟公开的政府信息实行“先审查、后公开”和“一事一审”原则，未经审查的信息不得公开。",
         "第三条 本制度自发布之日起施行。"]
NEWS_TEXT = {
    NEWS[0][0]: ["3月12日，示例县召开2025年政务公开工作推进会，总结2024年政务公开工作，部署2025年重点任务。",
                 "会议要求，各部门要按时发布政府信息公开工作年度报告，持续提升政务公开质效。"],
    NEWS[1][0]: ["2月18日，示例县组织开展“政府开放日”活动，邀请30余名群众代表走进县政务服务中心。",
                 "活动中，群众代表参观了政务服务大厅，并就优化办事流程提出意见建议。"],
}


def other_pages() -> dict[str, bytes]:
    zwgk = ZWGK_CRUMBS
    meta_notice = dict(index_no="990000000/2024-00088", topic="政务公开", publisher="示例县人民政府办公室",
                       generated_shown="2024-12-10", title="关于做好2024年度政府信息公开工作年度报告编制发布工作的通知",
                       pub="2024-12-10 09:00", meta_style="ul")
    pages = {
        NOTICE_PATH: article_page(meta_notice["title"], "政府信息公开年报",
                                  zwgk + (("政府信息公开年报", "/zwgk/xxgknb/index.html"),), NOTICE,
                                  date="2024-12-10 09:00", metadata=meta_notice),
        STATS_PATH: article_page("示例县2024年统计年报", "政府信息公开年报",
                                 zwgk + (("政府信息公开年报", "/zwgk/xxgknb/index.html"),), STATS[:1],
                                 date="2025-03-15 10:00", source="示例县统计局",
                                 extra_html=STATS_TABLE + f'<p>{E(STATS[1])}</p>\n'),
        GUIDE_PATH: article_page("示例县人民政府信息公开指南", "政府信息公开指南",
                                 zwgk + (("政府信息公开指南", GUIDE_PATH),), GUIDE, date="2025-01-06 08:30"),
        RULES_PATH: article_page("示例县政府信息公开保密审查制度", "政府信息公开制度",
                                 zwgk + (("政府信息公开制度", "/zwgk/zd/index.html"),), RULES, date="2024-03-01 15:00"),
        PRIVATE_PATH: article_page(PRIVATE_TITLE, "政府信息公开年报", zwgk,
                                   ["本稿为征求意见稿，仅供内部审核，不对外公开。"], date="2025-01-15 17:00"),
        "/zwgk/zd/index.html": list_page("政府信息公开制度", zwgk, [(RULES_PATH, "示例县政府信息公开保密审查制度", "2024-03-01")]),
        "/zwgk/bmxxgkml/index.html": list_page("部门信息公开目录", zwgk, [
            ("/zwgk/bmxxgkml/tjj/xxgknb/index.html", "示例县统计局 政府信息公开年报", "2025-01-02")]),
        # An empty department column, as many are: discovery must note it and move on.
        "/zwgk/bmxxgkml/tjj/xxgknb/index.html": list_page("政府信息公开年报", zwgk + (
            ("部门信息公开目录", "/zwgk/bmxxgkml/index.html"),), []),
        "/news/index.html": list_page("新闻中心", (("首页", "/index.html"),), [(p, t, d) for p, t, d in NEWS]),
    }
    for path, title, date in NEWS:
        pages[path] = article_page(title, "新闻中心", (("首页", "/index.html"), ("新闻中心", "/news/index.html")),
                                   NEWS_TEXT[path], date=date + " 16:00", source="示例县融媒体中心")
    pages.update(nianbao_lists())
    pages.update(section_pages())
    return pages


def section_pages() -> dict[str, bytes]:
    menu = [("政府信息公开指南", GUIDE_PATH), ("政府信息公开制度", "/zwgk/zd/index.html"),
            ("法定主动公开内容", "/zwgk/fdzdgknr/index.html"), ("政府信息公开年报", "/zwgk/xxgknb/index.html"),
            ("部门信息公开目录", "/zwgk/bmxxgkml/index.html")]
    lis = "".join(f'<li><a href="{h}">{t}</a></li>\n' for t, h in menu)
    zwgk = (breadcrumb(*ZWGK_CRUMBS) + f'<div class="xxgk_menu"><h2>政府信息公开</h2><ul>\n{lis}</ul></div>\n'
            '<div class="xxgk_intro"><p>依据《中华人民共和国政府信息公开条例》，本栏目集中发布本县法定主动公开的政府信息。</p></div>\n')
    fdzd = (breadcrumb(*ZWGK_CRUMBS, ("法定主动公开内容", "/zwgk/fdzdgknr/index.html")) +
            '<div class="list_box"><h2>法定主动公开内容</h2><ul class="list">\n' + "".join(
                f"<li>{t}</li>\n" for t in ("机构职能", "政策文件", "规划信息", "财政预决算", "重大建设项目")) + "</ul></div>\n")
    news = "".join(f'<li><a href="{p}" target="_blank" title="{E(t)}">{E(t)}</a><span>{d}</span></li>\n'
                   for p, t, d in NEWS)
    home = ('<div class="banner"><p>示例县人民政府门户网站</p></div>\n'
            f'<div class="index_news"><h2><a href="/news/index.html">要闻动态</a></h2><ul>\n{news}</ul></div>\n'
            f'<div class="index_zwgk"><h2><a href="/zwgk/index.html">政务公开</a></h2><ul>\n{lis}</ul></div>\n'
            '<div class="index_bsfw"><h2><a href="/bsfw/index.html">办事服务</a></h2></div>\n')
    stub = (lambda name, href: breadcrumb(("首页", "/index.html"), (name, href))
            + '<div class="list_box"><p>栏目内容建设中。</p></div>\n')
    return {"/index.html": page_html(SITE_NAME, SITE_NAME, home).encode("utf-8"),
            "/zwgk/index.html": page_html("政府信息公开", "政府信息公开", zwgk).encode("utf-8"),
            "/zwgk/fdzdgknr/index.html": page_html("法定主动公开内容", "法定主动公开内容", fdzd).encode("utf-8"),
            "/bsfw/index.html": page_html("办事服务", "办事服务", stub("办事服务", "/bsfw/index.html")).encode("utf-8"),
            "/hdjl/index.html": page_html("互动交流", "互动交流", stub("互动交流", "/hdjl/index.html")).encode("utf-8")}


STATIC = {
    "/robots.txt": b"User-agent: *\nDisallow: /private/\n",
    "/images/style.css": (b"body{margin:0;font:14px/1.8 'Microsoft YaHei',sans-serif}.wrap{width:1000px;margin:0 auto}"
                          b".nav ul,.list{list-style:none;padding:0}.nav li{display:inline-block;margin-right:2em}"
                          b".list li{border-bottom:1px dashed #ccc}.list .date{float:right}"
                          b".footer{background:#eee;text-align:center;margin-top:2em}\n"),
    "/js/common.js": ("// TRS WCM pager: writes links to index.html, index_1.html ... index_{count-1}.html.\n"
                      "function createPageHTML(count, current, stem, ext) {\n"
                      "  if (count <= 1) return;\n  var name = function (i) { return i === 0 ? stem + '.' + ext : "
                      "stem + '_' + i + '.' + ext; };\n  var html = '';\n"
                      "  for (var i = 0; i < count; i++) html += i === current ? '<span>' + (i + 1) + '</span> ' : "
                      "'<a href=\"' + name(i) + '\">' + (i + 1) + '</a> ';\n  document.write(html);\n}\n"
                      "function doZoom(size) { document.querySelector('.TRS_Editor').style.fontSize = size + 'px'; }\n"
                      ).encode("utf-8"),
}


# --- ground truth -------------------------------------------------------------------------------

def sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=。)", paragraph) if s.strip()]


def table_rows(grids) -> list[str]:
    """A few rows per report in the text convention, skipping rows with cells that had line breaks."""
    a, b, c = (expand(g) for g in grids)
    wanted = [next(r for r in a if squash(r[0]) == "行政规范性文件"), next(r for r in a if squash(r[0]) == "行政许可"),
              b[3], next(r for r in b if r[2].startswith("2.") and squash(r[1]).startswith("(三)")), c[-1]]
    return [" | ".join(r) for r in wanted if not any(re.search(r"\s", cell) for cell in r)]


def expected_report(r: dict, paragraphs: list[str], grids) -> dict:
    prose = [p for p in paragraphs if len(p) >= 20]
    first, last = sentences(prose[0])[0], sentences(paragraphs[-1])[-1]
    must_not = CHROME_SNIPPETS + (SPAM_SNIPPETS if r["spam"] else [])
    texts = paragraphs + [cell for g in grids for row in expand(g) for cell in row]
    leaked = [s for s in must_not if any(s in t for t in texts)]
    if leaked:
        raise ValueError(f"{r['path']}: must_not_contain {leaked} occurs in the report itself")
    return {"path": r["path"], "title": r["title"], "year": r["year"], "publisher": r["publisher"],
            "index_no": r["index_no"], "generated_date": r["generated_date"], "publish_date": r["pub"][:10],
            "doc_no": "", "site_id_code": SITE_ID_CODE, "charset": r["charset"], "tables": 3,
            "spam_injected": r["spam"], "must_contain": [first, last] + table_rows(grids), "must_not_contain": must_not}


FAIL_ROUTES = {"/_fail/500": 500, "/_fail/404": 404, "/_fail/slow?seconds=1": 200, "/_fail/redirect-loop": 302,
               "/_fail/truncated": 200, "/_fail/huge?mb=1": 200, "/_fail/binary": 200, "/_fail/gbk-as-utf8": 200}


# --- attachments (issue 5): pointer pages whose report is a file, a Hanweb download, a full page's DOCX ---

POINTER_PDF = ("/zwgk/xxgknb/202402/t20240205_0970.html", "./P020240205397012345678.pdf", "001",
               "示例县农业农村局2023年政府信息公开工作年度报告", "示例县农业农村局", "990000000/2024-00031", "2024-02-05")
POINTER_HANWEB = ("/zwgk/xxgknb/202402/t20240206_0971.html", "4f2a9c0e1b7d4e3a8c6f5b2d1e0a9c8b", "000",
                  "示例县教育局2023年政府信息公开工作年度报告", "示例县教育局", "990000000/2024-00032", "2024-02-06")
POINTER_CORRUPT = ("/zwgk/xxgknb/202402/t20240207_0972.html", "./P020240207555500000001.pdf", None,
                   "示例县水利局2023年政府信息公开工作年度报告", "示例县水利局", "990000000/2024-00033", "2024-02-07")
FULL_PAGE_DOCX = "/zwgk/xxgknb/202503/P020250328_1017.docx"   # linked from seed 004's full HTML page
# Pasted from the author's desktop: never fetched, never recorded.
LOCAL_LINKS = ('<a href="file:///C:/Users/admin/Desktop/年报终稿.pdf">年报终稿.pdf</a> '
               '<a href="C:\\Users\\admin\\Desktop\\年报终稿.doc">年报终稿.doc</a>')


def deterministic_zip(body: bytes) -> bytes:
    """The same DOCX with fixed member dates, so rebuilding the portal changes no byte."""
    import io
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(body)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), source.read(info.filename),
                            zipfile.ZIP_DEFLATED)
    return out.getvalue()


def seed_documents(seed: str) -> tuple[list, bytes, bytes]:
    """(blocks, PDF, DOCX) of a seed, built as in tests/test_pipelines_attachments_build.py, byte-stable."""
    import sys

    sys.path.insert(0, str(REPO))
    from reportlab import rl_config

    from tests.test_pipelines_attachments_build import build_docx, build_pdf, seed_blocks
    rl_config.invariant = 1          # no creation date or random document id in the PDF
    blocks = seed_blocks(next(p.name for p in (REPO / "tests" / "seeds").glob(f"{seed}_*.txt")))
    blocks = [clean_paragraph(b) if isinstance(b, str) else b for b in blocks
              if not isinstance(b, str) or clean_paragraph(b) and b not in SEED_FURNITURE]
    return blocks, build_pdf(blocks), deterministic_zip(build_docx(blocks))


def pointer_page(spec, href: str, name: str) -> bytes:
    path, _, _, title, publisher, index_no, date = spec
    meta = dict(index_no=index_no, topic="政务公开", publisher=publisher, generated_shown=date, title=title,
                pub=date + " 09:00", meta_style="ul")
    links = f'<p>附件：<a href="{E(href)}">{E(name)}</a></p>\n<p style="display:none">{LOCAL_LINKS}</p>\n'
    crumbs = ZWGK_CRUMBS + (("政府信息公开年报", "/zwgk/xxgknb/index.html"),)
    return article_page(title, "政府信息公开年报", crumbs, [], date=date + " 09:00", source=publisher,
                        extra_html=links, metadata=meta)


def expected_pointer(spec, blocks: list | None) -> dict:
    path, _, _, title, publisher, index_no, date = spec
    prose = [b for b in blocks or [] if isinstance(b, str) and len(b) >= 20 and b != title]
    return {"path": path, "title": title, "year": 2023, "publisher": publisher, "index_no": index_no,
            "generated_date": date, "publish_date": date, "doc_no": "", "site_id_code": SITE_ID_CODE,
            "charset": "utf-8", "tables": 3 if blocks else 0, "spam_injected": False, "pointer": True,
            "must_contain": [sentences(prose[0])[0], sentences(prose[-1])[-1]] if blocks else ["附件："],
            "must_not_contain": CHROME_SNIPPETS + ["年报终稿"]}


def attachment_site() -> tuple[dict[str, bytes], dict, list[dict], dict]:
    """(files, _routes.json, EXPECTED reports, EXPECTED["attachments"]) of the attachment pages."""
    files, d = {}, "/zwgk/xxgknb/202402/"
    pdf_blocks, pdf, _ = seed_documents(POINTER_PDF[2])
    files[POINTER_PDF[0]] = pointer_page(POINTER_PDF, POINTER_PDF[1], POINTER_PDF[3] + ".pdf")
    files[d + POINTER_PDF[1][2:]] = pdf
    # Hanweb: downfile.jsp answers 302 to /attach/0/<hex>.pdf; showname= is the real name. The "PDF" is a
    # DOCX (a lying extension): the attachment stage sniffs the bytes.
    hanweb_blocks, _, docx = seed_documents(POINTER_HANWEB[2])
    hexname, showname = POINTER_HANWEB[1], POINTER_HANWEB[3] + ".pdf"
    download = f"/module/download/downfile.jsp?classid=0&filename={hexname}.pdf&showname={showname}"
    files[POINTER_HANWEB[0]] = pointer_page(POINTER_HANWEB, download, showname)
    files[f"/attach/0/{hexname}.pdf"] = docx
    requested = "/module/download/downfile.jsp?" + urlencode(  # as the crawler asks for it: UTF-8, %-encoded
        {"classid": "0", "filename": f"{hexname}.pdf", "showname": showname})
    routes = {requested: {"location": f"/attach/0/{hexname}.pdf", "status": 302,
                         "file": f"/attach/0/{hexname}.pdf", "type": "application/octet-stream"}}
    # A truncated PDF: a recorded failure; the page stays a report with its own (one-line) text.
    files[POINTER_CORRUPT[0]] = pointer_page(POINTER_CORRUPT, POINTER_CORRUPT[1], POINTER_CORRUPT[3] + ".pdf")
    files[d + POINTER_CORRUPT[1][2:]] = pdf[:600]
    _, _, docx_004 = seed_documents("004")
    files[FULL_PAGE_DOCX] = docx_004
    reports = [expected_pointer(POINTER_PDF, pdf_blocks), expected_pointer(POINTER_HANWEB, hanweb_blocks),
               expected_pointer(POINTER_CORRUPT, None)]
    attachments = {"pointer": {POINTER_PDF[0]: d + POINTER_PDF[1][2:], POINTER_HANWEB[0]: download},
                   "file_names": {d + POINTER_PDF[1][2:]: POINTER_PDF[1][2:], download: showname,
                                  FULL_PAGE_DOCX: FULL_PAGE_DOCX.rsplit("/", 1)[1]},
                   "corrupt": {POINTER_CORRUPT[0]: d + POINTER_CORRUPT[1][2:]},
                   "full_page": {REPORTS[3]["path"]: FULL_PAGE_DOCX}}
    return files, routes, reports, attachments


def build(seeds: Path, out: Path) -> dict:
    """Write the whole site under out (replacing it) and return EXPECTED."""
    files = dict(STATIC)
    reports = []
    for r in REPORTS:
        paragraphs, cells = read_seed(seeds, r["seed"], r["title"])
        grids = [fill_table(t(), c) for t, c in zip((table_a, table_b, table_c), cells)]
        files[r["path"]] = report_page(r, paragraphs, grids)
        reports.append(expected_report(r, paragraphs, grids))
    files.update(other_pages())
    attachment_files, routes, pointer_reports, attachments = attachment_site()
    files.update(attachment_files)
    reports += pointer_reports
    expected = {"home": "/index.html", "reports": reports,
                "not_reports": [STATS_PATH, NOTICE_PATH, GUIDE_PATH, RULES_PATH] + [p for p, _, _ in NEWS],
                "list_pages": ["/zwgk/xxgknb/index.html", "/zwgk/xxgknb/index_1.html"],
                "empty_lists": ["/zwgk/bmxxgkml/tjj/xxgknb/index.html"],
                "robots_disallowed": [PRIVATE_PATH], "failures": [{"path": FAIL_PATH, "reason": "http_500"}],
                "fail_routes": FAIL_ROUTES, "attachments": attachments}
    files["/_routes.json"] = json_bytes(routes)
    files["/_headers.json"] = json_bytes({GBK_PATH: {"Content-Type": "text/html; charset=gbk"}})
    files["/EXPECTED.json"] = json_bytes(expected)
    files["/README.md"] = README.encode("utf-8")
    if out.exists():
        if any(out.iterdir()) and not (out / "EXPECTED.json").is_file():
            raise SystemExit(f"{out} is not a sample portal; refusing to replace it")
        shutil.rmtree(out)
    for path, data in sorted(files.items()):
        target = out / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return expected


def json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


README = """# sample_portal: a TRS-style county portal served by crawler/portal_server.py

Generated by `python tests/tools/build_sample_portal.py`; do not edit by hand (files are bytes as served).
EXPECTED.json is the ground truth (reports, non-reports, robots-disallowed and failing links);
_headers.json gives per-path response headers. Neither, nor this file, is served.
Report texts are real (seeds 000, 001, 003, 004); 示例县, its pages and numbers are fictional.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path(__file__).resolve().parents[1] / "seeds")
    parser.add_argument("--out", type=Path, default=REPO / "crawler" / "sample_portal")
    args = parser.parse_args()
    expected = build(args.seeds, args.out)
    print(f"wrote {args.out}: {len(expected['reports'])} reports, {len(expected['not_reports'])} non-reports")


if __name__ == "__main__":
    main()
