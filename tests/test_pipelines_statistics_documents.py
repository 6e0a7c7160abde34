"""Statistics from PDF and DOCX renderings of the seeds: the same hand-read goldens as their text and HTML.

Each seed's sample-portal page gives its real tables (merged headers and all); tests/test_pipelines_attachments_build
renders them, with the page's paragraphs, as a ruled PDF and a DOCX; the attachment stage reads them back.
"""
import pytest
from scrapy.utils.project import get_project_settings

from crawler.items import ReportPage
from pipelines.attachments import extract_document
from pipelines.chain import process_page, processing_stages
from pipelines.statistics import parse_statistics
from tests.test_pipelines_attachments_build import build_docx, build_pdf
from tests.test_pipelines_statistics import PORTAL, PORTAL_PAGES, assert_matches_golden, golden

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def grid_boxes(grid: dict) -> list[tuple]:
    """A cell grid back to (row, col, rowspan, colspan, text) boxes, one per spanned cell's origin."""
    spans = {(row, col): (rowspan, colspan) for row, col, rowspan, colspan in grid["spans"]}
    covered = {(row + r, col + c) for (row, col), (rowspan, colspan) in spans.items()
               for r in range(rowspan) for c in range(colspan) if (r, c) != (0, 0)}
    return [(row, col, *spans.get((row, col), (1, 1)), text)
            for row, cells in enumerate(grid["rows"]) for col, text in enumerate(cells)
            if (row, col) not in covered]


@pytest.fixture(scope="module")
def seed_pages():
    stages = processing_stages(get_project_settings())
    pages = {}
    for seed, (path, charset) in PORTAL_PAGES.items():
        page = ReportPage(url=f"http://127.0.0.1:8000{path}", body=(PORTAL / path.lstrip("/")).read_bytes(),
                          headers={"content-type": f"text/html; charset={charset}"})
        pages[seed] = process_page(page, stages)
    return pages


def document_blocks(page: ReportPage) -> list:
    """The page's paragraphs, then its tables as boxes (the order does not matter to the statistics)."""
    paragraphs = [line for line in page.text.splitlines() if " | " not in line]
    return paragraphs + [grid_boxes(grid) for grid in page.tables]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("seed", sorted(PORTAL_PAGES))
def test_seed_rendered_as_a_document_matches_golden(seed_pages, seed, fmt):
    blocks = document_blocks(seed_pages[seed])
    body = build_docx(blocks) if fmt == "docx" else build_pdf(blocks, ruled=True, small_tables=True)
    document = extract_document(body, f"http://127.0.0.1:8000/nb{seed}.{fmt}", CONTENT_TYPES[fmt])
    assert_matches_golden(parse_statistics(document.tables, document.text), golden(seed))
