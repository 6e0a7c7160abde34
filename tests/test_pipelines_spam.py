"""Spam stage: 暗链 removal, mirror recognition, de-annotation, and the Scrapy adapter."""
import json
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ReportPage
from pipelines.spam import SpamStripPipeline, clean_page, deannotate
from pipelines.spam_dom import hiding_rule, script_rule
from pipelines.spam_hosts import is_gov_host, is_spam_link_host
from pipelines.spam import MAX_PARSE_DEPTH, TOO_DEEP
from pipelines.spam_patterns import RULES
from pipelines.spam_text import LEXICON_GUARD, LEXICON_RE, has_lexicon, lexicon_spans, place_run_spans

PAGES = Path(__file__).parent / "pages" / "spam"


@dataclass(frozen=True)
class Case:
    slug: str
    file: str
    url: str
    note: str
    mirror: bool
    rules: list
    absent_rules: list
    must_contain: list
    must_not_contain: list
    must_not_contain_html: list

    @property
    def html(self) -> str:
        return (PAGES / self.file).read_bytes().decode("utf-8")


CASES = [Case(**c) for c in json.loads((PAGES / "cases.json").read_text(encoding="utf-8"))]
REAL = [c for c in CASES if c.slug.startswith("real_")]
RESULTS = {}


def result_for(case):
    if case.slug not in RESULTS:
        RESULTS[case.slug] = clean_page(case.html, case.url)
    return RESULTS[case.slug]


def visible_text(html: str) -> str:
    """Text a reader could see: everything but scripts and styles, whitespace squashed."""
    root = lxml.html.document_fromstring(html)
    for el in root.xpath("//script|//style"):
        el.drop_tree()
    return " ".join(root.text_content().split())


def ids(case):
    return case.slug


# --- saved pages -----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=ids)
def test_body_sentences_survive(case):
    text = visible_text(result_for(case).html)
    assert [s for s in case.must_contain if s not in text] == []


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_injected_spam_is_gone(case):
    cleaned = result_for(case).html
    text = visible_text(cleaned)
    assert [s for s in case.must_not_contain if s in text] == []
    assert [s for s in case.must_not_contain_html if s in cleaned] == []


def test_no_spam_snippet_survives_anywhere():
    # Pinned zero over every page: one surviving snippet is a regression, never a tolerance.
    survivors = [(c.slug, s) for c in CASES for s in c.must_not_contain if s in visible_text(result_for(c).html)]
    assert survivors == []


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_expected_rules_hit(case):
    hit = {r.rule for r in result_for(case).removed}
    assert set(case.rules) - hit == set()
    assert set(case.absent_rules) & hit == set()
    assert hit <= set(RULES)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_mirror_flag(case):
    evidence = result_for(case).mirror_evidence
    assert bool(evidence) is case.mirror, evidence


@pytest.mark.parametrize("case", REAL, ids=ids)
def test_no_visible_paragraph_lost_on_real_pages(case):
    """Every <p>/<td> a reader sees on the original page is still there after cleaning."""
    root = lxml.html.document_fromstring(case.html)
    hidden = "ancestor-or-self::*[contains(translate(@style,' ',''),'display:none')]"
    paragraphs = {" ".join(p.text_content().split()) for p in root.xpath(f"//p[not({hidden})]|//td[not({hidden})]")}
    text = visible_text(result_for(case).html)
    assert [p for p in paragraphs if len(p) >= 10 and p not in text] == []


def test_mirror_evidence_names_its_reasons():
    evidence = result_for(next(c for c in CASES if c.slug == "donghu_2020_mirror")).mirror_evidence
    assert evidence[0] == "host www.wfyxz.com is not a government host"
    assert any(e.startswith("pinyin annotations:") for e in evidence)
    assert "SiteDomain www.ncdh.gov.cn is not the host www.wfyxz.com" in evidence


def test_audit_snippets_are_short_and_named():
    removed = result_for(next(c for c in CASES if c.slug == "nantong_2023_injected")).removed
    assert all(r.rule in RULES and 0 < len(r.snippet) <= 80 for r in removed)
    assert any(r.snippet.startswith("和硕县| 临武县") for r in removed if r.rule == "place_name_stuffing")


