"""Years and dates in metadata: the reported year of a title or text, ISO dates from labels, URLs and 二〇二四年."""
from __future__ import annotations

import datetime
import re

from pipelines import metadata_labels as labels

TEXT_YEAR_LINES = 10
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CN_YEAR = re.compile("[〇○零ＯO一二三四五六七八九]{4}(?=\\s*年)")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(度)?")
DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
CN_DATE = re.compile("([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日")


def ascii_years(value: str) -> str:
    """Copy of `value` with full-width digits and 二〇二四-style years as ASCII digits (same length)."""
    value = value.translate(FULLWIDTH_DIGITS)
    return CN_YEAR.sub(lambda m: "".join(str(labels.CHINESE_DIGITS[c]) for c in m[0]), value)


def report_year(title: str) -> int | None:
    """The year a title reports on: a year before 年度, else before 政府信息公开…, else the first."""
    found = list(YEAR.finditer(ascii_years(title or "")))
    if not found:
        return None
    tail = ascii_years(title)
    by_rule = (
        [m for m in found if m[2]],                                          # 2023年度
        [m for m in found if tail[m.end():].startswith(labels.AFTER_YEAR_WORDS)],
        [m for m in found if not re.match(r"\s*\d{1,2}\s*月", tail[m.end():])],  # not 2024年3月
        found,
    )
    return int(next(matches for matches in by_rule if matches)[0][1])


def chinese_number(value: str) -> int:
    """十 → 10, 十五 → 15, 二十 → 20, 三十一 → 31, 九 → 9."""
    tens, _, units = value.rpartition("十")
    if "十" not in value:
        return labels.CHINESE_DIGITS.get(value, 0)
    return (labels.CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + labels.CHINESE_DIGITS.get(units, 0)


def valid_date(year: int, month: int, day: int) -> str | None:
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_date(value: str) -> str | None:
    """First real date in `value` as YYYY-MM-DD ("2021年01月31日", "2021/1/31", "2023-08-19 10∶08")."""
    text = (value or "")[:500].translate(FULLWIDTH_DIGITS)
    for m in DATE.finditer(text):
        if found := valid_date(int(m[1]), int(m[2]), int(m[3])):
            return found
    for m in CN_DATE.finditer(text):
        year = int("".join(str(labels.CHINESE_DIGITS[c]) for c in m[1]))
        if found := valid_date(year, chinese_number(m[2]), chinese_number(m[3])):
            return found
    for m in COMPACT_DATE.finditer(text):
        if found := valid_date(int(m[1]), int(m[2]), int(m[3])):
            return found
    return None


def year_from_text(text: str) -> int | None:
    """The reported year from the first lines of the main text that speak of the report."""
    lines = [line for line in (text or "")[:5000].splitlines() if line.strip()][:TEXT_YEAR_LINES]
    for line in lines:
        if any(word in line for word in labels.TEXT_YEAR_WORDS) and (year := report_year(line)):
            return year
    return None


def url_date(url: str) -> str | None:
    """Publication date encoded in a CMS URL (TRS t20250310_…, P020250310…, Hanweb /art/2024/1/17/)."""
    for _name, rule in labels.URL_DATE_RULES:
        if m := rule.search(url or ""):
            return valid_date(int(m[1]), int(m[2]), int(m[3]))
    return None


def year_before(date: str | None) -> int | None:
    """A report published in January–April reports on the year before."""
    if date and int(date[5:7]) in labels.REPORT_MONTHS:
        return int(date[:4]) - 1
    return None
