"""Tests for pipelines.extraction: body container or trafilatura, chrome left out, tables kept."""
import os
import time
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ReportPage
from pipelines.extraction import (
    MainText,
    MainTextPipeline,
    compose,
    extract_main,
    merge_tables,
    parse_html,
    render_fragment,
    render_segments,
)

PAGES = Path(__file__).parent / "pages" / "extraction"

NAV_02 = ["首页", "无障碍浏览", "当前位置", "相关链接", "扫一扫", "主办单位", "网站标识码", "ICP备", "版权所有"]
GOV_FOOTER = ["网站标识码", "ICP备", "公网安备"]
SYNTHETIC_CHROME = ["首页", "无障碍", "关怀版", "您现在所在的位置", "主办单位", "网站标识码",
                    "ICP备", "公网安备", "索引号", "生成日期"]

# (file, extractor, number of tables, must_contain = first and last sentence, must_not_contain)
PAGE_CASES = [
    ("02_pingtan_2024_nianbao_detail_trs.html", "container:div.TRS_Editor", 3,
     ["本报告根据《中华人民共和国政府信息公开条例》（国务院令第711号）", "2024年，无收取信息处理费情况。"], NAV_02),
    # tests/pages/extraction/03_…: a peer tool wrapped the page in its own header (标题/单位/来源/采集时间)
    # and the UCAP 索引号 table sits outside <ucapcontent>.
    ("03_shuyang_fgj_2023_nianbao_ucap_rewrapped.html", "container:ucapcontent", 3,
     ["根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求", "县发展和改革局政府信息公开未发生收费情况。",
      "沭阳县发展和改革局\n2024年1月17日"],
     ["采集时间", "沭阳县发改局", "繁體版", "无障碍", "索引号", "014314799/2024-00002", "发布机构"]),
    ("10_shanxi_gov_trs_detail_createPageHTML.html", "container:div.TRS_Editor", 0,
     ["图为山西品牌丝路行（南美站）启动仪式。（刘通摄）", "南美站活动将先后在巴西、乌拉圭、阿根廷举行。（张巨峰）"],
     ["切換到繁體", "无障碍浏览", "打印", "字体：", "分享", "扫一扫在手机打开当前页面", *GOV_FOOTER]),
    ("11_zjdpc_hanweb_jcms_detail.html", "container:#zoom", 0,
     ["1-10月，全县固定资产投资完成246.79亿元", "总体全县投资结构趋稳趋优。（德清县发改局）"],
     ["当前位置", "简体|繁体", "打印", "关闭", *GOV_FOOTER]),
    ("12_govcn_gongbao_detail.html", "container:#UCAP-CONTENT", 0,
     ["全国人民代表大会常务委员会", "批准2007年末国债余额限额调整为53365.53亿元。"], ["首页", "无障碍", "登录"]),
    ("13_wanzai_county_saved_detail_metadata.html", "container:ucapcontent", 0,
     ["万载县统计局 国家统计局万载调查队", "其他数据来自县统计局和国家统计局万载调查队。"],
     ["关怀版", "您当前所在位置", "014742224A/2023-0043406", "生成日期", "扫一扫", "【关闭本页】", *GOV_FOOTER]),
    ("14_yichun_city_saved_detail.html", "container:ucapcontent", 0,
     ["宜春市2022年国民经济和社会发展统计公报", "其他数据来自市统计局和国家统计局宜春调查队。"],
     ["关怀版", "您当前所在位置", "发布机构", "扫一扫", "【返回顶部】", *GOV_FOOTER]),
    ("15_wanzai_county_saved_detail_2015template.html", "container:ucapcontent", 1,
     ["万载县2015年国民经济和社会发展统计公报", "（万载县统计局）"],
     ["繁體版", "您当前的位置", "上一篇", "下一篇", "关联稿件", *GOV_FOOTER]),
    # tests/pages/extraction/16_…: div.bbnr (display:none) is a full-text copy for screen readers
    # that starts with the title; the visible #zoomcon is the body.
    ("16_guangzhou_gov_clone_detail.html", "container:#zoomcon", 0,
     ["“制造美丽”推动“美丽制造”转型升级", "同时也需要企业、政府和社会的共同努力来实现高质量发展的目标。”"],
     ["广州美妆产业依靠自主创新持续发力“制造美丽”", "当前位置", "分享到", "相关附件", "主办单位", *GOV_FOOTER]),
    # tests/pages/extraction/23_…: Word <style>/@font-face inside the body container.
    ("23_nfra_angular_rendered_dom_merged_cells.html", "container:#wenzhang-content", 1,
     ["序号 | 当事人名称 | 行政处罚决定书文号", "| 警告并罚款14万元 | 浙江金融监管局"],
     ["@font-face", "当前位置", "分享到微信", "主办单位", *GOV_FOOTER]),
    ("synthetic_word_markup.html", "container:#zoom", 0,
     ["根据《中华人民共和国政府信息公开条例》规定，2023年度 本县政府信息公开工作年度报告如下。",
      "本机关将继续做好政务公开工作， 切实保障人民群众知情权。"],
     [*SYNTHETIC_CHROME, "分享到", "打印本页", "关闭窗口", "\u3000", "\u00a0", "  "]),
    ("synthetic_br_body.html", "container:.article-content", 0,
     ["某某镇2023年政府信息公开工作年度报告\n一、总体情况\n2023年，", "三、其他需要报告的事项\n本年度无收取信息处理费情况。"],
     [*SYNTHETIC_CHROME, "上一篇", "下一篇", "\n\n"]),
    ("synthetic_pre_body.html", "container:.info-cont", 0,
     ["某某局2022年度政府信息公开工作年度报告\n一、总体情况\n2022年，", "本年度共收到政府信息公开申请3件，均已按期答复。"],
     [*SYNTHETIC_CHROME, "扫一扫", "\n\n"]),
    ("synthetic_hidden_lookalike.html", "container:div.TRS_Editor", 0,
     ["一、总体情况", "2023年某某区政府信息公开工作稳步推进。"], ["隐藏副本", "阅读次数", *SYNTHETIC_CHROME]),
]


