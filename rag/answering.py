"""The answer builder: pick the sentence that answers, extract a typed span, quote its source verbatim.

No language model: every answer is a span of a stored document, and every quote is checked against it.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .chunking import Span, split_clauses, split_sentences
from .documents import BYLINE as _BYLINE
from .documents import DATELINE as _DATELINE
from .index import Index
from .normalize import to_matching
from .question import ORG_SUFFIXES, PLACE_SUFFIXES, ROLE, TITLE_Q, WHY_Q, Question, place_mentions
from .schema import Answer, Document, Hit, Quote
from .spans import (
    UNIT_PATTERN,
    cn_to_number,
    equivalent_units,
    find_dates,
    find_enumerations,
    find_quantities,
    find_times,
    same_unit,
)
from .textutil import STOPWORDS, char_ngrams, cut, dictionary_tag, in_dictionary, posseg, resource_lines

log = logging.getLogger(__name__)

NOT_FOUND = "资料中没有找到"


@dataclass
class Candidate:
    """A sentence from a retrieved chunk, with the evidence for it."""

    doc: Document
    span: Span
    hit: Hit
    text: str
    context: str  # paragraph before the sentence + section + title
    paragraph: str = ""  # the paragraph up to the sentence
    previous_paragraph: str = ""
    score: float = 0.0
    coverage: float = 0.0
    content_coverage: float = 0.0  # coverage of the question's terms other than its places
    place_factor: float = 1.0
    byline: bool = False  # 记者:王安 and a dateline speak for the whole article: its title counts as their words
    matched: list[str] = field(default_factory=list)


@dataclass
class SpanChoice:
    candidate: Candidate
    start: int  # offsets into candidate.text
    end: int
    score: float
    typed: bool
    display: str
    local: float = 0.0
    agree: float = 0.0
    conflict: bool = False


def _paragraph_before(doc: Document, pos: int) -> str:
    line_start = doc.text.rfind("\n", 0, pos) + 1
    return doc.text[line_start:pos]


def repair_terms(question: Question, texts: list[str]) -> Question:
    """Undo jieba cutting through a name the documents spell out: 杨大兵家 cut as 杨大/兵家 becomes 杨大兵,
    张/德安/家有 becomes 张德安, when the name is in ``texts`` (the retrieved documents) and a piece is not."""

    def found(s: str) -> bool:
        return any(s in t for t in texts)

    terms = list(question.terms)
    i = 0
    while i < len(terms) - 1:
        for width in (3, 2):
            window = terms[i : i + width]
            joined = "".join(window)
            if len(window) < 2 or joined not in question.text or found(joined) or all(map(found, window[1:])):
                continue
            prefix = next((joined[:n] for n in range(len(joined) - 1, len(window[0]), -1) if found(joined[:n])), None)
            if prefix:
                rest = joined[len(prefix) :]
                terms[i : i + width] = [prefix] + ([rest] if rest and rest not in STOPWORDS and found(rest) else [])
                break
        i += 1
    for i, term in enumerate(terms):
        # a word jieba cut into single characters (几天/年/假 of 几天年假): a lone character takes its neighbour
        # in the question back when the documents write the two together (年假)
        if len(term) != 1 or term in question.places:
            continue
        taken = _asked_positions(question.text) | {
            p for t in terms if t != term for m in re.finditer(re.escape(t), question.text) for p in range(*m.span())
        }
        if joined := _rejoined(term, question.text, taken, found):
            terms[i] = joined
    for i, term in enumerate(terms):
        # one word glued to the next one's first character (马明种 of 马明种了): keep the known name
        if len(term) >= 3 and term not in question.places and not found(term) and found(term[:-1]):
            terms[i] = term[:-1]
    # a word the documents never write that jieba glued from a function word and a content word (能休 of
    # 一年能休几天, 卡能 of 季卡能打几折, 先押 of 得先押多少钱): keep the content part the documents do write
    out: list[str] = []
    for term in terms:
        out.extend(_unglue(term, found) if term not in question.places else [term])
    terms = list(dict.fromkeys(out))
    if terms == question.terms:
        return question
    return dataclasses.replace(question, terms=terms)


# characters of question words: never part of a key term (几天年假 joins 年 to 假, not 天)
_QUESTION_CHARS = frozenset("几多少什么谁哪何怎")
# a question word and the measure word or unit after it (多少个, 几天, 哪所): the asked phrase, not a key term
_ASKED_PHRASE = re.compile(rf"(?:多少|几|哪|什么|第几)(?:{UNIT_PATTERN}|所|家|位|座|条)?")


def _asked_positions(question: str) -> set[int]:
    return {p for m in _ASKED_PHRASE.finditer(question) for p in range(*m.span())}


def _rejoined(char: str, question: str, taken: set[int], found) -> str | None:
    """``char`` joined to the Chinese character before or after it in ``question``, whichever the texts write;
    a neighbour that is part of another key term (``taken``: its positions; 孩 of 孩子 after 接) stays there."""
    for pos in (i for i, c in enumerate(question) if c == char and i not in taken):
        for a, b in ((pos - 1, pos + 1), (pos, pos + 2)):
            if a < 0 or b > len(question):
                continue
            pair, other = question[a:b], (a if a < pos else pos + 1)
            if (
                re.fullmatch(r"[\u4e00-\u9fff]{2}", pair)
                and question[other] not in _QUESTION_CHARS
                and other not in taken
            ):
                if found(pair):
                    return pair
    return None


def _unglue(term: str, found) -> list[str]:
    """``term`` itself when the texts write it or it is a dictionary word; else its part the texts write when
    the rest is a function word (stopword) or one character they do not write; else ``term``."""
    if found(term) or len(term) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", term) or in_dictionary(term):
        return [term]
    for k in range(len(term) - 1, 0, -1):
        a, b = term[:k], term[k:]
        if a in STOPWORDS and found(b):
            return [b]
        if b in STOPWORDS and found(a):
            return [a]
    # else a written word and one stray adverb or verb (先押 of 得先押多少钱, 温度调 of 温度调到多少度); a
    # stray noun or adjective is part of a name the texts lack (黄 of 黄鳍紫鱼): the term stays whole
    for k in range(len(term) - 1, 0, -1):
        a, b = term[:k], term[k:]
        if len(a) == 1 and found(b) and not found(a) and _STRAY_TAGS.match(dictionary_tag(a) or "x"):
            return [b]
        if len(b) == 1 and found(a) and not found(b) and _STRAY_TAGS.match(dictionary_tag(b) or "x"):
            return [a]
    return [term]


# parts of speech of a character jieba may glue to a word: adverb, verb, preposition, conjunction, particle
_STRAY_TAGS = re.compile(r"[dvpcu]")


# A question's words weigh by how rare they are in the documents, and in a small collection also by how rare they
# are in the language: the documents join this many pseudo-chunks of general Chinese (tuned on the development
# sets, see the README's table), each as long as a chunk of the seeds' index (80 search words on average).
BACKGROUND_CHUNKS = 400.0
_CHUNK_WORDS = 80.0


def _term_weights(question: Question, index: Index) -> dict[str, float]:
    from .textutil import bm25_tokens

    weights: dict[str, float] = {}
    for term in question.terms:
        parts = [t for t in bm25_tokens(term)] or [term]
        weights[term] = max(index.lexical.idf(p, BACKGROUND_CHUNKS, _CHUNK_WORDS) for p in parts)
    return weights


# Words a question and an article use for the same thing (rag/resources/zh/synonyms.txt).
_SYNONYM_GROUPS = [tuple(line.split()) for line in resource_lines("zh/synonyms.txt")]
_SYNONYMS = {w: [o for o in group if o != w] for group in _SYNONYM_GROUPS for w in group}


# How much a term counts as present when the text has not the term itself but: a synonym (a different word
# for the same thing: nearly as good), at least half its character bigrams (a partial compound, 年产值/产值),
# or only its characters scattered (weak evidence that the text is on the topic).
_SYNONYM_MATCH = 0.8
_BIGRAM_MATCH = 0.6
_CHAR_MATCH = 0.15


def _match(term: str, text: str) -> float:
    """How far ``term`` is present in ``text``, in [0, 1]."""
    if term in text:
        return 1.0
    if any(s in text for s in _SYNONYMS.get(term, ())):
        return _SYNONYM_MATCH
    if len(term) >= 2:
        grams = char_ngrams(term, 2)
        if grams:
            hit = sum(1 for g in grams if g in text) / len(grams)
            if hit >= 0.5:
                return _BIGRAM_MATCH * hit
        chars = [c for c in term if "\u4e00" <= c <= "\u9fff"]
        if chars:
            return _CHAR_MATCH * sum(1 for c in chars if c in text) / len(chars)
    return 0.0


def _stem(place: str) -> str:
    for suffix in PLACE_SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


def _same_kind_places(text: str, place: str, question_text: str = "") -> list[str]:
    """Places in ``text`` of the same level as ``place`` (雁塔区 for 碑林区), excluding ``place`` itself and
    the other places the question names (白河 in 高陵区向白河派驻…)."""
    suffix = next((s for s in PLACE_SUFFIXES if place.endswith(s)), None)
    if suffix is None:
        return []
    # a district (区) and a county (县) are the same level: 周至县 rules out 汉滨区 as much as 雁塔区 does
    suffixes = ("区", "县") if suffix in ("区", "县") else (suffix,)
    stem = _stem(place)
    return [
        p
        for p in place_mentions(text)
        if p.endswith(suffixes) and stem not in p and _stem(p) not in stem and _stem(p) not in question_text
    ]


def _place_factor(question: Question, cand: Candidate) -> float:
    """How sure we are that the sentence is about the places (and years) the question names.

    A sentence naming another place of the same kind (雁塔区 when asked about 碑林区) is almost ruled
    out, unless it refers back (全区, 该县) to the place its paragraph or sub-headline names; one that
    names no place is judged by its paragraph and sub-headline (a 该县 sentence under a 白河 headline
    is about 白河), then the previous paragraph, then the document title.
    """
    factor = 1.0
    local = f"{cand.paragraph}\n{cand.hit.chunk.section}"
    for place in question.places:
        stem = _stem(place)
        suffix = next((s for s in PLACE_SUFFIXES if place.endswith(s)), "")
        if stem in cand.text or (cand.byline and stem in cand.doc.title):
            continue
        anaphora = bool(suffix) and re.search(f"[全该本此]{suffix}", cand.text) is not None
        if _same_kind_places(cand.text, place, question.text) and not anaphora:
            factor *= 0.1
        elif stem in local:
            factor *= 0.9
        elif _same_kind_places(local, place, question.text):
            factor *= 0.15
        elif stem in cand.previous_paragraph:
            factor *= 0.85
        elif stem in cand.doc.title:
            factor *= 0.8
        elif stem in cand.doc.text:
            factor *= 0.4
        else:
            factor *= 0.05
    for year in question.years:
        if _mentions_year(year, cand.text):
            continue
        factor *= 0.6 if _mentions_year(year, local) else 0.2
    return factor


def _mentions_year(year: str, text: str) -> bool:
    """``2019年`` is in ``text``, also typeset as ``2019 年``."""
    return year in text or re.search(re.escape(year[:-1]) + r"\s年", text) is not None


def collect_candidates(question: Question, hits: list[Hit], index: Index, weights: dict[str, float]) -> list[Candidate]:
    """Score every sentence of the retrieved chunks by key-term coverage, place agreement and retrieval."""
    total = sum(weights.values()) or 1.0
    content_total = sum(w for t, w in weights.items() if t not in question.places)
    seen: dict[tuple[str, int, int], Candidate] = {}
    dense_scores = [h.dense_score for h in hits if h.dense_score is not None]
    lo, hi = (min(dense_scores), max(dense_scores)) if dense_scores else (0.0, 1.0)
    for hit in hits:
        doc = index.document(hit.chunk.doc_id)
        for span in _with_results_joined(doc.text, split_sentences(doc.text, hit.chunk.start, hit.chunk.end)):
            key = (doc.id, span.start, span.end)
            if key in seen:
                continue
            text = doc.text[span.start : span.end]
            if text.rstrip("”」』）) ").endswith(("？", "?")):
                continue  # a question in the text (an FAQ's 问：…？) asks, it answers nothing
            paragraph = _paragraph_before(doc, span.start)
            para_start = span.start - len(paragraph)
            previous = _paragraph_before(doc, max(para_start - 1, 0)) if para_start > 0 else ""
            context = f"{paragraph}\n{hit.chunk.section}\n{doc.title}"
            cand = Candidate(
                doc=doc,
                span=span,
                hit=hit,
                text=text,
                context=context,
                paragraph=paragraph,
                previous_paragraph=previous,
            )
            cand.byline = _BYLINE.match(text) is not None or _DATELINE.match(text.strip()) is not None
            title_weight = 1.0 if cand.byline else 0.5
            covered = content = 0.0
            for term, w in weights.items():
                m = max(_match(term, text), title_weight * _match(term, context))
                covered += w * m
                if term not in question.places:
                    content += w * m
                if m >= 0.6:
                    cand.matched.append(term)
            cand.coverage = covered / total
            cand.content_coverage = content / content_total if content_total else cand.coverage
            cand.place_factor = _place_factor(question, cand)
            dense = 0.5 if hit.dense_score is None or hi <= lo else (hit.dense_score - lo) / (hi - lo)
            rank_prior = 1.0 / hit.rank
            # places are judged by place_factor: the rest of the question decides between sentences
            cand.score = cand.place_factor * (0.65 * cand.content_coverage + 0.2 * dense + 0.15 * rank_prior)
            seen[key] = cand
    return sorted(seen.values(), key=lambda c: -c.score)


def _with_results_joined(text: str, spans: list[Span]) -> list[Span]:
    """Sentences as split, plus each one that opens with a result word after a semicolon joined to the one
    before it (日照长，土壤肥沃；因此，畜牧业发达): the effect and its cause are read as one sentence."""
    out = list(spans)
    for prev, span in itertools.pairwise(spans):
        if text[prev.end - 1 : prev.end] in "；;" and _RESULT.match(text, span.start):
            out.append(Span(prev.start, span.end))
    return out


# A label before a colon is short (年卡：, 订座电话：, 物业经理：); a longer clause before a colon is a sentence
# introducing a list or a quotation, and counts half like any clause before.
_LABEL_CHARS = 12


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text`` around ``start:end`` (between ，,；;：:。 marks)."""
    a = max(text.rfind(p, 0, start) for p in "，,；;：:。！？") + 1
    ends = [i for i in (text.find(p, end) for p in "，,；;：:。！？") if i != -1]
    return a, (min(ends) if ends else len(text))


