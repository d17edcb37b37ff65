"""One server for the web chat and a plain HTTP JSON API (FastAPI; the Gradio chat is mounted at ``/``).

======================================  ======================================================================
``POST /api/ask``                       ``{"question", "history"?, "top_k"?}`` → the object of ``rag ask --json``
``GET /api/documents``                  the indexed documents (``rag docs --json`` rows, plus ``display_title``)
``POST /api/documents``                 multipart ``files``: add uploads to the index (all or nothing)
``DELETE /api/documents/{id}``          remove a document (ids may contain ``/`` and ``:``)
``GET /api/health``                     liveness and counts (no token needed)
``GET /docs``, ``GET /openapi.json``    the OpenAPI description
======================================  ======================================================================

Errors are JSON ``{"error": "<Chinese message>"}`` with a 4xx status. Bodies are capped before they are read:
a ``Content-Length`` over the cap is refused at once, and a body without one is counted as it streams in.
With ``RAG_API_TOKEN`` set, every ``/api`` route but health needs ``Authorization: Bearer <token>``; with
logins, the chat shows Gradio's login page.
"""

import html
import json
import logging
import os
import shutil
import tempfile
from http import HTTPStatus
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from rag.access import Access
from rag.errors import RagError
from rag.zh_messages import zh_error

from .app import CSS, HEAD, MAX_UPLOAD_FILES, READ_ONLY_MESSAGE, ChatUI, display_title

log = logging.getLogger(__name__)

JSON_BODY_LIMIT = 64 * 1024  # /api/ask and other JSON bodies
MULTIPART_OVERHEAD = 256 * 1024  # boundaries and part headers of an upload request


class AskRequest(BaseModel):
    question: str = Field(description="问题，中文或英文，不超过 500 字")
    history: list[str] = Field(default_factory=list, max_length=50, description="同一对话里之前的问题，按先后顺序")
    top_k: int | None = Field(None, ge=1, le=100, description="检索多少个片段来找答案（1–100，默认 5）")

    model_config = {
        "json_schema_extra": {"examples": [{"question": "那雁塔区呢？", "history": ["碑林区帮扶了多少个村"]}]}
    }


class ApiError(BaseModel):
    error: str


# The framework's own status messages, in the user's language.
_STATUS_ZH = {
    404: "没有这个地址。可用的接口见 /docs。",
    405: "这个接口不接受这种请求方法；见 /docs。",
}


def _errors(*codes: int) -> dict:
    return {code: {"model": ApiError} for code in codes}


# ---------------------------------------------------------------------------- body size cap
class BodyLimit:
    """ASGI middleware: refuse ``/api`` bodies over their cap before reading them whole (413)."""

    def __init__(self, app, upload_limit: int):
        self.app = app
        self.upload_limit = upload_limit

    def limit_for(self, scope) -> int | None:
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if not path.startswith("/api/") or method in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return None
        return self.upload_limit if path.rstrip("/") == "/api/documents" else JSON_BODY_LIMIT

    def message(self, limit: int) -> str:
        if limit == self.upload_limit:
            return f"请求太大：一次上传的文件合计不能超过 {(limit - MULTIPART_OVERHEAD) / 1e6:g} MB。"
        return f"请求太大：超过 {limit // 1024} KB 的上限。"

    async def __call__(self, scope, receive, send):
        limit = self.limit_for(scope) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                return await JSONResponse({"error": "Content-Length 不是数字。"}, 400)(scope, receive, send)
            if too_big:
                return await JSONResponse({"error": self.message(limit)}, 413)(scope, receive, send)
        seen = 0

        async def capped():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, self.message(limit))
            return message

        return await self.app(scope, capped, send)


# ---------------------------------------------------------------------------- the app
_VALIDATION = {
    "missing": "缺少这一项",
    "string_type": "应当是文字",
    "int_parsing": "应当是整数",
    "int_type": "应当是整数",
    "list_type": "应当是列表",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "too_long": "项数太多",
    "json_invalid": "不是合法的 JSON",
    "model_attributes_type": "应当是 JSON 对象",
    "dict_type": "应当是 JSON 对象",
}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        what = _VALIDATION.get(err.get("type", ""), "取值无效")
        parts.append(f"{'.'.join(loc) or '请求体'}：{what}")
    return "请求格式不对（" + "；".join(parts) + '）。例：{"question": "碑林区帮扶了多少个村"}'


