"""Typed extractors, one per answer kind (numbers, dates, persons, titles, places, lists, reasons, codes),
the definition and whole-clause fallbacks, and the fitted slot extractor's best span (:func:`_slot_span`).
Each returns :class:`~rag.answering.core.SpanChoice` candidates with their raw evidence.
"""

from __future__ import annotations

import bisect
import re

from ..chunking import Span, split_clauses
from ..normalize import to_matching
from ..question import ORG_SUFFIXES, PLACE_SUFFIXES, ROLE, TITLE_Q, WHY_Q, Question, asks_frequency
from ..spans import (
    UNIT_PATTERN,
    Quantity,
    clock_range,
    equivalent_units,
    find_dates,
    find_enumerations,
    find_quantities,
    find_times,
    same_unit,
)
from ..spans import Span as TextSpan
from ..textutil import STOPWORDS, cut, in_dictionary, posseg, resource_groups, resource_lines, word_bounds
from . import core as _core  # the synonym table read at call time (a test empties it)
from .core import (
    _AGREE_CAP,
    _CAUSE,
    _LABEL_LINE,
    _NUMBERED_START,
    _PURPOSE,
    _RESULT,
    _TYPED,
    Candidate,
    SpanChoice,
    _asked_nouns,
    _clause_bounds,
    _list_lead,
    _local_coverage,
    _span_choice,
    names_column,
)
from .tables import asked_column, distinct_share, labels, row_words, table_row

_GENERIC_CLASSIFIERS = ("个", "名", "位")
# measure words that count how often something is done (rag/resources/zh/verbal_classifiers.txt)
_VERBAL = frozenset(w for line in resource_lines("zh/verbal_classifiers.txt") for w in line.split())
# one-character heads that count on their own (367个村 answers 多少个贫困村): rag/resources/zh/counted_heads.txt
_COUNTED_HEADS = frozenset(resource_lines("zh/counted_heads.txt"))
# How far a counted noun may stand from its number: right after it (11个行政村), across a relative clause ending
# in 的 (8个有10户以上贫困户的重点涉贫村), or before it in the same clause (修建蓄水池14个)
_NOUN_AFTER_CHARS = 8
_NOUN_ACROSS_CLAUSE_CHARS = 20
_NOUN_BEFORE_CHARS = 10
_OWN_NOUN_CHARS = 6  # a noun of the number's own follows within a word or two (厚畛子镇14个村)
# a charge asked as the counted noun (多少滞纳金, 多少违约金), not as 多少钱, is often set as a rate (每日加收0.5%的
# 滞纳金): a percentage answers it as well as an amount of money would (the same agreement as a matching kind)
_RATE_AGREE = 0.5


def _noun_position(noun: str, text: str, start: int, end: int) -> tuple[int, bool] | None:
    """Where the counted noun of the number at ``start:end`` is, and whether a relative clause ending in
    的 sits between them; None when the number does not count the noun.

    The noun follows the number (11个行政村, not 5个 in 5个街道66个行政村), also across a relative clause
    (8个有10户以上贫困户的重点涉贫村), or precedes it in the same clause (修建蓄水池14个).
    """
    a, _ = _clause_bounds(text, start, end)
    before = text[max(a, start - _NOUN_BEFORE_CHARS) : start]
    # the noun must belong to this number, not to an earlier one (14个工作队、40余名驻村干部)
    before = re.split(r"[、]|\d+[^\d\s]?", before)[-1]
    # the whole noun first; its head character (贫困村 → 村) only when the whole is nowhere near
    # ... and a synonym the text writes instead (几个小孩 counted as 2名儿童) before the head character
    forms = [noun, *_core._SYNONYMS.get(noun, ())]
    forms += [noun[-1]] if len(noun) > 1 and noun[-1] in _COUNTED_HEADS else []
    for form in forms:
        after = text[end : end + _NOUN_AFTER_CHARS]
        pos = after.find(form)
        if pos != -1 and not re.search(r"[，,。；;、\d(（]", after[: pos + 1]):
            return end + pos, False
        after = text[end : end + _NOUN_ACROSS_CLAUSE_CHARS]
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
    words = posseg(text[end : end + _OWN_NOUN_CHARS])
    if not words or not re.fullmatch(r"[\u4e00-\u9fff]+", words[0][0]):
        return False
    word, flag = words[0]
    return flag.startswith("n") or word in PLACE_SUFFIXES  # jieba tags a lone 村 as zg


def _table_cells(question: Question, cand: Candidate, quantities: list) -> tuple[tuple[int, int], list] | None:
    """In a table row, the cell of the column the question names (普通员工 → 350) and the other cells holding a
    figure, as offsets into ``cand.text``; None when the sentence is no table row or no column is named."""
    row = table_row(cand.doc.text, cand.span.start)
    if row is None:
        return None
    base = cand.span.start
    cells = [(a - base, b - base) for a, b in row.cells]
    # the columns whose cell in this row holds a figure (of the asked kind, or a bare one)
    among = [
        j
        for j, (a, b) in enumerate(cells)
        if 0 <= a
        and b <= len(cand.text)
        and any(
            a <= q.start and q.end <= b and (not question.unit_kind or q.kind in (None, question.unit_kind))
            for q in quantities
        )
    ]
    col = asked_column(row, question.text, among, names_column(question.text))
    if col is None:
        return None
    words = row_words(cand.doc.text, cand.span.start)
    if not distinct_share(words, labels(cand.doc.text, cand.span.start, words=True), question.text):
        # the column named but not the row, among rows that others name (发动机舱清洗 for 小轿车洗一次, where
        # 普通外观洗车's own 车 is written): each of its figures is only one of another row
        return (0, 0), [cells[j] for j in among]
    return cells[col], [cells[j] for j in among if j != col]


# type agreement of a figure in the column the question names, and of one in another column of the same row
# (the 经理's 450 when 普通员工 is asked): as the asked role's name, and as a figure of another kind
_ASKED_COLUMN_AGREE = 1.0
_OTHER_COLUMN_AGREE = 0.3


