"""The answer as shown (a count with its noun, a name without its quotes) and the verbatim quote around it."""

from __future__ import annotations

import re

from ..chunking import split_clauses
from ..question import Question, place_mentions
from ..textutil import posseg
from .core import (
    SpanChoice,
    _stem,
)


def _quote_for(choice: SpanChoice, question: Question) -> tuple[int, int]:
    """The shortest run of clauses (document offsets) holding the span and the question's place and terms."""
    cand = choice.candidate
    base = cand.span.start
    clauses = split_clauses(cand.doc.text, cand.span)
    if len(clauses) <= 1:
        return cand.span.start, cand.span.end
    span_a, span_b = base + choice.start, base + choice.end
    inside = [i for i, c in enumerate(clauses) if c.start < span_b and c.end > span_a]
    lo, hi = min(inside), max(inside)
    anchors = [_stem(p) for p in question.places] + [t for t in cand.matched if len(t) >= 2]
    for anchor in anchors:
        where = [i for i, c in enumerate(clauses) if anchor in cand.doc.text[c.start : c.end]]
        if not where or any(lo <= i <= hi for i in where):
            continue
        nearest = min(where, key=lambda i: abs(i - lo))
        if anchor in [_stem(p) for p in question.places] or abs(nearest - lo) <= 1:
            lo, hi = min(lo, nearest), max(hi, nearest)
    start, end = clauses[lo].start, clauses[hi].end
    while end > start and cand.doc.text[end - 1] in "，,、：:；;":
        end -= 1
    return start, end


# quotation marks around a whole answer are the text's, not the answer's ("Kolposaurus" → Kolposaurus)
_QUOTE_PAIRS = {'"': '"', "“": "”", "「": "」", "『": "』", "'": "'", "‘": "’"}


def _unquoted(text: str) -> str:
    if len(text) > 2 and _QUOTE_PAIRS.get(text[0]) == text[-1] and text[-1] not in text[1:-1]:
        return text[1:-1]
    return text


# A count is shown with its noun phrase: the noun within _NOUN_AFTER_CHARS after the figure (11个行政村), finished
# over at most _COMPOUND_CHARS more characters of compound (行业工作组牵头单位), and a place name before the figure
_NOUN_AFTER_CHARS = 8
_COMPOUND_CHARS = 10
_PLACE_BEFORE_CHARS = 8
# a figure without a unit or measure word (28, 1,200, 三十): alone it does not say what it counts
_BARE_NUMBER = re.compile(r"[\d,.，．]+|[〇零一二两三四五六七八九十百千万亿]+")


def _display(choice: SpanChoice, question: Question) -> str:
    """Short answer text; for a count, the counted noun phrase in brackets when it says more than the question
    (``11个（蓝田县11个行政村）`` for 碑林区帮扶了多少个村), read with the figure when it is the question's noun
    (``两个校区`` for 学校有几个校区, not ``两个（两个校区）``)."""
    if question.qtype != "number" or not question.noun:
        return _unquoted(choice.display)
    text = choice.candidate.text
    after = text[choice.end : choice.end + _NOUN_AFTER_CHARS]
    pos = after.find(question.noun)
    if pos == -1:
        pos = after.find(question.noun[-1])
        if pos == -1:
            return choice.display
        noun_end = choice.end + pos + 1
    else:
        noun_end = choice.end + pos + len(question.noun)
    if re.search(r"[，,。；;、]", text[choice.end : noun_end]):
        return choice.display
    noun_only = noun_end  # the counted noun itself, before the compound is finished
    # finish the compound noun as the question words it (16个行业 → 16个行业工作组牵头单位), not a verb after it
    for word, flag in posseg(text[noun_end : noun_end + _COMPOUND_CHARS]):
        q_at = question.text.find(word)
        if q_at == -1 or not (flag.startswith("n") or flag in ("vn", "j", "l", "an")):
            break
        if question.text[q_at + len(word) : q_at + len(word) + 1] in ("了", "过", "着"):
            break
        noun_end += len(word)
    start = choice.start
    # extend left over a place name right before the number (蓝田县11个行政村)
    before = text[max(0, start - _PLACE_BEFORE_CHARS) : start]
    places = place_mentions(before)
    if places and before.endswith(places[-1]):
        start -= len(places[-1])
    phrase = text[start:noun_end]
    extra = phrase.replace(choice.display, "", 1)
    if not extra:
        return choice.display
    if all(c in question.text for c in extra):
        # the phrase only restates the question's words: a count reads with its noun (几个校区 → 两个校区, not
        # 两个（两个校区）); a longer run of the question's words (220余名党员干部联户) or another kind's noun
        # (100万元教育) reads worse than the figure alone, unless the figure alone is a bare number (28 of
        # 28桌: its noun is its unit, and stays)
        bare = _BARE_NUMBER.fullmatch(choice.display) is not None
        if start == choice.start and noun_end == noun_only and (question.unit is not None or bare):
            return phrase
        if not bare:
            return choice.display
    return f"{choice.display}（{phrase}）"
