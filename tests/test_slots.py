"""The answer-slot extractor: question slots, candidate spans, each feature, the scorer, the CMRC metric."""

import numpy as np
import pytest

from rag.extract import extract, rank_sentences
from rag.extract.cmrc import exact, f1, split_of, tokens
from rag.extract.features import FEATURE_NAMES, sentence_candidates, sentence_info, span_features
from rag.extract.scorer import SlotScorer, load_scorer
from rag.extract.slots import candidate_spans, clauses, left_matches, question_slot, right_matches

AGENCY_Q = "美国特勤局隶属于什么部门？"
AGENCY_S = "美国特勤局是美国联邦政府的一个执法机构，隶属于美国国土安全部。"
PLAYER_Q = "马赛罗是踢什么位置的"
PLAYER_S = "马赛罗是一名巴西足球运动员，司职前锋。"


def feats(question: str, sentence: str, span: str, rank: int = 1) -> dict[str, float]:
    slot = question_slot(question)
    start = sentence.index(span)
    values = span_features(slot, sentence_info(slot, sentence, rank), start, start + len(span))
    return dict(zip(FEATURE_NAMES, values, strict=True))


def test_question_slot_cuts_at_the_question_word():
    slot = question_slot(AGENCY_Q)
    assert (slot.left, slot.word, slot.right, slot.qclass) == ("美国特勤局隶属于", "什么", "部门", "what")
    assert "部门" in slot.right_terms and "什么" not in slot.terms


@pytest.mark.parametrize(
    ("question", "word", "qclass"),
    [
        ("谁发明了电话", "谁", "who"),
        ("他几乎每天去哪里", "哪里", "where"),  # 几乎 asks nothing
        ("大桥是什么时候建成的", "什么时候", "when"),
        ("这座塔有多少层", "多少", "number"),
        ("任何人都能参加吗", "", "none"),
        ("为什么天空是蓝色的", "为什么", "reason"),
    ],
)
def test_question_word_and_class(question, word, qclass):
    slot = question_slot(question)
    assert (slot.word, slot.qclass) == (word, qclass)


def test_clauses_split_at_commas_not_at_list_marks():
    assert clauses("甲、乙和丙，都来了。") == [(0, 5), (6, 9)]


def test_anchor_matches():
    lm = left_matches("隶属于国土部", "特勤局隶属于")
    assert lm[3] == 3 and lm[4] == 0
    rm = right_matches("国土部门很大", "部门")
    assert rm[2] == 2 and rm[0] == 0


def test_candidates_hold_the_slot_answers():
    for question, sentence, answer in ((AGENCY_Q, AGENCY_S, "美国国土安全部"), (PLAYER_Q, PLAYER_S, "前锋")):
        slot = question_slot(question)
        info = sentence_info(slot, sentence)
        texts = {sentence[s:e] for s, e, _ in sentence_candidates(slot, info)}
        assert answer in texts
        assert sentence.rstrip("。") in texts  # the whole sentence is a candidate too


def test_candidate_spans_never_start_or_end_with_punctuation():
    slot = question_slot(AGENCY_Q)
    info = sentence_info(slot, AGENCY_S)
    for s, e in candidate_spans(slot, AGENCY_S, info.tokens, info.lm, info.rm):
        assert AGENCY_S[s].strip("，。") and AGENCY_S[e - 1].strip("，。")


def test_a_clocks_colon_ends_no_clause():
    sentence = "营业时间：周一至周日 9:30—20:00，周三下午13:00开门"
    assert [sentence[a:b] for a, b in clauses(sentence)] == ["营业时间", "周一至周日 9:30—20:00", "周三下午13:00开门"]


def test_candidate_spans_never_cut_a_bracket_pair():
    sentence = "周三 19:00 陶艺(马老师) 国画(唐老师) 书法(罗老师)"
    slot = question_slot("书法是哪个老师教")
    info = sentence_info(slot, sentence)
    spans = [sentence[s:e] for s, e in candidate_spans(slot, sentence, info.tokens, info.lm, info.rm)]
    assert spans and not [t for t in spans if t.count("(") != t.count(")")]


def test_left_anchor_features():
    f = feats(AGENCY_Q, AGENCY_S, "美国国土安全部")
    assert f["la_exact"] == 3 and f["la_hit"] == 1  # 隶属于 right before the span
    assert f["left_term_found"] == 1 and f["left_term_gap"] == 0
    far = feats(AGENCY_Q, AGENCY_S, "执法机构")
    assert far["la_exact"] == 0


