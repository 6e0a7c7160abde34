"""Read one statistics-table cell as a number, by named rules: certain readings only, null otherwise."""
from __future__ import annotations

import re
from typing import NamedTuple

from pipelines.tables import normalize_space

# Rules that read a number with certainty; every other rule gives null.
CERTAIN_RULES = ("number", "fullwidth_digits", "dash_zero", "word_zero", "thousands_separator",
                 "unit_suffix", "signed")
# Rules that give null: the cell is flagged, never guessed.
NULL_RULES = ("empty", "merged_numbers", "not_a_number", "too_long")

FULLWIDTH = str.maketrans("０１２３４５６７８９．，＋－", "0123456789.,+-")
# A dash or "none" in a number cell means zero in the 国办 tables (no count to report).
ZERO_DASHES = frozenset({"-", "—", "——", "–", "―", "－"})
ZERO_WORDS = frozenset({"无", "零", "〇"})
MAX_DIGITS = 15          # longer digit runs are not counts (and int() of 4300+ digits raises)

NUMBER = re.compile(r"\d+(?:\.\d+)?")
THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
MERGED = re.compile(r"\d+(?:\.\d+)?(?: \d+(?:\.\d+)?)+")
UNITS = "项|件|个|条|次|人次|元|万元"
WITH_UNIT = re.compile(rf"(\d+(?:\.\d+)?)(?:{UNITS})")
# "加76项", "增加1项", "+3" (tests/seeds/002: 本年增/减 column); "减少2项", "-2".
SIGNED = re.compile(rf"(加|增加|增|新增|\+|减|减少|-)(\d+(?:\.\d+)?)(?:{UNITS})?")
MINUS = frozenset({"减", "减少", "-"})


class Cell(NamedTuple):
    value: int | float | None
    rule: str


def number_of(digits: str) -> int | float:
    return float(digits) if "." in digits else int(digits)


def parse_cell(raw: str | None) -> Cell:
    """The number a cell states and the rule that read it; value None when the meaning is not certain."""
    text = normalize_space(raw or "")
    if not text:
        return Cell(None, "empty")
    if len(text) > 4 * MAX_DIGITS:
        return Cell(None, "too_long" if re.fullmatch(r"[\d\s.,]+", text) else "not_a_number")
    half = text.translate(FULLWIDTH)
    widened = half != text and bool(re.search(r"[０-９]", text))
    if half in ZERO_DASHES:
        return Cell(0, "dash_zero")
    if half in ZERO_WORDS:
        return Cell(0, "word_zero")
    return read_digits(half, widened)


def read_digits(text: str, widened: bool) -> Cell:
    """The numeric rules proper, on a half-width, whitespace-normalised cell."""
    if len(re.sub(r"\D", "", text)) > MAX_DIGITS:
        return Cell(None, "too_long")
    if NUMBER.fullmatch(text):
        return Cell(number_of(text), "fullwidth_digits" if widened else "number")
    if THOUSANDS.fullmatch(text):
        return Cell(number_of(text.replace(",", "")), "thousands_separator")
    if MERGED.fullmatch(text):
        return Cell(None, "merged_numbers")      # "4 0": 40, or 4 and 0 in two cells? Not certain.
    match = WITH_UNIT.fullmatch(text)
    if match:
        return Cell(number_of(match[1]), "unit_suffix")
    match = SIGNED.fullmatch(text)
    if match:
        value = number_of(match[2])
        return Cell(-value if match[1] in MINUS else value, "signed")
    return Cell(None, "not_a_number")


def split_merged(cells: list[str], expected: int) -> list[str] | None:
    """Cells with "4 0" split into "4", "0" when that gives exactly `expected` plain numbers, else None.

    Certain only then: a row short by k cells whose merged cells hold exactly k extra numbers
    (a PDF row of table C often comes out as one run "0 0 0 … 0").
    """
    parts: list[str] = []
    for cell in cells:
        pieces = normalize_space(cell.translate(FULLWIDTH)).split(" ")
        if len(pieces) > 1 and not all(NUMBER.fullmatch(piece) for piece in pieces):
            return None
        parts.extend(pieces)
    return parts if len(parts) == expected and len(cells) < expected else None