def read_page(name: str) -> str:
    return (PAGES / name).read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def extracted():
    cache: dict[str, MainText] = {}

    def get(name: str) -> MainText:
        if name not in cache:
            cache[name] = extract_main(read_page(name), f"https://example.gov.cn/{name}")
        return cache[name]
    return get


@pytest.mark.parametrize("name, extractor, n_tables, must_contain, must_not_contain", PAGE_CASES,
                         ids=[case[0].split(".")[0] for case in PAGE_CASES])
def test_page_main_text(extracted, name, extractor, n_tables, must_contain, must_not_contain):
    main = extracted(name)
    assert main.extractor == extractor
    assert len(main.tables) == n_tables
    for text in must_contain:
        assert text in main.text
    for text in must_not_contain:
        assert text not in main.text
    assert main.text.startswith(must_contain[0])
    assert main.text.endswith(must_contain[-1])


@pytest.mark.parametrize("name", [case[0] for case in PAGE_CASES], ids=lambda n: n.split(".")[0])
def test_every_table_row_has_n_cols_cells_and_one_line(extracted, name):
    main = extracted(name)
    assert [table["index"] for table in main.tables] == list(range(len(main.tables)))
    for table in main.tables:
        assert len(table["rows"]) == table["n_rows"]
        assert all(len(row) == table["n_cols"] for row in table["rows"])
        for row in table["rows"]:
            if any(row):
                assert " | ".join(row) in main.text.split("\n")