def _local_coverage(cand: Candidate, start: int, end: int, weights: dict[str, float], noun: str | None = None) -> float:
    """IDF-weighted share of the question's terms that sit in the span's own clause.

    The clause before it counts half (Chinese often names the subject one clause earlier). This is what tells
    ``协调引进社会帮扶资金1000余万元`` from ``累计投入财政帮扶资金4500余万元`` in one sentence. In a run of parallel
    figures (帮助贫困户享受兜底保障政策88户,修缮美化房屋124户,发展家庭产业89户) the lead words up to the counted
    noun (帮助贫困户) belong to every figure, and the rest of the first clause to the first figure only.
    """
    text = cand.text
    a, b = _clause_bounds(text, start, end)
    prev_a, prev_b = _clause_bounds(text, max(a - 2, 0), max(a - 1, 0)) if a > 1 else (a, a)
    shared = (a, a)
    run = _list_run(text, start, end)
    if run is not None:
        lead_a, lead_b = run
        at = text.find(noun, lead_a, lead_b) if noun else -1
        shared = (lead_a, at + len(noun)) if at != -1 else (lead_a, lead_a)
        if a == lead_a:
            a = shared[1]  # the first figure's own words follow the shared lead
        prev_a = prev_b = a
    # a label and its colon name the value after them in full (年卡：2680元, 领队：赵立明)
    labelled = a > 0 and text[a - 1] in "：:" and prev_b - prev_a <= _LABEL_CHARS
    total = sum(weights.values())
    got = 0.0
    for term, w in weights.items():
        # the term itself, else a synonym (休息 for 店休) at the synonym's strength
        variant = next((v for v in (term, *_SYNONYMS.get(term, ())) if v in text), None)
        if variant is None:
            continue
        w *= 1.0 if variant == term else _SYNONYM_MATCH
        positions = [m.start() for m in re.finditer(re.escape(variant), text)]
        if any(a <= p < b or shared[0] <= p < shared[1] for p in positions):
            got += w
        elif any(prev_a <= p < prev_b for p in positions):
            got += w if labelled else 0.5 * w
    return got / total if total else 0.0


