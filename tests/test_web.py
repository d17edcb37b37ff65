"""The HTTP JSON API (in-process and against a real `rag ui`), access control, and the web chat in a real browser
at laptop and phone sizes."""

import asyncio
import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.access import Access, AccessError, parse_users, read_access
from rag.assistant import Assistant, build_index
from rag.cli import cli
from rag.config import Settings

pytest.importorskip("gradio")
from fastapi.testclient import TestClient

from ui.app import ChatUI, display_title
from ui.server import JSON_BODY_LIMIT, BodyLimit, create_api, create_server

from .conftest import API_TOKEN, ROOT, UI_PASSWORD, UI_USER

ARTIFACTS = ROOT / "tests" / "artifacts"
NEW_DOC = "灞桥区新筑街道今年帮扶了27个村，投入资金360万元。\n新筑街道党工委书记王建国介绍了经验。\n"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def api(index_copy):
    chat = ChatUI(Assistant.open(Settings(index_dir=index_copy)), Access(api_token=API_TOKEN))
    with TestClient(create_api(chat)) as client:
        yield client


# ---------------------------------------------------------------------------- the API in-process
def test_api_ask_returns_the_json_of_rag_ask(api, index_copy):
    r = api.post("/api/ask", json={"question": "碑林区帮扶了多少个村"}, headers=AUTH)
    assert r.status_code == 200
    out = r.json()
    assert out["answer"] == "11个（蓝田县11个行政村）" and out["quotes"][0]["start"] == 14
    cli_out = json.loads(
        CliRunner().invoke(cli, ["ask", "碑林区帮扶了多少个村", "--json", "--index-dir", str(index_copy)]).output
    )
    assert set(out) == set(cli_out) and out["quotes"] == cli_out["quotes"] and out["answer"] == cli_out["answer"]
    follow = api.post("/api/ask", json={"question": "那雁塔区呢？", "history": ["碑林区帮扶了多少个村"]}, headers=AUTH)
    assert follow.json()["answer"].startswith("14个")
    assert (
        len(api.post("/api/ask", json={"question": "碑林区帮扶了多少个村", "top_k": 2}, headers=AUTH).json()["hits"])
        == 2
    )
    alone = api.post("/api/ask", json={"question": "那雁塔区呢？"}, headers=AUTH).json()
    assert alone["abstained"] and alone["explanation"]["abstain_reason"] == "needs_context"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"history": []}, 422, "question：缺少这一项"),
        ({"question": "碑林区帮扶了多少个村", "top_k": 0}, 422, "top_k：太小"),
        ({"question": 5}, 422, "question：应当是文字"),
        ({"question": "碑林区" * 300}, 400, "问题太长（900 字），请控制在 500 字以内。"),
        ({"question": "   "}, 400, "问题是空的"),
        ("{not json", 422, "不是合法的 JSON"),
    ],
)
def test_api_errors_are_4xx_json_in_chinese(api, body, status, message):
    if isinstance(body, str):
        r = api.post("/api/ask", content=body, headers={**AUTH, "content-type": "application/json"})
    else:
        r = api.post("/api/ask", json=body, headers=AUTH)
    assert r.status_code == status and r.headers["content-type"] == "application/json"
    assert message in r.json()["error"]
    assert len(r.json()["error"]) < 200  # a short message, never the question echoed


def test_unknown_api_paths_answer_in_chinese_json(api):
    for method, path in (("get", "/api/nothing"), ("delete", "/api/../etc"), ("post", "/api/documents/x/y")):
        r = getattr(api, method)(path, headers=AUTH)
        assert r.status_code in (404, 405), (method, path, r.text)
        assert r.headers["content-type"] == "application/json" and "error" in r.json()
        assert "Not Found" not in r.text


