"""pipelines.encoding: which charset wins, what text survives, what is dropped."""
from __future__ import annotations

import codecs
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import DROP_REASONS, ENCODING_SOURCES, ReportPage
from pipelines.encoding import (
    Decoded,
    DecodePipeline,
    decode_page,
    header_charset,
    is_document_type,
    meta_charset,
)

PAGES = Path(__file__).parent / "pages" / "encoding"

# A 年报 excerpt; 镕 喆 堃 are GBK-only (not in GB2312), so a literal gb2312 decode would lose them.
REPORT = (
    "东湖区2020年政府信息公开工作年度报告\n"
    "本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）编制。\n"
    "一、总体情况\n"
    "2020年，全区主动公开政府信息3819条，组织学习《朱镕基讲话实录》中关于依法行政的论述。\n"
    "如对本报告有任何疑问，请与区政府办公室联系（联系人：王喆、李堃，电话：0791-87838083）。\n"
)
# The same report in traditional characters, as a 繁體 mirror would serve it in Big5.
REPORT_TRADITIONAL = (
    "東湖區2020年政府信息公開工作年度報告\n"
    "本報告依據《中華人民共和國政府信息公開條例》（以下簡稱《條例》）省、市政府2020年政務公開工作要點要求，"
    "結合我區政府信息公開工作有關統計數據撰寫。報告主要包括：總體情況、主動公開政府信息情況、"
    "收到和處理政府信息公開申請情況、因政府信息公開被申請行政復議和提起行政訴訟情況。\n"
    "一、總體情況\n2020年，東湖區人民政府信息公開工作堅持以人民為中心，全面貫徹黨的十九大精神。\n"
)
NAMES = ("朱镕基", "王喆", "李堃")
TABLE = "<table><tr><td>规章</td><td>0</td></tr><tr><td>规范性文件</td><td>3</td></tr></table>"
META_GB2312 = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


def page(text: str, head: str = "") -> str:
    """A TRS-like detail page around `text`: its first line as the title, one <p> per line."""
    title = text.splitlines()[0]
    paragraphs = "".join(f"<p>{line}</p>\n" for line in text.splitlines())
    return (f"<!DOCTYPE html>\n<html>\n<head>\n{head}\n<title>{title}</title>\n</head>\n"
            f'<body>\n<div class="TRS_Editor">\n{paragraphs}</div>\n</body>\n</html>\n')


GBK_PAGE = page(REPORT).encode("gbk")


@dataclass
class Case:
    id: str
    body: bytes
    content_type: str | None
    encoding: str
    source: str
    contains: tuple[str, ...] = ()
    replacements: int = 0


