"""Shared fixtures: the real seeds, a real index built once per session, and isolated settings."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.assistant import Assistant, build_index
from rag.config import Settings
from rag.documents import load_corpus

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test reads or writes the repository's own index/ by accident."""
    for var in ("RAG_INDEX_DIR", "RAG_EMBEDDER", "RAG_TOP_K", "RAG_HYBRID", "RAG_ABSTAIN_THRESHOLD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path_factory.mktemp("default-index")))


@pytest.fixture(scope="session")
def seed_docs():
    docs, warnings = load_corpus([SEEDS])
    assert not warnings
    return {d.id[:3]: d for d in docs}


@pytest.fixture(scope="session")
def built_index_dir(tmp_path_factory) -> Path:
    """The seeds indexed with the bundled E5 embedder (built once; copy it before changing it)."""
    folder = tmp_path_factory.mktemp("seeds-index") / "index"
    build_index([SEEDS], Settings(index_dir=folder), show_progress=False)
    return folder


@pytest.fixture
def index_copy(built_index_dir, tmp_path) -> Path:
    dest = tmp_path / "index"
    shutil.copytree(built_index_dir, dest)
    return dest


@pytest.fixture(scope="session")
def assistant(built_index_dir) -> Assistant:
    return Assistant.open(Settings(index_dir=built_index_dir))


@pytest.fixture(scope="session")
def milvus_index_dir(built_index_dir, tmp_path_factory):
    """The seeds index with its vectors in Milvus Lite (vectors reused from the FAISS index, not re-embedded)."""
    pytest.importorskip("pymilvus")
    from rag.assistant import build_index as _build
    from rag.embedders import load_embedder

    folder = tmp_path_factory.mktemp("milvus") / "index"
    shutil.copytree(built_index_dir, folder)
    settings = Settings(index_dir=folder, vector_store="milvus")
    _build([SEEDS], settings, embedder=load_embedder("e5-small-bundled"), show_progress=False)
    return folder


@pytest.fixture(scope="session", params=["faiss", "milvus"])
def any_store_assistant(request, built_index_dir):
    """An assistant over the seeds with each vector store in turn."""
    if request.param == "faiss":
        return Assistant.open(Settings(index_dir=built_index_dir))
    folder = request.getfixturevalue("milvus_index_dir")
    return Assistant.open(Settings(index_dir=folder, vector_store="milvus"))


def pytest_collection_modifyitems(config, items):
    # fixtures that build the real index are slow; mark the tests using them
    for item in items:
        if {"built_index_dir", "assistant", "index_copy", "any_store_assistant"} & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.slow)


# ---------------------------------------------------------------------------- a real server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The test server is protected as a public one would be: a login for the chat, a bearer token for the API.
UI_USER, UI_PASSWORD = "tester", "s3cret-Pa55word"
API_TOKEN = "test-token-8d2f0c"


@dataclass
class LiveServer:
    url: str
    log: Path
    index_dir: Path


@pytest.fixture(scope="session")
def live_server(built_index_dir, tmp_path_factory):
    """`rag ui` in a subprocess on a free loopback port, with logins and an API token."""
    index_dir = tmp_path_factory.mktemp("ui-index") / "index"
    shutil.copytree(built_index_dir, index_dir)
    port = _free_port()
    log_path = tmp_path_factory.mktemp("ui-log") / "ui.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", "ui", "--port", str(port), "--index-dir", str(index_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "GRADIO_ANALYTICS_ENABLED": "False",
            "RAG_UI_USERS": f"{UI_USER}:{UI_PASSWORD}",
            "RAG_API_TOKEN": API_TOKEN,
            "RAG_MAX_FILE_MB": "1",
        },
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "api/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("rag ui did not start")
    yield LiveServer(url, log_path, index_dir)
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def server(live_server) -> str:
    return live_server.url


def shows(answer: str, expected: str, question: str) -> bool:
    """The answer shows ``expected``: exactly, or followed by the question's own words only (a count reads with its
    noun: 两个校区 for 几个校区), or with a bracketed phrase that says more (11个（蓝田县11个行政村）)."""
    head = answer.split("（")[0]
    return head == expected or (head.startswith(expected) and all(c in question for c in head[len(expected) :]))
