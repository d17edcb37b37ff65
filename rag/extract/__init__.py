"""General answer-slot extraction: candidate spans with raw features, scored by a fitted model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import FEATURE_NAMES, sentence_candidates, sentence_info
from .slots import QuestionSlot, question_slot

__all__ = ["FEATURE_NAMES", "SlotCandidate", "candidates", "extract", "question_slot", "rank_sentences"]


@dataclass(frozen=True)
class SlotCandidate:
    sentence: int  # index into the sentences given
    start: int  # offsets into that sentence
    end: int
    text: str
    features: tuple[float, ...]
    probability: float = 0.0


def rank_sentences(slot: QuestionSlot, sentences: list[str]) -> list[int]:
    """Sentence indices, best first, by the question's term and character coverage."""
    infos = [sentence_info(slot, s) for s in sentences]
    return sorted(range(len(sentences)), key=lambda i: (-infos[i].coverage, -infos[i].char_coverage, i))


def candidates(slot: QuestionSlot, sentences: list[str], order: list[int] | None = None) -> list[SlotCandidate]:
    """Candidate spans of ``sentences`` with features; ``order`` ranks the sentences (default: as given)."""
    order = list(range(len(sentences))) if order is None else order
    out = []
    for rank, i in enumerate(order, 1):
        info = sentence_info(slot, sentences[i], rank)
        for s, e, f in sentence_candidates(slot, info):
            out.append(SlotCandidate(i, s, e, sentences[i][s:e], tuple(f)))
    return out


def extract(question: str, sentences: list[str], order: list[int] | None = None, scorer=None) -> list[SlotCandidate]:
    """Scored candidate answers to ``question`` from ``sentences``, most probable first.

    Args:
        question: the question text.
        sentences: candidate sentences (a paragraph split, or the builder's best sentences).
        order: sentence indices best first (default: the given order).
        scorer: a :class:`rag.extract.scorer.SlotScorer` (default: the bundled fitted one).
    """
    from .scorer import load_scorer

    scorer = scorer or load_scorer()
    slot = question_slot(question)
    cands = candidates(slot, sentences, order)
    if not cands:
        return []
    probs = scorer.probability(np.asarray([c.features for c in cands], dtype=float))
    scored = [
        SlotCandidate(c.sentence, c.start, c.end, c.text, c.features, float(p))
        for c, p in zip(cands, probs, strict=True)
    ]
    return sorted(scored, key=lambda c: -c.probability)
