"""Report files linked from 年报 pages: which to fetch, their real names, and storing the report once.

Design (issue 5). A 年报 page is either a full report in HTML, or a *pointer page* whose body is one line
("附件：XX县2023年政府信息公开工作年度报告.pdf") and whose report is the file. The spider decides which when it
captures the page, from the page alone (`pointer_file`: little text outside links, one report file):
- full page: yielded as its own report at once; its files are recorded (`attachments` rows) and fetched
  only with NIANBAO_FETCH_ATTACHMENTS=1, then kept as captures of that page, never as reports of their own;
- pointer page: held back. Its capture (a ReportPage with the page's bytes) travels in the file request's
  meta (`nianbao_pointer_page`); when the file arrives, the page goes down the pipelines with the file as
  `page.attachment`: the page gives the metadata (索引号, 发布机构, 生成日期, title), the attachment stage
  replaces the text and tables with the file's (title/year fall back to the document's first line), and
  storage writes page capture, report, file capture and attachments row in one transaction. One report, keyed
  by the page URL. An unreadable file leaves the page's own text and a failure row (attachment_<reason>);
  a file that cannot be downloaded lets the page go on alone (ReportsSpider.on_error);
- a file listed directly in a 年报 column (no page) is a report of its own, fetched by default.
Fetching pointer and directly listed files by default costs one request per such report only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from crawler.items import Attachment, ReportPage, utc_now
from pipelines.formats.sniff import sniff_format
from spiders.capture import lowercase_headers
from spiders.discovery import is_annual_report
from spiders.platforms import node_texts
from spiders.urls import canonical_url, in_scope, is_attachment

# Files a 年报 can be (zip/rar/ofd are recorded but never stand for the report).
REPORT_FILE_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps", ".xls", ".xlsx")
# Pasted local paths (file://, C:\…, C:/…, %5C) resolve to nonsense under the page's URL.
LOCAL_PATH = re.compile(r"^file:|^[a-z]:[\\/]|/[a-z]:(?:[\\/]|%5c)|\\|%5c", re.I)
# A pointer page has little text besides its links: navigation, footer, the 索引号 block and "附件：".
POINTER_MAX_CHARS = 1200
NAME_KEYS = ("showname", "filename", "name", "fileName")
CD_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", re.I)
CD_FILENAME = re.compile(r"filename\s*=\s*(\"[^\"]*\"|[^;]+)", re.I)


@dataclass(frozen=True)
class FileLink:
    url: str          # canonical URL as linked
    text: str         # anchor text + title
    name: str         # file name from the URL (showname=, else the last segment)

    @property
    def is_report_file(self) -> bool:
        return self.name.lower().endswith(REPORT_FILE_EXTENSIONS) or self.url.lower().endswith(REPORT_FILE_EXTENSIONS)


def is_local_path(href: str) -> bool:
    """A path on the author's computer pasted as a link (`file:///C:/…`, `C:\\Users\\…`, `%5C`)."""
    return bool(LOCAL_PATH.search(unquote(href or "")))


def name_from_url(url: str) -> str:
    """showname=/filename= of a download endpoint, else the last path segment, percent-decoded."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key in NAME_KEYS:
        if query.get(key, "").strip():
            return query[key].strip()
    return unquote(parts.path.rsplit("/", 1)[-1])


def name_from_disposition(value: str) -> str:
    """filename*= (RFC 6266, percent-encoded) before filename=; "" when the header names none."""
    if m := CD_FILENAME_STAR.search(value or ""):
        charset = m[1].lower() if m[1].lower() in ("utf-8", "gbk", "gb18030", "gb2312") else "utf-8"
        return unquote(m[2].strip().strip('"'), encoding="gb18030" if charset.startswith("gb") else charset)
    if m := CD_FILENAME.search(value or ""):
        raw = m[1].strip().strip('"')
        try:   # servers send raw UTF-8 or GBK bytes, which arrive here as latin-1 text
            raw = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            raw = raw.encode("latin-1", "replace").decode("gb18030", "replace")
        return unquote(raw)
    return ""


def original_name(url: str, headers: dict[str, str]) -> str:
    """The file's real name: showname= in the link, Content-Disposition, else the URL's last segment."""
    query = dict(parse_qsl(urlsplit(url).query))
    return (query.get("showname", "").strip() or name_from_disposition(headers.get("content-disposition", ""))
            or name_from_url(url))


def report_files(links: list[tuple[str, str]], root: str) -> list[FileLink]:
    """Files linked from a report page, in page order, without pasted local paths or out-of-scope hosts."""
    files, seen = [], set()
    for url, text in links:
        if not is_attachment(url) or is_local_path(url) or not in_scope(url, root):
            continue
        url = canonical_url(url)
        if url not in seen:
            seen.add(url)
            files.append(FileLink(url, text, name_from_url(url)))
    return files


def text_outside_links(response) -> int:
    """Visible characters of the page that are not link text (scripts, styles and whitespace left out)."""
    texts = node_texts(response.selector, "//body//text()[not(ancestor::script) and not(ancestor::style) "
                                          "and not(ancestor::a) and not(ancestor::option)]")
    return sum(len(re.sub(r"\s+", "", t)) for t in texts)


def pointer_file(files: list[FileLink], body_chars: int) -> FileLink | None:
    """The file a pointer page stands for; None for a page with a report body of its own."""
    candidates = [f for f in files if f.is_report_file]
    if not candidates or body_chars > POINTER_MAX_CHARS:
        return None
    named = [f for f in candidates if is_annual_report(f.text) or is_annual_report(f.name)]
    return (named or candidates)[0]


def attachment_item(response, spider: str, meta: dict) -> Attachment:
    """The fetched file with its bytes; `url` is the link as found (before redirects)."""
    headers = lowercase_headers(response.headers)
    url = meta.get("nianbao_attachment_url") or response.url
    return Attachment(url=url, report_url=meta["nianbao_attachment_of"], title=meta.get("nianbao_list_title", ""),
                      spider=spider, portal=meta["nianbao_portal"].name, found_at=utc_now(),
                      file_name=original_name(url, headers), status=response.status, headers=headers,
                      body=response.body, capture_url=response.url,
                      format=sniff_format(response.body, headers.get("content-type"), response.url) or "")


def pointer_report(page: ReportPage, attachment: Attachment) -> ReportPage:
    """The held-back pointer page, now carrying its file: one report."""
    page.attachment = attachment
    return page