def test_near_anchor_allows_a_particle_between():
    f = feats("他毕业于哪所大学", "他于1990年毕业于了北京大学。", "北京大学")
    assert f["la_exact"] == 0 and f["la_near"] >= 3 and f["la_near_gap"] == 1


def test_right_anchor_and_asked_noun():
    f = feats("什么公司生产了这款手机", "华星公司生产了这款手机。", "华星")
    assert f["ra_exact"] >= 2 and f["between"] == 0
    g = feats(AGENCY_Q, AGENCY_S, "美国国土安全部")
    assert g["rnoun_tail"] == 1 and g["rnoun_in_span"] == 0  # 部 ends the span, 部门 is asked
    assert g["has_rnoun"] == 1 and g["qword_at_end"] == 0


def test_question_word_at_end():
    f = feats("内台航路是什么", "内台航路是连结两地的海运航线。", "连结两地的海运航线")
    assert f["qword_at_end"] == 1 and f["has_rnoun"] == 0


def test_overlap_with_the_question():
    assert feats(AGENCY_Q, AGENCY_S, "隶属于")["q_char_frac"] == 1
    assert feats(AGENCY_Q, AGENCY_S, "执法机构")["q_char_frac"] == 0
    assert feats(AGENCY_Q, AGENCY_S, "美国特勤局")["span_terms"] > 0


def test_clause_and_shape_features():
    f = feats(AGENCY_Q, AGENCY_S, "隶属于美国国土安全部")
    assert f["is_clause"] == 1 and f["n_clauses"] == 1 and f["punct"] == 0
    whole = feats(AGENCY_Q, AGENCY_S, AGENCY_S.rstrip("。"))
    assert whole["is_sentence"] == 1 and whole["n_clauses"] == 2 and whole["punct"] == 1
    assert feats("有哪些颜色", "有红、黄、蓝三种。", "红、黄、蓝")["list_mark"] == 1
    short = feats(AGENCY_Q, AGENCY_S, "执法机构")
    assert short["len_log"] == pytest.approx(np.log(4))


def test_pos_features():
    f = feats("他毕业于哪所大学", "他于1990年毕业于北京大学，主修物理。", "于北京大学")
    assert f["first_p"] == 1 and f["last_nt"] == 1 and f["first_v"] == 0


def test_type_agreement():
    f = feats("谁发明了电话", "电话由贝尔发明。", "贝尔")
    assert f["qc_who"] == 1 and f["st_person"] == 1 and f["agree"] == 1 and f["type_frac"] == 1
    g = feats("大桥建了多少年", "大桥建了12 年，耗资35 亿美元。", "35 亿美元")
    assert g["st_number"] == 1 and g["agree"] == 1
    h = feats("谁发明了电话", "电话由贝尔发明。", "电话")
    assert h["agree"] == 0


def test_term_distance_and_clause_terms():
    near = feats(AGENCY_Q, AGENCY_S, "美国国土安全部")
    far = feats(AGENCY_Q, AGENCY_S, "执法机构")
    assert near["term_dist"] < far["term_dist"] or near["term_dist"] == 0
    assert near["clause_terms"] > 0


def test_sentence_features():
    f = feats(AGENCY_Q, AGENCY_S, "美国国土安全部", rank=2)
    assert f["sent_rank_inv"] == 0.5 and f["sent_top"] == 0 and 0 < f["sent_cov"] <= 1
    slot = question_slot(AGENCY_Q)
    assert rank_sentences(slot, ["今天天气很好。", AGENCY_S]) == [1, 0]


def test_interaction_features_follow_the_question_class():
    f = feats(AGENCY_Q, AGENCY_S, "美国国土安全部")
    assert f["len_log_x_what"] == f["len_log"] and f["len_log_x_who"] == 0


def _best_short(found, sentences):
    """The best candidate that is not a whole sentence (CMRC answers are often whole clauses, so the fitted
    scorer may rank the sentence first; the slot must be the best of the short ones)."""
    return next(c for c in found if c.text != sentences[c.sentence].rstrip("。"))


def test_extractor_answers_the_slot():
    sentences = [AGENCY_S, "该局成立于1865年。"]
    found = extract(AGENCY_Q, sentences)
    assert "美国国土安全部" in found[0].text
    assert _best_short(found, sentences).text == "美国国土安全部"
    # 前锋 answers 什么位置 by meaning only (no anchor, no type): the scorer finds its clause, not the word
    assert "前锋" in extract(PLAYER_Q, [PLAYER_S])[0].text