# Type agreement of a figure with a number question, summed from what vouches for it (the rest of the agreement
# scale: 1 is a span of exactly the asked kind, 0.5 a typed answer at all, see core._TYPED):
_KIND_AGREE = 0.5  # its kind is the asked kind (money for 多少钱): a typed answer on its own
_UNIT_AGREE = 0.4  # its unit is the asked one (12所 for 几所): with the kind, a full answer
_GENERIC_UNIT_AGREE = 0.2  # ... a generic measure word (个, 名, 位) vouches for less
_OTHER_UNIT = 0.3  # asked 多少所医院, 14个 (村卫生室) is another count: taken off
_ARTICLE = 0.2  # 一套, 一个: usually "a", not a count; taken off after the cap so 两个 beats 一个
_WHOLE_NOUN_AGREE = 0.5  # the asked noun counted by the figure, in full (贫困村231个)
_HEAD_NOUN_AGREE = 0.35  # ... by its head character only (367个村)
_BARE_COUNT_AGREE = 0.7  # a bare figure right before the asked noun counts it (7.3万贫困人口): a full count
_OTHER_NOUN = 0.5  # 12个村 counts villages, not the 镇 asked about: taken off
_NOUN_ELSEWHERE = 0.3  # the counted noun is not near the figure and the question's words are not either
_ANY_KIND_AGREE = 0.5  # a figure with a kind, when the question names no kind or unit (多少 alone)
_BARE_FIGURE = 0.2  # a figure without kind or unit (a code, a step number): taken off
_HALF_THE_WORDS = 0.5  # ... "not either": under half the question's (IDF-weighted) words in the figure's clause
_WRONG_KIND_CAP = 0.3  # 105万元 never answers 多少个贫困村, whatever else vouches for it


# words that state a price of nothing (rag/resources/zh/no_charge.txt), longest first
_NO_CHARGE = re.compile(
    "|".join(sorted(map(re.escape, resource_groups("zh/no_charge.txt")["words"]), key=len, reverse=True))
)


# how often: a period after 每 or 每隔 (每月, 每3个月, 每隔两周)
_EVERY = re.compile(r"每(?:隔)?(?:[\d一二两三四五六七八九十半]+个?)?(?:月|周|星期|天|日|年|季度|小时)")
_EVERY_BEFORE = re.compile(r"每隔?$")


def _number_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = []
    frequency = asks_frequency(question.text)
    quantities = find_quantities(cand.text)
    if question.unit_kind == "money" and (row := table_row(cand.doc.text, cand.span.start)) is not None:
        # 免费 in place of a figure, filling a price list's cell: a price of nothing, a sum of the asked kind (in
        # prose it is mostly a condition beside the price asked: 前30分钟免费 … 每天最高40元)
        cells = {(a - cand.span.start, b - cand.span.start) for a, b in row.cells}
        free = [
            Quantity(m.start(), m.end(), m.group(), 0.0, None, "money")
            for m in _NO_CHARGE.finditer(cand.text)
            if m.span() in cells
        ]
        quantities = sorted([*quantities, *free], key=lambda q: q.start)
    table = _table_cells(question, cand, quantities)
    owner: dict[int, int] = {}  # noun position -> the number that counts it across a relative clause
    noun_at = {}
    for q in quantities:
        found = _noun_position(question.noun, cand.text, q.start, q.end) if question.noun else None
        noun_at[q.start] = found[0] if found else None
        if found and found[1]:
            owner.setdefault(found[0], q.start)
    asked = {to_matching(t) for t in question.terms}
    # the amounts the question states, by value and kind (5块钱 is the text's 5元), but not a guess it asks to confirm
    # (多少个村？11个吗)
    stated = {
        (q.value, q.kind) for q in find_quantities(question.text) if q.kind and not _GUESS.match(question.text, q.end)
    }
    for q in quantities:
        if to_matching(q.text) in asked or (q.kind and (q.value, q.kind) in stated):
            continue  # the amount the question itself names (满1000元送多少: 1000元) is what it asks about
        agree = 0.0
        kind = q.kind
        if question.unit_kind == "ordinal":
            continue
        # a charge asked by its noun (多少滞纳金) or a sum asked without 钱 (工资还发多少, 房租每年涨多少) may be set
        # as a share (按基本工资的百分之八十); 多少钱 asks an amount of money
        rate = (
            question.unit is None
            and question.unit_kind == "money"
            and kind == "percent"
            and (bool(question.noun) or "钱" not in question.text)
        )
        if question.unit_kind and q.kind == question.unit_kind:
            agree += _KIND_AGREE
        elif rate:
            agree += _RATE_AGREE
        if question.unit and same_unit(q.unit, question.unit):
            agree += _UNIT_AGREE if question.unit not in _GENERIC_CLASSIFIERS else _GENERIC_UNIT_AGREE
        elif question.unit and question.unit not in _GENERIC_CLASSIFIERS and q.kind == question.unit_kind:
            agree -= _OTHER_UNIT
        article = _ARTICLE if q.value == 1 and not q.text[0].isdigit() else 0.0
        if question.noun:
            pos = noun_at[q.start]
            if pos is not None and owner.get(pos, q.start) < q.start:
                pos = None  # inside an earlier number's modifier: 10户以上 in 8个有10户以上贫困户的重点涉贫村
            if pos is not None and q.unit in _VERBAL and question.unit is None:
                # 多少柠檬酸 asks an amount of a thing; in 用柠檬酸除垢一次, 一次 counts the descaling, not the
                # 柠檬酸 before it (几节课 asked with its own measure word may be counted so: 补课2次)
                pos = None
            if pos is not None:
                # the whole noun (贫困村231个) vouches more than its head character (367个村)
                agree += _WHOLE_NOUN_AGREE if cand.text.startswith(question.noun, pos) else _HEAD_NOUN_AGREE
                if kind is None and q.unit is None and pos == q.end and question.unit_kind == "count":
                    kind = "count"  # 7.3万贫困人口: a bare figure right before the asked noun counts it
                    agree += _BARE_COUNT_AGREE
            elif (
                question.unit_kind == "count"
                and question.noun in PLACE_SUFFIXES
                and _own_noun_follows(cand.text, q.end)
            ):
                agree -= _OTHER_NOUN
            elif question.unit_kind == "count":
                # the counted noun is elsewhere: only the question's own words right before the number
                # (申请立项10个 for 申请立项了多少个项目) can vouch for it
                if _local_coverage(cand, q.start, q.end, weights, question.noun) < _HALF_THE_WORDS:
                    agree -= _NOUN_ELSEWHERE
        if question.unit_kind is None and question.unit is None and kind is not None:
            agree += _ANY_KIND_AGREE
        if kind is None and q.unit is None:
            agree -= _BARE_FIGURE
        if question.unit_kind and kind != question.unit_kind and not (question.kind_implied and kind) and not rate:
            agree = min(agree, _WRONG_KIND_CAP)
        agree = min(agree, _AGREE_CAP) - article
        if (
            frequency
            and kind == "duration"
            and not _EVERY_BEFORE.search(cand.text[max(0, q.start - 2) : q.start])
            and not _core.states_interval(cand.text, q.start, q.end)
        ):
            agree = min(agree, _WRONG_KIND_CAP)  # 静置30分钟 says how long, not how often (间隔不少于6个月 does)
        if table is not None:
            (a, b), others = table
            if a <= q.start and q.end <= b:
                agree = max(agree, _ASKED_COLUMN_AGREE)
            elif any(x <= q.start and q.end <= y for x, y in others):
                agree = min(agree, _OTHER_COLUMN_AGREE)
        out.append(_span_choice(question, cand, q.start, q.end, agree, weights, q.text))
    if frequency:
        # 每月用柠檬酸除垢一次: the period after 每 is how often, with or without a count (每3个月)
        for m in _EVERY.finditer(cand.text):
            out.append(_span_choice(question, cand, m.start(), m.end(), 1.0, weights))
    if question.unit_kind == "ordinal":
        for m in re.finditer(r"第[一二三四五六七八九十百\d]+[名位个次届批期]?", cand.text):
            end = m.end()
            if question.unit and cand.text.startswith(question.unit, end):
                end += len(question.unit)  # 第几天 asked: 第5天, the asked measure with its number
            out.append(_span_choice(question, cand, m.start(), end, 1.0, weights))
    return out


