"""The documents of a saved index in SQLite: read by id, views stored, corpus-wide checks in SQL."""

from __future__ import annotations

import threading

import pytest

from rag.assistant import Assistant, build_index
from rag.config import Settings
from rag.docstore import CACHE, DocumentStore, view_of, write
from rag.embedders import HashEmbedder
from rag.errors import IndexCorrupt
from rag.index import Index
from rag.normalize import matching_document
from rag.schema import Document


def _doc(doc_id: str, text: str, title: str = "标题") -> Document:
    return Document(id=doc_id, source=doc_id, title=title, text=text, sha256="0" * 64, file_map=[(0, 3, len(text))])


DOCS = [
    _doc("b.txt", "碑林区帮扶了11个村。"),
    _doc("a.txt", "臺北市的圖書館週一休館。", title="圖書館"),  # traditional script: its view is simplified
    _doc("c.txt", "２０１９年，ＡＢＣ公司成立。"),  # full width: its view is folded
]


@pytest.fixture
def store(tmp_path):
    assert write(tmp_path / "documents.db", DOCS) == 3
    return DocumentStore(tmp_path / "documents.db")


def test_documents_round_trip_by_id_in_id_order(store):
    assert list(store) == ["a.txt", "b.txt", "c.txt"] == store.ids() and len(store) == 3
    for d in DOCS:
        assert store[d.id] == d and d.id in store
    assert [d.id for d in store.values()] == ["a.txt", "b.txt", "c.txt"]
    assert dict(store.items())["b.txt"] == DOCS[0]
    assert store.lengths() == [len(DOCS[1].text), len(DOCS[0].text), len(DOCS[2].text)]
    assert "z.txt" not in store and store.get("z.txt") is None
    with pytest.raises(KeyError):
        store["z.txt"]


def test_the_matching_view_is_stored_and_read_as_the_normaliser_makes_it(store):
    view = store.matching()
    for d in DOCS:
        expected, converted = matching_document(d)
        assert view[d.id] == expected and view.converted(d.id) is converted
    assert view["a.txt"].text == "台北市的图书馆周一休馆。" and view["a.txt"].title == "图书馆"
    assert view.converted("a.txt") and not view.converted("b.txt")
    assert store["a.txt"].text == DOCS[1].text  # the stored text is untouched


def test_corpus_wide_checks_scan_the_stored_or_the_view_text(store):
    view = store.matching()
    assert view.any_text("台北市") and not store.any_text("台北市")  # simplified only in the view
    assert store.any_text("臺北市") and view.any_text("碑林区")
    assert view.any_text("2019", lambda t: "2019年" in t)  # folded width in the view
    assert not view.any_text("2019", lambda t: "2020年" in t)
    assert not view.any_text("雁塔区")
    assert view.text_of_all().split("\n")[0] == "台北市的图书馆周一休馆。"


def test_views_are_made_again_when_the_normalisation_changed(tmp_path):
    write(tmp_path / "documents.db", DOCS)
    stale = DocumentStore(tmp_path / "documents.db", stored_views=False).matching()
    assert stale["a.txt"] == matching_document(DOCS[1])[0] and stale.converted("a.txt")
    assert stale.any_text("台北市") and not stale.any_text("雁塔区")


