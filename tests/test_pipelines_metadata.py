"""Tests of the metadata stage: reported year, dates, label/value blocks on saved pages, the pipeline."""
import time
from pathlib import Path

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ReportPage
from pipelines.metadata import (
    Metadata,
    MetadataPipeline,
    extract_metadata,
    iso_date,
    publisher_from_title,
    report_year,
)

PAGES = Path(__file__).parent / "pages" / "metadata"


def page(name: str) -> str:
    return (PAGES / name).read_bytes().decode("utf-8")


@pytest.mark.parametrize(("title", "year"), [
    ("平潭综合实验区2024年度政府信息公开工作年度报告", 2024),
    ("营山县人民政府办公室2024年政府信息公开工作年度报告", 2024),
    ("二〇二四年度南昌市人民政府办公室政府信息公开工作年度报告", 2024),   # 〇 is U+3007
    ("二○二三年政府信息公开工作年度报告", 2023),                            # ○ is U+25CB, a look-alike
    ("二零二二年度政务公开工作年度报告", 2022),
    ("２０２１年政府信息公开工作年度报告", 2021),                            # full-width digits
    ("东湖区2019 年度政府信息公开年报", 2019),                               # space before 年
    # two years: the one before 政府信息公开 is reported on, the other is a revision date
    ("遂川县2022年政府信息公开工作年度报告（2023年3月修订）", 2022),
    # two years: 年度 wins over a publication date in front
    ("2024年1月发布：关于2023年度政府信息公开工作年度报告的公告", 2023),
    ("2024年1月发布：XX县2023年政府信息公开年报", 2023),
    ("2024年3月工作动态", 2024),                                            # only a date: its year
    ("政府信息公开工作年度报告", None),
    ("国办函〔2018〕71号", None),                                            # a year without 年
    ("", None),
], ids=["2024年度", "2024年", "二〇二四年度", "二○二三年", "二零二二年度", "fullwidth", "space-before-年",
        "two-years-revised", "two-years-年度", "two-years-date-first", "date-only", "no-year",
        "bracket-year", "empty"])
def test_report_year(title, year):
    assert report_year(title) == year


@pytest.mark.parametrize(("value", "iso"), [
    ("2021-01-31 15:04", "2021-01-31"),
    ("2021年01月31日", "2021-01-31"),
    ("2021/1/31", "2021-01-31"),
    ("2021.1.5", "2021-01-05"),
    ("2021年 1月 31日", "2021-01-31"),
    ("2023-08-19 10∶08", "2023-08-19"),          # realpages 24a: U+2236 RATIO in the time
    ("2023-11-30  14:52", "2023-11-30"),         # realpages 25: double space before the time
    ("2007-08-20-23:59:59", "2007-08-20"),       # gov.cn firstpublishedtime
    ("20210131", "2021-01-31"),
    ("２０２１年１月５日", "2021-01-05"),        # full-width digits
    ("二〇二五年一月二十日", "2025-01-20"),      # signature line of a report
    ("二〇二四年十二月三十一日", "2024-12-31"),
    ("发布时间：2023-11-30", "2023-11-30"),
    ("2021-02-30", None),                        # not a day
    ("无", None),
    ("", None),
], ids=["dash-time", "ymd-cn", "slash", "dots", "spaced-cn", "ratio-colon", "double-space", "govcn-dash-time",
        "compact", "fullwidth", "cn-numerals", "cn-numerals-31", "with-label", "feb-30", "none-word",
        "empty"])
def test_iso_date(value, iso):
    assert iso_date(value) == iso


@pytest.mark.parametrize(("title", "publisher"), [
    ("营山县人民政府办公室2024年政府信息公开工作年度报告", "营山县人民政府办公室"),
    ("二〇二四年度南昌市人民政府办公室政府信息公开工作年度报告", "南昌市人民政府办公室"),  # after the year
    ("2023年度南昌市人民政府政府信息公开工作年度报告", "南昌市人民政府"),
    ("2023年遂川县人民政府信息公开工作年度报告", "遂川县人民政府"),   # 人民政府 + 信息公开, not 人民 + 政府信息公开
    ("2024年政府信息公开工作年度报告", None),
    ("政府信息公开工作年度报告", None),
], ids=["before-year", "after-cn-year", "after-year-政府政府", "after-year-人民政府信息公开", "no-body", "no-year"])
def test_publisher_from_title(title, publisher):
    assert publisher_from_title(title) == publisher


