"""DOC and WPS (Kingsoft WPS Writer files are Word 97 binaries): LibreOffice headless converts to DOCX, then docx.py."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipelines.formats import Deadline, DocumentError, DocumentText, Limits
from pipelines.formats.docx import extract_docx

SOFFICE_NAMES = ("soffice", "libreoffice")
MIN_CONVERT_SECONDS = 5.0


def soffice_path() -> str | None:
    return next(filter(None, map(shutil.which, SOFFICE_NAMES)), None)


def convert_to_docx(body: bytes, deadline: Deadline) -> bytes:
    """Run soffice in its own profile and temp dir (parallel runs would share a locked profile)."""
    soffice = soffice_path()
    if soffice is None:
        raise DocumentError("converter_missing", "LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as work:
        source = Path(work) / "in.doc"   # .doc picks the Word filter: a .wps name may pick MS Works
        source.write_bytes(body)
        command = [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless", "--norestore",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", work, str(source)]
        try:
            subprocess.run(command, capture_output=True, timeout=max(deadline.left(), MIN_CONVERT_SECONDS),
                           cwd=work, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as error:
            raise DocumentError("timeout", "LibreOffice did not finish in time") from error
        converted = Path(work) / "in.docx"
        if not converted.exists():
            raise DocumentError("corrupt", "LibreOffice could not read the Word file")
        return converted.read_bytes()


def extract_word(body: bytes, limits: Limits, deadline: Deadline, fmt: str) -> DocumentText:
    return extract_docx(convert_to_docx(body, deadline), limits, deadline, fmt=fmt)
