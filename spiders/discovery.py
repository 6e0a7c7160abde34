"""Discovery rules: is a title a 年报, which links lead toward the 年报 column, which hosts are in scope."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from spiders.urls import is_alternate_rendering

YEAR = r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})"
# 政府信息公开工作年度报告, 政务信息公开年度报告, 信息公开年报, 政府信息公开工作年报 …
REPORT_TITLE = re.compile(r"(?:政府|政务)?信息公开(?:工作)?(?:年度报告|年报)")
# Look-alikes that are not 年报 (domain.md §1.8), and notices about compiling one.
NOT_REPORT = re.compile(
    r"统计年报|统计公报|政府工作报告|法治政府建设|网站(?:工作)?年度报表|监管年度报表|预算|决算|指南|制度"
    r"|统计季报|通知|意见|方案|编制|要点|工商年报|企业年报"
    r"|解读|图解|问答|发布会|会议|培训|推进会|部署|工作动态|专题"   # news about 年报, not 年报
)

# Anchor-text cues toward the 年报 column, with weights; URL path cues likewise.
TEXT_CUES = (
    ("信息公开年报", 8), ("年度报告", 6), ("年报", 5), ("政府信息公开", 5), ("信息公开目录", 4),
    ("信息公开", 4), ("政务公开", 4), ("公开目录", 3), ("部门信息公开", 3), ("乡镇", 1), ("街道", 1),
    ("法定主动公开", 2), ("下一页", 3), ("尾页", 1),
)
PATH_CUES = (
    (re.compile(r"(?:xxgknb|zfxxgknb|ndbg|xxgkndbg|gknb|annualreport)", re.I), 6),
    (re.compile(r"(?:zfxxgk|xxgkml|zwgk|xxgk|gkml|gkmlpt)", re.I), 3),
    (re.compile(r"index_\d+\.s?html?$", re.I), 1),
)
# Links never worth following: alternative renderings, accounts, and look-alike columns.
AVOID = re.compile(r"关怀版|无障碍|繁體|繁体|English|登录|注册|统计年报|政府工作报告|工作年度报表|法治政府|邮箱")


# A list entry that only names a year ("2023年度", "2019年") is a 年报 when its column is the 年报 column.
YEAR_ONLY = re.compile(rf"^{YEAR}年(?:度)?(?:报告)?$")
REPORT_COLUMN = re.compile(r"(?:信息公开|政务公开)(?:工作)?(?:年度报告|年报)|年报|年度报告")


def is_annual_report(title: str, context: str = "") -> bool:
    """True when a title names a 政府信息公开工作年度报告 for a year (not a look-alike or a notice).

    `context` is the column the title is listed in; it lets a bare year ("2023年度") count there.
    """
    title = re.sub(r"\s+", "", title or "")
    if NOT_REPORT.search(title):
        return False
    if REPORT_TITLE.search(title) and re.search(YEAR, title):
        return True
    context = re.sub(r"\s+", "", context or "")
    return bool(YEAR_ONLY.match(title) and REPORT_COLUMN.search(context) and not NOT_REPORT.search(context))


def link_score(text: str, url: str) -> int:
    """How strongly a link leads toward the 年报 column; 0 or less means do not follow."""
    text = re.sub(r"\s+", "", text or "")
    if AVOID.search(text) or NOT_REPORT.search(text) or is_alternate_rendering(url, text):   # look-alike columns
        return 0
    path = urlsplit(url).path
    return sum(weight for cue, weight in TEXT_CUES if cue in text) + sum(
        weight for pattern, weight in PATH_CUES if pattern.search(path)
    )
