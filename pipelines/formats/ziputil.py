"""Zip bomb guard for OOXML packages: judge every member's declared sizes before anything is unzipped."""
from __future__ import annotations

import io
import zipfile

from pipelines.formats import DocumentError, Limits

SMALL_MEMBER = 1024 * 1024   # members smaller than this may compress as well as they like (XML of zeros)


def checked_zip(body: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open the package, or raise DocumentError("corrupt" | "zip_bomb") from the central directory alone."""
    try:
        package = zipfile.ZipFile(io.BytesIO(body))
        members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise DocumentError("corrupt", f"not a readable zip package ({error})") from error
    total = sum(member.file_size for member in members)
    if total > limits.max_unzipped_bytes:
        raise DocumentError("zip_bomb", f"members unzip to {total} bytes")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > SMALL_MEMBER and ratio > limits.max_member_ratio:
            raise DocumentError("zip_bomb", f"{member.filename} expands {ratio:.0f}×")
    return package
