import json
import shutil

import numpy as np
import pytest

from rag.assistant import build_index
from rag.chunk_table import ChunkTable
from rag.chunking import RULES_VERSION, ChunkerSettings
from rag.config import Settings
from rag.docstore import DocumentStore
from rag.documents import load_corpus
from rag.embedders import HashEmbedder
from rag.errors import EmbedderMismatch, IndexCorrupt, IndexNotFound
from rag.index import Index

from .conftest import SEEDS
from .old_formats import documents_as_jsonl


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.embedded = 0

    def embed_passages(self, texts, show_progress=False):
        self.embedded += len(texts)
        return super().embed_passages(texts, show_progress)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def test_checksums_are_those_of_each_file_in_order(tmp_path):
    import hashlib

    from rag.index import _sha256_files

    files = []
    for i, size in enumerate((10, 3_000_000, 0, 1_500_000)):
        path = tmp_path / f"f{i}"
        path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        files.append(path)
    assert _sha256_files(files) == [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    assert _sha256_files(files[:1]) == [hashlib.sha256(files[0].read_bytes()).hexdigest()]


def test_save_load_round_trip(built_index_dir, seed_docs):
    index = Index.load(built_index_dir, expected_embedder="e5-small-bundled")
    assert set(index.documents) == {d.id for d in seed_docs.values()}
    for c in index.chunks:
        assert index.document(c.doc_id).text[c.start : c.end] == c.text
    assert len(index.dense) == len(index.chunks) == index.manifest["n_chunks"]
    manifest = json.loads((built_index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == {"name": "e5-small-bundled", "dim": 384}
    assert manifest["chunker"] == {"chunk_size": 240, "chunk_overlap": 1, "rules": RULES_VERSION}
    assert manifest["format_version"] == 4 and manifest["documents_schema"] == 1
    assert isinstance(index.chunks, ChunkTable) and "chunks.jsonl" not in manifest["checksums"]
    assert isinstance(index.documents, DocumentStore)  # read by id, not loaded whole
    assert index.document("001_ad83b76884cea2bc.txt") == seed_docs["001"]
    assert manifest["documents"]["001_ad83b76884cea2bc.txt"]["sha256"] == seed_docs["001"].sha256
    assert set(manifest["checksums"]) >= {"documents.db", "chunks.npy", "sections.json", "dense.faiss"}
    assert "documents.jsonl" not in manifest["checksums"]


def test_a_format_2_index_is_read_and_saved_as_format_4(corpus, tmp_path):
    """Format 2 kept chunks in JSONL: it still loads (chunks parsed), and the next update writes the table."""
    import hashlib

    settings = Settings(index_dir=tmp_path / "idx")
    built, _, _ = build_index([corpus], settings, embedder=HashEmbedder())
    folder = settings.index_dir
    (folder / "chunks.jsonl").write_text("".join(c.model_dump_json() + "\n" for c in built.chunks), encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    documents_as_jsonl(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in ("chunks.npy", "sections.json"):
        (folder / name).unlink()
        del manifest["checksums"][name]
    manifest["checksums"]["chunks.jsonl"] = hashlib.sha256((folder / "chunks.jsonl").read_bytes()).hexdigest()
    manifest["format_version"] = 2
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    old = Index.load(folder)
    assert isinstance(old.chunks, list) and old.chunks == list(built.chunks)
    (corpus / "new.txt").write_text("新文章。灞桥区帮扶了7个村。", encoding="utf-8")
    updated, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert report.added == ["new.txt"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 4 and not (folder / "chunks.jsonl").exists()
    assert not (folder / "documents.jsonl").exists()
    assert list(Index.load(folder).chunks) == list(updated.chunks)


def test_incremental_update_embeds_only_what_changed(corpus, tmp_path):
    settings = Settings(index_dir=tmp_path / "idx")
    emb = CountingEmbedder()
    first, report, _ = build_index([corpus], settings, embedder=emb)
    assert len(report.added) == 5 and emb.embedded == len(first.chunks)

    emb.embedded = 0
    _, report, _ = build_index([corpus], settings, embedder=emb)
    assert emb.embedded == 0 and len(report.unchanged) == 5

    target = corpus / "002_56afb24572716b20.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n高陵区新增了一段关于光伏发电的报道。\n", encoding="utf-8")
    (corpus / "new.txt").write_text("新文章。灞桥区帮扶了7个村。", encoding="utf-8")
    emb.embedded = 0
    index, report, _ = build_index([corpus], settings, embedder=emb)
    assert report.changed == ["002_56afb24572716b20.txt"] and report.added == ["new.txt"]
    changed_chunks = [c for c in index.chunks if c.doc_id in ("002_56afb24572716b20.txt", "new.txt")]
    assert emb.embedded == len(changed_chunks)
    assert any("灞桥区帮扶了7个村" in c.text for c in index.chunks)
    # unchanged documents kept their vectors
    old_rows = [i for i, c in enumerate(first.chunks) if c.doc_id == "000_1d824e6dd909b0d6.txt"]
    new_rows = [i for i, c in enumerate(index.chunks) if c.doc_id == "000_1d824e6dd909b0d6.txt"]
    assert np.allclose(first.dense.vectors()[old_rows], index.dense.vectors()[new_rows])


def test_a_no_op_update_writes_nothing_and_a_changed_store_setting_rebuilds(corpus, tmp_path):
    """Indexing the same folder again rebuilds and rewrites nothing (it used to re-tokenise every chunk for
    BM25); a different vector-store setting, or an index saved before the settings were recorded, rebuilds."""
    settings = Settings(index_dir=tmp_path / "idx")
    build_index([corpus], settings, embedder=HashEmbedder())
    manifest = tmp_path / "idx" / "manifest.json"
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    assert recorded["dense_settings"]["dense_index"] == "auto"
    before = (manifest.read_bytes(), manifest.stat().st_mtime_ns)
    index, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert len(report.unchanged) == 5 and not (report.added or report.changed or report.removed)
    assert (manifest.read_bytes(), manifest.stat().st_mtime_ns) == before
    assert len(Index.load(tmp_path / "idx").chunks) == len(index.chunks)

    flat = Settings(index_dir=tmp_path / "idx", dense_index="flat")
    build_index([corpus], flat, embedder=HashEmbedder())
    assert json.loads(manifest.read_text(encoding="utf-8"))["dense_settings"]["dense_index"] == "flat"
    assert "dense_codes" not in json.loads(manifest.read_text(encoding="utf-8"))["dense_settings"]  # the default
    sq8 = Settings(index_dir=tmp_path / "idx", dense_index="ivf", dense_codes="sq8", ann_threshold=1000)
    build_index([corpus], sq8, embedder=HashEmbedder())  # rebuilt: the setting is recorded
    assert json.loads(manifest.read_text(encoding="utf-8"))["dense_settings"]["dense_codes"] == "sq8"

    old = json.loads(manifest.read_text(encoding="utf-8"))
    del old["dense_settings"]  # an index saved before this version: rebuilt once, then left alone
    manifest.write_text(json.dumps(old), encoding="utf-8")
    build_index([corpus], flat, embedder=HashEmbedder())
    assert "dense_settings" in json.loads(manifest.read_text(encoding="utf-8"))


def test_an_update_reads_only_files_whose_size_or_time_changed(corpus, tmp_path, monkeypatch):
    """A file whose size and modification time are those recorded is not read again; one changed to the same
    size but another time is; a file modified within the last seconds is read again next time (its time is
    not trusted); an index cleaned by other rules reads everything."""
    import os
    import time

    import rag.documents as documents

    past = time.time() - 3600
    for path in corpus.iterdir():
        os.utime(path, (past, past))
    settings = Settings(index_dir=tmp_path / "idx")
    build_index([corpus], settings, embedder=HashEmbedder())
    read = []
    original = documents.load_document
    monkeypatch.setattr(documents, "load_document", lambda path, **kw: read.append(path.name) or original(path, **kw))

    _, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert read == [] and len(report.unchanged) == 5

    target = corpus / "002_56afb24572716b20.txt"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("高陵", "灞桥", 1), encoding="utf-8")  # same size, new content
    os.utime(target, (past + 60, past + 60))
    index, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert read == [target.name] and report.changed == ["002_56afb24572716b20.txt"]
    assert "灞桥" in index.documents["002_56afb24572716b20.txt"].text

    read.clear()
    (corpus / "new.txt").write_text("新文章。灞桥区帮扶了7个村。", encoding="utf-8")  # modified just now
    index, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert read == ["new.txt"] and index.documents["new.txt"].file_mtime_ns is None
    read.clear()
    manifest = tmp_path / "idx" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    build_index([corpus], settings, embedder=HashEmbedder())
    assert read == ["new.txt"]  # its time was too recent to trust: read again
    assert manifest.stat().st_mtime_ns == before  # ... and found the same: nothing rewritten

    read.clear()
    old = json.loads(manifest.read_text(encoding="utf-8"))
    old["cleaning"] = 0  # cleaned by an older version's rules
    manifest.write_text(json.dumps(old), encoding="utf-8")
    _, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert len(read) == 6


def test_an_update_reads_from_the_index_only_the_documents_given_again(corpus, tmp_path, monkeypatch):
    """Adding, changing and removing files reads no kept document from the index's database (their files are
    unchanged: the manifest's record says so, and their chunks, vectors and tokens are reused by row), and the
    result is the index a rebuild makes."""
    import os
    import time

    past = time.time() - 3600
    for path in corpus.iterdir():
        os.utime(path, (past, past))
    settings = Settings(index_dir=tmp_path / "idx")
    build_index([corpus], settings, embedder=HashEmbedder())
    read: list[str] = []
    walked: list[bool] = []
    entry, walk = DocumentStore._entry, DocumentStore._walk
    monkeypatch.setattr(DocumentStore, "_entry", lambda self, doc_id: read.append(doc_id) or entry(self, doc_id))
    monkeypatch.setattr(DocumentStore, "_walk", lambda self: walked.append(True) or walk(self))

    (corpus / "new.txt").write_text("新文章。灞桥区帮扶了7个村。", encoding="utf-8")
    os.utime(corpus / "new.txt", (past, past))
    changed = corpus / "002_56afb24572716b20.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("高陵", "灞桥", 1), encoding="utf-8")
    os.utime(changed, (past + 60, past + 60))
    (corpus / "001_ad83b76884cea2bc.txt").unlink()
    index, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert (report.added, report.changed, report.removed) == (
        ["new.txt"],
        ["002_56afb24572716b20.txt"],
        ["001_ad83b76884cea2bc.txt"],
    )
    assert len(report.unchanged) == 3
    assert not walked and not set(read) & set(report.unchanged)  # no kept document was read
    assert "002_56afb24572716b20.txt" in read  # its old version, to compare (it changed)

    monkeypatch.undo()
    rebuilt, _, _ = build_index([corpus], Settings(index_dir=tmp_path / "rebuilt"), embedder=HashEmbedder())
    assert list(index.documents) == list(rebuilt.documents)
    assert [(c.id, c.start, c.end, c.section) for c in index.chunks] == [
        (c.id, c.start, c.end, c.section) for c in rebuilt.chunks
    ]
    entries = {k: {f: v for f, v in e.items() if f != "indexed_at"} for k, e in index.manifest["documents"].items()}
    again = {k: {f: v for f, v in e.items() if f != "indexed_at"} for k, e in rebuilt.manifest["documents"].items()}
    assert entries == again
    assert Index.load(tmp_path / "idx").documents["new.txt"].text.endswith("灞桥区帮扶了7个村。")


def test_an_update_tokenises_only_new_text_and_equals_a_rebuild(corpus, tmp_path, monkeypatch):
    """The kept chunks' BM25 tokens come from the previous index: adding a file tokenises its chunks only, and
    the BM25 arrays equal those of a build from scratch of the same files."""
    from rag import segments

    monkeypatch.setattr(segments, "ENABLED", False)  # the folder rewritten in full: see test_segments
    from rag.lexical import BM25Store

    settings = Settings(index_dir=tmp_path / "idx")
    build_index([corpus], settings, embedder=HashEmbedder())
    (corpus / "new.txt").write_text("新文章。灞桥区帮扶了7个村，修建道路12公里。", encoding="utf-8")
    calls = []
    original = BM25Store.tokenize
    monkeypatch.setattr(BM25Store, "tokenize", staticmethod(lambda text: calls.append(text) or original(text)))
    # the kept chunks are copied as rows of the previous chunk table, never built one by one
    built = []
    getitem = ChunkTable.__getitem__
    monkeypatch.setattr(ChunkTable, "__getitem__", lambda self, row: built.append(row) or getitem(self, row))
    # and the new rows' entries are merged into the previous matrix, not all entries sorted again
    monkeypatch.setattr(BM25Store, "_from_ids", classmethod(lambda *a: pytest.fail("BM25 rebuilt from all rows")))
    updated, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert report.added == ["new.txt"]
    monkeypatch.undo()
    assert len(calls) == sum(c.doc_id == "new.txt" for c in updated.chunks)
    assert isinstance(updated.chunks, ChunkTable) and len(built) == len(calls)  # only the new ones, checked
    fresh, _, _ = build_index([corpus], Settings(index_dir=tmp_path / "fresh"), embedder=HashEmbedder())
    for name in ("_data", "_indices", "_indptr"):
        assert np.array_equal(getattr(updated.lexical, name), getattr(fresh.lexical, name)), name
    assert updated.lexical._vocab == fresh.lexical._vocab
    reloaded = Index.load(tmp_path / "idx")
    assert reloaded.lexical.rows_tokens([0]) == fresh.lexical.rows_tokens([0])
    for q in ("灞桥区帮扶了多少个村", "碑林区帮扶了多少个村"):
        assert np.allclose(reloaded.lexical.scores(q), fresh.lexical.scores(q))


def test_changed_chunker_settings_reembed(corpus, tmp_path):
    emb = CountingEmbedder()
    build_index([corpus], Settings(index_dir=tmp_path / "idx"), embedder=emb)
    emb.embedded = 0
    index, _, _ = build_index([corpus], Settings(index_dir=tmp_path / "idx", chunk_size=120), embedder=emb)
    assert emb.embedded == len(index.chunks)
    assert index.manifest["chunker"]["chunk_size"] == 120


def test_an_index_built_under_older_rules_is_rebuilt_in_full(corpus, tmp_path, monkeypatch):
    import rag.chunking

    emb = CountingEmbedder()
    monkeypatch.setattr(rag.chunking, "RULES_VERSION", RULES_VERSION - 1)
    build_index([corpus], Settings(index_dir=tmp_path / "idx"), embedder=emb)
    monkeypatch.undo()
    emb.embedded = 0
    index, _, _ = build_index([corpus], Settings(index_dir=tmp_path / "idx"), embedder=emb)
    assert emb.embedded == len(index.chunks)
    assert index.manifest["chunker"]["rules"] == RULES_VERSION


def test_embedder_mismatch_is_a_clear_error(built_index_dir):
    with pytest.raises(EmbedderMismatch, match=r"built with embedder 'e5-small-bundled', not 'hash-test'"):
        Index.load(built_index_dir, expected_embedder="hash-test")
    docs, _ = load_corpus([SEEDS])
    previous = Index.load(built_index_dir)
    with pytest.raises(EmbedderMismatch, match="rag index --rebuild"):
        Index.build(docs, HashEmbedder(), ChunkerSettings(), previous=previous)


def test_missing_and_foreign_folders(tmp_path):
    with pytest.raises(IndexNotFound, match="no index in"):
        Index.load(tmp_path / "nothing")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.bin").write_bytes(b"hello")
    with pytest.raises(IndexNotFound, match="is not an index"):
        Index.load(tmp_path / "foreign")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("你好。")
    with pytest.raises(IndexNotFound, match=r"holds documents, not an index; index them with `rag index .*docs"):
        Index.load(tmp_path / "docs")


def test_tampered_and_truncated_files_are_detected(index_copy):
    docs = index_copy / "documents.db"
    docs.write_bytes(docs.read_bytes().replace("碑林区".encode(), "雁塔区".encode(), 1))
    with pytest.raises(IndexCorrupt, match="does not match its checksum.*rag index --rebuild"):
        Index.load(index_copy)
    faiss_file = index_copy / "dense.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexCorrupt, match="(dense.faiss|documents.db)"):
        Index.load(index_copy)


def test_a_load_hashes_only_files_touched_since_they_were_saved(tmp_path, monkeypatch):
    """Files with the size and time recorded at save are not hashed again; a file rewritten with the same bytes
    (another time) is, and one changed to the same size at another time is caught by its checksum."""
    import os

    import rag.index as index_module

    folder = tmp_path / "idx"
    build_index([SEEDS], Settings(index_dir=folder), embedder=HashEmbedder())
    hashed = []
    original = index_module._sha256_file
    monkeypatch.setattr(index_module, "_sha256_file", lambda p: hashed.append(p.name) or original(p))
    Index.load(folder)
    assert hashed == []
    sections = folder / "sections.json"
    sections.write_bytes(sections.read_bytes())
    st = sections.stat()
    os.utime(sections, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # (a coarse clock may not have moved)
    Index.load(folder)
    assert hashed == ["sections.json"]
    docs = folder / "documents.db"
    docs.write_bytes(docs.read_bytes().replace("碑林区".encode(), "雁塔区".encode(), 1))
    st = docs.stat()
    os.utime(docs, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(IndexCorrupt, match="documents.db does not match its checksum"):
        Index.load(folder)


def test_unreadable_manifest(index_copy):
    (index_copy / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="manifest.json is unreadable"):
        Index.load(index_copy)


def test_save_keeps_other_files_and_leaves_no_temporaries(corpus, tmp_path):
    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "README.md").write_text("keep me")
    build_index([corpus], Settings(index_dir=folder), embedder=HashEmbedder())
    assert (folder / "README.md").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_ivf_index_is_updated_in_place_by_rag_index(tmp_path, monkeypatch):
    """rag index on an IVF index: an added and a removed file change the loaded index where it lies (no matrix
    of every vector, no refill); its vectors are then row for row those of a build from scratch."""
    from rag import segments

    monkeypatch.setattr(segments, "ENABLED", False)  # the folder rewritten in full: see test_segments
    from rag.vector_store import FaissStore

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(90):
        text = "".join(f"第{i}号文件第{j}句，讲的是第{j % 7}个主题的细节，编号{i * 100 + j}。" for j in range(90))
        (docs / f"f{i:03d}.txt").write_text(text, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "idx", dense_index="ivf")
    first, _, _ = build_index([docs], settings, embedder=HashEmbedder())
    assert first.dense.kind == "ivf" and len(first.chunks) > 1000
    (docs / "f050a.txt").write_text("新加的文件，讲灞桥区帮扶了7个村。" * 3, encoding="utf-8")
    (docs / "f010.txt").unlink()
    monkeypatch.setattr(FaissStore, "from_vectors", classmethod(lambda *a, **k: pytest.fail("refilled")))
    monkeypatch.setattr(FaissStore, "vectors", lambda self: pytest.fail("every vector copied"))
    updated, report, _ = build_index([docs], settings, embedder=HashEmbedder())
    monkeypatch.undo()
    assert report.added == ["f050a.txt"] and report.removed == ["f010.txt"]
    fresh, _, _ = build_index(
        [docs], Settings(index_dir=tmp_path / "fresh", dense_index="ivf"), embedder=HashEmbedder()
    )
    assert [c.id for c in updated.chunks] == [c.id for c in fresh.chunks]
    assert np.allclose(Index.load(tmp_path / "idx").dense.vectors(), fresh.dense.vectors(), atol=1e-3)  # fp16
    row = next(i for i, c in enumerate(fresh.chunks) if c.doc_id == "f050a.txt")
    ids, _ = Index.load(tmp_path / "idx").dense.search(fresh.dense.vectors()[row], 1)
    assert ids[0] == row


def test_an_upload_and_a_removal_through_the_assistant_update_an_ivf_index_where_it_lies(tmp_path, monkeypatch):
    """The web chat's upload and `rag remove` (Assistant.add_files / remove_documents) change a loaded IVF index
    as `rag index` does: no refill from a matrix of every vector (at 1.4M 384-d chunks a removal that refilled took
    80 s and 9.8 GB); the index answering queries meanwhile is left as it was."""
    from rag import segments

    monkeypatch.setattr(segments, "ENABLED", False)  # the folder rewritten in full: see test_segments
    from rag.assistant import Assistant
    from rag.vector_store import FaissStore

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(90):
        text = "".join(f"第{i}号文件第{j}句，讲的是第{j % 7}个主题的细节，编号{i * 100 + j}。" for j in range(90))
        (docs / f"f{i:03d}.txt").write_text(text, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "idx", dense_index="ivf", embedder="hash-test")
    build_index([docs], settings, embedder=HashEmbedder())
    assistant = Assistant.open(settings, embedder=HashEmbedder())
    serving = assistant.index.dense
    size = len(serving)
    upload = tmp_path / "new.txt"
    upload.write_text("新上传的文件，讲灞桥区帮扶了7个村。" * 3, encoding="utf-8")
    monkeypatch.setattr(FaissStore, "from_vectors", classmethod(lambda *a, **k: pytest.fail("refilled")))
    monkeypatch.setattr(FaissStore, "vectors", lambda self: pytest.fail("every vector copied"))
    report = assistant.add_documents([upload], upload=True)
    assert report.added and len(assistant.index.dense) > size and len(serving) == size
    report = assistant.remove_documents(["f010.txt"])
    assert report.removed == ["f010.txt"] and assistant.index.dense.kind == "ivf"
    before = assistant.index.dense
    report = assistant.remove_documents(["f011.txt"], alone=True)  # rag remove: nothing else reads the index
    assert report.removed == ["f011.txt"] and assistant.index.dense._index is before._index  # changed in place
    monkeypatch.undo()
    assert len(Index.load(tmp_path / "idx").dense) == len(assistant.index.chunks)