def test_same_page_served_locally_is_not_a_mirror():
    # Tests and the local portal serve copies on 127.0.0.1: the host alone is never evidence.
    case = next(c for c in CASES if c.slug == "real_02_pingtan_2024")
    assert clean_page(case.html, "http://127.0.0.1:8080/t20250310_97791.htm").mirror_evidence == []


def test_genuine_page_on_gov_host_is_returned_unchanged_when_nothing_is_removed():
    html = "<html><head><title>年报</title></head><body><p>本年度未收取信息处理费。</p></body></html>"
    assert clean_page(html, "https://www.nantong.gov.cn/a.html").html == html


# --- pure functions, table-driven ------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("關(guān)懷版", "关怀版"),
    ("中(zhōng)華人民(mín)共和國(guó)", "中华人民共和国"),
    ("信息公(gong)(gong)開", "信息公开"),                      # toneless duplicates (hongxingpaper.com)
    ("索引號（hào）", "索引号"),                                 # full-width parentheses
    ("門戶網站(web)與平臺(one)", "门户网站(web)与平台(one)"),    # English words are not pinyin
    ("《條例》(以下簡稱)", "《条例》(以下简称)"),               # Han inside the parentheses: not an annotation
    ("2020年，共15件，", "2020年，共15件，"),                   # full-width punctuation kept (no NFKC)
], ids=["toned", "several", "toneless-dup", "fullwidth-parens", "english", "han-parens", "punctuation"])
def test_deannotate(text, expected):
    assert deannotate(text) == expected


@pytest.mark.parametrize("markup, expected", [
    ('<div style="display:none">x</div>', "hidden_style"),
    ('<div style="DISPLAY: NONE !important">x</div>', "hidden_style"),
    ('<div style="visibility:hidden">x</div>', "hidden_style"),
    ('<div style="visibility:hidden"><p style="visibility:visible">x</p></div>', None),   # child shows itself
    ('<div style="opacity:0;text-indent:-9999px;width:0;height:0;overflow:hidden">x</div>', "hidden_style"),
    ('<div style="position:absolute;top:-9999px">x</div>', "offscreen_position"),
    ('<div style="position:relative;top:-9999px">x</div>', None),
    ('<div style="position:fixed;top:-50px">x</div>', None),                             # sticky header
    ('<h1 style="text-indent:-9999px;overflow:hidden">x</h1>', "offscreen_position"),
    ('<span style="font-size:0">x</span>', "zero_font_size"),
    ('<ul style="font-size:0"><li style="font-size:14px">x</li></ul>', None),           # inline-block gap trick
    ('<div style="color:#FFF;background:#ffffff">x</div>', "white_on_white"),
    ('<span style="color:#fff">x</span>', None),                                        # white on a CSS colour
    ("<p hidden>x</p>", "hidden_attr"),
    ('<p style="color:red">x</p>', None),
], ids=["display", "display-important", "visibility", "visibility-revealed", "opacity-zero-box", "offscreen",
        "relative", "sticky-header", "text-indent", "font-size-0", "font-size-restored", "white-on-white",
        "white-on-css", "hidden-attr", "visible"])
def test_hiding_rule(markup, expected):
    el = lxml.html.fragment_fromstring(markup)
    assert hiding_rule(el) == expected


@pytest.mark.parametrize("text, stuffed", [
    ("和硕县| 临武县| 资源县| 安溪县| 自贡市| 西峡县| 炉霍县| 秦安县|", True),
    ("和硕县｜临武县｜资源县｜时尚｜自贡市｜西峡县｜炉霍县｜", True),                     # one non-place word
    ("全市崇川区、通州区、海门区、如皋市、海安市、如东县、启东市均按时发布了本级年度报告。", False),
    ("东湖区 西湖区 青云谱区 青山湖区 新建区 南昌县 安义县 进贤县 红谷滩区 湾里区 高新区 经开区", True),
    ("首页| 政务公开| 政务服务| 互动交流| 走进南通| 网站地图| 联系我们|", False),          # a navigation bar
    ("关于我们 | 网站地图", False),
], ids=["pipes", "fullwidth-pipes", "sentence", "spaces", "nav-bar", "short"])
def test_place_name_stuffing(text, stuffed):
    assert bool(place_run_spans(text)) is stuffed