def _proximity(cand: Candidate, start: int, end: int, question: Question) -> float:
    """1 when the span sits right next to a matched key term or place, falling off with distance."""
    anchors = [*cand.matched, *(_stem(p) for p in question.places)]
    best = None
    for term in anchors:
        for m in re.finditer(re.escape(term), cand.text):
            # a term after the number is weaker evidence than one before it (投入4590万元, 提高到99%)
            d = start - m.end() if m.end() <= start else (m.start() - end + 4 if m.start() >= end else 0)
            best = d if best is None else min(best, d)
    if best is None:
        return 0.3
    return 1.0 / (1.0 + max(best, 0) / 12.0)


def _span_choice(question, cand, start, end, agree, weights, display=None) -> SpanChoice:
    local = _local_coverage(cand, start, end, weights, question.noun)
    if cand.byline:
        local = max(local, cand.content_coverage)
    prox = _proximity(cand, start, end, question)
    conflict = (
        _local_place_conflict(question, cand.text, start)
        or _qualifier_conflict(question, cand.text, start, end)
        or _ordinal_conflict(question, cand)
    )
    # agreement above 1 (a whole noun and its unit, 贫困村231个) still ranks, though confidence caps it at 1
    score = cand.score * (0.35 + 0.35 * local + 0.15 * prox + 0.35 * min(agree, 1.3)) * (0.3 if conflict else 1.0)
    choice = SpanChoice(cand, start, end, score, agree >= 0.5, display or cand.text[start:end])
    choice.local = local
    choice.agree = min(agree, 1.0)
    choice.conflict = conflict
    return choice


def _qualifier_conflict(question: Question, text: str, start: int, end: int) -> bool:
    """The span's clause names another measure of the question's own kind (6寸蛋糕售价128元 when the question
    asks about the 8寸 cake)."""
    if not question.qualifiers:
        return False
    a, b = _clause_bounds(text, start, end)
    found = [q for q in find_quantities(text[a:b]) if not (a + q.start < end and a + q.end > start)]
    for want in question.qualifiers:
        same = [q for q in found if same_unit(q.unit, want.unit)]
        if same and not any(q.value == want.value for q in same):
            return True
    return False


# 第三天, 第2期, 第十届: an ordinal and what it counts
_ORDINAL = re.compile(r"第([零〇一二两三四五六七八九十百\d]+)([天日次期届轮场集章节条款])")


def _ordinal_conflict(question: Question, cand: Candidate) -> bool:
    """The question names 第三天 and the sentence, its paragraph or the heading line before it names another
    day and not that one (住宿：桂林漓苑大酒店 under 第一天, asked for the third day's hotel)."""
    wanted = [(cn_to_number(n) if not n.isdigit() else float(n), u) for n, u in _ORDINAL.findall(question.text)]
    if not wanted:
        return False
    scope = f"{cand.previous_paragraph}\n{cand.paragraph}{cand.text}"
    named = [(cn_to_number(n) if not n.isdigit() else float(n), u) for n, u in _ORDINAL.findall(scope)]
    for value, unit in wanted:
        others = [v for v, u in named if u == unit]
        if others and value not in others:
            return True
    return False


def _local_place_conflict(question: Question, text: str, start: int) -> bool:
    """Another place of the same kind right before the span (蓝田县11个 when the question asks about 丹凤县)."""
    a, _ = _clause_bounds(text, start, start)
    before = text[max(a, start - 8) : start]
    for place in question.places:
        if _stem(place) not in before and _same_kind_places(before, place, question.text):
            return True
    return False


_GENERIC_CLASSIFIERS = ("个", "名", "位")


def _noun_position(noun: str, text: str, start: int, end: int) -> tuple[int, bool] | None:
    """Where the counted noun of the number at ``start:end`` is, and whether a relative clause ending in
    的 sits between them; None when the number does not count the noun.

    The noun follows the number (11个行政村, not 5个 in 5个街道66个行政村), also across a relative clause
    (8个有10户以上贫困户的重点涉贫村), or precedes it in the same clause (修建蓄水池14个).
    """
    a, _ = _clause_bounds(text, start, end)
    before = text[max(a, start - 10) : start]
    # the noun must belong to this number, not to an earlier one (14个工作队、40余名驻村干部)
    before = re.split(r"[、]|\d+[^\d\s]?", before)[-1]
    # the whole noun first; its head character (贫困村 → 村) only when the whole is nowhere near
    forms = [noun, noun[-1]] if len(noun) > 1 and noun[-1] in "村户人镇县区" else [noun]
    for form in forms:
        after = text[end : end + 8]
        pos = after.find(form)
        if pos != -1 and not re.search(r"[，,。；;、\d(（]", after[: pos + 1]):
            return end + pos, False
        after = text[end : end + 20]
        pos = after.find(form)
        if pos != -1 and "的" in after[:pos] and not re.search(r"[，,。；;、：:]", after[: pos + 1]):
            return end + pos, True
        if form in before and not _own_noun_follows(text, end):
            return start - len(before) + before.rfind(form), False
        lead = _list_lead(text, start, end)
        if lead is not None and form in text[lead[0] : lead[1]]:
            return lead[0] + text[lead[0] : lead[1]].find(form), False
    return None


def _own_noun_follows(text: str, end: int) -> bool:
    """The number is followed by a noun of its own (厚畛子镇14个村): a noun before it is not what it counts."""
    words = posseg(text[end : end + 6])
    if not words or not re.fullmatch(r"[\u4e00-\u9fff]+", words[0][0]):
        return False
    word, flag = words[0]
    return flag.startswith("n") or word in PLACE_SUFFIXES  # jieba tags a lone 村 as zg


