"""Lists that exist only after JavaScript runs: recognise the empty shell so the browser renders it."""
from __future__ import annotations

import logging
import os
import re

from spiders.discovery import REPORT_COLUMN, is_annual_report
from spiders.platforms import node_texts

NAME = "rendered"
# Client-side templates (avalon ms-*, Vue, Angular, Alpine) and list scripts that write the items.
TEMPLATE = re.compile(r"\s(?:ms-for|ms-repeat|v-for|ng-repeat|x-for)\s*=|\{\{\s*\w+", re.I)
WRITES_LIST = re.compile(r"\.innerHTML\s*\+?=|appendChild\(|insertAdjacentHTML\(|document\.write\(|\$\([^)]*\)\.(?:html|append)\(")


def needs_browser(text: str, sel, links: list[tuple[str, str]]) -> bool:
    """A 年报 column page whose HTML lists no report but whose script would build the list."""
    if sel is None or any(is_annual_report(title) for _, title in links):
        return False
    title = " ".join(node_texts(sel, "//title/text() | //meta[@name='ColumnName']/@content"))
    if not REPORT_COLUMN.search(re.sub(r"\s+", "", title)) or is_annual_report(title):
        return False
    scripts = " ".join(node_texts(sel, "//script[not(@src)]/text()"))
    return bool(TEMPLATE.search(text or "") or WRITES_LIST.search(scripts))


def browser_usable(settings, logger) -> bool:
    """Whether JS-only lists can be rendered: NIANBAO_RENDER_JS on and the Chromium binary present."""
    if not settings.getbool("NIANBAO_RENDER_JS"):
        return False
    path = settings.get("NIANBAO_CHROMIUM")
    if os.access(path, os.X_OK):
        quiet_browser_request_log(settings)
        return True
    logger.warning("No Chromium at %s: JS-only 年报 lists will not be rendered (apt-get install "
                   "chromium-headless-shell, or set NIANBAO_CHROMIUM)", path)
    return False


def quiet_browser_request_log(settings) -> None:
    """Keep scrapy-playwright from logging each request the browser makes unless LOG_LEVEL is DEBUG.

    It attaches its request/response loggers (each a round trip to Chromium for a header) whenever its
    logger passes DEBUG, which Scrapy's root logger always does, whatever LOG_LEVEL says.
    """
    level = logging.getLevelName(str(settings.get("LOG_LEVEL") or "DEBUG").upper())
    if isinstance(level, int) and level > logging.DEBUG:
        logging.getLogger("scrapy-playwright").setLevel(logging.INFO)
