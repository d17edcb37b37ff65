"""The web chat: handlers in-process and a real gradio_client against `rag ui` (the HTTP API, access control and
the browser tests are in test_web.py)."""

import json
import os
import re
import tempfile

import pytest

from rag.assistant import Assistant
from rag.config import Settings

gr = pytest.importorskip("gradio")
from ui.app import CORPUS_FOLDER, ChatUI, safe_upload_name  # noqa: E402

from .conftest import UI_PASSWORD, UI_USER  # noqa: E402

NEW_DOC = "灞桥区新筑街道今年帮扶了27个村，投入资金360万元。\n新筑街道党工委书记王建国介绍了经验。\n"


@pytest.fixture
def ui(index_copy):
    return ChatUI(Assistant.open(Settings(index_dir=index_copy)))


def test_answer_with_citation_and_highlight(ui):
    _, chat, questions, data, choices, source, hits = ui.answer("碑林区帮扶了多少个村", [], [])
    assert chat[-1]["role"] == "assistant" and "11个（蓝田县11个行政村）" in chat[-1]["content"]
    assert "[1] «碑林区承担蓝田县11个行政村" in chat[-1]["content"]
    assert questions == ["碑林区帮扶了多少个村"]
    assert choices["choices"] == ["[1] 根据省、市脱贫攻坚安排部署,碑林区承担… · 第 1 行, 字符 14–47"]
    assert choices["visible"] is False  # one citation: no picker, its passage is shown
    assert "<mark>碑林区承担蓝田县11个行政村驻村联户帮扶任务及丹凤县对口帮扶任务。</mark>" in source
    assert "字符 14–47" in source and "根据省、市脱贫攻坚安排部署" in source
    assert "向量检索" in hits and "BM25" in hits and "第 1 名（" in hits
    assert "<table" not in hits  # wrapped blocks, readable on a phone
    assert "理解为" not in chat[-1]["content"]  # nothing was rewritten
    assert ui.source_html(choices["choices"][0], data) == source


def test_follow_up_uses_the_conversation(ui):
    _, chat, questions, *_ = ui.answer("碑林区帮扶了多少个村", [], [])
    _, chat, questions, data, *_ = ui.answer("那雁塔区呢？", chat, questions)
    assert data["resolved_question"] == "雁塔区帮扶了多少个村"
    assert data["answer"].startswith("14个") and "（理解为：雁塔区帮扶了多少个村）" in chat[-1]["content"]


def test_rewrite_note_only_when_the_question_was_rewritten(ui):
    for question in ("碑林区帮扶了多少个村？", "碑林區幫扶了多少個村"):  # a 「？」 or the script is no rewrite
        _, chat, *_ = ui.answer(question, [], [])
        assert "理解为" not in chat[-1]["content"], question
    _, chat, *_ = ui.answer("How many villages did Beilin District help?", [], [])
    assert "（理解为：" in chat[-1]["content"]  # a translation is


def test_follow_up_with_nothing_to_follow_asks_what_it_means(ui):
    _, chat, questions, data, _, source, _ = ui.answer("那雁塔区呢？", [], [])
    assert data["abstained"] and data["explanation"]["abstain_reason"] == "needs_context"
    assert "雁塔区" in chat[-1]["content"] and "问完整" in chat[-1]["content"] and not data["quotes"]
    assert questions == []  # it is not remembered as a subject to follow
    assert "您想問“雁塔區”" in ui.api_ask("那雁塔區呢？")["answer"]  # asked in traditional script, answered so
    assert "资料中没有找到" not in source
    # after a real question the same words are a follow-up again
    _, chat, questions, *_ = ui.answer("碑林区帮扶了多少个村", chat, questions)
    *_, data, _, _, _ = ui.answer("那雁塔区呢？", chat, questions)
    assert data["answer"].startswith("14个")


def test_reset_forgets_the_conversation(ui):
    _, chat, questions, *_ = ui.answer("碑林区帮扶了多少个村", [], [])
    _, chat, questions, data, choices, _, hits = ui.reset()
    assert (chat, questions, data, hits) == ([], [], None, "") and choices["choices"] == []
    *_, data, _, _, _ = ui.answer("那雁塔区呢？", chat, questions)
    assert data["explanation"]["abstain_reason"] == "needs_context"


def test_long_question_gets_a_short_chinese_message(ui):
    question = "碑林区" * 3000
    _, chat, questions, data, *_ = ui.answer(question, [], [])
    assert data is None and questions == []
    assert chat[-1]["content"] == "无法回答：问题太长（9000 字），请控制在 500 字以内。"
    assert len(chat[-2]["content"]) < 100  # the question is shown cut, not echoed


