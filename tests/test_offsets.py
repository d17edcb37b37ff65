"""Quotes say where they are in the original file: offsets and line (txt, md, html), page (PDF), paragraph (DOCX)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_document, split_sentences
from rag.cli import cli
from rag.documents import clean_text_mapped, load_corpus, load_document, offset_runs
from rag.formats import read_text
from rag.schema import Document, Quote

from .test_formats import PDF_PAGES, make_docx, make_pdf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def _assert_located(doc: Document, original: str, start: int, end: int, markup=lambda s: s) -> Quote:
    """The quote's file offsets slice out the same text from the decoded file, whitespace aside."""
    q = Quote.from_document(doc, start, end)
    assert q.file_start is not None and q.file_end is not None and q.line is not None
    piece = original[q.file_start : q.file_end]
    assert _squash(markup(piece)) == _squash(q.text), (q.text, piece)
    assert original.count("\n", 0, q.file_start) + 1 == q.line or "\r" in original
    return q


def _assert_covered(doc: Document, original: str, start: int, end: int) -> None:
    """A span over several lines: its file range starts and ends on its own first and last characters and
    holds all of its text in order (and the furniture lines that cleaning dropped in between)."""
    q = Quote.from_document(doc, start, end)
    piece = original[q.file_start : q.file_end]
    assert piece[0] == q.text[0] and piece[-1] == q.text[-1]
    rest = iter(_squash(piece))
    assert all(ch in rest for ch in _squash(q.text))  # a subsequence


def _all_spans(doc: Document):
    """Every line and sentence of a document: what a quote can be (quotes never cross a line)."""
    for m in re.finditer(r"[^\n]+", doc.text):
        yield m.start(), m.end()
    for s in split_sentences(doc.text):
        yield s.start, s.end


def test_every_seed_line_and_sentence_slices_the_original_file_and_chunks_are_covered():
    docs, _ = load_corpus([SEEDS])
    assert len(docs) == 5
    for doc in docs:
        original, _ = read_text(SEEDS / doc.source)
        n = 0
        for a, b in _all_spans(doc):
            _assert_located(doc, original, a, b)
            n += 1
        assert n > 20
        for c in chunk_document(doc):
            _assert_covered(doc, original, c.start, c.end)


FURNITURE = (
    "\ufeff澎湃Logo\r\n下载客户端\r\n\r\n清河镇修路记\r\n\r\n——副标题在这里\r\n\r\n"
    "记者 王安\r\n"
    "这一段正文写到一半的时候被页面排版硬生生地\r\n\r\n分成两行了，全镇修路12公里。\r\n"
    "  清河镇\u3000\u3000卫生院\u00a0有病床60张。  \r\n"
    "何村党支部书记\r\n\r\n史安民:\r\n我们村有21户。\r\n\r\n\r\n图为修好的路\r\n\r\n\r\n"
    "沪ICP备14003370号\r\n最后一段\t结束。"
)


