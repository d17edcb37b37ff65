"""Delta segments (rag.segments): a small update writes its change, not the corpus; a segmented index answers,
scores and loads as a rebuild of the same documents would; a compaction folds the segments back; a writer killed
at any step leaves the state before or after."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag import segments as seg
from rag.assistant import Assistant, build_index
from rag.config import Settings
from rag.embedders import HashEmbedder
from rag.errors import IndexCorrupt
from rag.index import Index, remove_stale

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUERIES = [
    "碑林区帮扶了多少个村",
    "灞桥区新筑街道帮扶了多少个村",
    "张家堡街道的面积",
    "扶贫 资金 亿元",
    "学校 学校 教师",
]


def _settings(folder: Path) -> Settings:
    return Settings(index_dir=folder, embedder="hash-test")


@pytest.fixture
def seeds_assistant(tmp_path) -> Assistant:
    settings = _settings(tmp_path / "index")
    build_index([SEEDS], settings, embedder=HashEmbedder())
    return Assistant.open(settings, embedder=HashEmbedder())


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _base_files(folder: Path) -> dict[str, tuple[int, int]]:
    skip = {seg.STATE, seg.FOLDER, "corpus", "sources.json"}  # (sources.json: the sources' fallback copy)
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] not in skip
    }


def _rebuilt(index: Index, tmp_path: Path) -> Index:
    """The same live documents indexed from scratch."""
    docs = [index.documents[d] for d in index.documents]
    fresh, _ = Index.build(docs, HashEmbedder())
    return fresh


def _bm25_by_chunk(index: Index, query: str) -> dict[str, float]:
    scores = index.lexical.scores(query)
    return {index.chunks[r].id: float(scores[r]) for r in np.flatnonzero(scores > 0).tolist()}


def test_a_small_update_writes_a_segment_and_leaves_the_base_untouched(seeds_assistant, tmp_path):
    folder = seeds_assistant.settings.index_dir
    before = _base_files(folder)
    new = _write(tmp_path / "docs", "new.txt", "灞桥区新筑街道今年帮扶了27个村。")
    report = seeds_assistant.add_documents([new])
    assert report.added == ["new.txt"] and report.embedded_chunks == 1
    assert _base_files(folder) == before  # not one byte of the base rewritten
    state = json.loads((folder / seg.STATE).read_text(encoding="utf-8"))
    assert len(state["segments"]) == 1 and (folder / seg.FOLDER / state["segments"][0]["name"]).is_dir()
    assert seeds_assistant.ask("灞桥区新筑街道帮扶了多少个村").answer.startswith("27个")
    assert seeds_assistant.ask("碑林区帮扶了多少个村").answer.startswith("11个")
    # a new process sees the same index: the listing, the counts and the answers
    loaded = Assistant.open(seeds_assistant.settings, embedder=HashEmbedder())
    assert [r["id"] for r in loaded.documents()] == [r["id"] for r in seeds_assistant.documents()]
    assert "new.txt" in {r["id"] for r in loaded.documents()}
    assert loaded.index.chunk_count() == seeds_assistant.index.chunk_count() == report.total_chunks
    assert loaded.ask("灞桥区新筑街道帮扶了多少个村").answer.startswith("27个")


def test_a_changed_and_a_removed_document_are_never_answered_from_their_old_rows(seeds_assistant, tmp_path):
    docs = tmp_path / "docs"
    new = _write(docs, "new.txt", "灞桥区新筑街道今年帮扶了27个村。")
    seeds_assistant.add_documents([new])
    _write(docs, "new.txt", "灞桥区新筑街道今年帮扶了31个村。")
    report = seeds_assistant.add_documents([new])
    assert report.changed == ["new.txt"]
    index = seeds_assistant.index
    assert len(index.chunks) == index.chunk_count() + 1  # the old version's row is dead, still numbered
    old_row = len(index.chunks) - 2
    assert index.chunks.doc_id(old_row) == "new.txt"
    vector = HashEmbedder().embed_queries(["灞桥区新筑街道今年帮扶了27个村。"])[0]
    rows, _ = index.dense.search(vector, len(index.chunks))
    assert old_row not in rows.tolist() and len(rows) == index.chunk_count()
    assert index.lexical.scores("灞桥区新筑街道")[old_row] == 0
    assert seeds_assistant.ask("灞桥区新筑街道帮扶了多少个村").answer.startswith("31个")
    removed = seeds_assistant.remove_documents(["new.txt"])
    assert removed.removed == ["new.txt"] and "new.txt" not in seeds_assistant.index.documents
    again = Index.load(seeds_assistant.settings.index_dir)
    assert "new.txt" not in again.documents and "new.txt" not in {r["id"] for r in again.listing()}
    rows, _ = again.lexical.search("灞桥区新筑街道今年帮扶", 50)
    assert all(again.chunks.doc_id(r) != "new.txt" for r in rows.tolist())
    rows, _ = again.dense.search(vector, len(again.chunks))
    assert len(rows) == again.chunk_count() and all(again.chunks.doc_id(r) != "new.txt" for r in rows.tolist())


def test_segmented_scores_are_those_of_a_rebuild(seeds_assistant, tmp_path):
    docs = tmp_path / "docs"
    seeds_assistant.add_documents([_write(docs, "a.txt", "灞桥区新筑街道今年帮扶了27个村。学校新来了教师。")])
    seeds_assistant.add_documents([_write(docs, "b.txt", "碑林区的扶贫资金共计3.5亿元。")])
    _write(docs, "a.txt", "灞桥区新筑街道今年帮扶了31个村。")
    seeds_assistant.add_documents([docs / "a.txt"])
    first_seed = sorted(seeds_assistant.index.documents)[0]
    seeds_assistant.remove_documents([first_seed])
    index = Index.load(seeds_assistant.settings.index_dir)
    assert len(index.manifest["segments"]) == 3
    fresh = _rebuilt(index, tmp_path)
    assert sorted(index.documents) == sorted(fresh.documents)
    assert index.chunks.counts() == fresh.chunks.counts()
    for query in QUERIES:
        got, want = _bm25_by_chunk(index, query), _bm25_by_chunk(fresh, query)
        assert got.keys() == want.keys(), query
        assert np.allclose([got[k] for k in want], list(want.values()), rtol=1e-5), query
        for term in ("灞桥区", "教师", "扶贫"):
            assert index.lexical.idf(term, 10.0, 30.0) == pytest.approx(fresh.lexical.idf(term, 10.0, 30.0))
        vector = HashEmbedder().embed_queries([query])[0]
        rows, scores = index.dense.search(vector, 10)
        frows, fscores = fresh.dense.search(vector, 10)
        assert np.allclose(scores, fscores, atol=1e-5)
        above = scores[-1] + 1e-5  # (rows tied at the cutoff may come in either order)
        assert {index.chunks[r].id for r, s in zip(rows, scores, strict=True) if s > above} == {
            fresh.chunks[r].id for r, s in zip(frows, fscores, strict=True) if s > above
        }


def test_past_its_share_the_segments_are_compacted_into_a_plain_index(seeds_assistant, tmp_path, monkeypatch):
    folder = seeds_assistant.settings.index_dir
    docs = tmp_path / "docs"
    seeds_assistant.add_documents([_write(docs, "a.txt", "灞桥区新筑街道今年帮扶了27个村。")])
    assert (folder / seg.STATE).is_file()
    monkeypatch.setattr(seg, "DELTA_SHARE", 0.0)  # any delta is now past the share
    report = seeds_assistant.add_documents([_write(docs, "b.txt", "碑林区的扶贫资金共计3.5亿元。")])
    assert report.added == ["b.txt"] and report.embedded_chunks == 1  # nothing else embedded again
    assert not (folder / seg.STATE).exists() and not (folder / seg.FOLDER).exists()
    index = Index.load(folder)
    assert index._state is None and {"a.txt", "b.txt"} <= set(index.documents)
    fresh = _rebuilt(index, tmp_path)
    assert [c.id for c in index.chunks] == [c.id for c in fresh.chunks]
    for query in QUERIES:
        assert np.allclose(index.lexical.scores(query), fresh.lexical.scores(query), rtol=1e-5)
    assert (
        Assistant.open(seeds_assistant.settings, embedder=HashEmbedder())
        .ask("灞桥区新筑街道帮扶了多少个村")
        .answer.startswith("27个")
    )


def test_more_segments_than_the_limit_are_merged_into_one_beside_the_untouched_base(
    seeds_assistant, tmp_path, monkeypatch
):
    monkeypatch.setattr(seg, "MAX_SEGMENTS", 2)
    folder = seeds_assistant.settings.index_dir
    before = _base_files(folder)
    docs = tmp_path / "docs"
    for i in range(2):
        seeds_assistant.add_documents([_write(docs, f"{i}.txt", f"第{i}号通知：活动改在{i + 3}楼。")])
    _write(docs, "0.txt", "第0号通知：活动取消。")  # a dead row in the first segment
    seeds_assistant.add_documents([docs / "0.txt"])
    state = json.loads((folder / seg.STATE).read_text(encoding="utf-8"))
    assert len(state["segments"]) == 1 and state["segments"][0]["rows"] == 2  # the live rows of three segments
    assert [p.name for p in (folder / seg.FOLDER).iterdir()] == [state["segments"][0]["name"]]
    assert _base_files(folder) == before
    index = Index.load(folder)
    assert {"0.txt", "1.txt"} <= set(index.documents) and index.documents["0.txt"].text.startswith(
        "第0号通知：活动取消"
    )
    fresh = _rebuilt(index, tmp_path)
    assert index.chunks.counts() == fresh.chunks.counts()
    for query in [*QUERIES, "活动取消", "活动改在几楼"]:
        got, want = _bm25_by_chunk(index, query), _bm25_by_chunk(fresh, query)
        assert got.keys() == want.keys() and np.allclose([got[k] for k in want], list(want.values()), rtol=1e-5)
    assert (
        seeds_assistant.ask("第0号通知说什么").answer
        == Assistant.open(seeds_assistant.settings, embedder=HashEmbedder()).ask("第0号通知说什么").answer
    )


def test_a_writer_killed_before_its_commit_leaves_the_state_before(seeds_assistant, tmp_path, monkeypatch):
    folder = seeds_assistant.settings.index_dir
    seeds_assistant.add_documents([_write(tmp_path / "docs", "a.txt", "灞桥区新筑街道今年帮扶了27个村。")])
    state_before = (folder / seg.STATE).read_text(encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the segment is written, the state not replaced

    monkeypatch.setattr(seg, "commit", killed)
    with pytest.raises(KeyboardInterrupt):
        seeds_assistant.add_documents([_write(tmp_path / "docs", "b.txt", "碑林区的扶贫资金共计3.5亿元。")])
    assert (folder / seg.STATE).read_text(encoding="utf-8") == state_before
    assert len(list((folder / seg.FOLDER).iterdir())) == 2  # the orphan segment is there
    index = Index.load(folder)
    assert "b.txt" not in index.documents and "a.txt" in index.documents
    remove_stale(folder)  # the next writer removes what no state names
    assert len(list((folder / seg.FOLDER).iterdir())) == 1
    assert Index.load(folder).chunk_count() == index.chunk_count()


def test_a_state_of_another_base_or_a_damaged_segment_names_the_rebuild(seeds_assistant, tmp_path):
    folder = seeds_assistant.settings.index_dir
    seeds_assistant.add_documents([_write(tmp_path / "docs", "a.txt", "灞桥区新筑街道今年帮扶了27个村。")])
    state = json.loads((folder / seg.STATE).read_text(encoding="utf-8"))
    name = state["segments"][0]["name"]
    path = folder / seg.FOLDER / name / "documents.db"
    data = path.read_bytes()
    path.write_bytes(data[:100])
    with pytest.raises(IndexCorrupt, match=r"documents.db does not match its checksum.*rag index --rebuild"):
        Index.load(folder)
    path.write_bytes(data)
    Index.load(folder)  # (its times changed: hashed, and whole again)
    (folder / seg.STATE).write_text(json.dumps({**state, "base": "0" * 16}), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match=r"segments.json belongs to another build.*rag index --rebuild"):
        Index.load(folder)


def test_a_rebuild_drops_the_segments(seeds_assistant, tmp_path):
    folder = seeds_assistant.settings.index_dir
    seeds_assistant.add_documents([_write(tmp_path / "docs", "a.txt", "灞桥区新筑街道今年帮扶了27个村。")])
    settings = _settings(folder).model_copy(update={"chunk_size": 300})  # another chunker: a full rebuild
    build_index([SEEDS, tmp_path / "docs"], settings, embedder=HashEmbedder())
    assert not (folder / seg.STATE).exists() and not (folder / seg.FOLDER).exists()
    index = Index.load(folder)
    assert "a.txt" in index.documents and index._state is None


def test_kept_documents_are_not_read_by_a_delta(seeds_assistant, tmp_path, monkeypatch):
    from rag.docstore import DocumentStore

    reads = []
    original = DocumentStore._entry

    def spy(self, doc_id):
        reads.append(doc_id)
        return original(self, doc_id)

    monkeypatch.setattr(DocumentStore, "_entry", spy)
    seeds = set(seeds_assistant.index.documents)
    seeds_assistant.add_documents([_write(tmp_path / "docs", "a.txt", "灞桥区新筑街道今年帮扶了27个村。")])
    assert not seeds & set(reads)  # (only the new document, read back from its segment)


@pytest.mark.slow
def test_updates_killed_at_any_point_leave_an_index_that_answers(tmp_path):
    """A stream of small adds (each a delta segment) killed at several moments."""
    index_dir = tmp_path / "index"
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_EMBEDDER": "hash-test"}
    subprocess.run([sys.executable, "-m", "rag", "index", str(SEEDS)], env=env, check=True, capture_output=True)
    script = (
        "import sys; from pathlib import Path; from rag.assistant import Assistant; from rag.config import Settings\n"
        "from rag.embedders import HashEmbedder\n"
        f"a = Assistant.open(Settings(index_dir=Path({str(index_dir)!r}), embedder='hash-test'), "
        "embedder=HashEmbedder())\n"
        f"d = Path({str(tmp_path / 'docs')!r}); d.mkdir(exist_ok=True)\n"
        "for i in range(400):\n"
        "    p = d / f'{i % 7}.txt'; p.write_text(f'第{i}号通知：活动改在{i}楼。', encoding='utf-8')\n"
        "    a.add_documents([p])\n"
    )
    for delay in (0.3, 0.9, 1.7, 2.6):
        proc = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = Index.load(index_dir)  # loads, checksums verified
        assert len(index.documents) >= 5
        ask = subprocess.run(
            [sys.executable, "-m", "rag", "ask", "碑林区帮扶了多少个村", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert ask.returncode == 0, ask.stderr
        assert json.loads(ask.stdout)["answer"].startswith("11个")
    extra = _write(tmp_path / "extra", "x.txt", "新的一份通知。")  # the next writer cleans up after the killed ones
    again = subprocess.run([sys.executable, "-m", "rag", "index", str(extra)], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    state = seg.read_state(index_dir)
    named = {s["name"] for s in (state or {}).get("segments", [])}
    on_disk = {p.name for p in (index_dir / seg.FOLDER).iterdir()} if (index_dir / seg.FOLDER).exists() else set()
    assert on_disk == named  # no orphan segment left by the killed writers


def test_a_delta_tokenises_and_embeds_only_new_text_and_refills_no_vector_store(tmp_path, monkeypatch):
    """On an IVF index (the kind a large corpus gets): an upload and a removal neither refill nor copy the
    vectors, tokenise only the new chunks, and leave the index answering queries as it was."""
    from rag.lexical import BM25Store
    from rag.vector_store import FaissStore

    docs = tmp_path / "docs"
    for i in range(90):
        _write(
            docs,
            f"f{i:03d}.txt",
            "".join(f"第{i}号文件第{j}句，讲的是第{j % 7}个主题的细节，编号{i * 100 + j}。" for j in range(90)),
        )
    settings = Settings(index_dir=tmp_path / "idx", dense_index="ivf", embedder="hash-test")
    build_index([docs], settings, embedder=HashEmbedder())
    assistant = Assistant.open(settings, embedder=HashEmbedder())
    serving = assistant.index
    assert serving.dense.kind == "ivf"
    calls = []
    original = BM25Store.tokenize
    monkeypatch.setattr(BM25Store, "tokenize", staticmethod(lambda text: calls.append(text) or original(text)))
    monkeypatch.setattr(FaissStore, "from_vectors", classmethod(lambda *a, **k: pytest.fail("refilled")))
    monkeypatch.setattr(FaissStore, "vectors", lambda self: pytest.fail("every vector copied"))
    upload = _write(tmp_path, "new.txt", "新上传的文件，讲灞桥区帮扶了7个村。" * 3)
    report = assistant.add_documents([upload], upload=True)
    assert report.added and len(calls) == report.embedded_chunks == 1
    assistant.remove_documents(["f010.txt"])
    monkeypatch.undo()
    assert serving._state is None and len(serving.chunks) == len(serving.dense)  # the old one untouched
    loaded = Index.load(tmp_path / "idx")
    assert "f010.txt" not in loaded.documents and "upload:new.txt" in loaded.documents
    row = next(iter(loaded.chunks.rows_of("upload:new.txt")))
    vector = HashEmbedder().embed_passages([loaded.chunks[row].text])[0]
    rows, _ = loaded.dense.search(vector, 3)
    assert loaded.chunks.doc_id(rows[0]) == "upload:new.txt"


def test_corpus_wide_checks_see_only_live_documents(seeds_assistant, tmp_path):
    """The answer builder's corpus-wide checks (is a name anywhere in the documents) and the corpus text for
    pinyin names read the live documents only: a removed or replaced version is not there any more."""
    from rag.assistant import MatchingView

    docs = tmp_path / "docs"
    seeds_assistant.add_documents([_write(docs, "a.txt", "琉璃廠街道今年新開了3家書店。")])  # traditional script
    view = MatchingView.of(seeds_assistant.index)
    assert seeds_assistant.index.documents.any_text("書店") and not seeds_assistant.index.documents.any_text("书店")
    assert view.index.documents.any_text("书店") and "琉璃厂" in view.corpus_text
    _write(docs, "a.txt", "大栅栏街道今年新开了2家茶馆。")
    seeds_assistant.add_documents([docs / "a.txt"])
    view = MatchingView.of(seeds_assistant.index)
    assert not view.index.documents.any_text("琉璃厂") and view.index.documents.any_text("大栅栏")
    assert "琉璃厂" not in view.corpus_text and "大栅栏" in view.corpus_text
    seeds_assistant.remove_documents(["a.txt"])
    loaded = Index.load(seeds_assistant.settings.index_dir)
    assert not loaded.documents.any_text("大栅栏") and loaded.documents.any_text("碑林区")
    assert not loaded.documents.any_text("碑林区", test=lambda text: "大栅栏" in text)


def test_an_ivf_index_is_compacted_without_refilling_it(tmp_path, monkeypatch):
    """A compaction of an IVF index keeps its lists (the live vectors renumbered where they lie, the segments'
    vectors assigned), and gives the chunks, vectors and BM25 scores of a build from scratch."""
    from rag.vector_store import FaissStore

    docs = tmp_path / "docs"
    for i in range(90):
        text = "".join(f"第{i}号文件第{j}句，讲的是第{j % 7}个主题的细节，编号{i * 100 + j}。" for j in range(90))
        _write(docs, f"f{i:03d}.txt", text)
    settings = Settings(index_dir=tmp_path / "idx", dense_index="ivf", embedder="hash-test")
    build_index([docs], settings, embedder=HashEmbedder())
    _write(docs, "f050a.txt", "新加的文件，讲灞桥区帮扶了7个村。" * 3)
    (docs / "f010.txt").unlink()
    build_index([docs], settings, embedder=HashEmbedder())  # a delta segment
    assert (settings.index_dir / seg.STATE).is_file()
    _write(docs, "f050b.txt", "又一个新文件，讲雁塔区帮扶了9个村。" * 3)
    monkeypatch.setattr(seg, "DELTA_SHARE", 0.0)
    monkeypatch.setattr(FaissStore, "from_vectors", classmethod(lambda *a, **k: pytest.fail("refilled")))
    _, report, _ = build_index([docs], settings, embedder=HashEmbedder())
    monkeypatch.undo()
    assert report.added == ["f050b.txt"] and not (settings.index_dir / seg.STATE).exists()
    fresh, _, _ = build_index(
        [docs], Settings(index_dir=tmp_path / "fresh", dense_index="ivf", embedder="hash-test"), embedder=HashEmbedder()
    )
    loaded = Index.load(settings.index_dir)
    assert loaded.dense.kind == "ivf" and [c.id for c in loaded.chunks] == [c.id for c in fresh.chunks]
    assert np.allclose(loaded.dense.vectors(), fresh.dense.vectors(), atol=1e-3)  # (half floats)
    for query in ("灞桥区帮扶了几个村", "第7号文件", "主题的细节"):
        assert np.allclose(loaded.lexical.scores(query), fresh.lexical.scores(query), rtol=1e-5)


def test_top_rows_ranks_only_scored_rows_and_breaks_ties_by_row():
    from rag.lexical import top_rows

    scores = np.array([0.0, 2.0, 1.0, 2.0, 0.0, 3.0, 1.0, -1.0], dtype=np.float32)
    rows, values = top_rows(scores, 3)
    assert rows.tolist() == [5, 1, 3] and values.tolist() == [3.0, 2.0, 2.0]
    rows, _ = top_rows(scores, 4)  # a tie at the cut: the lower row first
    assert rows.tolist() == [5, 1, 3, 2]
    rows, _ = top_rows(scores, 50)  # never a row without a positive score
    assert rows.tolist() == [5, 1, 3, 2, 6]
    assert top_rows(np.zeros(5, dtype=np.float32), 3)[0].tolist() == []


def test_a_delta_update_never_reads_the_base_vectors_or_bm25_scores(tmp_path, monkeypatch):
    """Loading an index maps BM25 and defers FAISS until a query needs it: `rag index` adding a file as a delta
    segment reads neither (at 1.4M chunks they were 3 GB read before the first change was written)."""
    import rag.vector_store as vector_store

    settings = _settings(tmp_path / "index")
    build_index([SEEDS], settings, embedder=HashEmbedder())
    reads = []
    original = vector_store._read
    monkeypatch.setattr(vector_store, "_read", lambda path, *a: reads.append(path) or original(path, *a))
    index, report, _ = build_index([_write(tmp_path / "docs", "a.txt", "灞桥区新筑街道今年帮扶了27个村。")], settings)
    base_reads = [p for p in reads if p.parent == settings.index_dir]  # (the new segment's own file is read)
    assert report.added == ["a.txt"] and base_reads == []
    assert isinstance(index.lexical.stores[0]._data, np.memmap)
    rows, _ = index.dense.search(HashEmbedder().embed_queries(["灞桥区帮扶了几个村"])[0], 3)  # now it is read
    assert [p for p in reads if p.parent == settings.index_dir] == [settings.index_dir / "dense.faiss"]
    assert len(rows) == 3


def test_a_vector_file_of_another_size_is_reported_when_first_read(tmp_path):
    from rag.vector_store import FaissStore

    settings = _settings(tmp_path / "index")
    build_index([SEEDS], settings, embedder=HashEmbedder())
    other = tmp_path / "other"
    other.mkdir()
    FaissStore.from_vectors(np.eye(64, dtype=np.float32)[:3]).save(other)
    index = Index.load(settings.index_dir, verify=False)  # (a checksum would catch the swap first)
    (settings.index_dir / "dense.faiss").write_bytes((other / "dense.faiss").read_bytes())
    with pytest.raises(IndexCorrupt, match=r"3 vectors for \d+ chunks; rebuild it with `rag index --rebuild"):
        index.dense.search(np.ones(64, dtype=np.float32), 3)


def test_a_file_added_as_a_segment_is_re_synced_and_its_no_op_found_without_loading(tmp_path, monkeypatch):
    """A file indexed by path into a delta segment is a recorded source: a later `rag index` with no path reads
    it again when it changes, and finds the no-op from the manifest and the segments' records alone."""
    import os
    import time as clock

    from rag.assistant import unchanged_on_disk

    monkeypatch.setattr(seg, "DELTA_SHARE", 1.0)  # (two small files: any change is a large share of them)
    settings = _settings(tmp_path / "index")
    docs = tmp_path / "docs"
    past = clock.time() - 3600
    for name, text in (("a.txt", "甲文件：活动在3楼。"), ("b.txt", "乙文件：活动在周六。")):
        os.utime(_write(docs, name, text), (past, past))
    build_index([docs], settings, embedder=HashEmbedder())
    extra = _write(tmp_path / "more", "new.txt", "高压清洗机押金为250元。")
    os.utime(extra, (past, past))
    build_index([extra], settings, embedder=HashEmbedder())
    assert (settings.index_dir / seg.STATE).is_file()
    report = unchanged_on_disk([], settings, HashEmbedder())
    assert report is not None and sorted(report.unchanged) == ["a.txt", "b.txt", "new.txt"]
    assert report.total_chunks == Index.load(settings.index_dir).chunk_count()
    extra.write_text("高压清洗机押金为300元。", encoding="utf-8")
    os.utime(extra, (past + 60, past + 60))
    assert unchanged_on_disk([], settings, HashEmbedder()) is None
    index, report, _ = build_index([], settings, embedder=HashEmbedder())
    assert report.changed == ["new.txt"] and "300元" in index.documents["new.txt"].text
    from rag.index import read_sources

    assert {s["root"] for s in read_sources(settings.index_dir)} == {str(docs.resolve()), str(extra.resolve())}
    assert json.loads((settings.index_dir / "sources.json").read_text(encoding="utf-8")) == read_sources(
        settings.index_dir
    )


