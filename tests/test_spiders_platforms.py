"""Each list convention over its saved pages: the links and further pages it yields match a golden."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from spiders.discovery import is_annual_report
from spiders.platforms import Listing, read_listing, read_reply
from spiders.platforms.hanweb import unwrap
from spiders.platforms.static import read as static_read
from spiders.platforms.trs import read as trs_read

PAGES = Path(__file__).parent / "pages" / "platforms"
# (convention, saved file, the URL it was served at, the module that reads it as a reply or "" for HTML)
CASES = [
    ("static", "site/xxgk/ndbg/index.html", "http://www.jiaxian.gov.cn/xxgk/ndbg/index.html", ""),
    ("static", "site/xxgk/ndbg/index_1.html", "http://www.jiaxian.gov.cn/xxgk/ndbg/index_1.html", ""),
    ("static", "site/xxgk/ndbg/index_2.html", "http://www.jiaxian.gov.cn/xxgk/ndbg/index_2.html", ""),  # stub
    ("static", "site/xxgk/xzjd/dz/ndbg/list.html", "http://www.jiaxian.gov.cn/xxgk/xzjd/dz/ndbg/list.html", ""),
    ("static", "guangdong_czxx_column.html", "https://www.gd.gov.cn/zwgk/czxx/index.html", ""),
    ("static", "mof_area_map.html", "http://yss.mof.gov.cn/zhuantilanmu/dfzgl/sjyjsgk/index.html", ""),
    ("trs", "site/zwgk/xxgknb/index.html", "http://www.yishi.gov.cn/zwgk/xxgknb/index.html", ""),
    ("trs", "site/zwgk/xxgknb/index_2.html", "http://www.yishi.gov.cn/zwgk/xxgknb/index_2.html", ""),
    ("trs", "pingtan_nianbao_list.html", "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html", ""),
    ("trs", "shanxi_detail_single_page.html", "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml", ""),
    ("hanweb", "site/col/col1001/index.html", "http://www.bingxian.gov.cn/col/col1001/index.html", ""),
    ("hanweb", "haimen_truecms_reply.jsonp",
     "https://www.haimen.gov.cn/truecms/messageController/getMessage.do?callback=raw&perpage=10", "hanweb"),
    ("hanweb", "nantong_truecms_reply.jsonp",
     "https://shuju.nantong.gov.cn/truecms/messageController/getMessage.do?callback=raw&perpage=10", "hanweb"),
    ("gkmlpt", "site/gkmlpt/annualreport", "http://www.dingqu.gov.cn/gkmlpt/annualreport", ""),
    ("gkmlpt", "site/_api/page1.json", "http://www.dingqu.gov.cn/gkmlpt/api/all/2?page=1&sid=4400000101", "gkmlpt"),
    ("gkmlpt", "site/_api/page3.json", "http://www.dingqu.gov.cn/gkmlpt/api/all/2?page=3&sid=4400000101", "gkmlpt"),
    ("rendered", "site/xxgk/nb/index.html", "http://www.wuxian.gov.cn/xxgk/nb/index.html", ""),
    ("rendered", "../trs/pingtan_nianbao_list.html", "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html", ""),
]


def case_id(case) -> str:
    return f"{case[0]}-{Path(case[1]).name}"


def summary(listing: Listing) -> dict:
    """What a golden pins: report links in full, the rest counted and sampled, pages, the browser verdict."""
    return {
        "report_links": [[url, title] for url, title in listing.links if is_annual_report(title)],
        "link_count": len(listing.links),
        "first_links": [[url, title] for url, title in listing.links[:8]],
        "pages": [[p.url, p.platform, p.method, [list(f) for f in p.formdata]] for p in listing.pages],
        "needs_browser": listing.needs_browser,
    }


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_listing_matches_golden(case, update_golden):
    convention, name, url, reply = case
    text = (PAGES / convention / name).read_bytes().decode("utf-8", "replace")
    got = summary(read_reply(reply, text, url) if reply else read_listing(text, url))
    golden = PAGES / convention / (Path(name).name.split(".")[0] + ".links.json")
    if update_golden or not golden.exists():
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("script,count", [
    ('createPageHTML(3, 0, "index", "html");', 2),
    ("createPageHTML( 5 ,2,'index','shtml')", 4),          # quotes and spaces vary between templates
    ('createPageHTML(1, 0, "t20190918_693227", "shtml")', 0),  # a one-page article
    ('createPageHTML(99999, 0, "index", "html")', 199),     # a runaway count is capped
    ("createPageHTML(_nPageCount,_nCurrIndex,_sPageName,_sPageExt){", 0),  # the function's definition
], ids=["three", "spaces", "one-page", "capped", "definition"])
def test_trs_pager_script(script, count):
    assert len(trs_read(f"<script>{script}</script>", "http://x.gov.cn/a/index.html").pages) == count


@pytest.mark.parametrize("html,expected", [
    ('<a href="index_1.html">下一页</a>', ["http://x.gov.cn/a/index_1.html"]),
    ('<a href="?page=3">3</a>', ["http://x.gov.cn/a/index.html?page=3"]),
    ('<a href="t1.html">3</a>', []),                       # a number that is not a pager link
    ('<a href="javascript:next()">下一页</a>', []),
], ids=["next", "numbered-query", "numbered-other", "javascript"])
def test_static_pager(html, expected):
    from spiders.platforms import selector
    assert [p.url for p in static_read(html, "http://x.gov.cn/a/index.html", selector(html)).pages] == expected


@pytest.mark.parametrize("text", ["", "not json", ";raw(", "<datastore><totalrecord>x</totalrecord>", "\x00\xff" * 50,
                                  "<html>" + "<div>" * 5000], ids=["empty", "text", "cut-jsonp", "bad-total",
                                                                   "binary", "deep-nesting"])
def test_bad_input_never_crashes(text):
    for reply in ("hanweb", "gkmlpt", ""):
        listing = read_reply(reply, text, "http://x.gov.cn/") if reply else read_listing(text, "http://x.gov.cn/")
        assert isinstance(listing, Listing)
    assert isinstance(unwrap(text), str)


def test_browser_path_is_off_with_a_clear_warning_when_chromium_is_missing(caplog):
    import logging

    from scrapy.settings import Settings

    from spiders.platforms.rendered import browser_usable

    logger = logging.getLogger("test")
    missing = Settings({"NIANBAO_RENDER_JS": True, "NIANBAO_CHROMIUM": "/nonexistent/chromium"})
    with caplog.at_level(logging.WARNING):
        assert browser_usable(missing, logger) is False
    assert "No Chromium at /nonexistent/chromium" in caplog.text
    assert browser_usable(Settings({"NIANBAO_RENDER_JS": False}), logger) is False
