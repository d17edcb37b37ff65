import json

import pytest
from click.testing import CliRunner

from rag.cli import cli
from rag.errors import RagError
from rag.evaluation import (
    GoldItem,
    answer_correct,
    best_f1,
    exact_match,
    gold_rank,
    load_gold,
    percentile,
    quote_supports,
    quotes_faithful,
    run_eval,
    validate_gold,
    write_report,
)
from rag.schema import Answer, Chunk, Document, Hit, Quote
from rag.textutil import char_f1, normalize_answer

from .conftest import ROOT

GOLD = ROOT / "eval" / "gold.jsonl"
FLOORS = ROOT / "eval" / "floors.json"


def test_normalisation_folds_width_case_and_space():
    assert normalize_answer("１１个") == normalize_answer("11个") == "11个"
    assert normalize_answer(" 95 ％ 以上 ") == "95以上"
    assert normalize_answer("ＡＢＣ，") == "abc"


def test_answer_metrics_hand_checked():
    assert answer_correct("11个（蓝田县11个行政村）", ["11个"])
    assert answer_correct("１１个", ["11个"])
    assert not answer_correct("14个", ["11个"])
    assert exact_match("１１个", ["11个"]) and not exact_match("11个（蓝田县）", ["11个"])
    # char F1: "4590万元" vs "4500余万元": common chars 4,5,0,万,元 = 5; P=5/6, R=5/7
    assert char_f1("4590万元", "4500余万元") == pytest.approx(2 * (5 / 6) * (5 / 7) / (5 / 6 + 5 / 7))
    assert char_f1("", "") == 1.0 and char_f1("甲", "") == 0.0 and char_f1("甲", "乙") == 0.0
    assert best_f1("11个", ["十一个", "11个"]) == 1.0


def _doc():
    text = "碑林区承担蓝田县11个行政村驻村联户帮扶任务。累计投入4590万元。"
    return Document(id="d", source="d.txt", title="t", text=text, sha256="0")


def test_quote_checks():
    doc = _doc()
    item = GoldItem(
        id="g", question="q", answers=["11个"], doc="d.txt", quote="蓝田县11个行政村", type="number", difficulty="easy"
    )
    good = Quote.from_document(doc, 0, 22)
    fake = Quote(doc_id="d", source="d.txt", start=0, end=5, text="雁塔区承担")
    answer = Answer(question="q", answer="11个", abstained=False, confidence=1, quotes=[good])
    assert quote_supports(answer, item) and quotes_faithful(answer, {"d": doc})
    bad = answer.model_copy(update={"quotes": [fake]})
    assert not quotes_faithful(bad, {"d": doc}) and not quote_supports(bad, item)
    chunk = Chunk(id="d#0", doc_id="d", start=0, end=23, text=doc.text[:23])
    other = Chunk(id="d#1", doc_id="d", start=23, end=len(doc.text), text=doc.text[23:])
    hits = [Hit(chunk=other, score=1, rank=1), Hit(chunk=chunk, score=0.5, rank=2)]
    assert gold_rank(hits, item, {"d": doc}) == 2
    assert gold_rank(hits[:1], item, {"d": doc}) is None


def test_percentile():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5 and percentile([], 50) == 0.0


def test_gold_file_is_valid(seed_docs):
    items = load_gold(GOLD)
    assert len(items) >= 150
    docs = {d.id: d for d in seed_docs.values()}
    assert validate_gold(items, docs) == []
    types = {i.type for i in items}
    assert types == {"number", "entity", "date", "list", "why", "english", "unanswerable", "followup"}
    assert sum(1 for i in items if i.type == "unanswerable") >= 20
    assert sum(1 for i in items if i.history) >= 10
    assert {i.doc for i in items if i.doc} == {d.source for d in seed_docs.values()}
    # every story of the newspaper page is asked about
    page = seed_docs["004"].text
    stories = ["石泉", "毛绒玩具", "白河县域空气", "平利", "岚皋", "白河发改局", "中厂镇", "李哲"]
    asked = [i for i in items if i.doc == seed_docs["004"].source]
    for story in stories:
        assert story in page and any(story[:2] in (i.question + (i.quote or "")) for i in asked), story