# what follows an amount the asker guesses and asks to confirm (11个吗, 12个对吧)
_GUESS = re.compile(r"\s*(?:吗|嘛|么|吧|对吗|对吧|对不对|是吗|是不是|没错吧)")
_PUBLISHED = re.compile(r"发布|发表|刊发|刊登|出版|published|posted", re.I)
_NOT_DATELINE_AGREE = 0.3  # a date inside the story when the publication date is asked: another date's agreement
_LEADING_CHARS = 2  # a date within the sentence's first characters is a time adverbial (2019年6月,…)


_RANGE_WORDS = resource_groups("zh/range_ends.txt")
_RANGE_MARK = re.compile(r"\s*(?:起|开始)?\s*(?:至|到|—|－|~|～|-|–)\s*")
_BOTH_ENDS_Q = re.compile(r"(几点|哪天|几号|什么时候|哪一?年|几月)(?:至|到|—|-)(几点|哪天|几号|什么时候|哪一?年|几月)")
# type agreement of the other end of a range than the one asked (自3月1日起至次年2月28日止: 到哪天为止 asks the 28th)
_OTHER_END_AGREE = 0.5
# the hours of each part of the day (rag/resources/zh/dayparts.txt), in minutes after midnight
_DAYPARTS = {
    part: (int(start) * 60, int(end) * 60)
    for part, start, end in (line.split("\t") for line in resource_lines("zh/dayparts.txt"))
}
_DAYPART_Q = re.compile("|".join(sorted(_DAYPARTS, key=len, reverse=True)))
# type agreement of a clock time outside every part of the day the question names (早上6:30 for 晚上几点到家): as
# far from what is asked as the other end of a range
_OTHER_DAYPART_AGREE = _OTHER_END_AGREE


def _outside_dayparts(question: str, span_text: str) -> bool:
    """The question names parts of the day (晚上, 上午) and the clock time ``span_text`` falls in none of them."""
    parts = [_DAYPARTS[m.group()] for m in _DAYPART_Q.finditer(question)]
    clock = clock_range(span_text) if parts else None
    if clock is None:
        return False
    lo, hi = clock
    return not any(lo <= end and hi >= start for start, end in parts)


def _asked_end(question: str) -> str | None:
    """``end`` when the question asks where a period or opening hours end (几点关门), ``start`` for the start."""
    if _BOTH_ENDS_Q.search(question):
        return None  # 几点到几点: the whole range is asked
    ends = [w for w in _RANGE_WORDS["end"] if w in question]
    starts = [w for w in _RANGE_WORDS["start"] if w in question]
    if any(
        any(n in question[question.find(a) + len(a) :] for n in _RANGE_WORDS["negation"])
        for a in _RANGE_WORDS["after"]
        if a in question
    ):
        ends.append("after…not")  # 几点以后就不让进了: after which time it no longer holds
    return "end" if ends and not starts else "start" if starts and not ends else None


def _marked_side(text: str, end: int, start: int | None = None) -> str | None:
    """``end`` when a word that ends a period follows the time at ``end`` at once (16:00停止入馆, 22:00截止) or
    stands right before it at ``start`` (末班17:30), ``start`` for a word that starts one (8:00开门, 首班6:40);
    None otherwise."""
    after = text[end : end + _MARK_CHARS].lstrip()
    before = text[max(0, start - _MARK_CHARS) : start].rstrip(" ：:") if start is not None else ""
    for side in ("end", "start"):
        if any(after.startswith(w) or (before and before.endswith(w)) for w in _RANGE_WORDS[side]):
            return side
    return None


