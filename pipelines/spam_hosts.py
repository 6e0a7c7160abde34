"""Which hosts a page's links may point to: its own site, government, trusted services; the rest is spam."""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from pipelines import spam_patterns as P


def host_of(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").rstrip(".").lower()
    except ValueError:           # malformed IPv6 literal and the like
        return ""


def is_gov_host(host: str) -> bool:
    return host in P.GOV_HOSTS or host.endswith(P.GOV_HOST_SUFFIXES)


def is_local_host(host: str) -> bool:
    """Loopback/private hosts (tests, the local portal) say nothing about a page."""
    if host in P.LOCAL_HOSTS:
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def registrable_domain(host: str) -> str:
    labels = host.split(".")
    size = 3 if len(labels) >= 3 and labels[-2] in P.SECOND_LEVEL_LABELS else 2
    return ".".join(labels[-size:])


@lru_cache(maxsize=4096)
def is_spam_link_host(link_host: str, page_host: str) -> bool:
    """A link target that is neither this site, nor government, nor a routinely linked public service."""
    if not link_host or link_host == page_host or registrable_domain(link_host) == registrable_domain(page_host):
        return False
    if is_gov_host(link_host) or is_local_host(link_host):
        return False
    return not any(link_host == s or link_host.endswith("." + s) for s in P.TRUSTED_LINK_SUFFIXES)