def test_bad_gold_files_are_reported(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(
        '{"id": "a", "question": "q", "answers": [], "doc": null, "quote": null, '
        '"type": "bogus", "difficulty": "easy"}\n',
        encoding="utf-8",
    )
    with pytest.raises(RagError, match=r"g.jsonl:1: .*bogus"):
        load_gold(path)
    with pytest.raises(RagError, match="does not exist"):
        load_gold(tmp_path / "missing.jsonl")
    path.write_text(
        '{"id": "a", "question": "q", "answers": [], "doc": null, "quote": null, '
        '"type": "unanswerable", "difficulty": "easy", "split": "training"}\n',
        encoding="utf-8",
    )
    with pytest.raises(RagError, match=r"g.jsonl:1: .*split 'training' is not one of train, dev, test"):
        load_gold(path)
    item = GoldItem(
        id="x", question="q", answers=["12个"], doc="d.txt", quote="11个行政村", type="number", difficulty="easy"
    )
    problems = validate_gold([item], {"d": _doc()})
    assert problems == ["x: answer '12个' is not inside its quote"]


@pytest.fixture(scope="module")
def gold_result(assistant):
    return run_eval(assistant, load_gold(GOLD))


def test_ci_gate_headline_metrics_meet_their_floors(gold_result):
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    overall = gold_result["overall"]
    failures = [f"{k}={overall[k]:.3f} < {v}" for k, v in floors["overall"].items() if overall[k] < v]
    failures += [f"{k}={overall[k]:.3f} > {v}" for k, v in floors["ceilings"].items() if overall[k] > v]
    for t, metrics in floors["by_type"].items():
        failures += [
            f"{t}.{k}={gold_result['by_type'][t][k]:.3f} < {v}"
            for k, v in metrics.items()
            if gold_result["by_type"][t][k] < v
        ]
    for script, metrics in floors["by_script"].items():
        failures += [
            f"{script}.{k}={gold_result['by_script'][script][k]:.3f} < {v}"
            for k, v in metrics.items()
            if gold_result["by_script"][script][k] < v
        ]
    assert not failures, failures
    assert overall["errors"] == 0


def test_report_files(gold_result, tmp_path):
    written = write_report(gold_result, tmp_path, GOLD)
    names = {p.name for p in written}
    assert {"report.md", "report.json"} <= names
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Misses" in md and "answer_accuracy" in md and "## Headline by split" in md
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(data["rows"]) == gold_result["overall"]["n"]


def test_committed_report_matches_the_code(gold_result):
    committed = json.loads((ROOT / "eval" / "reports" / "report.json").read_text(encoding="utf-8"))
    for key in ("answer_accuracy", "quote_support", "correct_refusal_rate", "false_refusal_rate", "recall@5"):
        assert committed["overall"][key] == pytest.approx(gold_result["overall"][key], abs=1e-9), key
    traditional = committed["by_script"]["traditional"]["answer_accuracy"]
    assert traditional == pytest.approx(gold_result["by_script"]["traditional"]["answer_accuracy"], abs=1e-9)


def test_eval_cli_json_and_report(built_index_dir, tmp_path):
    gold = tmp_path / "mini.jsonl"
    lines = [line for line in GOLD.read_text(encoding="utf-8").splitlines()[:3]]
    lines.append(
        json.dumps(
            {
                "id": "u1",
                "question": "长安区帮扶了多少个村",
                "answers": [],
                "doc": None,
                "quote": None,
                "type": "unanswerable",
                "difficulty": "easy",
            },
            ensure_ascii=False,
        )
    )
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["eval", "--gold", str(gold), "--index-dir", str(built_index_dir), "--json", "--report", str(tmp_path / "rep")],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["overall"]["n"] == 4 and data["overall"]["correct_refusal_rate"] == 1.0
    assert (tmp_path / "rep" / "report.md").is_file()
    table = CliRunner().invoke(cli, ["eval", "--gold", str(gold), "--index-dir", str(built_index_dir)])
    assert "overall" in table.output and "type:number" in table.output and "script:traditional" in table.output


def test_gold_split_is_by_whole_section_and_covers_every_article_and_type(seed_docs):
    from rag.chunking import chunk_document

    items = load_gold(GOLD)
    assert all(i.split in ("dev", "test") for i in items)
    n_test = sum(i.split == "test" for i in items)
    assert 0.28 <= n_test / len(items) <= 0.38
    docs = {d.source: d for d in seed_docs.values()}
    group_splits: dict = {}
    for i in items:
        if i.doc is None:
            continue
        doc = docs[i.doc]
        pos = doc.text.find(i.quote)
        section = next(c.section for c in chunk_document(doc) if c.start <= pos < c.end)
        group_splits.setdefault((i.doc, section), set()).add(i.split)
    assert all(len(s) == 1 for s in group_splits.values()), "a section is split between dev and test"
    for split in ("dev", "test"):
        assert {i.doc for i in items if i.split == split and i.doc} == set(docs), split
        assert {i.type for i in items if i.split == split} == {i.type for i in items}, split


def test_eval_reports_headline_metrics_per_split(gold_result):
    by_split = gold_result["by_split"]
    assert set(by_split) == {"dev", "test"}
    assert by_split["dev"]["n"] + by_split["test"]["n"] == gold_result["overall"]["n"]
    assert "answer_accuracy" in by_split["test"]


def test_eval_collections_indexes_each_collection_alone(tmp_path):
    """``rag eval --collections``: each folder's docs/ is its own index; the question about one collection's
    figure is not answered from the other's (they would share an index otherwise)."""
    import json as _json

    for name, text, q, a in [
        ("gym", "阳光健身中心首次办卡需缴纳押金100元。", "办卡押金多少钱", "100元"),
        ("pool", "蓝湾游泳馆首次办卡需缴纳押金300元。", "办卡押金多少钱", "300元"),
    ]:
        (tmp_path / name / "docs").mkdir(parents=True)
        (tmp_path / name / "docs" / "notice.txt").write_text(text, encoding="utf-8")
        item = {
            "id": f"{name}-1",
            "question": q,
            "answers": [a],
            "doc": "notice.txt",
            "quote": text.rstrip("。"),
            "type": "number",
            "difficulty": "easy",
        }
        (tmp_path / name / "gold.jsonl").write_text(_json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--collections", str(tmp_path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = _json.loads(result.stdout.strip().splitlines()[-1])
    assert set(out["by_collection"]) == {"gym", "pool"}
    assert out["overall"]["n"] == 2
    assert out["overall"]["answer_accuracy"] == 1.0
    both = CliRunner().invoke(cli, ["eval", "--collections", str(tmp_path), "--gold", "x.jsonl"])
    assert both.exit_code != 0 and "one of" in both.output
    # another question file beside gold.jsonl (yesno.jsonl): asked of the same collections when named
    item = {
        "id": "gym-yn1",
        "question": "办卡要交押金吗",
        "answers": ["押金100元"],
        "doc": "notice.txt",
        "quote": "阳光健身中心首次办卡需缴纳押金100元",
        "type": "yesno",
        "difficulty": "easy",
    }
    (tmp_path / "gym" / "yesno.jsonl").write_text(_json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    named = CliRunner().invoke(
        cli, ["eval", "--collections", str(tmp_path), "--gold-name", "yesno.jsonl", "--json"], catch_exceptions=False
    )
    assert named.exit_code == 0, named.output
    out = _json.loads(named.stdout.strip().splitlines()[-1])
    assert set(out["by_collection"]) == {"gym"} and out["overall"]["n"] == 1  # pool has no yesno.jsonl
    alone = CliRunner().invoke(cli, ["eval", "--gold-name", "yesno.jsonl"])
    assert alone.exit_code != 0 and "--collections" in alone.output
