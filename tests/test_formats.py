"""PDF, Word and Markdown files made here, loaded, indexed and answered, each quote located in its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant, build_index
from rag.chunking import chunk_document
from rag.config import Settings
from rag.documents import load_corpus, load_document, radical_table
from rag.errors import DocumentError
from rag.formats import markdown_lines, pdf_lines

# ---------------------------------------------------------------------------- files made in the tests


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with a text layer: each page's lines drawn in reportlab's built-in Chinese CID font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            c.drawString(60, y, line)
            y -= 18
        c.showPage()
    c.save()
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A 'scan': pages with a drawn picture and no text layer."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.showPage()  # and an empty page
    c.save()
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("清河镇教育工作总结", level=1)
    d.add_paragraph("清河镇共有小学5所，在校学生1200人。")
    d.add_paragraph("")
    d.add_heading("师资队伍", level=2)
    d.add_paragraph("全镇共有教师86名，年龄平均38岁。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "学校"
    table.cell(0, 1).text = "图书藏量"
    table.cell(1, 0).text = "清河镇中心小学图书室"
    table.cell(1, 1).text = "藏书 8600册"  # a space beside a Chinese character inside a cell: dropped
    d.add_paragraph("以上数据截至2023年底。")
    names = d.add_table(rows=1, cols=2)
    names.cell(0, 0).text = "校长"
    names.cell(0, 1).text = "唐 敏"  # a padded two-character name: one cell, written without the space
    d.save(str(path))
    return path


MARKDOWN = """# 清河镇旅游发展情况

清河镇今年接待游客**12万人次**，旅游收入达到
3600万元。

## 主要做法

- 举办桃花节，吸引游客2万人次
- 新建*停车场 3 个*

全镇共有民宿45家。