def test_pingtan_review_and_litigation_table_grid(extracted):
    """02: the 行政复议/行政诉讼 table, header spans expanded, totals row exact."""
    table = extracted("02_pingtan_2024_nianbao_detail_trs.html").tables[2]
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert table["rows"] == [
        ["行政复议"] * 5 + ["行政诉讼"] * 10,
        results + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
        results * 3,
        ["2", "1", "3", "1", "7", "0", "0", "0", "0", "0", "13", "2", "4", "0", "19"],
    ]
    assert table["spans"] == [[0, 0, 1, 5], [0, 5, 1, 10], [1, 0, 2, 1], [1, 1, 2, 1], [1, 2, 2, 1],
                              [1, 3, 2, 1], [1, 4, 2, 1], [1, 5, 1, 5], [1, 10, 1, 5]]


def test_pingtan_application_table_totals(extracted):
    """02: the 申请 table; 三、本年度办理结果 spans 22 rows, （七）总计 = 218."""
    table = extracted("02_pingtan_2024_nianbao_detail_trs.html").tables[1]
    assert (table["n_rows"], table["n_cols"]) == (28, 10)
    assert table["rows"][-2] == ["三、本年度办理结果", "（七）总计", "（七）总计", "217", "1", "0", "0", "0", "0", "218"]
    assert [5, 0, 22, 1] in table["spans"]
    first = "第二十条第（一）项 | 第二十条第（一）项 | 第二十条第（一）项 | 第二十条第（一）项"
    assert first in extracted("02_pingtan_2024_nianbao_detail_trs.html").text.split("\n")


def test_paragraphs_and_tables_stay_in_document_order(extracted):
    lines = extracted("02_pingtan_2024_nianbao_detail_trs.html").text.split("\n")
    heading = lines.index("二、主动公开政府信息情况")
    assert lines[heading + 1].startswith("第二十条第（一）项 | ")
    assert lines.index("三、收到和处理政府信息公开申请情况") < lines.index("四、政府信息公开行政复议、行政诉讼情况")


def test_nested_layout_table_renders_inner_rows_as_lines(extracted):
    main = extract_main(read_page("synthetic_nested_layout.html"), "https://example.gov.cn/a.html")
    assert main.text.split("\n") == [
        "某某街道办事处依据《中华人民共和国政府信息公开条例》编制本报告。",
        "二、主动公开政府信息情况",
        "第二十条第（一）项 | 第二十条第（一）项 | 第二十条第（一）项 | 第二十条第（一）项",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数",
        "规章 | 0 | 0 | 0",
        "行政规范性文件 | 2 | 1 | 9",
        "六、其他需要报告的事项：本年度无收取信息处理费情况。",
    ]
    assert len(main.tables) == 1


def test_no_container_uses_trafilatura_and_puts_back_the_link_table_it_drops():
    """trafilatura drops the link-dense 规范性文件 list table; it comes back where it was."""
    main = extract_main(read_page("synthetic_no_container.html"), "https://example.gov.cn/b.html")
    assert main.extractor == "trafilatura"
    assert main.content_html == ""
    lines = main.text.split("\n")
    intro = lines.index("本年度公开的行政规范性文件目录如下：")
    assert lines[intro + 1] == "某某县关于印发第1批行政规范性文件目录清单的通知 | 下载"
    assert lines[intro + 12] == "某某县关于印发第12批行政规范性文件目录清单的通知 | 下载"
    assert lines[intro + 13].startswith("二、收到和处理政府信息公开申请情况")
    assert [t["n_rows"] for t in main.tables] == [12, 3]
    assert main.tables[1]["rows"] == [["三、本年度办理结果", "（一）予以公开", "20"],
                                      ["三、本年度办理结果", "（二）部分公开", "5"],
                                      ["四、结转下年度继续办理", "四、结转下年度继续办理", "1"]]
    assert lines[-1] == "六、其他需要报告的事项。本年度未收取信息处理费，特此报告。"
    for chrome in [*SYNTHETIC_CHROME, "政府信息公开指南"]:
        assert chrome not in main.text


