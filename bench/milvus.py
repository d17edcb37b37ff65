"""Milvus Lite at scale: query latency of dense, BM25 and hybrid search over a Milvus collection, beside the local
stores (FAISS, the numpy BM25) on the same rows, and the collection's build time.

    python bench/milvus.py                                  # 10,000 and 100,000 chunks
    python bench/milvus.py --sizes 10000 --json bench/results.json

The synthetic corpus is bench/bench.py's (dense vectors in a Gaussian mixture around the seeds' real chunk
embeddings, BM25 rows drawn from the seeds' jieba vocabulary with real chunk lengths); queries are the gold
questions. Milvus holds each row's vector and its BM25 scores (a sparse vector), as ``RAG_VECTOR_STORE=milvus``
builds it; the share of queries whose BM25 top-20 scores equal the local store's is printed (1.0: all). Needs
``pip install ".[milvus]"``. Hybrid = both searches + the product's relative-score fusion of the two lists.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    return round(float(np.percentile(values, p)), 2)


def _timed(fn, items) -> tuple[list, float, float]:
    out, lat = [], []
    for item in items:
        t = time.perf_counter()
        out.append(fn(item))
        lat.append((time.perf_counter() - t) * 1000)
    return out, pct(lat, 50), pct(lat, 95)


def bench_size(n: int, work: Path) -> dict:
    from rag.assistant import Assistant
    from rag.config import Settings
    from rag.embedders import load_embedder
    from rag.evaluation import load_gold
    from rag.lexical import BM25Store
    from rag.milvus_store import MilvusStore
    from rag.retrieval import Ranked, relative_score_fusion
    from rag.textutil import bm25_tokens
    from rag.vector_store import FaissStore

    seeds = Assistant.open(Settings(index_dir=work / "seeds"))
    centers = seeds.index.dense.vectors()
    questions = [it.question for it in load_gold(ROOT / "eval" / "gold.jsonl") if not it.history][:200]
    queries = load_embedder("e5-small-bundled").embed_queries(questions)
    rng = np.random.default_rng(0)
    vectors = centers[rng.integers(0, len(centers), n)]
    vectors += rng.normal(0, 0.02, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    real = [bm25_tokens(c.text) for c in seeds.index.chunks]
    vocab, counts = np.unique([t for doc in real for t in doc], return_counts=True)
    lengths = rng.choice([len(d) for d in real], size=n)
    draws = rng.choice(len(vocab), size=int(lengths.sum()), p=counts / counts.sum()).tolist()
    words, tokens, pos = vocab.tolist(), [], 0
    for length in lengths.tolist():
        tokens.append([words[i] for i in draws[pos : pos + length]] or [""])
        pos += length
    bm25 = BM25Store.build_from_tokens(tokens)
    faiss_store = FaissStore.from_vectors(vectors, kind="auto")
    out: dict = {"chunks": n}
    t = time.perf_counter()
    milvus = MilvusStore.from_vectors(vectors, str(work / f"bench{n}.milvus.db"), prefix="bench", lexical=bm25)
    out["milvus_build_s"] = round(time.perf_counter() - t, 1)
    qvecs = [bm25.query_vector(q) for q in questions]
    _, out["faiss_dense_p50_ms"], out["faiss_dense_p95_ms"] = _timed(lambda q: faiss_store.search(q, 20), queries)
    _, out["local_bm25_p50_ms"], out["local_bm25_p95_ms"] = _timed(lambda q: bm25.search(q, 20), questions)
    _, out["milvus_dense_p50_ms"], out["milvus_dense_p95_ms"] = _timed(lambda q: milvus.search(q, 20), queries)
    got, out["milvus_bm25_p50_ms"], out["milvus_bm25_p95_ms"] = _timed(lambda q: milvus.search_sparse(q, 20), qvecs)
    # the same top-20 scores as the local store (rows of equal score may come in another order, or another of
    # several rows tied at the 20th place may be picked)
    same = [
        len(g[1]) == len(local := bm25.search(q, 20)[1]) and bool(np.allclose(g[1], local, rtol=1e-5))
        for g, q in zip(got, questions, strict=True)
    ]
    out["milvus_bm25_same_scores_at_20"] = round(float(np.mean(same)), 4)

    def hybrid(i: int):
        dense = Ranked(*milvus.search(queries[i], 20))
        lexical = Ranked(*milvus.search_sparse(qvecs[i], 20))
        return relative_score_fusion([dense, lexical])

    _, out["milvus_hybrid_p50_ms"], out["milvus_hybrid_p95_ms"] = _timed(hybrid, range(len(questions)))
    milvus.drop()
    print(json.dumps(out), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="corpus sizes in chunks, comma-separated")
    ap.add_argument("--json", type=Path, help="merge the figures into this results file (key: milvus)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-milvus-bench-") as tmp:
        from rag.assistant import build_index
        from rag.config import Settings

        build_index([ROOT / "seeds"], Settings(index_dir=Path(tmp) / "seeds"), show_progress=False)
        results = [bench_size(int(s), Path(tmp)) for s in args.sizes.split(",")]
    if args.json:
        from _results import merge_rows

        merge_rows(args.json, "milvus", results, by="chunks")


if __name__ == "__main__":
    main()
