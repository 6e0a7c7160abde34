"""Which document format a body is, by its magic bytes first: extensions and content types lie."""
from __future__ import annotations

import io
import re
import zipfile

PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024          # Acrobat accepts junk before %PDF- within the first 1024 bytes
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE directory entries are UTF-16LE names; the stream that says what the compound file holds.
OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "doc"),                   # Word 97–2003 and Kingsoft WPS
    ("Workbook".encode("utf-16-le"), "xls"),                       # Excel 97–2003
    ("Book".encode("utf-16-le") + b"\x00\x00", "xls"),             # Excel 5/95
)
# Members that tell an OOXML package's kind.
ZIP_MEMBERS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"))
# Kingsoft WPS Writer files are Word binaries; only the name or type tells them apart.
# Chinese servers label .wps as application/vnd.ms-works (the Works mime type) or application/kswps.
WPS_HINT = re.compile(r"\.wps(?:$|[?#&])|kswps|ms-works|[/.]wps\b", re.IGNORECASE)
# What sniff_format answers: the formats we read, then containers we recognise but cannot read.
DOCUMENT_KINDS = ("pdf", "docx", "xlsx", "doc", "wps", "xls", "zip", "ole")
OLE_SCAN_BYTES = 4 * 1024 * 1024   # directory sectors sit near the start or end of small files


def zip_kind(body: bytes) -> str | None:
    """docx/xlsx from the central directory (no member is decompressed); "zip" for any other or a broken one."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"
    return next((kind for member, kind in ZIP_MEMBERS if member in names), "zip")


def ole_kind(body: bytes) -> str | None:
    """doc/xls from an OLE compound file's stream names; "ole" for any other (an encrypted DOCX is one)."""
    window = body[:OLE_SCAN_BYTES] + body[-OLE_SCAN_BYTES:]
    return next((kind for name, kind in OLE_STREAMS if name in window), "ole")


def sniff_format(body: bytes, content_type: str | None = None, url: str = "") -> str | None:
    """One of DOCUMENT_KINDS, or None when the bytes are no document at all (HTML, images, text)."""
    head = body[:PDF_MAGIC_WINDOW]
    if PDF_MAGIC in head:
        return "pdf"
    if body.startswith(ZIP_MAGIC):
        return zip_kind(body)
    if body.startswith(OLE_MAGIC):
        kind = ole_kind(body)
        if kind == "doc" and WPS_HINT.search(f"{url} {content_type or ''}"):
            return "wps"
        return kind
    return None


ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")   # a password-protected DOCX/XLSX is OLE


def is_encrypted_ooxml(body: bytes) -> bool:
    return body.startswith(OLE_MAGIC) and ENCRYPTED_STREAM in body[:OLE_SCAN_BYTES] + body[-OLE_SCAN_BYTES:]


def zip_is_readable(body: bytes) -> bool:
    """Whether a zip's central directory can be read at all (a truncated DOCX's cannot)."""
    try:
        return bool(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