def test_furniture_spaces_and_repaired_breaks_keep_their_file_offsets(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(FURNITURE.encode("utf-8"))  # BOM and CRLF as a Windows editor writes them
    doc = load_document(path)
    original, _ = read_text(path)
    assert "分成两行了" in doc.text and "Logo" not in doc.text and "图为" not in doc.text
    for a, b in _all_spans(doc):
        _assert_located(doc, original, a, b)
    i = doc.text.index("有病床60张")
    q = Quote.from_document(doc, i, i + 6)
    file_lines = original.split("\r\n")
    assert original[q.file_start : q.file_end] == "有病床60张"
    assert q.line == 12 and "有病床60张" in file_lines[12 - 1]
    assert q.where() == f"第 12 行, 字符 {q.file_start}–{q.file_end}"
    # a span across a repaired line break covers both halves in the file
    i = doc.text.index("硬生生地分成")
    q = Quote.from_document(doc, i, i + 6)
    assert original[q.file_start : q.file_end] == "硬生生地\r\n\r\n分成"
    assert q.line == 9 and file_lines[9 - 1].endswith("硬生生地")


def test_html_offsets_point_into_the_page_source(tmp_path):
    page = (
        "<html><head><title>t</title><style>p{}</style></head>\n<body><nav>首页</nav>\n"
        "<h1>清河镇&nbsp;图书馆</h1>\n<p>清河镇图书馆藏书<b>3万</b>册，\n年接待读者&amp;游客2000人次。</p>\n"
        "<table><tr><td>阅览室</td><td>4个</td></tr></table></body></html>"
    )
    path = tmp_path / "p.html"
    path.write_text(page, encoding="utf-8")
    doc = load_document(path)
    assert "清河镇图书馆藏书3万册，" in doc.text and "阅览室 4个" in doc.text and "首页" not in doc.text
    assert doc.title == "清河镇 图书馆"

    def visible(s: str) -> str:
        return html.unescape(re.sub(r"<[^>]*>", "", s))

    for a, b in _all_spans(doc):
        _assert_located(doc, page, a, b, markup=visible)
    i = doc.text.index("藏书3万册")
    q = Quote.from_document(doc, i, i + 5)
    assert page[q.file_start : q.file_end] == "藏书<b>3万</b>册" and q.line == 4


def test_markdown_offsets(tmp_path):
    source = "# 标题\n\n清河镇今年接待游客**12万人次**，\n旅游收入3600万元。\n\n- 第一项 `代码` 与 \\*星号\\*\n"
    path = tmp_path / "a.md"
    path.write_text(source, encoding="utf-8")
    doc = load_document(path)
    for a, b in _all_spans(doc):
        _assert_located(doc, source, a, b, markup=lambda s: re.sub(r"\*\*|`|\\|^- ", "", s))
    i = doc.text.index("12万人次")
    q = Quote.from_document(doc, i, i + 5)
    assert source[q.file_start : q.file_end] == "12万人次" and q.line == 3


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="清河镇修路公里村民委员会12，。、 \u3000\u00a0\t", min_size=0, max_size=40),
            st.sampled_from(["\n", "\r\n", "\n\n", "\r", "\n\n\n"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_cleaned_characters_map_back_to_their_own_characters(parts):
    raw = "".join(text + sep for text, sep in parts)
    text, origin = clean_text_mapped(raw)
    assert len(origin) == len(text) and origin == sorted(set(origin))
    for i, ch in enumerate(text):
        if ch not in " \n":
            assert raw[origin[i]] == ch


def test_offset_runs_and_lookup():
    assert offset_runs([0, 1, 2, 5, 6, 9]) == [(0, 0, 3), (3, 5, 2), (5, 9, 1)]
    doc = Document(id="a.txt", source="a.txt", title="t", text="abc\nde", sha256="x", file_map=[(0, 0, 4), (4, 7, 2)])
    assert [doc.file_offset(i) for i in range(6)] == [0, 1, 2, 3, 7, 8]
    assert doc.file_offset(6) is None


def test_quotes_of_an_index_without_maps_fall_back_to_text_offsets():
    old = Document(id="a.txt", source="a.txt", title="t", text="清河镇有病床60张。", sha256="x")
    q = Quote.from_document(old, 3, 9)
    assert (q.file_start, q.file_end, q.line, q.page, q.paragraph) == (None,) * 5
    assert q.where() == "字符 3–9"


def test_pdf_and_docx_locations(tmp_path):
    pdf = load_document(make_pdf(tmp_path / "r.pdf", PDF_PAGES))
    i = pdf.text.index("卫生院")
    q = Quote.from_document(pdf, i, i + 3)
    assert (q.page, q.line, q.file_start, q.where()) == (2, None, None, "第 2 页")
    # a sentence carried over a page break is located on the page where it starts
    two_pages = [["甲" * 30 + "一句话从第一页", "甲" * 30 + "写到了页面底部"], ["继续写在第二页。", "第二页的句子。"]]
    pdf2 = load_document(make_pdf(tmp_path / "r2.pdf", [two_pages[0] + ["甲" * 30], two_pages[1]]))
    i = pdf2.text.index("继续写在")
    assert Quote.from_document(pdf2, i, i + 4).page == 2
    assert Quote.from_document(pdf2, 0, 4).page == 1
    docx = load_document(make_docx(tmp_path / "r.docx"))
    i = docx.text.index("藏书8600册")
    q = Quote.from_document(docx, i, i + 7)
    assert (q.paragraph, q.where()) == (9, "第 9 段")


def test_cli_prints_and_json_includes_the_file_location(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    text = "白水村年度报告\n\n\n白水村有耕地3200亩。\n"
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    make_pdf(corpus / "report.pdf", PDF_PAGES)
    index = ["--index-dir", str(tmp_path / "i"), "--embedder", "hash-test"]
    runner = CliRunner()
    assert runner.invoke(cli, ["index", str(corpus), *index]).exit_code == 0
    out = runner.invoke(cli, ["ask", "清河镇修建道路多少公里", *index]).output
    assert "— report.pdf, 第 1 页" in out
    start = text.index("白水村有耕地")
    out = runner.invoke(cli, ["ask", "白水村有多少亩耕地", *index]).output
    assert f"— a.txt, 第 4 行, 字符 {start}–{start + 12}" in out
    data = json.loads(runner.invoke(cli, ["ask", "白水村有多少亩耕地", "--json", *index]).output)
    q = data["quotes"][0]
    assert (q["line"], q["page"], q["paragraph"]) == (4, None, None)
    assert text[q["file_start"] : q["file_end"]] == q["text"] == "白水村有耕地3200亩。"