def test_api_documents_list_upload_and_delete(api, tmp_path, index_copy):
    listed = api.get("/api/documents", headers=AUTH).json()["documents"]
    assert {d["id"] for d in listed} >= {"001_ad83b76884cea2bc.txt"}
    assert not any("root" in d for d in listed)  # never the server's folder
    assert "看脱贫攻坚的雁塔力量" in {d["display_title"] for d in listed}
    r = api.post("/api/documents", files=[("files", ("新筑 街道.txt", NEW_DOC.encode()))], headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["added"] == ["upload:新筑_街道.txt"] and r.json()["files"] == ["新筑_街道.txt"]
    ask = api.post("/api/ask", json={"question": "灞桥区新筑街道帮扶了多少个村"}, headers=AUTH).json()
    assert ask["answer"].startswith("27个")
    bad = api.post("/api/documents", files=[("files", ("fake.txt", b"\x00\x01\x02"))], headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"] == "fake.txt：看起来是二进制文件，不是文本。"
    gone = api.delete("/api/documents/upload:新筑_街道.txt", headers=AUTH)  # an id with ':'
    assert gone.status_code == 200 and gone.json()["removed"] == ["upload:新筑_街道.txt"]
    assert not (index_copy / "corpus" / "新筑_街道.txt").exists()
    many = [("files", (f"a{i}.txt", NEW_DOC.encode())) for i in range(11)]
    too_many = api.post("/api/documents", files=many, headers=AUTH)
    assert too_many.status_code == 400 and too_many.json()["error"] == "一次最多上传 10 个文件。"
    missing = api.delete("/api/documents/no/such.txt", headers=AUTH)
    assert missing.status_code == 404 and "索引里没有文档 no/such.txt" in missing.json()["error"]


def test_api_delete_takes_ids_with_slashes(tmp_path):
    corpus = tmp_path / "docs"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "a.txt").write_text("白水村有耕地3200亩。", encoding="utf-8")
    (corpus / "b.txt").write_text("清河镇有民宿45家。", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", embedder="hash-test")
    build_index([corpus], settings, show_progress=False)
    with TestClient(create_api(ChatUI(Assistant.open(settings)))) as client:
        assert client.delete("/api/documents/sub/a.txt").json()["removed"] == ["sub/a.txt"]
        assert [d["id"] for d in client.get("/api/documents").json()["documents"]] == ["b.txt"]


def test_api_upload_limit_per_file(index_copy):
    chat = ChatUI(Assistant.open(Settings(index_dir=index_copy, max_file_mb=0.01)))
    with TestClient(create_api(chat)) as client:
        big = ("big.txt", ("很长的文章。" * 1000).encode())  # 18 KB, the limit is 10 KB
        r = client.post("/api/documents", files=[("files", big)])
        assert r.status_code == 413 and "上限" in r.json()["error"]
        assert not (index_copy / "corpus").exists()


def _call(app, headers: list[tuple[bytes, bytes]], chunks: list[bytes], path="/api/documents"):
    """Drive an ASGI app by hand; returns (status, body, how many body chunks it read)."""
    sent, reads = [], []

    async def receive():
        reads.append(1)
        i = len(reads) - 1
        if i < len(chunks):
            return {"type": "http.request", "body": chunks[i], "more_body": i < len(chunks) - 1}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b""}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), len(reads)


def test_body_limit_refuses_before_reading(index_copy):
    app = create_api(ChatUI(Assistant.open(Settings(index_dir=index_copy, max_file_mb=1))))
    # declared too large: refused without reading a byte of the body
    status, body, reads = _call(app, [(b"content-length", b"50000000")], [b"x" * 10])
    assert status == 413 and "请求太大" in body["error"] and reads == 0
    # no Content-Length (chunked): counted while it streams, refused after the cap, not after the whole body
    head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n'
    chunks = [head] + [b"x" * 200_000] * 100
    status, body, reads = _call(app, [(b"content-type", b"multipart/form-data; boundary=b")], chunks)
    assert status == 413 and "请求太大" in body["error"] and reads < 20
    status, body, reads = _call(app, [(b"content-length", str(JSON_BODY_LIMIT + 1).encode())], [b"{}"], "/api/ask")
    assert status == 413 and reads == 0