def _list_run(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first clause of the run of parallel figures the number belongs to, the first one included."""
    lead = _list_lead(text, start, end)
    if lead is not None:
        return lead
    a, b = _clause_bounds(text, start, end)
    if b < len(text) and text[b] in ",，" and not text[end:b].strip():
        _, nb = _clause_bounds(text, b + 1, b + 1)
        unit = re.search(r"[^\d.余多]+$", text[start:end])
        if unit and re.search(r"\d+(?:\.\d+)?[余多]?" + re.escape(unit.group()) + r"$", text[b + 1 : nb]):
            return a, b
    return None


def _list_lead(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first clause of a run of parallel clauses that each end in a figure of the same unit
    (帮助贫困户享受兜底保障政策88户,修缮美化房屋124户,发展家庭产业89户): its words (贫困户) govern
    every figure of the run. None when the number at ``start:end`` does not end such a run's later clause."""
    unit = re.search(r"[^\d.余多]+$", text[start:end])
    a, b = _clause_bounds(text, start, end)
    if not unit or a == 0 or text[end:b].strip() or text[a - 1] not in ",，":
        return None
    tail = re.compile(r"\d+(?:\.\d+)?[余多]?" + re.escape(unit.group()) + r"$")
    first = None
    while a > 0 and text[a - 1] in ",，":
        pa, _ = _clause_bounds(text, a - 2, a - 2)
        if not tail.search(text[pa : a - 1]):
            break
        first = (pa, a - 1)
        a = pa
    return first


def _number_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = []
    quantities = find_quantities(cand.text)
    owner: dict[int, int] = {}  # noun position -> the number that counts it across a relative clause
    noun_at = {}
    for q in quantities:
        found = _noun_position(question.noun, cand.text, q.start, q.end) if question.noun else None
        noun_at[q.start] = found[0] if found else None
        if found and found[1]:
            owner.setdefault(found[0], q.start)
    for q in quantities:
        agree = 0.0
        kind = q.kind
        if question.unit_kind == "ordinal":
            continue
        if question.unit_kind and q.kind == question.unit_kind:
            agree += 0.5
        if question.unit and same_unit(q.unit, question.unit):
            agree += 0.4 if question.unit not in _GENERIC_CLASSIFIERS else 0.2
        elif question.unit and question.unit not in _GENERIC_CLASSIFIERS and q.kind == question.unit_kind:
            agree -= 0.3  # asked 多少所医院, 14个 (村卫生室) is another count
        # 一套, 一个: usually "a", not a count; applied after the cap so 两个 beats 一个 with everything else equal
        article = 0.2 if q.value == 1 and not q.text[0].isdigit() else 0.0
        if question.noun:
            pos = noun_at[q.start]
            if pos is not None and owner.get(pos, q.start) < q.start:
                pos = None  # inside an earlier number's modifier: 10户以上 in 8个有10户以上贫困户的重点涉贫村
            if pos is not None:
                # the whole noun (贫困村231个) vouches more than its head character (367个村)
                agree += 0.5 if cand.text.startswith(question.noun, pos) else 0.35
                if kind is None and q.unit is None and pos == q.end and question.unit_kind == "count":
                    kind = "count"  # 7.3万贫困人口: a bare figure right before the asked noun counts it
                    agree += 0.5 + 0.2
            elif (
                question.unit_kind == "count"
                and question.noun in PLACE_SUFFIXES
                and _own_noun_follows(cand.text, q.end)
            ):
                agree -= 0.5  # 12个村 counts villages, not the 镇 the question asked about
            elif question.unit_kind == "count":
                # the counted noun is elsewhere: only the question's own words right before the number
                # (申请立项10个 for 申请立项了多少个项目) can vouch for it
                agree -= 0.3 if _local_coverage(cand, q.start, q.end, weights, question.noun) < 0.5 else 0.0
        if question.unit_kind is None and question.unit is None and kind is not None:
            agree += 0.5
        if kind is None and q.unit is None:
            agree -= 0.2
        if question.unit_kind and kind != question.unit_kind and not (question.kind_implied and kind):
            agree = min(agree, 0.3)  # 105万元 never answers 多少个贫困村, whatever follows it
        agree = min(agree, 1.3) - article
        out.append(_span_choice(question, cand, q.start, q.end, agree, weights, q.text))
    if question.unit_kind == "ordinal":
        for m in re.finditer(r"第[一二三四五六七八九十百\d]+[名位个次届批期]?", cand.text):
            out.append(_span_choice(question, cand, m.start(), m.end(), 1.0, weights))
    return out


_PUBLISHED = re.compile(r"发布|发表|刊发|刊登|出版|published|posted", re.I)


_RANGE_WORDS = {k: v.split() for k, _, v in (line.partition("\t") for line in resource_lines("zh/range_ends.txt"))}
_RANGE_MARK = re.compile(r"\s*(?:起|开始)?\s*(?:至|到|—|－|~|～|-|–)\s*")
_BOTH_ENDS_Q = re.compile(r"(几点|哪天|几号|什么时候|哪一?年|几月)(?:至|到|—|-)(几点|哪天|几号|什么时候|哪一?年|几月)")
# type agreement of the other end of a range than the one asked (自3月1日起至次年2月28日止: 到哪天为止 asks the 28th)
_OTHER_END_AGREE = 0.5


def _asked_end(question: str) -> str | None:
    """``end`` when the question asks where a period or opening hours end (几点关门), ``start`` for the start."""
    if _BOTH_ENDS_Q.search(question):
        return None  # 几点到几点: the whole range is asked
    ends = [w for w in _RANGE_WORDS["end"] if w in question]
    starts = [w for w in _RANGE_WORDS["start"] if w in question]
    return "end" if ends and not starts else "start" if starts and not ends else None


def _range_ends(text: str, spans: list) -> list:
    """The spans as ``(start, end, side)``: of two spans joined by a range mark (3月1日起至次年2月28日) the first
    is ``start`` and the second ``end``; any other is ``None``. One span holding a whole range (9:00—18:00) stays
    whole: it answers either end, and the asker sees both."""
    out = []
    for i, d in enumerate(spans):
        side = None
        nxt = spans[i + 1] if i + 1 < len(spans) else None
        prev = spans[i - 1] if i else None
        if nxt is not None and _RANGE_MARK.fullmatch(text, d.end, nxt.start):
            side = "start"
        elif prev is not None and _RANGE_MARK.fullmatch(text, prev.end, d.start):
            side = "end"
        out.append((d.start, d.end, side))
    return out


def _date_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = []
    # when was the article published: its dateline, not a date inside the story
    agree = 0.3 if _PUBLISHED.search(question.text) and not cand.byline else 1.0
    # 几点 asks a clock time; 什么时候 may be answered by a date or by a time of day
    found = find_times(cand.text) if question.unit_kind == "time" else find_dates(cand.text) + find_times(cand.text)
    day_asked = _DAY_Q.search(question.text) is not None
    asked_end = _asked_end(question.text)
    found = sorted(found, key=lambda d: d.start)
    spans = _range_ends(cand.text, found) if asked_end else [(d.start, d.end, None) for d in found]
    for start, end, side in spans:
        fits = agree
        if day_asked and not _DAY_PART.search(cand.text[start:end]):
            fits = min(agree, _COARSER_DATE_AGREE)  # 哪天 asked, 2026年度 found: a year answers no day
        if side is not None and side != asked_end:
            fits = min(fits, _OTHER_END_AGREE)
        choice = _span_choice(question, cand, start, end, fits, weights)
        if start <= 2:  # a leading time adverbial (2019年6月,…) dates the whole sentence
            choice.local = max(choice.local, cand.coverage)
        out.append(choice)
    return out


# a question asking for a day (哪天, 几号, 星期几) and the parts of a date that name one (31日, 15号, 周六, 3/31)
_DAY_Q = re.compile(r"哪[一几]?天|几[日号]|什么日子|星期几|周几|礼拜几")
_DAY_PART = re.compile(r"[日号]|周[一二三四五六日天末]|星期|礼拜|\d{1,2}[/.-]\d{1,2}")
# type agreement of a date coarser than the day asked (a year, a month): still a date (typed), but weaker
_COARSER_DATE_AGREE = 0.5


_SURNAMES = frozenset("".join(resource_lines("zh/surnames.txt")))
_NOT_NAME = frozenset("说 等 一行 看来 同志 在 是 的 和 与 及 介绍 表示 指出 告诉 兴奋 高兴 坦言 笑 称".split())


# Type agreement of a name found without the asked role next to it (any person in the sentence may be meant)
_NAME_WITHOUT_ROLE = 0.6
_SURNAME_TITLE = re.compile(
    rf"(?<![\u4e00-\u9fff])[{''.join(sorted(_SURNAMES))}](?:{'|'.join(map(re.escape, resource_lines('zh/roles.txt')))})"
    rf"(?![\u4e00-\u9fff])"
)


def person_after(text: str, pos: int) -> tuple[int, int] | None:
    """A personal name starting at ``pos`` (after a title such as 书记): 2–3 characters, jieba-checked."""
    raw = text[pos : pos + 7]
    lead = len(raw) - len(raw.lstrip(" :："))
    copula = raw[lead : lead + 1] in ("为", "是")
    if copula:
        lead += 1  # 主任为沈立华, 组长是刘芳: a copula between the title and the name
    offset = pos + lead
    window = text[offset : offset + 6]
    label = re.match(r"([\u4e00-\u9fff]{2,3})[:：]", window)
    if label and label.group(1)[0] in _SURNAMES:
        return offset, offset + len(label.group(1))  # a speaker label (王春来:) is exactly the name
    words = posseg(window)
    if not words:
        return None
    first, flag = words[0]
    if flag.startswith("nr") and 2 <= len(first) <= 3:
        return offset, offset + len(first)
    if copula:
        return None  # after 是/为 only a tagged name counts (是曾任院长的… is no name 曾任)
    if first and first[0] in _SURNAMES:
        if len(first) > 1:
            name = first
        elif len(words) > 1 and words[1][0] not in _NOT_NAME:
            name = first + words[1][0]
        else:
            return None
        if 2 <= len(name) <= 3 and name[1:] not in _NOT_NAME and re.fullmatch(r"[\u4e00-\u9fff]+", name):
            return offset, offset + len(name)
    return None


def _role_of(question: Question) -> tuple[str | None, str | None]:
    """The title asked about (``党委书记``) and the word that qualifies it (``张南联村``)."""
    m = re.match(r"(?P<who>.+?)(?:是谁|叫什么名字|叫什么|是哪位|姓什么|是什么人)", question.text)
    if not m:
        return None, None
    words = [w for w in cut(m.group("who")) if w not in STOPWORDS]
    for i in range(len(words) - 1, -1, -1):
        if ROLE.search(words[i]):
            role = words[i]
            if i > 0 and words[i - 1] == "副":
                role, i = "副" + role, i - 1
            qualifier = words[i - 1] if i > 0 else None
            # 区委书记 ← 高陵 + 区委书记: the role may carry the place suffix
            return role, qualifier
    return None, None


# Type agreement of a name after the asked role when the role's qualifier (星河科技 in 星河科技的董事长) is not
# next to it but a generic organisation word is (公司董事长): below a qualified role's 1.0, above the 0.5 that
# makes a span typed.
_UNQUALIFIED_ROLE = 0.75


def _is_place(word: str, question: Question) -> bool:
    return word in question.places or any(word.endswith(s) for s in PLACE_SUFFIXES)


def _person_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = []
    role, qualifier = _role_of(question)
    text = cand.text
    if role:
        for m in re.finditer(re.escape(role), text):
            if m.start() > 0 and text[m.start() - 1] == "副" and not role.startswith("副"):
                continue  # 副主任 is not 主任
            # a byline (记者:王安) is qualified by its article, not by words around it
            agree = 1.0
            # a qualifier the document never writes (带队 of 这趟带队的领队) tells no one apart: the role alone
            named = qualifier is not None and qualifier in cand.doc.text
            if named and not cand.byline and qualifier not in text[max(0, m.start() - 12) : m.start()]:
                # an organisation is often named once and then called 公司/学校 (公司董事长李建国 for
                # 星河科技的董事长): the role still fits, less surely; another village's 书记 or another
                # man's 妻子 is another person
                # (中国皮划艇队共计40人，…，领队刘刚: a team named earlier in the same sentence qualifies it too)
                before = text[max(0, m.start() - 3) : m.start()]
                if _is_place(qualifier, question) or not (
                    any(before.endswith(o) for o in ORG_SUFFIXES) or qualifier in text[: m.start()]
                ):
                    continue
                agree = _UNQUALIFIED_ROLE
            span = person_after(text, m.end())
            if span:
                out.append(_span_choice(question, cand, span[0], span[1], agree, weights))
            elif m.start() > 0 and _SURNAME_TITLE.match(text, m.start() - 1):
                # only a surname before the title (销售部 李经理): the person is called so
                out.append(_span_choice(question, cand, m.start() - 1, m.end(), agree, weights))
        return out
    pos = 0
    words = posseg(text)
    skip_next = False
    dotted = dotted_names(text)
    for a, b in dotted:
        if text[a:b] not in question.text:
            out.append(_span_choice(question, cand, a, b, _NAME_WITHOUT_ROLE, weights))
    # a person named by surname and title, the way notices give a contact (联系人：彭经理, 销售部 李经理)
    for m in _SURNAME_TITLE.finditer(text):
        if m.group() not in question.text:
            out.append(_span_choice(question, cand, m.start(), m.end(), _NAME_WITHOUT_ROLE, weights))
    for i, (word, flag) in enumerate(words):
        start = text.find(word, pos)
        pos = start + len(word)
        if any(a <= start < b for a, b in dotted):
            continue  # part of a whole transliterated name, already proposed
        if skip_next:
            skip_next = False
            continue
        nxt = words[i + 1] if i + 1 < len(words) else None
        # jieba often tags a surname and its given name as two names (周 / 海燕): the person is both
        if flag == "nr" and len(word) == 1 and word in _SURNAMES and nxt and nxt[1].startswith("nr"):
            if 1 <= len(nxt[0]) <= 2 and text.startswith(nxt[0], pos):
                pos += len(nxt[0])
                word = text[start:pos]
                skip_next = True
        if flag == "nr" and 2 <= len(word) <= 3 and word not in question.text:
            out.append(_span_choice(question, cand, start, pos, _NAME_WITHOUT_ROLE, weights))
    return out


_NAME_DOTS = "·•‧・"
_NAME_FLAGS = ("nr", "nrt", "nrfg")


def dotted_names(text: str) -> list[tuple[int, int]]:
    """Transliterated names written with a middle dot, whole: 瓦西里·谢苗诺维奇, 戴文·布兰登·汉塞克,
    伊丽莎白·克伦贝格尔-乔西. jieba cuts them into name pieces (and the odd one-character piece, 汉 of 汉塞克);
    a run of name pieces joined by dots (a hyphen too, after a dot) is one name, as ``(start, end)``."""
    if not any(d in text for d in _NAME_DOTS):
        return []
    tokens: list[tuple[int, int, str, str]] = []
    pos = 0
    for word, flag in posseg(text):
        start = text.find(word, pos)
        pos = start + len(word)
        tokens.append((start, pos, word, flag))

    def piece(i: int, after_dot: bool = False) -> bool:
        """A name piece: a name-tagged word, or right after a dot a short word before one (·汉 + 塞克)."""
        if i >= len(tokens):
            return False
        if tokens[i][3] in _NAME_FLAGS:
            return True
        return (
            after_dot
            and len(tokens[i][2]) <= 2
            and re.fullmatch(r"[\u4e00-\u9fff]+", tokens[i][2]) is not None
            and i + 1 < len(tokens)
            and tokens[i + 1][3] in _NAME_FLAGS
            and tokens[i + 1][0] == tokens[i][1]
        )

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not piece(i):
            i += 1
            continue
        j, dots = i + 1, 0
        while j < len(tokens):
            word = tokens[j][2]
            if (word in _NAME_DOTS or (word in "-－" and dots)) and piece(j + 1, after_dot=True):
                dots += word in _NAME_DOTS
                j += 2
                if tokens[j - 1][3] not in _NAME_FLAGS and j < len(tokens):
                    j += 1  # the name word the short piece stands before (汉 + 塞克)
            elif tokens[j][3] in _NAME_FLAGS and tokens[j][0] == tokens[j - 1][1]:
                j += 1
            else:
                break
        if dots:
            # the name starts at the piece right before its first dot (王公 瓦西里·谢苗诺维奇: not at 王公)
            first_dot = next(k for k in range(i, j) if tokens[k][2] in _NAME_DOTS)
            runs.append((tokens[max(i, first_dot - 1)][0], tokens[j - 1][1]))
        i = j
    return runs


def _named_before(text: str, end: int, limit: int = 12) -> int:
    """Start of the noun phrase that ends at ``end`` (汉滨区晏坝镇九年制学校): preceding non-verb words."""
    window = text[max(0, end - limit) : end]
    words = posseg(window)
    start = end
    for word, flag in reversed(words):
        if flag.startswith(("v", "p", "u", "c", "d", "r", "y", "w")) or word in STOPWORDS or not word.strip():
            break
        if re.search(r"[，,。；;、：:“”]", word):
            break
        start -= len(word)
    return start


def _title_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    """The title next to the asked person's name: ``管委会副主任李雷`` or ``李哲,扶贫开发局社会扶贫工作股长``."""
    m = TITLE_Q.search(question.text)
    who = (m.group("who") or m.group("who2") or "").strip() if m else ""
    out = []
    text = cand.text
    if len(who) < 2:
        return out
    for hit in re.finditer(re.escape(who), text):
        a = max(text.rfind(p, 0, hit.start()) for p in "、，,。；;：:（( \n") + 1
        title = text[a : hit.start()]
        if 2 <= len(title) <= 30 and ROLE.search(title):
            out.append(_span_choice(question, cand, a, hit.start(), 1.0, weights))
        after = re.match(r"[,，:：]\s*([^，,。；;（(]{2,30})", text[hit.end() :])
        if after and ROLE.search(after.group(1)):
            start = hit.end() + after.start(1)
            out.append(_span_choice(question, cand, start, start + len(after.group(1)), 1.0, weights))
    return out


_WHERE_VERB = re.compile(r"在(?:哪里|哪儿|什么地方|何处|哪)(?P<verb>[\u4e00-\u9fff]{2})")


def _place_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    suffix = question.asked_suffix
    out = []
    text = cand.text
    where = _WHERE_VERB.search(question.text)
    if where:
        # 在哪里设立了…: the place is what 在 governs before the same verb (在雁塔区小寨繁华地段设立…)
        for m in re.finditer(r"在([^，,。；;、“”]{2,20}?)" + re.escape(where.group("verb")), text):
            if m.group(1) not in question.text:
                out.append(_span_choice(question, cand, m.start(1), m.end(1), 1.0, weights))
        if out:
            return out
    if not suffix and _LOCATIVE_Q.search(question.text):
        # 位于哪里: a locative verb's place (位于黑龙江省哈尔滨市红军街50号), whole, before any place name of the
        # sentence (中国 of 中国黑龙江省博物馆)
        for m in _LOCATIVE.finditer(text):
            if m.group(1) not in question.text:
                out.append(_span_choice(question, cand, m.start(1), m.end(1), 1.0, weights))
        if out:
            return out
    if suffix:
        # the asked noun or a word for the same thing (哪家酒店: 阳朔青山客栈)
        for m in re.finditer("|".join(map(re.escape, _asked_nouns(suffix))), text):
            if len(m.group()) > 1 and in_dictionary(text[m.end() - 1 : m.end() + 1]):
                # the noun's last character starts the next word (佛光大学校长: 校长), no name ends here; one
                # character (县 of 蓝田县城) is too short to tell
                continue
            start = _named_before(text, m.end())
            if m.end() - start > len(m.group()) and text[start : m.end()] not in question.text:
                out.append(_span_choice(question, cand, start, m.end(), 1.0, weights))
        if out or _NAME_Q.search(question.text):
            return out  # 机场叫什么 asks for a name ending in 机场, not for any place
    for start, end in place_runs(text):
        if text[start:end] not in question.text:
            out.append(_span_choice(question, cand, start, end, 1.0, weights))
    return out


_NAME_Q = re.compile(r"叫(?:做)?什么")
# where something is (位于哪里, 在哪, 什么地方) and the locative verbs that state it (位于, 坐落于, 地处)
_LOCATIVE_Q = re.compile(r"位于|坐落|座落|地处|在哪|哪里|哪儿|什么地方|何处|地理位置")
# (the place ends before 的: 位于浙江省丽水市松阳县的一个古村落 places it in 浙江省丽水市松阳县)
_LOCATIVE = re.compile(r"(?:位于|坐落于|座落于|坐落在|座落在|地处)([^，,。；;：:、（(的]{2,30})")

# An address runs from the larger place to the smaller one; a jieba word of a place name (头 of 头城镇) may stand
# outside the place tag, so two words that together end in a place suffix within this many characters join it.
_PLACE_PIECE_CHARS = 4


def place_runs(text: str) -> list[tuple[int, int]]:
    """Runs of place and organisation names read as one (台湾宜兰县头城镇, 江苏南京), as ``(start, end)``."""
    words: list[tuple[int, int, str]] = []
    pos = 0
    for word, flag in posseg(text):
        start = text.find(word, pos)
        pos = start + len(word)
        words.append((start, pos, flag))

    def is_place(i: int) -> int:
        """How many words from ``i`` on continue a place run (0: none)."""
        if i >= len(words):
            return 0
        if words[i][2] in ("ns", "nt") or text[words[i][0] : words[i][1]] in PLACE_SUFFIXES:
            return 1  # a place word, or a bare place suffix the tagger split off (大溪 + 区)
        if i + 1 < len(words) and words[i + 1][1] - words[i][0] <= _PLACE_PIECE_CHARS:
            if text[words[i][0] : words[i + 1][1]].endswith(PLACE_SUFFIXES) and words[i][2].startswith("n"):
                return 2
        return 0

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i][2] not in ("ns", "nt"):
            i += 1
            continue
        j = i + 1
        while step := is_place(j):
            j += step
        runs.append((words[i][0], words[j - 1][1]))
        i = j
    return runs


