import numpy as np
import pytest

from rag.retrieval import HybridRetriever, Ranked, reciprocal_rank_fusion, relative_score_fusion


def test_rrf_sums_reciprocal_ranks():
    a = Ranked(np.array([1, 2, 3]), np.array([0.9, 0.8, 0.7]))
    b = Ranked(np.array([3, 1]), np.array([5.0, 4.0]))
    fused = reciprocal_rank_fusion([a, b], k=60)
    assert fused[1] == 1 / 61 + 1 / 62
    assert fused[3] == 1 / 63 + 1 / 61
    assert fused[2] == 1 / 62
    assert max(fused, key=fused.get) == 1


def test_relative_fusion_keeps_a_clear_lexical_winner():
    """BM25 scores row 7 far above anything else; the embedder ranks it fourth.
    Rank fusion puts it second; relative fusion keeps it first."""
    dense = Ranked(np.array([1, 2, 3, 7, 9]), np.array([0.80, 0.79, 0.78, 0.75, 0.70]))
    lexical = Ranked(np.array([7, 2, 1]), np.array([8.0, 3.0, 2.9]))
    rel = relative_score_fusion([dense, lexical])
    assert max(rel, key=rel.get) == 7
    assert rel[7] == pytest.approx(1.5) and rel[1] == pytest.approx(1.0) and rel[3] == pytest.approx(0.8)
    rrf = reciprocal_rank_fusion([dense, lexical])
    assert max(rrf, key=rrf.get) != 7
    # a ranking with equal scores or no rows does not divide by zero
    flat = relative_score_fusion(
        [Ranked(np.array([4, 5]), np.array([1.0, 1.0])), Ranked(np.zeros(0, int), np.zeros(0))]
    )
    assert flat == {4: 1.0, 5: 1.0}


def test_fusion_setting(assistant):
    assert assistant.retriever.fusion == "relative"
    rrf = HybridRetriever(assistant.index, assistant.embedder, fusion="rrf")
    assert rrf.search("碑林区帮扶了多少个村", top_k=3).hits[0].chunk.doc_id.startswith("001")
    with pytest.raises(ValueError, match="unknown fusion"):
        HybridRetriever(assistant.index, assistant.embedder, fusion="max")


def test_hybrid_hits_report_both_retrievers(any_store_assistant):
    assistant = any_store_assistant
    retriever = HybridRetriever(assistant.index, assistant.embedder)
    result = retriever.search("碑林区帮扶了多少个村", top_k=5)
    assert len(result.hits) == 5
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    top = result.hits[0]
    assert top.chunk.doc_id.startswith("001")
    assert top.dense_rank is not None and top.lexical_rank is not None
    assert top.dense_score > 0 and top.lexical_score > 0
    assert all(a.score >= b.score for a, b in zip(result.hits, result.hits[1:], strict=False))
    assert set(result.timings_ms) >= {"embed", "dense", "lexical", "fusion"}


def test_dense_only_and_top_k(any_store_assistant):
    assistant = any_store_assistant
    retriever = HybridRetriever(assistant.index, assistant.embedder)
    result = retriever.search("岚皋县森林抚育补贴", top_k=3, hybrid=False)
    assert len(result.hits) == 3
    assert all(h.lexical_rank is None for h in result.hits)
    assert "lexical" not in result.timings_ms


def test_lexical_search_finds_a_rare_term(assistant):
    rows, scores = assistant.index.lexical.search("甘坪小学", 3)
    assert "甘坪小学" in assistant.index.chunks[rows[0]].text
    assert scores[0] > 0
    assert len(assistant.index.lexical.search("zzzz qqqq", 3)[0]) == 0


def test_both_stores_give_the_same_answer_and_ranking(any_store_assistant, assistant):
    a = any_store_assistant.ask("碑林区帮扶了多少个村")
    assert a.answer == "11个（蓝田县11个行政村）"
    assert a.quotes == assistant.ask("碑林区帮扶了多少个村").quotes
    dense = any_store_assistant.index.dense
    qv = assistant.embedder.embed_queries(["岚皋县森林抚育补贴"])[0]
    assert dense.search(qv, 5)[0].tolist() == assistant.index.dense.search(qv, 5)[0].tolist()


