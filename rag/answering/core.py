"""Candidate sentences and the evidence every extractor shares: term weights and matching, candidate
sentences from the retrieved chunks, a span's local coverage, proximity and conflicts (:func:`_span_choice`).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..chunking import CLOCK_COLON, Span, split_sentences
from ..documents import BYLINE as _BYLINE
from ..documents import DATELINE as _DATELINE
from ..index import Index
from ..question import (
    PERIOD_WORDS,
    PLACE_SUFFIXES,
    QUALIFIER_KINDS,
    RATE_PERIODS,
    Question,
    asks_frequency,
    place_mentions,
)
from ..schema import Document, Hit
from ..spans import (
    UNIT_PATTERN,
    UNITS,
    clock_range,
    cn_to_number,
    equivalent_units,
    find_dates,
    find_quantities,
    find_times,
    same_unit,
    time_positions,
    weekday,
    weekday_range_positions,
)
from ..squad_metric import longest_common_run
from ..textutil import (
    STOPWORDS,
    char_ngrams,
    dictionary_tag,
    in_dictionary,
    posseg,
    resource_groups,
    resource_lines,
)
from .lists import items_after
from .tables import is_header

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


_CHINESE_MONTHS = "一月 二月 三月 四月 五月 六月 七月 八月 九月 十月 十一月 十二月".split()


def _digit_forms(term: str) -> list[str]:
    """A whole amount in Chinese numerals as documents write it in digits, with its unit and the units that answer
    for it (一千块 → 1000块, 1000元, 1000块钱); [] for anything else."""
    found = find_quantities(term)
    if len(found) != 1 or found[0].text != term or term[:1].isdigit() or found[0].value is None:
        return []
    value = found[0].value
    if value != int(value):
        return []
    unit = found[0].unit
    return [f"{int(value)}{u}" for u in ([unit, *sorted(equivalent_units(unit) - {unit})] if unit else [""])]


def repair_terms(question: Question, texts: list[str]) -> Question:
    """Undo jieba cutting through a name the documents spell out: 杨大兵家 cut as 杨大/兵家 becomes 杨大兵,
    张/德安/家有 becomes 张德安, when the name is in ``texts`` (the retrieved documents) and a piece is not."""

    def found(s: str) -> bool:
        return any(s in t for t in texts)

    terms = list(question.terms)
    for i, term in enumerate(terms):
        if found(term):
            continue
        # a month the documents write in Chinese numerals (七月) rather than as the question's term has it (7月)
        if month := re.fullmatch(r"(\d{1,2})月", term):
            spelled = _CHINESE_MONTHS[int(month.group(1)) - 1]
            terms[i] = spelled if found(spelled) else term
        # an amount asked in Chinese numerals the documents write in digits (一千块 → 1000元)
        elif written := next((f for f in _digit_forms(term) if found(f)), None):
            terms[i] = written
        # Latin letters are lower-cased with the question's words (atm, u盾, wifi): the documents' own case (ATM)
        elif re.search(r"[a-z]", term) and (spelled := _as_written(term, texts)):
            terms[i] = spelled
    i = 0
    while i < len(terms) - 1:
        for width in _REGLUE_WIDTHS:
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
        if len(term) >= _GLUED_MIN and not _kept_whole(term, question) and not found(term) and found(term[:-1]):
            terms[i] = term[:-1]
    # a word the documents never write that jieba glued from a function word and a content word (能休 of
    # 一年能休几天, 卡能 of 季卡能打几折, 先押 of 得先押多少钱): keep the content part the documents do write
    out: list[str] = []
    for term in terms:
        out.extend(_unglue(term, found) if not _kept_whole(term, question) else [term])
    # an abbreviation the documents write in full (半马 for 半程马拉松, 房租 for 房屋租金): the full word
    out = [(_expanded(t, texts) or t) if not _kept_whole(t, question) and not found(t) else t for t in out]
    terms = list(dict.fromkeys(out))
    if terms == question.terms:
        return question
    return dataclasses.replace(question, terms=terms)


def _kept_whole(term: str, question: Question) -> bool:
    """A place, a time of day or a measure of the question is matched as a whole, never cut to what the documents
    write (12年 is no 12 glued to 年: the documents' 满10年 holds it), nor is a rate's period word (月卡: a list of
    季卡 and 次卡 does not hold it)."""
    return (
        term in question.places
        or term_clock(term) is not None
        or term_measure(term) is not None
        or term in PERIOD_WORDS
    )


def _as_written(term: str, texts: list[str]) -> str | None:
    """``term`` as the first of ``texts`` that writes it in any letter case spells it (atm → ATM), if any."""
    pattern = re.compile(re.escape(term), re.IGNORECASE)
    return next((m.group() for t in texts if (m := pattern.search(t))), None)


# jieba may cut one question word over two or three terms (年产/值); three first, then two
_REGLUE_WIDTHS = (3, 2)
# a word of three or more characters that ends in a glued-on character (马明种 of 马明种了); two is one word
_GLUED_MIN = 3
# An abbreviation takes the first character of each word of a compound (半程+马拉松 → 半马, 医疗+保险 → 医保);
# the gap between two of its characters in the full form is at most this many characters
_ABBREVIATION_GAP = 3
_ABBREVIATION_MAX = 3  # abbreviations of 2–3 characters (半马, 医保, 世博会); a longer word is written out
_EXPANSION_SLACK = 6  # room after the match for the last word of the full form (马拉松 of 半程马拉松)
_COMPOUND_MIN = 4  # jieba keeps compounds of four or more characters whole (医疗保险): cut them finer


def _expanded(term: str, texts: list[str]) -> str | None:
    """The compound ``texts`` write that ``term`` abbreviates: each character of the 2-3 character term begins
    one of consecutive jieba words (半马 → 半程马拉松; not 房东出租 for 房租: 租 does not begin 出租). The most
    frequent such compound in ``texts``; None when there is none."""
    if not 2 <= len(term) <= _ABBREVIATION_MAX or not all("\u4e00" <= c <= "\u9fff" for c in term):
        return None
    gap = f"[\u4e00-\u9fff]{{0,{_ABBREVIATION_GAP}}}?"
    pattern = re.compile(gap.join(re.escape(c) for c in term))
    counts: dict[str, int] = {}
    for text in texts:
        for m in pattern.finditer(text):
            if m.end() - m.start() == len(term):
                continue
            words = _fine_words(text[m.start() : m.end() + _EXPANSION_SLACK])
            if len(words) < len(term) or any(w[:1] != c for w, c in zip(words, term, strict=False)):
                continue
            full = "".join(words[: len(term)])
            if len(full) > len(term):
                counts[full] = counts.get(full, 0) + 1
    return max(counts, key=lambda w: (counts[w], -len(w))) if counts else None


def _fine_words(text: str) -> list[str]:
    """jieba's words of ``text``, a compound it keeps whole (医疗保险) cut into the dictionary words that tile it
    (医疗 + 保险), as its search mode finds them."""
    from ..textutil import cut, cut_for_search

    out: list[str] = []
    for word in cut(text):
        pieces = {p for p in cut_for_search(word) if len(p) < len(word)} if len(word) >= _COMPOUND_MIN else set()
        tiled, i = [], 0
        while pieces and i < len(word):
            piece = max((p for p in pieces if word.startswith(p, i)), key=len, default=None)
            if piece is None:
                break
            tiled.append(piece)
            i += len(piece)
        out.extend(tiled if tiled and i == len(word) else [word])
    return out


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
    if found(term) or len(term) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", term):
        return [term]
    if in_dictionary(term):
        # a dictionary word the texts never write that opens with a modal (能带 of 能带狗进去吗, 能用): the verb
        return [term[1:]] if term[0] in _MODALS and found(term[1:]) else [term]
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


# modal verbs jieba glues to the verb after them (能带, 能用, 要交); 会 and 可 also open nouns (会员, 可乐)
_MODALS = ("能", "要")
# parts of speech of a character jieba may glue to a word: adverb, verb, preposition, conjunction, particle
_STRAY_TAGS = re.compile(r"[dvpcu]")


# A question's words weigh by how rare they are in the documents, and in a small collection also by how rare they
# are in the language: the documents join this many pseudo-chunks of general Chinese (tuned on the development
# sets, see the README's table), each as long as a chunk of the seeds' index (80 search words on average).
BACKGROUND_CHUNKS = 400.0
_CHUNK_WORDS = 80.0


def _term_weights(question: Question, index: Index) -> dict[str, float]:
    from ..textutil import bm25_tokens

    weights: dict[str, float] = {}
    for term in question.terms:
        parts = [t for t in bm25_tokens(term)] or [term]
        weights[term] = max(index.lexical.idf(p, BACKGROUND_CHUNKS, _CHUNK_WORDS) for p in parts)
    return weights


# Words a question and an article use for the same thing (rag/resources/zh/synonyms.txt).
_SYNONYM_GROUPS = [tuple(line.split()) for line in resource_lines("zh/synonyms.txt")]
_SYNONYMS = {w: [o for o in group if o != w] for group in _SYNONYM_GROUPS for w in group}
# ... and, one way, a whole for its parts (周末 → 周六, 周日: rag/resources/zh/hypernyms.txt)
# ... and a day of the week for the whole it is part of (周六 → 周末: a rule for the weekend holds on Saturday;
# never 周六 → 周日, nor 节假日 → 周末)
for _whole, _parts in resource_groups("zh/hypernyms.txt").items():
    _SYNONYMS[_whole] = [*_SYNONYMS.get(_whole, []), *(p for p in _parts if p not in _SYNONYMS.get(_whole, []))]
    for _part in _parts:
        if weekday(_part) is not None and _whole not in _SYNONYMS.get(_part, []):
            _SYNONYMS[_part] = [*_SYNONYMS.get(_part, []), _whole]


def synonyms_of(term: str) -> tuple[str, ...]:
    """The words of ``term``'s synonym group; for a compound jieba keeps whole (亲戚家, 老板娘的), its part of
    two or more characters that has synonyms, replaced by them (亲友家)."""
    if term in _SYNONYMS:
        return tuple(_SYNONYMS[term])
    out: list[str] = []
    for k in range(len(term) - 1, 1, -1):
        head, tail = term[:k], term[k:]
        out += [s + tail for s in _SYNONYMS.get(head, ())]
        head, tail = term[: len(term) - k], term[len(term) - k :]
        out += [head + s for s in _SYNONYMS.get(tail, ())]
    return tuple(dict.fromkeys(out))


# How much a term counts as present when the text has not the term itself but: a synonym (a different word
# for the same thing: nearly as good), at least half its character bigrams (a partial compound, 年产值/产值),
# or only its characters scattered (weak evidence that the text is on the topic).
_SYNONYM_MATCH = 0.8
_BIGRAM_MATCH = 0.6
_CHAR_MATCH = 0.15
_BIGRAM_SHARE = 0.5  # below half its bigrams a compound is not partly there, only its characters are


@lru_cache(maxsize=1024)
def term_clock(term: str) -> tuple[int, int] | None:
    """The time of day a key term is (晚上7点 → 19:00), or None for any other term."""
    times = find_times(term)
    return clock_range(term) if len(times) == 1 and times[0].text == term else None


def term_positions(term: str, text: str) -> list[int]:
    """Where ``text`` writes ``term``: the term itself or, for a time of day, the same time in any notation or
    a range holding it."""
    found = [m.start() for m in re.finditer(re.escape(term), text)]
    if not found and (clock := term_clock(term)) is not None:
        found = time_positions(clock, text)
    if not found and (day := weekday(term)) is not None:
        found = weekday_range_positions(day, text)  # 礼拜六 in 周二至周日
    if not found and (want := term_measure(term)) is not None:
        found = measure_positions(want, text)  # 72岁 in 70岁以上
    return found or per_positions(term, text)


def per_positions(term: str, text: str) -> list[int]:
    """Where ``text`` states something per the one thing ``term`` counts: one of a thing (一把钥匙) is what a price
    per that thing is stated for (每把50元, 1200元/颗)."""
    if len(term) == 2 and term[0] == "一" and term[1] in _CLASSIFIERS:
        return [m.start() for m in re.finditer(f"[每/]{term[1]}", text)]
    return []


# the one-character measure words of counted things (units.txt's count kind: 把, 颗, 张…)
_CLASSIFIERS = frozenset(u for u in UNITS["count"] if len(u) == 1)


@lru_cache(maxsize=1024)
def term_measure(term: str):
    """The measure a key term is when the question names one (72岁, 8公斤, 1米1: its qualifiers), else None."""
    found = find_quantities(term)
    if len(found) == 1 and found[0].text == term and found[0].value is not None:
        if found[0].kind in QUALIFIER_KINDS or found[0].unit in _SECONDS:
            return found[0]
    return None


# seconds in a unit of time (rag/resources/zh/time_units.txt): 40分钟 is compared with 1小时内 in one unit
_SECONDS = {unit: float(n) for unit, n in (line.split("\t") for line in resource_lines("zh/time_units.txt"))}


def measure_positions(want, text: str) -> list[int]:
    """Where ``text`` writes a measure of ``want``'s unit that is ``want`` or bounds it (72岁 within 70岁以上, 8公斤
    within 10公斤以下, 1米1 within 1.2米以下; 40分钟 within 1小时内 and beyond 30分钟以上, durations compared in
    seconds)."""
    out = []
    found = find_quantities(text)
    for i, q in enumerate(found):
        value = _in_unit(want, q.unit)
        if value is None or not _within(value, q, text):
            continue
        # 满10年不满20年: a lower bound and the upper bound right after it are one range, held only as a whole
        nxt = found[i + 1] if i + 1 < len(found) else None
        prev = found[i - 1] if i > 0 else None
        if nxt is not None and _tier(text, q, nxt) and not _within(_in_unit(want, nxt.unit), nxt, text):
            continue
        if prev is not None and _tier(text, prev, q) and not _within(_in_unit(want, prev.unit), prev, text):
            continue
        out.append(q.start)
    return out


def _in_unit(want, unit: str | None) -> float | None:
    """``want``'s value in ``unit`` (the same or an equivalent unit, or another unit of time); None if not."""
    if same_unit(unit, want.unit):
        return want.value
    if want.unit in _SECONDS and unit in _SECONDS:
        return want.value * _SECONDS[want.unit] / _SECONDS[unit]
    return None


