"""Assign every item of eval/gold.jsonl to ``dev`` or ``test`` by article section, and record it in the file.

Groups are whole (document, section) pairs, sections being the sub-headlines ``rag/chunking.py`` gives the
chunk that holds the item's quote; an unanswerable item has no document and is a group of its own. Groups
go to ``test`` with probability 1/3 under a fixed seed, redrawn (same generator) until every article and
every question type is in both splits and ``test`` holds 30–37% of the items. Questions and answers are
never changed: only the ``split`` field is added.

    python eval/split_gold.py            # write the splits into eval/gold.jsonl
    python eval/split_gold.py --check    # exit 1 if the file's splits differ from what this script draws
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.chunking import chunk_document  # noqa: E402
from rag.documents import load_corpus  # noqa: E402

GOLD = ROOT / "eval" / "gold.jsonl"
SEED = 2018  # any fixed number; changing it reshuffles the test set
TEST_SHARE = (0.30, 0.37)


def section_key(item: dict, docs: dict) -> tuple[str, str]:
    """``(document, section)`` of the chunk holding the item's quote; ``("", id)`` for an item without one."""
    if not item.get("doc"):
        return "", item["id"]
    doc = docs[item["doc"]]
    pos = doc.text.find(item["quote"])
    chunk = next(c for c in chunk_document(doc) if c.start <= pos < c.end)
    return item["doc"], chunk.section


def assign(items: list[dict], docs: dict) -> dict[str, str]:
    """Item id → ``dev`` or ``test``."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for it in items:
        groups.setdefault(section_key(it, docs), []).append(it)
    keys = sorted(groups)
    articles = {it["doc"] for it in items if it["doc"]}
    types = {it["type"] for it in items}
    rng = random.Random(SEED)
    while True:
        test = {k for k in keys if rng.random() < 1 / 3}
        split = {it["id"]: "test" if k in test else "dev" for k in keys for it in groups[k]}
        share = sum(v == "test" for v in split.values()) / len(items)
        covered = all(
            {it[field] for it in items if split[it["id"]] == s} >= wanted
            for s in ("dev", "test")
            for field, wanted in (("doc", articles), ("type", types))
        )
        if covered and TEST_SHARE[0] <= share <= TEST_SHARE[1]:
            return split


def main() -> int:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    docs = {d.source: d for d in load_corpus([ROOT / "seeds"])[0]}
    split = assign(items, docs)
    if "--check" in sys.argv:
        wrong = [it["id"] for it in items if it.get("split") != split[it["id"]]]
        print(f"{len(wrong)} items differ from the drawn split: {wrong[:10]}")
        return 1 if wrong else 0
    out = [
        json.dumps({**{k: v for k, v in it.items() if k != "split"}, "split": split[it["id"]]}, ensure_ascii=False)
        for it in items
    ]
    GOLD.write_text("\n".join(out) + "\n", encoding="utf-8")
    n_test = sum(v == "test" for v in split.values())
    print(f"{GOLD}: {n_test} of {len(items)} items in test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
