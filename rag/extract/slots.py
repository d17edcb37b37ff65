"""Answer slots: where in a sentence the text stands that the question word stands for.

``美国特勤局隶属于什么部门`` aligned with ``…隶属于美国国土安全部`` leaves ``美国国土安全部`` in the slot. Every
sentence gives several candidate spans (jieba word n-grams inside a clause, whole clauses and runs of
clauses, the text between matched anchors); :mod:`rag.extract.features` describes each with raw
features and :mod:`rag.extract.scorer` turns them into a probability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..chunking import CLOCK_COLON
from ..textutil import STOPWORDS, cut, nfkc, resource_lines

# Clause breaks inside a sentence; 、 is not one (it joins the items of a list answer).
CLAUSE_PUNCT = "，,；;：:。！？!?…"
_CLAUSE_RE = re.compile(f"(?!{CLOCK_COLON})[{re.escape(CLAUSE_PUNCT)}]")
# Spans longer than this many jieba words are whole clauses or anchor slots, not n-grams: the n-gram
# candidates are the short answers (names, numbers, noun phrases); 8 words covers 95% of CMRC's short ones.
MAX_NGRAM_WORDS = 8
MAX_NGRAM_CHARS = 24
# An anchor slot (text between the matched left and right question context) longer than this is a sentence.
MAX_SLOT_CHARS = 60
_QUESTION_TAIL = "?？。.!！ 呢吗呀啊"


@lru_cache(maxsize=1)
def question_words() -> tuple[tuple[str, ...], dict[str, str]]:
    """``(non-question words, {question word: class})`` from ``rag/resources/zh/question_words.txt``."""
    classes: dict[str, str] = {}
    excluded: list[str] = []
    for line in resource_lines("zh/question_words.txt"):
        if line.startswith("!"):
            excluded.append(line[1:].strip())
            continue
        word, _, cls = line.partition("\t")
        classes[word.strip()] = cls.strip()
    return tuple(excluded), classes


@dataclass(frozen=True)
class QuestionSlot:
    """A question cut at its question word: ``left`` + ``word`` + ``right``."""

    text: str
    word: str  # the question word, "" when there is none (陈述式 questions such as 美国的首都)
    qclass: str  # what | who | where | when | number | how | reason | none
    left: str
    right: str
    terms: tuple[str, ...]  # content words of the question (jieba, no stopwords, no question word)
    left_terms: tuple[str, ...]
    right_terms: tuple[str, ...]


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text)


def question_slot(question: str) -> QuestionSlot:
    """Find the question word of ``question`` and the context on each side of it."""
    q = _clean(nfkc(question)).rstrip(_QUESTION_TAIL)
    if q.startswith("请问"):
        q = q[2:]
    from ..question import mask_wei_verbs

    excluded, classes = question_words()
    masked = mask_wei_verbs(q)  # 称为什么: 为 belongs to the verb, the question word is 什么
    for word in excluded:
        masked = masked.replace(word, "\0" * len(word))
    best: tuple[int, int, str] | None = None  # (position, -length, word)
    for word in classes:
        pos = masked.find(word)
        if pos != -1 and (best is None or (pos, -len(word)) < best[:2]):
            best = (pos, -len(word), word)
    if best is None:
        word, pos = "", len(q)
    else:
        pos, word = best[0], best[2]
    left, right = q[:pos], q[pos + len(word) :]
    qwords = set(classes)

    def content(text: str) -> tuple[str, ...]:
        out = []
        for w in cut(text):
            if w not in STOPWORDS and w not in qwords and w not in out:
                out.append(w)
        return tuple(out)

    left_terms, right_terms = content(left), content(right)
    terms = tuple(dict.fromkeys(left_terms + right_terms))
    return QuestionSlot(q, word, classes.get(word, "none"), left, right, terms, left_terms, right_terms)


def clauses(sentence: str) -> list[tuple[int, int]]:
    """Clause spans of ``sentence`` without their closing punctuation; never empty."""
    out = []
    pos = 0
    for m in _CLAUSE_RE.finditer(sentence):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(sentence):
        out.append((pos, len(sentence)))
    return [(a, b) for a, b in (_trim(sentence, a, b) for a, b in out) if b > a]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and not text[a].strip():
        a += 1
    while b > a and not text[b - 1].strip():
        b -= 1
    return a, b


def left_matches(sentence: str, left: str) -> list[int]:
    """For each position p of ``sentence`` (0..len), how many characters before p repeat the end of ``left``."""
    out = [0] * (len(sentence) + 1)
    for p in range(1, len(sentence) + 1):
        k = 0
        while k < len(left) and p - k - 1 >= 0 and sentence[p - k - 1] == left[-k - 1]:
            k += 1
        out[p] = k
    return out


def right_matches(sentence: str, right: str) -> list[int]:
    """For each position p of ``sentence`` (0..len), how many characters from p repeat the start of ``right``."""
    out = [0] * (len(sentence) + 1)
    for p in range(len(sentence)):
        k = 0
        while k < len(right) and p + k < len(sentence) and sentence[p + k] == right[k]:
            k += 1
        out[p] = k
    return out


def _is_punct(word: str) -> bool:
    return not re.search(r"\w", word)


def candidate_spans(
    slot: QuestionSlot, sentence: str, words: list[tuple[int, int, str]], lm: list[int], rm: list[int]
) -> list[tuple[int, int]]:
    """Candidate answer spans ``(start, end)`` of one sentence, deduplicated, in a stable order.

    ``words`` are jieba words with offsets, ``lm``/``rm`` the anchor matches of :func:`left_matches` and
    :func:`right_matches`.
    """
    spans: dict[tuple[int, int], None] = {}
    cl = clauses(sentence)
    for a, b in cl:
        inside = [(s, e) for s, e, w in words if s >= a and e <= b and not _is_punct(w)]
        for i, (s, _) in enumerate(inside):
            for j in range(i, min(i + MAX_NGRAM_WORDS, len(inside))):
                e = inside[j][1]
                if e - s > MAX_NGRAM_CHARS:
                    break
                spans[(s, e)] = None
    for i in range(len(cl)):
        for j in range(i, len(cl)):
            spans[(cl[i][0], cl[j][1])] = None
    # the slot between the question's left and right context, as matched in the sentence
    min_left = min(2, len(slot.left))
    starts = [p for p in range(len(sentence)) if min_left and lm[p] >= min_left]
    min_right = min(2, len(slot.right))
    ends = [p for p in range(1, len(sentence) + 1) if min_right and rm[p] >= min_right]
    clause_ends = [b for _, b in cl]
    clause_starts = [a for a, _ in cl]
    for s in starts:
        s2, _ = _trim(sentence, s, len(sentence))
        for e in [*ends, *clause_ends]:
            if s2 < e and e - s2 <= MAX_SLOT_CHARS:
                spans[_trim(sentence, s2, e)] = None
    for e in ends:
        for s in clause_starts:
            if s < e and e - s <= MAX_SLOT_CHARS:
                spans[_trim(sentence, s, e)] = None
    pairs = bracket_pairs(sentence)
    return [(s, e) for s, e in spans if e > s and not any((s <= i < e) != (s <= j < e) for i, j in pairs)]


_BRACKETS = ("（）", "()", "《》", "「」", "『』", "【】", "〔〕", "[]")


def bracket_pairs(sentence: str) -> list[tuple[int, int]]:
    """Positions of the brackets of ``sentence`` that open and close each other: a span holding one of a pair
    but not the other cuts a bracketed name (国画(唐 of 国画(唐老师)); an unpaired bracket (messy markup) is
    no pair and rules out nothing."""
    out = []
    for left, right in _BRACKETS:
        stack = []
        for k, c in enumerate(sentence):
            if c == left:
                stack.append(k)
            elif c == right and stack:
                out.append((stack.pop(), k))
    return out