# Expected values read from the pages themselves (see tests/pages/metadata/SOURCES.md).
PAGE_CASES = [
    ("pingtan_2024_trs.html", {
        "title": "平潭综合实验区2024年度政府信息公开工作年度报告", "year": 2024,
        "publisher": "平潭综合实验区管委会办公室", "publish_date": "2025-03-10", "site_id_code": "3590000001"},
     {"title": "meta:ArticleTitle", "year": "title", "publish_date": "meta:PubDate", "publisher": "text"}),
    ("shuyang_fgj_2023_ucap.html", {
        "title": "沭阳县发展和改革局2023年政府信息公开年度报告", "year": 2023, "index_no": "014314799/2024-00002",
        "publisher": "沭阳县发展和改革局",        # 发布机构 beats the wrapper's "来源：http://…"
        "publish_date": "2024-01-17", "topic": "信息公开年报 其他 报告", "site_id_code": "3213220037"},
     {"title": "heading", "index_no": "table", "publisher": "table", "publish_date": "table"}),
    ("wanzai_2022_metadata.html", {
        "title": "万载县2022年国民经济和社会发展统计公报", "year": 2022, "index_no": "014742224A/2023-0043406",
        "publisher": "万载县统计局", "generated_date": "2023-05-11", "publish_date": "2023-08-16",
        "site_id_code": "3609220011"},
     {"index_no": "list", "generated_date": "list", "publish_date": "meta:PubDate"}),
    ("govcn_jiyuehua_fragment.html", {
        "title": "国务院办公厅关于印发《政府网站集约化试点工作方案》的通知", "index_no": "000014349/2018-00204",
        "topic": "综合政务\\政务公开", "publisher": "国务院办公厅", "generated_date": "2018-10-27",
        "doc_no": "国办函〔2018〕71号", "publish_date": "2018-11-09"},
     {"title": "table", "index_no": "table", "publisher": "table"}),
    ("nfra_empty_block.html", {
        "title": "国家金融监督管理总局浙江监管局行政处罚信息公开表（浙金罚决字〔2024〕52号）",
        "publisher": "浙江监管局", "publish_date": "2025-06-03", "site_id_code": "bm55000001"},
     {"publisher": "text"}),
    ("shanghai_pubdate_ratio.html", {
        "title": "共论出版传媒业高质量发展 第十届上海民进出版传媒论坛在沪召开", "publisher": "解放日报",
        "publish_date": "2023-08-19", "site_id_code": "3100000044"},
     {"publish_date": "meta:PubDate", "site_id_code": "meta:SiteIDCode"}),
    ("beijing_pubdate_double_space.html", {
        "title": "李奕主任出席京港大学联盟2023年理事会暨主题论坛", "year": 2023, "publisher": "北京市教育委员会",
        "publish_date": "2023-11-30", "site_id_code": "1100000152"},
     {"title": "meta:ArticleTitle"}),
    ("yingshan_2024_ul_li.html", {
        "title": "营山县人民政府办公室2024年政府信息公开工作年度报告", "year": 2024,
        "index_no": "008524719/2025-00031", "topic": "政务公开", "publisher": "营山县人民政府办公室",
        "generated_date": "2025-01-20", "publish_date": "2025-01-21", "site_id_code": "5113220002"},
     {"title": "heading", "index_no": "list", "site_id_code": "text"}),    # 文号 "无" stays None
    ("tongjiang_2024_four_cell_table.html", {
        "title": "同江市2024年政府信息公开工作年度报告", "year": 2024,
        "index_no": "11230881MB0K00000X/2025-00008", "topic": "政府信息公开年报",
        "publisher": "同江市人民政府办公室", "doc_no": "同政办发【2025】2号", "generated_date": "2025-01-15",
        "publish_date": "2025-01-16"},
     {"title": "table", "doc_no": "table"}),
    ("donghu_2020_mirror_text.html", {
        "title": "东湖区2020年政府信息公开工作年度报告", "year": 2020, "index_no": "i618267--2021-0007",
        "publisher": "东湖区", "generated_date": "2021-01-31"},       # 主题分类: and 文件编号: are empty
     {"index_no": "text", "publisher": "text"}),
    ("nanchang_2024_cn_numeral.html", {
        "title": "二〇二四年度南昌市人民政府办公室政府信息公开工作年度报告", "year": 2024,
        "publisher": "南昌市人民政府办公室", "publish_date": "2025-01-24"},
     {"publisher": "title", "year": "title"}),                      # 来源： is empty on the page
    ("nantong_2023_no_metadata.html", {
        "title": "南通市人民政府办公室2023年政府信息公开工作年度报告", "year": 2023,
        "publisher": "南通市人民政府办公室"},
     {"title": "title_tag", "publisher": "title"}),
]


