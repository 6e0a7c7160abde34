"""Serve the sample government portal (crawler/sample_portal/) on 127.0.0.1, with named failure routes.

Files go out as stored bytes; Content-Type comes from the site's _headers.json or the extension
(.html gets plain "text/html", no charset, so the decoder has to read <meta> or sniff). Routes under
/_fail/ are answered by the server itself: 500, 404, slow?seconds=N, redirect-loop, truncated,
huge?mb=N, binary, gbk-as-utf8. A site's _routes.json answers what plain files cannot: a path with
its query ("/list.html?page=2": {"file": …, "type": …}), a status with a body ({"status": 412, "body": …})
and Hanweb's POST /module/web/jpage/dataproxy.jsp ({"dataproxy": records.json}, sliced by startrecord/
endrecord). Files (plain or named by a route) carry validators like a real static server's: an ETag (digest
of the bytes) and a Last-Modified (the file's "Last-Modified" in _headers.json, else SITE_LAST_MODIFIED: a
checkout's mtimes are meaningless), and a conditional GET that matches gets 304 without a body.
Several portals: `python -m crawler.portal_server --root A --root B` (one port each).
Example: python -m crawler.portal_server --port 8000
"""
from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import logging
import math
import mimetypes
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

SAMPLE_PORTAL = Path(__file__).resolve().parent / "sample_portal"
HIDDEN_FILES = ("_headers.json", "_routes.json", "EXPECTED.json", "README.md")   # site data, never served
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".css": "text/css",
                 ".js": "application/javascript", ".json": "application/json"}
SITE_LAST_MODIFIED = "Mon, 20 Jan 2025 08:00:00 GMT"   # files without their own date in _headers.json
MAX_SLOW_SECONDS = 30.0
MAX_HUGE_MB = 256
CHUNK = 64 * 1024
NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404</title></head>" \
                 "<body><p>您访问的页面不存在或已被删除。</p></body></html>".encode("utf-8")
GBK_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>示例县2024年政府信息公开工作年度报告</title>"
            "</head><body><div class=\"TRS_Editor\"><p>本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。"
            "</p></div></body></html>").encode("gbk")
TRUNCATED_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>"
                  + "<p>本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。</p>" * 40).encode("utf-8")
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + bytes(range(256))


def load_headers(root: Path) -> dict[str, dict[str, str]]:
    """Per-path response headers from root/_headers.json ({} when there is none)."""
    path = root / "_headers.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def resolve_file(root: Path, url_path: str) -> Path | None:
    """The file a URL path names under root (directories serve index.html), or None."""
    parts = [p for p in unquote(url_path).split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts) or (parts and parts[-1] in HIDDEN_FILES):
        return None
    target = root.joinpath(*parts)
    try:
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None
    except OSError:                          # e.g. a name too long for the file system
        return None


def load_routes(root: Path) -> dict[str, dict]:
    """Answers keyed by "PATH?sorted-query" or "POST PATH" from root/_routes.json ({} when there is none)."""
    path = root / "_routes.json"
    if not path.is_file():
        return {}
    return {route_key(*key.split(" ", 1)[::-1]) if " " in key else route_key(key): answer
            for key, answer in json.loads(path.read_text("utf-8")).items()}


def route_key(target: str, method: str = "GET") -> str:
    """A request's key in the routes table: method, path and the query with its parameters sorted."""
    url = urlsplit(target)
    if method == "POST":
        return f"POST {url.path}"
    query = "&".join(sorted(url.query.split("&"))) if url.query else ""
    return url.path + ("?" + query if query else "")


def datastore_slice(records: list[str], query: str) -> bytes:
    """A jpage dataproxy.jsp reply: records startrecord..endrecord (1-based, inclusive) as <datastore> XML."""
    start = int(query_number(query, "startrecord", 1, len(records) + 1))
    end = int(query_number(query, "endrecord", len(records), len(records)))
    body = "".join(f"<record><![CDATA[{r}]]></record>" for r in records[max(start - 1, 0):end])
    return (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{len(records)}</totalrecord>'
            f"<recordset>{body}</recordset></datastore>").encode("utf-8")


