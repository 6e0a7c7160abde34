"""Tests for pipelines.tables: cell grids with rowspan/colspan expanded, caps, row lines."""
import lxml.html
import pytest

from pipelines.tables import (
    MAX_CELLS,
    MAX_SPAN,
    cell_text,
    is_layout_table,
    normalize_space,
    table_grid,
    table_lines,
)


def first_table(html: str):
    return lxml.html.fromstring(f"<div>{html}</div>").find(".//table")


GRID_CASES = [
    pytest.param(
        "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
        [["a", "b"], ["c", "d"]], [], id="plain-2x2"),
    pytest.param(
        "<table><tr><td colspan=3>第二十条第（一）项</td></tr><tr><td>x</td><td>y</td><td>z</td></tr></table>",
        [["第二十条第（一）项"] * 3, ["x", "y", "z"]], [[0, 0, 1, 3]], id="colspan-header"),
    pytest.param(
        "<table><tr><td rowspan=2>三、办理结果</td><td>（一）予以公开</td></tr><tr><td>（二）部分公开</td></tr></table>",
        [["三、办理结果", "（一）予以公开"], ["三、办理结果", "（二）部分公开"]], [[0, 0, 2, 1]], id="rowspan-first-column"),
    pytest.param(
        "<table><tr><td rowspan=2 colspan=2>A</td><td>b</td></tr><tr><td>c</td></tr><tr><td>d</td><td>e</td><td>f</td></tr></table>",
        [["A", "A", "b"], ["A", "A", "c"], ["d", "e", "f"]], [[0, 0, 2, 2]], id="rowspan-and-colspan"),
    pytest.param(  # rowspan running past the last row is clipped to the table
        "<table><tr><td rowspan=9>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
        [["a", "b"], ["a", "c"]], [[0, 0, 2, 1]], id="rowspan-past-end-clipped"),
    pytest.param(  # short rows are padded so every row has n_cols cells
        "<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>d</td></tr></table>",
        [["a", "b", "c"], ["d", "", ""]], [], id="ragged-rows-padded"),
    pytest.param(  # junk, zero and negative spans count as 1
        "<table><tr><td colspan='x'>a</td><td rowspan=0>b</td><td colspan=-3>c</td></tr></table>",
        [["a", "b", "c"]], [], id="junk-spans"),
    pytest.param(
        "<table><thead><tr><th>项目</th><th>数量</th></tr></thead><tbody><tr><td>申请</td><td>218</td></tr></tbody></table>",
        [["项目", "数量"], ["申请", "218"]], [], id="thead-tbody-th"),
    pytest.param(  # tests/pages/extraction/02_…: "结果<br/>纠正" in a narrow cell reads 结果纠正
        "<table><tr><td><p>结果<br/>纠正</p></td><td><p>Total<br>count</p></td></tr></table>",
        [["结果纠正", "Total count"]], [], id="cell-br-cjk-joined-latin-spaced"),
    pytest.param(  # Word cells: MsoNormal paragraphs, &nbsp;, <o:p>
        "<table><tr><td><p class=MsoNormal><span>行政</span><span>许可<o:p></o:p></span></p></td>"
        "<td><p class=MsoNormal>&nbsp;4529&nbsp;<o:p></o:p></p></td></tr></table>",
        [["行政许可", "4529"]], [], id="word-cell-markup"),
    pytest.param(
        "<table><tr><td>外<table><tr><td>内</td></tr></table></td></tr></table>",
        [["外"]], [], id="nested-table-text-left-out"),
    pytest.param("<table></table>", [], [], id="empty-table"),
]


@pytest.mark.parametrize("html, rows, spans", GRID_CASES)
def test_table_grid(html, rows, spans):
    grid = table_grid(first_table(html))
    assert grid["rows"] == rows
    assert grid["spans"] == spans
    assert grid["n_rows"] == len(rows)
    assert all(len(row) == grid["n_cols"] for row in rows)


def test_table_grid_keeps_caption_and_index():
    grid = table_grid(first_table("<table><caption>表一</caption><tr><td>a</td></tr></table>"), index=3)
    assert (grid["index"], grid["caption"]) == (3, "表一")
    assert table_lines(grid) == ["表一", "a"]


def test_table_lines_one_line_per_row_and_skip_empty_rows():
    grid = {"caption": None, "rows": [["a", "b"], ["", ""], ["c", ""]]}
    assert table_lines(grid) == ["a | b", "c | "]


HOSTILE_CASES = [
    pytest.param("<table><tr><td colspan=99999 rowspan=99999>x</td></tr><tr><td>y</td></tr></table>", id="huge-spans"),
    pytest.param("<table>" + "<tr>" + "<td colspan=100>x</td>" * 300 + "</tr>" * 50 + "</table>", id="cell-flood"),
]


@pytest.mark.parametrize("html", HOSTILE_CASES)
def test_hostile_tables_are_capped(html):
    grid = table_grid(first_table(html))
    assert grid["n_cols"] <= MAX_CELLS and grid["n_rows"] * grid["n_cols"] <= MAX_CELLS * 2
    assert all(span[2] <= MAX_SPAN and span[3] <= MAX_SPAN for span in grid["spans"])
    assert all(len(row) == grid["n_cols"] for row in grid["rows"])


LAYOUT_CASES = [
    pytest.param("<table><tr><td><p>正文</p><table><tr><td>a</td><td>b</td></tr></table></td></tr></table>", True, id="wraps-a-table"),
    pytest.param("<table><tr><td>整篇正文在一个单元格里</td></tr></table>", True, id="single-cell"),
    pytest.param("<table role=presentation><tr><td>a</td><td>b</td></tr></table>", True, id="role-presentation"),
    pytest.param("<table><tr><td>a</td><td>b</td></tr></table>", False, id="data-table"),
]


@pytest.mark.parametrize("html, expected", LAYOUT_CASES)
def test_is_layout_table(html, expected):
    assert is_layout_table(first_table(html)) is expected


SPACE_CASES = [
    pytest.param("\u3000\u3000一、总体情况", "一、总体情况", id="ideographic-indent"),
    pytest.param("2023年度\u00a0\u00a0报告", "2023年度 报告", id="nbsp-run"),
    pytest.param("公开，\n  办理", "公开，办理", id="source-newline-between-cjk"),
    pytest.param("Total\ncount", "Total count", id="newline-between-latin"),
    pytest.param("全角，标点（保留）１２３", "全角，标点（保留）１２３", id="never-nfkc"),
    pytest.param("a\x00b\x01c", "abc", id="control-characters"),
]


@pytest.mark.parametrize("text, expected", SPACE_CASES)
def test_normalize_space(text, expected):
    assert normalize_space(text) == expected


def test_cell_text_skips_script_and_style():
    cell = lxml.html.fromstring("<td>数<script>var x=1;</script><style>p{}</style>据</td>")
    assert cell_text(cell) == "数据"
