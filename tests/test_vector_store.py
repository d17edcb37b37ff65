import numpy as np
import pytest

from rag.errors import IndexCorrupt
from rag.vector_store import FaissStore, VectorSpool, recall_at_k

# an IVF index with 8-bit codes (sq8) gives its vectors back within this of the originals, component by component
CODE_ERROR = 5e-3
FP16_ERROR = 1e-3  # ... and with half floats (fp16, the default)


def _clustered(n, dim=64, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(50, dim)).astype(np.float32)
    x = centers[rng.integers(0, 50, n)] + rng.normal(0, 0.4, size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_auto_is_exact_for_small_corpora():
    store = FaissStore.from_vectors(_clustered(2000), kind="auto", ann_threshold=5000)
    assert store.kind == "flat" and store.describe()["kind"] == "flat"


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_indexes_meet_their_recall_target(kind, tmp_path):
    x = _clustered(6000)
    store = FaissStore.from_vectors(x, kind=kind, target_recall=0.95)
    info = store.describe()
    assert info["kind"] == kind and info["tuned_recall_at_10"] >= 0.95
    # measured independently on fresh queries
    rng = np.random.default_rng(7)
    queries = x[rng.choice(len(x), 50, replace=False)] + rng.normal(0, 0.03, size=(50, x.shape[1])).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = FaissStore.from_vectors(x, kind="flat")
    approx_ids = np.array([store.search(q, 10)[0] for q in queries])
    exact_ids = np.array([exact.search(q, 10)[0] for q in queries])
    assert recall_at_k(approx_ids, exact_ids) >= 0.9
    # save/load keeps the kind, the tuned parameter and the vectors
    store.save(tmp_path)
    loaded = FaissStore.load(tmp_path, x.shape[1], info)
    assert loaded.kind == kind and loaded.params == store.params
    assert np.allclose(loaded.vectors(), store.vectors(), atol=1e-6)
    assert np.allclose(loaded.vectors(), x, atol=FP16_ERROR if kind == "ivf" else 1e-6)
    assert np.array_equal(loaded.search(queries[0], 10)[0], store.search(queries[0], 10)[0])


@pytest.mark.parametrize("codes,size", [("fp16", 2), ("sq8", 1), ("float", 4)])
def test_an_ivf_index_holds_its_codes_and_finds_what_exact_search_finds(codes, size):
    """A vector weighs 2 bytes a dimension in an IVF index by default (fp16: half of float32, what a 1M-chunk
    server holds), 1 with sq8; all three find the exact neighbours (recall against float search)."""
    x = _clustered(6000)
    store = FaissStore.from_vectors(x, kind="ivf", codes=codes)
    assert store._index.code_size == size * x.shape[1] and store.params["codes"] == codes
    assert np.allclose(store.vectors(), x, atol=CODE_ERROR if codes == "sq8" else FP16_ERROR)
    rng = np.random.default_rng(7)
    queries = x[rng.choice(len(x), 50, replace=False)]
    exact = FaissStore.from_vectors(x, kind="flat")
    got = np.array([store.search(q, 10)[0] for q in queries])
    assert recall_at_k(got, np.array([exact.search(q, 10)[0] for q in queries])) >= 0.9
    with pytest.raises(ValueError, match="unknown dense codes"):
        FaissStore.from_vectors(x, kind="ivf", codes="int4")


def test_an_ivf_index_saved_with_float_vectors_loads_and_is_trained_anew_with_codes(tmp_path):
    """An index of float vectors (saved before codes) still loads and searches; the next training gives codes."""
    import faiss

    x = _clustered(6000)
    old = faiss.IndexIVFFlat(faiss.IndexFlatIP(x.shape[1]), x.shape[1], 64, faiss.METRIC_INNER_PRODUCT)
    old.train(x)
    old.add(x)
    faiss.write_index(old, str(tmp_path / "dense.faiss"))
    legacy = FaissStore.load(tmp_path, x.shape[1], {"kind": "ivf", "nlist": 64, "nprobe": 64, "trained_on": 6000})
    assert legacy.search(x[7], 1)[0][0] == 7 and np.allclose(legacy.vectors(), x, atol=1e-6)
    retrained = FaissStore.from_vectors(x[:5900], kind="ivf", previous=legacy)
    assert retrained._index.code_size == 2 * x.shape[1] and retrained.params["codes"] == "fp16"
    kept = FaissStore.from_vectors(x[:5900], kind="ivf", previous=legacy, codes="float")
    assert kept._index.code_size == 4 * x.shape[1] and kept.params["nlist"] == 64  # same codes: centroids kept


def test_an_ivf_update_keeps_the_trained_centroids_until_the_corpus_drifts(tmp_path, monkeypatch):
    """An update within RETRAIN_DRIFT of the trained size assigns the vectors to the previous centroids with the
    previous nprobe (no training, no tuning) and still finds what exact search finds; past it, it trains again."""
    import faiss

    from rag.vector_store import RETRAIN_DRIFT

    x = _clustered(6000)
    built = FaissStore.from_vectors(x, kind="ivf")
    built.save(tmp_path)
    first = FaissStore.load(tmp_path, x.shape[1], built.describe())  # as an update finds it: loaded
    assert first.params["trained_on"] == 6000
    grown = np.vstack([x[100:], _clustered(int(6000 * RETRAIN_DRIFT) + 50, seed=3)[:400]])  # 100 out, 400 in
    trained = []
    original = faiss.IndexIVFScalarQuantizer.train
    monkeypatch.setattr(
        faiss.IndexIVFScalarQuantizer, "train", lambda self, v: trained.append(len(v)) or original(self, v)
    )
    update = FaissStore.from_vectors(grown, kind="ivf", previous=first)
    assert trained == []
    assert update.params["nprobe"] == first.params["nprobe"] and update.params["trained_on"] == 6000
    centroids = update._index.quantizer.reconstruct_n(0, update._index.nlist)
    assert np.array_equal(centroids, first._index.quantizer.reconstruct_n(0, first._index.nlist))
    assert len(update) == len(grown) and np.allclose(update.vectors(), grown, atol=FP16_ERROR)
    rng = np.random.default_rng(5)
    queries = grown[rng.choice(len(grown), 50, replace=False)]
    exact = FaissStore.from_vectors(grown, kind="flat")
    got = np.array([update.search(q, 10)[0] for q in queries])
    assert recall_at_k(got, np.array([exact.search(q, 10)[0] for q in queries])) >= 0.9
    far = np.vstack([x, _clustered(int(6000 * RETRAIN_DRIFT) + 100, seed=4)])
    again = FaissStore.from_vectors(far, kind="ivf", previous=first)
    assert trained and again.params["trained_on"] == len(far)


@pytest.mark.parametrize("in_place", [False, True])
def test_an_ivf_index_is_updated_where_it_lies(in_place):
    """Rows removed, kept vectors renumbered (a row inserted before them shifts them), new vectors added: the
    same vectors row by row and the same answers as an index filled from the whole matrix on the same
    centroids; without ``in_place`` the previous index is left as it was."""
    x = _clustered(6000)
    first = FaissStore.from_vectors(x, kind="ivf")
    before = first.vectors().copy()
    gone = {10, 11, 4000}
    kept = [r for r in range(len(x)) if r not in gone]
    new = _clustered(5, seed=9)
    # the new table: 2 new rows first, then the kept ones, 3 more new rows in the middle
    layout = [None, None, *kept[:3000], None, None, None, *kept[3000:]]
    expected = np.vstack([new[0], new[1], x[kept[:3000]], new[2:5], x[kept[3000:]]])
    new_of_old = np.full(len(x), -1, dtype=np.int64)
    for row, old in enumerate(layout):
        if old is not None:
            new_of_old[old] = row
    rows = np.asarray([i for i, old in enumerate(layout) if old is None], dtype=np.int64)
    update = first.updated(new_of_old, rows, new, in_place=in_place)
    assert update is not None and len(update) == len(expected)
    assert np.allclose(update.vectors(), expected, atol=FP16_ERROR)
    refilled = FaissStore.from_vectors(expected, kind="ivf", previous=first)
    for q in expected[::500]:
        ids, scores = update.search(q, 10)
        ref_ids, ref_scores = refilled.search(q, 10)
        assert np.allclose(scores, ref_scores, atol=1e-6) and set(ids) == set(ref_ids)
    if not in_place:
        assert len(first) == len(x) and np.array_equal(first.vectors(), before)
    # past the drift allowed since training, or not an IVF index: the caller builds anew
    far = np.full(len(x), -1, dtype=np.int64)
    far[: len(x) // 2] = np.arange(len(x) // 2)
    assert FaissStore.from_vectors(x, kind="ivf").updated(far, rows[:0], new[:0]) is None
    assert FaissStore.from_vectors(x[:500], kind="flat").updated(new_of_old[:500], rows, new) is None


def test_auto_switches_to_ivf_above_the_threshold():
    store = FaissStore.from_vectors(_clustered(3000), kind="auto", ann_threshold=2000)
    assert store.kind == "ivf"


def test_bad_kind_and_dimension():
    with pytest.raises(ValueError, match="valid: auto, flat, ivf, hnsw"):
        FaissStore.from_vectors(_clustered(10), kind="lsh")


def test_dimension_mismatch_on_load(tmp_path):
    FaissStore.from_vectors(_clustered(100)).save(tmp_path)
    with pytest.raises(IndexCorrupt, match="holds 64-d vectors"):
        FaissStore.load(tmp_path, 384)


def test_recall_at_k():
    assert recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 2, 9]]), k=3) == pytest.approx(2 / 3)


