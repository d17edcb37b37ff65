"""Reliability: crash-safe writes, one writer at a time, fuzzed invariants, concurrent users."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answering import build_answer
from rag.assistant import Assistant, build_index, clean_question
from rag.chunking import ChunkerSettings, chunk_document, split_clauses, split_sentences
from rag.config import Settings
from rag.documents import clean_text
from rag.embedders import HashEmbedder
from rag.errors import InvalidQuestion
from rag.index import Index
from rag.locking import IndexLocked, write_lock
from rag.question import analyse
from rag.schema import Document

from .conftest import ROOT, SEEDS

# Text that looks like the seeds: CJK, punctuation of both widths, digits, blank lines, stray symbols.
_ALPHABET = st.one_of(
    st.sampled_from(list("碑林区帮扶了个村万元户人。，！？；：、“”（）\n\n \t\u3000\u00a0-+%0123456789abcXYZ")),
    st.characters(blacklist_categories=("Cs",)),
)
texts = st.text(alphabet=_ALPHABET, max_size=400)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(texts)
def test_cleaner_never_fails_and_leaves_no_blank_lines(raw):
    text = clean_text(raw)
    assert "\r" not in text
    assert all(line.strip() == line and line for line in text.split("\n")) or text == ""


@FUZZ
@given(texts)
def test_sentence_and_clause_spans_slice_back(text):
    prev_end = 0
    for s in split_sentences(text):
        assert prev_end <= s.start < s.end <= len(text)
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece
        prev_end = s.end
        for c in split_clauses(text, s):
            assert s.start <= c.start < c.end <= s.end


@FUZZ
@given(texts, st.integers(min_value=20, max_value=300), st.integers(min_value=0, max_value=3))
def test_chunk_offsets_always_slice_back(raw, size, overlap):
    text = clean_text(raw)
    if not text:
        return
    doc = Document(id="d", source="d.txt", title="t", text=text, sha256="0")
    chunks = chunk_document(doc, ChunkerSettings(size, overlap))
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text and len(c.text) <= size


@pytest.fixture(scope="module")
def hash_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hash") / "index"
    index, _, _ = build_index([SEEDS], Settings(index_dir=folder), embedder=HashEmbedder(), show_progress=False)
    return index


@FUZZ
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=60))
def test_answer_builder_never_fails_and_quotes_are_exact(hash_index, question):
    try:
        q = clean_question(question)
    except InvalidQuestion:
        return
    from rag.retrieval import HybridRetriever

    hits = HybridRetriever(hash_index, HashEmbedder()).search(q, top_k=5).hits
    answer = build_answer(analyse(q), q, hits, hash_index, threshold=0.35)
    for quote in [*answer.quotes, *answer.related]:
        assert hash_index.document(quote.doc_id).text[quote.start : quote.end] == quote.text
    assert answer.abstained or answer.quotes


# ---------------------------------------------------------------------------- crash safety
def _big_corpus(folder, copies=60):
    folder.mkdir()
    for i in range(copies):
        for f in SEEDS.iterdir():
            (folder / f"{i:03d}_{f.name}").write_bytes(f.read_bytes())
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.5, 2.0, 4.0])
def test_build_killed_at_any_point_leaves_the_previous_index_answering(tmp_path, delay):
    index_dir = tmp_path / "index"
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_EMBEDDER": "hash-test"}
    subprocess.run([sys.executable, "-m", "rag", "index", str(SEEDS)], env=env, check=True, capture_output=True)
    before = (index_dir / "manifest.json").read_text(encoding="utf-8")
    corpus = _big_corpus(tmp_path / "big")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", "index", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    index = Index.load(index_dir)  # loads, checksums verified
    assert (index_dir / "manifest.json").read_text(encoding="utf-8") in (
        before,
        (index_dir / "manifest.json").read_text(encoding="utf-8"),
    )
    ask = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "碑林区帮扶了多少个村", "--json"], env=env, capture_output=True, text=True
    )
    assert ask.returncode == 0, ask.stderr
    assert len(index.documents) in (5, 5 + 60 * 5)
    # the lock died with the process, and the next writer cleans up and succeeds
    again = subprocess.run([sys.executable, "-m", "rag", "index", str(SEEDS)], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.glob(".index.tmp-*"))


def test_a_second_writer_is_refused(tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    with write_lock(settings.index_dir):
        with pytest.raises(IndexLocked, match=r"another process \(pid \d+\) is writing the index"):
            build_index([SEEDS], settings, embedder=HashEmbedder())
    build_index([SEEDS], settings, embedder=HashEmbedder())  # free again


def test_interrupted_swap_is_recovered(tmp_path):
    folder = tmp_path / "index"
    build_index([SEEDS], Settings(index_dir=folder), embedder=HashEmbedder())
    os.replace(folder, tmp_path / ".index.old-4242")  # killed between the two renames of a save
    index = Index.load(folder)
    assert len(index.documents) == 5 and folder.is_dir()


def test_truncated_file_names_the_rebuild_command(tmp_path):
    folder = tmp_path / "index"
    build_index([SEEDS], Settings(index_dir=folder), embedder=HashEmbedder())
    path = folder / "documents.db"
    path.write_bytes(path.read_bytes()[:50])
    from rag.errors import IndexCorrupt

    with pytest.raises(
        IndexCorrupt, match=r"documents.db does not match its checksum.*rag index --rebuild --index-dir"
    ):
        Index.load(folder)


# ---------------------------------------------------------------------------- concurrency
def test_concurrent_questions_and_an_upload(index_copy, tmp_path):
    assistant = Assistant.open(Settings(index_dir=index_copy))
    expected = assistant.ask("碑林区帮扶了多少个村").answer
    errors, answers = [], []
    doc = tmp_path / "new.txt"
    doc.write_text("灞桥区新筑街道今年帮扶了27个村。", encoding="utf-8")

    def worker():
        for _ in range(5):
            try:
                answers.append(assistant.ask("碑林区帮扶了多少个村").answer)
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    assistant.add_documents([doc], sources=["corpus/new.txt"])
    for t in threads:
        t.join()
    assert not errors and set(answers) == {expected} and len(answers) == 30
    assert assistant.ask("灞桥区新筑街道帮扶了多少个村").answer.startswith("27个")


@pytest.mark.slow
def test_load_against_the_web_ui(server):
    sys.path.insert(0, str(ROOT / "bench"))
    from load import run_load

    from .conftest import UI_PASSWORD, UI_USER

    result = run_load(server, users=5, seconds=10, auth=(UI_USER, UI_PASSWORD))
    assert result["errors"] == 0, result["error_samples"]
    assert result["requests"] >= 10


def test_warm_up_loads_what_first_questions_would(assistant):
    """A server warms up before it listens: the corpus pinyin index and jieba are loaded by warm_up()."""
    from rag import english, textutil

    english._pinyin_index.cache_clear()
    textutil._posseg_cached.cache_clear()
    assistant.warm_up()
    assert english._pinyin_index.cache_info().currsize == 1
    assert textutil._posseg_cached.cache_info().currsize > 0
    assert textutil._jieba().dt.initialized
    from rag import normalize

    assert {normalize.TO_SIMPLIFIED, normalize.TO_TRADITIONAL} <= set(normalize._CONVERTERS)


def test_warm_up_never_stops_a_server(assistant, monkeypatch, caplog):
    def failing(*_args, **_kwargs):
        raise InvalidQuestion("index is empty")

    monkeypatch.setattr(assistant, "ask", failing)
    assistant.warm_up()  # logs and returns
    assert "warm-up question" in caplog.text