def test_body_limit_passes_what_it_does_not_limit():
    async def ok(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limit = BodyLimit(ok, upload_limit=10)
    assert limit.limit_for({"path": "/gradio_api/upload", "method": "POST"}) is None  # Gradio caps its own
    assert limit.limit_for({"path": "/api/documents", "method": "POST"}) == 10
    assert limit.limit_for({"path": "/api/ask", "method": "POST"}) == JSON_BODY_LIMIT


# ---------------------------------------------------------------------------- access control
def test_wrong_or_missing_token_is_401_and_health_is_open(api):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {API_TOKEN}"}):
        r = api.post("/api/ask", json={"question": "碑林区帮扶了多少个村"}, headers=headers)
        assert r.status_code == 401 and "API 令牌" in r.json()["error"], headers
        assert r.headers["www-authenticate"] == "Bearer"
        assert api.get("/api/documents", headers=headers).status_code == 401
        assert api.delete("/api/documents/001_ad83b76884cea2bc.txt", headers=headers).status_code == 401
    assert api.get("/api/health").json()["status"] == "ok"


def test_token_is_compared_in_constant_time(monkeypatch):
    import rag.access

    calls = []
    real = rag.access.hmac.compare_digest
    monkeypatch.setattr(rag.access.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    access = Access(api_token="tok")
    assert access.token_ok("tok") and not access.token_ok("tok2") and not access.token_ok(None)
    assert len(calls) == 2


def test_read_only_api_refuses_writes(index_copy):
    chat = ChatUI(Assistant.open(Settings(index_dir=index_copy)), Access(read_only=True))
    manifest = (index_copy / "manifest.json").read_text(encoding="utf-8")
    with TestClient(create_api(chat)) as client:
        up = client.post("/api/documents", files=[("files", ("a.txt", NEW_DOC.encode()))])
        assert up.status_code == 403 and "只读模式" in up.json()["error"]
        rm = client.delete("/api/documents/001_ad83b76884cea2bc.txt")
        assert rm.status_code == 403 and "只读模式" in rm.json()["error"]
        assert client.post("/api/ask", json={"question": "碑林区帮扶了多少个村"}).json()["answer"].startswith("11个")
        assert client.get("/api/health").json()["read_only"] is True
    assert (index_copy / "manifest.json").read_text(encoding="utf-8") == manifest


def test_users_come_from_the_environment_or_a_file(tmp_path):
    access = read_access({"RAG_UI_USERS": "ann:pw1, bob:p:w:2", "RAG_API_TOKEN": " tok-XYZ "})
    assert access.users == (("ann", "pw1"), ("bob", "p:w:2")) and access.api_token == "tok-XYZ" and access.complete
    assert "pw1" not in repr(access) and "tok-XYZ" not in repr(access) and "tok-XYZ" not in str(access)
    f = tmp_path / "users"
    f.write_text("# logins\ncarol:secret\n", encoding="utf-8")
    assert read_access({}, f).users == (("carol", "secret"),)
    assert not read_access({}).complete and len(read_access({}).missing()) == 2
    with pytest.raises(AccessError) as err:
        parse_users(["ann:pw1", "bobsecret"], "RAG_UI_USERS")
    assert "第 2 项" in str(err.value) and "bobsecret" not in str(err.value)
    with pytest.raises(AccessError, match="无法读取账号文件"):
        read_access({}, tmp_path / "missing")


@pytest.fixture
def fake_launch(monkeypatch):
    import ui.app

    calls = []
    monkeypatch.setattr(ui.app, "launch", lambda settings, **kw: calls.append(kw))
    for var in ("RAG_UI_USERS", "RAG_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return calls


def test_non_loopback_server_without_credentials_refuses_to_start(fake_launch, monkeypatch):
    result = CliRunner().invoke(cli, ["ui", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and fake_launch == []
    assert "拒绝启动" in result.output and "RAG_UI_USERS" in result.output and "RAG_API_TOKEN" in result.output
    monkeypatch.setenv("RAG_UI_USERS", "ann:pw-not-shown")  # a login alone is not enough: the API is open
    result = CliRunner().invoke(cli, ["ui", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "RAG_API_TOKEN" in result.output and "pw-not-shown" not in result.output
    assert fake_launch == []


def test_server_starts_with_credentials_with_no_auth_or_on_loopback(fake_launch, monkeypatch, tmp_path):
    for loopback in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert CliRunner().invoke(cli, ["ui", "--host", loopback]).exit_code == 0, loopback
    assert CliRunner().invoke(cli, ["ui", "--host", "192.168.1.5"]).exit_code != 0
    assert CliRunner().invoke(cli, ["ui", "--host", "0.0.0.0", "--no-auth", "--read-only"]).exit_code == 0
    assert fake_launch[-1]["access"].read_only and not fake_launch[-1]["access"].users
    users = tmp_path / "users"
    users.write_text("ann:pw\n", encoding="utf-8")
    monkeypatch.setenv("RAG_API_TOKEN", "tok")
    result = CliRunner().invoke(cli, ["ui", "--host", "0.0.0.0", "--users-file", str(users)])
    assert result.exit_code == 0, result.output
    assert fake_launch[-1]["access"].users == (("ann", "pw"),) and fake_launch[-1]["host"] == "0.0.0.0"


def test_chat_is_behind_the_login(index_copy):
    chat = ChatUI(Assistant.open(Settings(index_dir=index_copy)), Access(users=(("ann", "pw"),), api_token="t"))
    with TestClient(create_server(chat)) as client:
        page = client.get("/")
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert client.get("/gradio_api/info").status_code == 401
        assert client.post("/login", data={"username": "ann", "password": "nope"}).status_code == 400
        assert client.post("/login", data={"username": "ann", "password": "pw"}).status_code == 200
        assert client.get("/gradio_api/info").status_code == 200  # the session cookie now opens it


def test_display_titles():
    from rag.schema import Document

    def doc(title, source):
        return Document(id=source, source=source, title=title, text="x", sha256="0")

    assert (
        display_title(doc("他乡亦故乡 携手奔小康——西安市雁塔区、西安航天基地", "003_8a07284f7b93af87.txt"))
        == "他乡亦故乡 携手奔小康"
    )
    assert display_title(doc("灞桥区新筑街道今年帮扶了27个村。", "corpus/新筑_街道_报道.txt")) == "新筑 街道 报道"
    cut = display_title(
        doc(
            "根据省、市脱贫攻坚安排部署,碑林区承担蓝田县11个行政村驻村联户帮扶任务及丹凤县…", "001_ad83b76884cea2bc.txt"
        )
    )
    assert cut == "根据省、市脱贫攻坚安排部署,碑林区承担…" and "ad83" not in cut


# ---------------------------------------------------------------------------- a real `rag ui`
def _request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_real_server_answers_curl_like_requests(live_server):
    url = live_server.url
    body = json.dumps({"question": "碑林区帮扶了多少个村"}).encode()
    status, text = _request(url + "api/ask", body, {"content-type": "application/json", **AUTH})
    assert status == 200 and json.loads(text)["answer"] == "11个（蓝田县11个行政村）"
    status, text = _request(url + "api/ask", body, {"content-type": "application/json"})
    assert status == 401 and "API 令牌" in json.loads(text)["error"]
    status, text = _request(url + "api/ask", body, {"content-type": "application/json", "Authorization": "Bearer x"})
    assert status == 401
    status, text = _request(url + "openapi.json")
    paths = json.loads(text)["paths"]
    assert {"/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/health"} <= set(paths)
    assert set(paths["/api/documents"]) == {"get", "post"} and "delete" in paths["/api/documents/{doc_id}"]
    status, text = _request(url + "docs")  # rendered by the server itself: readable offline
    assert status == 200 and "<script" not in text
    for route in ("POST /api/ask", "GET /api/documents", "POST /api/documents", "DELETE /api/documents/{doc_id}"):
        assert route in text, route
    assert "GET /api/health" in text and "问题，中文或英文，不超过 500 字" in text
    status, text = _request(url)
    assert status == 200 and '"auth_required":true' in text.replace(" ", "")  # the login page
    form = urllib.parse.urlencode({"username": UI_USER, "password": UI_PASSWORD + "x"}).encode()
    assert _request(url + "login", form, {"content-type": "application/x-www-form-urlencoded"})[0] == 400
    form = urllib.parse.urlencode({"username": UI_USER, "password": UI_PASSWORD}).encode()
    assert _request(url + "login", form, {"content-type": "application/x-www-form-urlencoded"})[0] == 200
    log = live_server.log.read_text(encoding="utf-8")
    assert "rag ui: http://127.0.0.1:" in log  # the server did log; its secrets are not in it
    assert UI_PASSWORD not in log and API_TOKEN not in log


# ---------------------------------------------------------------------------- a real browser
VIEWPORTS = {"laptop": (1280, 800), "phone": (390, 844)}


def _browser(sync_api):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    args += ["--disable-sync", "--no-first-run", "--disable-quic"]
    return sync_api.sync_playwright(), chromium, args


def _ask(page, question: str, expect: str):
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.locator("#chat").get_by_text(expect).last.wait_for(timeout=60_000)


def _pick(page, path: Path, taken, retry: bool = False) -> None:
    """Put ``path`` in the upload picker and wait until ``taken`` (a locator) shows the picker reacted.

    ``retry``: set it again while nothing shows (only for a file the picker refuses: one it takes is added to
    the files it holds, so setting it twice would pick it twice)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(2 if retry else 0):
        page.locator("#upload input[type=file]").set_input_files(str(path))
        try:
            taken.wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    page.locator("#upload input[type=file]").set_input_files(str(path))
    taken.wait_for(timeout=30_000)


def _in_first_screen(page, locator, height: int) -> bool:
    """True when ``locator`` lies wholly within the page's first ``height`` pixels (what shows unscrolled)."""
    box = locator.bounding_box()
    top = None if box is None else box["y"] + page.evaluate("window.scrollY")
    return top is not None and 0 <= top and top + box["height"] <= height


@pytest.mark.browser
@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_browser_chat(server, tmp_path, size):
    sync_api = pytest.importorskip("playwright.sync_api")
    width, height = VIEWPORTS[size]
    playwright, chromium, args = _browser(sync_api)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    good = tmp_path / f"新筑街道{size}.txt"
    good.write_text(NEW_DOC, encoding="utf-8")
    bad = tmp_path / "fake.txt"
    bad.write_bytes(b"\x00\x01\x02\x03binary")
    with playwright as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
        try:
            page.goto(server)
            # the login page first
            page.locator("input[type=password]").wait_for(timeout=30_000)
            page.locator("input[type=text]").fill(UI_USER)
            page.locator("input[type=password]").fill(UI_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.locator("#question textarea").wait_for(timeout=60_000)

            _ask(page, "碑林区帮扶了多少个村", "11个（蓝田县11个行政村）")
            mark = page.locator("#source mark")
            mark.wait_for(timeout=30_000)
            assert "碑林区承担蓝田县11个行政村" in mark.inner_text()
            assert _in_first_screen(page, mark, height), mark.bounding_box()  # no scrolling to see the source
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width  # nothing cut off sideways
            page.wait_for_timeout(1000)  # let the panels leave their loading state before the screenshot
            page.screenshot(path=str(ARTIFACTS / f"ui-{size}.png"))
            page.locator("#hits-section").get_by_text("检索到的段落").click()
            page.locator("#hits li").first.wait_for(timeout=10_000)
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width  # the passages wrap

            _ask(page, "那雁塔区呢？", "（理解为：雁塔区帮扶了多少个村）")
            assert "14个" in page.locator("#chat").inner_text()
            # each reset control forgets the conversation: the same follow-up then asks what it refers to
            for reset in (page.locator("#chat").get_by_label("清空对话"), page.locator("#new-chat")):
                reset.click()
                page.wait_for_function("!document.querySelector('#chat').innerText.includes('碑林区')", timeout=10_000)
                page.locator("#source").get_by_text("提问后，这里显示答案出处").wait_for(timeout=30_000)  # reset ran
                _ask(page, "那雁塔区呢？", "您想问“雁塔区”的什么？")
                assert "14个" not in page.locator("#chat").inner_text()
                _ask(page, "碑林区帮扶了多少个村", "11个（蓝田县11个行政村）")

            # a question far too long: a short Chinese message, not an echo
            page.locator("#question textarea").fill("碑林区" * 3000)
            page.locator("#send").click()
            page.locator("#chat").get_by_text("问题太长（9000 字），请控制在 500 字以内。").wait_for(timeout=30_000)
            assert "碑林区" * 100 not in page.locator("#chat").inner_text()

            # uploads: a bad file gets a Chinese message without a server path, and the picker is emptied, so the
            # next file is not failed by it
            page.locator("#upload-section").get_by_text("上传文档").click()
            _pick(page, bad, page.locator("#upload").get_by_text("fake"))  # the picker shows fake | .txt
            page.locator("#add-docs").click()
            status = page.locator("#upload-status")
            status.get_by_text("上传失败").wait_for(timeout=60_000)
            assert "fake.txt：看起来是二进制文件，不是文本。" in status.inner_text()
            assert "/tmp" not in status.inner_text() and "binary" not in status.inner_text()
            page.wait_for_function("!document.querySelector('#upload').innerText.includes('fake')", timeout=10_000)
            page.wait_for_timeout(500)
            # over the size limit (1 MB on the test server): Gradio refuses it in the browser, in Chinese here too
            huge = tmp_path / "huge.txt"
            huge.write_bytes(b"a" * 1_100_000)
            _pick(page, huge, page.get_by_text(re.compile(r"文件超过 .+ 的上限，未上传：\"huge.txt\"")), retry=True)
            assert "exceed" not in page.locator("body").inner_text()
            page.locator(".toast-close").first.click()
            page.locator("#upload").get_by_label("清除").click()  # the picker shows 错误 until it is cleared
            page.locator("#upload").get_by_text("点击上传").wait_for(timeout=10_000)
            page.wait_for_timeout(500)
            _pick(page, good, page.locator("#upload").get_by_text(good.stem))
            page.locator("#add-docs").click()
            status.get_by_text("已加入 1 个文件").wait_for(timeout=120_000)
            _ask(page, "灞桥区新筑街道帮扶了多少个村", "27个")
            page.locator("#source mark").get_by_text("27个村").wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / f"ui-{size}-upload.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"ui-{size}-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