def _list_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = [
        _span_choice(question, cand, e.start, e.end, 1.0, weights)
        for e in find_enumerations(cand.text, question.asked_suffix)
    ]
    if not out:
        out = [_span_choice(question, cand, e.start, e.end, 0.7, weights) for e in find_enumerations(cand.text)]
    return out


_MARKERS = {k: v.split() for k, _, v in (line.partition("\t") for line in resource_lines("zh/cause_markers.txt"))}
_CAUSE = re.compile("|".join(map(re.escape, _MARKERS["cause"])))
_PURPOSE = re.compile("|".join(map(re.escape, _MARKERS["purpose"])))
_RESULT = re.compile("|".join(map(re.escape, _MARKERS["result"])))
# a purpose (帮助…, 以便…) answers a why question less surely than a cause does
_PURPOSE_AGREE = 0.6


def _reason_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    """Clauses that state a cause (由于…, 因病致贫), the text before a result word (…；因此，…) or, more
    weakly, a purpose (帮助…树立…)."""
    out = []
    for clause in split_clauses(cand.text, Span(0, len(cand.text))):
        piece = cand.text[clause.start : clause.end].rstrip("，,。；;")
        # a clause opening with a cause word states the cause whole, even with a result verb inside it
        # (因为这类工具使用不当容易造成人身伤害: 造成 is part of the cause, it does not end it)
        result = None if _CAUSE.match(piece) else _RESULT.search(piece)
        if result:
            # 日照长、土壤肥沃；因此，畜牧业发达: the cause is what comes before 因此 (its clause or the ones before)
            before = cand.text[: clause.start + result.start()].rstrip("，,。；;：: ")
            if before:
                choice = _span_choice(question, cand, 0, len(before), 1.0, weights)
                choice.local = max(choice.local, cand.coverage)
                out.append(choice)
            continue
        agree = 1.0 if _CAUSE.search(piece) else _PURPOSE_AGREE if _PURPOSE.search(piece) else 0.0
        if agree:
            choice = _span_choice(question, cand, clause.start, clause.start + len(piece), agree, weights)
            # cause and effect sit in different clauses: judge the sentence, not the clause
            choice.local = max(choice.local, cand.coverage)
            out.append(choice)
    if not out and (before := _clauses_before_effect(cand, _predicate_terms(question))):
        # no cause word: Chinese often tells the cause first and the effect after it, unmarked (捐助军需银八万两，
        # 得赏戴花翎，封为道员头衔 for 为何被封为道员): the clauses before the one that states the asked effect
        choice = _span_choice(question, cand, 0, before, _UNMARKED_CAUSE_AGREE, weights)
        choice.local = max(choice.local, cand.coverage)
        out.append(choice)
    return out


