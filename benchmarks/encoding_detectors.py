"""Compare chardet and charset-normalizer (and our decode_page policy) on Chinese government text.

Run by hand: `python benchmarks/encoding_detectors.py [--repeat N]`. The corpus is built here from the report
texts in /work/shared/seeds and the UTF-8 pages in /work/shared/realpages, re-encoded into GBK, GB18030,
UTF-8 and (for the traditional-character seed 002) Big5, cut into length buckets and table-only snippets;
realpages 90 and 92 are added as they are. A guess is right when decoding with it gives back the original.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from unittest.mock import patch

import chardet
import charset_normalizer
from w3lib.encoding import to_unicode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pipelines.encoding as encoding_stage  # noqa: E402
from pipelines.encoding import PLAUSIBLE_ENCODINGS, decode_page, detector_sample, resolve_label  # noqa: E402

SHARED = Path("/work/shared")
SIMPLIFIED_ENCODINGS = ("gbk", "gb18030", "utf-8")
TRADITIONAL_SEED = "002_"
AS_IS = {"90_": "gb18030", "92_": "utf-8"}          # realpages kept byte for byte, with their true codec
BUCKETS = ((200, "<200 B"), (2_000, "200 B-2 KB"), (20_000, "2-20 KB"), (float("inf"), ">20 KB"))
CN_PLAUSIBLE = ["utf_8", "gb18030", "big5", "cp1252"]

DECLARATION = re.compile(r"""charset\s*=\s*["']?[\w-]+["']?""", re.IGNORECASE)
TAG = re.compile(r"<[^<>]*>")
BLANKS = re.compile(r"\s+")
TABLE_ROW = re.compile(r"<tr\b.*?</tr>", re.IGNORECASE | re.DOTALL)
CELL_TEXT = re.compile(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", re.IGNORECASE | re.DOTALL)
HAN = re.compile("[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Sample:
    encoding: str        # row label: gbk, gb18030, utf-8, big5, as-is
    kind: str
    data: bytes
    original: str

    @property
    def bucket(self) -> str:
        return next(label for limit, label in BUCKETS if len(self.data) < limit)


def plain_text(html: str) -> str:
    return BLANKS.sub(" ", TAG.sub(" ", html)).strip()


def as_page(text: str) -> str:
    """A plain report text wrapped as a bare detail page, one <p> per line."""
    title = text.strip().splitlines()[0]
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    return f"<html><head><title>{title}</title></head><body><div class=\"TRS_Editor\">{body}</div></body></html>"


def pieces(doc: str, is_html: bool) -> list[tuple[str, str]]:
    """(kind, text) cuts of one document: whole, first 10k chars, and runs of its words at three offsets."""
    text = plain_text(doc) if is_html else doc
    first = HAN.search(text)
    cuts = [("page", doc if is_html else as_page(doc)), ("cut-10k", doc[:10_000])]
    for offset in (first.start() if first else 0, len(text) // 3, 2 * len(text) // 3):
        cuts += [(f"text-{n}", text[offset:offset + n]) for n in (700, 60, 15)]
    return cuts


def table_snippets(html: str) -> list[tuple[str, str]]:
    """Table-only snippets from a real 年报 table: rows as published, and the same cells without attributes."""
    rows = TABLE_ROW.findall(html)
    cells = [CELL_TEXT.findall(row) for row in rows]
    out = []
    for start, n in ((0, 1), (0, 2), (0, 4), (0, 8), (10, 2), (20, 2), (30, 4)):
        out.append((f"table-{n}-rows", "<table>" + "".join(rows[start:start + n]) + "</table>"))
        compact = "".join("<tr>" + "".join(f"<td>{plain_text(c)}</td>" for c in row) + "</tr>"
                          for row in cells[start:start + n])
        out.append((f"table-{n}-rows-bare", "<table>" + compact + "</table>"))
    return out


def encoded(encoding: str, kind: str, text: str) -> Sample | None:
    data = text.encode(encoding, errors="ignore")      # Big5 lacks simplified characters: they are dropped
    original = data.decode(encoding)
    return Sample(encoding, kind, data, original) if HAN.search(original) else None


def build_corpus() -> list[Sample]:
    docs = []   # (name, text, is_html)
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        docs.append((path.name, path.read_text(encoding="utf-8"), False))
    for path in sorted((SHARED / "realpages").glob("*.htm*")):
        if not any(path.name.startswith(p) for p in AS_IS):
            docs.append((path.name, DECLARATION.sub("", path.read_text(encoding="utf-8")), True))
    samples = []
    for name, doc, is_html in docs:
        cuts = pieces(doc, is_html) + (table_snippets(doc) if name.startswith(("02_", "03_")) else [])
        targets = SIMPLIFIED_ENCODINGS + (("big5",) if name.startswith(TRADITIONAL_SEED) else ())
        samples += [s for enc in targets for kind, text in cuts if (s := encoded(enc, kind, text))]
    for prefix, codec in AS_IS.items():
        path = next((SHARED / "realpages").glob(prefix + "*"))
        samples.append(Sample("as-is", path.name[:2], path.read_bytes(), to_unicode(path.read_bytes(), codec)))
    return samples


def chardet_label(data: bytes, **kwargs) -> str | None:
    return chardet.detect(data, **kwargs)["encoding"]


def cn_label(data: bytes, **kwargs) -> str | None:
    best = charset_normalizer.from_bytes(data, **kwargs).best()
    return best.encoding if best else None


def decode_page_with(label_of: Callable[[bytes], str | None]) -> Callable[[bytes], str]:
    """decode_page with its detector swapped, to compare the policy with each library inside."""
    def detect(body: bytes) -> str | None:
        sample = detector_sample(body)
        label = label_of(sample) if sample else None
        return resolve_label(label) if label else None

    def run(data: bytes) -> str:
        with patch.object(encoding_stage, "detect_encoding", detect):
            return decode_page(data, None).text
    return run


# name -> (function of the bytes, returns a label or, for decode_page, the text)
DETECTORS: dict[str, Callable[[bytes], str | None]] = {
    "chardet": chardet_label,
    "cn": cn_label,
    "chardet/R": lambda b: chardet_label(b, include_encodings=PLAUSIBLE_ENCODINGS),
    "cn/R": lambda b: cn_label(b, cp_isolation=CN_PLAUSIBLE),
    "chardet/RS": lambda b: chardet_label(detector_sample(b), include_encodings=PLAUSIBLE_ENCODINGS),
    "cn/RS": lambda b: cn_label(detector_sample(b), cp_isolation=CN_PLAUSIBLE),
    "decode_page": lambda b: decode_page(b, None).text,
    "decode_page/cn": decode_page_with(lambda b: cn_label(b, cp_isolation=CN_PLAUSIBLE)),
}
RATIOS = (("cn", "chardet"), ("cn/RS", "chardet/RS"))


def is_right(name: str, answer: str | None, sample: Sample) -> bool:
    if name.startswith("decode_page"):
        return answer == sample.original
    codec = resolve_label(answer) if answer else None
    return codec is not None and to_unicode(sample.data, codec) == sample.original


def measure(samples: list[Sample], repeat: int) -> dict[tuple[str, str, str], list[tuple[bool, float]]]:
    """(encoding, bucket, detector) -> [(right, mean ms of the detection alone)]."""
    results: dict[tuple[str, str, str], list[tuple[bool, float]]] = defaultdict(list)
    for name, run in DETECTORS.items():
        run(samples[0].data)                             # cold start (model loading) is not per page
        for sample in samples:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = run(sample.data)
                times.append((time.perf_counter() - started) * 1000)
            results[(sample.encoding, sample.bucket, name)].append((is_right(name, answer, sample),
                                                                    statistics.mean(times)))
    return results


def print_table(samples: list[Sample], results) -> None:
    names = list(DETECTORS)
    header = (f"{'encoding':8} {'bucket':10} {'n':>4} " + " ".join(f"{n:>14}" for n in names) + "  "
              + " ".join(f"{a + '÷' + b.split('/')[0]:>10}" for a, b in RATIOS))
    print(header)
    print("-" * len(header))
    rows = sorted({(s.encoding, s.bucket) for s in samples},
                  key=lambda r: (r[0], [b for _, b in BUCKETS].index(r[1])))
    for encoding, bucket in rows + [("ALL", "")]:
        cells, mean_ms = [], {}
        for name in names:
            runs = [r for (e, b, d), rs in results.items() if d == name and (encoding == "ALL" or
                                                                         (e, b) == (encoding, bucket)) for r in rs]
            mean_ms[name] = statistics.mean(ms for _, ms in runs)
            cells.append(f"{100 * sum(ok for ok, _ in runs) / len(runs):5.1f}% {mean_ms[name]:6.2f}")
        ratios = " ".join(f"{mean_ms[a] / mean_ms[b]:9.2f}x" for a, b in RATIOS)
        print(f"{encoding:8} {bucket:10} {len(runs):>4} " + " ".join(f"{c:>14}" for c in cells) + "  " + ratios)
    print("\ncells: accuracy, mean ms/page. /R = restricted to", ", ".join(PLAUSIBLE_ENCODINGS),
          "; /RS = restricted, on decode_page's markup-free sample;\ndecode_page/cn = the policy with",
          "charset-normalizer as its detector; ratios compare mean times (below 1 = charset-normalizer faster).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per sample (mean is reported)")
    args = parser.parse_args()
    samples = build_corpus()
    print(f"chardet {chardet.__version__}, charset-normalizer {charset_normalizer.__version__}; "
          f"{len(samples)} samples, {args.repeat} timed runs each\n")
    print_table(samples, measure(samples, args.repeat))


if __name__ == "__main__":
    main()
