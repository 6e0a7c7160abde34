"""Name why a request failed, so the failures table can be counted by reason."""
from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError as ConnectTimeout,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.middlewares import PrivateHostRefused

TIMEOUTS = (ConnectTimeout, TCPTimedOutError)


def describe_failure(failure) -> tuple[str, str, str]:
    """(stage, reason, detail) for a request's errback failure."""
    error = failure.value
    detail = str(error)[:500]
    if isinstance(error, HttpError):
        return "download", f"http_{error.response.status}", detail
    if isinstance(error, PrivateHostRefused):
        return "private_host", "private_address", detail
    if isinstance(error, IgnoreRequest):
        return ignored_reason(detail)
    if isinstance(error, DNSLookupError):
        return "download", "dns", detail
    if isinstance(error, TIMEOUTS) or type(error).__name__ == "TimeoutError":
        return "download", "timeout", detail
    if isinstance(error, ConnectionRefusedError):
        return "download", "connection_refused", detail
    if isinstance(error, (ResponseFailed, ResponseNeverReceived)):
        return "download", "truncated" if "dataloss" in detail.lower() else "response_failed", detail
    return "download", snake(type(error).__name__), detail


def ignored_reason(detail: str) -> tuple[str, str, str]:
    lowered = detail.lower()
    if "robots.txt" in lowered:
        return "robots", "robots_disallowed", detail
    if "redirect" in lowered:
        return "download", "redirect_loop", detail
    if "maxsize" in lowered or "size" in lowered:
        return "download", "too_large", detail
    return "download", "ignored", detail


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