# what may stand between the two ends of a tier (满10年不满20年, 超过1小时不满2小时, 3岁以上6岁以下): the upper
# bound's own word and little else
_TIER_GAP_CHARS = 4


def _tier(text: str, low, high) -> bool:
    """``low`` and ``high`` are the two ends of one tier: a lower bound, then right after it an upper bound."""
    if high.start - low.end > _TIER_GAP_CHARS or re.search(r"[，,。；;、]", text[low.end : high.start]):
        return False
    low_side = _measure_side(text, low)
    return low_side == "lower" and _measure_side(text, high) == "upper"


def _pattern(term: str) -> re.Pattern:
    """``term`` as a pattern; a figure at either end of it is whole (the 5 of 5楼 is not in 50元)."""
    before = r"(?<![\d.])" if term[:1].isdigit() else ""
    after = r"(?![\d.]?\d)" if term[-1:].isdigit() else ""
    return re.compile(before + re.escape(term) + after)


def _positions(term: str, text: str) -> list[int]:
    """Where ``term`` stands in ``text``, a figure only as a whole number."""
    if term[:1].isdigit() or term[-1:].isdigit():
        return [m.start() for m in _pattern(term).finditer(text)]
    return [m.start() for m in re.finditer(re.escape(term), text)]


def _contains(term: str, text: str) -> bool:
    return term in text and (not (term[:1].isdigit() or term[-1:].isdigit()) or bool(_positions(term, text)))


