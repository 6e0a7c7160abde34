"""A minimal HTTP forward proxy on 127.0.0.1 for tests: requests go to one upstream, or to one per host name.

It stands in for the mainland proxy users abroad need: the crawl asks for hosts that do not resolve here,
and only the proxy knows where they live. Every request is recorded (host, path), answered or not.
"""
from __future__ import annotations

import base64
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "proxy-authorization"}


class ForwardProxy:
    def __init__(self, upstream: str | dict[str, str], credentials: str = ""):
        """upstream: one server for every host, or {host name: server}; other hosts then get 502.

        credentials: "user:password" an institutional proxy demands (Basic); requests without them get 407
        and are not recorded.
        """
        self.authorization = "Basic " + base64.b64encode(credentials.encode()).decode() if credentials else ""
        routes = upstream if isinstance(upstream, dict) else {"*": upstream}
        self.upstreams = {host: urlsplit(url) for host, url in routes.items()}
        self.seen_hosts: list[str] = []
        self.seen: list[tuple[str, str]] = []   # (host, path with query) of every request, in arrival order
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if proxy.authorization and self.headers.get("Proxy-Authorization") != proxy.authorization:
                    self.send_response(407)
                    self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                target = urlsplit(self.path)
                proxy.seen_hosts.append(target.hostname or "")
                path = target.path + (f"?{target.query}" if target.query else "")
                proxy.seen.append((target.hostname or "", path or "/"))
                upstream = proxy.upstreams.get(target.hostname or "") or proxy.upstreams.get("*")
                if upstream is None:
                    return self.send_error(502, f"no upstream for {target.hostname}")
                connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                connection.request("GET", path or "/", headers=headers)
                reply = connection.getresponse()
                body = reply.read()
                self.send_response(reply.status)
                for name, value in reply.getheaders():
                    if name.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                connection.close()

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
