"""Question analysis: expected answer type, unit or counted noun, key terms and named places."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .spans import UNITS, unit_kind
from .textutil import STOPWORDS, cut, nfkc

# Suffixes of place and organisation names, longest first.
PLACE_SUFFIXES = ("街道", "社区", "区", "县", "市", "镇", "乡", "村", "省")
ORG_SUFFIXES = ("公司", "医院", "学校", "小学", "中学", "集团", "协会", "基地", "合作社", "局", "办", "委")
# Words ending in a place suffix that name no particular place.
_GENERIC_STEMS = frozenset(
    "全 该 本 各 每 我 你 他 两 三 四 几 多 贫困 行政 城 辖 整 社 园 库 山 地 片 景 小 新 老 城区 农 乡 "
    "重点 深度贫困 帮扶 建制 县 市 区 村 镇 省 示范 试点 农村 城市 管 街 本村 本区 本县".split()
)

_MONEY_WORDS = re.compile(r"钱|资金|经费|款|金额|投入|投资|拨付|捐赠|捐助|筹资|筹集|补贴|补助|收入|产值|总额|资助|贷款|费用|分红")
_PERCENT_WORDS = re.compile(r"率|满意度|比例|占比|百分之|百分比|增长|增幅")
_LENGTH_WORDS = re.compile(r"多长|多远|长度|里程|全长")
_AREA_WORDS = re.compile(r"面积|多大")
_AGE_WORDS = re.compile(r"多大年纪|年龄|几岁|多少岁")

_NUMBER_Q = re.compile(r"多少|几(?!乎)|多大|多长|多远|多久|多高|多重|百分之几|how many|how much|what percentage|how long|how far|how old", re.I)
_PERSON_Q = re.compile(r"谁|叫什么|什么名字|哪位|何人|\bwho\b|whose|what is the name", re.I)
_DATE_Q = re.compile(r"什么时候|何时|哪一?年|哪一?天|几月|几号|哪个月|什么时间|\bwhen\b|what year|which year|what date", re.I)
_LIST_Q = re.compile(r"哪些|哪几|有什么|有哪|包括什么|包括哪|which .*\b(are|were)\b|what are|list", re.I)
_PLACE_Q = re.compile(
    r"哪个|哪家|哪所|哪座|哪里|哪儿|在哪|什么地方|哪一个|\bwhere\b|\bwhich\b", re.I
)
_REASON_Q = re.compile(r"为什么|为何|怎样|如何|怎么|什么方式|什么办法|什么措施|\bwhy\b|\bhow\b", re.I)

# The measure word or noun right after 多少/几: 多少个村, 几支队伍, 多少户, 多少资金.
_ASKED = re.compile(r"(?:多少|几)(?P<unit>" + "|".join(
    sorted({u for us in UNITS.values() for u in us}, key=len, reverse=True)
) + r")?(?P<noun>[\u4e00-\u9fff]{0,4})")


@dataclass
class Question:
    """What a question asks for."""

    text: str
    qtype: str  # number | person | date | list | place | reason | fact
    unit: str | None = None  # measure word asked for, e.g. 个, 户, 万元
    unit_kind: str | None = None  # money, count, percent, length, area, ...
    noun: str | None = None  # counted noun, e.g. 村 in 多少个村
    asked_suffix: str | None = None  # 村 in 哪个村
    terms: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    language: str = "zh"

    def explain(self) -> dict:
        return {
            "type": self.qtype,
            "unit": self.unit,
            "unit_kind": self.unit_kind,
            "noun": self.noun,
            "asked_suffix": self.asked_suffix,
            "terms": self.terms,
            "places": self.places,
            "language": self.language,
        }


def detect_type(q: str) -> str:
    if _DATE_Q.search(q):
        return "date"
    if _NUMBER_Q.search(q) and not re.search(r"多少(?:项目|措施|活动)?(?:有|是)?哪些", q):
        return "number"
    if _PERSON_Q.search(q):
        return "person"
    if _LIST_Q.search(q):
        return "list"
    if _PLACE_Q.search(q):
        return "place"
    if _REASON_Q.search(q):
        return "reason"
    return "fact"


def place_mentions(text: str, known: str | None = None) -> list[str]:
    """Place names in ``text`` (``碑林区``, ``花耳坪村``): a stem of 2–4 characters and a place suffix.

    With ``known`` (a corpus text), the shortest stem whose name occurs in it is chosen; otherwise the
    jieba word that ends with the suffix.
    """
    found: list[str] = []
    for m in re.finditer("|".join(PLACE_SUFFIXES), text):
        p, suffix = m.start(), m.group()
        if p < 2:
            continue
        best = None
        if known is not None:
            for length in (2, 3, 4):
                if p - length < 0:
                    break
                stem = text[p - length : p]
                if not re.fullmatch(r"[\u4e00-\u9fff]+", stem):
                    break
                if stem + suffix in known and stem not in _GENERIC_STEMS:
                    best = stem + suffix
                    break
        if best is None:
            for word in cut(text[max(0, p - 5) : p + len(suffix)]):
                if word.endswith(suffix) and len(word) > len(suffix) and text[max(0, p - 5) : p + len(suffix)].endswith(word):
                    stem = word[: -len(suffix)]
                    if len(stem) >= 2 and stem not in _GENERIC_STEMS and not re.search(r"[多少几哪那这个]", stem):
                        best = word
        if best and best not in found and not any(best in f for f in found):
            found.append(best)
    return found


def analyse(question: str, corpus_text: str | None = None) -> Question:
    """Analyse a Chinese question (an English one is first mapped by :mod:`rag.english`)."""
    q = nfkc(question).strip().rstrip("?？。.!！ ")
    qtype = detect_type(q)
    unit = noun = asked_suffix = kind = None
    if qtype == "number":
        m = _ASKED.search(q)
        if m:
            unit = m.group("unit") or None
            noun = m.group("noun") or None
            if unit and unit_kind(unit) == "count" and unit in ("个", "名", "位", "支", "家", "所", "座", "条", "项"):
                noun = noun or None
        kind = unit_kind(unit)
        if unit in ("村", "镇"):
            noun, unit, kind = unit, None, "count"
        if kind is None:
            if _AGE_WORDS.search(q):
                kind = "age"
            elif _PERCENT_WORDS.search(q) and not _MONEY_WORDS.search(q):
                kind = "percent"
            elif _MONEY_WORDS.search(q) or (noun and _MONEY_WORDS.search(noun)):
                kind = "money"
            elif _LENGTH_WORDS.search(q):
                kind = "length"
            elif _AREA_WORDS.search(q) and "亩" in q:
                kind = "area"
            elif noun:
                kind = "count"
        if noun:
            noun = re.split(r"[的了呢吗啊是有在]", noun)[0] or None
    elif qtype in ("place", "list"):
        m = re.search(r"(?:哪个|哪些|哪几个|哪家|哪所|哪座|哪一个|什么)(?P<suffix>[\u4e00-\u9fff]{1,3})", q)
        if m:
            tail = m.group("suffix")
            for suffix in (*PLACE_SUFFIXES, *ORG_SUFFIXES, "单位", "企业", "部门", "医院", "学校"):
                if tail.startswith(suffix) or tail.endswith(suffix):
                    asked_suffix = suffix
                    break
    terms = [w for w in cut(q) if w not in STOPWORDS and not re.fullmatch(r"[多少几哪谁]+.*", w)]
    places = place_mentions(q, corpus_text)
    return Question(
        text=q, qtype=qtype, unit=unit, unit_kind=kind, noun=noun, asked_suffix=asked_suffix,
        terms=terms, places=places,
    )