def content_type(path: Path, url_path: str, headers: dict[str, dict[str, str]]) -> str:
    declared = headers.get(url_path, {}).get("Content-Type")
    if declared:
        return declared
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def validators(body: bytes, url_path: str, headers: dict[str, dict[str, str]]) -> dict[str, str]:
    """ETag (strong: a digest of the bytes, so an edited file gets a new one) and Last-Modified of a file."""
    last_modified = headers.get(url_path, {}).get("Last-Modified") or SITE_LAST_MODIFIED
    return {"ETag": '"' + hashlib.sha256(body).hexdigest()[:20] + '"', "Last-Modified": last_modified}


def not_modified(request_headers, etag: str, last_modified: str) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when sent (weak comparison, "*" matches); only without it does
    If-Modified-Since count (the file is not newer than the date). Unparseable dates never match."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = request_headers.get("If-Modified-Since")
    if not since:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False


def query_number(query: str, name: str, default: float, cap: float) -> float:
    """A non-negative number from the query string, defaulted when absent or bad, capped at cap."""
    try:
        value = float(parse_qs(query).get(name, [default])[0])
    except ValueError:
        value = default
    return default if math.isnan(value) else min(max(value, 0.0), cap)


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:                       # a host name: never resolved, never bound
        return False
    return address.version == 4 and address.is_loopback   # ThreadingHTTPServer binds IPv4 only


class PortalHandler(BaseHTTPRequestHandler):
    """Static files plus the /_fail/ routes; the owning PortalServer is self.server.portal."""

    server_version = "nianbao-sample-portal/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.serve(send_body=True)

    def do_HEAD(self) -> None:
        self.serve(send_body=False)

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        self.server.portal.record("POST " + self.path)
        answer = self.server.portal.routes.get(route_key(self.path, "POST"))
        if not answer or "dataproxy" not in answer:
            return self.reply(405, "text/html; charset=utf-8", b"<html><body>405</body></html>", True)
        records = []
        if form.get("columnid", [""])[0] == answer.get("columnid", ""):   # jcms answers nothing for a wrong column
            records = json.loads((self.server.portal.root / answer["dataproxy"].lstrip("/")).read_text("utf-8"))
        self.reply(200, "text/xml; charset=utf-8", datastore_slice(records, urlsplit(self.path).query), True)

    def serve(self, send_body: bool) -> None:
        url = urlsplit(self.path)
        self.server.portal.record(self.path)
        if url.path.startswith("/_fail/"):
            return self.fail_route(url.path[len("/_fail/"):], url.query, send_body)
        portal = self.server.portal
        answer = portal.routes.get(route_key(self.path))
        if answer is not None:
            return self.route(answer, send_body)
        path = resolve_file(portal.root, url.path)
        if path is None:
            return self.reply(404, "text/html; charset=utf-8", NOT_FOUND_PAGE, send_body)
        self.send_file(path.read_bytes(), url.path, content_type(path, url.path, portal.headers), send_body)

    def route(self, answer: dict, send_body: bool) -> None:
        """A _routes.json answer: a redirect, a file under the root, or a status with an inline (latin-1) body."""
        if "location" in answer:
            return self.reply(answer.get("status", 302), "text/html", b"", send_body,
                              extra={"Location": answer["location"]})
        if "file" in answer:
            path = resolve_file(self.server.portal.root, answer["file"])
            if path is None:
                return self.reply(404, "text/html; charset=utf-8", NOT_FOUND_PAGE, send_body)
            return self.send_file(path.read_bytes(), answer["file"], answer.get("type") or "text/html", send_body,
                                  extra=answer.get("headers"))
        self.reply(answer.get("status", 200), answer.get("type", "text/html; charset=utf-8"),
                   answer.get("body", "").encode("latin-1"), send_body)

    def fail_route(self, route: str, query: str, send_body: bool) -> None:
        name = route.split("/", 1)[0]
        if name in ("500", "404"):
            return self.reply(int(name), "text/html; charset=utf-8", b"<html><body>error</body></html>", send_body)
        if name == "slow":
            self.server.portal.stopping.wait(query_number(query, "seconds", 5, MAX_SLOW_SECONDS))
            return self.reply(200, "text/html; charset=utf-8", b"<html><body>slow</body></html>", send_body)
        if name == "redirect-loop":
            return self.reply(302, "text/html", b"", send_body, extra={"Location": "/_fail/redirect-loop"})
        if name == "truncated":
            return self.send_truncated(send_body)
        if name == "huge":
            return self.send_huge(int(query_number(query, "mb", 10, MAX_HUGE_MB) * 1024 * 1024), send_body)
        if name == "binary":
            return self.reply(200, "text/html", PDF_BYTES, send_body)
        if name == "gbk-as-utf8":
            return self.reply(200, "text/html; charset=utf-8", GBK_PAGE, send_body)
        self.reply(404, "text/html; charset=utf-8", NOT_FOUND_PAGE, send_body)

    def send_file(self, body: bytes, url_path: str, ctype: str, send_body: bool, extra: dict | None = None) -> None:
        """A file with its validators; 304 (headers only) when the request's conditions say it is unchanged."""
        tags = validators(body, url_path, self.server.portal.headers)
        if not_modified(self.headers, tags["ETag"], tags["Last-Modified"]):
            self.send_response(304)
            for name, value in tags.items():
                self.send_header(name, value)
            self.end_headers()
            return None
        return self.reply(200, ctype, body, send_body, extra={**tags, **(extra or {})})

    def reply(self, status: int, ctype: str, body: bytes, send_body: bool, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def send_truncated(self, send_body: bool) -> None:
        """Announce 4 KiB more than is sent, then close: the client sees a cut-off body."""
        body = TRUNCATED_PAGE[:2048] if send_body else b""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body) + 4096))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def send_huge(self, size: int, send_body: bool) -> None:
        """Stream size bytes of ever deeper nested <div> tags (the client may hang up early)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = (b"<div><p>\xe7\xa4\xba\xe4\xbe\x8b</p>" * (CHUNK // 19 + 1))[:CHUNK]   # "<div><p>示例</p>"
        sent = 0
        try:
            while send_body and sent < size and not self.server.portal.stopping.is_set():
                piece = chunk[:size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("Client hung up after %s of %s bytes on %s", sent, size, self.path)
        self.close_connection = True

    def log_message(self, format: str, *args) -> None:   # noqa: A002 - BaseHTTPRequestHandler's signature
        logger.debug("%s %s", self.address_string(), format % args)


class QuietHTTPServer(ThreadingHTTPServer):
    """Clients that hang up mid-request are normal here (huge, slow, crawler timeouts): log, don't print."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        logger.debug("Request from %s ended with an error", client_address, exc_info=True)