_MARK_CHARS = 4  # a space and the longest word of range_ends.txt's end/start lists that a text writes
# a time the text marks as the side asked (21:00停止点单) answers it better than a whole range that holds it too
# (晚市 17:00—21:30 for 最晚几点还能点菜): its agreement raised by a fifth, within _AGREE_CAP
_MARKED_SIDE_AGREE = 1.2


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
    agree = _NOT_DATELINE_AGREE if _PUBLISHED.search(question.text) and not cand.byline else 1.0
    # 几点 asks a clock time; 什么时候 may be answered by a date or by a time of day
    times = find_times(cand.text)
    found = times if question.unit_kind == "time" else _with_times_joined(cand.text, find_dates(cand.text), times)
    day_asked = _DAY_Q.search(question.text) is not None
    asked_end = _asked_end(question.text)
    spans = _range_ends(cand.text, found) if asked_end else [(d.start, d.end, None) for d in found]
    members: set[tuple[int, int]] = set()
    several = _SEVERAL_DAYS_Q.search(question.text) is not None
    # dates listed together (每月15日、30日) answer together even where one day is asked: the text gives two
    joined = _joined_dates(cand.text, spans, _DATE_JOINER if several else _LIST_JOINER)
    if len(joined) > len(spans):
        members = {(a, b) for a, b, _ in spans for x, y, _ in joined[len(spans) :] if x <= a and b <= y}
        spans = joined
    for start, end, side in spans:
        fits = agree if (start, end) not in members else min(agree, _ONE_OF_SEVERAL_AGREE)
        if day_asked and not _DAY_PART.search(cand.text[start:end]):
            fits = min(agree, _COARSER_DATE_AGREE)  # 哪天 asked, 2026年度 found: a year answers no day
        if _outside_dayparts(question.text, cand.text[start:end]):
            fits = min(fits, _OTHER_DAYPART_AGREE)  # 晚上几点到家 is not answered by 早上6:30
        if side is not None and side != asked_end:
            fits = min(fits, _OTHER_END_AGREE)
        elif asked_end and _marked_side(cand.text, end, start) == asked_end:
            fits *= _MARKED_SIDE_AGREE
        choice = _span_choice(question, cand, start, end, fits, weights)
        if start <= _LEADING_CHARS:  # a leading time adverbial dates the whole sentence
            choice.local = max(choice.local, cand.coverage)
        out.append(choice)
    return out


def _with_times_joined(text: str, dates: list[TextSpan], times: list[TextSpan]) -> list[TextSpan]:
    """Dates and times in text order; a date with the time of day right after it is one moment, one span
    (每月第二个星期六上午9点, 3月5日14:00)."""
    out: list[TextSpan] = []
    is_time = {(t.start, t.end) for t in times}
    for d in sorted([*dates, *times], key=lambda d: d.start):
        prev = out[-1] if out else None
        if (
            prev is not None
            and (d.start, d.end) in is_time
            and (prev.start, prev.end) not in is_time
            and not text[prev.end : d.start].strip()
        ):
            out[-1] = TextSpan(prev.start, d.end, text[prev.start : d.end])
            continue
        out.append(d)
    return out


# 哪几天, 哪些日子: several days are asked, and dates joined by 和/、/及 (15日和30日) answer together
_SEVERAL_DAYS_Q = re.compile(r"哪几[天日号]|哪些(?:天|日子)")
# type agreement of one date of a run when several are asked (15日 of 15日和30日)
_ONE_OF_SEVERAL_AGREE = 0.6
_BARE_DAY_AFTER = re.compile(r"\s*(?:和|与|及|以及|、)\s*\d{1,2}[日号](?!\d)")
_DATE_JOINER = re.compile(r"\s*(?:和|与|及|以及|、|，|,)\s*")
# dates of one list (15日、30日, 10:00和14:30), not of two clauses (3月1日开幕，3月15日闭幕)
_LIST_JOINER = re.compile(r"\s*(?:和|与|及|以及|、)\s*")


def _joined_dates(text: str, spans: list, joiner: re.Pattern = _DATE_JOINER) -> list:
    """``spans`` with each run of dates joined by ``joiner`` (每月15日和30日) as one more span."""
    out = list(spans)
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and joiner.fullmatch(text[spans[j][1] : spans[j + 1][0]]):
            j += 1
        end = spans[j][1]
        # a day written bare after the first (15日和30日: 30日 alone is no date the finder knows)
        while m := _BARE_DAY_AFTER.match(text, end):
            end = m.end()
        if j > i or end > spans[j][1]:
            out.append((spans[i][0], end, None))
        i = j + 1
    return out


# a question asking for a day (哪天, 几号, 星期几) and the parts of a date that name one (31日, 15号, 周六, 3/31)
_DAY_Q = re.compile(r"哪[一几]?天|几[日号]|什么日子|星期几|周几|礼拜几")
_DAY_PART = re.compile(r"[日号]|周[一二三四五六日天末]|星期|礼拜|\d{1,2}[/.-]\d{1,2}")
# type agreement of a date coarser than the day asked (a year, a month): still a date (typed), but weaker
_COARSER_DATE_AGREE = 0.5


_SURNAMES = frozenset("".join(resource_lines("zh/surnames.txt")))
_NOT_NAME = frozenset("说 等 一行 看来 同志 在 是 的 和 与 及 介绍 表示 指出 告诉 兴奋 高兴 坦言 笑 称".split())


# A Chinese personal name is a surname and a given name: 2–3 characters (four-character compound surnames and
# transliterations are read whole by dotted_names)
_NAME_MIN = 2
_NAME_MAX = 3
_TITLE_TO_NAME_CHARS = 7  # room after a title for 分别为 or a colon and spaces before the name
_NAME_WINDOW = 6  # what the tagger reads to find the name: the name and a word after it
_QUALIFIER_CHARS = 12  # the role's qualifier (星河科技 of 星河科技的董事长) stands within a short phrase before it
_ORG_WORD_CHARS = 3  # 公司, 学校, 委员会: the generic organisation word right before a role


# Type agreement of a name found without the asked role next to it (any person in the sentence may be meant)
_NAME_WITHOUT_ROLE = 0.6
_SURNAME_TITLE = re.compile(
    rf"(?<![\u4e00-\u9fff])[{''.join(sorted(_SURNAMES))}](?:{'|'.join(map(re.escape, resource_lines('zh/roles.txt')))})"
    rf"(?![\u4e00-\u9fff])"
)