def test_trafilatura_path_gives_the_same_tables_as_the_container():
    html = read_page("02_pingtan_2024_nianbao_detail_trs.html")
    via_container = extract_main(html, "https://www.pingtan.gov.cn/a.htm")
    via_trafilatura = extract_main(html.replace("class=TRS_Editor", "class=plain"), "https://www.pingtan.gov.cn/a.htm")
    assert via_trafilatura.extractor == "trafilatura"
    assert via_trafilatura.tables == via_container.tables
    assert via_trafilatura.text == via_container.text


def test_container_html_is_the_cleaned_container():
    main = extract_main(read_page("16_guangzhou_gov_clone_detail.html"), "https://www.gz.gov.cn/a.html")
    assert main.content_html.startswith('<div class="content_article" id="zoomcon"')
    assert "bbnr" not in main.content_html


DEEP = "<html><body><div id='zoom'>" + "<div>" * 1_000_000 + "深" + "</div>" * 1_000_000 + "</div></body></html>"
BAD_INPUT = [
    pytest.param("", id="empty-string"),
    pytest.param("   \n", id="whitespace"),
    pytest.param(read_page("synthetic_empty_body.html"), id="empty-body"),
    pytest.param(DEEP, id="10mb-nested-tags"),
    pytest.param("<p>开头</p>" + "<span><b>字" * 1_000_000, id="10mb-unclosed-inline"),
    pytest.param(os.urandom(100_000).decode("latin-1"), id="binary"),
    pytest.param("\x00\x00<p>\x00一、总体情况</p>", id="nul-bytes"),
    pytest.param('<?xml version="1.0" encoding="gbk"?><html><body><p>一、总体情况</p></body></html>', id="xml-declaration"),
    pytest.param("<html><body><div class='TRS_Editor'><p>一、总体情况，全年公开信息一千条。</p><table><tr><td rowspan=3>a<td>b",
                 id="truncated-mid-table"),
    pytest.param("<div id='zoom'><table>" + "<tr>" + "<td colspan=999 rowspan=999>x</td>" * 500 + "</tr>" * 500
                 + "</table></div>", id="hostile-table"),
]


@pytest.mark.parametrize("html", BAD_INPUT)
def test_bad_input_never_crashes_and_stays_bounded(html):
    started = time.monotonic()
    main = extract_main(html, "https://example.gov.cn/bad.html")
    assert isinstance(main, MainText)
    assert time.monotonic() - started < 10
    for table in main.tables:
        assert all(len(row) == table["n_cols"] for row in table["rows"])


def test_empty_input_has_no_text():
    assert extract_main("", "https://example.gov.cn/").text == ""
    assert extract_main(read_page("synthetic_empty_body.html"), "https://example.gov.cn/").text == ""


