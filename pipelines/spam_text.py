"""Spam rules on strings: the raw page before parsing, and the text of each node (place names, lexicon)."""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from pipelines import spam_patterns as P
from pipelines.textutil import collapse_space as squash

SNIPPET_CHARS = 80
NO_TEXT_TAGS = ("script", "style", "textarea")
XML_INCOMPATIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HAN = re.compile(r"[\u3400-\u9fff]")
LEXICON_RE = re.compile("|".join(re.escape(t) for t in P.LEXICON), re.I)
SEPARATOR = re.compile(f"[{P.CLAUSE_SEPARATORS}]")
JS_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|(?:\\u|%u)([0-9a-fA-F]{4})")
ALL_TEXTS = etree.XPath("//text()", smart_strings=False)   # every text node, script and style included
MARKUP = re.compile(r"<[^>]*>")
COMMENT = re.compile(r"<!--[\s\S]*?-->")


@dataclass(frozen=True)
class Removal:
    rule: str       # one of spam_patterns.RULES
    snippet: str    # first ~80 characters of what was removed


def uncased_core(term: str) -> str:
    """The longest run of the term without cased characters: any re.I match of the term contains it verbatim."""
    runs, run = [], ""
    for char in term + "A":          # the "A" closes the last run
        if char.lower() != char.upper():
            runs.append(run)
            run = ""
        else:
            run += char
    return max(runs, key=len)


# A fast pre-check for LEXICON_RE (re.I turns off the regex engine's literal-prefix scan, ~15x slower):
# where the guard finds none of the cores, LEXICON_RE cannot match.
CORES = [uncased_core(t) for t in P.LEXICON]
LEXICON_GUARD = re.compile("|".join(map(re.escape, CORES))) if all(CORES) else LEXICON_RE


def has_lexicon(text: str) -> bool:
    return LEXICON_GUARD.search(text) is not None and LEXICON_RE.search(text) is not None


def lexicon_hits(text: str) -> list[str]:
    if not has_lexicon(text):
        return []
    return sorted({m.group().lower() for m in LEXICON_RE.finditer(text)})


def unescape_js(text: str) -> str:
    """Undo the encodings spam scripts hide payloads in: %XX, %uXXXX, \\xXX, \\uXXXX, &#NNNN;."""
    text = JS_ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)), text)
    return html_lib.unescape(unquote(text))


def markup_snippet(markup: str) -> str:
    """The words of a piece of markup (or the markup itself when it has none), for the audit."""
    return (squash(MARKUP.sub(" ", markup)) or squash(markup))[:SNIPPET_CHARS]


# --- raw-string rules (before parsing) -------------------------------------------------------------

def cut_after_html_end(html: str, removed: list[Removal]) -> str:
    """Drop anything but whitespace and comments after the last </html>."""
    ends = list(P.HTML_END.finditer(html))
    if not ends:
        return html
    tail = html[ends[-1].end():]
    if not COMMENT.sub("", tail).strip():
        return html
    removed.append(Removal("after_html_end", markup_snippet(tail)))
    return html[:ends[-1].end()]


def cut_script_wrapped_blocks(html: str, removed: list[Removal]) -> str:
    """Static links between a document.write() that opens a hidden wrapper and one that closes it."""
    def replace(m: re.Match) -> str:
        removed.append(Removal("script_write", markup_snippet(m[3])))
        return ""
    return P.SCRIPT_WRAPPED_BLOCK.sub(replace, html)


def drop_early_end_tags(html: str) -> str:
    """Keep only the last </body> and </html>: libxml2 drops what follows an early one, browsers don't.

    realpages/12_govcn_gongbao_detail.html: the header template ends in </html>, the 公报 body follows.
    """
    for pattern in (P.HTML_END, P.BODY_END):
        last = None
        for last in pattern.finditer(html):
            pass
        if last is not None:
            html = pattern.sub("", html[:last.start()]) + html[last.start():]
    return html


# --- text rules ------------------------------------------------------------------------------------

def may_hold_place_run(text: str) -> tuple[bool, bool]:
    """Whether text has enough pipes, and enough gaps, for PLACE_PIPE_RUN and PLACE_SPACE_RUN to match."""
    pipes = text.count("|") + text.count("｜")
    gaps = text.count(" ") + text.count("\t") + text.count("\u3000")
    enough = (pipes >= P.PLACE_PIPE_MIN_PIPES, gaps >= P.PLACE_SPACE_MIN_GAPS)
    return enough if any(enough) and HAN.search(text) else (False, False)


def place_run_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pipe_run, space_run = may_hold_place_run(text)
    for pattern, splitter, share, enough in (
            (P.PLACE_PIPE_RUN, r"[|｜]", P.PLACE_PIPE_MIN_SHARE, pipe_run),
            (P.PLACE_SPACE_RUN, r"\s+", P.PLACE_SPACE_MIN_SHARE, space_run)):
        for m in pattern.finditer(text) if enough else ():
            names = [n.strip() for n in re.split(splitter, m.group()) if n.strip()]
            if sum(n[-1] in P.PLACE_SUFFIXES for n in names) >= share * len(names):
                spans.append(m.span())
    return spans


def lexicon_spans(text: str) -> list[tuple[int, int]]:
    """Each spam word widened to its clause (and one separator) unless the clause is a long sentence."""
    spans = []
    if not has_lexicon(text):
        return spans
    for m in LEXICON_RE.finditer(text):
        window = text[max(0, m.start() - P.CLAUSE_MAX_CHARS):m.start()]
        left = [s.end() for s in SEPARATOR.finditer(window)]
        right = SEPARATOR.search(text, m.end(), m.end() + P.CLAUSE_MAX_CHARS)
        start = m.start() - len(window) + left[-1] if left else (0 if m.start() <= P.CLAUSE_MAX_CHARS else None)
        end = right.end() if right else (len(text) if len(text) - m.end() <= P.CLAUSE_MAX_CHARS else None)
        if start is None or end is None or end - start > P.CLAUSE_MAX_CHARS:
            start, end = m.span()
        spans.append((start, end))
    return spans


def cut_spans(text: str, spans: list[tuple[int, int]], rule: str, removed: list[Removal]) -> str:
    """Remove the (merged) spans from text, one audit entry per merged span."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        removed.append(Removal(rule, squash(text[start:end])[:SNIPPET_CHARS]))
    for start, end in reversed(merged):
        text = text[:start] + text[end:]
    return text


def clean_text(text: str, removed: list[Removal]) -> str:
    if not HAN.search(text) and not has_lexicon(text):
        return text
    text = cut_spans(text, place_run_spans(text), "place_name_stuffing", removed)
    return cut_spans(text, lexicon_spans(text), "porn_gambling_lexicon", removed)


def nothing_to_clean(root) -> bool:
    """No text node can hold a spam word or a place-name run: the per-node pass would change nothing."""
    texts = ALL_TEXTS(root)
    return not any(has_lexicon(t) or any(may_hold_place_run(t)) for t in texts)


def clean_text_nodes(root, removed: list[Removal]) -> None:
    if nothing_to_clean(root):
        return
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in NO_TEXT_TAGS and el.text:
            text = clean_text(el.text, removed)
            if text != el.text:
                el.text = XML_INCOMPATIBLE.sub("", text)   # lxml refuses control characters on assignment
        parent = el.getparent()
        if el.tail and (parent is None or parent.tag not in NO_TEXT_TAGS):
            tail = clean_text(el.tail, removed)
            if tail != el.tail:
                el.tail = XML_INCOMPATIBLE.sub("", tail)