# a cause told without a cause word answers a why question less surely than a marked one
_UNMARKED_CAUSE_AGREE = 0.6


def _predicate_terms(question: Question) -> list[str]:
    """The question's terms after its question word (生活, 困难 of 奚元平家为什么生活困难): the effect it asks about."""
    m = WHY_Q.search(question.text)
    if not m:
        return []
    after = question.text[m.end() :]
    return [t for t in question.terms if t in after]


def _clauses_before_effect(cand: Candidate, predicate: list[str]) -> int:
    """The end of the text before the clause that states the asked effect (every term of ``predicate``, the
    question's words after 为什么), when that clause is not the sentence's first; 0 otherwise."""
    clauses = split_clauses(cand.text, Span(0, len(cand.text)))
    if len(clauses) < 2 or not predicate:
        return 0
    holding = [i for i, c in enumerate(clauses) if all(t in cand.text[c.start : c.end] for t in predicate)]
    if not holding or holding[-1] == 0:
        return 0
    return len(cand.text[: clauses[holding[-1]].start].rstrip("，,。；;：: "))


_DEFINE_Q = re.compile(r"是什么|指什么|指的是|是指|包括什么|哪些|哪几")
_QUOTED = re.compile(r"[“\"「]([^”\"」]{1,16})[”\"」]")


def _definition(question: Question, top: list[Candidate]):
    """A term defined by a colon line, for 是什么 / 包括哪些 questions: ``“四队职责”:精准识别“调查队”;…``.

    Returns ``(candidate, quote offsets, answer offsets)`` in the document, or None. The term is what the
    question quotes, else one of its longer key terms; the definition runs to the end of its sentence or line.
    """
    if not _DEFINE_Q.search(question.text):
        return None
    terms = _QUOTED.findall(question.text) or [t for t in question.terms if len(t) >= 2 and t not in question.places]
    for cand in top:
        for term in terms:
            m = re.match(r"[“\"「]?" + re.escape(term) + r"[”\"」]?\s*[:：]\s*", cand.text)
            if not m:
                continue
            doc_text = cand.doc.text
            a = cand.span.start + m.end()
            stops = [i for i in (doc_text.find("\n", a), doc_text.find("。", a)) if i != -1]
            b = min(stops) if stops else len(doc_text)
            if b - a < 2:
                continue
            quote_end = b + 1 if doc_text[b : b + 1] == "。" else b
            return cand, (cand.span.start, quote_end), (a, b)
    return None


def _clause_span(question: Question, cand: Candidate) -> SpanChoice:
    """The whole sentence as the answer (methods, facts)."""
    text = cand.text.rstrip("。；;")
    choice = SpanChoice(cand, 0, len(text), cand.score * 0.9, True, text)
    choice.local, choice.agree, choice.conflict = cand.coverage, 1.0, False
    return choice


# A string to dial, type or copy: a phone number (95528, 0571-8826 3107, +86-21-3888 9528), an e-mail or web
# address, or a code mixing letters and digits (yunqi2024).
_CODE = re.compile(
    r"(?<![A-Za-z0-9.@+\-])(?:"
    r"\+?\d[\d\- ]*\d"
    r"|[A-Za-z0-9][A-Za-z0-9_.\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
    r"|(?:https?://|www\.)[A-Za-z0-9./?=&_%\-]+"
    r"|(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{4,}"
    r")(?![A-Za-z0-9@])"
)
# what follows a figure that is a quantity or a date, not a code (20240301日, 12345元), and digits that are a date
# or a span of years (2025-02-28, 2019-2020)
_QUANTITY_AFTER = re.compile(rf"\s*(?:{UNIT_PATTERN}|[年月日号点时分秒元%％])")
_CODE_DIGITS = 5  # the shortest service numbers (95528, 12315) have five; a shorter run is a price or a count
_DIGIT_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?:19|20)\d\d\s*-\s*(?:19|20)\d\d")


