"""The matching view (traditional → simplified, full-width → ASCII, same length) and asking in any script."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.assistant import Assistant, build_index
from rag.config import Settings
from rag.documents import load_corpus
from rag.english import names_in_chinese
from rag.evaluation import answer_correct, load_gold, quotes_faithful
from rag.index import Index
from rag.normalize import (
    RULES_VERSION,
    convert_script,
    describe,
    fold_width,
    in_script,
    is_traditional,
    matching_chunk,
    matching_document,
    to_matching,
    to_traditional,
)
from rag.schema import Chunk, Document

from .conftest import ROOT, SEEDS
from .test_index import CountingEmbedder

GOLD = ROOT / "eval" / "gold.jsonl"
REPORT = ROOT / "eval" / "reports" / "report.json"
_CJK = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 400)) + "碑林區幫扶個縣們覆蓋盖乾隆頭髮发"
_TEXT = st.text(alphabet=st.sampled_from(_CJK + "ＡＢＣ１２３％，。　①…abc 12\n"), max_size=60)


# ---------------------------------------------------------------------------- the view, on tiny inputs
def test_width_folding_is_one_character_to_one():
    assert fold_width("ＡＢＣ１２３％") == "ABC123%"
    assert fold_width("碑林区　１１个？") == "碑林区 11个?"
    assert fold_width("①…㎡") == "①…㎡"  # NFKC would give 1, ..., m2: not width, or not one character


def test_script_is_converted_only_for_traditional_text():
    assert to_matching("碑林區幫扶了多少個村") == "碑林区帮扶了多少个村"
    assert to_matching("碑林区帮扶了多少个村") == "碑林区帮扶了多少个村"
    # 覆 is simplified as well as traditional: a simplified text keeps it (t2s alone would write 复盖)
    assert to_matching("覆盖了多少户") == "覆盖了多少户"
    assert to_matching("覆蓋了多少戶") == "覆盖了多少户"
    assert to_matching("頭髮和乾燥") == "头发和干燥"  # phrases first: 髮 → 发, not 髮 → 發
    assert is_traditional("碑林區幫扶") and not is_traditional("碑林区帮扶") and not is_traditional("How many?")
    assert to_matching("碑林區", convert=False) == "碑林區"


def test_answers_for_a_traditional_reader():
    assert to_traditional("资料中没有找到关于“长安区”的内容。") == "資料中沒有找到關於“長安區”的內容。"
    assert in_script("11个", True) == "11個" and in_script("11个", False) == "11个"


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.sampled_from([None, True, False]))
def test_the_view_keeps_every_offset(text, convert):
    view = to_matching(text, convert)
    assert len(view) == len(text)
    for i, ch in enumerate(text):
        if ch in _CJK:
            assert view[i] in _CJK or "\u4e00" <= view[i] <= "\u9fff"
        else:  # everything but Chinese characters maps one to one, in place
            assert view[i] == fold_width(ch)


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.integers(0, 60), st.integers(0, 60))
def test_a_span_found_in_the_view_is_the_same_span_of_the_original(text, a, b):
    a, b = sorted((min(a, len(text)), min(b, len(text))))
    trad = convert_script(text, "s2t")
    assert len(trad) == len(text)
    doc = Document(id="d", source="d.txt", title="題", text=trad, sha256="0")
    view, converted = matching_document(doc)
    assert len(view.text) == len(trad)
    # the answer builder finds view.text[a:b]; the quote is trad[a:b], and each character corresponds
    for x, y in zip(view.text[a:b], trad[a:b], strict=True):
        assert x == y or to_matching(y, convert=True) == x or y in _CJK
    chunk = Chunk(id="d#0", doc_id="d", start=a, end=b, text=trad[a:b])
    assert matching_chunk(chunk, view, converted).text == view.text[a:b]


def test_pinyin_names_inside_a_chinese_question():
    corpus = "北林公司成立。碑林区承担任务。碑林区投入资金。雁塔区建了路。GDP增长。"
    assert names_in_chinese("beilin帮扶了几个村", corpus) == "碑林帮扶了几个村"
    assert names_in_chinese("Beilin区帮扶了几个村", corpus) == "碑林区帮扶了几个村"
    assert names_in_chinese("Yanta District建了什么", corpus) == "雁塔区建了什么"
    assert names_in_chinese("Bei Lin投入了多少", corpus) == "碑林投入了多少"
    assert names_in_chinese("GDP增长了多少", corpus) == "GDP增长了多少"  # no name of the corpus
    assert names_in_chinese("changan区", corpus) == "changan区"


# ---------------------------------------------------------------------------- index and assistant, tiny corpus
def _write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


TRADITIONAL = {
    "a.txt": "東城區幫扶工作\n東城區承擔南山縣１２個行政村的幫扶任務。該區投入資金３００萬元。\n",
    "b.txt": "西城区简讯\n西城区修建道路8公里,覆盖5个村。\n",
}


def test_the_manifest_records_the_normalisation_and_a_change_rebuilds(tmp_path, monkeypatch):
    import rag.normalize

    corpus = _write(tmp_path / "c", TRADITIONAL)
    s = Settings(index_dir=tmp_path / "idx")
    emb = CountingEmbedder()
    index, _, _ = build_index([corpus], s, embedder=emb)
    assert index.manifest["normalization"] == describe()
    assert describe()["converter"] == "OpenCC" and describe()["config"] == "t2s"
    assert describe()["rules"] == RULES_VERSION
    emb.embedded = 0
    build_index([corpus], s, embedder=emb)
    assert emb.embedded == 0
    monkeypatch.setattr(rag.normalize, "RULES_VERSION", RULES_VERSION + 1)
    emb.embedded = 0
    index, _, _ = build_index([corpus], s, embedder=emb)
    assert emb.embedded == len(index.chunks) and index.manifest["normalization"]["rules"] == RULES_VERSION + 1


def test_an_index_without_the_normalisation_is_rebuilt_in_full(tmp_path):
    corpus = _write(tmp_path / "c", TRADITIONAL)
    s = Settings(index_dir=tmp_path / "idx")
    emb = CountingEmbedder()
    index, _, _ = build_index([corpus], s, embedder=emb)
    manifest = dict(index.manifest)
    del manifest["normalization"]
    old = Index(list(index.documents.values()), index.chunks, index.dense, index.lexical, manifest)
    emb.embedded = 0
    rebuilt, _ = Index.build(list(index.documents.values()), emb, previous=old)
    assert emb.embedded == len(rebuilt.chunks) and rebuilt.manifest["normalization"] == describe()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    corpus = _write(folder / "c", TRADITIONAL)
    s = Settings(index_dir=folder / "idx", embedder="hash-test")
    build_index([corpus], s)
    return Assistant.open(s)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # the document writes full-width digits: the short answer keeps them, as its quote does
        ("东城区承担了多少个行政村的帮扶任务", "１２个"),  # simplified asker, traditional document
        ("東城區承擔了多少個行政村的幫扶任務", "１２個"),  # traditional asker: the answer in traditional script
        ("东城区承担了多少个行政村的帮扶任务？１２个吗", "１２个"),
        ("dongcheng区承担了多少个行政村的帮扶任务", "１２个"),
        ("西城區修建了多少公里道路", "8公里"),  # traditional asker, simplified document
    ],
)
def test_any_script_gets_the_same_answer_and_a_verbatim_quote(tiny, question, answer):
    got = tiny.ask(question)
    assert not got.abstained, got.explanation
    assert got.answer.startswith(answer)
    docs = tiny.index.documents
    assert got.quotes and all(q.matches(docs[q.doc_id]) for q in got.quotes)
    assert all(h.chunk.text == docs[h.chunk.doc_id].text[h.chunk.start : h.chunk.end] for h in got.hits)


def test_a_traditional_document_is_quoted_in_traditional_script(tiny):
    got = tiny.ask("东城区投入了多少资金")
    assert got.answer.startswith("３００万元")  # simplified for a simplified asker, digits as the document writes them
    assert "該區投入資金３００萬元" in got.quotes[0].text


def test_a_refusal_speaks_the_askers_script(tiny):
    got = tiny.ask("北城區修建了多少公里道路")
    assert got.abstained and got.answer == "資料中沒有找到關於“北城區”的內容。"
    assert all(q.matches(tiny.index.documents[q.doc_id]) for q in got.related)


def test_cli_labels_follow_the_askers_script(tiny):
    from rag.cli import _render

    assert "相關段落（不作爲依據）" in _render(tiny.ask("北城區修建了多少公里道路"))
    assert "相关段落（不作为依据）" in _render(tiny.ask("北城区修建了多少公里道路"))


def test_a_refusal_of_a_judged_proposal_shows_its_confidence(tiny):
    """Refused below the threshold: the text output says how sure it was (a place missing from every document is
    refused before any proposal is judged, with no confidence to show)."""
    from rag.cli import _render

    missing = tiny.ask("北城区修建了多少公里道路")
    assert missing.abstained and not missing.confidence and "置信度" not in _render(missing)
    unsure = missing.model_copy(update={"confidence": 0.123})
    assert "置信度：0.12（不足以作答）" in _render(unsure)
    traditional = tiny.ask("北城區修建了多少公里道路").model_copy(update={"confidence": 0.123})
    assert "置信度：0.12（不足以作答）" in _render(traditional)


# ---------------------------------------------------------------------------- the seeds, real embedder
def _chinese_gold():
    return [i for i in load_gold(GOLD) if i.type != "english"]


def _score(answer, item) -> bool:
    if not item.answers:
        return answer.abstained
    return not answer.abstained and answer_correct(to_matching(answer.answer), item.answers)


def _today(items) -> float:
    """The accuracy on ``items`` in the committed report (simplified questions, simplified seeds)."""
    rows = {r["id"]: r for r in json.loads(REPORT.read_text(encoding="utf-8"))["rows"]}
    return sum(rows[i.id]["correct"] if i.answers else rows[i.id]["abstained"] for i in items) / len(items)


@pytest.mark.slow
def test_simplified_questions_over_traditional_seeds(tmp_path_factory):
    import opencc

    s2t = opencc.OpenCC("s2t")
    folder = tmp_path_factory.mktemp("trad-seeds")
    for path in SEEDS.glob("*.txt"):
        (folder / path.name).write_text(s2t.convert(path.read_text(encoding="utf-8")), encoding="utf-8")
    docs, _ = load_corpus([folder])
    assert all(is_traditional(d.text) for d in docs)
    s = Settings(index_dir=tmp_path_factory.mktemp("trad-index") / "index")
    build_index([folder], s, show_progress=False)
    assistant = Assistant.open(s)
    items = _chinese_gold()
    right, traditional_quotes = 0, 0
    for item in items:
        answer = assistant.ask(item.question, history=item.history)
        right += _score(answer, item)
        assert quotes_faithful(answer, assistant.index.documents), item.id
        traditional_quotes += sum(q.text != to_matching(q.text) for q in answer.quotes)
    accuracy = right / len(items)
    assert accuracy >= _today(items) - 0.02, (accuracy, _today(items))
    assert traditional_quotes > len(items) / 2  # quotes are the traditional text, not the matching view


@pytest.mark.slow
def test_traditional_questions_over_simplified_seeds(assistant):
    items = _chinese_gold()
    right = 0
    for item in items:
        history = [to_traditional(h) for h in item.history or []]
        answer = assistant.ask(to_traditional(item.question), history=history)
        right += _score(answer, item)
        assert quotes_faithful(answer, assistant.index.documents), item.id
    accuracy = right / len(items)
    assert accuracy >= _today(items) - 0.02, (accuracy, _today(items))


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    ["beilin帮扶了几个村", "碑林区帮扶了多少个村？１１个吗", "碑林區幫扶了多少個村", "ｂｅｉｌｉｎ帮扶了几个村"],
)
def test_pinyin_full_width_and_traditional_questions_on_the_seeds(assistant, question):
    answer = assistant.ask(question)
    assert to_matching(answer.answer).startswith("11个"), answer.explanation


def test_short_answers_keep_the_documents_full_width_forms():
    from rag.assistant import restore_width

    # a slice of the quote: the same slice of the original
    assert restore_width("12,3(米)", [("共12,3(米)。", "共１２，3（米）。")]) == "１２，3（米）"
    # a composed display: characters width folding changed are put back one by one
    assert restore_width("11个（2个）", [("共11个,其中2个", "共１１个，其中２个")]) == "１１个（２个）"
    # script conversion is not undone (the asker's script decides it)
    assert restore_width("蓝田县", [("蓝田县", "藍田縣")]) == "蓝田县"