def _server_and_another_writer(tmp_path: Path) -> tuple[Settings, Assistant, Assistant]:
    """Two assistants over one saved index (as two processes would be); the second has saved a change since."""
    settings = _settings(tmp_path / "index")
    build_index([SEEDS], settings, embedder=HashEmbedder())
    server = Assistant.open(settings, embedder=HashEmbedder())
    other = Assistant.open(settings, embedder=HashEmbedder())
    other.add_documents([_write(tmp_path / "a", "other.txt", "雁塔区今年帮扶了31个村。")])
    return settings, server, other


@pytest.mark.parametrize("segmented", [True, False])
def test_an_update_from_a_stale_view_keeps_what_another_process_saved_meanwhile(tmp_path, monkeypatch, segmented):
    """A server (one assistant) loaded the index; `rag index` (another) then saved a change. The server's next
    upload and removal build on what is saved, not on its old view, so the other's change is not dropped."""
    monkeypatch.setattr(seg, "ENABLED", segmented)
    settings, server, other = _server_and_another_writer(tmp_path)
    server.add_documents([_write(tmp_path / "b", "mine.txt", "未央区今年帮扶了45个村。")])
    saved = Index.load(settings.index_dir)
    assert {"other.txt", "mine.txt"} <= set(saved.documents)
    assert server.ask("雁塔区今年帮扶了多少个村").answer.startswith("31")

    other.add_documents([_write(tmp_path / "a", "third.txt", "长安区今年帮扶了52个村。")])
    server.remove_documents(["mine.txt"])
    saved = Index.load(settings.index_dir)
    assert "third.txt" in saved.documents and "mine.txt" not in saved.documents
    assert server.ask("长安区今年帮扶了多少个村").answer.startswith("52")


def test_a_server_that_has_not_searched_yet_answers_from_its_own_files_after_another_replaces_the_folder(
    tmp_path, monkeypatch
):
    """Vectors are read at the first search; a full save by another process renames a new folder into place
    before that. The server still reads the vectors of the index it loaded, not the new folder's."""
    monkeypatch.setattr(seg, "ENABLED", False)
    _, server, _ = _server_and_another_writer(tmp_path)
    assert server.ask("碑林区帮扶了多少个村").answer.startswith("11")