def test_abstention_is_shown_as_such(ui):
    _, chat, _, data, choices, source, _ = ui.answer("长安区帮扶了多少个村", [], [])
    assert data["abstained"] and "资料中没有找到" in chat[-1]["content"]
    assert "相关段落（不作为依据）" in chat[-1]["content"]
    assert "不作为答案依据" in source and "<mark>" not in source
    assert choices["choices"] == []


def test_settings_are_applied(ui):
    *_, data, _, _, _ = ui.answer("碑林区帮扶了多少个村", [], [], top_k=2, hybrid=False, threshold=0.35)
    assert len(data["hits"]) == 2 and all(h["lexical_rank"] is None for h in data["hits"])
    *_, strict, _, _, _ = ui.answer("碑林区帮扶了多少个村", [], [], top_k=5, hybrid=True, threshold=1.0)
    assert strict["abstained"] or strict["confidence"] >= 1.0


def test_empty_and_bad_questions(ui):
    assert ui.answer("   ", [], [])[1] == []
    _, chat, *_ = ui.answer("🙂🙂", [], [])
    assert chat[-1]["content"] == "无法回答：问题里没有文字（只有符号或表情），请用文字提问。"


def test_same_answer_as_the_cli(ui, index_copy):
    from click.testing import CliRunner

    from rag.cli import cli

    cli_out = json.loads(
        CliRunner()
        .invoke(cli, ["ask", "岚皋县累计完成森林抚育补贴项目多少亩", "--json", "--index-dir", str(index_copy)])
        .output
    )
    api_out = ui.api_ask("岚皋县累计完成森林抚育补贴项目多少亩")
    assert api_out["answer"] == cli_out["answer"] and api_out["quotes"] == cli_out["quotes"]


def test_upload_makes_a_document_answerable(ui, tmp_path, index_copy):
    f = tmp_path / "新筑 街道 报道.txt"
    f.write_text(NEW_DOC, encoding="gb18030")
    before = len(ui.assistant.index.documents)
    status = ui.upload([str(f)])
    assert status.startswith("已加入") and "新筑_街道_报道.txt" in status
    assert len(ui.assistant.index.documents) == before + 1
    stored = index_copy / CORPUS_FOLDER / "新筑_街道_报道.txt"
    assert stored.is_file()
    *_, data, _, source, _ = ui.answer("灞桥区新筑街道帮扶了多少个村", [], [])
    assert data["answer"].startswith("27个")
    assert data["quotes"][0]["source"] == f"{CORPUS_FOLDER}/新筑_街道_报道.txt"
    assert "<mark>" in source
    # the upload survived on disk: a fresh process would load it
    from rag.index import Index

    manifest = Index.load(index_copy).manifest  # (the base's manifest and the delta segments' records)
    assert manifest["documents"]["upload:新筑_街道_报道.txt"]["source"] == "corpus/新筑_街道_报道.txt"


SAME_NAME = {
    "xss.txt": "清河镇卫生院新大楼共有5层。清河镇卫生院有病床60张。",
    "xss.html": "<html><body><h1>清河镇图书馆</h1><p>清河镇图书馆藏书3万册。</p></body></html>",
}


def _same_name_files(tmp_path) -> list[str]:
    paths = []
    for name, text in SAME_NAME.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    return paths


def _both_answerable_and_index_sound(ui, index_copy):
    from rag.index import Index

    index = Index.load(index_copy)  # verifies checksums
    assert {"upload:xss.txt", "upload:xss.html"} <= set(index.documents)
    for c in index.chunks:
        assert index.document(c.doc_id).text[c.start : c.end] == c.text
    assert ui.api_ask("清河镇卫生院有多少张病床")["answer"].startswith("60张")
    assert ui.api_ask("清河镇图书馆藏书多少册")["answer"].startswith("3万")


def test_same_name_uploads_together(ui, tmp_path, index_copy):
    assert ui.upload(_same_name_files(tmp_path)).startswith("已加入")
    _both_answerable_and_index_sound(ui, index_copy)