def _match(term: str, text: str) -> float:
    """How far ``term`` is present in ``text``, in [0, 1]."""
    if _contains(term, text):
        return 1.0
    if (clock := term_clock(term)) is not None:
        return 1.0 if time_positions(clock, text) else 0.0  # 晚上7点 is in 18:00—21:00, no bigram of it counts
    if (want := term_measure(term)) is not None and measure_positions(want, text):
        return 1.0  # the question's 72岁 is within the text's 70岁以上, its 40分钟 beyond 超过30分钟
    if any(s in text for s in synonyms_of(term)):
        return _SYNONYM_MATCH
    if (day := weekday(term)) is not None and weekday_range_positions(day, text):
        return _SYNONYM_MATCH  # 礼拜六 within 周二至周日: the day is meant, not named
    if per_positions(term, text):
        return 1.0  # 一把 in 每把50元
    if len(term) >= 2:
        grams = char_ngrams(term, 2)
        if grams:
            hit = sum(1 for g in grams if g in text) / len(grams)
            if hit >= _BIGRAM_SHARE:
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


# How far a sentence that does not name the asked place is still about it, by where the place is found instead
# (the order of the evidence in the docstring below; each step down is a weaker reading of the same sentence).
_OTHER_PLACE = 0.1  # names another place of the same level and does not refer back (全区, 该县): almost ruled out
_PLACE_IN_PARAGRAPH = 0.9  # the paragraph or sub-headline names it: nearly as good as the sentence itself
_OTHER_PLACE_IN_PARAGRAPH = 0.15  # the paragraph is about another place of the same level: unlikely
_PLACE_IN_PREVIOUS = 0.85  # the previous paragraph names it: one step further than the paragraph
_PLACE_IN_TITLE = 0.8  # the document's title names it: the whole document is about the place
_PLACE_IN_DOCUMENT = 0.4  # named somewhere else in the document: the sentence may be about something else
_PLACE_NOWHERE = 0.05  # the document never names it: kept only as a last resort
_YEAR_IN_PARAGRAPH = 0.6  # the asked year is in the paragraph, not the sentence
_YEAR_NOWHERE = 0.2  # the asked year is nowhere near: the figure is likely another year's


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
            factor *= _OTHER_PLACE
        elif stem in local:
            factor *= _PLACE_IN_PARAGRAPH
        elif _same_kind_places(local, place, question.text):
            factor *= _OTHER_PLACE_IN_PARAGRAPH
        elif stem in cand.previous_paragraph:
            factor *= _PLACE_IN_PREVIOUS
        elif stem in cand.doc.title:
            factor *= _PLACE_IN_TITLE
        elif stem in cand.doc.text:
            factor *= _PLACE_IN_DOCUMENT
        else:
            factor *= _PLACE_NOWHERE
    for year in question.years:
        if _mentions_year(year, cand.text):
            continue
        factor *= _YEAR_IN_PARAGRAPH if _mentions_year(year, local) else _YEAR_NOWHERE
    return factor