@pytest.mark.parametrize("text, kept", [
    ("赣ICP备05005744号-2 欧美喷潮久久久XXXXx,午夜亚洲av永久无码精品", "赣ICP备05005744号-2 "),
    ("坚持久久为功，持续推进政务公开。", "坚持久久为功，持续推进政务公开。"),                # 久久为功 is not spam
    ("依法打击淫秽色情和网络赌博等违法信息。", "依法打击淫秽色情和网络赌博等违法信息。"),
    ("按照国务院和省市的部署要求全面推进威廉希尔体育政务公开工作并取得了良好的社会效果与群众认可", "按照国务院和省市的部署要求全面推进体育政务公开工作并取得了良好的社会效果与群众认可"),
], ids=["clauses", "jiujiu-weigong", "crackdown", "long-sentence-word-only"])
def test_lexicon_clauses(text, kept):
    spans = lexicon_spans(text)
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    assert text == kept


@pytest.mark.parametrize("host, gov", [
    ("www.pingtan.gov.cn", True), ("gov.cn", True), ("www.gov.hk", True), ("portal.gov.mo", True),
    ("www.wfyxz.com", False), ("gov.cn.example.com", False), ("mhxqwer.github.io", False),
])
def test_is_gov_host(host, gov):
    assert is_gov_host(host) is gov


@pytest.mark.parametrize("link, page, spam", [
    ("www.amxpj88.com", "www.nantong.gov.cn", True),
    ("www.jiangsu.gov.cn", "www.nantong.gov.cn", False),
    ("dcs.conac.cn", "www.nantong.gov.cn", False),             # 党政机关网站标识
    ("static.nantong.gov.cn", "www.nantong.gov.cn", False),
    ("img.wfyxz.com", "www.wfyxz.com", False),                 # same registrable domain
    ("127.0.0.1", "www.nantong.gov.cn", False),
    ("", "www.nantong.gov.cn", False),                          # relative link
])
def test_is_spam_link_host(link, page, spam):
    assert is_spam_link_host(link, page) is spam


@pytest.mark.parametrize("code, rule", [
    ("""document.write('<a href="http://www.hg0088zz.com/">皇冠现金网开户</a>');""", "script_write"),
    ("""document.write(unescape("%3Ca href='http://www.xpj.com'%3E%u65B0%3C/a%3E"));""", "script_write"),
    ("""document.write("\\u003ca href=\\"#\\"\\u003e\\u767e\\u5bb6\\u4e50\\u003c/a\\u003e");""", "script_write"),   # JS-escaped 百家乐
    ("""document.write('<div style="position:absolute;left:-3000px">');""", "script_write"),
    ("""var r=document.referrer;if(r.indexOf("baidu")>0){location.href="http://x.com"}""", "referrer_redirect"),
    ("""var u=location.href;var r=document.referrer;new Image().src="/stat?u="+escape(u)+"&r="+escape(r);""", None),
    # realpages/20: the 党政机关 red shield
    ("""document.write(unescape("%3Cspan id='_ideConac' %3E%3C/span%3E%3Cscript src='https://dcs.conac.cn/js/33/000/0000/40672419/CA330000000406724190001.js' type='text/javascript'%3E%3C/script%3E"));""", None),
    # realpages/24a: 纠错 link to a gov host
    ("""document.write('<li><a href="https://jd.sh.gov.cn/err_report/article_add_form.asp?newstitle='+t+'">纠错</a></li>');""", None),
    ("""var cnzz_protocol = (("https:" == document.location.protocol) ? " https://" : " http://");document.write(unescape("%3Cspan id='cnzz_stat_icon'%3E%3C/span%3E"));""", None),
], ids=["link", "escaped-link", "u-escaped-word", "hidden-wrapper", "referrer", "analytics-referrer", "conac", "jiucuo", "cnzz"])
def test_script_rule(code, rule):
    assert script_rule(code, "www.example.gov.cn") == rule