def full_name(addressed: str, docs: list) -> tuple[object, int, int] | None:
    """The one person the documents name in full whom ``addressed`` (a surname and a title: 陈老师, 许医生) calls
    by surname: ``(document, start, end)`` of the name's first mention (陈思齐 in 陈思齐：普拉提); None unless
    exactly one full name with that surname is written in ``docs``."""
    if not _SURNAME_TITLE.fullmatch(addressed):
        return None
    surname, found = addressed[0], {}
    for doc in docs:
        for line in re.finditer(rf"[^\n]*{re.escape(surname)}[^\n]*", doc.text):
            pos = line.start()
            for word, flag in posseg(line.group()):
                if (
                    flag.startswith("nr")
                    and _NAME_MIN <= len(word) <= _NAME_MAX
                    and word[0] == surname
                    and not _SURNAME_TITLE.fullmatch(word)
                ):
                    found.setdefault(word, (doc, pos, pos + len(word)))
                pos += len(word)
    return next(iter(found.values())) if len(found) == 1 else None


def person_after(text: str, pos: int) -> tuple[int, int] | None:
    """A personal name starting at ``pos`` (after a title such as 书记): 2–3 characters, jieba-checked.

    After 分别为/分别是 the title names several people (双方代表分别为周恩来与金日成): the names joined by
    与/和/及/、 are one answer."""
    if aside := _ASIDE.match(text, pos):
        pos = aside.end()  # 出租方（甲方）：赵建国: a bracketed aside between the title and its colon
    raw = text[pos : pos + _TITLE_TO_NAME_CHARS]
    lead = len(raw) - len(raw.lstrip(" :："))
    if several := _SEVERAL.match(raw, lead):
        first = person_after(text, pos + several.end())
        if first is None:
            return None
        end = first[1]
        while (joiner := _NAME_JOINER.match(text, end)) and (more := person_after(text, joiner.end())):
            end = more[1]
        return first[0], end
    copula = raw[lead : lead + 1] in ("为", "是")
    if copula:
        lead += 1  # 主任为沈立华, 组长是刘芳: a copula between the title and the name
    offset = pos + lead
    if dotted := next((b for a, b in dotted_names(text) if a == offset), None):
        return offset, dotted  # 父亲皮埃尔·特鲁多: a transliterated name after the title, whole
    window = text[offset : offset + _NAME_WINDOW]
    label = re.match(rf"([\u4e00-\u9fff]{{{_NAME_MIN},{_NAME_MAX}}})[:：]", window)
    if label and label.group(1)[0] in _SURNAMES:
        return offset, offset + len(label.group(1))  # a speaker label (王春来:) is exactly the name
    words = posseg(window)
    if not words:
        return None
    first, flag = words[0]
    if flag.startswith("nr") and _NAME_MIN <= len(first) <= _NAME_MAX:
        whole = labelled_value_end(text, offset)  # 管家：何晓蔓　电话…: tagged 何晓 + 蔓, the label's value is the name
        if first[0] in _SURNAMES and offset + len(first) < whole <= offset + _NAME_MAX:
            return offset, whole
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
        plain = re.fullmatch(r"[\u4e00-\u9fff]+", name) is not None
        if _NAME_MIN <= len(name) <= _NAME_MAX and name[1:] not in _NOT_NAME and plain:
            return offset, offset + len(name)
    return None


def _surname_read_as_word(text: str, start: int, word: str, prev, nxt, end: int) -> bool:
    """A one-character surname the tagger read as another word (何 as a pronoun), right before a two-character
    given name it tags as a name, where a name may begin: after punctuation (组长：何美玲), a role or a verb."""
    if len(word) != 1 or word not in _SURNAMES or not nxt or not nxt[1].startswith("nr"):
        return False
    if len(nxt[0]) != _NAME_MAX - 1:
        return False
    if not text.startswith(nxt[0], end):
        return False
    if start == 0 or not re.match(r"[\u4e00-\u9fff]", text[start - 1]):
        return True
    return prev is not None and (ROLE.search(prev[0]) is not None or prev[1].startswith("v"))


# a short bracketed aside right after a title, before its colon (出租方（甲方）：, 联系人(值班)：)
_ASIDE = re.compile(r"[（(][^（()）]{1,6}[）)](?=[ :：])")
# a title naming several people (代表分别为), and what joins their names
_SEVERAL = re.compile(r"分别(?:为|是)")
_NAME_JOINER = re.compile(r"与|和|及|、")


_ROLE_HEAD = 2  # the head of a compound role is its last word (店老板 → 老板, 总经理 → 经理): two characters
# words roles.txt ends in that are no role after 哪个 (哪个人 asks anyone)
_QUESTION_ROLES_NOT = frozenset({"人"})