def _mentions_year(year: str, text: str) -> bool:
    """``2019年`` is in ``text``, also typeset as ``2019 年``."""
    return year in text or re.search(re.escape(year[:-1]) + r"\s年", text) is not None


# A sentence's score: the question's words it holds decide; the retriever's view of its chunk (dense
# similarity, min-max scaled over the hits, and 1/rank) breaks ties between sentences that hold the same words.
_COVERAGE_SHARE = 0.65
_DENSE_SHARE = 0.2
_RANK_SHARE = 0.15
_DENSE_UNKNOWN = 0.5  # no dense score (BM25-only hit, or all equal): the middle of the scale
_CONTEXT_WEIGHT = 0.5  # a term found only in the paragraph/headline/title counts half (a byline's title: fully)
_MATCHED = 0.6  # a term counts as matched (for the quote's anchors and proximity) from a partial compound up


# a heading line: a section number and a short title without a clause mark (四、停车卡遗失与补办, （二）报名方式,
# 第三章 总则); it still counts as the context of the sentences under it (Candidate.context)
_HEADING_LINE = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十]{1,3}[章节部分])"
    r"\s*[^，,。；;：:！!？?]{1,30}"
)
# a numbered line without a clause mark (5．屏幕显示“E8”, 1.顶层设计) is a heading when prose, not the next item,
# follows it (说明：机器内部温度过高。); as an item of a list (2. 每周三上午9:00至11:00 before 3. …) it is content
_NUMBERED_LINE = re.compile(r"\d{1,2}[.．、]\s*[^，,。；;：:！!？?\n]{1,30}")
_NUMBERED_START = re.compile(r"\s*[(（]?\d{1,2}[)）.．、]")
# a list label or heading number by itself: 四、, (2), 3., B
_LABEL_LINE = re.compile(r"[(（]?(?:[一二三四五六七八九十]+|\d{1,2}|[A-Za-z])[)）、.．]?")


def collect_candidates(question: Question, hits: list[Hit], index: Index, weights: dict[str, float]) -> list[Candidate]:
    """Score every sentence of the retrieved chunks by key-term coverage, place agreement and retrieval."""
    total = sum(weights.values()) or 1.0
    content_total = sum(w for t, w in weights.items() if t not in question.places)
    seen: dict[tuple[str, int, int], Candidate] = {}
    dense_scores = [h.dense_score for h in hits if h.dense_score is not None]
    lo, hi = (min(dense_scores), max(dense_scores)) if dense_scores else (0.0, 1.0)
    for hit in hits:
        doc = index.document(hit.chunk.doc_id)
        sentences = _titles_whole(doc.text, split_sentences(doc.text, hit.chunk.start, hit.chunk.end))
        for span in _with_results_joined(doc.text, sentences):
            key = (doc.id, span.start, span.end)
            if key in seen:
                continue
            text = doc.text[span.start : span.end]
            if text.rstrip("”」』）) ").endswith(("？", "?")):
                continue  # a question in the text (an FAQ's 问：…？) asks, it answers nothing
            if (
                _HEADING_LINE.fullmatch(text.strip())
                or _LABEL_LINE.fullmatch(text.strip())
                or _numbered_heading(doc.text, span)
                or is_header(doc.text, span.start)
                or _title_line(doc.text, span)
                or _bare_heading(doc.text, span)
                or span.start in doc.headings  # a heading the file marks (Markdown #, Word's heading styles)
            ) and not (question.qtype in LIST_ANNOUNCING_TYPES and heads_a_list(doc, span) is not None):
                continue  # a section's title (四、停车卡遗失与补办) names the topic of what follows, a list's number
                # split off as a sentence (1.) names nothing, a table's header row names its columns: no answer
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
            title_weight = 1.0 if cand.byline else _CONTEXT_WEIGHT
            covered = content = 0.0
            for term, w in weights.items():
                m = max(_match(term, text), title_weight * _match(term, context))
                covered += w * m
                if term not in question.places:
                    content += w * m
                if m >= _MATCHED:
                    cand.matched.append(term)
            cand.coverage = covered / total
            cand.content_coverage = content / content_total if content_total else cand.coverage
            cand.place_factor = _place_factor(question, cand)
            dense = _DENSE_UNKNOWN if hit.dense_score is None or hi <= lo else (hit.dense_score - lo) / (hi - lo)
            rank_prior = 1.0 / hit.rank
            # places are judged by place_factor: the rest of the question decides between sentences
            cand.score = cand.place_factor * (
                _COVERAGE_SHARE * cand.content_coverage + _DENSE_SHARE * dense + _RANK_SHARE * rank_prior
            )
            seen[key] = cand
    return _ties_by_phrase(question.text, sorted(seen.values(), key=lambda c: -c.score))


