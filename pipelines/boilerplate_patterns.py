"""Vocabularies of the main-text stage: body containers, page chrome, metadata labels (data only)."""

# Known body containers of government CMS templates, most specific first: (name, XPath).
# The name is recorded as item.extractor = "container:<name>".
# [@class] first: the token test then runs on the few elements that have a class (a quicker scan).
CONTAINERS = (
    ("div.TRS_Editor", "//div[@class][contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]"),  # TRS WCM (realpages 02, 10)
    ("div.TRS_UEDITOR", "//div[@class][contains(concat(' ', normalize-space(@class), ' '), ' TRS_UEDITOR ')]"),
    ("#UCAP-CONTENT", "//*[@id='UCAP-CONTENT']"),           # gov.cn (realpages 12)
    ("ucapcontent", "//ucapcontent"),                         # UCAP 开普云 (realpages 03, 13, 14, 15)
    ("#zoom", "//*[@id='zoom']"),                             # Hanweb jcms (realpages 11)
    ("#Zoom", "//*[@id='Zoom']"),
    ("#zoomcon", "//*[@id='zoomcon']"),                       # UCAP / NFCMS (realpages 03, 16)
    ("#fontzoom", "//*[@id='fontzoom']"),
    ("#wenzhang-content", "//*[@id='wenzhang-content']"),     # nfra.gov.cn (realpages 23)
    (".article-content", "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]"),
    (".xl_main", "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' xl_main ')]"),
    (".info-cont", "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' info-cont ')]"),
    (".pages_content", "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]"),
    (".view", "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' view ')]"),
)

# Elements never read as text, anywhere.
NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "select",
              "button", "input", "textarea", "svg", "canvas", "map", "head", "link", "meta")

# Inline styles that hide an element (tests/pages/extraction/guangzhou_hidden_copy.html: the
# hidden div.bbnr full-text copy for screen readers must never be taken as the body).
HIDDEN_STYLE = r"display\s*:\s*none|visibility\s*:\s*hidden"

# Page chrome inside or around a body container, matched on class/id tokens: rule -> substrings.
CHROME_CLASS_RULES = {
    "share": ("share", "bdshare", "fenxiang", "jiathis"),
    "print_close": ("print", "dayin", "guanbi", "closewin"),
    "related": ("related", "reldoc", "navdoc", "xgwz", "xglj", "xgxx"),
    "qrcode": ("qrcode", "erweima", "ewm"),
    "pager": ("prevnext", "pre-next", "sxp", "sxpian"),
    "breadcrumb": ("breadcrumb", "crumb", "position", "location", "dqwz"),
    "font_size": ("fontsize", "zihao"),
}

# Whole lines of page chrome: rule -> regex matched against the entire (short) line.
CHROME_LINE_RULES = {
    "breadcrumb": r"(您现在所在的位置|您当前的位置|您的位置|当前位置|当前所在位置)\s*[:：].*",
    "prev_next": r"(上一篇|下一篇|上一条|下一条)\s*[:：]?.*",
    "related": r"【?(相关链接|相关文章|相关附件|相关阅读|相关稿件|相关信息)】?\s*[:：]?",
    "share": r"(分享到|分享至)\s*[:：]?.*|分享\s*[:：].*",
    "print_close": r"[【\[]?\s*(打印本页|打印|关闭窗口|关闭本页|关闭|收藏|返回顶部)\s*[】\]]?"
                   r"(\s*[【\[]?\s*(打印本页|打印|关闭窗口|关闭本页|关闭|收藏|返回顶部)\s*[】\]]?)*",
    "qrcode": r"扫一扫在手机(上)?(打开|查看)(当前|本)页(面)?",
    "font_size": r"[【\[]?\s*(字号|字体)\s*[:：]?\s*[大中小默认\s]+[】\]]?",
    "footer": r".*(主办单位|承办单位|网站标识码|ICP备|公网安备|版权所有).*",
    "accessibility": r"(无障碍|关怀版|长者模式|繁體|繁体|简体|English)(\s*[|｜]?\s*(无障碍|关怀版|长者模式|繁體|繁体|简体|English))*",
}
# Only lines up to this length can be chrome: a report paragraph may mention 主办单位.
CHROME_LINE_MAX_CHARS = 80

# Labels of the 政府信息公开 metadata block (索引号/发布机构/生成日期 table); the metadata stage reads it
# from item.html, the main text leaves it out.
METADATA_LABELS = ("索引号", "索 引 号", "主题分类", "发布机构", "发文机关", "生成日期", "成文日期",
                   "发布日期", "公开日期", "发文字号", "文号", "公开方式", "公开时限", "公开范围",
                   "有效性", "信息来源", "关键词", "时效", "信息分类", "组配分类")
METADATA_MIN_LABELS = 3
METADATA_MAX_CHARS = 600
