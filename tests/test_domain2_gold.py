"""The second-domain held-out set (eval/domain2): well-formed, and every quote and answer is in its law's stored text."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from rag.documents import load_document
from rag.evaluation import load_gold, validate_gold

ROOT = Path(__file__).resolve().parent.parent
DOMAIN2 = ROOT / "eval" / "domain2"
GOLD = DOMAIN2 / "gold.jsonl"
DOCS = DOMAIN2 / "docs"
FIELDS = {"id", "question", "answers", "doc", "quote", "type", "difficulty", "split"}
MIN_ITEMS = 48  # the size the set was commissioned at
MIN_UNANSWERABLE = 10
MIN_ENGLISH = 4


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {p.name: load_document(p).text for p in sorted(DOCS.glob("*.txt"))}


def test_every_line_has_exactly_the_gold_fields_and_is_a_held_out_test_item(rows):
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["split"] == "test", row["id"]


def test_ids_are_unique_and_the_set_is_big_enough(rows):
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    types = Counter(r["type"] for r in rows)
    assert len(rows) >= MIN_ITEMS
    assert types["unanswerable"] >= MIN_UNANSWERABLE
    assert types["english"] >= MIN_ENGLISH


def test_every_quote_is_verbatim_in_its_documents_stored_text(rows, texts):
    for row in rows:
        if row["type"] == "unanswerable":
            assert row["answers"] == [] and row["doc"] is None and row["quote"] is None, row["id"]
            continue
        assert row["doc"] in texts, f"{row['id']}: no document {row['doc']} in {DOCS}"
        assert row["quote"] and row["quote"] in texts[row["doc"]], row["id"]
        assert row["answers"], row["id"]
        for answer in row["answers"]:
            assert answer and answer in row["quote"], f"{row['id']}: {answer!r} not in its quote"


def test_the_eval_loader_reads_the_set_and_finds_no_problem(texts):
    items = load_gold(GOLD)
    docs = {name: load_document(DOCS / name) for name in texts}
    assert validate_gold(items, {d.id: d for d in docs.values()}) == []


def test_every_document_is_asked_about(rows, texts):
    assert {r["doc"] for r in rows if r["doc"]} == set(texts)