def _role_of(question: Question) -> tuple[str | None, str | None]:
    """The title asked about (``党委书记``) and the word that qualifies it (``张南联村``)."""
    m = re.match(r"(?P<who>.+?)(?:是谁|叫什么名字|叫什么|是哪位|姓什么|是什么人)", question.text)
    if not m:
        # 书法是哪个老师教, 找哪位医生: the role after 哪个/哪位, qualified by the word before it
        w = re.search(r"哪(?:个|位|一位|一个|名)", question.text)
        after = cut(question.text[w.end() :]) if w else []
        if not after or not ROLE.search(after[0]) or after[0] in _QUESTION_ROLES_NOT:
            return None, None
        # the qualifier is a thing named before (书法, 普拉提), not a verb (有事该找哪个老师)
        before = [x for x, flag in posseg(question.text[: w.start()]) if flag[:1] in "nj" and x not in STOPWORDS]
        return after[0], before[-1] if before else None
    # only the clause that holds the role (献血屋归谁管？负责人是哪位: 管 of the question before qualifies nothing)
    who = re.split(r"[？?，,。！!；;]", m.group("who"))[-1]
    words = [w for w in cut(who) if w not in STOPWORDS]
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
        # the role, or a word for the same role where the text writes none of it (老板 for 店长; 店老板 for 店长
        # by its head 老板)
        heads = (role, role[-_ROLE_HEAD:]) if len(role) > _ROLE_HEAD else (role,)
        others = [s for head in heads for s in _core._SYNONYMS.get(head, ()) if s in text]
        forms = [role] if role in text else others[:1] or [role]
        for m in re.finditer("|".join(map(re.escape, forms)), text):
            if m.start() > 0 and text[m.start() - 1] == "副" and not role.startswith("副"):
                continue  # 副主任 is not 主任
            # a byline (记者:王安) is qualified by its article, not by words around it
            agree = 1.0
            # a qualifier the document never writes (带队 of 这趟带队的领队) tells no one apart: the role alone
            named = qualifier is not None and qualifier in cand.doc.text
            if named and not cand.byline and qualifier not in text[max(0, m.start() - _QUALIFIER_CHARS) : m.start()]:
                # an organisation is often named once and then called 公司/学校 (公司董事长李建国 for
                # 星河科技的董事长): the role still fits, less surely; another village's 书记 or another
                # man's 妻子 is another person
                # (中国皮划艇队共计40人，…，领队刘刚: a team named earlier in the same sentence qualifies it too)
                before = text[max(0, m.start() - _ORG_WORD_CHARS) : m.start()]
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
            if len(nxt[0]) <= _NAME_MAX - 1 and text.startswith(nxt[0], pos):
                pos += len(nxt[0])
                word = text[start:pos]
                skip_next = True
        elif (
            flag.startswith("nr")
            and word[:1] in _SURNAMES
            and nxt
            and pos + len(nxt[0]) == labelled_value_end(text, start)
            and len(word) + len(nxt[0]) <= _NAME_MAX
            and text.startswith(nxt[0], pos)
        ):
            # 管家：何晓蔓　电话… is tagged 何晓 (a name) + 蔓; 负责人：卜建军，… 卜 + 建军: a label's value written
            # by itself, opening with a name, is the whole name
            pos += len(nxt[0])
            word, flag = text[start:pos], "nr"
            skip_next = True
        elif _surname_read_as_word(text, start, word, words[i - 1] if i else None, nxt, pos):
            # 组长：何美玲 is tagged 何 (a pronoun) + 美玲 (a name): the surname belongs to the name
            pos += len(nxt[0])
            word, flag = text[start:pos], "nr"
            skip_next = True
        if flag == "nr" and _NAME_MIN <= len(word) <= _NAME_MAX and word not in question.text and not ROLE.search(word):
            # (a title the tagger reads as a name, 美容师 of 宠物美容师邵一帆, is no person)
            out.append(_span_choice(question, cand, start, pos, _NAME_WITHOUT_ROLE, weights))
    return out


def labelled_value_end(text: str, start: int) -> int:
    """Where the value of a label (负责人：卜建军，…) that begins at ``start`` ends: the end of its run of Chinese
    characters when a colon stands right before ``start`` (spaces aside); -1 when none does."""
    before = text[:start].rstrip(" \u3000")
    if not before.endswith(("：", ":")):
        return -1
    end = start
    while end < len(text) and "\u4e00" <= text[end] <= "\u9fff":
        end += 1
    return end


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


# a noun phrase naming a place or an organisation before its head (汉滨区晏坝镇九年制学校): at most this long
_NAMED_PHRASE_CHARS = 12
# a title before or after a name (党委书记 王某, 王某，镇长): 2 characters (院长) up to a long official title
_TITLE_MAX = 30
_FACILITY_CHARS = 24  # what is read after a place for the facility it names (_FACILITY_WORDS words at most)
# the whole-enumeration fallback (a list not of the asked kind of item): a list, but not the asked list
_ANY_LIST_AGREE = 0.7
# a whole sentence as the answer (a method, a fact) ranks just below a span of the asked kind in the same sentence
_SENTENCE_ANSWER = 0.9


def _named_before(text: str, end: int, limit: int = _NAMED_PHRASE_CHARS) -> int:
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
        if 2 <= len(title) <= _TITLE_MAX and ROLE.search(title):
            out.append(_span_choice(question, cand, a, hit.start(), 1.0, weights))
        after = re.match(rf"[,，:：]\s*([^，,。；;（(]{{2,{_TITLE_MAX}}})", text[hit.end() :])
        if after and ROLE.search(after.group(1)):
            start = hit.end() + after.start(1)
            out.append(_span_choice(question, cand, start, start + len(after.group(1)), 1.0, weights))
    return out


_WHERE_VERB = re.compile(r"在(?:哪里|哪儿|什么地方|何处|哪)(?P<verb>[\u4e00-\u9fff]{2})")


def _is_time(text: str) -> bool:
    """Whether ``text`` (what 在 governs) is a time: it holds a date or a clock time, or ends in a word of time
    (在春季化雪的时候, 在此期间)."""
    return bool(find_dates(text) or find_times(text)) or text.endswith(_TIME_HEADS)


# words that make the phrase they end a time (rag/resources/zh/time_heads.txt)
_TIME_HEADS = tuple(resource_lines("zh/time_heads.txt"))