class PortalServer:
    """The sample portal on a daemon thread; a context manager. `.url` is like http://127.0.0.1:PORT."""

    def __init__(self, root: Path = SAMPLE_PORTAL, host: str = "127.0.0.1", port: int = 0):
        if not is_loopback(host):
            raise ValueError(f"the sample portal only binds loopback addresses, not {host}")
        self.root, self.host, self.port = Path(root), host, port
        self.headers = load_headers(self.root)
        self.routes = load_routes(self.root)
        self.requested: list[str] = []       # every request path (with query), in arrival order
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: QuietHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def record(self, path: str) -> None:
        with self._lock:
            self.requested.append(path)

    def start(self) -> None:
        self.stopping.clear()
        self._httpd = QuietHTTPServer((self.host, self.port), PortalHandler)
        self._httpd.portal = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sample-portal", daemon=True)
        self._thread.start()
        logger.info("Sample portal at %s/index.html serving %s", self.url, self.root)

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.stopping.set()                  # wakes /_fail/slow sleepers and ends /_fail/huge streams
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> "PortalServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the nianbao sample portal(s) on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("--port", type=int, default=8000, help="port of the first root; the next ones count up")
    parser.add_argument("--root", type=Path, action="append", help="a portal root (repeat for several portals)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    servers = [PortalServer(root, port=args.port + i if args.port else 0)
               for i, root in enumerate(args.root or [SAMPLE_PORTAL])]
    for server in servers:
        server.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