def test_same_name_uploads_one_after_the_other(ui, tmp_path, index_copy):
    txt, html = _same_name_files(tmp_path)
    assert ui.upload([txt]).startswith("已加入") and ui.upload([html]).startswith("已加入")
    _both_answerable_and_index_sound(ui, index_copy)
    restarted = ChatUI(Assistant.open(Settings(index_dir=index_copy)))  # and after a restart
    assert restarted.api_ask("清河镇图书馆藏书多少册")["answer"].startswith("3万")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"\x00\x01\x02\x03", "binary.txt：看起来是二进制文件，不是文本。"),
        ("slides.ppt", b"\xd0\xcf\x11\xe0", "slides.ppt：不支持的文件类型"),
        ("slides.pdf", b"%PDF-1.4", "slides.pdf：不是可读取的 PDF 文件"),
        ("empty.txt", b"   \n", "empty.txt：清理后没有正文（空文件？）。"),
    ],
)
def test_bad_uploads_change_nothing(ui, tmp_path, index_copy, name, content, message):
    f = tmp_path / name
    f.write_bytes(content)
    manifest = (index_copy / "manifest.json").read_text(encoding="utf-8")
    status = ui.upload([str(f)])
    assert status.startswith("上传失败，索引未改动：") and message in status
    assert tempfile.gettempdir() not in status and str(tmp_path) not in status  # never a server path
    assert not re.search(r"(?<!\.)\b[A-Za-z]{4,}", status.replace(name, ""))  # no English but names and suffixes
    assert (index_copy / "manifest.json").read_text(encoding="utf-8") == manifest
    assert not (index_copy / CORPUS_FOLDER).exists()


def test_oversized_upload_is_refused(index_copy, tmp_path):
    small = ChatUI(Assistant.open(Settings(index_dir=index_copy, max_file_mb=0.001)))
    f = tmp_path / "big.txt"
    f.write_text("很长的文章。" * 500, encoding="utf-8")
    assert "big.txt：文件超过 0.001 MB 的上限。" in small.upload([str(f)]) and not (index_copy / CORPUS_FOLDER).exists()


def test_read_only_refuses_uploads_and_removals(index_copy, tmp_path):
    from rag.access import Access

    ro = ChatUI(Assistant.open(Settings(index_dir=index_copy)), Access(read_only=True))
    f = tmp_path / "a.txt"
    f.write_text(NEW_DOC, encoding="utf-8")
    manifest = (index_copy / "manifest.json").read_text(encoding="utf-8")
    assert "只读模式" in ro.upload([str(f)])
    assert (
        "只读模式" in ro.remove(["001_ad83b76884cea2bc.txt"])
        and ro.ask_remove(["001_ad83b76884cea2bc.txt"])[1] is False
    )
    assert (index_copy / "manifest.json").read_text(encoding="utf-8") == manifest
    assert ro.api_ask("碑林区帮扶了多少个村")["answer"].startswith("11个")  # asking still works