@pytest.mark.parametrize("html, skipped", [
    ("", ""),
    ("   \n", ""),
    ("\x00\x01\x02\xff binary 无码", ""),                                    # control characters, then a text edit
    ("<html><body><p>截断的页面<div><table><tr><td>12", ""),                # truncated bytes
    ("<html", "unparsable"),
    ('<?xml version="1.0" encoding="utf-8"?><html><body><p>正文</p></body></html>', ""),
    ("<html><body>" + "<div>" * 300 + "正文" + "</div>" * 300 + "</body></html>", "lossy_parse"),
    ("</html><a href='http://spam.com'>太阳城娱乐</a>", "unparsable"),    # nothing left once the junk is cut
], ids=["empty", "blank", "binary", "truncated", "not-html", "xml-declaration", "too-deep", "only-junk"])
def test_bad_input_never_crashes(html, skipped):
    result = clean_page(html, "http://www.example.gov.cn/a.html")
    assert result.skipped == skipped
    assert result.mirror_evidence == []


def test_deep_page_keeps_its_text_rather_than_losing_it():
    # libxml2 drops what is nested deeper than ~255: the page must come back as it was, not truncated.
    html = "<html><body><div style='display:none'>x</div>" + "<div>" * 300 + "正文" + "</div>" * 300 + "</body></html>"
    assert clean_page(html, "https://www.example.gov.cn/a.html").html == html


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", [
    "<div><span><a href='http://a.com'>链接</a></span>",          # never closed: 200 000 levels deep
    "<p><a href='http://a.com'>链接</a><span style='font-size:0'>字</span></p>",   # flat, every rule busy
], ids=["nested", "flat"])
def test_ten_megabytes_stay_bounded(unit):
    html = "<html><body>" + unit * (10_000_000 // len(unit) + 1) + "</body></html>"
    result = clean_page(html, "https://www.example.gov.cn/a.html")
    assert len(html) > 10_000_000 and isinstance(result.html, str)


# --- speed-ups that must not change results ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "亚洲AV在线", "Av永久免费", "BET365体育", "bEt365", "365天在线服务", "在线办理", "永久基本农田", "",
    "澳门葡京", "\x00".join(["无", "码"]),
], ids=["both", "mixed-case", "upper", "odd-case", "digits-only", "cjk-tail-only", "cjk-only", "empty",
        "plain", "split-by-join"])
def test_lexicon_guard_never_misses_a_lexicon_match(text):
    assert has_lexicon(text) == (LEXICON_RE.search(text) is not None)
    assert LEXICON_GUARD.search(text) is not None or LEXICON_RE.search(text) is None


@pytest.mark.parametrize("comment", ["<!--c-->", "<?pi x?>", "<b>x</b>"], ids=["comment", "pi", "element"])
@pytest.mark.parametrize("depth", [248, 249, 250], ids=lambda d: f"depth{d}")
def test_depth_check_matches_a_full_walk(depth, comment):
    root = lxml.html.document_fromstring("<html><body>" + "<div>" * depth + comment + "</body></html>")
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in el)
    assert bool(TOO_DEEP(root)) == (deepest >= MAX_PARSE_DEPTH)


# --- the Scrapy adapter ----------------------------------------------------------------------------

def test_pipeline_sets_fields_and_counts_rules():
    crawler = get_crawler()
    pipeline = build_from_crawler(SpamStripPipeline, crawler)
    mirror = next(c for c in CASES if c.slug == "donghu_2020_mirror")
    item = ReportPage(url=mirror.url, html=mirror.html)
    attachment = ReportPage(url="https://www.ncdh.gov.cn/a.pdf", html="")
    other = {"url": mirror.url}

    assert pipeline.process_item(item) is item
    assert pipeline.process_item(attachment) is attachment and attachment.spam_removed == []
    assert pipeline.process_item(other) is other
    assert item.spam_mirror is True and item.spam_evidence == result_for(mirror).mirror_evidence
    assert {"rule": "place_name_stuffing", "snippet": item.spam_removed[0]["snippet"]} in item.spam_removed
    assert "东湖区2020年政府信息公开工作年度报告" in item.html
    assert crawler.stats.get_value("nianbao/spam/place_name_stuffing") == 1
    assert crawler.stats.get_value("nianbao/spam/mirror") == 1
