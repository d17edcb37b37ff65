"""Update costs at scale, measured through the CLI as a user runs it: what one change costs as the corpus grows.

    python bench/update.py                                   # 10,000 and 100,000 chunks
    python bench/update.py --sizes 10000 --json bench/results.json
    python bench/update.py --sizes 1000000 --json bench/results.json   # ~25 min, ~4 GB of disk

A synthetic corpus of N/10 text files of about 2,400 characters (the seed articles' cleaned sentences in a
random order, each file tagged so that no two are equal; about 14 chunks each with the default chunker, the
chunk count actually built is printed and recorded) is indexed once with the
``hash-test`` embedder, so that the figures are the index's own costs (chunking, BM25, FAISS, writing),
not the embedder's. Then, each step in a fresh process as a user would run it: a no-op ``rag index`` of
the same folder, ``rag ask -`` answering 20 gold questions in one process (the peak RSS of serving the index),
adding one file, changing one file, and ``rag remove`` of one document. Each step prints
its wall time and the peak RSS of its process (``/usr/bin/time``). A no-op is found from the manifest and
the files' sizes and times alone; an add, change or removal re-embeds and re-tokenises only the documents it
touches and writes them as a delta segment beside the untouched base (``rag.segments``): what still grows
with the corpus is loading the index and scanning the folder. ``serve after`` answers the same questions over
the base and its segments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNKS_PER_FILE = 10
CHUNK_CHARS = 240
SERVED_QUESTIONS = 20  # enough for every part of the index a question reads to be loaded


def _sentences() -> list[str]:
    """The seed articles' sentences, as the cleaner leaves them (no page furniture)."""
    from rag.documents import load_document

    text = "".join(load_document(p).text for p in sorted((ROOT / "seeds").glob("*.txt")))
    return [s for s in re.split(r"(?<=[。！？])", text.replace("\n", "")) if 8 <= len(s) <= 120]


def _questions(n: int = SERVED_QUESTIONS) -> list[str]:
    """The first ``n`` questions of the gold set (the corpus is made of the seeds' sentences)."""
    lines = (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines[:n]]


def make_corpus(folder: Path, n_chunks: int, seed: int = 0) -> int:
    """Write about ``n_chunks`` chunks of text as files in ``folder``; returns the number of files."""
    rng = random.Random(seed)
    pool = _sentences()
    folder.mkdir(parents=True, exist_ok=True)
    files = max(1, n_chunks // CHUNKS_PER_FILE)
    for i in range(files):
        parts, size = [f"合成文档{i:07d}。"], 0
        while size < CHUNKS_PER_FILE * CHUNK_CHARS * 0.9:
            s = rng.choice(pool)
            parts.append(s)
            size += len(s)
        (folder / f"doc{i:07d}.txt").write_text("".join(parts), encoding="utf-8")
    return files


def step(name: str, args: list[str], env: dict, stdin: str | None = None) -> dict:
    """Run ``rag ARGS`` in a fresh process; wall seconds and peak RSS (MiB) from /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        cmd = ["/usr/bin/time", "-f", "%e %M", "-o", out.name, sys.executable, "-m", "rag", *args]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, input=stdin)
        if proc.returncode != 0:
            raise RuntimeError(f"{name}: rag {' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
        wall, rss_kb = out.read().split()[-2:]
    row = {"step": name, "seconds": float(wall), "peak_rss_mb": round(int(rss_kb) / 1024)}
    print(f"  {name:<12} {row['seconds']:8.1f} s   peak RSS {row['peak_rss_mb']:6d} MiB", flush=True)
    return row


def bench_size(n_chunks: int, work: Path, embedder: str = "hash-test") -> dict:
    corpus, index = work / f"corpus{n_chunks}", work / f"index{n_chunks}"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    files = make_corpus(corpus, n_chunks)
    # a user's files are rarely written in the two seconds before they are indexed; files that were are read
    # again by the next update (documents.RACY_SECONDS), which would make the no-op below look slower
    from rag.documents import RACY_SECONDS

    time.sleep(RACY_SECONDS + 0.1)
    env = {**os.environ, "RAG_EMBEDDER": embedder, "RAG_INDEX_DIR": str(index), "HOME": str(work)}
    print(f"{files} files:", flush=True)
    rows = [step("full build", ["index", str(corpus)], env)]
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    print(f"  ({manifest['n_chunks']} chunks built)", flush=True)
    rows.append(step("no-op", ["index", str(corpus)], env))
    # serving: one process loads the index and answers questions one after another, as the web chat does
    rows.append(step(f"serve {len(_questions())} q", ["ask", "-"], env, stdin="\n".join(_questions()) + "\n"))
    (corpus / "added.txt").write_text("新增的合成文档。" + "".join(_sentences()[:40]), encoding="utf-8")
    rows.append(step("add 1 file", ["index", str(corpus)], env))
    first = corpus / "doc0000000.txt"
    first.write_text(first.read_text(encoding="utf-8") + "这一句是修改后新加的。", encoding="utf-8")
    rows.append(step("change 1", ["index", str(corpus)], env))
    doc_id = next(iter(json.loads((index / "manifest.json").read_text(encoding="utf-8"))["documents"]))
    rows.append(step("remove 1", ["remove", doc_id], env))
    # the index now has delta segments (rag.segments): serving it answers over the base and the segments
    rows.append(step("serve after", ["ask", "-"], env, stdin="\n".join(_questions()) + "\n"))
    size_mb = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    return {
        "chunks": manifest["n_chunks"],
        "files": files,
        "dense": manifest["dense"].get("kind"),
        "dim": manifest["embedder"]["dim"],
        "index_mb": round(size_mb),
        "steps": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="corpus sizes in chunks, comma-separated")
    ap.add_argument("--json", type=Path, help="merge the figures into this results file (key: updates)")
    ap.add_argument(
        "--embedder",
        default="hash-test",
        help="hash-test (64-d, default) or hash-test-384 (the bundled model's width: vectors weigh as in use)",
    )
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rag-update-bench-"))
    t = time.perf_counter()
    results = [bench_size(int(s), work, args.embedder) for s in args.sizes.split(",")]
    print(f"done in {time.perf_counter() - t:.0f} s")
    if args.json:
        from _results import merge_rows

        key = "updates" if args.embedder == "hash-test" else f"updates_{args.embedder.removeprefix('hash-test-')}d"
        merge_rows(args.json, key, results, by="files")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