def _ties_by_phrase(question: str, ranked: list[Candidate]) -> list[Candidate]:
    """``ranked`` with each run of equal scores put in order of the longest run of the question's characters the
    sentence writes unbroken: rows of one table holding the same words (一荤两素 and 两荤两素 both hold 两, 荤, 两素)
    are told apart by which writes the question's phrase (两荤两素的套餐多少钱)."""
    out: list[Candidate] = []
    i = 0
    while i < len(ranked):
        j = i + 1
        while j < len(ranked) and ranked[j].score == ranked[i].score:
            j += 1
        run = ranked[i:j]
        if len(run) > 1:
            run.sort(key=lambda c: -longest_common_run(question, c.text))
        out.extend(run)
        i = j
    return out


# the document's first line is its title when short and without a clause mark (青禾社区游泳馆开放须知): the topic of
# every sentence (it is in each one's context), the answer to none; a first line with a colon or a comma is content
# (营业时间：9:00—21:00)
_TITLE_LINE = re.compile(r"[^，,。；;：:！!？?\n]{1,30}")


def _line_after(text: str, span: Span) -> str | None:
    """The text after the line ``span`` fills alone (leading blank lines skipped), or None when ``span`` shares
    its line with other text."""
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start : span.start].strip() or text[span.end : line_end].strip():
        return None
    return text[line_end:].lstrip()


# question types a list answers, where a line announcing one (需提交以下材料：, a heading over an HTML list) is
# answered by its items (lists.py)
LIST_ANNOUNCING_TYPES = ("list", "fact", "how")


def heads_a_list(doc: Document, span: Span) -> tuple[int, int] | None:
    """The items of the list under ``span`` when it is a whole line of ``doc`` (a heading: 报名时请携带以下材料) and
    short unmarked item lines follow it (an HTML list's <li> lines), as ``(start, end)``; else None."""
    if _line_after(doc.text, span) is None:
        return None
    return items_after(doc.text, doc.text.find("\n", span.end), doc.headings, phrases_only=True)


def _title_line(text: str, span: Span) -> bool:
    """``span`` is the document's whole first line, a title, and more text follows."""
    following = _line_after(text, span)
    return (
        bool(following)
        and not text[: span.start].strip()
        and _TITLE_LINE.fullmatch(text[span.start : span.end]) is not None
    )


# a short line of words alone (使用方法, 保修说明) over a numbered item or a sentence is the heading of what follows;
# over another such line it is an item of a list (哈他瑜伽 / 流瑜伽)
_BARE_HEADING = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,12}")
_SENTENCE_LINE_END = re.compile(r"[。！？!?]\s*$")


def _bare_heading(text: str, span: Span) -> bool:
    """``span`` is a whole short line of words, and a numbered item or a sentence follows it."""
    following = _line_after(text, span)
    if not following or not _BARE_HEADING.fullmatch(text[span.start : span.end]):
        return False
    next_line = following.split("\n", 1)[0]
    return bool(next_line) and (
        _NUMBERED_START.match(next_line) is not None or bool(_SENTENCE_LINE_END.search(next_line))
    )


def _numbered_heading(text: str, span: Span) -> bool:
    """``span`` is a whole numbered line without a clause mark and the next line is prose, not the next item."""
    following = _line_after(text, span)
    if not following or not _NUMBERED_LINE.fullmatch(text[span.start : span.end]):
        return False
    return not _NUMBERED_START.match(following)


def _titles_whole(text: str, spans: list[Span]) -> list[Span]:
    """Sentences as split, except that one ending inside a book title runs on to the title's end: the ！ of
    《卡拉OK.LIVE！‧台北‧我》 is the title's own, not the end of a sentence."""
    out: list[Span] = []
    for span in spans:
        prev = out[-1] if out else None
        if prev and text.count("《", prev.start, prev.end) > text.count("》", prev.start, prev.end):
            if "\n" not in text[prev.end : span.start]:
                out[-1] = Span(prev.start, span.end)
                continue
        out.append(span)
    return out


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
_PREVIOUS_CLAUSE = 0.5  # a term in the clause before counts half: it often names the subject, often not


_CLOCK_COLON = re.compile(CLOCK_COLON)
# a space between two words in a timetable or price row (流瑜伽(王老师) 普拉提(陈老师)) ends a cell as a comma
# would; a space before or after a figure (总监 88元) does not
_CELL_GAP = re.compile(r"(?<=[\u4e00-\u9fff）)])[ \t\u3000]+(?=[\u4e00-\u9fff（(])")