def _code_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = []
    for m in _CODE.finditer(cand.text):
        text = m.group()
        if re.fullmatch(r"[\d\- +]+", text) and (
            sum(c.isdigit() for c in text) < _CODE_DIGITS
            or _QUANTITY_AFTER.match(cand.text, m.end())
            or _DIGIT_DATE.fullmatch(text)
        ):
            continue
        out.append(_span_choice(question, cand, m.start(), m.end(), 1.0, weights))
    return out


_STRICT_TYPES = ("number", "date", "person", "place", "title", "code")
# question types whose answer may be other than a name of the type (谁: a role, an office, an organisation;
# 哪里: a description of a place); a figure or a date keeps its typed extractor, whose unit checks the slot lacks
_SLOT_FIRST_TYPES = ("person", "place")
_EXTRACTORS = {
    "number": _number_spans,
    "date": _date_spans,
    "person": _person_spans,
    "title": _title_spans,
    "place": _place_spans,
    "list": _list_spans,
    "reason": _reason_spans,
    "code": _code_spans,
}


_NUMERAL = re.compile(r"[0-9０-９〇零一二三四五六七八九十百千万亿两半]")

# Sentences (best first) the slot extractor reads: the harness found the answer within the top 3 for most
# CMRC questions, and more sentences only add distractors.
SLOT_SENTENCES = 3


def _slot_span(
    question: Question, top: list[Candidate], weights: dict[str, float], aligned: bool = False
) -> tuple[SpanChoice, float] | None:
    """The slot extractor's best span over the best sentences, as a choice, with its calibrated probability.

    None when no span reaches the scorer's threshold (chosen on CMRC dev data, see rag.extract.fit). With
    ``aligned``, only spans that the question's own context borders (a left or right anchor match) count.
    """
    from .extract import FEATURE_NAMES, extract
    from .extract.scorer import load_scorer

    sentences = top[:SLOT_SENTENCES]
    if not sentences:
        return None
    scorer = load_scorer()
    found = extract(question.text, [c.text for c in sentences], scorer=scorer)
    if aligned:
        anchors = [FEATURE_NAMES.index(n) for n in ("la_exact", "la_near", "ra_exact", "ra_near")]
        found = [c for c in found if any(c.features[i] > 0 for i in anchors)]
    if question.qtype == "number":
        # a count or amount is written with a numeral, and with the unit the question asks in (多少岁 → …岁)
        units = equivalent_units(question.unit) if question.unit else ()
        found = [c for c in found if _NUMERAL.search(c.text) and (not units or any(u in c.text for u in units))]
    if not found or found[0].probability < scorer.threshold:
        return None
    slot = found[0]
    cand = sentences[slot.sentence]
    # judged like a typed span whose type agreement is the slot's probability
    choice = _span_choice(question, cand, slot.start, slot.end, slot.probability, weights, slot.text)
    return choice, slot.probability


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


def _display(choice: SpanChoice, question: Question) -> str:
    """Short answer text; for a count, the counted noun phrase in brackets: ``11个（蓝田县11个行政村）``."""
    if question.qtype != "number" or not question.noun:
        return _unquoted(choice.display)
    text = choice.candidate.text
    after = text[choice.end : choice.end + 8]
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
    # finish the compound noun as the question words it (16个行业 → 16个行业工作组牵头单位), not a verb after it
    for word, flag in posseg(text[noun_end : noun_end + 10]):
        q_at = question.text.find(word)
        if q_at == -1 or not (flag.startswith("n") or flag in ("vn", "j", "l", "an")):
            break
        if question.text[q_at + len(word) : q_at + len(word) + 1] in ("了", "过", "着"):
            break
        noun_end += len(word)
    start = choice.start
    # extend left over a place name right before the number (蓝田县11个行政村)
    before = text[max(0, start - 8) : start]
    places = place_mentions(before)
    if places and before.endswith(places[-1]):
        start -= len(places[-1])
    phrase = text[start:noun_end]
    return choice.display if phrase == choice.display else f"{choice.display}（{phrase}）"


def build_answer(question: Question, original: str, hits: list[Hit], index: Index, threshold: float) -> Answer:
    """Answer ``question`` from ``hits`` or abstain; quotes are verified slices of their documents."""
    question = repair_terms(question, [index.document(d).text for d in dict.fromkeys(h.chunk.doc_id for h in hits)])
    explanation: dict = {"question": question.explain()}
    missing = [p for p in question.places if not any(p in d.text for d in index.documents.values())]
    missing += [y for y in question.years if not any(_mentions_year(y, d.text) for d in index.documents.values())]
    weights = _term_weights(question, index)
    candidates = collect_candidates(question, hits, index, weights) if hits else []
    related = _related(candidates)
    if missing:
        explanation["abstain_reason"] = f"not in any document: {', '.join(missing)}"
        return _abstain(
            original, question, hits, related, explanation, f"{NOT_FOUND}关于“{'、'.join(missing)}”的内容。"
        )
    if not candidates:
        explanation["abstain_reason"] = "no passage retrieved"
        return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}相关内容。")

    top = candidates[:25]
    # every proposal is judged the same way: what differs is the span, how it was found and its evidence
    decide = functools.partial(
        _decide,
        original,
        question,
        top=top,
        hits=hits,
        related=related,
        explanation=explanation,
        threshold=threshold,
        index=index,
        weights=weights,
    )
    if question.qtype in ("fact", "list") and (found := _definition(question, top)):
        cand, (d_start, d_end), (a_start, a_end) = found
        explanation.update({"definition": True})
        best = SpanChoice(cand, a_start - cand.span.start, a_end - cand.span.start, cand.score, False, "")
        best.display, best.local, best.agree = cand.doc.text[a_start:a_end], cand.content_coverage, 1.0
        return decide(best, "definition", quote=(d_start, d_end))
    extractor = _EXTRACTORS.get(question.qtype)
    slot_probability = 0.0
    choices: list[SpanChoice] = []
    if extractor:
        for cand in top:
            choices.extend(extractor(question, cand, weights))
    typed = [c for c in choices if c.typed and not c.conflict]
    typed = _without_unsuffixed_places(question, choices, typed)
    rivals: tuple[int, float] = (0, 0.0)
    slot_first = None
    if typed and question.qtype in _SLOT_FIRST_TYPES and not any(c.candidate is top[0] for c in typed):
        # 谁 asked, but the sentence that best answers names no person (君主, 加拿大总督, an organisation): the
        # question's own slot in it (aligned with the question's words) is a better guess than a name from a
        # weaker sentence
        slot_first = _slot_span(question, top[:1], weights, aligned=True)
    if slot_first:
        (best, slot_probability), path = slot_first, "strict_slot"
    elif typed:
        # retrieval-led score, tempered by how well the span's own evidence answers the question
        best, path = max(typed, key=_typed_rank), "typed"
        rivals = typed_rivals(best, typed)
    elif question.qtype in _STRICT_TYPES:
        # a typed extractor that found nothing is evidence too: only a span in the question's own slot overrides it
        slot = _slot_span(question, top, weights, aligned=True)
        if slot is None:
            # no span of the expected type near the question's terms: the documents do not say
            explanation["abstain_reason"] = f"no {question.qtype} span in the retrieved passages"
            explanation["sentence"] = top[0].text
            return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
        (best, slot_probability), path = slot, "strict_slot"
    elif choices:
        best, path = max(choices, key=lambda c: c.score), "untyped"
    elif slot := _slot_span(question, top, weights):
        (best, slot_probability), path = slot, "slot"
        # it replaces the whole-sentence answer: judged by the same evidence (sentence coverage, agreement)
        best.local, best.agree = best.candidate.coverage, 1.0
    else:
        best, path = _clause_span(question, top[0]), "clause"
    if slot_probability:
        explanation["slot_probability"] = round(slot_probability, 4)
    cand = best.candidate
    explanation.update(
        {
            "matched_terms": cand.matched,
            "term_weights": {k: round(v, 3) for k, v in weights.items()},
            "sentence_score": round(cand.score, 4),
            "span_score": round(best.score, 4),
            "candidates": [
                {"doc_id": c.doc.id, "start": c.span.start, "score": round(c.score, 4), "text": c.text[:80]}
                for c in candidates[:5]
            ],
        }
    )
    return decide(best, path, slot_probability=slot_probability, rivals=rivals)


