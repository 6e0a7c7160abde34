"""Decode page bytes: BOM, then HTTP charset, then <meta>, then a restricted detector; every guess is validated.

Needs: body, headers.  Sets: html, encoding, encoding_source, encoding_detail.
"""
from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import chardet
from scrapy.exceptions import DropItem
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

from crawler.items import ReportPage
from pipelines.formats.sniff import sniff_format
from pipelines.stage import StatsStage

try:  # chardet's own magic-number table (an internal module): lets sniff_binary skip a full detection
    from chardet.pipeline.magic import detect_magic
except ImportError:  # pragma: no cover - another chardet layout: always run chardet.detect
    detect_magic = None

logger = logging.getLogger(__name__)

# What Chinese government servers actually send; the detector may only choose among these.
PLAUSIBLE_ENCODINGS = ("utf-8", "gb18030", "big5", "cp1252")
# Codecs scored against each other when neither a declaration nor the detector validates.
LAST_RESORT_CODECS = ("utf-8", "gb18030", "big5hkscs", "cp1252")
# WHATWG labels that Python's codec registry (and so w3lib) does not know, e.g. `charset=x-gbk`.
EXTRA_LABELS = {
    "x_gbk": "gb18030", "gb_2312": "gb18030", "gb_2312_80": "gb18030", "csgb2312": "gb18030",
    "gb2312_80": "gb18030", "windows_936": "gb18030", "x_euc_cn": "gb18030",
    "cn_big5": "big5hkscs", "x_x_big5": "big5hkscs",
    "unicode_1_1_utf_8": "utf-8", "unicode11utf8": "utf-8", "unicode20utf8": "utf-8", "x_unicode20utf8": "utf-8",
}
# Codecs Python knows but no web page is written in: a declaration naming one is ignored. WHATWG reads a
# declared utf-16 as utf-8 (real UTF-16 carries a BOM) and hz-gb-2312 as "replacement"; the rest are not
# charsets at all. base64, zlib, rot-13 and friends are refused by decoding a probe (see page_codec).
NOT_PAGE_CODECS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "hz",
                             "unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7"})
# Content types of attachments a later stage extracts; this stage passes them on undecoded.
DOCUMENT_TYPE_MARKERS = ("application/pdf", "msword", "vnd.openxmlformats", "wps", "excel", "ms-works")

PROBE_BYTES = 1_000_000         # the encoding is chosen on this prefix, then the whole body is decoded once
META_SCAN_BYTES = 8192          # our lenient <meta> fallback looks no further (w3lib itself reads 4096)
BINARY_HEAD_BYTES = 4096        # magic numbers and NUL bytes are judged on the head
MAX_NUL_SHARE = 0.01            # text never has 1% NUL bytes; UTF-16 without a BOM counts as binary
DETECT_SAMPLE_BYTES = 64 * 1024  # markup-free bytes handed to the detector
SHARE_WINDOW_CHARS = 200_000    # CJK share is measured on this much decoded text
MAX_REPLACEMENT_SHARE = 0.001   # more U+FFFD than 0.1% of the text rejects a codec ...
MIN_REPLACEMENTS_TOLERATED = 2  # ... but a truncated last character is always tolerated
MIN_EVIDENCE_CHARS = 8          # fewer non-ASCII characters than this cannot refute a declaration
MIN_CJK_SHARE = 0.8             # share of non-ASCII characters that must look like Chinese text
MIN_UTF8_EVIDENCE = 4           # valid UTF-8 with this many non-ASCII characters is UTF-8, whatever is declared