def _cells(text: str) -> str:
    """``text`` with a clock's colon hidden and a gap between table cells made a comma (same length)."""
    text = _CLOCK_COLON.sub("·", text)
    return _CELL_GAP.sub(lambda m: "，" * len(m.group()), text)


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text`` around ``start:end`` (between ，,；;：:。 marks; not the colon of 9:00)."""
    text = _cells(text)
    a = max(text.rfind(p, 0, start) for p in "，,；;：:。！？") + 1
    ends = [i for i in (text.find(p, end) for p in "，,；;：:。！？") if i != -1]
    return a, (min(ends) if ends else len(text))


def _list_label(text: str, a: int) -> tuple[int, int] | None:
    """The short label before the colon that opens the list holding the clause starting at ``a`` (None when the
    clause is the list's first item, whose label is its previous clause already, or no label opens it)."""
    text = _CLOCK_COLON.sub("·", text)
    colon = max(text.rfind("：", 0, a), text.rfind(":", 0, a))
    if colon == -1 or colon == a - 1 or any(p in text[colon:a] for p in "。！？"):
        return None
    start = max(text.rfind(p, 0, colon) for p in "，,；;：:。！？") + 1
    # a colon inside brackets (峡谷（德语：）是…) opens no list; a closed aside after it (280元（轿车）) keeps it open
    if _depth(text[start:colon]) > 0 or _depth(text[colon:a], lowest=True) < 0:
        return None
    return (start, colon) if 0 < colon - start <= _LABEL_CHARS else None


def _depth(text: str, lowest: bool = False) -> int:
    """How many round brackets ``text`` leaves open (with ``lowest``: the lowest it goes, below 0 when it closes
    one opened before it)."""
    depth = low = 0
    for ch in text:
        depth += (ch in "（(") - (ch in "）)")
        low = min(low, depth)
    return low if lowest else depth


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
    # ... and every item of the list the colon opens (电费：慢充桩1.2元/度，快充桩1.5元/度: 电费 heads both)
    head = _list_label(text, a)
    if head is None:
        head = (a, a)
    elif not text[a - 1].isspace():
        # the clause before is a sibling item of the list, not this item's subject — unless only a space parts
        # them: then it is this item's own label (班主任：第一期 周老师，第二期、第三期 何老师)
        prev_a = prev_b = a
    total = sum(weights.values())
    got = 0.0
    for term, w in weights.items():
        # the term itself, else a synonym (休息 for 店休) at the synonym's strength
        variant = next((v for v in (term, *synonyms_of(term)) if _contains(v, text)), None)
        if variant is None:
            if not (positions := term_positions(term, text)):
                continue
        else:
            w *= 1.0 if variant == term else _SYNONYM_MATCH
            positions = _positions(variant, text)
        if any(a <= p < b or shared[0] <= p < shared[1] or head[0] <= p < head[1] for p in positions):
            got += w
        elif any(prev_a <= p < prev_b for p in positions):
            got += w if labelled else _PREVIOUS_CLAUSE * w
    return got / total if total else 0.0


# Distance from the span to the nearest matched term, in characters: at _PROXIMITY_HALF the proximity is one
# half; a term after the span counts _AFTER_PENALTY characters further (投入4590万元 vs 4590万元投入).
_PROXIMITY_HALF = 12.0
_AFTER_PENALTY = 4
_NO_ANCHOR = 0.3  # no matched term in the sentence to measure from: as if a clause or two away


def _proximity(cand: Candidate, start: int, end: int, question: Question) -> float:
    """1 when the span sits right next to a matched key term or place, falling off with distance."""
    anchors = [*cand.matched, *(_stem(p) for p in question.places)]
    best = None
    for term in anchors:
        at = [m.start() for m in re.finditer(re.escape(term), cand.text)] or per_positions(term, cand.text)
        for m_start in at:
            m_end = m_start + len(term)
            # a term after the number is weaker evidence than one before it (投入4590万元, 提高到99%)
            d = start - m_end if m_end <= start else (m_start - end + _AFTER_PENALTY if m_start >= end else 0)
            best = d if best is None else min(best, d)
    if best is None:
        return _NO_ANCHOR
    return 1.0 / (1.0 + max(best, 0) / _PROXIMITY_HALF)


# A span's score: its sentence's score times a blend of the question's words in its own clause (local), its
# distance to them (proximity) and how well its kind fits the question (agreement); the floor keeps a span in a
# well-matched sentence above one in a poor sentence. A conflicting qualifier, place or period cuts it hard.
_SPAN_FLOOR = 0.35
_LOCAL_SHARE = 0.35
_PROXIMITY_SHARE = 0.15
_AGREE_SHARE = 0.35
_AGREE_CAP = 1.3  # agreement may pass 1 (a whole noun and its unit, 贫困村231个) to rank, never more
_CONFLICT = 0.3
_TYPED = 0.5  # from this agreement a span is of the asked kind (a typed answer, not a sentence)


def _span_choice(question, cand, start, end, agree, weights, display=None) -> SpanChoice:
    local = _local_coverage(cand, start, end, weights, question.noun)
    if cand.byline:
        local = max(local, cand.content_coverage)
    prox = _proximity(cand, start, end, question)
    conflict = (
        _local_place_conflict(question, cand.text, start)
        or _qualifier_conflict(question, cand.text, start, end)
        or _period_conflict(question, cand.text, start, end)
        or _ordinal_conflict(question, cand)
        or _extreme_conflict(question, cand.text, start, end)
        or _interval_conflict(question, cand.text, start, end)
    )
    score = cand.score * (
        _SPAN_FLOOR + _LOCAL_SHARE * local + _PROXIMITY_SHARE * prox + _AGREE_SHARE * min(agree, _AGREE_CAP)
    )
    score *= _CONFLICT if conflict else 1.0
    score *= _UNASKED_SURCHARGE if _unasked_surcharge(question, cand.text, start, end) else 1.0
    choice = SpanChoice(cand, start, end, score, agree >= _TYPED, display or cand.text[start:end])
    choice.local = local
    choice.agree = min(agree, 1.0)
    choice.conflict = conflict
    return choice


# a surcharge (每小时加收10元) when the question asks the price itself (一个小时多少钱): the base price beside it
# (基础保洁45元/小时) is the answer; halved, not ruled out, since a surcharge may be all the documents state
_UNASKED_SURCHARGE = 0.5
_SURCHARGES = resource_groups("zh/surcharges.txt")


def _unasked_surcharge(question: Question, text: str, start: int, end: int) -> bool:
    """A figure stated as an extra charge (加收, 另付; rag/resources/zh/surcharges.txt) in its clause, for a
    money question that asks for no extra."""
    if question.qtype != "number" or question.unit_kind != "money":
        return False
    if any(w in question.text for w in _SURCHARGES["asked"]):
        return False
    a, b = _clause_bounds(text, start, end)
    return any(w in text[a:b] for w in _SURCHARGES["stated"])


_RATE_PERIODS = RATE_PERIODS  # read once, by rag.question


def _periods(text: str) -> set[str]:
    return {period for period, words in _RATE_PERIODS.items() if any(w in text for w in words)}


# header words of the column that holds each kind of answer (rag/resources/zh/column_kinds.txt)
_COLUMN_KINDS = resource_groups("zh/column_kinds.txt")


def names_column(question: str, qtype: str | None = None):
    """Whether the question names a table column in other words than the column's own: a synonym (礼拜三 for
    周三), a word of the question whose synonym the name holds (礼拜六 for 周末及节假日价: a weekend price holds on
    Saturday), the same rate period (坐一天 for 日卡, 包一个月 for 月卡), or, given the question's type, a header
    word of that kind of answer (什么时候 for 供应时间, 在哪里 for 练车地点)."""
    kind_words = _COLUMN_KINDS.get(qtype or "", ())
    asked = _periods(question)
    # the synonyms of the question's own words of two or more characters (a lone character matches too widely)
    said = {s for w, group in _SYNONYMS.items() if len(w) > 1 and w in question for s in group if len(s) > 1}

    def names(name: str) -> bool:
        return (
            any(s in question for s in _SYNONYMS.get(name, ()))
            or any(s in name for s in said)
            or bool(asked and _periods(name) & asked)
            or any(w in name for w in kind_words)
        )

    return names


def _period_conflict(question: Question, text: str, start: int, end: int) -> bool:
    """A rate asked per one period and the figure's clause states it per another only (兼职一个月能拿多少 and
    时薪18元; 一天租金多少 and 月租2000元)."""
    if question.qtype != "number":
        return False
    asked = _periods(question.text)
    if len(asked) != 1:
        return False
    a, b = _clause_bounds(text, start, end)
    stated = _periods(text[a : min(len(text), b + 2)])  # and the unit right after the figure (200元/天)
    if not stated and (label := _label_of(text, a)):
        stated = _periods(text[label[0] : label[1]])  # the list's label names the period (季卡：开放区1299元，…)
    return bool(stated) and not stated & asked


def _label_of(text: str, a: int) -> tuple[int, int] | None:
    """The label of the list item whose clause starts at ``a``: the clause just before the colon that opens the
    list (季卡：开放区1299元 for its first item) or the list's label (…，独立隔间1799元 after it)."""
    label = _list_label(text, a)
    if label is None and a > 1 and _CLOCK_COLON.sub("·", text)[a - 1] in "：:":
        start = max(text.rfind(p, 0, a - 1) for p in "，,；;：:。！？") + 1
        label = (start, a - 1) if 0 < a - 1 - start <= _LABEL_CHARS else None
    return label


def _qualifier_conflict(question: Question, text: str, start: int, end: int) -> bool:
    """The span's clause names another measure of the question's own kind (6寸蛋糕售价128元 when the question
    asks about the 8寸 cake)."""
    if not question.qualifiers:
        return False
    a, b = _clause_bounds(text, start, end)
    clause = text[a:b]
    found = [q for q in find_quantities(clause) if not (a + q.start < end and a + q.end > start)]
    for want in question.qualifiers:
        same = [q for q in found if same_unit(q.unit, want.unit)]
        if same and not any(_within(want.value, q, clause) for q in same):
            return True
    return False


_BOUNDS = resource_groups("zh/bounds.txt")
_BOUND_CHARS = 3  # the longest bound word (不低于, 及以上) has three characters


def _bound_side(before: str, after: str, bounds: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """``lower`` or ``upper`` when a bound word ends ``before`` (the text up to the measure's number) or starts
    ``after`` (the text after it), the longest word deciding (不超过 bounds from above though 超过 bounds from
    below); None for neither. ``bounds``: the words of a measure (rag/resources/zh/bounds.txt, the default) or of
    a time (time_bounds.txt: 3月31日前, 14:00以后, 截至6月30日)."""
    bounds = _BOUNDS if bounds is None else bounds
    found = [(len(w), "lower") for w in bounds["lower_before"] if before.endswith(w)]
    found += [(len(w), "upper") for w in bounds["upper_before"] if before.endswith(w)]
    found += [(len(w), "lower") for w in bounds["lower_after"] if after.startswith(w)]
    found += [(len(w), "upper") for w in bounds["upper_after"] if after.startswith(w)]
    return max(found)[1] if found else None


def _measure_side(clause: str, measure) -> str | None:
    """The side a measure of ``clause`` is bounded on (lower: 满10年, 70岁以上; upper: 不满20年), or None."""
    number = re.search(r"[\d０-９.]+|[零〇一二两三四五六七八九十百千万]+", measure.text)
    at = measure.start + (number.start() if number else 0)
    unit_end = measure.end
    if measure.unit and (u := measure.text.rfind(measure.unit)) != -1:
        unit_end = measure.start + u + len(measure.unit)
    before = clause[max(0, at - _BOUND_CHARS) : at]
    after = re.sub(r"^\d+", "", clause[unit_end : measure.end + _BOUND_CHARS])  # past a height's decimals (1米2以下)
    return _bound_side(before, after)


def _within(value: float | None, measure, clause: str) -> bool:
    """``value`` is the measure's value, within the range it spans (85 within 80至89周岁), or within the bound
    it states (72 within 70岁以上, 8 within 10公斤以下, 65 within 超过60岁, not 15 within 不满14周岁)."""
    if value is None or measure.value is None:
        return value == measure.value
    if measure.high is not None and measure.high > measure.value:
        return measure.value <= value <= measure.high  # 85 within 80至89周岁
    side = _measure_side(clause, measure)
    if side == "lower":
        return value >= measure.value
    if side == "upper":
        return value <= measure.value
    return value == measure.value


_TIME_BOUNDS = resource_groups("zh/time_bounds.txt")


def asked_side(question: str) -> str | None:
    """``lower`` for a question after the earliest or least (最早几点, 至少几个), ``upper`` for the latest or most
    (最晚哪天, 最多带几个); None for neither or both (rag/resources/zh/time_bounds.txt)."""
    lower = any(w in question for w in _TIME_BOUNDS["lower_asked"])
    upper = any(w in question for w in _TIME_BOUNDS["upper_asked"])
    return "lower" if lower and not upper else "upper" if upper and not lower else None


def _bound_words(bounds: dict[str, tuple[str, ...]], where: str) -> tuple[str, ...]:
    """The bound words of both sides that stand ``where`` ("before" or "after") a measure or time."""
    return (*bounds.get(f"lower_{where}", ()), *bounds.get(f"upper_{where}", ()))


_INTERVAL_WORDS = tuple(resource_lines("zh/interval_words.txt"))


def _interval_conflict(question: Question, text: str, start: int, end: int) -> bool:
    """How long one time takes is asked (单采血小板一次要多长时间) and the figure's clause states the gap between
    two times (间隔不少于2周): it says how often, not how long. A question about the gap (要隔多久才能再献, 多久一次)
    is answered by it."""
    if question.unit_kind != "duration" or asks_frequency(question.text) or "隔" in question.text:
        return False
    return states_interval(text, start, end)


def states_interval(text: str, start: int, end: int) -> bool:
    """The clause of ``text[start:end]`` states a gap between two occurrences (两次献血的间隔不少于6个月)."""
    a, b = _clause_bounds(text, start, end)
    return any(w in text[a:b] for w in _INTERVAL_WORDS)


def _extreme_conflict(question: Question, text: str, start: int, end: int) -> bool:
    """The question asks one side of a bound (最晚哪天交) and the span is bounded on the other (1月5日起, where
    the text also says 3月31日前): it answers when something opens, not the deadline asked for."""
    if question.qtype not in ("date", "number"):
        return False
    side = asked_side(question.text)
    if side is None:
        return False
    span = text[start:end]
    before, after = text[max(0, start - _BOUND_CHARS) : start], text[end : end + _BOUND_CHARS]
    bounds = _TIME_BOUNDS if find_times(span) or find_dates(span) else _BOUNDS
    # a bound word the span holds itself (五十元以上 of 五十元以上二百元以下, 超过3个月) bounds it as well
    head = max((w for w in _bound_words(bounds, "before") if span.startswith(w)), key=len, default="")
    tail = max((w for w in _bound_words(bounds, "after") if span.endswith(w)), key=len, default="")
    if len(head) + len(tail) >= len(span):
        head = tail = ""  # the span is a bound word only
    stated = _bound_side(before + head, tail + after, bounds)
    return stated is not None and stated != side


# 第三天, 第2期, 第十届: an ordinal and what it counts
_ORDINAL = re.compile(r"第([零〇一二两三四五六七八九十百\d]+)([天日次期届轮场集章节条款])")


def _series_members(text: str) -> list[tuple[float, str]]:
    """Members of a numbered series named by a noun and a lone numeral after it (科目二, 方案3, 套餐一), as
    ``(number, noun)``: the numeral counts nothing (no noun or measure word follows it: 学生一人 is a count)."""
    words = posseg(text)
    out = []
    for i in range(len(words) - 1):
        (noun, flag), (numeral, tag) = words[i], words[i + 1]
        after = words[i + 2][1] if i + 2 < len(words) else "x"
        if (
            flag == "n"
            and len(noun) >= 2
            and tag == "m"
            and re.fullmatch(r"[一二三四五六七八九十]|\d{1,2}", numeral)
            and not after.startswith(("n", "q", "m"))
        ):
            out.append((float(numeral) if numeral.isdigit() else cn_to_number(numeral), noun))
    return out


def _ordinal_conflict(question: Question, cand: Candidate) -> bool:
    """The question names 第三天 and the sentence, its paragraph or the heading line before it names another
    day and not that one (住宿：桂林漓苑大酒店 under 第一天, asked for the third day's hotel); the same for a member
    of a numbered series (科目一 asked, 补考费每科次100元（科目二、科目三） found)."""
    wanted = [(cn_to_number(n) if not n.isdigit() else float(n), u) for n, u in _ORDINAL.findall(question.text)]
    wanted += _series_members(question.text)
    if not wanted:
        return False
    scope = f"{cand.previous_paragraph}\n{cand.paragraph}{cand.text}"
    named = [(cn_to_number(n) if not n.isdigit() else float(n), u) for n, u in _ORDINAL.findall(scope)]
    named += _series_members(scope)
    for value, unit in wanted:
        others = [v for v, u in named if u == unit]
        if others and value not in others:
            return True
    return False


_PLACE_BEFORE_CHARS = 8  # a place name right before a figure (蓝田县11个): a county or district name's length


def _local_place_conflict(question: Question, text: str, start: int) -> bool:
    """Another place of the same kind right before the span (蓝田县11个 when the question asks about 丹凤县)."""
    a, _ = _clause_bounds(text, start, start)
    before = text[max(a, start - _PLACE_BEFORE_CHARS) : start]
    for place in question.places:
        if _stem(place) not in before and _same_kind_places(before, place, question.text):
            return True
    return False


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


_MARKERS = resource_groups("zh/cause_markers.txt")
_CAUSE = re.compile("|".join(map(re.escape, _MARKERS["cause"])))
_PURPOSE = re.compile("|".join(map(re.escape, _MARKERS["purpose"])))
_RESULT = re.compile("|".join(map(re.escape, _MARKERS["result"])))


def _asked_nouns(suffix: str) -> tuple[str, ...]:
    """The noun a 哪家/哪所 question names and the words for the same thing (酒店: 宾馆, 客栈…), longest first."""
    return tuple(sorted({suffix, *_SYNONYMS.get(suffix, ())}, key=len, reverse=True))