def create_api(chat: ChatUI) -> FastAPI:
    """The FastAPI app with the ``/api`` routes (the chat is mounted on it by :func:`create_server`)."""
    assistant = chat.assistant
    access = chat.access
    mb = assistant.settings.max_file_mb
    app = FastAPI(
        title="中文资料问答 API",
        version="1",
        description=(
            "对中文资料提事实性问题，答案附原文引用。"
            + (
                "所有 /api 接口（health 除外）需要请求头 Authorization: Bearer <RAG_API_TOKEN>。"
                if access.api_token
                else ""
            )
            + ("只读模式：上传和删除会被拒绝。" if access.read_only else "")
        ),
        docs_url=None,  # /docs is rendered here, offline (Swagger UI would fetch its script from a CDN)
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, upload_limit=int(mb * 1e6) + MULTIPART_OVERHEAD)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        detail = str(exc.detail)
        if detail == HTTPStatus(exc.status_code).phrase:  # the framework's own English (Not Found, …)
            detail = _STATUS_ZH.get(exc.status_code, f"请求失败（HTTP {exc.status_code}）。")
        return JSONResponse({"error": detail}, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _validation_message(exc)}, 422)

    bearer = HTTPBearer(auto_error=False, description="RAG_API_TOKEN")

    def require_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if not access.api_token:
            return
        token = credentials.credentials if credentials is not None else None
        if not access.token_ok(token):
            raise HTTPException(
                401,
                "需要有效的 API 令牌：请求头 Authorization: Bearer <RAG_API_TOKEN>。",
                headers={"WWW-Authenticate": "Bearer"},
            )

    def require_writable() -> None:
        if access.read_only:
            raise HTTPException(403, READ_ONLY_MESSAGE)

    guarded = [Depends(require_token)]

    @app.get("/api/health", summary="服务状态（不需要令牌）")
    def health() -> dict:
        index = assistant.index
        return {
            "status": "ok",
            "documents": len(index.documents),
            "chunks": index.chunk_count(),
            "read_only": access.read_only,
        }

    @app.post(
        "/api/ask",
        summary="提问：返回与 rag ask --json 相同的对象",
        dependencies=guarded,
        responses=_errors(400, 401, 413, 422),
    )
    def ask(body: AskRequest) -> dict:
        try:
            answer = assistant.ask(body.question, history=body.history, top_k=body.top_k)
        except RagError as exc:
            raise HTTPException(400, zh_error(exc)) from None
        return answer.to_json_dict()

    @app.get("/api/documents", summary="已索引的文档", dependencies=guarded, responses=_errors(401))
    def documents() -> dict:
        rows = assistant.documents()
        for row in rows:
            doc = assistant.index.documents.get(row["id"])
            row["display_title"] = display_title(doc) if doc else row["title"]
            row.pop("root", None)  # the server's folder is nobody else's business
        return {"documents": rows}

    @app.post(
        "/api/documents",
        summary=f"上传文档（.txt/.md/.html/.pdf/.docx，一次最多 {MAX_UPLOAD_FILES} 个，合计不超过 {mb:g} MB）",
        status_code=201,
        dependencies=[*guarded, Depends(require_writable)],
        responses=_errors(400, 401, 403, 413, 422),
    )
    def upload(files: Annotated[list[UploadFile], File(description="要加入索引的文件")]) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            staged = []
            for i, f in enumerate(files):
                if f.size is not None and f.size > mb * 1e6:
                    raise HTTPException(413, f"{Path(f.filename or '').name}：文件超过 {mb:g} MB 的上限。")
                path = Path(tmp) / str(i)
                with path.open("wb") as out:
                    shutil.copyfileobj(f.file, out)
                staged.append((path, f.filename or f"file{i}"))
            try:
                names, report = chat.add_files(staged)
            except RagError as exc:
                raise HTTPException(403 if str(exc) == READ_ONLY_MESSAGE else 400, zh_error(exc)) from None
        return {
            "message": f"已加入 {len(names)} 个文件",
            "files": names,
            "added": report.added,
            "changed": report.changed,
            "embedded_chunks": report.embedded_chunks,
            "documents": len(assistant.index.documents),
        }

    @app.delete(
        "/api/documents/{doc_id:path}",
        summary="删除文档（ID 见 GET /api/documents；可以含 / 和 :）",
        dependencies=[*guarded, Depends(require_writable)],
        responses=_errors(401, 403, 404),
    )
    def remove(doc_id: str) -> dict:
        if doc_id not in assistant.index.documents:
            raise HTTPException(404, f"索引里没有文档 {doc_id}；GET /api/documents 列出所有 ID。")
        try:
            report = assistant.remove_documents([doc_id])
        except RagError as exc:
            raise HTTPException(400, zh_error(exc)) from None
        return {"removed": report.removed, "documents": len(assistant.index.documents)}

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> str:
        return render_docs(app.openapi())

    @app.get("/docs/swagger", include_in_schema=False)
    def swagger():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="中文资料问答 API · Swagger UI")

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(rest: str):
        # registered last: any /api path no route above takes (else the mounted chat answers in English)
        raise HTTPException(404, f"没有这个接口：/api/{rest}。可用的接口见 /docs。")

    return app