def test_pdf_docx_and_markdown_uploads_are_answerable_with_their_locations(tmp_path):
    from rag.assistant import build_index

    from .test_formats import MARKDOWN, PDF_PAGES, make_docx, make_pdf

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "seed.txt").write_text("白水村有耕地3200亩。", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", embedder="hash-test")
    build_index([corpus], settings, show_progress=False)
    ui = ChatUI(Assistant.open(settings))
    up = tmp_path / "up"
    up.mkdir()
    (up / "旅游 情况.md").write_text(MARKDOWN, encoding="utf-8")
    files = [make_pdf(up / "报告.pdf", PDF_PAGES), make_docx(up / "教育.docx"), up / "旅游 情况.md"]
    status = ui.upload([str(f) for f in files])
    assert status.startswith("已加入") and "报告.pdf" in status and "教育.docx" in status
    assert (tmp_path / "index" / CORPUS_FOLDER / "报告.pdf").is_file()
    for question, answer, where in [
        ("清河镇卫生院有多少张病床", "60张", "第 2 页"),
        ("清河镇中心小学图书室藏书多少册", "8600册", "第 8 段"),
        ("清河镇有多少家民宿", "45家", "第 11 行"),
    ]:
        _, chat, _, data, _, source, _ = ui.answer(question, [], [])
        assert answer in data["answer"], data
        assert where in chat[-1]["content"] and where in source
        q = data["quotes"][0]
        assert ui.assistant.index.document(q["doc_id"]).text[q["start"] : q["end"]] == q["text"]


def test_file_names_are_sanitised():
    assert safe_upload_name("../../etc/evil.txt") == "evil.txt"
    assert safe_upload_name("..\\..\\evil.md") == "evil.md"
    assert safe_upload_name("报道 (1).HTML") == "报道_1.html"
    assert safe_upload_name("年报.PDF") == "年报.pdf" and safe_upload_name("总结.docx") == "总结.docx"
    with pytest.raises(Exception, match="unsupported"):
        safe_upload_name("a.exe")
    with pytest.raises(Exception, match="no usable characters"):
        safe_upload_name("....txt")


def test_untrusted_text_is_escaped(ui, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("测试县<script>alert(1)</script>共有42户贫困户。\n", encoding="utf-8")
    assert ui.upload([str(f)]).startswith("已加入")
    _, chat, _, data, _, source, hits = ui.answer("测试县共有多少户贫困户", [], [])
    assert "42户" in data["answer"]
    assert "<script>" not in source and "&lt;script&gt;" in source
    assert "<script>" not in chat[-1]["content"] and "<script>" not in hits


def test_serve_warms_up_and_sets_server_defaults(monkeypatch):
    """The server warms the assistant before it listens, and keeps Gradio's per-event extras cheap."""
    import uvicorn

    import ui.app as app
    import ui.server as server

    calls = {}
    for name in ("GRADIO_ANALYTICS_CACHE_FREQUENCY", "MPLBACKEND"):
        monkeypatch.setenv(name, "")  # records the original value, restored after the test
        monkeypatch.delenv(name)
    monkeypatch.setattr(app, "create_app", lambda settings, warm_up, **kw: calls.setdefault("warm_up", warm_up))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.setdefault("run", kw))
    server.serve(Settings(), port=7999)
    assert calls["warm_up"] is True and calls["run"]["port"] == 7999 and calls["run"]["host"] == "127.0.0.1"
    assert int(os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"]) > 1
    assert os.environ["MPLBACKEND"] == "agg"


def test_gradio_client_api(server):
    from gradio_client import Client

    client = Client(server, verbose=False, auth=(UI_USER, UI_PASSWORD))
    out = client.predict("碑林区帮扶了多少个村", [], api_name="/ask")
    assert out["answer"] == "11个（蓝田县11个行政村）"
    assert "蓝田县11个行政村" in out["quotes"][0]["text"] and out["quotes"][0]["start"] == 14
    follow = client.predict("那雁塔区呢？", ["碑林区帮扶了多少个村"], api_name="/ask")
    assert follow["answer"].startswith("14个")
    assert "问题是空的" in client.predict("", [], api_name="/ask")["error"]


def test_upload_api_same_name_files(server, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(server, verbose=False, auth=(UI_USER, UI_PASSWORD))
    status = client.predict([handle_file(p) for p in _same_name_files(tmp_path)], api_name="/upload")
    assert status.startswith("已加入"), status
    assert client.predict("清河镇卫生院有多少张病床", [], api_name="/ask")["answer"].startswith("60张")
    assert client.predict("清河镇图书馆藏书多少册", [], api_name="/ask")["answer"].startswith("3万")


def test_documents_panel_lists_and_removes_with_confirmation(ui, tmp_path, index_copy):
    txt, html = _same_name_files(tmp_path)
    assert ui.upload([txt, html]).startswith("已加入")
    ids = {i for _, i in ui.document_choices()}
    assert ids >= {"upload:xss.txt", "upload:xss.html", "001_ad83b76884cea2bc.txt"}
    rows = ui.documents_rows()
    assert ["清河镇图书馆", "corpus/xss.html", "html"] == rows[[r[1] for r in rows].index("corpus/xss.html")][:3]
    assert "看脱贫攻坚的雁塔力量" in {r[0] for r in rows}  # titles, not hash file names
    assert ("清河镇图书馆（corpus/xss.html）", "upload:xss.html") in ui.document_choices()
    message, show_confirm = ui.ask_remove(["upload:xss.html"])
    assert show_confirm and "corpus/xss.html" in message and "确认删除" in message
    assert "upload:xss.html" in ui.assistant.index.documents  # nothing removed before the confirmation
    assert ui.remove(["upload:xss.html"]).startswith("已删除 1 个文档")
    assert not (index_copy / CORPUS_FOLDER / "xss.html").exists()
    restarted = ChatUI(Assistant.open(Settings(index_dir=index_copy)))  # survives a restart
    assert "upload:xss.html" not in {i for _, i in restarted.document_choices()}
    assert restarted.api_ask("清河镇图书馆藏书多少册")["abstained"]
    assert ui.ask_remove([]) == ("请先选择要删除的文档。", False)
    assert ui.remove(["nope"]).startswith("删除失败")


def test_every_setting_has_help_text_and_read_only_hides_the_write_controls(ui):
    blocks = ui.build().blocks.values()
    settings = [b for b in blocks if isinstance(b, gr.Slider | gr.Checkbox)]
    assert len(settings) == 3 and all(b.info and len(b.info) > 10 for b in settings)
    from rag.access import Access

    ro = ChatUI(ui.assistant, Access(read_only=True)).build().blocks.values()
    upload = next(b for b in ro if getattr(b, "elem_id", None) == "upload-section")
    assert upload.visible is False
