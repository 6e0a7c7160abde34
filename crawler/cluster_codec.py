"""JSON (never pickle) for what crosses machines in a Redis cluster: requests, items, WARC index rows.

Bytes travel as {"__b64__": …}; a dataclass as {"__dc__": name, "fields": {…}}, rebuilt only for the
classes listed here (the items of crawler/items.py, IndexRow, Portal). An item is an envelope
{"id", "kind", "data"} whose id lets the writer apply it exactly once.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import uuid
from typing import Any

from archive.warc import IndexRow
from crawler import items as item_module
from crawler.portals import Portal

# Items the spider yields and the writer stores: every dataclass of crawler/items.py (ReportPage, CrawlFailure,
# Attachment, RefreshCheck …). Other envelope kinds carry plain data.
ITEM_CLASSES = {name: cls for name, cls in vars(item_module).items()
                if dataclasses.is_dataclass(cls) and isinstance(cls, type) and cls.__module__ == item_module.__name__}
DATACLASSES = {**ITEM_CLASSES, "IndexRow": IndexRow, "Portal": Portal}
OTHER_KINDS = ("warc_rows", "crawl_report")

# Request meta that travels with a request; everything else (download_slot, latencies …) is per process.
META_KEYS = ("playwright", "depth", "redirect_times", "redirect_ttl", "redirect_urls", "redirect_reasons",
             "retry_times", "dont_redirect", "handle_httpstatus_list")
META_PREFIX = "nianbao_"
# The only request classes a payload may name (request_from_dict imports `_class`).
REQUEST_CLASSES = ("scrapy.http.request.Request", "scrapy.http.request.form.FormRequest",
                   "scrapy.Request", "scrapy.FormRequest")


class CodecError(ValueError):
    """A payload from Redis that is not what this version of nianbao writes."""


def _default(value: Any):
    if isinstance(value, (bytes, bytearray)):
        return {"__b64__": base64.b64encode(bytes(value)).decode("ascii")}
    if dataclasses.is_dataclass(value) and type(value).__name__ in DATACLASSES:
        return {"__dc__": type(value).__name__,
                "fields": {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot send {type(value).__name__} through Redis as JSON")


def _hook(obj: dict):
    if len(obj) == 1 and "__b64__" in obj:
        return base64.b64decode(obj["__b64__"])
    if len(obj) == 2 and "__dc__" in obj:
        cls = DATACLASSES.get(obj["__dc__"])
        if cls is None:
            raise CodecError(f"unknown class {obj['__dc__']!r} in payload")
        return build(cls, obj["fields"])
    return obj


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text, object_hook=_hook)
    except (ValueError, TypeError) as error:
        raise CodecError(f"not a nianbao JSON payload: {error}") from error


def request_payload(request_dict: dict) -> str:
    """Request.to_dict() output → JSON, keeping only the meta that means something on another machine."""
    meta = {key: value for key, value in (request_dict.get("meta") or {}).items()
            if key.startswith(META_PREFIX) or key in META_KEYS}
    headers = {latin1(key): [latin1(value) for value in values]
               for key, values in (request_dict.get("headers") or {}).items()}
    return dumps({**request_dict, "meta": meta, "headers": headers})


def latin1(value: str | bytes) -> str:
    """Header names and values as text (JSON keys cannot be bytes); latin-1 keeps every byte."""
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


def request_dict(payload: str | bytes) -> dict:
    """JSON → a dict for scrapy.utils.request.request_from_dict; refuses unknown request classes."""
    data = loads(payload)
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise CodecError("request payload without a url")
    if data.get("_class") and data["_class"] not in REQUEST_CLASSES:
        raise CodecError(f"request class {data['_class']!r} is not allowed")
    return data


def item_kind(item: Any) -> str | None:
    name = type(item).__name__
    return name if ITEM_CLASSES.get(name) is type(item) else None


def encode_item(item: Any) -> str:
    """An item of crawler/items.py as an envelope with a fresh id."""
    kind = item_kind(item)
    if kind is None:
        raise CodecError(f"cannot send {type(item).__name__} to the writer")
    return envelope(kind, item, content_id(item))


def content_id(item: Any) -> str | None:
    """A failure is keyed by what failed and on which day: a request redone after its lease expired fails
    again the same way, and the writer (which skips ids it stored) must keep one row, as one machine would."""
    if not isinstance(item, item_module.CrawlFailure):
        return None
    key = "|".join((item.url, item.stage, item.reason, item.at[:10]))
    return "failure-" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def envelope(kind: str, data: Any, item_id: str | None = None) -> str:
    return dumps({"id": item_id or uuid.uuid4().hex, "kind": kind, "data": data})


def encode_warc_rows(rows: list[IndexRow]) -> str:
    return envelope("warc_rows", list(rows))


def decode_envelope(payload: str | bytes) -> tuple[str, str, Any]:
    """(id, kind, value): the item, a list of IndexRow for warc_rows, plain data for crawl_report."""
    data = loads(payload)
    if not isinstance(data, dict) or not {"id", "kind", "data"} <= data.keys():
        raise CodecError("item payload is not an envelope")
    kind, value = data["kind"], data["data"]
    expected = ITEM_CLASSES.get(kind)
    if (expected is not None and not isinstance(value, expected)) or (expected is None and kind not in OTHER_KINDS):
        raise CodecError(f"unknown item kind {kind!r} or payload not of that kind")
    return data["id"], kind, value


def build(cls, data: dict):
    """The dataclass from its fields; fields a newer worker added are ignored, missing ones take defaults."""
    if not isinstance(data, dict):
        raise CodecError(f"{cls.__name__} payload is not an object")
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    try:
        return cls(**{key: value for key, value in data.items() if key in names})
    except TypeError as error:
        raise CodecError(f"{cls.__name__} payload: {error}") from error
