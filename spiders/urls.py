"""URL rules for discovery: canonical form, duplicate renderings to skip, attachments, per-origin scope."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query keys that only say where a visitor came from; the page is the same without them.
TRACKING_KEYS = re.compile(r"^(?:from|spm|utm_\w+|isappinstalled|share_token|timestamp|_t|clicktime|enterid|scene)$", re.I)
# 关怀版 (elderly), 无障碍 (accessible) and 繁體 (big5) renderings duplicate every page of a portal.
ALTERNATE_TEXT = re.compile(r"关怀版|适老|长者|无障碍|繁體|繁体|big5|English|英文版", re.I)
ALTERNATE_URL = re.compile(
    r"/(?:gate/big5|big5|fanti|zh-tw|zh_tw|ghb|care|oldman|old|elder|wza|wza2020|accessible|en|english)/"
    r"|[?&](?:mode=care|care=1|lang=(?:zh-?tw|big5|en)|wza=1)\b", re.I)
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd", ".zip", ".rar", ".et")
# Hanweb downfile.jsp, CAC downloadfile.jsp, gkmlpt /attachment/ (domain.md §2.5).
ATTACHMENT_URL = re.compile(r"/(?:module/download/downfile\.jsp|downloadfile\.jsp|attachment/)", re.I)


def canonical_url(url: str) -> str:
    """Drop the fragment and tracking query keys; keep the rest of the query in its order."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_KEYS.match(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def is_alternate_rendering(url: str, text: str = "") -> bool:
    """A 关怀版/无障碍/繁體/English copy of a page we would reach anyway."""
    return bool(ALTERNATE_TEXT.search(text or "") or ALTERNATE_URL.search(urlsplit(url).path + "?"
                                                                          + urlsplit(url).query))


def is_attachment(url: str) -> bool:
    """A PDF/DOC/DOCX/WPS/XLS… file or a download endpoint, not an HTML page."""
    parts = urlsplit(url)
    name = parts.path.lower()
    return name.endswith(ATTACHMENT_EXTENSIONS) or bool(ATTACHMENT_URL.search(name)) or any(
        value.lower().endswith(ATTACHMENT_EXTENSIONS) for _, value in parse_qsl(parts.query))


def site_domain(host: str) -> str:
    """The portal's own domain for scope checks: www.xx.gov.cn → xx.gov.cn."""
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def is_ip_literal(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host or "", re.I))


def portal_origin(url: str) -> str:
    """The scope key of a portal: its host, or host:port for an IP-literal host (no sub-domains there)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if is_ip_literal(host) and parts.port else host


def in_scope(url: str, portal: str) -> bool:
    """Same host as the portal or one of its sub-domains (department sites); http(s) only.

    `portal` is a host name or a `portal_origin`; an IP-literal portal is one origin, port included.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host, portal = parts.hostname.lower(), (portal or "").lower()
    if is_ip_literal(host):
        return portal in (host, portal_origin(url)) and (":" not in portal or portal == portal_origin(url))
    domain = site_domain(portal)
    return host == portal or host == domain or host.endswith("." + domain)
