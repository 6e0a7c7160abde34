"""Vocabularies of the metadata stage: field labels, page <meta> names, custom tags, title and date rules."""
import re

# Labels of each field, best first: when a page carries several, the earlier label wins. Traditional
# forms (索引號, 發布機構) are for legitimate 繁體 renderings (tests/pages/corpus/donghu_2020_fanti_gov.html).
# Matching ignores spaces inside a label ("索 引 号", "标　　题") and a trailing ：or :.
FIELD_LABELS = {
    "index_no": ("索引号", "信息索引号", "索引號"),                           # 索引号
    "publisher": ("发布机构", "发文机关", "发布单位", "信息来源", "来源",
                  "责任部门", "發布機構", "發文機關"),  # tests/pages/metadata/wanzai_2022_metadata.html: 责任部门 only
    "generated_date": ("生成日期", "成文日期", "产生日期", "形成日期", "发文日期"),
    "publish_date": ("发布日期", "公开日期", "发布时间", "發布日期"),
    "doc_no": ("文号", "发文字号", "发布文号", "文件编号", "文號", "文件編號"),   # 文号
    "topic": ("主题分类", "信息分类", "组配分类", "分类", "主題分類"),
    "site_id_code": ("网站标识码",),
    "title": ("标题", "信息名称", "公文名称", "名称"),
}

# Labels of no interest that still end the value before them ("主题分类: 发布机构: 东湖区 ... 有效性: 有效")
# or hide a shorter label inside them (体裁分类 ⊃ 分类, 数据来源 ⊃ 来源).
STOP_LABELS = (
    "有效性", "时效", "效力状态", "公开方式", "公开范围", "公开时限", "公开属性", "关键词", "主题词",
    "体裁分类", "主题导航", "内容概述", "摘要", "数据来源", "图片来源", "采集时间", "单位", "主办单位",
    "承办单位", "协办单位", "浏览次数", "访问量", "字号", "分享到", "作者", "责任编辑", "联系电话", "文件下载",
    "时间",      # tests/pages/metadata/pingtan_2024_trs.html: "来源：平潭…办公室 时间：2025-03-10 15:35"
    "文章类型", "办文部门", "点击数", "阅读次数",
    "公開方式", "公開範圍", "公開時限", "時效", "關鍵詞",   # 繁體 renderings
)

# Values that mean "none" on metadata blocks.
EMPTY_VALUES = frozenset({"无", "暂无", "空", "-", "—", "－", "/", "／", "null", "none", "无文号"})

# Longest value worth keeping per field; a longer one is body text caught after a stray label.
MAX_VALUE_CHARS = {"index_no": 60, "publisher": 50, "doc_no": 50, "topic": 60, "title": 150,
                   "site_id_code": 30, "generated_date": 40, "publish_date": 40}

# <meta name=...> tags of the 政府网站 page norms, per field, best first (names compared case-insensitively).
META_NAMES = {
    "title": ("ArticleTitle",),
    "publish_date": ("PubDate", "firstpublishedtime"),
    "publisher": ("ContentSource",),
    "site_id_code": ("SiteIDCode",),
}

# CMS-specific tags wrapping one value: tests/pages/metadata/shuyang_fgj_2023_ucap.html (<publishtime>).
CUSTOM_TAGS = {"publishtime": "publish_date", "ucappublishtime": "publish_date"}

# Elements whose text may be the page's main heading (<ucaptitle> is UCAP's title tag).
HEADING_TAGS = ("ucaptitle", "h1", "h2", "h3")
HEADING_CLASS_WORDS = ("title", "biaoti")
# Children that are still part of a heading's text (<br> splits long titles: realpages 12).
HEADING_INLINE_TAGS = frozenset({"br", "font", "span", "strong", "b", "em", "i", "a", "u", "ucaptitle"})

# Words that mark a title or line as a 年报 ("is this the report heading?").
REPORT_WORDS = ("年度报告", "年报")

# What follows the reported year in a 年报 title: "2024年政府信息公开工作年度报告", "2023年年报".
# The title's issuing body sits before the year or between the year and the first of these.
AFTER_YEAR_WORDS = ("政府信息公开", "政务公开", "信息公开", "年报", "工作年度报告")

# Lines of the main text that may name the reported year (first lines only).
TEXT_YEAR_WORDS = ("年度报告", "年报", "信息公开", "政务公开", "统计期限", "统计时限")

# Separators between the page title and the site name in <title>: "_XX县人民政府", "-中国宜春", " | 某某网".
# A hyphen between digits ("2019-2020年") is not a separator.
TITLE_SEPARATOR = re.compile(r"\s*[_|｜]\s*|\s+[-—–－]\s*|(?<!\d)[-—–－](?!\d)")
# A site name after a plain space: realpages 20 "财政信息&nbsp;&nbsp;广东省人民政府门户网站".
# The site name holds no separator: realpages 12 "…调整2007　年末…决议__2007年第23号国务院公报_中国政府网"
# is a title with a full-width space, split at "_" (tests/pages/corpus/govcn_gongbao_2007.html).
SITE_SUFFIX = re.compile(r"\s+[^\s_|｜]*(?:门户网站|政府网站|人民政府|政府网)$")

# Years written with Chinese numerals: 二〇二四 (U+3007), 二○二四 (U+25CB), 二零二四, and O/0 look-alikes.
CHINESE_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
                  "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# Dates in page URLs, a last resort for publish_date (attachments have nothing else).
URL_DATE_RULES = (
    ("trs_doc", re.compile(r"/t(20\d{2})(\d{2})(\d{2})_\d+")),             # TRS: /202503/t20250310_97791.htm
    ("trs_attachment", re.compile(r"/P0(20\d{2})(\d{2})(\d{2})\d+")),     # TRS: P020250310556.pdf
    ("hanweb_art", re.compile(r"/art/(20\d{2})/(\d{1,2})/(\d{1,2})/")),  # Hanweb: /art/2024/1/17/art_…
)

# Reports are due by 31 January (条例 第五十条); one published in these months reports on the year before.
REPORT_MONTHS = (1, 2, 3, 4)
