"""URL canonicalisation, duplicate renderings, attachments, per-origin scope and challenge pages, table-driven."""
import pytest

from spiders.challenges import challenge_kind
from spiders.urls import canonical_url, in_scope, is_alternate_rendering, is_attachment, portal_origin


@pytest.mark.parametrize("url,expected", [
    ("http://www.x.gov.cn/a/t1.html#top", "http://www.x.gov.cn/a/t1.html"),
    ("http://www.x.gov.cn/a/t1.html?from=timeline", "http://www.x.gov.cn/a/t1.html"),     # WeChat share link
    ("http://WWW.X.gov.cn/a/t1.html?spm=1.2&id=7", "http://www.x.gov.cn/a/t1.html?id=7"),
    ("http://www.x.gov.cn/list.html?page=2&utm_source=wx", "http://www.x.gov.cn/list.html?page=2"),
    ("http://www.x.gov.cn", "http://www.x.gov.cn/"),
], ids=["fragment", "from", "spm-keeps-id", "utm-keeps-page", "empty-path"])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url,text,expected", [
    ("http://www.x.gov.cn/care/xxgk/index.html", "", True),
    ("http://www.x.gov.cn/xxgk/index.html", "关怀版", True),
    ("http://big5.x.gov.cn/gate/big5/www.x.gov.cn/xxgk/", "", True),
    ("http://www.x.gov.cn/xxgk/index.html", "繁體", True),
    ("http://www.x.gov.cn/xxgk/index.html?mode=care", "", True),
    ("http://www.x.gov.cn/xxgk/ndbg/index.html", "政府信息公开年报", False),
    ("http://www.x.gov.cn/oldman_policy/index.html", "", False),    # a path word, not the /oldman/ rendering
], ids=["care-path", "care-text", "big5-gate", "fanti-text", "care-query", "column", "lookalike-path"])
def test_alternate_rendering(url, text, expected):
    assert is_alternate_rendering(url, text) is expected


@pytest.mark.parametrize("url,expected", [
    ("http://www.x.gov.cn/xxgk/ndbg/202401/P020240120381.pdf", True),
    ("http://www.x.gov.cn/a/2023年度报告.WPS", True),
    ("http://www.x.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12.pdf", True),   # Hanweb
    ("http://www.x.gov.cn/attachment/0/12/12345/99.docx", True),                             # gkmlpt
    ("http://www.x.gov.cn/xxgk/ndbg/202401/t20240120_1.html", False),
    ("http://www.x.gov.cn/pdf/index.html", False),
], ids=["trs-pdf", "wps", "hanweb-downfile", "gkmlpt-attachment", "html", "pdf-folder"])
def test_attachment(url, expected):
    assert is_attachment(url) is expected


@pytest.mark.parametrize("url,portal,expected", [
    ("http://127.0.0.1:8001/a.html", "127.0.0.1:8001", True),
    ("http://127.0.0.1:8002/a.html", "127.0.0.1:8001", False),    # another test portal on the same address
    ("https://fgw.x.gov.cn/a.html", "www.x.gov.cn", True),          # department sub-domain
    ("https://www.y.gov.cn/a.html", "www.x.gov.cn", False),
], ids=["same-origin", "other-port", "sub-domain", "other-host"])
def test_scope_per_origin(url, portal, expected):
    assert in_scope(url, portal) is expected


def test_portal_origin_keeps_the_port_only_for_addresses():
    assert portal_origin("http://127.0.0.1:8001/index.html") == "127.0.0.1:8001"
    assert portal_origin("https://www.x.gov.cn:8443/") == "www.x.gov.cn"


RUISHU = b'<html><head><meta content="{qqqqqqqq" r="m"><script r="m">$_ts=window[\'$_ts\'];</script></head></html>'
JSL = b"<script>document.cookie=('_')+('_')+('j')+('sl_clearance_s')+('=')+('1|0|x');location.href=location.pathname</script>"


@pytest.mark.parametrize("status,body,expected", [
    (412, RUISHU, "ruishu"),
    (521, JSL, "jiasule"),
    (200, JSL, "jiasule"),                              # some 加速乐 set-ups answer the challenge with 200
    (412, b"<html>Precondition Failed</html>", None),   # a plain 412 is an error, not a challenge
    (200, b"<p>document.cookie</p>" + b"x" * 20000, None),
    (200, b"", None),
], ids=["ruishu-412", "jiasule-521", "jiasule-200", "plain-412", "large-page", "empty"])
def test_challenge_kind(status, body, expected):
    assert challenge_kind(status, body) == expected