def _schema(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _type(spec: dict, schema: dict) -> str:
    schema = _schema(spec, schema)
    if "anyOf" in schema:
        return " | ".join(_type(spec, s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"{_type(spec, schema.get('items', {}))}[]"
    if schema.get("format") == "binary" or schema.get("contentMediaType") == "application/octet-stream":
        return "file"
    return schema.get("type", "object")


def render_docs(spec: dict) -> str:
    """The API's description as one self-contained HTML page (works offline): every route, its parameters,
    its body fields and its answers. The same description, machine-readable, is ``/openapi.json``."""
    esc = html.escape
    out = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(spec['info']['title'])}</title><style>",
        "body{font-family:sans-serif;max-width:860px;margin:1em auto;padding:0 1em;line-height:1.6}",
        "code,pre{background:#f4f4f4;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere;white-space:pre-wrap}",
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}",
        "h2{font-size:1.1em;margin-top:1.6em}</style></head><body>",
        f"<h1>{esc(spec['info']['title'])}</h1><p>{esc(spec['info'].get('description') or '')}</p>",
        f"<p>机器可读的描述：<a href='/openapi.json'>/openapi.json</a>（OpenAPI {esc(spec.get('openapi', ''))}）；"
        "交互式页面：<a href='/docs/swagger'>/docs/swagger</a>（需要联网加载脚本）。</p>",
    ]
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            out.append(f"<h2 id='{esc(method + path)}'><code>{method.upper()} {esc(path)}</code></h2>")
            out.append(f"<p>{esc(op.get('summary', ''))}</p>")
            rows = [
                (p["name"], p.get("in", ""), _type(spec, p.get("schema", {})), p.get("required", False), "")
                for p in op.get("parameters", [])
            ]
            examples = []
            for media, content in (op.get("requestBody", {}).get("content") or {}).items():
                body = _schema(spec, content.get("schema", {}))
                required = set(body.get("required", []))
                where = {"application/json": "JSON 请求体", "multipart/form-data": "multipart 表单"}.get(media, media)
                for name, field in body.get("properties", {}).items():
                    rows.append((name, where, _type(spec, field), name in required, field.get("description", "")))
                examples += body.get("examples", [])
            if rows:
                out.append("<table><tr><th>参数</th><th>位置</th><th>类型</th><th>必填</th><th>说明</th></tr>")
                out += [
                    f"<tr><td><code>{esc(n)}</code></td><td>{esc(w)}</td><td>{esc(t)}</td>"
                    f"<td>{'是' if r else '否'}</td><td>{esc(d)}</td></tr>"
                    for n, w, t, r, d in rows
                ]
                out.append("</table>")
            out += [f"<p>例：</p><pre>{esc(json.dumps(e, ensure_ascii=False))}</pre>" for e in examples[:1]]
            codes = ", ".join(esc(code) for code in op.get("responses", {}))
            out.append(f'<p>响应：{codes}（错误为 JSON <code>{{"error": "…"}}</code>）</p>')
    out.append("</body></html>")
    return "".join(out)


def create_server(chat: ChatUI) -> FastAPI:
    """The API app with the Gradio chat mounted at ``/`` (behind Gradio's login when there are users)."""
    import gradio as gr

    app = create_api(chat)
    demo = chat.build().queue(default_concurrency_limit=4)
    mb = chat.assistant.settings.max_file_mb
    return gr.mount_gradio_app(
        app,
        demo,
        path="",
        auth=list(chat.access.users) or None,
        auth_message="请登录后使用中文资料问答。",
        max_file_size=int(mb * 1e6),  # bytes: Gradio cannot parse "0.5mb"
        show_error=True,
        css=CSS,
        head=HEAD,
        footer_links=[{"label": "HTTP API 文档", "url": "/docs"}],
    )


def serve(settings=None, host: str = "127.0.0.1", port: int = 7860, build_if_missing: bool = True, access=None):
    """Open the index, warm up, and serve the chat and the API on ``host:port`` until interrupted."""
    import uvicorn

    from .app import create_app

    # By default Gradio rebuilds a pandas summary of its last 10,000 events after *every* event: under load
    # that costs more than answering. Recompute it every 200 events (it only feeds the monitoring dashboard).
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "200")
    # Gradio asks matplotlib for its backend around every event; left on "auto", the first event imports
    # pyplot (~0.5 s, blocking the server's event loop). A server draws off-screen anyway.
    os.environ.setdefault("MPLBACKEND", "agg")
    access = access or Access()
    app = create_app(settings, warm_up=True, build_if_missing=build_if_missing, access=access)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"rag ui: http://{shown}:{port}/  (HTTP API: /api/…, docs: /docs; "
        f"{'logins and API token required' if access.users or access.api_token else 'no login'}"
        f"{'; read-only' if access.read_only else ''})",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