def _without_unsuffixed_places(
    question: Question, choices: list[SpanChoice], typed: list[SpanChoice]
) -> list[SpanChoice]:
    """哪家酒店: when the passages write names ending in 酒店 (even in a passage ruled out, 漓苑大酒店 of another
    day), a place that does not end in it (龙河) is not of the asked kind. Where they write none (哪所学校 over
    a text naming only 复兴中学), every place stays."""
    suffix = question.asked_suffix
    if question.qtype != "place" or not suffix:
        return typed
    nouns = _asked_nouns(suffix)
    if not any(c.candidate.text[c.start : c.end].endswith(nouns) for c in choices):
        return typed
    return [c for c in typed if c.candidate.text[c.start : c.end].endswith(nouns)]


def _asked_nouns(suffix: str) -> tuple[str, ...]:
    """The noun a 哪家/哪所 question names and the words for the same thing (酒店: 宾馆, 客栈…), longest first."""
    return tuple(sorted({suffix, *_SYNONYMS.get(suffix, ())}, key=len, reverse=True))


def _typed_rank(choice: SpanChoice) -> float:
    """How a typed span ranks among the others: retrieval-led, tempered by its own evidence."""
    return choice.score * (0.5 + _evidence(choice))


def typed_rivals(best: SpanChoice, typed: list[SpanChoice]) -> tuple[int, float]:
    """The competition ``best`` won: how many other answers of the asked kind the passages hold, and the
    runner-up's rank as a share of the winner's (1: a tie; 0: no other answer).

    A figure in litres is a safe answer to 能装几升 when it is the only one in the passages, a doubtful one
    when five others stand beside it; the fitted confidence learns how much that weighs.
    """
    own = to_matching(best.candidate.text[best.start : best.end])
    others: dict[str, float] = {}
    for c in typed:
        text = to_matching(c.candidate.text[c.start : c.end])
        if text and text != own and text not in own and own not in text:
            others[text] = max(others.get(text, 0.0), _typed_rank(c))
    top = _typed_rank(best)
    runner_up = max(others.values(), default=0.0)
    return len(others), (min(runner_up / top, 1.0) if top > 0 else 0.0)


def _evidence(choice: SpanChoice) -> float:
    """How well a typed span's own evidence answers the question, in [0, 1] (ranks typed spans only).

    Places are judged by place_factor; coverage of the other terms says whether the sentence is about
    what was asked (a sentence about 汉滨区 money is no answer to 汉滨区的年产值).
    """
    cand = choice.candidate
    evidence = cand.place_factor * (0.6 * cand.content_coverage + 0.4 * choice.local) * (0.5 + 0.5 * choice.agree)
    return max(0.0, min(1.0, evidence))


# jieba POS flags of function words (adverbs, prepositions, conjunctions, particles, pronouns, numerals, measures)
_FUNCTION_POS = ("d", "p", "c", "u", "r", "m", "q")


def _asked_term_near(question: Question, sentence: str, start: int, end: int) -> float:
    """Where the question's word next to its question word (年产值 in 年产值是多少) stands relative to the answer.

    1 inside the answer's clause (or the clause before it, where Chinese often names what is measured),
    0.5 elsewhere in the sentence, 0 absent; 1 when the question has no such word.
    """
    return _near_position(_asked_word(question.text), sentence, start, end)


@lru_cache(maxsize=256)
def _asked_word(question: str) -> str | None:
    """The question's content word next to its question word (年产值 of 年产值是多少), if any."""
    from .extract.slots import question_slot

    slot = question_slot(question)
    # content words only: 体重 in 体重大约是多少, not the adverb 大约
    left = [w for w, flag in posseg(slot.left) if w in slot.left_terms and not flag.startswith(_FUNCTION_POS)]
    right = [w for w, flag in posseg(slot.right) if w in slot.right_terms and not flag.startswith(_FUNCTION_POS)]
    return left[-1] if left else (right[0] if right else None)


def _near_position(near: str | None, sentence: str, start: int, end: int) -> float:
    if not near:
        return 1.0
    if near not in sentence:
        return 0.0
    a, b = _clause_bounds(sentence, start, end)
    prev_a = _clause_bounds(sentence, max(a - 2, 0), max(a - 1, 0))[0] if a > 1 else a
    return 1.0 if near in sentence[prev_a:b] else 0.5


def _decide(
    original: str,
    question: Question,
    best: SpanChoice,
    path: str,
    top: list[Candidate],
    hits: list[Hit],
    related: list[Quote],
    explanation: dict,
    threshold: float,
    index: Index,
    weights: dict[str, float],
    slot_probability: float = 0.0,
    quote: tuple[int, int] | None = None,
    rivals: tuple[int, float] = (0, 0.0),
) -> Answer:
    """Answer with ``best`` when the fitted scorer's probability that it is right reaches ``threshold``."""
    from .extract import confidence as answer_confidence

    cand = best.candidate
    display = best.display if path == "definition" else _display(best, question)
    features = answer_confidence.answer_features(
        coverage=cand.coverage,
        content_coverage=cand.content_coverage,
        local_coverage=best.local,
        weights=weights,
        document=cand.doc.text,
        asked_term_near=_asked_term_near(question, cand.text, best.start, best.end),
        evidence=_evidence(best),
        type_agreement=best.agree,
        place_factor=cand.place_factor,
        slot_probability=slot_probability,
        matched_terms=len(cand.matched),
        question_terms=len(question.terms),
        sentence_rank=next((i for i, c in enumerate(top) if c is cand), len(top)),
        hit=cand.hit,
        answer=display,
        sentence=cand.text,
        english=question.language == "en",
        rivals=rivals,
        path=path,
        qtype=question.qtype,
    )
    confidence = answer_confidence.answer_probability(answer_confidence.load_answer_scorer(), features)
    explanation.update(
        {
            "sentence": cand.text,
            "doc_id": cand.doc.id,
            "found_by": path,  # not "path": Gradio clients read a dict with a "path" key as a file
            "proposal": display,
            "coverage": round(cand.coverage, 4),
            "content_coverage": round(cand.content_coverage, 4),
            "local_coverage": round(best.local, 4),
            "type_agreement": round(best.agree, 4),
            "place_factor": round(cand.place_factor, 4),
            "answer_features": features,  # full precision: the fitted trees split at exact training values
            "threshold": threshold,
        }
    )
    if _echoes(display, question.text):
        explanation["abstain_reason"] = "the proposal repeats the question"
        return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
    if confidence < threshold:
        explanation["abstain_reason"] = f"confidence {confidence:.2f} below threshold {threshold:.2f}"
        answer = _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
        return answer.model_copy(update={"confidence": confidence})
    q_start, q_end = quote or _quote_for(best, question)
    quoted = Quote.from_document(cand.doc, q_start, q_end)
    if not quoted.matches(index.document(quoted.doc_id)):  # the last gate: never show an unverified quote
        raise RuntimeError(f"quote {q_start}:{q_end} of {cand.doc.id} failed verification")
    return Answer(
        question=original,
        answer=display,
        abstained=False,
        confidence=confidence,
        quotes=[quoted],
        hits=hits,
        explanation=explanation,
    )


# An answer whose characters the question already holds, every one, tells the asker nothing (优惠 for
# 周末借车有没有优惠); one new character may be the news (桃园市大溪区 for 桃园市立大溪高级中学位于哪儿)
_ECHO_SHARE = 1.0


def _echoes(answer: str, question: str) -> bool:
    chars = [c for c in to_matching(answer) if c.isalnum()]
    if not chars:
        return False
    q = to_matching(question)
    return sum(c in q for c in chars) / len(chars) >= _ECHO_SHARE


def _related(candidates: list[Candidate]) -> list[Quote]:
    """The best three sentences to show beside a refusal; a bare list number (1.) says nothing and is skipped."""
    out: list[Quote] = []
    for c in candidates:
        if sum(ch.isalpha() for ch in c.text) < _RELATED_MIN_LETTERS:
            continue
        out.append(Quote.from_document(c.doc, c.span.start, c.span.end))
        if len(out) == 3:
            break
    return out


# a passage shown as related holds at least this many letters or characters (not 1. or （二）)
_RELATED_MIN_LETTERS = 2


def _abstain(original, question, hits, related, explanation, message) -> Answer:
    return Answer(
        question=original,
        answer=message,
        abstained=True,
        confidence=0.0,
        quotes=[],
        related=related,
        hits=hits,
        explanation=explanation,
    )
