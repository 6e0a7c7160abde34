"""Score our processing chain against trafilatura and readability-lxml defaults on the saved-page corpus.

Run by hand: `python benchmarks/extraction.py [--repeat N]` (needs `pip install -e ".[bench]"`). Each case in
tests/pages/corpus/ is `<slug>.html` (raw bytes) + `<slug>.case.json`; see that folder's README.md. The scoring
functions here are also what tests/test_quality_floor.py pins, so the benchmark and the floor agree.

Body snippets, scored like trafilatura's own evaluation: a must_contain snippet found is a true positive, one
missing a false negative; a must_not_contain (or spam) snippet found is a false positive.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from crawler.items import ReportPage  # noqa: E402
from pipelines.encoding import decode_page  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "pages" / "corpus"
METADATA_FIELDS = ("title", "year", "index_no", "publisher", "generated_date", "publish_date", "doc_no",
                   "topic", "site_id_code")
# trafilatura's metadata name for the fields it has
TRAFILATURA_FIELDS = {"title": "title", "publish_date": "date"}
# Snippets are compared without whitespace or table-cell separators, so every system is scored on the
# words it kept, not on how it laid out a table row.
IGNORED = re.compile(r"[\s|]+")


@dataclass(frozen=True)
class Case:
    slug: str
    body: bytes
    url: str
    headers: dict[str, str]
    must_contain: list[str]
    must_not_contain: list[str]
    spam: list[str]
    metadata: dict
    spam_mirror: bool
    source: str = ""


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    spam_left: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.tp, self.fn, self.fp, self.tn = (self.tp + other.tp, self.fn + other.fn,
                                              self.fp + other.fp, self.tn + other.tn)
        self.spam_left += other.spam_left

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_cases(folder: Path = CORPUS) -> list[Case]:
    """Every `<slug>.case.json` with its `<slug>.html`, sorted by slug."""
    cases = []
    for spec_path in sorted(folder.glob("*.case.json")):
        slug = spec_path.name.removesuffix(".case.json")
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        cases.append(Case(slug=slug, body=(folder / f"{slug}.html").read_bytes(), url=spec["url"],
                          headers={k.lower(): v for k, v in spec["headers"].items()},
                          must_contain=spec["must_contain"], must_not_contain=spec["must_not_contain"],
                          spam=spec.get("spam", []), metadata=spec["metadata"],
                          spam_mirror=spec.get("spam_mirror", False), source=spec.get("source", "")))
    return cases


def snippet_key(text: str) -> str:
    return IGNORED.sub("", text or "")


def contains(text_key: str, snippet: str) -> bool:
    """Whether a snippet occurs in a text already passed through snippet_key."""
    return snippet_key(snippet) in text_key


def score_text(case: Case, text: str) -> Score:
    key = snippet_key(text)
    found = [contains(key, s) for s in case.must_contain]
    unwanted = [contains(key, s) for s in case.must_not_contain + case.spam]
    return Score(tp=sum(found), fn=len(found) - sum(found), fp=sum(unwanted), tn=len(unwanted) - sum(unwanted),
                 spam_left=[s for s in case.spam if contains(key, s)])


def same_value(expected, got) -> bool:
    """Metadata equality; strings compared with whitespace runs collapsed (U+3000 in a <title>)."""
    if isinstance(expected, str) and isinstance(got, str):
        return " ".join(expected.split()) == " ".join(got.split())
    return expected == got


def new_page(case: Case) -> ReportPage:
    return ReportPage(url=case.url, headers=dict(case.headers), body=case.body)


def run_ours(case: Case, stages: list) -> ReportPage | None:
    """The page after our stages; None when a stage dropped it."""
    from scrapy.exceptions import DropItem

    from pipelines.chain import process_page
    try:
        return process_page(new_page(case), stages)
    except DropItem:
        return None


def decoded(case: Case) -> str:
    return decode_page(case.body, case.headers.get("content-type")).text


def trafilatura_text(html: str) -> str:
    import trafilatura
    return trafilatura.extract(html) or ""


def readability_text(html: str) -> str:
    import lxml.html
    from readability import Document
    summary = Document(html).summary()
    root = lxml.html.fromstring(summary)
    for el in root.iter("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4"):
        el.tail = "\n" + (el.tail or "")
    return root.text_content()


def trafilatura_metadata(html: str) -> dict:
    import trafilatura
    doc = trafilatura.extract_metadata(html)
    return {ours: getattr(doc, theirs, None) for ours, theirs in TRAFILATURA_FIELDS.items()} if doc else {}


def metadata_hits(expected: dict, got: dict) -> dict[str, tuple[int, int]]:
    """field -> (right, expected) for the fields the case expects."""
    return {name: (int(same_value(value, got.get(name))), 1) for name, value in expected.items()}


def add_hits(total: dict[str, list[int]], hits: dict[str, tuple[int, int]]) -> None:
    for name, (right, seen) in hits.items():
        pair = total.setdefault(name, [0, 0])
        pair[0] += right
        pair[1] += seen


def page_metadata(page: ReportPage | None) -> dict:
    return {name: getattr(page, name) for name in METADATA_FIELDS} if page else {}


def evaluate_ours(cases: list[Case], stages: list) -> dict:
    """Body score, metadata hits per field and the mirror flags of our chain on every case."""
    score, fields, mirrors = Score(), {}, 0
    for case in cases:
        page = run_ours(case, stages)
        score.add(score_text(case, page.text if page else ""))
        add_hits(fields, metadata_hits(case.metadata, page_metadata(page)))
        mirrors += int(bool(page and page.spam_mirror) == case.spam_mirror)
    return {"score": score, "fields": fields, "mirrors_right": mirrors}


def evaluate_baseline(cases: list[Case], extract: Callable[[str], str], meta: Callable[[str], dict] | None) -> dict:
    score, fields = Score(), {}
    for case in cases:
        html = decoded(case)
        score.add(score_text(case, extract(html)))
        if meta:
            wanted = {k: v for k, v in case.metadata.items() if k in TRAFILATURA_FIELDS}
            add_hits(fields, metadata_hits(wanted, meta(html)))
    return {"score": score, "fields": fields}


def pages_per_second(cases: list[Case], run: Callable[[Case], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for case in cases:
            run(case)
    return repeat * len(cases) / (time.perf_counter() - start)


def fmt_fields(fields: dict[str, list[int]]) -> str:
    return "  ".join(f"{name} {right}/{seen}" for name, (right, seen) in sorted(fields.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing passes over the corpus")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)   # per-page warnings (mirrors, no year) would drown the table
    from scrapy.utils.project import get_project_settings

    from pipelines.chain import processing_stages
    stages = processing_stages(get_project_settings())
    cases = load_cases()
    htmls = {case.slug: decoded(case) for case in cases}
    results = {
        "nianbao": evaluate_ours(cases, stages),
        "trafilatura": evaluate_baseline(cases, trafilatura_text, trafilatura_metadata),
        "readability": evaluate_baseline(cases, readability_text, None),
    }
    speed = {
        "nianbao": pages_per_second(cases, lambda c: run_ours(c, stages), args.repeat),
        "trafilatura": pages_per_second(cases, lambda c: trafilatura_text(htmls[c.slug]), args.repeat),
        "readability": pages_per_second(cases, lambda c: readability_text(htmls[c.slug]), args.repeat),
    }
    base = results["trafilatura"]["score"]
    print(f"{len(cases)} pages, {sum(len(c.must_contain) for c in cases)} must-contain, "
          f"{sum(len(c.must_not_contain) + len(c.spam) for c in cases)} must-not-contain "
          f"({sum(len(c.spam) for c in cases)} spam) snippets")
    print(f"{'system':<12} {'prec':>6} {'recall':>6} {'F1':>6} {'F1/traf':>7} {'spam left':>9} "
          f"{'pages/s':>8} {'speed/traf':>10}")
    for name, result in results.items():
        s = result["score"]
        print(f"{name:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.f1 / base.f1:7.2f} "
              f"{len(s.spam_left):9d} {speed[name]:8.1f} {speed[name] / speed['trafilatura']:10.2f}")
    print("metadata, nianbao:     ", fmt_fields(results["nianbao"]["fields"]))
    print("metadata, trafilatura: ", fmt_fields(results["trafilatura"]["fields"]))
    print(f"spam_mirror right: {results['nianbao']['mirrors_right']}/{len(cases)}")
    for name, result in results.items():
        if result["score"].spam_left:
            print(f"spam left by {name}: {', '.join(sorted(set(result['score'].spam_left)))}")


if __name__ == "__main__":
    main()
