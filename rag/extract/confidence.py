"""The answer confidence: a fitted, calibrated probability that the builder's proposed answer is right.

The builder proposes one answer (a typed span, a slot span, a definition or a clause) and describes it by the
raw evidence in :data:`ANSWER_FEATURES`; this module turns that description into a probability with gradient-boosted
trees and a Platt calibration fitted by ``python -m rag.extract.fit_answer`` (CMRC 2018 train paragraphs,
each question asked open-domain with its paragraph and again without it, plus the gold set's dev split). The
refusal threshold saved beside the weights was chosen on development data (see the fit script's table).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..textutil import RESOURCES

DEFAULT_PATH = RESOURCES / "answer_scorer.json"

# how the builder found the answer it proposes
PATHS = ("typed", "strict_slot", "untyped", "slot", "clause", "definition")
QTYPES = ("number", "date", "person", "place", "title", "code", "list", "reason", "how", "fact")

ANSWER_FEATURES: tuple[str, ...] = (
    "coverage",  # IDF-weighted share of the question's terms in the answer's sentence (or its context)
    "content_coverage",  # the same, over the terms other than places
    "local_coverage",  # share of the terms in the answer's own clause
    "doc_coverage",  # IDF-weighted share of the question's terms anywhere in the answer's document
    "asked_term_near",  # the question's word next to its question word (年产值 in 年产值是多少): 1 in the answer's
    # clause, 0.5 elsewhere in its sentence, 0 absent
    "evidence",  # the builder's ranking evidence for the span (place agreement × coverage × type agreement)
    "type_agreement",  # how well the span's kind fits the question (1 for a slot span: its probability decides)
    "unit_agreement",  # type_agreement of a count's unit (个 asked, 家 found), 0 for other question types
    "place_factor",  # 1 when the sentence's places agree with the question's, lower on a conflict
    "place_x_content",  # place_factor × content_coverage
    "slot_probability",  # the slot scorer's probability (0 when the answer is not a slot span)
    "matched_terms",  # log(1 + key terms matched in the sentence)
    "question_terms",  # log(1 + key terms of the question)
    "sentence_rank",  # 1 / (1 + the sentence's rank among the candidate sentences)
    "hit_rank",  # 1 / the rank of the chunk the sentence comes from
    "dense_rank",  # 1 / the chunk's rank in dense retrieval (0 when it did not find it); ranks, not raw cosine
    # scores, so that the probability holds for any embedder and for English questions (lower cross-lingual scores)
    "lexical_rank",  # 1 / the chunk's rank in BM25 retrieval (0 when it did not find it)
    "answer_chars",  # log(1 + the answer's length)
    "sentence_chars",  # log(1 + the sentence's length)
    "english",  # 1 for an English question
    "rivals",  # log(1 + other answers of the asked kind in the passages), 0 when the answer is not a typed span
    "runner_up",  # the best other typed answer's rank as a share of the proposal's (1 a tie, 0 none)
    *(f"path_{p}" for p in PATHS),
    *(f"qtype_{t}" for t in QTYPES),
)


def answer_features(
    *,
    coverage: float,
    content_coverage: float,
    local_coverage: float,
    weights: dict[str, float],
    document: str,
    asked_term_near: float,
    evidence: float,
    type_agreement: float,
    place_factor: float,
    slot_probability: float,
    matched_terms: int,
    question_terms: int,
    sentence_rank: int,
    hit,
    answer: str,
    sentence: str,
    english: bool,
    path: str,
    qtype: str,
    rivals: tuple[int, float] = (0, 0.0),
) -> dict[str, float]:
    """The feature vector of one proposed answer (a dict in :data:`ANSWER_FEATURES` order)."""
    if path not in PATHS:
        raise ValueError(f"unknown answer path {path!r}")
    total = sum(weights.values())
    in_doc = sum(w for t, w in weights.items() if t in document)
    out = {
        "coverage": coverage,
        "content_coverage": content_coverage,
        "local_coverage": local_coverage,
        "doc_coverage": in_doc / total if total else 0.0,
        "asked_term_near": asked_term_near,
        "evidence": evidence,
        "type_agreement": type_agreement,
        "unit_agreement": type_agreement if qtype == "number" else 0.0,
        "place_factor": place_factor,
        "place_x_content": place_factor * content_coverage,
        "slot_probability": slot_probability,
        "matched_terms": math.log1p(matched_terms),
        "question_terms": math.log1p(question_terms),
        "sentence_rank": 1.0 / (1 + sentence_rank),
        "hit_rank": 1.0 / max(hit.rank, 1),
        "dense_rank": 1.0 / hit.dense_rank if hit.dense_rank else 0.0,
        "lexical_rank": 1.0 / hit.lexical_rank if hit.lexical_rank else 0.0,
        "answer_chars": math.log1p(len(answer)),
        "sentence_chars": math.log1p(len(sentence)),
        "english": float(english),
        "rivals": math.log1p(rivals[0]),
        "runner_up": rivals[1],
    }
    out.update({f"path_{p}": float(p == path) for p in PATHS})
    out.update({f"qtype_{t}": float(t == qtype) for t in QTYPES})
    return {name: float(out[name]) for name in ANSWER_FEATURES}


@dataclass(frozen=True)
class AnswerScorer:
    """Gradient-boosted trees + Platt calibration, evaluated in plain numpy.

    Each tree is a table of nodes (feature, threshold, left, right, leaf value); a row goes left when its
    feature is at most the threshold, as scikit-learn's HistGradientBoostingClassifier predicts.
    """

    names: tuple[str, ...]
    baseline: float
    trees: tuple[dict[str, np.ndarray], ...]
    platt_a: float
    platt_b: float
    threshold: float  # answers below this probability are refused (chosen on development data)
    meta: dict

    def raw(self, x: np.ndarray) -> float:
        total = self.baseline
        for t in self.trees:
            node = 0
            while not t["leaf"][node]:
                node = t["left"][node] if x[t["feature"][node]] <= t["threshold"][node] else t["right"][node]
            total += t["value"][node]
        return float(total)

    def probability(self, features: dict[str, float]) -> float:
        """Calibrated probability that the answer described by ``features`` is right."""
        x = np.asarray([features.get(n, 0.0) for n in self.names], dtype=float)
        z = self.platt_a * self.raw(x) + self.platt_b
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_dict(cls, params: dict) -> AnswerScorer:
        unknown = [n for n in params["features"] if n not in ANSWER_FEATURES]
        if unknown:
            raise ValueError(f"answer scorer uses unknown features {unknown}: run python -m rag.extract.fit_answer")
        trees = tuple(
            {
                "feature": np.asarray(t["feature"], dtype=np.int64),
                "threshold": np.asarray(t["threshold"], dtype=float),
                "left": np.asarray(t["left"], dtype=np.int64),
                "right": np.asarray(t["right"], dtype=np.int64),
                "leaf": np.asarray(t["leaf"], dtype=bool),
                "value": np.asarray(t["value"], dtype=float),
            }
            for t in params["trees"]
        )
        return cls(
            names=tuple(params["features"]),
            baseline=float(params["baseline"]),
            trees=trees,
            platt_a=float(params["platt"]["a"]),
            platt_b=float(params["platt"]["b"]),
            threshold=float(params["threshold"]),
            meta=params.get("meta", {}),
        )


def answer_probability(scorer: AnswerScorer, features: dict[str, float]) -> float:
    """The builder's confidence: the scorer's probability, gated by place agreement.

    An answer about another place is wrong however well the rest fits (雁塔区's figure for a question about
    汉滨区), and the benchmark data hardly has such cases to learn it from: the probability is multiplied by
    ``place_factor`` (1 when the sentence's places agree with the question's, down to ~0.1 on a conflict).
    """
    return scorer.probability(features) * features["place_factor"]


@lru_cache(maxsize=4)
def load_answer_scorer(path: Path = DEFAULT_PATH) -> AnswerScorer:
    """The answer scorer saved at ``path`` (default: the bundled one)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"answer scorer {path} is missing: run python -m rag.extract.fit_answer to fit it")
    return AnswerScorer.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
