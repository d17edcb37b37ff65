"""Gradio web chat: answers with numbered citations, the quoted span highlighted in its article, uploads.

Start it with ``rag ui``. Every answer goes through :meth:`rag.assistant.Assistant.ask`, so the web chat
answers exactly as the CLI does. Handlers are plain methods of :class:`ChatUI` (tested in-process);
:meth:`ChatUI.build` wires them to components.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from rag.assistant import Assistant
from rag.documents import SUPPORTED_SUFFIXES
from rag.errors import RagError
from rag.schema import Answer, Quote

log = logging.getLogger(__name__)

EXAMPLES = [
    "碑林区帮扶了多少个村",
    "岚皋县累计完成森林抚育补贴项目多少亩",
    "高陵区委书记是谁",
    "How many villages did Beilin District help?",
    "长安区帮扶了多少个村",
]
CORPUS_FOLDER = "corpus"  # uploaded files live in <index_dir>/corpus
_CONTEXT_CHARS = 160

CSS = """
.rag-source mark { background: #ffe066; padding: 0 2px; border-radius: 2px; }
.rag-source .meta { color: #666; font-size: 0.85em; margin-bottom: 0.4em; }
.rag-source p { line-height: 1.7; white-space: pre-wrap; }
.rag-related { border-left: 3px solid #bbb; padding-left: 0.6em; color: #444; }
.rag-hits table { font-size: 0.85em; border-collapse: collapse; width: 100%; }
.rag-hits td, .rag-hits th { border-bottom: 1px solid #ddd; padding: 3px 5px; text-align: left; vertical-align: top; }
"""


def _md_escape(text: str) -> str:
    """Document text shown in the chat is data: escape HTML and Markdown so it renders as typed."""
    return re.sub(r"([\\`*_{}\[\]()#+\-!|~>])", r"\\\1", html.escape(text, quote=False))


def safe_upload_name(name: str) -> str:
    """A file name safe to store: no folders, no traversal, only word characters, dots and dashes.

    Raises:
        RagError: the name has an unsupported suffix or nothing usable left.
    """
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise RagError(f"{base}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._-")[:80]
    if not stem:
        raise RagError(f"{base}: the file name has no usable characters")
    return stem + suffix


class ChatUI:
    """The handlers of the web chat, independent of Gradio's components."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    # ------------------------------------------------------------------ answering
    def answer(self, message: str, chat: list | None, questions: list | None, top_k=None, hybrid=None, threshold=None):
        """Handle one chat turn.

        Returns:
            (cleared textbox, chat messages, question history, answer JSON, citation choices,
            the first citation's source HTML, the retrieved-passages HTML)
        """
        chat = list(chat or [])
        questions = list(questions or [])
        message = (message or "").strip()
        if not message:
            return "", chat, questions, None, _choices([]), _hint("请输入问题。"), ""
        try:
            answer = self.assistant.ask(
                message, history=questions, top_k=int(top_k) if top_k else None, hybrid=hybrid, threshold=threshold
            )
        except RagError as exc:
            chat += [
                {"role": "user", "content": message},
                {"role": "assistant", "content": f"无法回答：{_md_escape(str(exc))}"},
            ]
            return "", chat, questions, None, _choices([]), _hint(str(exc)), ""
        chat += [{"role": "user", "content": message}, {"role": "assistant", "content": render_answer(answer)}]
        questions.append(message)
        data = answer.to_json_dict()
        labels = citation_labels(answer)
        source = self.source_html(labels[0] if labels else None, data)
        return "", chat, questions, data, _choices(labels), source, self.hits_html(data)

    def api_ask(self, question: str, history: list[str] | None = None) -> dict:
        """Answer ``question`` (earlier questions in ``history``); returns the JSON of ``rag ask --json``."""
        try:
            return self.assistant.ask(question, history=history or []).to_json_dict()
        except RagError as exc:
            return {"question": question, "error": str(exc)}

    # ------------------------------------------------------------------ sources
    def source_html(self, label: str | None, data: dict | None) -> str:
        """The article passage around the selected citation, the quoted span in ``<mark>``."""
        if not data:
            return _hint("提问后，这里显示引文所在的原文段落。")
        if data.get("abstained"):
            return self.related_html(data)
        quotes = data.get("quotes") or []
        idx = 0
        if label:
            m = re.match(r"\[(\d+)\]", label)
            idx = int(m.group(1)) - 1 if m else 0
        if not 0 <= idx < len(quotes):
            return _hint("没有引文。")
        q = quotes[idx]
        doc = self.assistant.index.documents.get(q["doc_id"])
        if doc is None or doc.text[q["start"] : q["end"]] != q["text"]:
            return _hint("引文所在的文档已不在索引中。")
        a, b = _passage_bounds(doc.text, q["start"], q["end"])
        return (
            '<div class="rag-source">'
            f"<h4>{html.escape(doc.title)}</h4>"
            f'<div class="meta">{html.escape(doc.source)} · {html.escape(Quote.model_validate(q).where())}</div>'
            f"<p>{'…' if a > 0 else ''}{html.escape(doc.text[a : q['start']])}"
            f"<mark>{html.escape(q['text'])}</mark>"
            f"{html.escape(doc.text[q['end'] : b])}{'…' if b < len(doc.text) else ''}</p></div>"
        )

    def related_html(self, data: dict) -> str:
        items = "".join(
            f'<p class="rag-related">{html.escape(r["text"])}<br><small>{html.escape(r["source"])} · '
            f"字符 {r['start']}–{r['end']}</small></p>"
            for r in data.get("related") or []
        )
        return (
            '<div class="rag-source"><h4>资料中没有找到答案</h4>'
            '<div class="meta">以下是最接近的段落，仅供参考，不作为答案依据。</div>'
            f"{items or '<p>（无）</p>'}</div>"
        )

    def hits_html(self, data: dict | None) -> str:
        """Every retrieved passage with its fused score and its rank/score in each retriever."""
        if not data:
            return ""
        rows = []
        for h in data.get("hits") or []:
            doc = self.assistant.index.documents.get(h["doc_id"])
            snippet = doc.text[h["start"] : h["end"]][:50] if doc else ""

            def fmt(rank, score, digits):
                return "–" if rank is None else f"#{rank} ({score:.{digits}f})"

            rows.append(
                f"<tr><td>{h['rank']}</td><td>{html.escape(doc.source if doc else h['doc_id'])}<br>"
                f"<small>{html.escape(h.get('section') or '')}</small></td><td>{h['score']:.4f}</td>"
                f"<td>{fmt(h['dense_rank'], h['dense_score'], 3)}</td>"
                f"<td>{fmt(h['lexical_rank'], h['lexical_score'], 2)}</td><td>{html.escape(snippet)}…</td></tr>"
            )
        return (
            '<div class="rag-hits"><table><tr><th>#</th><th>文档</th><th>融合分</th><th>向量检索</th>'
            f"<th>BM25</th><th>片段</th></tr>{''.join(rows)}</table></div>"
        )

    # ------------------------------------------------------------------ uploads
    def upload(self, files: list | None, progress=None) -> str:
        """Add uploaded files to the index; all or nothing, with a message either way."""
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", f)) for f in files or []]
        if not paths:
            return "请选择要上传的 .txt / .md / .html / .pdf / .docx 文件。"
        corpus = Path(self.assistant.settings.index_dir) / CORPUS_FOLDER
        limit = self.assistant.settings.max_file_mb * 1e6
        try:
            names = [safe_upload_name(p.name) for p in paths]
            if len(set(names)) != len(names):
                raise RagError("two uploaded files have the same name")
            for p in paths:
                if p.stat().st_size > limit:
                    raise RagError(f"{p.name}: larger than the {self.assistant.settings.max_file_mb:g} MB limit")
            if progress:
                progress(0.1, desc="检查文件")
            with tempfile.TemporaryDirectory() as tmp:
                staged = [Path(tmp) / n for n in names]
                for src, dst in zip(paths, staged, strict=True):
                    shutil.copyfile(src, dst)
                if progress:
                    progress(0.3, desc="建立索引")
                report = self.assistant.add_documents(
                    staged, sources=[f"{CORPUS_FOLDER}/{n}" for n in names], upload=True
                )
                corpus.mkdir(parents=True, exist_ok=True)
                for s in staged:
                    shutil.copyfile(s, corpus / s.name)
        except (RagError, OSError) as exc:
            return f"上传失败，索引未改动：{exc}"
        if progress:
            progress(1.0, desc="完成")
        return (
            f"已加入 {len(names)} 个文件（新增 {len(report.added)}，更新 {len(report.changed)}，"
            f"嵌入 {report.embedded_chunks} 个片段），现在可以提问了：{'、'.join(names)}"
        )

    # ------------------------------------------------------------------ documents
    def documents_rows(self) -> list[list]:
        """The documents panel's table: title, file, format, characters, chunks, indexed at, id."""
        return [
            [r["title"], r["source"], r["format"], r["chars"], r["chunks"], (r["indexed_at"] or "")[:16], r["id"]]
            for r in self.assistant.documents()
        ]

    def document_choices(self) -> list[tuple[str, str]]:
        """(label, id) pairs for the remove picker."""
        return [(f"{r['title']}（{r['source']}）", r["id"]) for r in self.assistant.documents()]

    def ask_remove(self, doc_ids: list[str] | None) -> tuple[str, bool]:
        """First step of removal: say what would go, and show the confirm button."""
        if not doc_ids:
            return "请先选择要删除的文档。", False
        names = "、".join(
            self.assistant.index.documents[d].source for d in doc_ids if d in self.assistant.index.documents
        )
        return f"将从索引中删除 {len(doc_ids)} 个文档：{names}。确定请点「确认删除」。", True

    def remove(self, doc_ids: list[str] | None) -> str:
        """Remove the chosen documents (uploaded copies too); a message either way."""
        if not doc_ids:
            return "请先选择要删除的文档。"
        try:
            report = self.assistant.remove_documents(doc_ids)
        except RagError as exc:
            return f"删除失败，索引未改动：{exc}"
        return f"已删除 {len(report.removed)} 个文档，剩余 {len(self.assistant.index.documents)} 个。"

    # ------------------------------------------------------------------ layout
    def build(self):
        import gradio as gr

        s = self.assistant.settings
        with gr.Blocks(title="中文资料问答") as demo:
            gr.Markdown("## 中文资料问答\n提出事实性问题，答案附原文引用（文档与字符位置）；资料中没有的会直说。")
            questions = gr.State([])
            last = gr.State(None)
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=460, elem_id="chat")
                    with gr.Row():
                        msg = gr.Textbox(
                            placeholder="例如：碑林区帮扶了多少个村", show_label=False, scale=5, elem_id="question"
                        )
                        send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    gr.Markdown("示例问题：")
                    with gr.Row():
                        example_buttons = [gr.Button(e, size="sm") for e in EXAMPLES]
                    clear = gr.Button("新对话", size="sm")
                    with gr.Accordion("设置", open=False):
                        top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="检索片段数 top-k")
                        hybrid = gr.Checkbox(value=s.hybrid, label="混合检索（向量 + BM25）")
                        threshold = gr.Slider(0, 1, value=s.abstain_threshold, step=0.05, label="拒答阈值")
                    with gr.Accordion("上传文档（.txt / .md / .html / .pdf / .docx）", open=False):
                        files = gr.File(
                            file_count="multiple",
                            file_types=list(SUPPORTED_SUFFIXES),
                            type="filepath",
                            elem_id="upload",
                        )
                        add = gr.Button("加入索引", elem_id="add-docs")
                        upload_status = gr.Markdown(elem_id="upload-status")
                    with gr.Accordion("文档列表与删除", open=False):
                        doc_table = gr.Dataframe(
                            value=self.documents_rows,
                            headers=["标题", "文件", "格式", "字数", "片段", "加入时间", "ID"],
                            interactive=False,
                            wrap=True,
                            elem_id="documents",
                        )
                        doc_pick = gr.Dropdown(
                            choices=self.document_choices(),
                            multiselect=True,
                            label="选择要删除的文档",
                            elem_id="doc-pick",
                        )
                        with gr.Row():
                            ask_del = gr.Button("删除所选", size="sm", variant="stop", elem_id="remove-docs")
                            confirm_del = gr.Button("确认删除", size="sm", visible=False, elem_id="confirm-remove")
                        remove_status = gr.Markdown(elem_id="remove-status")
                with gr.Column(scale=2):
                    citation = gr.Radio(choices=[], label="引文", elem_id="citations")
                    source = gr.HTML(_hint("提问后，这里显示引文所在的原文段落。"), elem_id="source")
                    with gr.Accordion("检索到的段落", open=True):
                        hits = gr.HTML(elem_id="hits")

            outputs = [msg, chatbot, questions, last, citation, source, hits]
            settings = [top_k, hybrid, threshold]
            send.click(self.answer, [msg, chatbot, questions, *settings], outputs, api_visibility="private")
            msg.submit(self.answer, [msg, chatbot, questions, *settings], outputs, api_visibility="private")
            for b in example_buttons:
                b.click(
                    lambda c, q, k, h, t, text=b.value: self.answer(text, c, q, k, h, t),
                    [chatbot, questions, *settings],
                    outputs,
                    api_visibility="private",
                )
            citation.change(self.source_html, [citation, last], source, api_visibility="private")
            clear.click(
                lambda: ("", [], [], None, gr.update(choices=[], value=None), _hint(""), ""),
                None,
                outputs,
                api_visibility="private",
            )

            def _upload(f, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
                return self.upload(f, progress)

            def _refresh():
                return self.documents_rows(), gr.update(choices=self.document_choices(), value=[])

            def _ask_remove(ids):
                text, show = self.ask_remove(ids)
                return text, gr.update(visible=show)

            def _remove(ids):
                return self.remove(ids), gr.update(visible=False)

            add.click(_upload, files, upload_status, api_name="upload").then(
                _refresh, None, [doc_table, doc_pick], api_visibility="private"
            )
            ask_del.click(_ask_remove, doc_pick, [remove_status, confirm_del], api_visibility="private")
            confirm_del.click(_remove, doc_pick, [remove_status, confirm_del], api_visibility="private").then(
                _refresh, None, [doc_table, doc_pick], api_visibility="private"
            )
            gr.api(self.api_ask, api_name="ask", concurrency_limit=None)
        return demo


def render_answer(answer: Answer) -> str:
    """The chat message: the short answer, then numbered verbatim quotes with source and offsets."""
    if answer.abstained:
        lines = [f"**{_md_escape(answer.answer)}**"]
        if answer.related:
            lines.append("相关段落（不作为依据）：")
            lines += [f"- {_md_escape(q.text)}（{_md_escape(q.source)}）" for q in answer.related]
        return "\n\n".join(lines)
    lines = [f"**{_md_escape(answer.answer)}**"]
    if answer.resolved_question:
        lines.append(f"（理解为：{_md_escape(answer.resolved_question)}）")
    lines += [
        f"[{i}] «{_md_escape(q.text)}» — {_md_escape(q.source)}，{_md_escape(q.where())}"
        for i, q in enumerate(answer.quotes, start=1)
    ]
    lines.append(f"置信度 {answer.confidence:.2f}")
    return "\n\n".join(lines)


def citation_labels(answer: Answer) -> list[str]:
    return [_label(i, q) for i, q in enumerate(answer.quotes, start=1)]


def _label(i: int, q: Quote) -> str:
    return f"[{i}] {q.source} {q.where()}"


def _choices(labels: list[str]):
    import gradio as gr

    return gr.update(choices=labels, value=labels[0] if labels else None)


def _hint(text: str) -> str:
    return f'<div class="rag-source"><p>{html.escape(text)}</p></div>'


def _passage_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The surrounding passage: whole lines around the quote, at most ~160 characters each side."""
    a = text.rfind("\n", 0, start) + 1
    a = max(a, start - _CONTEXT_CHARS)
    b = text.find("\n", end)
    b = len(text) if b == -1 else b
    return a, min(b, end + _CONTEXT_CHARS)


def create_app(settings=None, warm_up: bool = False, build_if_missing: bool = True):
    """The Gradio Blocks for ``settings`` (opens, or first builds, the index; ``warm_up``: see Assistant)."""
    assistant = Assistant.open(settings, build_if_missing=build_if_missing)
    if warm_up:
        assistant.warm_up()
    return ChatUI(assistant).build()


def launch(settings=None, host: str = "127.0.0.1", port: int = 7860, build_if_missing: bool = True):
    # By default Gradio rebuilds a pandas summary of its last 10,000 events after *every* event: under load
    # that costs more than answering. Recompute it every 200 events (it only feeds the monitoring dashboard).
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "200")
    # Gradio asks matplotlib for its backend around every event; left on "auto", the first event imports
    # pyplot (~0.5 s, blocking the server's event loop). A server draws off-screen anyway.
    os.environ.setdefault("MPLBACKEND", "agg")
    demo = create_app(settings, warm_up=True, build_if_missing=build_if_missing)
    mb = settings.max_file_mb if settings else 20
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, max_file_size=f"{mb:g}mb", show_error=True, css=CSS
    )
