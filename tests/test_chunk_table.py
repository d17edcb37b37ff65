"""The chunk table: chunks stored as offsets into their documents, read back a row at a time."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.chunk_table import ChunkTable
from rag.chunking import ChunkerSettings, chunk_document
from rag.errors import IndexCorrupt
from rag.schema import Chunk, Document


def _doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, source=doc_id, title=doc_id, text=text, sha256="0" * 64)


@pytest.fixture
def docs() -> dict[str, Document]:
    body = "第一节\n图书馆周一闭馆。开放时间为9:00到21:00。借书最多五本，期限三十天。\n第二节\n自习室需要预约。"
    return {d.id: d for d in (_doc("b.txt", body * 3), _doc("a.md", "只有一句话。"), _doc("c.txt", "空"))}


def _chunks(docs) -> list[Chunk]:
    small = ChunkerSettings(chunk_size=30, chunk_overlap=1)
    return [c for doc_id in sorted(docs) for c in chunk_document(docs[doc_id], small)]


def test_a_table_gives_back_every_chunk_as_it_was(docs, tmp_path):
    chunks = _chunks(docs)
    assert len({c.section for c in chunks}) > 1 and len(chunks) > 5
    table = ChunkTable.from_chunks(docs, chunks)
    assert list(table) == chunks and len(table) == len(chunks)
    assert table[-1] == chunks[-1] and table[2:4] == chunks[2:4]
    table.save(tmp_path)
    loaded = ChunkTable.load(tmp_path, docs)
    assert list(loaded) == chunks
    assert [loaded.doc_id(r) for r in range(len(chunks))] == [c.doc_id for c in chunks]
    assert list(loaded.rows_of("b.txt")) == [i for i, c in enumerate(chunks) if c.doc_id == "b.txt"]
    assert loaded.rows_of("gone.txt") == range(0)
    assert loaded.counts() == {d: sum(c.doc_id == d for c in chunks) for d in docs}
    with pytest.raises(IndexError):
        loaded[len(chunks)]
    # 32 bytes a chunk and one list of the distinct headings: no text stored twice
    assert np.load(tmp_path / "chunks.npy").shape == (len(chunks), 4)
    assert json.loads((tmp_path / "sections.json").read_text(encoding="utf-8")) == list(
        dict.fromkeys(c.section for c in chunks)
    )


def test_chunks_the_table_could_not_give_back_are_refused(docs):
    chunks = _chunks(docs)
    with pytest.raises(ValueError, match="out of document order"):
        ChunkTable.from_chunks(docs, chunks[::-1])
    with pytest.raises(ValueError, match="slice number"):
        ChunkTable.from_chunks(docs, [chunks[0], *chunks[2:]])  # b.txt#0 missing: its ordinals would shift
    wrong = chunks[0].model_copy(update={"text": "别的字" + chunks[0].text[3:]})
    with pytest.raises(ValueError, match="slice number"):
        ChunkTable.from_chunks(docs, [wrong, *chunks[1:]])


def test_a_damaged_table_is_reported_not_served(docs, tmp_path):
    ChunkTable.from_chunks(docs, _chunks(docs)).save(tmp_path)
    rows = np.load(tmp_path / "chunks.npy")
    rows[0, 2] = 10_000  # past its document's end
    np.save(tmp_path / "chunks.npy", rows)
    with pytest.raises(IndexCorrupt, match="outside its document"):
        ChunkTable.load(tmp_path, docs)
    rows[0, 2], rows[0, 0] = rows[0, 1], 7  # a document the index does not have
    np.save(tmp_path / "chunks.npy", rows)
    with pytest.raises(IndexCorrupt, match="documents the index does not have"):
        ChunkTable.load(tmp_path, docs)
    (tmp_path / "chunks.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="unreadable"):
        ChunkTable.load(tmp_path, docs)


def test_an_update_copies_kept_rows_and_adds_the_new_chunks(docs):
    """assemble: the kept documents' rows copied from the previous table (renumbered: a document sorted before
    them was added), the changed document's new rows added; the same table as one made from all chunks."""
    previous = ChunkTable.from_chunks(docs, _chunks(docs))
    new_docs = dict(docs)
    new_docs["b.txt"] = _doc("b.txt", "第三节\n改过的文字。又一句话。")
    new_docs["0.txt"] = _doc("0.txt", "新加的文件。")
    expected = _chunks(new_docs)
    number = {doc_id: i for i, doc_id in enumerate(sorted(new_docs))}
    sections = list(previous._sections)
    kept, new_rows = [], []
    for c in expected:
        if c.doc_id in docs and docs[c.doc_id].text == new_docs[c.doc_id].text:
            kept.append(next(r for r, old in enumerate(previous) if old.id == c.id))
            continue
        kept.append(-1)
        if c.section not in sections:
            sections.append(c.section)
        new_rows.append((number[c.doc_id], c.start, c.end, sections.index(c.section)))
    assert 0 < kept.count(-1) < len(kept)  # some rows are copied, some new
    table = ChunkTable.assemble(new_docs, previous, np.asarray(kept), np.asarray(new_rows).reshape(-1, 4), sections)
    assert list(table) == expected
    assert table.counts() == ChunkTable.from_chunks(new_docs, expected).counts()