def test_extractor_on_an_invented_corpus():
    corpus = [
        "青石镇东街有一家老面馆。",
        "这家面馆由退伍军人林海生开设，已有二十多年。",
        "风车磨坊每天能磨三百斤面粉。",
    ]
    order = rank_sentences(question_slot("风车磨坊每天能磨多少斤面粉"), corpus)
    found = extract("风车磨坊每天能磨多少斤面粉", corpus, order)
    assert "三百斤" in found[0].text and _best_short(found, corpus).text == "三百斤"
    best = extract("青石镇的老面馆是谁开设的", corpus)[0]
    assert "林海生" in best.text and 0 < best.probability < 1


def test_scorer_probabilities_and_errors():
    scorer = load_scorer()
    x = np.zeros((2, len(FEATURE_NAMES)))
    p = scorer.probability(x)
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
    with pytest.raises(ValueError, match="refit"):
        SlotScorer.from_dict({"features": ["nope"], "intercept": 0, "platt": {"a": 1, "b": 0}})


def test_probability_is_calibrated_on_the_softmax_share():
    params = {"features": ["la_exact"], "coef": [1.0], "intercept": 0.0}
    params["platt"] = {"a": 0.0, "share": 1.0, "b": 0.0}
    scorer = SlotScorer.from_dict(params)
    x = np.zeros((2, len(FEATURE_NAMES)))
    x[0, FEATURE_NAMES.index("la_exact")] = 100  # one sure candidate: its share is ~1, the other's ~0
    p = scorer.probability(x)
    assert p[0] == pytest.approx(0.5) and p[1] < 0.01


def test_cmrc_metric():
    assert tokens("NBA总冠军 2019年！") == ["nba", "总", "冠", "军", "2019", "年"]
    assert exact("美国国土安全部。", ["美国国土安全部"]) == 1
    assert f1("国土安全部", ["美国国土安全部"]) == pytest.approx(2 * 1 * (5 / 7) / (1 + 5 / 7))
    assert f1("前锋", ["后卫", "前锋"]) == 1 and f1("中场", ["前锋"]) == 0
    # longest common substring, not bag of characters
    assert f1("锋前", ["前锋"]) == pytest.approx(0.5)


def test_split_is_fixed_by_the_paragraph_id():
    assert {split_of(f"P{i}") for i in range(30)} == {"train", "dev"}
    assert split_of("TRIAL_800_QUERY_0") == split_of("TRIAL_800_QUERY_0")


MUSEUM = """青石镇风物
青石镇位于江心岛北岸,镇上的老面馆由退伍军人林海生于1998年开设。
镇东的风车磨坊建于清代,如今隶属于江心岛文化旅游公司,每天接待游客三百余人。
镇西有一座石拱桥,当地人称之为“望月桥”。
"""


@pytest.fixture(scope="module")
def museum(tmp_path_factory):
    from rag.assistant import Assistant
    from rag.config import Settings

    corpus = tmp_path_factory.mktemp("slot-corpus")
    (corpus / "qingshi.txt").write_text(MUSEUM, encoding="utf-8")
    settings = Settings(index_dir=tmp_path_factory.mktemp("slot-index") / "index", seeds_dir=corpus)
    return Assistant.open(settings)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("风车磨坊隶属于什么公司", "江心岛文化旅游公司"), ("当地人把石拱桥称为什么", "望月桥")],
)
def test_builder_uses_the_slot_where_it_returned_a_clause(museum, question, expected):
    answer = museum.ask(question)
    assert not answer.abstained, answer.explanation
    assert expected in answer.answer and "slot_probability" in answer.explanation
    if "隶属于" in question:  # the slot itself, not the sentence 镇东的风车磨坊建于清代,如今隶属于…
        assert answer.answer == expected
    quote = answer.quotes[0]
    assert museum.index.document(quote.doc_id).text[quote.start : quote.end] == quote.text
    assert answer.answer in quote.text


@pytest.mark.parametrize("question", ["林海生今年多少岁", "风车磨坊有多少岁了"])
def test_a_count_slot_needs_a_numeral_and_the_asked_unit(museum, question):
    # no age anywhere: the slot's span (a year, a name) is no answer to 多少岁
    answer = museum.ask(question)
    assert answer.abstained, answer.explanation
    assert "岁" not in (answer.explanation.get("proposal") or "")
