"""The answer confidence: features of a proposed answer, the fitted trees, the place gate, the fit's helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rag.extract import fit_answer
from rag.extract.confidence import (
    ANSWER_FEATURES,
    AnswerScorer,
    answer_features,
    answer_probability,
    load_answer_scorer,
)
from rag.schema import Chunk, Hit


def _hit(rank: int, dense_rank: int | None, lexical_rank: int | None) -> Hit:
    chunk = Chunk(id=f"a#{rank}", doc_id="a", start=0, end=5, text="甲乙丙丁戊")
    return Hit(chunk=chunk, score=1.0, rank=rank, dense_rank=dense_rank, dense_score=0.8, lexical_rank=lexical_rank)


def _features(**overrides) -> dict[str, float]:
    args = dict(
        coverage=0.5,
        content_coverage=0.4,
        local_coverage=0.3,
        weights={"桂花": 3.0, "小镇": 1.0},
        document="桂花镇的小镇故事",
        asked_term_near=1.0,
        evidence=0.2,
        type_agreement=1.0,
        place_factor=1.0,
        slot_probability=0.0,
        matched_terms=2,
        question_terms=3,
        sentence_rank=0,
        hit=_hit(2, 4, 1),
        answer="12个",
        sentence="桂花镇有12个小镇",
        english=False,
        path="typed",
        qtype="number",
    )
    args.update(overrides)
    return answer_features(**args)


def test_features_are_complete_and_in_order():
    f = _features()
    assert list(f) == list(ANSWER_FEATURES)
    assert all(isinstance(v, float) and math.isfinite(v) for v in f.values())


def test_document_coverage_weighs_the_terms():
    assert _features()["doc_coverage"] == pytest.approx(1.0)
    # the most specific term (weight 3) missing: the document is probably about something else
    assert _features(document="小镇故事")["doc_coverage"] == pytest.approx(0.25)


def test_retrieval_features_are_ranks_not_raw_scores():
    f = _features()
    assert (f["hit_rank"], f["dense_rank"], f["lexical_rank"]) == pytest.approx((0.5, 0.25, 1.0))
    f = _features(hit=_hit(3, None, None))  # found by neither retriever alone (never happens, still defined)
    assert (f["dense_rank"], f["lexical_rank"]) == (0.0, 0.0)
    assert "dense_score" not in f  # raw cosines differ by embedder and language


def test_one_hot_path_and_question_type():
    f = _features(path="slot", qtype="person")
    assert f["path_slot"] == 1.0 and f["path_typed"] == 0.0
    assert f["qtype_person"] == 1.0 and f["qtype_number"] == 0.0
    assert f["unit_agreement"] == 0.0  # only counts have a unit to agree
    assert _features()["unit_agreement"] == 1.0
    with pytest.raises(ValueError):
        _features(path="guess")


def _stump(feature: str, threshold: float, low: float, high: float, **extra) -> AnswerScorer:
    params = {
        "features": list(ANSWER_FEATURES),
        "baseline": 0.0,
        "trees": [
            {
                "feature": [ANSWER_FEATURES.index(feature), 0, 0],
                "threshold": [threshold, 0.0, 0.0],
                "left": [1, 0, 0],
                "right": [2, 0, 0],
                "leaf": [False, True, True],
                "value": [0.0, low, high],
            }
        ],
        "platt": {"a": 1.0, "b": 0.0},
        "threshold": 0.5,
        **extra,
    }
    return AnswerScorer.from_dict(params)


def test_trees_go_left_at_or_below_the_threshold():
    scorer = _stump("content_coverage", 0.4, -2.0, 2.0)
    assert scorer.probability(_features(content_coverage=0.4)) == pytest.approx(1 / (1 + math.exp(2.0)))
    assert scorer.probability(_features(content_coverage=0.41)) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_a_place_conflict_gates_the_probability():
    scorer = _stump("content_coverage", 0.4, 2.0, 2.0)
    agree = answer_probability(scorer, _features(place_factor=1.0))
    conflict = answer_probability(scorer, _features(place_factor=0.15))
    assert conflict == pytest.approx(0.15 * agree)


def test_unknown_features_are_refused():
    params = {"features": ["shoe_size"], "baseline": 0, "trees": [], "platt": {"a": 1, "b": 0}, "threshold": 0.5}
    with pytest.raises(ValueError, match="fit_answer"):
        AnswerScorer.from_dict(params)


def test_the_bundled_scorer_is_fitted_and_monotone_in_evidence():
    scorer = load_answer_scorer()
    assert scorer.names == ANSWER_FEATURES
    assert 0.0 < scorer.threshold < 1.0
    assert scorer.meta["fitted_by"] == "python -m rag.extract.fit_answer"
    assert len(scorer.trees) == scorer.meta["trees"]
    rng = np.random.default_rng(0)
    for _ in range(20):
        base = _features(
            coverage=float(rng.uniform()),
            local_coverage=float(rng.uniform()),
            sentence_rank=int(rng.integers(0, 5)),
            path=str(rng.choice(["typed", "slot", "clause"])),
        )
        probs = [scorer.probability({**base, "content_coverage": c}) for c in (0.0, 0.3, 0.6, 1.0)]
        assert probs == sorted(probs)  # fitted with a non-decreasing constraint on the evidence


def test_exported_trees_reproduce_scikit_learn():
    sklearn = pytest.importorskip("sklearn.ensemble")
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(300, len(ANSWER_FEATURES)))
    y = (x[:, 1] + 0.3 * x[:, 4] + rng.normal(0, 0.2, 300) > 0.7).astype(float)
    model = sklearn.HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, random_state=0).fit(x, y)
    scorer = AnswerScorer.from_dict(
        {
            "features": list(ANSWER_FEATURES),
            "baseline": float(model._baseline_prediction.ravel()[0]),
            "trees": fit_answer._trees(model),
            "platt": {"a": 1.0, "b": 0.0},
            "threshold": 0.5,
        }
    )
    np.testing.assert_allclose([scorer.raw(row) for row in x[:50]], model.decision_function(x[:50]), atol=1e-9)


def test_the_threshold_is_the_lowest_meeting_both_refusal_targets():
    rows = [
        {"threshold": 0.1, "drop_gold_refused": 0.80, "gold_dev_unanswerable_declined": 0.95},
        {"threshold": 0.2, "drop_gold_refused": 0.90, "gold_dev_unanswerable_declined": 0.85},
        {"threshold": 0.3, "drop_gold_refused": 0.91, "gold_dev_unanswerable_declined": 0.95},
        {"threshold": 0.4, "drop_gold_refused": 0.99, "gold_dev_unanswerable_declined": 1.0},
    ]
    assert fit_answer.choose_threshold(rows) == 0.3
    never = [{**r, "drop_gold_refused": 0.5} for r in rows]
    assert fit_answer.choose_threshold(never) == 0.4  # none meets them: the strictest


def test_held_apart_groups_are_stable_and_about_a_quarter():
    groups = [f"TRIAL_{i}" for i in range(400)]
    share = sum(fit_answer._held_apart(g) for g in groups) / len(groups)
    assert 0.15 < share < 0.35
    assert [fit_answer._held_apart(g) for g in groups] == [fit_answer._held_apart(g) for g in groups]


def test_the_builder_explains_its_proposal_and_its_probability(assistant):
    answer = assistant.ask("碑林区帮扶了多少个村")
    ex = answer.explanation
    assert ex["found_by"] == "typed" and ex["proposal"].startswith("11个")
    assert list(ex["answer_features"]) == list(ANSWER_FEATURES)
    assert answer.confidence == pytest.approx(answer_probability(load_answer_scorer(), ex["answer_features"]))
    assert answer.confidence >= assistant.settings.abstain_threshold == load_answer_scorer().threshold


def test_no_path_key_in_an_answer(assistant):
    """Gradio clients take any dict with a "path" key for a file and try to download it (the load test
    failed with 403s when the explanation said {"path": "typed"})."""

    def keys(value):
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)

    for question in ("碑林区帮扶了多少个村", "长安区帮扶了多少个村", "How many villages did Beilin District help?"):
        assert "path" not in set(keys(assistant.ask(question).model_dump(mode="json")))


def test_typed_rivals_count_other_answers_and_the_runner_ups_share(tmp_path):
    from rag.answering import Candidate, SpanChoice, typed_rivals
    from rag.chunking import Span

    def choice(text, start, end, score, local=0.5):
        cand = Candidate(doc=None, span=Span(0, len(text)), hit=None, text=text, context="", paragraph="")
        cand.place_factor, cand.content_coverage = 1.0, 0.5
        c = SpanChoice(cand, start, end, score, True, text[start:end])
        c.local, c.agree = local, 1.0
        return c

    text = "炸篮容量3.5升，水箱2升，另配1.5升杯"
    best = choice(text, 4, 8, 1.0)  # 3.5升
    same = choice(text, 4, 8, 0.9)  # the same answer found twice is no rival
    other = choice(text, 11, 13, 0.5)  # 2升
    third = choice(text, 16, 20, 0.25)  # 1.5升
    assert typed_rivals(best, [best]) == (0, 0.0)
    assert typed_rivals(best, [best, same]) == (0, 0.0)
    count, share = typed_rivals(best, [best, same, other, third])
    assert count == 2
    assert share == pytest.approx(0.5)  # 2升's rank is half of 3.5升's (same evidence, half the score)


def test_cross_validation_leaves_each_collection_out_of_its_fit(monkeypatch):
    """--cv: every new-user collection is scored by a fit (and a threshold) that never saw it."""
    names = [f"c{i}" for i in range(10)]
    features = [1.0 if n == "place_factor" else 0.0 for n in ANSWER_FEATURES]
    rows = [
        {"source": src, "split": "train", "group": f"{c}/q{k}", "features": features, "right": src == "user"}
        for c in names
        for k, src in enumerate(("user", "user", "user_unanswerable"))
    ]
    seen = []

    def fake_fit(fit_rows):
        seen.append({r["group"].split("/")[0] for r in fit_rows})
        return {
            "features": list(ANSWER_FEATURES),
            "baseline": 0.0,
            "trees": [],
            "platt": {"a": 1.0, "b": 0.0},
            "threshold": 0.5,
        }

    monkeypatch.setattr(fit_answer, "fit", fake_fit)
    out = fit_answer.cross_validate(rows, folds=5)
    assert len(seen) == 5 and set().union(*(set(names) - s for s in seen)) == set(names)
    assert all(len(set(names) - s) == 2 for s in seen)  # each fit misses exactly its fold's collections
    assert out["answerable"] == 20 and out["unanswerable"] == 10
    assert out["sweep"][0]["threshold"] == fit_answer.CV_SWEEP[0]
    assert out["sweep"][0]["right"] == 20 and out["sweep"][0]["near_misses_answered"] == 10  # p = 0.5 >= 0.1
