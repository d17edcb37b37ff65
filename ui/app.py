"""Gradio web chat: answers with numbered citations, the quoted span highlighted in its article, uploads.

Start it with ``rag ui`` (see :mod:`ui.server` for the HTTP API and access control beside it). Every answer
goes through :meth:`rag.assistant.Assistant.ask`, so the web chat answers exactly as the CLI does. Handlers
are plain methods of :class:`ChatUI` (tested in-process); :meth:`ChatUI.build` wires them to components.
Everything the chat says is Chinese (a traditional-script question gets its answer in traditional script).
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import tempfile
from pathlib import Path

from rag.access import Access
from rag.assistant import Assistant
from rag.dialogue import was_rewritten
from rag.documents import SUPPORTED_SUFFIXES
from rag.errors import RagError
from rag.schema import Answer, Document, Quote
from rag.zh_messages import SUPPORTED, ZhError, zh_error

log = logging.getLogger(__name__)

EXAMPLES = [
    "碑林区帮扶了多少个村",
    "岚皋县累计完成森林抚育补贴项目多少亩",
    "高陵区委书记是谁",
    "How many villages did Beilin District help?",
    "长安区帮扶了多少个村",
]
CORPUS_FOLDER = "corpus"  # uploaded files live in <index_dir>/corpus
MAX_UPLOAD_FILES = 10
READ_ONLY_MESSAGE = "只读模式：这个服务器只回答问题，不接受上传或删除文档。"
_CONTEXT_BEFORE = 80  # characters of context before a quote (a phone shows the highlight without scrolling)
_CONTEXT_AFTER = 160
_SHOWN_QUESTION_CHARS = 60  # a longer question is shown cut, never echoed in full

CSS = """
.rag-source mark { background: #ffe066; padding: 0 2px; border-radius: 2px; }
.rag-source h4 { margin: 0 0 0.2em 0; }
.rag-source .meta { color: #666; font-size: 0.85em; margin-bottom: 0.4em; overflow-wrap: anywhere; }
.rag-source p { line-height: 1.7; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.3em 0; }
.rag-related { border-left: 3px solid #bbb; padding-left: 0.6em; color: #444; }
.rag-hits { list-style: none; padding: 0; margin: 0; }
.rag-hits li { border-bottom: 1px solid #ddd; padding: 6px 0; overflow-wrap: anywhere; }
.rag-hits .scores { color: #555; font-size: 0.85em; }
.rag-hits .snippet { font-size: 0.9em; line-height: 1.6; }
#intro h3 { margin: 0; }
#intro p { margin: 0.2em 0 0 0; }
@media (max-width: 720px) {
  #chat { height: 300px !important; max-height: 300px !important; }
}
"""

# Gradio's uploader checks size and type in the browser and says so in English, whatever the page's language:
# put those few messages (and their toast's title) into Chinese as they appear.
HEAD = """<script>
(() => {
  const rules = [
    [/^File\\(s\\) exceed the maximum allowed size of ([^:]+): (.+)$/,
     (m) => `文件超过 ${m[1]} 的上限，未上传：${m[2]}`],
    [/^Invalid file types?: (.+)\\. Only (.+) allowed\\.$/, (m) => `不支持的文件类型：${m[1]}（支持 ${m[2]}）`],
    [/^Error$/, () => "错误", true],  // only a toast's title
  ];
  const fix = (node) => {
    const text = node.nodeValue.trim();
    for (const [re, zh, toastOnly] of rules) {
      const m = text.match(re);
      if (m && (!toastOnly || node.parentElement?.closest("[class*=toast]"))) {
        node.nodeValue = zh(m);
        return;
      }
    }
  };
  const scan = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) fix(walker.currentNode);
  };
  const seen = (r) => {
    if (r.type === "characterData") fix(r.target);
    else r.addedNodes.forEach((n) => (n.nodeType === 3 ? fix(n) : scan(n)));
  };
  new MutationObserver((records) => records.forEach(seen)).observe(document.documentElement, {
    childList: true, subtree: true, characterData: true,
  });
})();
</script>"""


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


_HASHY = re.compile(r"(?<![^\W_])[0-9a-f]{8,}(?![^\W_])|^\d+(?=[_\-\s])", re.IGNORECASE)


def display_title(doc: Document, limit: int = 20) -> str:
    """What a person calls a document, short enough for a phone: its headline (without a ——subtitle); for a
    document whose "title" is only its first sentence (cut with …, or a whole sentence), the file name without
    hash-like noise when that says something, else that sentence shortened."""
    title = doc.title.strip()
    sentence_like = title.endswith(("…", "。", "！", "？", ".", "!", "?")) or not title
    if sentence_like:
        stem = Path(doc.source).stem
        cleaned = re.sub(r"[_\-\s]+", " ", _HASHY.sub("", stem)).strip()
        if re.search(r"[^\W\d_]", cleaned) and len(cleaned) >= 2:
            return cleaned
    elif "——" in title and len(title.split("——", 1)[0]) >= 4:
        title = title.split("——", 1)[0]
    title = title.rstrip("…")
    return title if len(title) <= limit else title[: limit - 1] + "…"


class ChatUI:
    """The handlers of the web chat, independent of Gradio's components."""

    def __init__(self, assistant: Assistant, access: Access | None = None):
        self.assistant = assistant
        self.access = access or Access()

    @property
    def read_only(self) -> bool:
        return self.access.read_only

    def title_of(self, doc_id: str) -> str:
        doc = self.assistant.index.documents.get(doc_id)
        return display_title(doc) if doc else doc_id

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
        shown = message if len(message) <= _SHOWN_QUESTION_CHARS else message[:_SHOWN_QUESTION_CHARS] + "……"
        try:
            answer = self.assistant.ask(
                message, history=questions, top_k=int(top_k) if top_k else None, hybrid=hybrid, threshold=threshold
            )
        except RagError as exc:
            text = zh_error(exc)
            chat += [
                {"role": "user", "content": _md_escape(shown)},
                {"role": "assistant", "content": f"无法回答：{_md_escape(text)}"},
            ]
            return "", chat, questions, None, _choices([]), _hint(text), ""
        chat += [
            {"role": "user", "content": _md_escape(shown)},
            {"role": "assistant", "content": self.render_answer(answer)},
        ]
        if answer.explanation.get("abstain_reason") != "needs_context":
            questions.append(message)
        data = answer.to_json_dict()
        labels = self.citation_labels(answer)
        source = self.source_html(labels[0] if labels else None, data)
        return "", chat, questions, data, _choices(labels), source, self.hits_html(data)

    def reset(self):
        """A new conversation: what both 新对话 and the chat box's own clear (trash) control do."""
        return "", [], [], None, _choices([]), _hint(_START_HINT), ""

    def api_ask(self, question: str, history: list[str] | None = None) -> dict:
        """Answer ``question`` (earlier questions in ``history``); returns the JSON of ``rag ask --json``."""
        try:
            return self.assistant.ask(question, history=history or []).to_json_dict()
        except RagError as exc:
            return {"question": question[:_SHOWN_QUESTION_CHARS], "error": zh_error(exc)}

    def render_answer(self, answer: Answer) -> str:
        """The chat message: the short answer, then numbered verbatim quotes with their document and place."""
        lines = [f"**{_md_escape(answer.answer)}**"]
        if answer.abstained:
            if answer.related:
                lines.append("相关段落（不作为依据）：")
                lines += [f"- {_md_escape(q.text)}（{_md_escape(self.title_of(q.doc_id))}）" for q in answer.related]
            return "\n\n".join(lines)
        if was_rewritten(answer.question, answer.resolved_question):
            lines.append(f"（理解为：{_md_escape(answer.resolved_question)}）")
        lines += [
            f"[{i}] «{_md_escape(q.text)}» — {_md_escape(self.title_of(q.doc_id))}，{_md_escape(q.where())}"
            for i, q in enumerate(answer.quotes, start=1)
        ]
        lines.append(f"置信度 {answer.confidence:.2f}")
        return "\n\n".join(lines)

    def citation_labels(self, answer: Answer) -> list[str]:
        return [f"[{i}] {self.title_of(q.doc_id)} · {q.where()}" for i, q in enumerate(answer.quotes, start=1)]

    # ------------------------------------------------------------------ sources
    def source_html(self, label: str | None, data: dict | None) -> str:
        """The article passage around the selected citation, the quoted span in ``<mark>``."""
        if not data:
            return _hint(_START_HINT)
        if data.get("abstained"):
            if (data.get("explanation") or {}).get("abstain_reason") == "needs_context":
                return _hint("这是对话的第一个问题，请把问题问完整，这里再显示出处。")
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
        title = display_title(doc)
        return (
            '<div class="rag-source">'
            f'<h4 title="{html.escape(doc.source)}">{html.escape(title)}</h4>'
            f'<div class="meta">{html.escape(doc.source)} · {html.escape(Quote.model_validate(q).where())}</div>'
            f"<p>{'…' if a > 0 else ''}{html.escape(doc.text[a : q['start']])}"
            f"<mark>{html.escape(q['text'])}</mark>"
            f"{html.escape(doc.text[q['end'] : b])}{'…' if b < len(doc.text) else ''}</p></div>"
        )

    def related_html(self, data: dict) -> str:
        items = "".join(
            f'<p class="rag-related">{html.escape(r["text"])}<br><small title="{html.escape(r["source"])}">'
            f"{html.escape(self.title_of(r['doc_id']))} · {html.escape(Quote.model_validate(r).where())}</small></p>"
            for r in data.get("related") or []
        )
        return (
            '<div class="rag-source"><h4>资料中没有找到答案</h4>'
            '<div class="meta">以下是最接近的段落，仅供参考，不作为答案依据。</div>'
            f"{items or '<p>（无）</p>'}</div>"
        )

    def hits_html(self, data: dict | None) -> str:
        """Every retrieved passage, one wrapped block each: document, fused score, rank/score in each retriever."""
        if not data:
            return ""

        def fmt(rank, score, digits):
            return "未检索到" if rank is None else f"第 {rank} 名（{score:.{digits}f}）"

        items = []
        for h in data.get("hits") or []:
            doc = self.assistant.index.documents.get(h["doc_id"])
            snippet = doc.text[h["start"] : h["end"]][:80] if doc else ""
            source = doc.source if doc else h["doc_id"]
            section = f" · {html.escape(h['section'])}" if h.get("section") else ""
            items.append(
                f'<li><b>#{h["rank"]}</b> <span title="{html.escape(source)}">{html.escape(self.title_of(h["doc_id"]))}'
                f"</span>{section}"
                f'<div class="scores">融合分 {h["score"]:.4f} · 向量检索 {fmt(h["dense_rank"], h["dense_score"], 3)}'
                f" · 关键词检索（BM25） {fmt(h['lexical_rank'], h['lexical_score'], 2)}</div>"
                f'<div class="snippet">{html.escape(snippet)}…</div></li>'
            )
        return f'<ol class="rag-hits">{"".join(items)}</ol>'

    # ------------------------------------------------------------------ uploads
    def add_files(self, files: list[tuple[Path, str]]):
        """Index uploaded files, all or nothing: ``files`` are (where the bytes are now, the name the user gave).

        Returns:
            (stored names, the update report)

        Raises:
            RagError: read-only mode, too many files, a bad name, type, size or content (nothing is changed).
        """
        if self.read_only:
            raise ZhError(READ_ONLY_MESSAGE)
        if not files:
            raise ZhError("请选择要上传的文件（" + SUPPORTED + "）。")
        if len(files) > MAX_UPLOAD_FILES:
            raise ZhError(f"一次最多上传 {MAX_UPLOAD_FILES} 个文件。")
        corpus = Path(self.assistant.settings.index_dir) / CORPUS_FOLDER
        mb = self.assistant.settings.max_file_mb
        names = [safe_upload_name(name) for _, name in files]
        if len(set(names)) != len(names):
            raise RagError("two uploaded files have the same name")
        for (path, _), name in zip(files, names, strict=True):
            if path.stat().st_size > mb * 1e6:
                raise RagError(f"{name}: larger than the {mb:g} MB limit")
        with tempfile.TemporaryDirectory() as tmp:
            staged = [Path(tmp) / n for n in names]
            for (src, _), dst in zip(files, staged, strict=True):
                shutil.copyfile(src, dst)
            report = self.assistant.add_documents(staged, sources=[f"{CORPUS_FOLDER}/{n}" for n in names], upload=True)
            corpus.mkdir(parents=True, exist_ok=True)
            for s in staged:
                shutil.copyfile(s, corpus / s.name)
        return names, report

    def upload(self, files: list | None, progress=None) -> str:
        """The web chat's upload: a Chinese message either way, never a server path."""
        if self.read_only:
            return READ_ONLY_MESSAGE
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", f)) for f in files or []]
        if not paths:
            return "请选择要上传的文件（" + SUPPORTED + "）。"
        if progress:
            progress(0.2, desc="检查并建立索引")
        try:
            names, report = self.add_files([(p, p.name) for p in paths])
        except (RagError, OSError) as exc:
            return f"上传失败，索引未改动：{zh_error(exc)}"
        if progress:
            progress(1.0, desc="完成")
        return (
            f"已加入 {len(names)} 个文件（新增 {len(report.added)}，更新 {len(report.changed)}，"
            f"嵌入 {report.embedded_chunks} 个片段），现在可以提问了：{'、'.join(names)}"
        )

    # ------------------------------------------------------------------ documents
    def documents_rows(self) -> list[list]:
        """The documents panel's table: title, file, format, characters, chunks, indexed at."""
        return [
            [self.title_of(r["id"]), r["source"], r["format"], r["chars"], r["chunks"], (r["indexed_at"] or "")[:16]]
            for r in self.assistant.documents()
        ]

    def document_choices(self) -> list[tuple[str, str]]:
        """(label, id) pairs for the remove picker."""
        return [(f"{self.title_of(r['id'])}（{r['source']}）", r["id"]) for r in self.assistant.documents()]

    def ask_remove(self, doc_ids: list[str] | None) -> tuple[str, bool]:
        """First step of removal: say what would go, and show the confirm button."""
        if self.read_only:
            return READ_ONLY_MESSAGE, False
        if not doc_ids:
            return "请先选择要删除的文档。", False
        names = "、".join(
            self.assistant.index.documents[d].source for d in doc_ids if d in self.assistant.index.documents
        )
        return f"将从索引中删除 {len(doc_ids)} 个文档：{names}。确定请点「确认删除」。", True

    def remove(self, doc_ids: list[str] | None) -> str:
        """Remove the chosen documents (uploaded copies too); a message either way."""
        if self.read_only:
            return READ_ONLY_MESSAGE
        if not doc_ids:
            return "请先选择要删除的文档。"
        unknown = [d for d in doc_ids if d not in self.assistant.index.documents]
        if unknown:
            return f"删除失败，索引未改动：索引里没有文档 {unknown[0]}。"
        try:
            report = self.assistant.remove_documents(doc_ids)
        except RagError as exc:
            return f"删除失败，索引未改动：{zh_error(exc)}"
        return f"已删除 {len(report.removed)} 个文档，剩余 {len(self.assistant.index.documents)} 个。"

    # ------------------------------------------------------------------ layout
    def build(self):
        import gradio as gr

        s = self.assistant.settings
        with gr.Blocks(title="中文资料问答") as demo:
            gr.Markdown(
                "### 中文资料问答\n提出事实性问题，答案附原文出处；资料里没有的会直说。可以接着追问，如“那……呢？”",
                elem_id="intro",
            )
            questions = gr.State([])
            last = gr.State(None)
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    chatbot = gr.Chatbot(
                        label="对话",
                        height=420,
                        elem_id="chat",
                        feedback_options=None,
                        placeholder="在下面输入问题，答案会附上原文出处。示例问题和设置在页面下方。",
                    )
                    with gr.Row(equal_height=True):
                        msg = gr.Textbox(
                            placeholder="输入问题，例如：碑林区帮扶了多少个村",
                            show_label=False,
                            scale=5,
                            min_width=300,
                            elem_id="question",
                        )
                        send = gr.Button("提问", variant="primary", scale=1, min_width=64, elem_id="send")
                        new_chat = gr.Button("新对话", scale=1, min_width=64, elem_id="new-chat")
                with gr.Column(scale=2, min_width=300):
                    citation = gr.Radio(choices=[], label="引文", visible=False, elem_id="citations")
                    source = gr.HTML(_hint(_START_HINT), elem_id="source")
                    with gr.Accordion("检索到的段落（得分与排名）", open=False, elem_id="hits-section"):
                        hits = gr.HTML(elem_id="hits")
            with gr.Accordion("示例问题", open=False, elem_id="examples"):
                with gr.Row():
                    example_buttons = [gr.Button(e, size="sm", min_width=120) for e in EXAMPLES]
            with gr.Accordion("设置", open=False, elem_id="settings"):
                top_k = gr.Slider(
                    1,
                    20,
                    value=s.top_k,
                    step=1,
                    label="检索片段数（top-k）",
                    info="从资料中取出多少个最相关的片段来找答案。多取可能找到更多，但也更容易答偏。",
                )
                hybrid = gr.Checkbox(
                    value=s.hybrid,
                    label="混合检索（向量 + 关键词）",
                    info="同时按意思（向量）和按字词（BM25）查找；关掉只按意思查找。",
                )
                threshold = gr.Slider(
                    0,
                    1,
                    value=s.abstain_threshold,
                    step=0.05,
                    label="拒答阈值",
                    info="答案的置信度低于这个值就说“资料中没有找到”。调高更谨慎，调低答得更多。",
                )
            if self.read_only:
                gr.Markdown(READ_ONLY_MESSAGE, elem_id="read-only")
            with gr.Accordion("上传文档", open=False, visible=not self.read_only, elem_id="upload-section"):
                gr.Markdown(f"支持 {SUPPORTED}，每个文件不超过 {s.max_file_mb:g} MB；加入后马上可以提问。")
                files = gr.File(
                    file_count="multiple",
                    file_types=list(SUPPORTED_SUFFIXES),
                    type="filepath",
                    show_label=False,
                    elem_id="upload",
                )
                add = gr.Button("加入索引", elem_id="add-docs")
                upload_status = gr.Markdown(elem_id="upload-status")
            with gr.Accordion("文档列表", open=False, elem_id="documents-section"):
                doc_table = gr.Dataframe(
                    value=self.documents_rows,
                    headers=["标题", "文件", "格式", "字数", "片段", "加入时间"],
                    interactive=False,
                    wrap=True,
                    elem_id="documents",
                )
                with gr.Group(visible=not self.read_only):
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
            new_chat.click(self.reset, None, outputs, api_visibility="private")
            chatbot.clear(self.reset, None, outputs, api_visibility="private")

            def _upload(f, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
                return self.upload(f, progress)

            def _refresh():
                return self.documents_rows(), gr.update(choices=self.document_choices(), value=[])

            def _ask_remove(ids):
                text, show = self.ask_remove(ids)
                return text, gr.update(visible=show)

            def _remove(ids):
                return self.remove(ids), gr.update(visible=False)

            # the picker is emptied after every upload, so a bad file never fails the next batch
            add.click(_upload, files, upload_status, api_name="upload").then(
                lambda: (None, *_refresh()), None, [files, doc_table, doc_pick], api_visibility="private"
            )
            ask_del.click(_ask_remove, doc_pick, [remove_status, confirm_del], api_visibility="private")
            confirm_del.click(_remove, doc_pick, [remove_status, confirm_del], api_visibility="private").then(
                _refresh, None, [doc_table, doc_pick], api_visibility="private"
            )
            gr.api(self.api_ask, api_name="ask", concurrency_limit=None)
        return demo


_START_HINT = "提问后，这里显示答案出处：原文段落，引用的句子以黄色标出。"


def _choices(labels: list[str]):
    import gradio as gr

    return gr.update(choices=labels, value=labels[0] if labels else None, visible=len(labels) > 1)


def _hint(text: str) -> str:
    return f'<div class="rag-source"><p>{html.escape(text)}</p></div>'


def _passage_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The surrounding passage: whole lines around the quote, at most ~80 characters before, ~160 after."""
    a = text.rfind("\n", 0, start) + 1
    a = max(a, start - _CONTEXT_BEFORE)
    b = text.find("\n", end)
    b = len(text) if b == -1 else b
    return a, min(b, end + _CONTEXT_AFTER)


def create_app(settings=None, warm_up: bool = False, build_if_missing: bool = True, access: Access | None = None):
    """The FastAPI server for ``settings``: the chat at ``/`` and the HTTP API at ``/api`` (see ui.server)."""
    from .server import create_server

    assistant = Assistant.open(settings, build_if_missing=build_if_missing)
    if warm_up:
        assistant.warm_up()
    return create_server(ChatUI(assistant, access))


def launch(
    settings=None,
    host: str = "127.0.0.1",
    port: int = 7860,
    build_if_missing: bool = True,
    access: Access | None = None,
):
    from .server import serve

    serve(settings, host=host, port=port, build_if_missing=build_if_missing, access=access)
