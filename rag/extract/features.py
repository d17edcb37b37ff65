"""Raw features of a candidate answer span: anchors, distances, overlap with the question, shape, type.

No blended score here: every feature is a plain measurement; :mod:`rag.extract.scorer` weighs them with
parameters fitted on data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..spans import find_dates, find_quantities, find_times
from ..textutil import posseg
from .slots import QuestionSlot, candidate_spans, clauses, left_matches, right_matches

QCLASSES = ("what", "who", "where", "when", "number", "how", "reason", "none")
SPAN_TYPES = ("number", "date", "person", "place", "org", "other")
# the span type each question class asks for (what/how/reason/none ask for no particular type)
EXPECTED_TYPE = {"who": ("person",), "where": ("place", "org"), "when": ("date",), "number": ("number",)}
POS_GROUPS = ("n", "nr", "ns", "nt", "v", "a", "m", "q", "t", "d", "p", "u", "c", "r", "f", "eng", "x")
# how far (characters) a near anchor may sit from the span: a particle or two (是, 为, 了) between them
NEAR_GAP = 4
# anchor lengths and counts above these add no information (a 6-character match is as sure as a 20-character one)
ANCHOR_CAP = 8
PUNCT_CAP = 5


def _pos_group(flag: str) -> str:
    if flag in ("nr", "nrfg", "nrt"):
        return "nr"
    if flag in ("ns", "nt", "eng"):
        return flag
    if flag.startswith("n") or flag in ("vn", "an", "j", "l", "i", "s"):
        return "n"
    if flag.startswith("v"):
        return "v"
    if flag and flag[0] in "amqtdpucrf":
        return flag[0]
    return "x"


def _names() -> tuple[str, ...]:
    names = [f"qc_{c}" for c in QCLASSES]
    names += [f"st_{t}" for t in SPAN_TYPES]
    names += ["agree", "type_frac"]
    names += ["la_exact", "la_hit", "la_near", "la_near_gap", "ra_exact", "ra_hit", "ra_near", "ra_near_gap", "between"]
    names += ["left_term_found", "left_term_gap", "right_term_found", "right_term_gap", "term_dist"]
    names += ["clause_terms", "span_terms", "q_char_frac", "rnoun_tail", "rnoun_in_span"]
    names += ["len_log", "len_words", "punct", "list_mark", "starts_clause", "ends_clause", "is_clause", "n_clauses"]
    names += ["is_sentence", "sent_frac"]
    names += [f"first_{g}" for g in POS_GROUPS] + [f"last_{g}" for g in POS_GROUPS]
    names += ["qword_at_end", "has_rnoun", "qword_pos", "q_len"]
    names += ["sent_cov", "sent_char_cov", "sent_rank_inv", "sent_top"]
    # length and clause preference depend on what is asked (为什么 → a clause, 谁 → a name)
    for c in QCLASSES:
        names += [f"len_log_x_{c}", f"is_clause_x_{c}", f"is_sentence_x_{c}", f"la_hit_x_{c}"]
    return tuple(names)


FEATURE_NAMES = _names()
_INDEX = {n: i for i, n in enumerate(FEATURE_NAMES)}


@dataclass
class SentenceInfo:
    """What every span of one sentence shares: words, clauses, anchor matches, term positions, types."""

    text: str
    words: list[tuple[int, int, str]]  # (start, end, pos group)
    tokens: list[tuple[int, int, str]]  # (start, end, word)
    clauses: list[tuple[int, int]]
    lm: list[int]
    rm: list[int]
    left_ends: list[int]  # end offsets of the question's left-side terms in the sentence
    right_starts: list[int]
    term_spans: list[tuple[int, int, str]]
    types: list[str]  # per character: number/date/person/place/org/other
    coverage: float  # share of the question's terms in the sentence
    char_coverage: float  # share of the question's characters in the sentence
    rank: int = 1  # 1 = best sentence for this question


def _occurrences(term: str, text: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(term), text)] if term else []


def sentence_info(slot: QuestionSlot, sentence: str, rank: int = 1) -> SentenceInfo:
    """Per-sentence facts for :func:`span_features`."""
    words, tokens = [], []
    types = ["other"] * len(sentence)
    pos = 0
    for word, flag in posseg(sentence):
        start = sentence.find(word, pos)
        if start == -1:
            continue
        pos = start + len(word)
        words.append((start, pos, _pos_group(flag) if word.strip() else "x"))
        tokens.append((start, pos, word))
        kind = {"nr": "person", "nrfg": "person", "nrt": "person", "ns": "place", "nt": "org"}.get(flag)
        if kind:
            types[start:pos] = [kind] * (pos - start)
    for q in find_quantities(sentence):
        types[q.start : q.end] = ["number"] * (q.end - q.start)
    for d in [*find_dates(sentence), *find_times(sentence)]:
        types[d.start : d.end] = ["date"] * (d.end - d.start)
    term_spans = [(p, p + len(t), t) for t in slot.terms for p in _occurrences(t, sentence)]
    left_ends = [p + len(t) for t in slot.left_terms for p in _occurrences(t, sentence)]
    right_starts = [p for t in slot.right_terms for p in _occurrences(t, sentence)]
    found = sum(1 for t in slot.terms if t in sentence)
    qchars = {c for c in slot.left + slot.right if c.strip()}
    return SentenceInfo(
        text=sentence,
        words=words,
        tokens=tokens,
        clauses=clauses(sentence),
        lm=left_matches(sentence, slot.left),
        rm=right_matches(sentence, slot.right),
        left_ends=left_ends,
        right_starts=right_starts,
        term_spans=term_spans,
        types=types,
        coverage=found / len(slot.terms) if slot.terms else 0.0,
        char_coverage=sum(1 for c in qchars if c in sentence) / len(qchars) if qchars else 0.0,
        rank=rank,
    )


def _log_gap(gap: int | None) -> float:
    return math.log1p(gap) if gap is not None else math.log1p(60)


def span_features(slot: QuestionSlot, info: SentenceInfo, start: int, end: int) -> list[float]:
    """The feature vector (in :data:`FEATURE_NAMES` order) of ``info.text[start:end]``."""
    f = [0.0] * len(FEATURE_NAMES)

    def put(name: str, value: float) -> None:
        f[_INDEX[name]] = float(value)

    text = info.text
    span = text[start:end]
    put(f"qc_{slot.qclass}", 1)
    kinds = [t for t in info.types[start:end]]
    counts = {t: kinds.count(t) for t in SPAN_TYPES}
    main = max(("number", "date", "person", "place", "org"), key=lambda t: counts[t])
    span_type = main if counts[main] else "other"
    put(f"st_{span_type}", 1)
    expected = EXPECTED_TYPE.get(slot.qclass, ())
    put("agree", span_type in expected)
    put("type_frac", sum(counts[t] for t in expected) / len(span) if expected and span else 0)
    la = info.lm[start]
    la_near, la_gap = max(((info.lm[start - g], g) for g in range(1, NEAR_GAP + 1) if start - g >= 0), default=(0, 0))
    ra = info.rm[end]
    ra_near, ra_gap = max(
        ((info.rm[end + g], g) for g in range(1, NEAR_GAP + 1) if end + g <= len(text)), default=(0, 0)
    )
    put("la_exact", min(la, ANCHOR_CAP))
    put("la_hit", la > 0)
    put("la_near", min(la_near, ANCHOR_CAP))
    put("la_near_gap", la_gap if la_near else 0)
    put("ra_exact", min(ra, ANCHOR_CAP))
    put("ra_hit", ra > 0)
    put("ra_near", min(ra_near, ANCHOR_CAP))
    put("ra_near_gap", ra_gap if ra_near else 0)
    put("between", la > 0 and ra > 0)
    before = [start - e for e in info.left_ends if e <= start]
    after = [s - end for s in info.right_starts if s >= end]
    put("left_term_found", bool(before))
    put("left_term_gap", _log_gap(min(before) if before else None))
    put("right_term_found", bool(after))
    put("right_term_gap", _log_gap(min(after) if after else None))
    dists = [max(start - e, s - end, 0) for s, e, _ in info.term_spans if not (s >= start and e <= end)]
    put("term_dist", _log_gap(min(dists) if dists else None))
    inside = [(a, b) for a, b in info.clauses if a < end and b > start]
    ca, cb = (inside[0][0], inside[-1][1]) if inside else (start, end)
    n_terms = len(slot.terms) or 1
    put("clause_terms", len({t for s, e, t in info.term_spans if ca <= s and e <= cb}) / n_terms)
    put("span_terms", len({t for s, e, t in info.term_spans if start <= s and e <= end}) / n_terms)
    qchars = set(slot.left + slot.right)
    content = [c for c in span if re.match(r"\w", c)]
    put("q_char_frac", sum(1 for c in content if c in qchars) / len(content) if content else 1)
    head = slot.right_terms[0] if slot.right_terms and slot.right.startswith(slot.right_terms[0]) else ""
    put("rnoun_tail", bool(head) and span[-1] in head)
    put("rnoun_in_span", bool(head) and head in span)
    n_words = sum(1 for s, e, g in info.words if s < end and e > start and g != "x")
    put("len_log", math.log(len(span)))
    put("len_words", min(n_words, 20))
    marks = re.findall(r"[^\w\s]", span)
    put("punct", min(len(marks), PUNCT_CAP))
    put("list_mark", "、" in span)
    starts_clause = any(a == start for a, _ in info.clauses)
    ends_clause = any(b == end for _, b in info.clauses)
    put("starts_clause", starts_clause)
    put("ends_clause", ends_clause)
    put("is_clause", starts_clause and ends_clause)
    put("n_clauses", min(len(inside), PUNCT_CAP))
    is_sentence = bool(info.clauses) and start <= info.clauses[0][0] and end >= info.clauses[-1][1]
    put("is_sentence", is_sentence)
    put("sent_frac", len(span) / max(len(text), 1))
    first = next((g for s, e, g in info.words if e > start), "x")
    last = next((g for s, e, g in reversed(info.words) if s < end), "x")
    put(f"first_{first}", 1)
    put(f"last_{last}", 1)
    put("qword_at_end", not slot.right.strip("的了呢吗"))
    put("has_rnoun", bool(head))
    put("qword_pos", len(slot.left) / max(len(slot.text), 1))
    put("q_len", len(slot.text))
    put("sent_cov", info.coverage)
    put("sent_char_cov", info.char_coverage)
    put("sent_rank_inv", 1.0 / info.rank)
    put("sent_top", info.rank == 1)
    c = slot.qclass
    put(f"len_log_x_{c}", math.log(len(span)))
    put(f"is_clause_x_{c}", starts_clause and ends_clause)
    put(f"is_sentence_x_{c}", is_sentence)
    put(f"la_hit_x_{c}", la > 0)
    return f


def sentence_candidates(slot: QuestionSlot, info: SentenceInfo) -> list[tuple[int, int, list[float]]]:
    """Every candidate span of one sentence with its features."""
    return [
        (s, e, span_features(slot, info, s, e))
        for s, e in candidate_spans(slot, info.text, info.tokens, info.lm, info.rm)
    ]