@pytest.mark.parametrize(("name", "expected", "sources"), PAGE_CASES,
                         ids=[case[0].split(".")[0] for case in PAGE_CASES])
def test_extract_metadata_from_saved_page(name, expected, sources):
    meta = extract_metadata(page(name))
    fields = {key: value for key, value in vars(meta).items() if key != "sources"}
    assert fields == {**dict.fromkeys(fields), **expected}
    assert sources.items() <= meta.sources.items()


@pytest.mark.parametrize(("html", "text", "url", "list_title", "expected"), [
    # attachment: no HTML, title from the link text, date from the TRS attachment name
    ("", "yingshan_2024_seed.txt", "https://www.yingshan.gov.cn/zwgk/xxgknb/202501/P020250121556123.pdf",
     "营山县人民政府办公室2024年政府信息公开工作年度报告",
     {"title": ("营山县人民政府办公室2024年政府信息公开工作年度报告", "list_title"), "year": (2024, "title"),
      "publisher": ("营山县人民政府办公室", "title"), "publish_date": ("2025-01-21", "url")}),
    # no link text either: the first line of the text is the title
    ("", "yingshan_2024_seed.txt", "", "",
     {"title": ("营山县人民政府办公室2024年政府信息公开工作年度报告", "text"), "year": (2024, "title"),
      "publisher": ("营山县人民政府办公室", "title")}),
    # the text opens with a long sentence: only the year can be read, from "现发布《…2023年…年度报告》"
    ("", "nantong_2023_seed.txt", "", "", {"year": (2023, "text")}),
    # no year anywhere: published in February, so it reports on the year before
    ("<html><body><p>政府信息公开工作年度报告</p><p>发布日期：2024-02-05</p></body></html>", "", "", "",
     {"publish_date": ("2024-02-05", "text"),
      "year": (2023, "publish_date")}),
    # published in August: no guess
    ("<p>发布日期：2024-08-05</p>", "", "", "", {"publish_date": ("2024-08-05", "text")}),
    # Hanweb URL date, published in January: the year before
    ("", "", "https://www.example.gov.cn/art/2024/1/17/art_1229_123.html", "",
     {"publish_date": ("2024-01-17", "url"), "year": (2023, "publish_date")}),
], ids=["attachment-list-title", "attachment-first-line", "text-year", "published-february",
        "published-august",
        "hanweb-url-date"])
def test_extract_metadata_fallbacks(html, text, url, list_title, expected):
    text = page(text) if text.endswith(".txt") else text
    meta = extract_metadata(html, text, url, list_title)
    got = {key: (getattr(meta, key), meta.sources.get(key)) for key in vars(meta) if key != "sources"}
    assert {key: got[key] for key in got if got[key][0] is not None} == expected


