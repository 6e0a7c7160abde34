"""Vocabularies and named rules of the spam stage (暗链 and spam mirrors), kept as data."""
import re

# Every removal and every mirror signal is recorded under one of these names (stats: nianbao/spam/<rule>).
RULES = (
    "after_html_end",          # junk appended after the last </html>
    "random_id_tag_soup",      # <noframes id="zdbdv"><address id="zdbdv">… empty nests with one random id
    "hidden_attr",             # the HTML `hidden` attribute
    "hidden_style",            # display:none, visibility:hidden, opacity:0, 0×0 with overflow hidden
    "offscreen_position",      # absolute/fixed far off-screen, or a large negative text-indent
    "zero_font_size",          # font-size:0 with no child restoring a size
    "white_on_white",          # white text on an inline white background
    "tiny_marquee",            # <marquee> with a 1-digit height or width
    "noscript_junk",           # <noframes>, or <noscript> carrying off-site links or spam words
    "script_write",            # document.write() of spam markup, or of a wrapper hiding static links
    "referrer_redirect",       # script sending search-engine visitors elsewhere (document.referrer)
    "offsite_link_cluster",    # several links to non-government hosts, with little other text around
    "place_name_stuffing",     # 和硕县| 临武县| 资源县| … keyword runs
    "porn_gambling_lexicon",   # clauses carrying porn or gambling phrases
)

# Hosts that belong to government (page hosts and link targets); a suffix match on the host.
GOV_HOST_SUFFIXES = (".gov.cn", ".gov.hk", ".gov.mo", ".政务", ".政务.cn")
GOV_HOSTS = ("gov.cn", "gov.hk", "gov.mo")
# Hosts that are neither the page's nor government but that genuine gov pages link to routinely
# (党政机关网站标识, 网络举报, state media, share buttons); links to them never form a spam cluster.
TRUSTED_LINK_SUFFIXES = (
    "conac.cn", "12377.cn", "people.com.cn", "xinhuanet.com", "news.cn", "cctv.com", "cntv.cn",
    "chinadaily.com.cn", "weibo.com", "qq.com", "baidu.com", "edu.cn", "org.cn", "12306.cn",
)
# Second-level labels under which the registrable domain has three labels (nanchang.com.cn).
SECOND_LEVEL_LABELS = ("com", "net", "org", "gov", "edu", "ac", "co")
# A page served from these is not judged by its host (tests and the local portal run there).
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")

# Inline-style values (declarations are parsed, lower-cased, spaces removed) that hide an element.
HIDING_DISPLAY = ("none",)
HIDING_VISIBILITY = ("hidden", "collapse")
OFFSCREEN_POSITIONS = ("absolute", "fixed")
OFFSCREEN_OFFSET_PX = -300        # top/left/right/bottom at or past this is off-screen
OFFSCREEN_INDENT_PX = -500        # text-indent at or past this pushes the text out of sight
WHITE_COLOURS = ("#fff", "#ffffff", "white", "rgb(255,255,255)", "hsl(0,0%,100%)")
# A hidden element holding this share of the page's text, almost no links, is left alone: it is
# more likely a tab a script reveals than injected spam (16_guangzhou's bbnr copy is ~50 %).
HIDDEN_KEEP_TEXT_SHARE = 0.6

# Random-id tag soup: at least this many empty elements sharing one random-looking id.
SOUP_ID = re.compile(r"^[a-z0-9]{4,8}$")
SOUP_MIN_GROUP = 3
SOUP_MIN_GROUPS_FOR_EVIDENCE = 2

# Off-site link cluster: this many off-site anchors under one container, whose links carry at least
# this share of the container's text.
CLUSTER_MIN_LINKS = 3
CLUSTER_MIN_LINK_TEXT_SHARE = 0.5
# Tags climbed through when looking for the container of a link.
INLINE_WRAPPERS = ("li", "span", "font", "b", "strong", "em", "i", "u", "small", "dd", "dt")

