"""OCR of scanned PDF pages with Debian's tesseract and its Simplified Chinese data (behind NIANBAO_OCR)."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipelines.formats import Deadline, DocumentError

OCR_LANGUAGES = "chi_sim+eng"
OCR_DPI = 300
# tesseract puts spaces between CJK characters; they are not in the document.
CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")
BLANK_LINES = re.compile(r"\n\s*\n")


def tesseract_languages() -> set[str]:
    """Languages tesseract has data for; empty when tesseract is not installed."""
    if shutil.which("tesseract") is None:
        return set()
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    return set(listed.stdout.split()[1:]) if listed.returncode == 0 else set()


def ocr_page(page, deadline: Deadline) -> list[str]:
    """Paragraphs of one pdfplumber page rendered at OCR_DPI and read by tesseract."""
    if shutil.which("tesseract") is None:
        raise DocumentError("converter_missing", "NIANBAO_OCR is on but tesseract is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as work:
        image = Path(work) / "page.png"
        page.to_image(resolution=OCR_DPI).original.save(image)
        try:
            done = subprocess.run(["tesseract", str(image), "stdout", "-l", OCR_LANGUAGES],
                                  capture_output=True, timeout=max(deadline.left(), 1.0))
        except subprocess.TimeoutExpired as error:
            raise DocumentError("timeout", "tesseract did not finish in time") from error
    text = done.stdout.decode("utf-8", "replace")
    return [CJK_SPACE.sub("", block.replace("\n", " ")).strip() for block in BLANK_LINES.split(text)]