def _rag(args, env, cwd):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "rag", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_milvus_index_in_one_process_ask_in_another(tmp_path):
    """A Milvus Lite collection written by ``rag index`` is loaded by a later ``rag ask`` (it used to be
    'released' there: every ask failed), and a missing collection is one clear line, not a traceback."""
    pytest.importorskip("pymilvus")
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    env = {**os.environ, "RAG_VECTOR_STORE": "milvus", "RAG_EMBEDDER": "hash-test", "HOME": str(tmp_path)}
    index = tmp_path / "idx"
    built = _rag(["index", str(seeds), "--index-dir", str(index)], env, tmp_path)
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr and "Method not implemented" not in built.stderr
    asked = _rag(["ask", "碑林区帮扶了多少个村", "--index-dir", str(index), "--json"], env, tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["answer"].startswith("11个")
    # BM25 runs in Milvus in the asking process too: the same rows and scores as the local postings, which that
    # process keeps on disk (memory-mapped), not in memory
    probe = (
        "import sys, numpy as np; from rag.config import Settings; from rag.assistant import load_index; "
        "from rag.retrieval import HybridRetriever; from rag.embedders import HashEmbedder; "
        "ix = load_index(Settings(index_dir=sys.argv[1], vector_store='milvus')); "
        "r = HybridRetriever(ix, HashEmbedder()).search_lexical('碑林区帮扶了多少个村', 10); "
        "rows, scores = ix.lexical.search('碑林区帮扶了多少个村', 10); "
        "print(ix.dense.lexical, isinstance(ix.lexical._data, np.memmap), r.rows.tolist() == rows.tolist(), "
        "bool(np.allclose(r.scores, scores, rtol=1e-6)), len(rows))"
    )
    probed = subprocess.run(
        [sys.executable, "-c", probe, str(index)], env=env, capture_output=True, text=True, timeout=300
    )
    assert probed.returncode == 0, probed.stderr
    assert probed.stdout.split() == ["True", "True", "True", "True", "10"]

    # drop the collection from a third process (Milvus Lite locks its file per process)
    drop = (
        "import sys; from pymilvus import MilvusClient; c = MilvusClient(sys.argv[1]); "
        "[c.drop_collection(n) for n in c.list_collections()]"
    )
    dropped = subprocess.run([sys.executable, "-c", drop, f"{index}.milvus.db"], capture_output=True, timeout=300)
    assert dropped.returncode == 0, dropped.stderr
    gone = _rag(["ask", "碑林区帮扶了多少个村", "--index-dir", str(index)], env, tmp_path)
    assert gone.returncode != 0
    assert "Traceback" not in gone.stderr and "has no collection" in gone.stderr


def test_a_spool_gives_back_its_vectors_by_block_by_row_and_whole():
    x = _clustered(5000, dim=16)
    spool = VectorSpool(16)
    for a in range(0, len(x), 1234):
        spool.append(x[a : a + 1234])
    assert len(spool) == 5000 and spool.shape == (5000, 16)
    assert np.array_equal(spool.array(), x)
    blocks = list(spool.blocks(rows=700))
    assert [a for a, _ in blocks] == list(range(0, 5000, 700)) and np.array_equal(np.vstack([b for _, b in blocks]), x)
    ids = np.array([4999, 3, 3, 2500, 0, 1400])
    assert np.array_equal(spool.rows(ids), x[ids])  # in the order asked, repeats kept
    assert VectorSpool(16).array().shape == (0, 16)  # an update that embeds nothing (a removal)
    with pytest.raises(ValueError, match="16 dimensions"):
        spool.append(np.zeros((2, 8), np.float32))
    spool.close()


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_a_store_filled_from_a_spool_is_the_store_filled_from_the_matrix(kind, monkeypatch):
    """Read a block at a time (blocks smaller than the corpus here), the same index: same tuning, same answers
    (HNSW is built by several threads, never twice the same: it meets its recall target)."""
    import rag.vector_store as vs

    monkeypatch.setattr(vs, "_BLOCK_BYTES", 64 * 4 * 1000)  # 1,000 rows a block
    x = _clustered(6000)
    spool = VectorSpool(x.shape[1])
    spool.append(x[:2500])
    spool.append(x[2500:])
    from_spool = FaissStore.from_vectors(spool, kind=kind)
    if kind == "hnsw":
        assert from_spool.kind == kind and from_spool.params["tuned_recall_at_10"] >= 0.95
        return
    from_matrix = FaissStore.from_vectors(x, kind=kind)
    assert from_spool.kind == kind and from_spool.describe() == {
        **from_matrix.describe(),
        **{k: v for k, v in from_spool.describe().items() if k == "build_seconds"},
    }
    for q in x[::600]:
        assert np.array_equal(from_spool.search(q, 10)[0], from_matrix.search(q, 10)[0])