def test_reads_from_many_threads_and_a_bounded_cache(tmp_path):
    docs = [_doc(f"d{i:04d}.txt", f"第{i}篇文章。") for i in range(CACHE + 50)]
    write(tmp_path / "documents.db", docs)
    store = DocumentStore(tmp_path / "documents.db")
    errors: list[str] = []

    def read(offset: int) -> None:
        for i in range(offset, len(docs), 7):
            if store[docs[i].id].text != docs[i].text:
                errors.append(docs[i].id)

    threads = [threading.Thread(target=read, args=(k,)) for k in range(7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(store._cache) <= CACHE


def test_an_open_store_keeps_reading_after_its_folder_is_replaced(tmp_path):
    """An update renames a new folder over the old one and deletes the old: a process still answering from the
    old index reads its own, unchanged file."""
    folder = tmp_path / "idx"
    folder.mkdir()
    write(folder / "documents.db", DOCS)
    store = DocumentStore(folder / "documents.db")
    (folder / "documents.db").unlink()
    assert store["c.txt"] == DOCS[2] and store.matching().any_text("ABC")


def test_another_schema_or_a_damaged_file_is_an_index_error(tmp_path):
    import sqlite3

    write(tmp_path / "documents.db", DOCS)
    conn = sqlite3.connect(tmp_path / "documents.db")
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    with pytest.raises(IndexCorrupt, match="document schema 99"):
        DocumentStore(tmp_path / "documents.db")
    (tmp_path / "bad.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(IndexCorrupt, match="unreadable"):
        DocumentStore(tmp_path / "bad.db")


def test_documents_in_memory_get_the_same_view(store):
    in_memory, converted = view_of({d.id: d for d in DOCS})
    stored, stored_converted = view_of(store)
    assert isinstance(stored, DocumentStore) and stored.view
    for d in DOCS:
        assert in_memory[d.id] == stored[d.id] and converted(d.id) == stored_converted(d.id)


def test_a_loaded_index_answers_reading_only_the_documents_it_needs(tmp_path):
    """40 files: a question builds the documents of its hits, not all 40; a place named in no document is still
    found missing (in SQL), and one named only in a traditional-script file is found in its simplified view."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(39):
        (docs / f"n{i:02d}.txt").write_text(
            f"第{i}号通知。本周{i % 7 + 1}下午开会，地点在{i}号楼。\n", encoding="utf-8"
        )
    (docs / "tw.txt").write_text("臺北分館共有藏書3萬冊。\n", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "idx", embedder="hash-test", top_k=3)
    build_index([docs], settings, embedder=HashEmbedder())
    assistant = Assistant.open(settings, build_if_missing=False)
    store = assistant.index.documents
    assert isinstance(store, DocumentStore) and len(store) == 40
    answer = assistant.ask("台北分馆有多少册藏书？")
    assert "3万册" in answer.answer.replace("冊", "册") and answer.quotes[0].doc_id == "tw.txt"
    view = assistant._view.index.documents
    assert isinstance(view, DocumentStore) and 0 < len(view._cache) <= 3
    assert len(store._cache) <= 3  # quotes are re-sliced from the stored documents of the answer alone
    refused = assistant.ask("海淀区的分馆有多少册藏书？")
    assert refused.abstained and "海淀区" in refused.answer
    reloaded = Index.load(settings.index_dir)
    assert reloaded.document("tw.txt").text == "臺北分館共有藏書3萬冊。"


def test_an_update_copies_the_previous_database_and_writes_only_its_change(tmp_path, monkeypatch):
    """Adding, changing and removing files: the saved database is the previous one plus the change (no full
    rewrite), and reads back exactly as a build from scratch of the same files."""
    import os

    from rag import docstore, index

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in (("a.txt", "甲文件。"), ("b.txt", "乙文件。"), ("c.txt", "丙文件。"), ("t.txt", "臺北。")):
        (docs / name).write_text(text + "\n", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "idx", embedder="hash-test")
    build_index([docs], settings, embedder=HashEmbedder())
    (docs / "b.txt").write_text("乙文件改过了。\n", encoding="utf-8")
    (docs / "c.txt").unlink()
    (docs / "d.txt").write_text("丁文件。\n", encoding="utf-8")
    os.utime(docs / "a.txt", ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))  # same text, new time
    written: list[str] = []
    deleted: list[str] = []
    real = docstore.DocumentStore.copy_with

    def spy(self, path, *, delete, add):
        add, delete = list(add), list(delete)
        written.extend(d.id for d in add)
        deleted.extend(delete)
        return real(self, path, delete=delete, add=add)

    monkeypatch.setattr(docstore.DocumentStore, "copy_with", spy)
    monkeypatch.setattr(index, "write_documents", lambda *a, **k: pytest.fail("the whole database was rewritten"))
    build_index([docs], settings, embedder=HashEmbedder())
    assert sorted(written) == ["a.txt", "b.txt", "d.txt"] and sorted(deleted) == ["a.txt", "b.txt", "c.txt"]
    monkeypatch.undo()
    updated = Index.load(settings.index_dir)
    fresh_settings = Settings(index_dir=tmp_path / "fresh", embedder="hash-test")
    build_index([docs], fresh_settings, embedder=HashEmbedder())
    fresh = Index.load(fresh_settings.index_dir)
    assert list(updated.documents) == list(fresh.documents) == ["a.txt", "b.txt", "d.txt", "t.txt"]
    for doc_id in fresh.documents:
        assert updated.documents[doc_id] == fresh.documents[doc_id]
    assert updated.documents["a.txt"].file_mtime_ns == 1_600_000_000_000_000_000
    view = updated.documents.matching()
    assert view["t.txt"].text.startswith("台北") and view.converted("t.txt")
    assert view.any_text("改过") and not view.any_text("丙文件")
