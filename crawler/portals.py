"""The portal list: the bundled seed CSV (name,url[,level,province,city,…]) or a user's own file."""
from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

BUNDLED_PORTALS = Path(__file__).with_name("portals.csv")


@dataclass(frozen=True)
class Portal:
    name: str
    url: str
    level: str = ""
    region: str = ""


class PortalListError(ValueError):
    """The portal CSV cannot be used (missing file or missing name/url columns)."""


def load_portals(path: str | Path = BUNDLED_PORTALS) -> list[Portal]:
    """Rows with a usable http(s) URL, in file order, each URL once; rows without one are skipped."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PortalListError(f"cannot read portal list {path}: {error}") from error
    if rows and not {"name", "url"} <= set(rows[0]):
        raise PortalListError(f"portal list {path} needs at least the columns name,url")
    return unique_portals(rows)


def unique_portals(rows: list[dict]) -> list[Portal]:
    portals, seen = [], set()
    for row in rows:
        url = (row.get("url") or "").strip()
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        region = "/".join(filter(None, (row.get("province"), row.get("city")))) or row.get("region", "")
        portals.append(Portal(name=(row.get("name") or url).strip(), url=url,
                              level=(row.get("level") or "").strip(), region=region or ""))
    return portals


def portals_from_urls(urls: str) -> list[Portal]:
    """Portals from a comma-separated `-a start_urls=` argument."""
    return unique_portals([{"name": url.strip(), "url": url.strip()} for url in urls.split(",") if url.strip()])