@pytest.mark.parametrize(("html", "expected"), [
    # label cell, empty value cell, next label: the empty value must not take the next label's value
    ("<table><tr><td>文号</td><td></td><td>发布机构</td><td>某县人民政府</td></tr></table>",
     {"doc_no": None, "publisher": "某县人民政府"}),
    # spaced labels with full-width spaces and an ASCII colon
    ("<p>索　引　号: 11360000014500000T/2022-00001</p><p>发 布 机 构:江西省某厅</p>",
     {"index_no": "11360000014500000T/2022-00001", "publisher": "江西省某厅"}),
    # 信息来源 beats 来源 whatever the order
    ("<p>来源：某县融媒体中心</p><p>信息来源：某县人民政府办公室</p>", {"publisher": "某县人民政府办公室"}),
    # 数据来源 and 体裁分类 hide 来源 and 分类: not a publisher or a topic
    ("<p>数据来源：统计局 体裁分类：报告</p>", {"publisher": None, "topic": None}),
    # a URL is not a publisher (realpages 03's wrapper)
    ("<p>来源：http://www.shuyang.gov.cn/x.shtml</p>", {"publisher": None}),
    ("<p>文号：〔2024〕3号 网站标识码：bm07000001</p>", {"doc_no": "〔2024〕3号", "site_id_code": "bm07000001"}),
], ids=["empty-cell", "spaced-labels", "label-rank", "hidden-labels", "url-source", "doc-no-and-site-id"])
def test_label_values(html, expected):
    meta = extract_metadata(html)
    assert {key: getattr(meta, key) for key in expected} == expected


@pytest.mark.parametrize("html", [
    "",
    "   \n\t ",
    bytes(range(256)).decode("latin-1") * 1000,                         # binary
    '<html><head><meta name="ArticleTitle" content="2024年度',           # truncated in a tag
    "<p>索引号：\ud800 1/2024</p>\x00",                                 # lone surrogate, NUL
    "<" * 1_000_000,
    "<div>" * 1_000_000 + "索引号：1/2024-1",                            # 5 MB of nested tags
    "<p><span>年报</span></p>" * 400_000,                                 # 9 MB of tags
    "索引号：" * 2_000_000,                                              # 8 MB of labels
], ids=["empty", "blank", "binary", "truncated", "surrogate", "lt-run", "deep-nesting", "many-tags", "label-flood"])
def test_bad_input_never_crashes_and_stays_bounded(html):
    started = time.perf_counter()
    meta = extract_metadata(html, text=html[:10_000])
    assert isinstance(meta, Metadata)
    assert time.perf_counter() - started < 10


def test_deep_unclosed_font_tags_keep_later_metadata():
    # Word-pasted pages nest hundreds of unclosed <font>; libxml2's default depth limit (256) dropped
    # everything after them.
    html = "<html><body>" + "<font>" * 1000 + "<p>索引号：001/2024-00001</p></body></html>"
    assert extract_metadata(html).index_no == "001/2024-00001"


def test_stored_text_is_not_nfkc_normalised():
    meta = extract_metadata("<h1>关于某县２０２３年度报告，（修订）</h1>")
    assert meta.title == "关于某县２０２３年度报告，（修订）"
    assert meta.year == 2023


def test_pipeline_sets_fields_sources_and_stats():
    crawler = get_crawler()
    crawler.stats.open_spider()
    pipeline = build_from_crawler(MetadataPipeline, crawler)
    item = ReportPage(url="https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
                      html=page("pingtan_2024_trs.html"))
    assert pipeline.process_item(item) is item
    assert (item.title, item.year, item.publisher) == (
        "平潭综合实验区2024年度政府信息公开工作年度报告", 2024, "平潭综合实验区管委会办公室")
    assert item.index_no is None
    assert item.metadata_sources["title"] == "meta:ArticleTitle"
    stats = crawler.stats.get_stats()
    assert stats["nianbao/metadata/year_found"] == 1
    assert "nianbao/metadata/index_no_found" not in stats

    attachment = ReportPage(url="https://www.pingtan.gov.cn/zwgk/P020250310556.pdf",
                            list_title="平潭综合实验区2024年度政府信息公开工作年度报告")
    pipeline.process_item(attachment)
    assert (attachment.year, attachment.publish_date, attachment.metadata_sources["title"]) == (
        2024, "2025-03-10", "list_title")

    other = {"not": "a report"}
    assert pipeline.process_item(other) is other