HEADER_LABEL = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
META_LABEL = re.compile(rb"<meta\b[^<>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
HTML_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.DOTALL)
BODY_START = re.compile(rb"<body[\s>]", re.IGNORECASE)
# Markup is removed before detection: chardet trusts a decodable <meta> it cannot check (a Big5 page
# declaring gb2312 comes back gb18030), and tag soup dilutes the words in short table snippets.
SCRIPT_STYLE = re.compile(rb"<(script|style)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
TAG = re.compile(rb"<[^<>]*>")
BLANKS = re.compile(rb"\s+")
# Characters a Chinese page is made of besides ASCII: Han, CJK and fullwidth punctuation, common symbols.
CHINESE_RANGES = ("\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2100-\u21ff\u2460-\u24ff\u25a0-\u25ff\u3000-\u303f"
                  "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f")
CHINESE_TEXT = re.compile(f"[{CHINESE_RANGES}]")
# Its complement among non-ASCII characters: few on a Chinese page, so counting these is cheap.
OTHER_NON_ASCII = re.compile(f"[^\x00-\x7f{CHINESE_RANGES}]")
# Control bytes chardet counts as binary (all but \t \n \v \f \r); a head with at most 1% of them and no
# magic number is text to chardet, so its full (slow) detection need not run just to say so.
BINARY_CONTROL_BYTES = bytes(range(0x09)) + bytes(range(0x0E, 0x20))
CHARDET_BINARY_SHARE = 0.01


@dataclass(frozen=True)
class Decoded:
    """A decoded body and how its encoding was decided; charsets are Python codec names."""

    text: str
    encoding: str            # python codec actually used, e.g. "gb18030"; "" when nothing was decoded
    source: str              # one of crawler.items.ENCODING_SOURCES
    header_charset: str | None
    meta_charset: str | None
    detected: str | None     # chardet's guess; None when one plausible declaration settled it (not consulted)
    replacements: int        # U+FFFD count in text

    def detail(self) -> dict:
        return {"header_charset": self.header_charset, "meta_charset": self.meta_charset,
                "detected": self.detected, "used": self.encoding, "replacements": self.replacements}


@dataclass(frozen=True)
class Trial:
    """One codec tried on the probe bytes, with the evidence used to judge it."""

    encoding: str
    text: str
    replacements: int
    non_ascii: int
    cjk_share: float


@lru_cache(maxsize=256)
def resolve_label(label: str) -> str | None:
    """Python codec for a charset label (GB* -> gb18030, big5 -> big5hkscs), None when unknown or unfit."""
    codec = resolve_encoding(label) or EXTRA_LABELS.get(label.strip().lower().replace("-", "_"))
    return codec if codec and is_page_codec(codec) else None


def is_page_codec(codec: str) -> bool:
    """A text codec a page may be written in (not base64, zlib, undefined, utf-16 without BOM ...)."""
    if codec in NOT_PAGE_CODECS:
        return False
    try:
        b"<p>".decode(codec, "replace")
    except (LookupError, UnicodeError):
        return False
    return True


def header_charset(content_type: str | bytes | None) -> str | None:
    """Codec named by a Content-Type header; unknown names (`charset=foo`) are ignored."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    if not content_type:
        return None
    found = http_content_type_encoding(content_type)
    if found is None and (m := HEADER_LABEL.search(content_type)):  # x-gbk, charset='gbk'
        found = resolve_label(m[1])
    return found if found and is_page_codec(found) else None


def meta_charset(body: bytes) -> str | None:
    """Codec declared by <meta> or <?xml?> in the head, read leniently (httpequiv, no quotes, x-gbk)."""
    found = html_body_declared_encoding(body)
    if found is None:
        head = HTML_COMMENT.sub(b" ", body[:META_SCAN_BYTES])
        if m := BODY_START.search(head):
            head = head[:m.start()]
        if m := META_LABEL.search(head):
            found = resolve_label(m[1].decode("ascii", "replace"))
    return found if found and is_page_codec(found) else None


def chardet_sees_text(head: bytes) -> bool:
    """True when chardet.detect(head) certainly names an encoding: no magic number, few control bytes.

    False means "ask chardet". chardet answers None only for a magic number or a binary share of control
    bytes (chardet/pipeline/orchestrator.py, 7.7); with its magic table unavailable we always ask.
    """
    if detect_magic is None or not head:
        return False
    controls = len(head) - len(head.translate(None, BINARY_CONTROL_BYTES))
    return controls <= len(head) * CHARDET_BINARY_SHARE and detect_magic(head) is None


def sniff_binary(body: bytes) -> str | None:
    """MIME type of a body that is not text (PDF, zip, image, many NULs), else None."""
    head = body[:BINARY_HEAD_BYTES]
    if not chardet_sees_text(head):
        found = chardet.detect(head, include_encodings=PLAUSIBLE_ENCODINGS)
        if found["encoding"] is None:  # chardet's magic numbers: PDF, zip, OLE, images, gzip ...
            return found["mime_type"] or "application/octet-stream"
    if head.count(0) > len(head) * MAX_NUL_SHARE:
        return "application/octet-stream"
    return None


def is_document_type(content_type: str | None) -> bool:
    """True for attachment types (PDF, Word, WPS, Excel) that a later stage extracts."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return any(marker in mime for marker in DOCUMENT_TYPE_MARKERS)


# Servers label downloads with these generic types; the bytes then tell whether it is a document.
GENERIC_DOWNLOAD_TYPES = ("", "application/octet-stream", "application/x-download", "application/force-download")


def is_attachment(item: ReportPage) -> bool:
    """A document to extract later: declared as one, or a generic download whose magic bytes say so."""
    if is_document_type(item.content_type):
        return True
    mime = (item.content_type or "").split(";", 1)[0].strip().lower()
    return mime in GENERIC_DOWNLOAD_TYPES and sniff_format(item.body, item.content_type, item.url) is not None


def detector_sample(body: bytes) -> bytes:
    """The words of the page as bytes: scripts, styles, comments and tags removed."""
    sample = SCRIPT_STYLE.sub(b" ", HTML_COMMENT.sub(b" ", body))
    return BLANKS.sub(b" ", TAG.sub(b" ", sample)).strip()[:DETECT_SAMPLE_BYTES]


def detect_encoding(body: bytes) -> str | None:
    """chardet's guess among PLAUSIBLE_ENCODINGS for the words of the page, as a codec name.

    chardet, not charset-normalizer (benchmarks/encoding_detectors.py, 705 samples): inside this policy 100% vs 98.7%.
    charset-normalizer is ~0.1 ms/page faster but calls short GBK snippets big5, which validation cannot
    refute; chardet's misses (cp1252 on markup-diluted text) fail the CJK-share check and are recovered.
    """
    sample = detector_sample(body)
    if not sample:
        return None
    label = chardet.detect(sample, include_encodings=PLAUSIBLE_ENCODINGS)["encoding"]
    return resolve_label(label) if label else None


class LazyGuess:
    """detect_encoding(probe), run on first call only: a single plausible declaration needs no detector (~1 ms)."""

    def __init__(self, probe: bytes):
        self.probe = probe
        self.asked = False
        self.guess: str | None = None

    def __call__(self) -> str | None:
        if not self.asked:
            self.guess, self.asked = detect_encoding(self.probe), True
        return self.guess

    @property
    def on_record(self) -> str | None:
        """The guess if the detector was consulted; None when the declaration settled it."""
        return self.guess if self.asked else None


def decode_trial(body: bytes, encoding: str) -> Trial:
    """Decode with replacement characters and measure how Chinese the result looks."""
    text = to_unicode(body, encoding)
    window = text[:SHARE_WINDOW_CHARS]
    non_ascii = len(window) - len(window.encode("ascii", "ignore"))
    share = (non_ascii - len(OTHER_NON_ASCII.findall(window))) / non_ascii if non_ascii else 1.0
    return Trial(encoding, text, text.count("\ufffd"), non_ascii, share)


def is_plausible(trial: Trial, min_evidence: int = MIN_EVIDENCE_CHARS) -> bool:
    """Few replacement characters, and mostly Chinese text when there are `min_evidence` characters to judge.

    A declaration is believed on thin evidence; an undeclared guess is checked from the first character.
    """
    tolerated = max(MIN_REPLACEMENTS_TOLERATED, int(len(trial.text) * MAX_REPLACEMENT_SHARE))
    if trial.replacements > tolerated:
        return False
    return trial.non_ascii < min_evidence or trial.cjk_share >= MIN_CJK_SHARE


def is_utf8(body: bytes) -> bool:
    """Valid UTF-8, allowing a multibyte character cut off at the end (truncated download or probe)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def declared_codecs(header: str | None, meta: str | None) -> list[tuple[str, str]]:
    """[(codec, source)] in the order they are believed: header, then meta when it says something else."""
    declared = [(header, "header")] if header else []
    if meta and meta != header:
        declared.append((meta, "meta"))
    return declared


def choose_encoding(probe: bytes, header: str | None, meta: str | None,
                    detected: Callable[[], str | None]) -> tuple[Trial, str]:
    """The trial to keep and its source.

    1. valid UTF-8 that reads as Chinese (whatever is declared); 2. the header, then the meta, if plausible
    (when both are, the one the detector agrees with); 3. UTF-8 or the detector's guess, checked strictly;
    4. "fallback": the best-scoring of every codec tried.
    """
    trials: dict[str, Trial] = {}

    def trial(codec: str) -> Trial:
        if codec not in trials:
            trials[codec] = decode_trial(probe, codec)
        return trials[codec]

    declared = declared_codecs(header, meta)
    utf8 = is_utf8(probe)
    # realpages/92: meta says GB2312 but the bytes are UTF-8; valid UTF-8 Chinese is never GBK by chance.
    # (GBK 图 = CD BC is valid UTF-8 "ͼ", so the result must also read as Chinese.)
    if utf8 and trial("utf-8").non_ascii >= MIN_UTF8_EVIDENCE and trial("utf-8").cjk_share >= MIN_CJK_SHARE:
        return trial("utf-8"), next((s for c, s in declared if c == "utf-8"), "detected")
    plausible = [(c, s) for c, s in declared if is_plausible(trial(c))]
    if len(plausible) == 1:
        return trial(plausible[0][0]), plausible[0][1]
    if plausible:  # header and meta disagree and both decode: the detector breaks the tie
        codec, source = next(((c, s) for c, s in plausible if c == detected()), plausible[0])
        return trial(codec), source
    guess = detected()
    undeclared = (["utf-8"] if utf8 else []) + ([guess] if guess else [])
    for codec in undeclared:
        if is_plausible(trial(codec), min_evidence=1):
            return trial(codec), "detected"
    candidates = [c for c, _ in declared] + undeclared + list(LAST_RESORT_CODECS)
    best = max(candidates, key=lambda c: (is_plausible(trial(c)), trial(c).cjk_share, -trial(c).replacements))
    return trial(best), "fallback"


def decode_page(body: bytes, content_type: str | None) -> Decoded:
    """Decode a captured body; never raises. Binary or empty bodies give source "fallback" and no text."""
    header = header_charset(content_type)
    meta = meta_charset(body)
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = to_unicode(body[len(bom):], bom_encoding)
        return Decoded(text, bom_encoding, "bom", header, meta, None, text.count("\ufffd"))
    if not body or sniff_binary(body):
        return Decoded("", "", "fallback", header, meta, None, 0)
    probe = body[:PROBE_BYTES]
    guess = LazyGuess(probe)
    if header and meta and header != meta:
        guess()   # the page contradicts itself: the detector's view goes on record whichever declaration wins
    chosen, source = choose_encoding(probe, header, meta, guess)
    text = chosen.text if len(body) <= PROBE_BYTES else to_unicode(body, chosen.encoding)
    return Decoded(text, chosen.encoding, source, header, meta, guess.on_record, text.count("\ufffd"))


def is_undecodable(decoded: Decoded) -> bool:
    """Nothing was decoded: the body was binary or empty."""
    return decoded.source == "fallback" and not decoded.text


class DecodePipeline(StatsStage):
    """Scrapy adapter for decode_page; drops binary bodies, passes attachments on undecoded."""

    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        if is_attachment(item):
            logger.debug("Attachment %s (%s) passed on undecoded", item.url, item.content_type)
            self.stats.inc_value("nianbao/encoding/document")
            return item
        decoded = decode_page(item.body, item.content_type)
        self.stats.inc_value(f"nianbao/encoding/{decoded.source}")
        self.stats.inc_value("nianbao/encoding/replacements", decoded.replacements)
        if is_undecodable(decoded):
            kind = sniff_binary(item.body) or "empty body"
            logger.warning("Undecodable body on %s (%s, %d bytes)", item.url, kind, len(item.body))
            self.stats.inc_value("nianbao/encoding/undecodable")
            raise DropItem("undecodable")
        if decoded.source == "fallback" or decoded.replacements:
            logger.warning("Doubtful decoding of %s: %s", item.url, decoded.detail())
        item.html, item.encoding, item.encoding_source = decoded.text, decoded.encoding, decoded.source
        item.encoding_detail = decoded.detail()
        return item