def _place_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    suffix = question.asked_suffix
    out = []
    text = cand.text
    where = _WHERE_VERB.search(question.text)
    if where:
        # 在哪里设立了…: the place is what 在 governs before the same verb (在雁塔区小寨繁华地段设立…)
        verb = re.escape(where.group("verb"))
        # ... or what 于/在 governs after it (化石发现于加州费雷斯诺县)
        for m in [
            *re.finditer(r"在([^，,。；;、“”]{2,20}?)" + verb, text),
            *re.finditer(verb + r"(?:于|在)([^，,。；;、“”（(的]{2,20})", text),
        ]:
            if _is_time(m.group(1)):
                continue  # 他在1937年发现: 在 governs a time here, not a place
            if m.group(1) not in question.text:
                out.append(_span_choice(question, cand, m.start(1), m.end(1), 1.0, weights))
        if out:
            return out
    if not suffix and (_LOCATIVE_Q.search(question.text) or any(w in question.text for w in _ADDRESS_LABELS)):
        # 在哪儿 over a notice: the place its label names (地址：青禾路18号社区服务中心二楼), whole
        for m in _LABELLED_PLACE.finditer(text):
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
        # the asked noun or a word for the same thing (哪家酒店: 阳朔青山客栈); a compound the text never writes
        # (哪个地铁站 over 地铁5号线和睦站) by its head noun when that names a facility (站)
        nouns = _asked_nouns(suffix)
        if not any(n in text for n in nouns) and len(suffix) > 1 and suffix.endswith(_FACILITY_HEADS):
            nouns = tuple(h for h in _FACILITY_HEADS if suffix.endswith(h))[:1]
        for m in re.finditer("|".join(map(re.escape, nouns)), text):
            if len(m.group()) > 1 and in_dictionary(text[m.end() - 1 : m.end() + 1]):
                # the noun's last character starts the next word (佛光大学校长: 校长), no name ends here; one
                # character (县 of 蓝田县城) is too short to tell
                continue
            # the name before the noun, whatever the tagger makes of the noun itself (站 read as a verb)
            start = min(_named_before(text, m.end()), _named_before(text, m.start()))
            if m.end() - start > len(m.group()) and text[start : m.end()] not in question.text:
                out.append(_span_choice(question, cand, start, m.end(), 1.0, weights))
        if out or _NAME_Q.search(question.text):
            return out  # 机场叫什么 asks for a name ending in 机场, not for any place
    # 位于哪里 asked: a place the sentence does not locate with such a verb is a weaker answer
    fits = _UNLOCATED_PLACE_AGREE if _LOCATIVE_VERB_Q.search(question.text) else 1.0
    for start, end in place_runs(text):
        end = _facility_end(text, _address_end(text, end))
        if text[start:end] not in question.text:
            out.append(_span_choice(question, cand, start, end, fits, weights))
    if not out:
        # no named place: the spot a motion or locative verb leads to (到1号楼一层管理处缴费, 在三楼服务台办理)
        for m in _GOAL_VERB.finditer(text):
            end = _facility_end(text, m.end())
            if end > m.end() and text[m.end() : end] not in question.text:
                out.append(_span_choice(question, cand, m.end(), end, 1.0, weights))
    return out


# the labels a notice writes before a place (rag/resources/zh/address_labels.txt) and the place after its colon
_ADDRESS_LABELS = tuple(
    sorted((w for line in resource_lines("zh/address_labels.txt") for w in line.split()), key=len, reverse=True)
)
_LABELLED_PLACE = re.compile(rf"(?:{'|'.join(map(re.escape, _ADDRESS_LABELS))})\s*[：:]\s*([^，,。；;\n（(]{{2,40}})")

# verbs whose object is a place to go to or be at (到/去/前往/至 a counter, 在 a room)
_GOAL_VERB = re.compile(r"到|去|前往|至|在")


# nouns that end a facility's name (rag/resources/zh/facility_heads.txt); how many words a place may run on by
_FACILITY_HEADS = tuple(sorted(resource_lines("zh/facility_heads.txt"), key=len, reverse=True))
_FACILITY_WORDS = 5


def _facility_end(text: str, end: int) -> int:
    """Where a place name that ends at ``end`` ends once it runs on to the facility it names: over nouns,
    numbers and directions (客运站, 南, 广场; 国际会展中心, 3, 号馆; 充电, 棚) up to the last word ending in a
    facility noun (城东 → 城东客运站南广场); ``end`` when none follows."""
    best = end
    pos = end
    for word, flag in posseg(text[end : end + _FACILITY_CHARS])[:_FACILITY_WORDS]:
        if not (flag[:1] in "nmfq" or (flag in ("v", "vn") and len(word) == 2)) or flag == "nr":
            break
        pos += len(word)
        if word.endswith(_FACILITY_HEADS) and flag[:1] != "v":
            best = pos
    return best


# the street part of a Chinese address after its city and district: a road, street or lane and its number
# (临江市滨湖区 + 柳岸路72号, 南屏市 + 文昌路66号); the road's name is at most this many characters before 路/街
_ROAD_CHARS = 6
_ROAD = r"(?:大道|大街|路|街|巷|弄|胡同)(?:[东西南北中]段)?"
_HOUSE_NUMBER = r"(?:\d+|[一二三四五六七八九十百零〇]+)号(?!码)"
_ROAD_AND_NUMBER = re.compile(rf"[\u4e00-\u9fff]{{1,{_ROAD_CHARS}}}?{_ROAD}{_HOUSE_NUMBER}")
_NUMBER_AFTER_ROAD = re.compile(_HOUSE_NUMBER)
_ENDS_IN_ROAD = re.compile(rf"{_ROAD}$")


def _address_end(text: str, end: int) -> int:
    """Where an address whose places end at ``end`` ends once it runs on to its road and number (临江市城南区 →
    临江市城南区柳岸路72号; 和平街 already read as a place name → 和平街108号); ``end`` when none follow."""
    m = _ROAD_AND_NUMBER.match(text, end)
    if m is None and _ENDS_IN_ROAD.search(text, 0, end):
        m = _NUMBER_AFTER_ROAD.match(text, end)
    return m.end() if m else end


