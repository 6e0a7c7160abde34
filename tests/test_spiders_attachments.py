"""Report files on 年报 pages: local paths, real names, pointer pages (spiders/attachments.py)."""
from __future__ import annotations

import pytest

from spiders.attachments import (FileLink, is_local_path, name_from_disposition, name_from_url, original_name,
                                 pointer_file, report_files)

ROOT = "www.example.gov.cn"
PAGE = "http://www.example.gov.cn/zwgk/xxgknb/202402/"


@pytest.mark.parametrize("href, local", [
    ("file:///C:/Users/admin/Desktop/年报.pdf", True),
    ("C:\\Users\\admin\\Desktop\\年报.doc", True),
    ("C:/Users/admin/年报.pdf", True),
    (PAGE + "C:%5CUsers%5C年报.pdf", True),            # a pasted path resolved under the page's URL
    (PAGE + "P020240205397012345678.pdf", False),
    ("http://127.0.0.1:8080/attach/0/ab.pdf", False),   # a port is no drive letter
], ids=["file-url", "backslashes", "drive-slash", "percent-backslash", "trs", "ip-port"])
def test_is_local_path(href, local):
    assert is_local_path(href) is local


@pytest.mark.parametrize("url, headers, name", [
    ("http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12.pdf&showname=某县2023年年报.pdf", {},
     "某县2023年年报.pdf"),
    ("http://x.gov.cn/attach/0/ab12.pdf", {"content-disposition": "attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf"},
     "年报.pdf"),
    ("http://x.gov.cn/attach/0/ab12.pdf", {"content-disposition": 'attachment; filename="年报.docx"'.encode("utf-8")
                                           .decode("latin-1")}, "年报.docx"),   # raw UTF-8 bytes in the header
    ("http://x.gov.cn/attach/0/ab12.pdf", {"content-disposition": 'attachment; filename="年报.doc"'.encode("gbk")
                                           .decode("latin-1")}, "年报.doc"),    # raw GBK bytes
    ("http://x.gov.cn/zwgk/P0202%E5%B9%B4.pdf", {}, "P0202年.pdf"),
    ("http://x.gov.cn/download?id=9", {"content-disposition": "inline"}, "download"),
], ids=["showname", "filename-star", "utf8-raw", "gbk-raw", "last-segment", "no-name"])
def test_original_name(url, headers, name):
    assert original_name(url, headers) == name


def test_name_helpers_on_empty_input():
    assert name_from_disposition("") == "" and name_from_url("http://x.gov.cn/") == ""


def test_report_files_keep_files_in_scope_in_page_order():
    links = [(PAGE + "b.pdf", "附件2"), ("http://other.example.com/a.pdf", "外站"), (PAGE + "t1.html", "页面"),
             (PAGE + "C:%5CUsers%5Ca.pdf", "本地"), (PAGE + "a.DOCX", "附件1"), (PAGE + "b.pdf", "附件2 again")]
    assert [f.url.rsplit("/", 1)[1] for f in report_files(links, ROOT)] == ["b.pdf", "a.DOCX"]


REPORT_PDF = FileLink(PAGE + "P1.pdf", "某县2023年政府信息公开工作年度报告.pdf", "P1.pdf")
OTHER_XLS = FileLink(PAGE + "P2.xls", "附件2", "P2.xls")
ARCHIVE = FileLink(PAGE + "P3.zip", "附件3", "P3.zip")


@pytest.mark.parametrize("files, chars, pointer", [
    ([OTHER_XLS, REPORT_PDF], 300, REPORT_PDF),     # the file named as a 年报 wins
    ([OTHER_XLS], 300, OTHER_XLS),
    ([REPORT_PDF], 5000, None),                     # a full HTML report that also links its PDF
    ([ARCHIVE], 300, None),                         # a zip never stands for the report
    ([], 100, None),
], ids=["named", "only-file", "full-page", "zip", "no-files"])
def test_pointer_file(files, chars, pointer):
    assert pointer_file(files, chars) == pointer