```
print("代码块里的文字")
```
"""

PDF_PAGES = [
    [
        "清河镇年度工作报告",
        "清河镇今年共修建道路12公里，新建桥梁3座，完成",
        "了全部的年度建设任务。全镇共有村民委员会8个。",
        "- 1 -",
    ],
    [
        "清河镇卫生院有病床60张，医生和护士共45名，",
        "服务周边三个乡镇的群众。",
        "2",
    ],
]


def _assistant(tmp_path: Path, *files: Path) -> Assistant:
    settings = Settings(index_dir=tmp_path / "index", embedder="hash-test")
    build_index([f.parent for f in files][:1], settings, show_progress=False)
    return Assistant.open(settings)


def _check_quote(assistant: Assistant, question: str, answer: str):
    result = assistant.ask(question)
    assert not result.abstained, result.explanation
    assert answer in result.answer
    q = result.quotes[0]
    doc = assistant.index.document(q.doc_id)
    assert doc.text[q.start : q.end] == q.text and answer in q.text
    return q


# ---------------------------------------------------------------------------- PDF
def test_pdf_pages_are_kept_in_quotes(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    make_pdf(corpus / "report.pdf", PDF_PAGES)
    doc = load_document(corpus / "report.pdf")
    assert doc.format == "pdf" and doc.title == "清河镇年度工作报告"
    assert "- 1 -" not in doc.text and "\n2" not in doc.text  # page numbers are furniture
    # lines broken mid-sentence are joined, also where each line is short
    assert "新建桥梁3座，完成了全部的年度建设任务。" in doc.text
    assert "医生和护士共45名，服务周边三个乡镇的群众。" in doc.text
    assistant = _assistant(tmp_path, corpus / "report.pdf")
    q = _check_quote(assistant, "清河镇卫生院有多少张病床", "60张")
    assert q.page == 2 and q.file_start is None and q.line is None
    assert _check_quote(assistant, "清河镇修建道路多少公里", "12公里").page == 1
    assert [(r["format"], r["pages"]) for r in assistant.documents()] == [("pdf", 2)]  # `rag docs` lists pages


def test_pdf_with_kangxi_radicals_answers_a_question_typed_normally(tmp_path):
    # ⽩ U+2F69 (Kangxi WHITE), ⽔ U+2F54 (WATER), ⻄ U+2EC4 (radical supplement WEST TWO), ⺠ U+2EA0 (CIVILIAN)
    corpus = tmp_path / "docs"
    corpus.mkdir()
    make_pdf(corpus / "radicals.pdf", [["\u2f69\u2f54村位于清河镇\u2ec4部，全村村\u2ea0共有860人。"]])
    doc = load_document(corpus / "radicals.pdf")
    assert "白水村位于清河镇西部，全村村民共有860人。" in doc.text
    q = _check_quote(_assistant(tmp_path, corpus / "radicals.pdf"), "白水村村民有多少人", "860人")
    assert q.page == 1


def test_radical_table():
    table = radical_table()
    assert table["\u2f69"] == "白" and table["\u2ea0"] == "民" and table["\u2ec4"] == "西"
    assert table["\u2eab"] == "目" and table["\u2ecc"] == table["\u2ece"] == "辶"
    assert "\u2e80" not in table and "\u2e9a" not in table  # no equivalent ideograph
    assert all(0x2E80 <= ord(k) <= 0x2FDF for k in table)
    assert len([k for k in table if ord(k) >= 0x2F00]) == 214  # every Kangxi radical


def test_scanned_pdf_is_skipped_with_its_message(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    make_image_only_pdf(corpus / "scan.pdf")
    (corpus / "ok.txt").write_text("清河镇有小学5所。", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"scan\.pdf: no text layer \(a scanned PDF\?\); run OCR first"):
        load_document(corpus / "scan.pdf")
    docs, warnings = load_corpus([corpus])
    assert [d.id for d in docs] == ["ok.txt"] and "no text layer" in warnings[0]


def test_damaged_pdf_and_docx_say_so(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4 garbage")
    (tmp_path / "x.docx").write_bytes(b"not a zip")
    with pytest.raises(DocumentError, match=r"x\.pdf: not a readable PDF"):
        load_document(tmp_path / "x.pdf")
    with pytest.raises(DocumentError, match=r"x\.docx: not a readable Word \.docx file"):
        load_document(tmp_path / "x.docx")


def test_pdf_line_joining_rules():
    body = "这是一行排满了整个版面宽度的中文正文内容没有结束"
    pages = [
        [body, body + "还在继续", "最后一行结束了。", "短标题", "下一段开头的句子写完了。", "第 1 页"],
        ["续上一页的句子写完了。"],
    ]
    lines = pdf_lines(["\n".join(p) for p in pages])
    text = lines.text
    assert text.split("\n") == [
        body + body + "还在继续最后一行结束了。",
        "短标题",
        "下一段开头的句子写完了。",
        "续上一页的句子写完了。",
    ]
    assert lines.marks["page"] == [(0, 1), (text.index("续上一页"), 2)]


# ---------------------------------------------------------------------------- Word
def test_docx_headings_tables_and_paragraph_numbers(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    make_docx(corpus / "report.docx")
    doc = load_document(corpus / "report.docx")
    assert doc.title == "清河镇教育工作总结" and doc.format == "docx"
    assert doc.text.split("\n") == [
        "清河镇教育工作总结",
        "清河镇共有小学5所，在校学生1200人。",
        "师资队伍",
        "全镇共有教师86名，年龄平均38岁。",
        "学校 图书藏量",
        "清河镇中心小学图书室 藏书8600册",
        "以上数据截至2023年底。",
        "校长 唐敏",
    ]
    assert [doc.text[i:].split("\n")[0] for i in doc.headings] == ["清河镇教育工作总结", "师资队伍"]
    sections = {c.section for c in chunk_document(doc) if "86名" in c.text}
    assert sections == {"师资队伍"}
    assistant = _assistant(tmp_path, corpus / "report.docx")
    # paragraphs: 1 heading, 2 text, 3 empty, 4 heading, 5 text, 6-9 the table's cells, 10 text
    assert _check_quote(assistant, "全镇有多少名教师", "86名").paragraph == 5
    assert _check_quote(assistant, "清河镇中心小学图书室藏书多少册", "8600册").paragraph == 8


def test_long_docx_heading_starts_a_section(tmp_path):
    import docx

    d = docx.Document()
    long_heading = "关于清河镇二〇二三年度农村公路建设养护工作情况和下一步打算的报告"
    d.add_heading(long_heading, level=1)
    d.add_paragraph("全年新建农村公路18公里。")
    d.add_heading("\u3000\u3000二、下一步打算：继续推进农村公路提档升级和日常养护工作", level=2)  # indented
    d.add_paragraph("明年计划新建农村公路20公里。")
    d.save(str(tmp_path / "a.docx"))
    doc = load_document(tmp_path / "a.docx")
    assert len(long_heading) > 30 and len(doc.headings) == 2 and doc.headings[0] == 0
    sections = [c.section for c in chunk_document(doc)]
    assert sections[0] == long_heading and sections[-1] == "二、下一步打算：继续推进农村公路提档升级和日常养护工作"


# ---------------------------------------------------------------------------- Markdown
def test_markdown_is_plain_text_with_lines_per_block(tmp_path):
    text = markdown_lines(MARKDOWN).raw
    assert text.split("\n") == [
        "清河镇旅游发展情况",
        "清河镇今年接待游客12万人次，旅游收入达到 3600万元。",
        "主要做法",
        "举办桃花节，吸引游客2万人次",
        "新建停车场 3 个",
        "全镇共有民宿45家。",
    ]
    for markup in ("#", "**", "- ", "*", "```", "代码块"):
        assert markup not in text
    assert markdown_lines("第一句在这一行\n第二行接着写。").raw == "第一句在这一行第二行接着写。"
    assert markdown_lines("| 项目 | 数量 |\n|---|---|\n| 民宿 | 45家 |\n").raw == "项目 数量\n民宿 45家"


def test_markdown_indexed_and_answered(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "tour.md").write_text(MARKDOWN, encoding="utf-8")
    doc = load_document(corpus / "tour.md")
    assert doc.title == "清河镇旅游发展情况" and len(doc.headings) == 2
    assistant = _assistant(tmp_path, corpus / "tour.md")
    q = _check_quote(assistant, "清河镇有多少家民宿", "45")
    lines = MARKDOWN.splitlines()
    assert q.line == lines.index("全镇共有民宿45家。") + 1 == 11
    assert MARKDOWN[q.file_start : q.file_end] == "全镇共有民宿45家。"
    q = _check_quote(assistant, "桃花节吸引游客多少人次", "2万人次")
    assert q.line == lines.index("- 举办桃花节，吸引游客2万人次") + 1 == 8
    assert MARKDOWN[q.file_start : q.file_end] == "举办桃花节，吸引游客2万人次"


# ---------------------------------------------------------------------------- HTML
def test_html_blocks_are_lines_and_inline_tags_are_not(tmp_path):
    long_heading = "西安脱贫故事丨高陵区:党建引领乡村振兴 产业助力脱贫攻坚和乡村建设"
    page = (
        f"<html><body>\n  <h2>{long_heading}</h2>\n\n"
        "  <p>\n    高陵区今年共有<b>340</b>户\n    脱贫。\n  </p>\n\n\n  <p>短段落</p>\n"
        "  <p>Line one\n  goes on.</p>\n</body></html>"
    )
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "a.html")
    assert doc.text.split("\n") == [long_heading, "高陵区今年共有340户脱贫。", "短段落", "Line one goes on."]
    assert doc.headings == [0] and chunk_document(doc)[0].section == long_heading


def test_a_table_cell_keeps_no_space_between_chinese_characters():
    """唐 敏 and 文化中心 一楼 多功能厅 are one cell each: a space inside a cell would read as a cell boundary and move
    the cells after it under the wrong column. Spaces elsewhere, and between other characters, stay."""
    from rag.formats import html_to_text, markdown_lines

    md = (
        "| 课程 | 老师 | 地点 | 时间 | 电话 |\n|---|---|---|---|---|\n"
        "| 英语口语 | 唐 敏 | 文化中心 一楼 多功能厅 | 周一 9:30 | 0571-8826 3175 |\n\n欢迎 报名。\n"
    )
    extracted = markdown_lines(md)
    assert extracted.raw.splitlines()[1] == "英语口语 唐敏 文化中心一楼多功能厅 周一9:30 0571-8826 3175"
    assert extracted.raw.splitlines()[2] == "欢迎 报名。"  # prose keeps its spaces
    line = extracted.raw.splitlines()[1]
    at = line.index("唐敏") + extracted.raw.index(line)
    assert md[extracted.origin[at]] == "唐" and md[extracted.origin[at + 1]] == "敏"  # offsets still point at the file
    html = (
        "<table><tr><th>课程</th><th>老师</th><th>时间</th></tr><tr><td>英语口语</td><td>唐 敏</td>"
        "<td>周一 9:30</td></tr></table><p>欢迎 报名</p>"
    )
    # the space between cells stays
    assert html_to_text(html)[0].splitlines()[1:] == ["英语口语 唐敏 周一9:30", "欢迎 报名"]