_NAME_Q = re.compile(r"叫(?:做)?什么")
# where something is (位于哪里, 在哪, 什么地方) and the locative verbs that state it (位于, 坐落于, 地处)
# the locative verbs of a question (位于哪里, 坐落在哪) and the type agreement of a place found without one, in a
# sentence that does not say where the asked thing lies (as a name found without the asked role)
_LOCATIVE_VERB_Q = re.compile(r"位于|坐落|座落|地处")
_UNLOCATED_PLACE_AGREE = _NAME_WITHOUT_ROLE
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
        runs.append(_whole_words(text, words[i][0], words[j - 1][1]))
        i = j
    return runs


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``/``end`` moved out to the nearest word boundaries of jieba's precise mode, so that a place never
    starts or ends inside a word (the tagger reads 经开区 as the preposition 经 + 开区; the words are 经开区)."""
    bounds = word_bounds(text)
    i = bisect.bisect_right(bounds, start) - 1
    j = bisect.bisect_left(bounds, end)
    return bounds[i], bounds[min(j, len(bounds) - 1)]


def _list_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    out = [
        _span_choice(question, cand, e.start, e.end, 1.0, weights)
        for e in find_enumerations(cand.text, question.asked_suffix)
    ]
    if not out:
        out = [
            _span_choice(question, cand, e.start, e.end, _ANY_LIST_AGREE, weights) for e in find_enumerations(cand.text)
        ]
    return out


# a purpose (帮助…, 以便…) answers a why question less surely than a cause does
_PURPOSE_AGREE = 0.6


def _reason_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    """Clauses that state a cause (由于…, 因病致贫), the text before a result word (…；因此，…) or, more
    weakly, a purpose (帮助…树立…)."""
    out = []
    clauses = split_clauses(cand.text, Span(0, len(cand.text)))
    for i, clause in enumerate(clauses):
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
        purpose = _PURPOSE.search(piece) or leads_a_purpose(piece)
        agree = 1.0 if _CAUSE.search(piece) else _PURPOSE_AGREE if purpose else 0.0
        if agree:
            skip = m.end() if (m := _ITEM_NUMBER.match(piece)) else 0  # a list item's number answers nothing
            end = clause.start + len(piece)
            if i > 0 and _CAUSE.match(piece):
                end = _cause_told_after(cand.text, clauses[i + 1 :], end)
            choice = _span_choice(question, cand, clause.start + skip, end, agree, weights)
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


def _cause_told_after(text: str, later: list[Span], end: int) -> int:
    """Where a cause told after its effect ends: a 因为/由于 clause that is not its sentence's first runs on over
    the clauses after it (不予接收，因为寄养区多只宠物共处，容易交叉感染: both clauses are the cause), up to a
    semicolon or a clause opening with a cause or result word of its own."""
    for clause in later:
        if text[clause.start - 1 : clause.start] in "；;":
            break
        piece = text[clause.start : clause.end].rstrip("，,。；;")
        if not piece or _CAUSE.match(piece) or _RESULT.match(piece):
            break
        end = clause.start + len(piece)
    return end


# a list item's number in figures or Chinese numerals (3．, (2), 四、)
_ITEM_NUMBER = re.compile(r"\s*[(（]?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）.．、]")
# jieba POS flags of what may follow a purpose's 为: a verb, adjective or adverb (为保护…, 为方便…, 为进一步…)
_PURPOSE_HEADS = ("v", "a", "d")


def leads_a_purpose(clause: str) -> bool:
    """A clause opening with the preposition 为 and a verb states a purpose (目的复句: 为保护琴键，请勿…;
    为照顾…的客人，本店…), as 为了 does; 为 before a noun (为人民服务) or inside a word (为期, 为此) does not."""
    if m := _ITEM_NUMBER.match(clause):
        clause = clause[m.end() :].lstrip()  # 3．为保护琴键, 四、为保护鱼苗: a list item's number is not part of it
    words = posseg(clause[:_PURPOSE_LOOK])
    if len(words) < 2 or words[0] != ("为", "p"):
        return False
    if words[1][1].startswith(_PURPOSE_HEADS):
        return True
    # 为规范电动自行车管理、减少交通事故: jieba reads 规范 as a noun, but a parallel item opening with a verb shows
    # that 为 leads purposes
    return any((lead := posseg(item[:_PURPOSE_LOOK])) and lead[0][1] == "v" for item in clause.split("、")[1:])


_PURPOSE_LOOK = 12  # characters enough for 为 and the word after it

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
    choice = SpanChoice(cand, 0, len(text), cand.score * _SENTENCE_ANSWER, True, text)
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


_POLARITY = resource_groups("zh/yes_no.txt")


def _yes_no_spans(question: Question, cand: Candidate, weights) -> list[SpanChoice]:
    """The sentence that says whether, as the answer to a yes/no question (能带狗进去吗, 要不要预约).

    A rule is often a condition and its consequence in two clauses (同一家庭两名孩子同时报名，第二名孩子学费享受
    九折优惠; 家长可在候课区等候，请勿进入琴房旁听): only the whole sentence says whether, so it is the answer,
    without an item's number. A sentence holding a modal or polarity word of rag/resources/zh/yes_no.txt (不得,
    免费, 须, 可以) states a rule and agrees fully; any other statement of fact (周三下午14:30提前放学) answers too,
    as a typed span of the lowest agreement.
    """
    m = _NUMBERED_START.match(cand.text)  # an item's number (1．展厅内可以拍照) is no part of what it says
    start = m.end() if m else 0
    start += len(cand.text[start:]) - len(cand.text[start:].lstrip())
    piece = cand.text[start:].rstrip("，,。；;：: ")
    if not piece:
        return []
    agree = 1.0 if any(w in piece for w in _POLARITY["stated"]) else _TYPED
    return [_span_choice(question, cand, start, start + len(piece), agree, weights)]


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
    "yesno": _yes_no_spans,
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
    from ..extract import FEATURE_NAMES, extract
    from ..extract.scorer import load_scorer

    sentences = top[:SLOT_SENTENCES]
    if not sentences:
        return None
    scorer = load_scorer()
    found = extract(question.text, [c.text for c in sentences], scorer=scorer)
    if aligned:
        anchors = [FEATURE_NAMES.index(n) for n in ("la_exact", "la_near", "ra_exact", "ra_near")]
        found = [c for c in found if any(c.features[i] > 0 for i in anchors)]
    if question.qtype != "number":
        # a heading's number (四、 of 四、报名方式) or a list label alone names nothing asked
        found = [c for c in found if not _LABEL_LINE.fullmatch(c.text.strip())]
    if question.qtype == "number":
        # a count or amount is written with a numeral, and with the unit the question asks in (多少岁 → …岁)
        units = equivalent_units(question.unit) if question.unit else ()
        found = [c for c in found if _NUMERAL.search(c.text) and (not units or any(u in c.text for u in units))]
        if question.unit_kind and not question.unit and not question.kind_implied:
            # 多少钱 asks money: a slot holding only a model number (HY-260T) or a page count does not answer
            found = [c for c in found if any(x.kind == question.unit_kind for x in find_quantities(c.text))]
    if not found or found[0].probability < scorer.threshold:
        return None
    slot = found[0]
    cand = sentences[slot.sentence]
    # judged like a typed span whose type agreement is the slot's probability
    choice = _span_choice(question, cand, slot.start, slot.end, slot.probability, weights, slot.text)
    return choice, slot.probability