FRAGMENT_CASES = [
    pytest.param("<p>一</p><p>二</p>", "一\n二", id="paragraphs"),
    pytest.param("甲<br>乙<br/><br/>丙", "甲\n乙\n丙", id="br-separated"),
    pytest.param("<p>行<b>内</b><span>元素</span>不断行</p>", "行内元素不断行", id="inline-no-break"),
    pytest.param("<pre>  第一行\n\n  第二行  </pre>", "第一行\n第二行", id="pre-lines"),
    pytest.param("<p>\u3000\u3000开头&nbsp;&nbsp;中间   结尾</p>", "开头 中间 结尾", id="whitespace-normalised"),
    pytest.param("<p>全角，标点：（一）</p>", "全角，标点：（一）", id="no-nfkc"),
    pytest.param("<div>前<table><tr><td>a</td><td>b</td></tr></table>后</div>", "前\na | b\n后", id="table-between-text"),
    pytest.param("<ul><li>甲</li><li>乙</li></ul>", "甲\n乙", id="list-items"),
    pytest.param("<p>正文</p><script>alert(1)</script><style>p{}</style>", "正文", id="script-style-dropped"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize("fragment, text", FRAGMENT_CASES)
def test_render_fragment(fragment, text):
    assert render_fragment(fragment)[0] == text


def test_render_fragment_returns_tables():
    text, tables = render_fragment("<table><tr><td rowspan=2>合计</td><td>1</td></tr><tr><td>2</td></tr></table>")
    assert text == "合计 | 1\n合计 | 2"
    assert tables == [{"index": 0, "n_rows": 2, "n_cols": 2, "caption": None,
                       "rows": [["合计", "1"], ["合计", "2"]], "spans": [[0, 0, 2, 1]]}]


@pytest.fixture
def pipeline():
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    return build_from_crawler(MainTextPipeline, crawler), crawler.stats


def test_pipeline_sets_fields_drops_empty_and_skips_attachments(pipeline):
    pipe, stats = pipeline
    item = ReportPage(url="https://www.pingtan.gov.cn/t20250310_97791.htm",
                      html=read_page("02_pingtan_2024_nianbao_detail_trs.html"))
    assert pipe.process_item(item) is item
    assert item.extractor == "container:div.TRS_Editor"
    assert item.text.startswith("本报告根据") and len(item.tables) == 3
    assert item.content_html.startswith("<div class=\"TRS_Editor\">")
    assert stats.get_value("nianbao/extraction/container:div.TRS_Editor") == 1
    assert stats.get_value("nianbao/extraction/tables") == 3

    attachment = ReportPage(url="https://example.gov.cn/nb.pdf", body=b"%PDF-1.7", html="")
    assert pipe.process_item(attachment) is attachment and attachment.text == ""
    assert pipe.process_item({"not": "a report"}) == {"not": "a report"}

    empty = ReportPage(url="https://example.gov.cn/empty.html", html=read_page("synthetic_empty_body.html"))
    with pytest.raises(DropItem, match="no_main_text"):
        pipe.process_item(empty)


def body_segments(fragment: str) -> list[tuple]:
    root = parse_html(f"<html><body>{fragment}</body></html>")
    return render_segments(root.find("body"))


LINKS = "<table>" + "".join(f"<tr><td><a href='/{i}'>栏目链接第{i}项政府信息公开</a></td></tr>" for i in range(9)) + "</table>"
DATA = "<table><tr><td>规章</td><td>0</td></tr><tr><td>规范性文件</td><td>3</td></tr></table>"
LOST_TABLE_CASES = [
    pytest.param(f"<p>甲段正文</p>{LINKS}<p>乙段正文</p>", ["甲段正文", "乙段正文"], 1, id="between-lines-put-back"),
    pytest.param(f"{LINKS}<p>甲段正文</p><p>乙段正文</p>", ["甲段正文", "乙段正文"], 0, id="nav-table-before-text-left-out"),
    pytest.param(f"<p>甲段正文</p><p>乙段正文</p>{LINKS}", ["甲段正文", "乙段正文"], 0, id="link-table-after-text-left-out"),
    pytest.param(f"<p>甲段正文</p><p>乙段正文</p>{DATA}", ["甲段正文", "乙段正文"], 1, id="data-table-at-end-put-back"),
]


@pytest.mark.parametrize("fragment, trafilatura_lines, n_tables", LOST_TABLE_CASES)
def test_merge_tables_puts_back_only_tables_inside_the_text(fragment, trafilatura_lines, n_tables):
    merged = merge_tables([("line", line, None) for line in trafilatura_lines], body_segments(fragment))
    assert [seg[1] for seg in merged if seg[0] == "line"] == trafilatura_lines
    assert sum(seg[0] == "table" for seg in merged) == n_tables


def test_merge_tables_keeps_a_trafilatura_table_we_did_not_see():
    merged = merge_tables([("line", "甲", None), ("ttable", [["x", "y"], ["z"]], None)], body_segments("<p>甲</p>"))
    assert compose(merged) == ("甲\nx | y\nz | ", [{"index": 0, "n_rows": 2, "n_cols": 2, "caption": None,
                                                     "rows": [["x", "y"], ["z", ""]], "spans": []}])
