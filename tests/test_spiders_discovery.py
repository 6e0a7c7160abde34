"""The 年报 predicate, link scoring and scope, table-driven."""
import pytest

from spiders.discovery import is_annual_report, link_score
from spiders.urls import in_scope

REPORT_TITLES = [
    "营山县人民政府办公室2024年政府信息公开工作年度报告",
    "南昌市2024年政府信息公开工作年度报告",
    "2023年度政府信息公开工作年度报告",
    "沭阳县发展和改革局2023年政府信息公开年度报告",
    "舒兰市市场监管局2016年政务信息公开年度报告",       # 政务 variant (domain.md §1.5)
    "东湖区二〇二〇年政府信息公开工作年度报告",           # year in Chinese numerals
    "示例县二〇二四年度政府信息公开工作年度报告",         # 四 too, not only 〇/二
    "平潭综合实验区2024年度政府信息公开工作年度报告",
]
NOT_REPORT_TITLES = [
    "政府信息公开年报",                                    # the column, not a report: no year
    "2024年统计年报",
    "2024年政府工作报告",
    "关于做好2024年度政府信息公开工作年度报告编制发布工作的通知",  # a notice about compiling
    "示例市2024年法治政府建设年度报告",
    "2024年政府网站工作年度报表",
    "示例县2024年部门决算",
    "政府信息公开指南",
    "示例县召开2024年政务公开工作推进会",
    "图解：示例县2023年政府信息公开工作年度报告",               # an explainer about a report
    "《示例县2023年政府信息公开工作年度报告》解读",
    "",
]


@pytest.mark.parametrize("title,context,expected", [
    ("2023年度", "政府信息公开年报", True),         # bare year listed in the 年报 column
    ("2023年", "信息公开年度报告_示例县人民政府", True),
    ("2023年度", "财政预决算", False),              # the same entry in another column
    ("2023年度", "", False),
], ids=["year-in-column", "year-in-column-title", "year-elsewhere", "no-context"])
def test_context_lets_a_bare_year_count(title, context, expected):
    assert is_annual_report(title, context) is expected


@pytest.mark.parametrize("title", REPORT_TITLES, ids=range(len(REPORT_TITLES)))
def test_report_titles_are_recognised(title):
    assert is_annual_report(title)


@pytest.mark.parametrize("title", NOT_REPORT_TITLES, ids=range(len(NOT_REPORT_TITLES)))
def test_look_alikes_are_rejected(title):
    assert not is_annual_report(title)


@pytest.mark.parametrize("text,url,expected_positive", [
    ("政务公开", "https://www.example.gov.cn/zwgk/index.html", True),
    ("政府信息公开年报", "https://www.example.gov.cn/zwgk/xxgknb/index.html", True),
    ("下一页", "https://www.example.gov.cn/zwgk/xxgknb/index_1.html", True),
    ("", "https://www.example.gov.cn/xxgk/ndbg/", True),             # icon link, path tells
    ("新闻中心", "https://www.example.gov.cn/news/index.html", False),
    ("关怀版", "https://www.example.gov.cn/zwgk/care.html", False),    # alternative rendering
    ("统计年报", "https://www.example.gov.cn/tjnb/index.html", False),
], ids=["section", "column", "next-page", "path-only", "news", "care-mode", "statistics"])
def test_link_score(text, url, expected_positive):
    assert (link_score(text, url) > 0) is expected_positive


def test_section_and_column_outrank_plain_navigation():
    column = link_score("政府信息公开年报", "https://x.gov.cn/zwgk/xxgknb/")
    section = link_score("政府信息公开", "https://x.gov.cn/zwgk/")
    assert column > section > link_score("办事服务", "https://x.gov.cn/bsfw/")


@pytest.mark.parametrize("url,portal_host,expected", [
    ("https://www.example.gov.cn/a.html", "www.example.gov.cn", True),
    ("https://fgw.example.gov.cn/a.html", "www.example.gov.cn", True),     # department sub-domain
    ("https://example.gov.cn/a.html", "www.example.gov.cn", True),
    ("https://www.other.gov.cn/a.html", "www.example.gov.cn", False),
    ("https://badexample.gov.cn/a.html", "www.example.gov.cn", False),     # suffix, not a sub-domain
    ("ftp://www.example.gov.cn/a.html", "www.example.gov.cn", False),
    ("http://127.0.0.1:8000/zwgk/", "127.0.0.1", True),
], ids=["same-host", "sub-domain", "bare-domain", "other-portal", "lookalike-suffix", "ftp", "loopback"])
def test_scope(url, portal_host, expected):
    assert in_scope(url, portal_host) is expected
