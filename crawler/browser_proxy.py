"""Chromium's proxy (scrapy-playwright launch option) from the proxy variables the plain downloader uses."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit
from urllib.request import getproxies_environment


def browser_proxy(proxies: dict[str, str] | None = None) -> dict | None:
    """Playwright's `proxy` launch option, or None without a proxy.

    `proxies` is what urllib (and so Scrapy's HttpProxyMiddleware) reads from http_proxy/https_proxy/no_proxy,
    either case. Chromium takes one proxy for every scheme: http_proxy's, as most portals are plain http.
    Credentials go in username/password: Chromium ignores user:password written into the server URL
    (ERR_INVALID_AUTH_CREDENTIALS).
    """
    proxies = getproxies_environment() if proxies is None else proxies
    server = proxies.get("http") or proxies.get("https")
    if not server:
        return None
    parts = urlsplit(server if "://" in server else f"http://{server}")
    option = {"server": parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl(),
              "bypass": proxies.get("no", "")}
    if parts.username:
        option.update(username=unquote(parts.username), password=unquote(parts.password or ""))
    return option
