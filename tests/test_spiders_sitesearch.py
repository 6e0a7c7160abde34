"""Site search as a fallback: which forms are a site search, what result pages yield (golden), the spider's hook."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.portals import Portal
from spiders.platforms import read_listing, selector, sitesearch
from spiders.reports import ReportsSpider
from spiders.urls import portal_origin

PAGES = Path(__file__).parent / "pages" / "platforms" / "sitesearch"
WORD = quote(sitesearch.QUERY)


def page_text(name: str) -> str:
    return (PAGES / name).read_bytes().decode("utf-8", "replace")


@pytest.mark.parametrize("name, url, expected", [
    ("hanweb_home_script.html", "http://www.bingxian.gov.cn/index.html",
     ("GET", f"http://www.bingxian.gov.cn/jrobotfront/search.action?webid=1&searchWord={WORD}", ())),
    ("was5_results_page1.html", "http://www.yishi.gov.cn/index.html",
     ("GET", f"http://www.yishi.gov.cn/was5/web/search?channelid=246871&searchword={WORD}", ())),
    ("03_shuyang_fgj_2023_nianbao_ucap_rewrapped.html", "http://fgj.shuyang.gov.cn/a/1.html",
     ("POST", "http://fgj.shuyang.gov.cn/search4/s", (("uc", "1"), ("siteCode", "3213220037"), ("column", "全部"),
                                                      ("searchWord", sitesearch.QUERY)))),
    ("18_cmse_govcn_article.html", "http://www.cmse.gov.cn/art/1.html",
     ("GET", f"http://www.cmse.gov.cn/qwjs/?searchword={WORD}", ())),
    ("11_zjdpc_hanweb_jcms_detail.html", "http://fzggw.zj.gov.cn/art/1.html", None),   # search.zj.gov.cn: off-host
    ("12_govcn_gongbao_detail.html", "http://www.gov.cn/gongbao/1.htm", None),   # forms without action (JS search)
], ids=["hanweb-script", "trs-was5-form", "ucap-post-form", "trs-searchword-field", "off-host", "js-only"])
def test_search_request(name, url, expected):
    text = page_text(name)
    page = sitesearch.search_request(text, url, selector(text), urlsplit(url).hostname)
    assert (page and (page.method, page.url, page.formdata)) == expected


@pytest.mark.parametrize("html", [
    "", "\x00\xff" * 50, "<html>" + "<div>" * 5000, '<form action="/search"><input type="hidden" name="a"/></form>',
    '<form action="javascript:go()"><input name="searchword"/></form>', '<form action="/login"><input name="user"/></form>',
], ids=["empty", "binary", "deep", "no-text-input", "javascript-action", "login-form"])
def test_no_search_on_odd_pages(html):
    assert sitesearch.search_request(html, "http://www.x.gov.cn/", selector(html), "www.x.gov.cn") is None


@pytest.mark.parametrize("name, url", [
    ("was5_results_page1.html", f"http://www.yishi.gov.cn/was5/web/search?channelid=246871&searchword={WORD}"),
    ("jrobotfront_results.html", f"http://www.bingxian.gov.cn/jrobotfront/search.action?webid=1&searchWord={WORD}"),
], ids=["trs-was5", "hanweb-jrobotfront"])
def test_result_page_matches_golden(name, url, update_golden):
    listing = read_listing(page_text(name), url)
    got = {"report_links": [list(link) for link in sitesearch.report_links(listing, urlsplit(url).hostname)],
           "pages": [page.url for page in sitesearch.result_pages(listing, url, 2)]}
    golden = PAGES / (name.split(".")[0] + ".links.json")
    if update_golden or not golden.exists():
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def spider_for(url: str, **settings):
    crawler = get_crawler(ReportsSpider, settings_dict={
        "NIANBAO_DB": "/nonexistent/x.db", "NIANBAO_MAX_DEPTH": 4, "NIANBAO_MAX_PAGES_PER_PORTAL": 300, **settings})
    spider = ReportsSpider.from_crawler(crawler, start_urls=url)
    crawler.stats = SimpleNamespace(values={}, inc_value=lambda key: crawler.stats.values.update(
        {key: crawler.stats.values.get(key, 0) + 1}))
    crawler.engine = SimpleNamespace(crawled=[], crawl=lambda request: crawler.engine.crawled.append(request))
    return spider, crawler


def reply(url: str, name: str, meta: dict) -> HtmlResponse:
    return HtmlResponse(url, body=(PAGES / name).read_bytes(), encoding="utf-8", request=Request(url, meta=meta))


def home_meta(url: str) -> dict:
    return {"nianbao_portal": Portal("丙县", url, "county", ""), "nianbao_depth": 0, "nianbao_root": portal_origin(url)}


def test_spider_searches_once_when_the_walk_found_nothing():
    home = "http://www.bingxian.gov.cn/index.html"
    spider, crawler = spider_for(home)
    response = reply(home, "hanweb_home_script.html", home_meta(home))
    list(spider.next_requests(response, read_listing(response.text, home), False))
    with pytest.raises(DontCloseSpider):
        spider.search_when_idle()
    spider.search_when_idle()   # once per portal: the second idle lets the spider close
    [search] = crawler.engine.crawled
    assert search.url.startswith("http://www.bingxian.gov.cn/jrobotfront/search.action?webid=1&searchWord=")
    assert crawler.stats.values == {"nianbao/discovery/site_search": 1}
    results = reply(search.url, "jrobotfront_results.html", search.meta)
    out = list(spider.next_requests(results, read_listing(results.text, search.url), False))
    urls = [request.url for request in out if isinstance(request, Request)]
    assert "http://www.bingxian.gov.cn/art/2024/1/30/art_1001_51234.html" in urls
    assert "http://www.bingxian.gov.cn/art/2023/1/18/art_1001_48811.html" in urls
    assert urls[-1].endswith("&p=2") and out[-1].meta["nianbao_search_page"] == 2
    assert not [url for url in urls if "art_1002_50990" in url or "col1003" in url or "mode=care" in url]


@pytest.mark.parametrize("reports_found, pages_setting, searched", [
    (1, 3, False),    # the walk found 年报: no search
    (0, 0, False),    # NIANBAO_SITE_SEARCH_PAGES = 0 turns the fallback off
    (0, 3, True),
], ids=["walk-found-reports", "disabled", "fallback"])
def test_spider_search_only_as_a_fallback(reports_found, pages_setting, searched):
    home = "http://www.bingxian.gov.cn/index.html"
    spider, crawler = spider_for(home, NIANBAO_SITE_SEARCH_PAGES=pages_setting)
    response = reply(home, "hanweb_home_script.html", home_meta(home))
    list(spider.next_requests(response, read_listing(response.text, home), False))
    spider.tally["丙县"].reports_found = reports_found
    if hasattr(spider, "site_searches"):
        try:
            spider.search_when_idle()
        except DontCloseSpider:
            pass
    assert bool(crawler.engine.crawled) == searched


def test_remembered_result_page_read_by_a_refresh():
    """A refresh re-reads a remembered result page (spiders/refresh.py list_request): it carries the platform but
    no search URL or page number. Its 年报 are followed; no further page: each remembered page is re-read itself."""
    url = f"http://www.bingxian.gov.cn/jrobotfront/search.action?webid=1&searchWord={WORD}"
    spider, _ = spider_for(url)
    meta = {**home_meta(url), "nianbao_platform": sitesearch.NAME, "nianbao_list_page": True, "nianbao_shortcut": True}
    results = reply(url, "jrobotfront_results.html", meta)
    urls = [r.url for r in spider.next_requests(results, read_listing(results.text, url), False)]
    assert set(urls) == {"http://www.bingxian.gov.cn/art/2024/1/30/art_1001_51234.html",
                         "http://www.bingxian.gov.cn/art/2023/1/18/art_1001_48811.html",
                         "http://www.bingxian.gov.cn/module/download/downfile.jsp?classid=0&filename=2021nb.pdf"}
