"""Downloader middlewares: refuse private, loopback and link-local targets unless a setting allows them."""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class PrivateHostRefused(IgnoreRequest):
    """The target resolves to an address a public crawl must not touch."""


def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, reserved, multicast and unspecified addresses."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_host_is_private(host: str) -> bool | None:
    """Decide from the host name alone: True/False for IP literals and local names, None if it needs DNS."""
    host = host.strip("[]").lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return is_private_address(host)


class PrivateHostGuardMiddleware:
    """Refuse requests to non-public addresses before they are sent, and responses that came from one.

    With a proxy (meta["proxy"], set from http_proxy/https_proxy), names are resolved by the proxy, so only
    literal addresses and local names are checked here: the target may not resolve locally at all.
    """

    def __init__(self, allow_private: bool, stats):
        self.allow_private = allow_private
        self.stats = stats
        self.resolved: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool("NIANBAO_ALLOW_PRIVATE_HOSTS"), crawler.stats)

    async def process_request(self, request):
        if self.allow_private:
            return None
        host = urlsplit(request.url).hostname or ""
        verdict = literal_host_is_private(host)
        if verdict is None and not request.meta.get("proxy"):
            verdict = await self.resolves_to_private(host)
        if verdict:
            self.refuse(request.url, host)
        return None

    def process_response(self, request, response):
        if self.allow_private or request.meta.get("proxy") or not response.ip_address:
            return response
        if is_private_address(str(response.ip_address)):
            self.refuse(request.url, str(response.ip_address))
        return response

    async def resolves_to_private(self, host: str) -> bool:
        if host not in self.resolved:
            self.resolved[host] = await resolve_is_private(host)
        return self.resolved[host]

    def refuse(self, url: str, where: str) -> None:
        self.stats.inc_value("nianbao/private_host/refused")
        logger.warning("Refusing %s: %s is not a public address (set NIANBAO_ALLOW_PRIVATE_HOSTS "
                       "to allow)", url, where)
        raise PrivateHostRefused(f"private address: {where}")


async def resolve_is_private(host: str) -> bool:
    """Resolve without blocking the loop; a name that does not resolve is left to the downloader."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return False
    return any(is_private_address(info[4][0]) for info in infos)