CASES = [
    # BOMs win over everything and are not part of the text
    Case("bom-utf8", codecs.BOM_UTF8 + page(REPORT, META_GB2312).encode(), None, "utf-8", "bom", NAMES),
    Case("bom-utf8-beats-header", codecs.BOM_UTF8 + page(REPORT).encode(), "text/html; charset=GBK",
         "utf-8", "bom", NAMES),
    Case("bom-utf16le", codecs.BOM_UTF16_LE + page(REPORT).encode("utf-16-le"), None, "utf-16-le", "bom", NAMES),
    Case("bom-utf16be", codecs.BOM_UTF16_BE + page(REPORT).encode("utf-16-be"), None, "utf-16-be", "bom", NAMES),
    # header only
    Case("header-gbk", GBK_PAGE, "text/html; charset=GBK", "gb18030", "header", NAMES),
    Case("header-gb2312-quoted", GBK_PAGE, 'text/html;charset="gb2312"', "gb18030", "header", NAMES),
    Case("header-x-gbk", GBK_PAGE, "text/html; charset=x-gbk", "gb18030", "header", NAMES),
    Case("header-cp936", GBK_PAGE, "text/html; charset=cp936", "gb18030", "header", NAMES),
    Case("header-single-quotes", GBK_PAGE, "text/html; charset='gbk'", "gb18030", "header", NAMES),
    Case("header-utf8", page(REPORT).encode(), "text/html; charset=UTF-8", "utf-8", "header", NAMES),
    Case("header-big5", page(REPORT_TRADITIONAL).encode("big5"), "text/html; charset=big5", "big5hkscs",
         "header", ("東湖區", "政務公開")),
    # meta only, however it is spelled
    Case("meta-http-equiv-gb2312", page(REPORT, META_GB2312).encode("gbk"), None, "gb18030", "meta", NAMES),
    Case("meta-charset-unquoted", page(REPORT, "<meta charset=gbk>").encode("gbk"), None, "gb18030", "meta", NAMES),
    Case("meta-httpequiv-malformed",
         page(REPORT, "<META httpequiv=ContentType content=text/html;charset=GB2312>").encode("gbk"),
         None, "gb18030", "meta", NAMES),
    Case("meta-x-gbk", page(REPORT, "<meta charset='x-gbk'>").encode("gbk"), None, "gb18030", "meta", NAMES),
    Case("meta-gb_2312-80", page(REPORT, '<meta charset="GB_2312-80">').encode("gbk"), None, "gb18030", "meta"),
    # no http-equiv at all: WHATWG ignores it, our lenient fallback does not
    Case("meta-content-without-http-equiv", page(REPORT, '<meta content="text/html; charset=gbk">').encode("gbk"),
         None, "gb18030", "meta", NAMES),
    # a declaration inside a comment does not count
    Case("meta-in-comment-ignored", page(REPORT, "<!-- <meta charset=big5> -->").encode("gbk"), None,
         "gb18030", "detected", NAMES),
    # header and meta disagree: the one the bytes agree with wins, whichever it is
    Case("header-utf8-meta-gbk-bytes-gbk", page(REPORT, META_GB2312).encode("gbk"), "text/html; charset=utf-8",
         "gb18030", "meta", NAMES),
    Case("header-latin1-meta-gbk-bytes-gbk", page(REPORT, META_GB2312).encode("gbk"),
         "text/html; charset=ISO-8859-1", "gb18030", "meta", NAMES),  # Tomcat's default header
    Case("header-gbk-meta-utf8-bytes-utf8", page(REPORT, '<meta charset="utf-8">').encode(),
         "text/html; charset=GBK", "utf-8", "meta", NAMES),
    Case("header-gbk-meta-big5-bytes-gbk", page(REPORT, "<meta charset=big5>").encode("gbk"),
         "text/html; charset=GBK", "gb18030", "header", NAMES),
    Case("header-big5-meta-gbk-bytes-gbk", page(REPORT, "<meta charset=gbk>").encode("gbk"),
         "text/html; charset=big5", "gb18030", "meta", NAMES),
    # real pages: declared gb2312 with GBK-only 昇; declared GB2312 but re-saved as UTF-8
    Case("real-gb2312-declared-gbk-bytes", (PAGES / "netease_gb2312_declared_gbk_bytes.html").read_bytes(), None,
         "gb18030", "meta", ("昇兴股份", "股市15个交易日股民人均亏41万")),
    Case("real-gb2312-declared-utf8-bytes", (PAGES / "people_gb2312_declared_utf8_bytes.html").read_bytes(),
         "text/html", "utf-8", "detected", ("郑板桥画了几笔兰花当嫁妆",)),
    # nothing declared: the detector decides
    Case("undeclared-gbk", GBK_PAGE, None, "gb18030", "detected", NAMES),
    Case("undeclared-gb18030-4byte", page(REPORT + "㐀𠀀\n").encode("gb18030"), None, "gb18030", "detected",
         ("㐀𠀀",) + NAMES),
    Case("undeclared-big5", page(REPORT_TRADITIONAL).encode("big5"), "text/html", "big5hkscs", "detected",
         ("東湖區", "行政訴訟")),
    Case("undeclared-utf8", page(REPORT).encode(), None, "utf-8", "detected", NAMES),
    Case("undeclared-ascii", b"<html><body><p>Annual report 2020</p></body></html>", None, "utf-8", "detected"),
    Case("short-gbk-names", "朱镕基 王喆 李堃".encode("gbk"), None, "gb18030", "detected", NAMES),
    Case("short-gbk-sentence", "一、总体情况：主动公开政府信息3819条。".encode("gbk"), None, "gb18030",
         "detected", ("主动公开",)),
    # C4BF C2BC (目录 in GBK) is also valid UTF-8 "Ŀ¼": not Chinese, so the last resort picks gb18030
    Case("short-gbk-valid-as-utf8", "目录".encode("gbk"), None, "gb18030", "fallback", ("目录",)),
    # GBK 图 (CD BC) is valid UTF-8 "ͼ": valid UTF-8 must also read as Chinese before it overrides anything
    Case("gbk-valid-as-utf8-repeated", 'if (t.indexOf("图6")>-1 || t.indexOf("图7")>-1 || t.indexOf("图8")>-1 '
         '|| t.indexOf("图9")>-1) {'.encode("gbk"), None, "gb18030", "fallback", ("图6", "图9")),
    Case("table-only-gbk", TABLE.encode("gbk"), None, "gb18030", "detected", ("规章", "规范性文件")),
    Case("table-only-gbk-declared", TABLE.encode("gbk"), "text/html; charset=gb2312", "gb18030", "header",
         ("规范性文件",)),
    # invalid or odd charset names are ignored, not fatal
    Case("header-charset-foo", page(REPORT, META_GB2312).encode("gbk"), "text/html; charset=foo", "gb18030",
         "meta", NAMES),
    Case("header-charset-list-bytes-gbk", GBK_PAGE, "text/html; charset=utf-8,gbk", "gb18030", "detected", NAMES),
    Case("meta-charset-foo", page(REPORT, '<meta charset="foo">').encode("gbk"), None, "gb18030", "detected", NAMES),
    Case("header-charset-base64", GBK_PAGE, "text/html; charset=base64", "gb18030", "detected", NAMES),
    Case("meta-utf16-ascii-bytes", page(REPORT, '<meta charset="utf-16">').encode(), None, "utf-8", "detected",
         NAMES),
    Case("header-charset-empty", GBK_PAGE, "text/html; charset=", "gb18030", "detected", NAMES),
    # truncated downloads: the cut character becomes one U+FFFD, the rest survives
    Case("truncated-gbk", GBK_PAGE + "朱".encode("gbk")[:1], "text/html; charset=gbk", "gb18030", "header",
         NAMES, replacements=1),
    Case("truncated-utf8", page(REPORT).encode() + "朱".encode()[:2], "text/html; charset=utf-8", "utf-8",
         "header", NAMES, replacements=1),
    Case("truncated-undeclared-gbk", GBK_PAGE + "朱".encode("gbk")[:1], None, "gb18030", "detected", NAMES,
         replacements=1),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_decode_page_chooses_the_right_codec(case):
    decoded = decode_page(case.body, case.content_type)
    assert (decoded.encoding, decoded.source, decoded.replacements) == (case.encoding, case.source, case.replacements)
    assert decoded.source in ENCODING_SOURCES
    for needle in case.contains:
        assert needle in decoded.text
    assert not decoded.text.startswith("\ufeff")


@pytest.mark.parametrize(("content_type", "expected"), [
    ("text/html; charset=GBK", "gb18030"),
    ("text/html; charset=gb_2312-80", "gb18030"),
    ("text/html; charset=x-gbk", "gb18030"),
    ("text/html; charset=cn-big5", "big5hkscs"),
    ("text/html; charset=big5", "big5hkscs"),
    ("text/html; charset=ISO-8859-1", "cp1252"),
    ("text/html; charset=foo", None),
    ("text/html; charset=utf-7", None),   # w3lib refuses UTF-7: it can smuggle markup
    ("text/html; charset=base64", None),  # Python codecs that are not charsets must not be used
    ("text/html; charset=undefined", None),
    ("text/html; charset=rot13", None),
    ("text/html; charset=utf-16", None),  # WHATWG: real UTF-16 has a BOM; a bare declaration is ignored
    ("text/html; charset=hz-gb-2312", None),
    ("text/html", None),
    ("", None),
    (None, None),
    (b"text/html; charset=gbk", "gb18030"),  # raw header bytes
], ids=lambda v: repr(v))
def test_header_charset(content_type, expected):
    assert header_charset(content_type) == expected


@pytest.mark.parametrize(("head", "expected"), [
    (b'<meta charset="gb2312">', "gb18030"),
    (b"<meta httpequiv=Content-Type content=text/html;charset=gbk>", "gb18030"),
    (b"<meta charset='x-gbk'>", "gb18030"),
    (b'<meta content="text/html; charset=big5">', "big5hkscs"),
    (b'<?xml version="1.0" encoding="GBK"?>', "gb18030"),
    (b"<body><meta charset=gbk>", None),                 # only the head counts
    (b"<!-- <meta charset=gbk> -->", None),
    (b"<script>" + b"x" * 9000 + b"</script><meta charset=gbk>", None),  # beyond the first few KB
    (b'<meta charset="utf-8,gbk">', "utf-8"),
    (b"<meta charset=foo>", None),
], ids=lambda v: repr(v)[:40])
def test_meta_charset(head, expected):
    assert meta_charset(head) == expected


BINARY = [
    ("empty", b""),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
    ("zip-docx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256))),
    ("ole-doc-wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
    ("gzip", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256))),
    ("many-nuls", b"<html>" + b"\x00\x01" * 200 + b"</html>"),
]


@pytest.mark.parametrize("body", [b for _, b in BINARY], ids=[i for i, _ in BINARY])
def test_binary_and_empty_bodies_give_fallback_without_text(body):
    decoded = decode_page(body, "text/html; charset=utf-8")
    assert (decoded.source, decoded.text, decoded.encoding) == ("fallback", "", "")


HOSTILE = [
    ("nested-tags-10mb", b"<div><span>" * 1_000_000),
    ("unclosed-scripts", b"<script>" * 200_000 + "朱镕基".encode("gbk")),
    ("unclosed-tags", b"<" * 500_000 + "朱镕基".encode("gbk")),
    ("random-high-bytes", bytes((i * 7919 + 13) % 128 + 128 for i in range(100_000))),
    ("lone-0x80", b"<p>price \x80 100</p>"),
    ("lone-lead-bytes", b"\x81\xfe\x81"),
]


@pytest.mark.parametrize("body", [b for _, b in HOSTILE], ids=[i for i, _ in HOSTILE])
def test_hostile_bodies_never_raise_and_stay_bounded(body):
    started = time.perf_counter()
    decoded = decode_page(body, None)
    assert time.perf_counter() - started < 10
    assert decoded.source in ENCODING_SOURCES
    assert decoded.replacements == decoded.text.count("\ufffd")


def test_decode_page_never_raises_on_random_bytes():
    rng = random.Random(20250203)
    parts = [b"<meta charset=%s>", b"\xef\xbb\xbf", b"\xff\xfe", b"<script>", b"<!--", b"<", b"\x80", b"\x00",
             b"%PDF-", "朱镕基".encode("gbk"), "朱镕基".encode(), "東湖區".encode("big5")]
    labels = [b"gbk", b"x-gbk", b"foo", b"utf-8,gbk", b"base64", b"utf-16", b"'big5'", b""]
    for _ in range(2000):
        body = b"".join(rng.choice(parts).replace(b"%s", rng.choice(labels)) + rng.randbytes(rng.randint(0, 30))
                        for _ in range(rng.randint(0, 6)))
        label = rng.choice(labels).decode()
        decoded = decode_page(body, rng.choice([None, "text/html", f"text/html; charset={label}"]))
        assert decoded.source in ENCODING_SOURCES and decoded.replacements == decoded.text.count("\ufffd")


def test_detail_records_every_decision():
    decoded = decode_page(page(REPORT, META_GB2312).encode("gbk"), "text/html; charset=utf-8")
    assert decoded.detail() == {"header_charset": "utf-8", "meta_charset": "gb18030", "detected": "gb18030",
                                "used": "gb18030", "replacements": 0}


def test_detector_is_not_consulted_when_the_one_declaration_reads_well():
    decoded = decode_page(page(REPORT, META_GB2312).encode("gbk"), "text/html; charset=gbk")
    assert (decoded.encoding, decoded.source, decoded.detected) == ("gb18030", "header", None)


def test_detector_is_consulted_when_nothing_declared_reads_well():
    decoded = decode_page(page(REPORT).encode("gbk"), "text/html; charset=iso-8859-1")
    assert decoded.detected == "gb18030"


def test_stored_text_is_not_normalised():
    text = "一、总体情况\u3000（一）主动公开，全角标点！１２３"
    assert text in decode_page(page(text).encode("gbk"), None).text


@pytest.mark.parametrize(("content_type", "expected"), [
    ("application/pdf", True),
    ("application/msword", True),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
    ("application/vnd.ms-excel; charset=gbk", True),
    ("application/kswps", True),
    ("text/html; charset=gbk", False),
    ("application/octet-stream", False),
    (None, False),
], ids=lambda v: str(v))
def test_is_document_type(content_type, expected):
    assert is_document_type(content_type) is expected


def test_decode_pipeline_sets_fields_drops_binary_and_counts(caplog):
    crawler = get_crawler()
    pipeline = build_from_crawler(DecodePipeline, crawler)
    gbk = ReportPage(url="http://www.donghu.gov.cn/nb/2020.html", headers={"content-type": "text/html; charset=gbk"},
                     body=GBK_PAGE + b"\xd6")  # truncated: one replacement
    pdf = ReportPage(url="http://www.donghu.gov.cn/nb/2020.pdf", headers={"content-type": "application/pdf"},
                     body=BINARY[1][1])
    binary = ReportPage(url="http://www.donghu.gov.cn/nb/logo.html", headers={"content-type": "text/html"},
                        body=BINARY[2][1])
    other = {"url": "http://example.org/"}

    assert pipeline.process_item(gbk) is gbk
    assert (gbk.encoding, gbk.encoding_source, gbk.encoding_detail["replacements"]) == ("gb18030", "header", 1)
    assert all(name in gbk.html for name in NAMES)
    assert pipeline.process_item(pdf) is pdf and pdf.html == "" and pdf.encoding_source == ""
    assert pipeline.process_item(other) is other
    with caplog.at_level(logging.WARNING, logger="pipelines.encoding"), pytest.raises(DropItem) as dropped:
        pipeline.process_item(binary)
    assert str(dropped.value) == "undecodable" and str(dropped.value) in DROP_REASONS
    assert binary.url in caplog.text and "image/png" in caplog.text
    stats = crawler.stats.get_stats()
    assert {k: v for k, v in stats.items() if k.startswith("nianbao/encoding/")} == {
        "nianbao/encoding/header": 1, "nianbao/encoding/replacements": 1,
        "nianbao/encoding/document": 1, "nianbao/encoding/fallback": 1, "nianbao/encoding/undecodable": 1,
    }


def test_decoded_is_frozen():
    decoded = decode_page(b"<p>x</p>", None)
    assert isinstance(decoded, Decoded)
    with pytest.raises(AttributeError):
        decoded.text = "y"