def test_milvus_manifest_and_rebuild_drop_the_old_collection(milvus_index_dir, tmp_path):
    import json
    import shutil

    from rag.assistant import build_index
    from rag.config import Settings
    from rag.embedders import HashEmbedder
    from rag.milvus_store import _client

    from .conftest import SEEDS

    manifest = json.loads((milvus_index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dense"]["kind"] == "milvus" and manifest["dense"]["collection"].startswith("rag_chunks_")
    assert not (milvus_index_dir / "dense.faiss").exists() or "dense.faiss" not in manifest["checksums"]
    folder = tmp_path / "idx"
    settings = Settings(index_dir=folder, vector_store="milvus")
    first, _, _ = build_index([SEEDS], settings, embedder=HashEmbedder())
    old = first.dense.collection
    corpus = tmp_path / "c"
    shutil.copytree(SEEDS, corpus)
    (corpus / "new.txt").write_text("灞桥区帮扶了7个村。", encoding="utf-8")
    second, report, _ = build_index([corpus], settings, embedder=HashEmbedder())
    assert report.added == ["new.txt"] and second.dense.collection != old
    client = _client(settings.resolved_milvus_uri())
    assert client.has_collection(second.dense.collection) and not client.has_collection(old)
    assert len(second.dense) == len(second.chunks)


def test_bm25_as_sparse_vectors_scores_the_same():
    """A vector store holding each row's BM25 scores as a sparse vector (Milvus) scores a query's token counts by
    inner product exactly as the BM25 store does, also for a repeated query word and a row with no words."""
    import numpy as np

    from rag.lexical import BM25Store

    texts = ["碑林区帮扶蓝田县11个行政村", "雁塔区帮扶周至县", "", "高陵区帮扶白河县的村，村村通路", "村"]
    store = BM25Store.build(texts)
    rows = store.row_vectors()
    assert len(rows) == len(texts) and all(rows)  # every row holds at least one entry
    assert store.row_vectors(1, 3) == rows[1:3]
    for query in ("碑林区帮扶了多少个村", "村村", "白河县", "不相干"):
        q = store.query_vector(query)
        dot = np.array([sum(q.get(k, 0.0) * v for k, v in r.items()) for r in rows], dtype=np.float32)
        assert np.allclose(dot, store.scores(query), rtol=1e-6), query
    assert store.query_vector("不相干") == {}


def test_milvus_runs_bm25_with_the_local_scores(milvus_index_dir, assistant):
    """The Milvus collection holds the rows' BM25 scores: lexical search there ranks and scores as the local
    store does."""
    import numpy as np

    from rag.assistant import Assistant
    from rag.config import Settings
    from rag.retrieval import HybridRetriever

    milvus = Assistant.open(Settings(index_dir=milvus_index_dir, vector_store="milvus"))
    assert milvus.index.dense.lexical
    retriever = HybridRetriever(milvus.index, milvus.embedder)
    for query in ("碑林区帮扶了多少个村", "高陵区委书记是谁", "岚皋县森林抚育补贴"):
        got = retriever.search_lexical(query, 20)
        rows, scores = assistant.index.lexical.search(query, 20)
        assert got.rows.tolist() == rows.tolist(), query
        assert np.allclose(got.scores, scores, rtol=1e-6)


def test_numpy_bm25_scores_equal_bm25s(assistant):
    import bm25s
    import numpy as np

    from rag.index import passage_text
    from rag.textutil import bm25_tokens

    index = assistant.index
    reference = bm25s.BM25()
    reference.index(
        [bm25_tokens(passage_text(index.document(c.doc_id), c)) or [""] for c in index.chunks], show_progress=False
    )
    for q in ["碑林区帮扶了多少个村", "岚皋县森林抚育补贴项目", "甘坪小学 甘坪小学"]:
        tokens = [t for t in bm25_tokens(q) if t in reference.vocab_dict]
        assert np.allclose(index.lexical.scores(q), reference.get_scores(tokens), atol=1e-5)


@pytest.mark.parametrize("block", [1 << 22, 50], ids=["one-block", "blocks-of-50-tokens"])
def test_bm25_scores_are_bm25s_lucene_scores_and_an_update_equals_a_rebuild(seed_docs, monkeypatch, block):
    """rag.lexical builds the BM25 matrix with numpy; its scores are bm25s's (the library it replaced, with
    the same parameters) to the last bit, and an update reusing the kept rows' token ids gives the arrays of a
    build from scratch. The build reads the token ids a block at a time (memory: the output's arrays and the
    blocks' pairs, not several arrays per token of the corpus): with blocks of 50 tokens, rows and words
    straddle blocks."""
    import sys

    import bm25s

    from rag import lexical
    from rag.lexical import BM25Store

    monkeypatch.setattr(lexical, "_BLOCK", block)

    texts = [d.text[i : i + 240] for d in seed_docs.values() for i in range(0, len(d.text), 200)]
    ours = BM25Store.build(texts)
    reference = bm25s.BM25()
    reference.index([BM25Store.tokenize(t) for t in texts], show_progress=False)
    theirs = BM25Store(
        *(reference.scores[k] for k in ("data", "indices", "indptr")),
        dict(reference.vocab_dict),
        {"num_docs": len(texts)},
    )
    for q in ("碑林区帮扶了多少个村", "汉滨区毛绒玩具厂的年产值", "贫困户", "没有这个词"):
        assert np.array_equal(ours.scores(q), theirs.scores(q)), q
    first = BM25Store.build(texts[:-5])
    order = list(range(len(texts) - 6, -1, -1))  # kept rows in another order, one dropped, five new
    update = BM25Store.build([""] * (len(order) - 1) + texts[-5:], previous=first, kept_rows=order[:-1] + [None] * 5)
    fresh = BM25Store.build([texts[r] for r in order[:-1]] + texts[-5:])
    for name in ("_data", "_indices", "_indptr"):
        assert np.array_equal(getattr(update, name), getattr(fresh, name)), name
    assert update._vocab == fresh._vocab
    assert "bm25s" in sys.modules  # imported here as the reference; the product's build never imports it


def _columns(store) -> dict[str, tuple]:
    """Each word's column (rows, scores, term frequencies): what a store means, whatever its word ids."""
    out = {}
    for word, i in store._vocab.items():
        a, b = store._indptr[i], store._indptr[i + 1]
        if b > a:
            out[word] = (store._indices[a:b].tolist(), store._data[a:b].tolist(), store._tf[a:b].tolist())
    return out


@pytest.mark.parametrize("block", [1 << 22, 7], ids=["one-block", "blocks-of-7-entries"])
def test_an_update_in_order_merges_into_the_previous_matrix(seed_docs, monkeypatch, tmp_path, block):
    """Kept rows in their previous order (the index lists chunks by document): the update inserts the new rows'
    entries among the previous ones and recomputes the scores, with no sort of every entry; the result means
    exactly what a build from scratch means (same words, rows, scores and term frequencies), through a save.
    The merge walks the previous entries a block at a time (its memory is the output's, not one array per
    entry): with blocks of 7 entries, every word's entries straddle blocks."""
    from rag import lexical
    from rag.lexical import BM25Store

    monkeypatch.setattr(lexical, "_BLOCK", block)

    texts = [d.text[i : i + 240] for d in seed_docs.values() for i in range(0, len(d.text), 200)]
    BM25Store.build(texts[:-5]).save(tmp_path)
    first = BM25Store.load(tmp_path, len(texts) - 5)  # its term frequencies memory-mapped from the file
    assert first._tf is not None and first._tf.dtype == np.uint16
    gone = {3, 40}  # two rows removed (a changed or removed document), five added among and after the rest
    kept = [r for r in range(len(texts) - 5) if r not in gone]
    layout = [*kept[:10], None, None, *kept[10:], None, None, None]
    new_texts = [texts[-5], texts[-4], texts[-3], texts[-2], texts[-1]]
    fill = iter(new_texts)
    rows_texts = ["" if r is not None else next(fill) for r in layout]
    monkeypatch.setattr(BM25Store, "_from_ids", classmethod(lambda *a: pytest.fail("a full rebuild")))
    update = BM25Store.build(rows_texts, previous=first, kept_rows=layout)
    monkeypatch.undo()  # the reference below: a build from scratch in the default blocks
    fill = iter(new_texts)
    fresh = BM25Store.build([texts[r] if r is not None else next(fill) for r in layout])
    assert _columns(update) == _columns(fresh)
    for q in ("碑林区帮扶了多少个村", "汉滨区毛绒玩具厂的年产值", "贫困户"):
        assert np.array_equal(update.scores(q), fresh.scores(q)), q
    assert update.rows_tokens(range(len(layout))) == fresh.rows_tokens(range(len(layout)))
    # the words only the removed rows used keep an empty column (no score), until the next full build
    assert set(update._vocab) >= set(fresh._vocab)


def test_building_bm25_imports_no_bm25s(tmp_path):
    import subprocess
    import sys

    code = "import sys; from rag.lexical import BM25Store; BM25Store.build(['碑林区帮扶', '雁塔区']); print('bm25s' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_background_share_follows_the_language_not_the_collection():
    from rag.textutil import background_share

    # 到 is among the commonest words of Chinese, 鸡翅 a rare one, 年卡要 no word at all
    assert background_share("到", 80) > 0.2
    assert 0 < background_share("鸡翅", 80) < 0.01
    assert background_share("年卡要", 80) == 0.0
    assert background_share("到", 160) > background_share("到", 80)


def test_idf_prior_weighs_an_unused_everyday_word_below_an_unused_rare_one():
    """In a two-chunk collection, 办 and 鸡翅 both appear nowhere: without the prior both get the maximum
    weight, above the word the collection holds; with it the everyday word weighs less than both."""
    from rag.lexical import BM25Store

    store = BM25Store.build_from_tokens([["年卡", "价格"], ["营业", "时间"]])
    assert store.idf("办") == store.idf("鸡翅")
    assert store.idf("办", 400, 80) < store.idf("鸡翅", 400, 80)
    # weights only count relative to each other: the unused everyday word now weighs less than the used one
    assert store.idf("办") > store.idf("年卡")
    assert store.idf("办", 400, 80) < store.idf("年卡", 400, 80)


def test_the_column_of_each_entry_in_a_block():
    """Each entry's word, from the CSC pointers alone (empty columns included), for any block of entries."""
    from rag.lexical import _cols_of

    indptr = np.array([0, 3, 3, 7, 8, 8, 12])
    every = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    for a in range(12):
        for b in range(a, 13):
            assert np.array_equal(_cols_of(indptr, a, b), every[a:b]), (a, b)


def test_a_spilled_bm25_store_searches_updates_and_saves_as_the_one_in_memory(tmp_path, monkeypatch):
    """spill() moves BM25's arrays to files mapped read-only (a build holds them there while FAISS is filled):
    the same scores, an update from it equals one from the store in memory, and save writes the same bytes; the
    files' folder is deleted at once (open and mapped, they live on), so a killed build leaves nothing behind."""
    import filecmp
    import tempfile

    from rag.lexical import BM25Store

    texts = ["碑林区帮扶了11个村。", "雁塔区投入资金300万元。", "碑林区的路灯亮了。", "灞桥区修了三条路。"] * 5
    kept = BM25Store.build(texts)
    spilled = BM25Store.build(texts)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    spilled.spill()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert isinstance(spilled._data, np.memmap) and not spilled._data.flags.writeable
    for q in ("碑林区", "资金", "路"):
        a, b = kept.search(q, 5), spilled.search(q, 5)
        assert np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1])
    kept.save(tmp_path / "a")
    spilled.save(tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a" / "bm25").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b" / "bm25").iterdir()) and len(names) >= 7
    assert all(filecmp.cmp(tmp_path / "a" / "bm25" / n, tmp_path / "b" / "bm25" / n, shallow=False) for n in names)
    more = [*texts[:-2], "新区建了学校。"]
    rows = [*range(len(texts) - 2), None]
    from_kept = BM25Store.build(more, previous=kept, kept_rows=rows)
    from_spilled = BM25Store.build(more, previous=spilled, kept_rows=rows)
    assert np.array_equal(from_kept._data, from_spilled._data) and np.array_equal(
        from_kept._indices, from_spilled._indices
    )