# Porn and gambling phrases. Only phrases no 年报 uses: no 色情/赌博/彩票 (打击淫秽色情, 福利彩票
# are government business), no 久久 alone (久久为功), no 金沙/太阳城 alone (place names).
# Words that police and 网信 reports use (黄色网站, 裸聊, 六合彩, 博彩, 偷拍, 人伦, 高潮) stay out too.
PORN_TERMS = (
    "无码", "人妻", "久久精品", "久久久", "国产精品", "精品国产", "亚洲av", "av永久", "av在线",
    "成人影院", "成人视频", "喷潮", "春药", "伦爽", "乱伦", "一级毛片", "女优", "爆乳", "巨乳",
    "自慰", "嫩模", "约炮", "三级片", "免费看片", "無碼", "國產精品", "成人影片",
)
GAMBLING_TERMS = (
    "真人真钱", "网上娱乐城", "娱乐城", "百家乐", "买球", "投注平台", "体育投注", "威尼斯人",
    "新葡京", "澳门葡京", "澳门金沙", "威廉希尔", "尊龙凯时", "人生就是博", "亚博体育", "开云体育",
    "皇冠体育", "bet365", "竞猜平台", "老虎机", "真人娱乐", "百家樂", "娛樂城",
)
LEXICON = tuple(t.lower() for t in PORN_TERMS + GAMBLING_TERMS)
# Where a spam clause ends: sentence and list punctuation and whitespace.
CLAUSE_SEPARATORS = r",，;；|｜。！？!?_—\s"
# A clause longer than this is a genuine sentence with a word swapped in: only the word goes.
CLAUSE_MAX_CHARS = 40
# How much of the visible text counts as "the top of the page" for mirror evidence.
TOP_CHARS = 500

# Place-name stuffing: a run of short names separated by pipes (或 runs of spaces), most ending
# in an administrative suffix. 、 is never a separator here: it is how sentences list counties.
PLACE_SUFFIXES = "省市县区州旗盟镇乡"
PLACE_PIPE_RUN = re.compile(r"(?:[\u4e00-\u9fff]{2,10}[ \t\u3000]*[|｜][ \t\u3000]*){6,}(?:[\u4e00-\u9fff]{2,10}(?![\u4e00-\u9fff]))?")
PLACE_SPACE_RUN = re.compile(r"(?:[\u4e00-\u9fff]{2,10}[ \t\u3000]+){11,}[\u4e00-\u9fff]{2,10}")
PLACE_PIPE_MIN_SHARE = 0.6
PLACE_SPACE_MIN_SHARE = 0.8
# The fewest separators each run pattern can match ({6,} pipes, {11,} gaps): text with fewer skips the regexes.
PLACE_PIPE_MIN_PIPES = 6
PLACE_SPACE_MIN_GAPS = 11

# Pinyin annotations of a spam mirror: 關(guān), 國(guó), toneless (gong)(gong). One or more groups
# right after a Han character; ASCII or full-width parentheses.
TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
PINYIN_TONED = rf"[a-zü{TONE_VOWELS}]*[{TONE_VOWELS}][a-zü{TONE_VOWELS}]*"
# Toneless: initial + 1–3 vowels + n/ng/r, so (web), (one), (ok) after a Han character are not pinyin.
PINYIN_TONELESS = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?[aeiouvü]{1,3}(?:ng|n|r)?"
PINYIN_ANNOTATION = re.compile(
    rf"(?<=[\u3400-\u9fff])(?:[(（](?:{PINYIN_TONED}|{PINYIN_TONELESS})[)）])+"
)
MIRROR_MIN_PINYIN = 3

# Scripts: what document.write() writes, and referrer cloaking.
DOCUMENT_WRITE = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(", re.I)
# Referrer cloaking needs all three in one script: analytics read the referrer too, but never redirect.
REFERRER_READ = re.compile(r"document\s*\.\s*referrer", re.I)
SEARCH_ENGINE_NAMES = re.compile(r"baidu|sogou|soso|so\.com|google|bing|yahoo|sm\.cn|360", re.I)
LOCATION_CHANGE = re.compile(r"location(?:\s*\.\s*href)?\s*=(?!=)|location\s*\.\s*replace\s*\(|window\s*\.\s*open\s*\(", re.I)
# <script>document.write('<div style="display:none">')</script> … static links … <script>document.write('</div>')</script>
SCRIPT_WRAPPED_BLOCK = re.compile(
    r"<script[^>]*>\s*document\.write(?:ln)?\(\s*(['\"])<(div|span|p|ul)\b[^<>]*?"
    r"(?:display\s*:\s*none|visibility\s*:\s*hidden|top\s*:\s*-\d{3,}|left\s*:\s*-\d{3,})[^<>]*>\1\s*\)\s*;?\s*</script>"
    r"([\s\S]{0,50000}?)"
    r"<script[^>]*>\s*document\.write(?:ln)?\(\s*(['\"])</\2>\4\s*\)\s*;?\s*</script>",
    re.I,
)
HTML_END = re.compile(r"</html\s*>", re.I)
BODY_END = re.compile(r"</body\s*>", re.I)
