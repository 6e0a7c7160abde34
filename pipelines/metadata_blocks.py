"""Label/value pairs of a page's metadata block (索引号：…, a label cell then a value cell) and their clean values."""
from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

from pipelines import metadata_labels as labels
from pipelines.metadata_dates import iso_date
from pipelines.textutil import collapse_space

MAX_CHUNKS = 50_000
MAX_LABEL_SCAN = 2_000          # metadata lines are short; only the head of a long paragraph is searched

BLOCK_TAGS = frozenset(
    "address article aside blockquote br center dd div dl dt fieldset figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split())
SKIP_TAGS = frozenset("script style noscript template textarea select iframe object svg title".split())
CELL_SHAPES = {"td": "table", "th": "table", "li": "list", "dd": "list", "dt": "list"}
EMPTY_CELLS = frozenset({"td", "th", "dd"})   # an empty value cell still ends the label before it

SPACES = re.compile(r"\s+")                   # \s covers U+3000 and U+00A0 (&nbsp;) in str patterns
SITE_ID = re.compile(r"[0-9A-Za-z]{6,20}")
CJK = re.compile(r"[\u4e00-\u9fff]")
ANY_LABEL = re.compile(r"[\u4e00-\u9fff\s]{2,8}[：:]")     # an unknown label, e.g. "办文部门："
LATER_LABEL = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[：:]")   # an unknown label later in a value


def label_pattern(label: str) -> str:
    return r"\s*".join(re.escape(char) for char in label)


# label (spaces removed) -> (field, rank); stop labels map to (None, 0)
LABEL_FIELDS = {label: (name, rank) for name, names in labels.FIELD_LABELS.items()
                for rank, label in enumerate(names)}
LABEL_FIELDS.update({label: (None, 0) for label in labels.STOP_LABELS})
INLINE_LABEL = re.compile(
    "(" + "|".join(label_pattern(lb) for lb in sorted(LABEL_FIELDS, key=len, reverse=True)) + r")\s*[：:]")


class Chunk(NamedTuple):
    text: str
    shape: str          # "table", "list" or "text": where a label/value pair was read


class Pair(NamedTuple):
    field: str
    rank: int           # position of the label in FIELD_LABELS[field]; lower is better
    order: int          # position on the page
    value: str
    shape: str


def page_chunks(root) -> list[Chunk]:
    """Text of the page cut at block boundaries, in document order, with the shape around it."""
    chunks: list[Chunk] = []
    buffer: list[str] = []
    open_blocks: list[tuple[str, int]] = []       # (tag, len(chunks) when it opened)

    def flush(empty_cell: bool = False) -> None:
        text = collapse_space("".join(buffer))
        buffer.clear()
        if text or empty_cell:
            shape = next((CELL_SHAPES[t] for t, _ in reversed(open_blocks) if t in CELL_SHAPES), "text")
            chunks.append(Chunk(text, shape))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        if len(chunks) > MAX_CHUNKS:
            break
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
                open_blocks.append((tag, len(chunks)))
            buffer.append(el.text or "")
            continue
        if tag in BLOCK_TAGS and open_blocks:
            flush()
            opened_tag, opened_at = open_blocks.pop()
            if opened_tag in EMPTY_CELLS and len(chunks) == opened_at:
                flush(empty_cell=True)
        buffer.append(el.tail or "")
    flush()
    return chunks


def bare_label(text: str) -> tuple[str | None, int] | None:
    """(field, rank) when the whole chunk is one label ("索引号", "索 引 号：" in its own cell)."""
    return LABEL_FIELDS.get(SPACES.sub("", text).rstrip("：:"))


def starts_with_label(text: str) -> bool:
    """Whether a chunk opens with a label, known or not ("办文部门：" on tests/pages/metadata/nfra_…)."""
    return bare_label(text) is not None or bool(INLINE_LABEL.match(text) or ANY_LABEL.match(text))


def inline_pairs(chunk: Chunk, order: int, next_value: str) -> list[Pair]:
    """The "label：value" pairs of one chunk; a label ending the chunk takes the next chunk's value."""
    pairs = []
    text = chunk.text[:MAX_LABEL_SCAN]
    found = list(INLINE_LABEL.finditer(text))
    for j, m in enumerate(found):
        end = found[j + 1].start() if j + 1 < len(found) else len(text)
        value = LATER_LABEL.split(text[m.end():end], maxsplit=1)[0].strip()
        name, rank = LABEL_FIELDS[SPACES.sub("", m[1])]
        if name:
            value = value or (next_value if end == len(text) else "")
            pairs.append(Pair(name, rank, order, value, chunk.shape))
    return pairs


def label_pairs(chunks: list[Chunk]) -> list[Pair]:
    """Every label/value pair: "label：value" (several a line), or a label chunk then a value chunk."""
    pairs: list[Pair] = []
    for i, chunk in enumerate(chunks):
        following = chunks[i + 1].text if i + 1 < len(chunks) else ""
        next_value = "" if starts_with_label(following) else following
        if (bare := bare_label(chunk.text)) is not None:
            if bare[0]:
                pairs.append(Pair(bare[0], bare[1], i, next_value, chunk.shape))
            continue
        pairs.extend(inline_pairs(chunk, i, next_value))
    return pairs


def clean_value(name: str, value: str) -> str | None:
    """The value worth keeping for field `name`, or None (empty, "无", too long, wrong kind)."""
    value = collapse_space(value).strip("：:;；,，")
    if not value or value.lower() in labels.EMPTY_VALUES or len(value) > labels.MAX_VALUE_CHARS[name]:
        return None
    if name in ("generated_date", "publish_date"):
        return iso_date(value)
    if name == "index_no":
        value = value.split(" ")[0]
        return value if re.search(r"\d", value) else None
    if name == "site_id_code":
        return m[0] if (m := SITE_ID.search(value)) else None
    if name == "doc_no" and not re.search(r"\d", value):
        return None
    if name == "publisher" and (not CJK.search(value) or "http" in value or "www." in value
                                or iso_date(value)):
        return None
    return value


def pick_label_value(pairs: list[Pair], name: str) -> tuple[str, str] | None:
    """(value, shape) of the best-labelled usable pair for field `name`."""
    for pair in sorted((p for p in pairs if p.field == name), key=lambda p: (p.rank, p.order)):
        if value := clean_value(name, pair.value):
            return value, pair.shape
    return None
