"""Question analysis: expected answer type, unit or counted noun, key terms and named places."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .spans import (
    UNITS,
    Quantity,
    clock_range,
    cn_to_number,
    find_quantities,
    find_times,
    kind_before,
)
from .textutil import STOPWORDS, cut, nfkc, resource_groups, resource_lines

# Suffixes of place and organisation names, longest first.
PLACE_SUFFIXES = ("街道", "社区", "区", "县", "市", "镇", "乡", "村", "省")
ORG_SUFFIXES = ("公司", "医院", "学校", "小学", "中学", "集团", "协会", "基地", "合作社", "局", "办", "委")
# Words ending in a place suffix that name no particular place.
_GENERIC_STEMS = frozenset(
    "全 该 本 各 每 我 你 他 两 三 四 几 多 贫困 行政 城 辖 整 社 园 库 山 地 片 景 小 新 老 城区 农 乡 "
    "重点 深度贫困 帮扶 建制 县 市 区 村 镇 省 示范 试点 农村 城市 管 街 本村 本区 本县 外 邻 此".split()
)


def _load_kind_words() -> tuple[tuple[str, re.Pattern], ...]:
    from .textutil import resource_lines

    out = []  # in file order: the first line that matches decides, and a kind may have several lines
    for line in resource_lines("zh/quantity_words.txt"):
        kind, _, words = line.partition("\t")
        out.append((kind.strip(), re.compile("|".join(re.escape(w) for w in words.split()))))
    return tuple(out)


# Words that tell the kind of quantity asked when no measure word does (rag/resources/zh/quantity_words.txt).
_KIND_WORDS = _load_kind_words()
_MONEY_WORDS = dict(_KIND_WORDS)["money"]


@lru_cache(maxsize=1)
def _money_suffixes() -> dict[str, tuple[str, ...]]:
    from .textutil import resource_groups

    return resource_groups("zh/money_suffixes.txt")


def _names_a_sum(question: str) -> bool:
    """A word of ``question`` ends in a suffix of money (人工费, 工本费: rag/resources/zh/money_suffixes.txt)."""
    groups = _money_suffixes()
    masked = question
    for word in groups["except"]:
        masked = masked.replace(word, "　" * len(word))
    return any(re.search(rf"[\u4e00-\u9fff]{re.escape(s)}", masked) for s in groups["suffix"])


def implied_kind(question: str, noun: str | None = None) -> str | None:
    """The kind of quantity ``question`` asks by its words (收入 → money, 面积 → area), or None."""
    for kind, words in _KIND_WORDS:
        if kind == "percent" and (_MONEY_WORDS.search(question) or _names_a_sum(question)):
            continue  # 收入增长了多少: an amount
        if words.search(question) or (kind == "money" and noun and words.search(noun)):
            return kind
        if kind == "money" and _names_a_sum(question):
            return kind
    return None


_NUMBER_Q_EN = re.compile(r"how many|how much|what percentage|how long|how far|how old", re.I)


@lru_cache(maxsize=1)
def _number_words() -> tuple[re.Pattern, tuple[str, ...]]:
    """Chinese words asking a number: the ``number`` class of rag/resources/zh/question_words.txt (多少, 几,
    多宽, 多快…; 几 not after 哪, which asks which ones), and the words that only look like one (几乎)."""
    from .extract.slots import question_words

    excluded, classes = question_words()
    words = sorted((w for w, c in classes.items() if c == "number"), key=len, reverse=True)
    pattern = "|".join(("(?<!哪)" if w.startswith("几") else "") + re.escape(w) for w in words)
    return re.compile(pattern), excluded


# 多久除一次垢, 几天换一次, 一次隔多长时间: how often, answered by a period after 每 (每月, 每3个月), not by how long
# something takes (静置30分钟)
# (not 一次…多久: 这一次最多能开多久的药 asks how long one time covers)
_FREQUENCY_Q = re.compile(r"(?:多久|多长时间|几天|几个月|几周|几个星期|几年|多少天)[^，,。？?]{0,8}?一次")


def asks_frequency(q: str) -> bool:
    """The question asks how often something is done (多久除一次垢)."""
    return _FREQUENCY_Q.search(q) is not None


def asks_number(q: str) -> bool:
    """Whether ``q`` asks a count, an amount or a degree (多少钱, 几个, 有多宽, how many)."""
    pattern, excluded = _number_words()
    for word in excluded:
        q = q.replace(word, "\0" * len(word))
    # 关门那几天: a demonstrative before 几 points at some days, it asks no number (a later 几 may: 那几天每天加开几班)
    q = _DEMONSTRATIVE_JI.sub("\0", q)
    return bool(pattern.search(q) or _NUMBER_Q_EN.search(q))


_PERSON_Q = re.compile(r"谁|叫什么|什么名字|哪位|何人|\bwho\b|whose|what is the name", re.I)
_DATE_Q = re.compile(
    r"什么时候|何时|哪一?年|哪一?天|哪几天|哪些天|哪几号|哪几日|几月|几号|哪个月|什么时间|星期几|周几|礼拜几"
    r"|\bwhen\b|what year|which year|what date|what day",
    re.I,
)
# A time of day (几点开门, 几点到几点): a date question whose answer is a clock time.
TIME_Q = re.compile(r"几点|几时|什么钟点|\bwhat time\b|\bat what hour", re.I)
_LIST_Q = re.compile(r"哪些|哪几|有什么|有哪|包括什么|包括哪|些(?:什么|啥)|which .*\b(are|were)\b|what are|list", re.I)
_PLACE_Q = re.compile(r"哪个|哪家|哪所|哪座|哪里|哪儿|在哪|什么地方|哪一个|\bwhere\b|\bwhich\b", re.I)
# a cause is asked (为什么); how something is done or is (怎样, 如何, 怎么, 什么方式) asks a manner or a description
# ("how"), which the passage states in the question's own slot, not behind a cause word (由于…)
WHY_Q = re.compile(r"为什么|为何|为啥|何故|什么原因|原因是什么|啥原因|\bwhy\b", re.I)
_MANNER_Q = re.compile(r"怎样|如何|怎么|咋|什么方式|什么办法|什么措施|\bhow\b", re.I)
# 什么/哪些 + a noun of property, effect or change (特点, 作用, 变化: rag/resources/zh/description_nouns.txt)
_DESCRIPTION_Q = re.compile(
    r"(?:什么|哪些|何种|怎样的)(?:样的)?(?:"
    + "|".join(" ".join(resource_lines("zh/description_nouns.txt")).split())
    + ")"
)
# 哪个电话, 什么号码, 密码是多少: a string to dial or type is asked (rag/resources/zh/code_nouns.txt), not a count
_CODE_NOUNS = "|".join(sorted(" ".join(resource_lines("zh/code_nouns.txt")).split(), key=len, reverse=True))
_CODE_WHICH = "|".join(" ".join(resource_lines("zh/code_which.txt")).split())
CODE_Q = re.compile(
    rf"(?:哪个|哪一个|什么|啥|哪)(?:{_CODE_NOUNS})|(?:{_CODE_NOUNS})(?:是|为)?(?:多少|什么|啥|几(?!点|时|天|号))"
    rf"|(?:哪个|哪一个)(?:{_CODE_WHICH})",
    re.I,
)

# The measure word or noun right after 多少/几: 多少个村, 几支队伍, 多少户, 多少资金.
_ASKED = re.compile(
    r"(?:多少|几)(?P<unit>"
    + "|".join(sorted({u for us in UNITS.values() for u in us}, key=len, reverse=True))
    + r")?(?P<noun>[\u4e00-\u9fff]{0,4})"
)


@dataclass
class Question:
    """What a question asks for."""

    text: str
    qtype: str  # number | person | date | list | place | reason | how | yesno | fact
    unit: str | None = None  # measure word asked for, e.g. 个, 户, 万元
    unit_kind: str | None = None  # money, count, percent, length, area, ...
    kind_implied: bool = False  # no measure word was asked (多少农产品): the kind is a guess
    noun: str | None = None  # counted noun, e.g. 村 in 多少个村
    asked_suffix: str | None = None  # 村 in 哪个村
    terms: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    language: str = "zh"
    # measures the question itself names (8寸 in 8寸的蛋糕卖多少钱): the answer's clause must not name another
    qualifiers: list[Quantity] = field(default_factory=list)

    def explain(self) -> dict:
        return {
            "type": self.qtype,
            "unit": self.unit,
            "unit_kind": self.unit_kind,
            "noun": self.noun,
            "asked_suffix": self.asked_suffix,
            "terms": self.terms,
            "places": self.places,
            "years": self.years,
            "language": self.language,
        }


# 李雷担任什么职务, 李哲是什么职位, 吕东国是做什么的: the answer is the title next to the name
TITLE_Q = re.compile(
    r"^(?P<who>.+?)(?:现在|目前|当时)?(?:担任|任|是|的)(?:什么|何|哪个|啥)(?:职务|职位|官职|身份|领导)|"
    r"^(?P<who2>.+?)是(?:做|干)什么的"
)


# Kinds of measure that single out one thing among similar ones (8寸 cake, 500毫升 bottle, 18岁 child); counts
# (两个镇) and durations (一个月) are left out: they describe the question's scope, not a thing's size.
QUALIFIER_KINDS = ("length", "weight", "volume", "area", "age", "temperature", "speed")


# the person suffixes of person_heads.txt that end no common noun of a thing after 哪个 (left out: 家 ends 国家,
# 子 房子, 儿 点儿, 手 扳手, 工 手工)
_WHICH_PERSON_HEADS = frozenset("师生员士匠官友者长人")
_WHICH_NOUN = re.compile(r"哪(?:一)?(?:个|名)([\u4e00-\u9fff]{1,4})")


def _asks_which_person(q: str) -> bool:
    """哪个教练, 哪个医生: 哪个 + a noun naming a person (a role of roles.txt or a person suffix) asks a person."""
    from .textutil import cut

    for m in _WHICH_NOUN.finditer(q):
        words = cut(m.group(1))
        noun = words[0] if words else ""
        if len(noun) >= 2 and (ROLE.search(noun) or noun[-1] in _WHICH_PERSON_HEADS):
            return True
    return False


def detect_type(q: str) -> str:
    q = mask_wei_verbs(q)  # 称为什么 asks a name: its 为什么 is no "why"
    if TITLE_Q.search(q):
        return "title"
    if CODE_Q.search(q):
        return "code"
    if WHY_Q.search(q):
        return "reason"  # a why-question asks why, whatever else it holds (乱按几个数, 过了好几年: 几 is "a few")
    if _DATE_Q.search(q) or TIME_Q.search(q):
        return "date"
    if _DESCRIPTION_Q.search(q):
        return "how"  # 花有什么特点: a description, stated in the question's slot, not a list
    if re.search(r"哪[两三四五六七八九十几]+[个家所座位名项种类条]|哪些|有哪几|有什么|包括什么|包括哪", q):
        return "list"
    if re.search(r"第几|排名", q):
        return "number"
    if asks_number(q):
        return "number"
    if _PERSON_Q.search(q) and _thing_named(q) is None:
        return "person"
    if _asks_which_person(q):
        return "person"
    if _LIST_Q.search(q):
        return "list"
    if _PLACE_Q.search(q):
        return "place"
    if _MANNER_Q.search(q):
        return "how"
    if asks_yes_no(q):
        return "yesno"
    return "fact"


_YES_NO = resource_groups("zh/yes_no.txt")
# an A不A / A没A question (能不能, 有没有, 可不可以, 收不收): a verb or modal, its negation, the verb again
A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")


def asks_yes_no(q: str) -> bool:
    """``q`` asks whether (能带狗进去吗, 要不要预约, 是否收费) and asks for nothing else: no question word of
    rag/resources/zh/question_words.txt is in it (收费吗，多少钱 asks the amount)."""
    from .extract.slots import question_words

    excluded, classes = question_words()
    rest = q
    for word in excluded:
        rest = rest.replace(word, " ")
    if any(word in rest for word in classes):
        return False
    return (
        rest.rstrip().endswith(_YES_NO["particle"])
        or any(word in rest for word in _YES_NO["asks"])
        or A_NOT_A.search(rest) is not None
    )


# A title, role or kin word at the end of a word (党委书记, 经理, 妻子): rag/resources/zh/roles.txt
ROLE = re.compile("(" + "|".join(map(re.escape, resource_lines("zh/roles.txt"))) + ")$")


@lru_cache(maxsize=1)
def _person_heads() -> frozenset[str]:
    return frozenset("".join(resource_lines("zh/person_heads.txt")).split())


_NAME_ASKED = re.compile(r"(?P<who>[\u4e00-\u9fff]+?)(?:的名字|的名称)?叫(?:做)?什么(?:名字)?")


@lru_cache(maxsize=1)
def _name_nouns() -> frozenset[str]:
    return frozenset(" ".join(resource_lines("zh/name_nouns.txt")).split())


def _thing_named(q: str) -> tuple[str, str] | None:
    """``(noun, tag)`` when ``X叫什么`` asks the name of a thing (机场 of 达曼新建的机场叫什么, 别称 of
    黄蝉的别称叫什么), None when X names a person (领队, 妻子, 他) or the question asks 谁/哪位."""
    m = _NAME_ASKED.search(q)
    if not m or re.search(r"谁|哪位|何人|\bwho\b|whose", q, re.I):
        return None
    from .textutil import posseg

    words = posseg(m.group("who"))
    if not words:
        return None
    word, flag = words[-1]
    if word[-1] in _person_heads() or ROLE.search(word):
        return None
    return word, flag


def _asked_name_suffix(q: str) -> str | None:
    """The noun a thing's name should end in (机场叫什么 → 机场), unless it is itself a word for a name (别称)."""
    named = _thing_named(q)
    if named is None:
        return None
    word, flag = named
    if len(word) >= 2 and flag in ("n", "nz", "nt", "ns") and word not in _name_nouns():
        return word
    return None


def mask_wei_verbs(text: str) -> str:
    """``text`` with the 为 of a verb like 称为/成为 (rag/resources/zh/wei_verbs.txt) replaced by NUL, same length.

    After such a verb, 为什么 is the verb's 为 and 什么 (当地人把石拱桥称为什么 asks a name, not a reason).
    """
    for verb in _wei_verbs():
        if verb + "什么" in text:
            text = text.replace(verb + "什么", verb[:-1] + "\0什么")
    return text


@lru_cache(maxsize=1)
def _wei_verbs() -> tuple[str, ...]:
    from .textutil import resource_lines

    return tuple(sorted(resource_lines("zh/wei_verbs.txt"), key=len, reverse=True))


# a determiner before a place suffix makes a common noun (外省, 邻县, 本市, 各区, 全县), never the end of a name:
# the word before it is not joined to it (往 + 外省 is no place 往外省)
# words that open with a suffix character but are no suffix + word (市场, 区域): rag/resources/zh/suffix_words.txt
_SUFFIX_WORDS = frozenset(w for line in resource_lines("zh/suffix_words.txt") for w in line.split())
_DETERMINER_STEMS = frozenset("外 邻 本 各 该 全 每 此".split())
_NOT_STEM_FLAGS = ("t", "r", "m", "q", "p", "c", "u", "d", "v", "f", "y", "e", "o", "x")


def place_mentions(text: str) -> list[str]:
    """Place names in ``text`` (``碑林区``, ``花耳坪村``): jieba words ending in a place suffix.

    A word whose stem is a single character is joined with the word before it when that one is short
    and not a function or time word (``高`` + ``陵区`` → ``高陵区``). Generic words (行政村, 全区, 驻村) are
    not places.
    """
    from .textutil import posseg

    words = posseg(text)
    found: list[str] = []
    for i, (word, flag) in enumerate(words):
        suffix = next((s for s in PLACE_SUFFIXES if word.endswith(s)), None)
        if suffix is None and i > 0 and word[0] in "区县市镇乡村" and len(word) > 1 and word not in _SUFFIX_WORDS:
            # 雁塔 + 区委书记: the suffix opens the next word
            suffix, word = word[0], word[0]
        if suffix is None or (word in PLACE_SUFFIXES and i == 0):
            continue
        stem = word[: -len(suffix)]
        if len(stem) < 2 and i > 0:
            prev, prev_flag = words[i - 1]
            limit = 3 if not stem else 2
            # 骆驼 + 村, 马 + 家村; but a two-character word such as 驻村 only after a name (张南 + 联村) or a
            # single character, not after a common noun (干部 + 驻村, 单位 + 驻村)
            if (
                1 <= len(prev) <= limit
                and stem not in _DETERMINER_STEMS
                and not prev_flag.startswith(_NOT_STEM_FLAGS)
                # 老 + 小区, 新 + 社区: an adjective before a common noun (小区: stem 小) names no place
                and not (stem in _GENERIC_STEMS and prev_flag.startswith("a"))
                and (not stem or len(prev) == 1 or prev_flag not in ("n", "vn", "an", "nd"))
                and prev not in STOPWORDS
            ):
                stem = prev + stem
            elif stem and flag in ("nr", "ns") and suffix == "村":
                pass  # 何村: jieba already reads the two characters as a name
            else:
                stem = ""
        short = len(stem) < 2 and not (stem and flag in ("nr", "ns") and suffix == "村")
        if short or stem in _GENERIC_STEMS or re.search(r"[多少几哪那这每个区县市镇乡村省]", stem):
            continue
        name = stem + suffix
        if name not in found:
            found.append(name)
    return found


# Words that only say what kind of answer is wanted; the span's type covers them, they are not key terms
# (rag/resources/zh/type_words.txt).
TYPE_WORDS = frozenset(w for line in resource_lines("zh/type_words.txt") for w in line.split())
# nouns that only say "things" right after a question word (rag/resources/zh/generic_nouns.txt)
GENERIC_NOUNS = frozenset(w for line in resource_lines("zh/generic_nouns.txt") for w in line.split())
_ASKED_BEFORE = re.compile(r"(?:什么|啥|哪些|哪几样)$")


def _asked_noun(rest: str) -> str | None:
    """The counted noun after 多少/几 + measure word: the first noun-like of the next two jieba words."""
    from .textutil import posseg

    for word, flag in posseg(rest)[:2]:
        if word in STOPWORDS or word in TYPE_WORDS:
            break
        if flag in ("ns", "nr", "nt"):
            break  # a proper name after 多少 is an object (出资多少帮扶白河县), not the counted noun
        if flag.startswith(("n", "j", "l")) or flag in ("vn", "an"):
            return word
        if len(word) == 1 and "\u4e00" <= word <= "\u9fff" and not flag.startswith(("v", "d", "p", "u", "y", "r", "c")):
            return word
        if not flag.startswith("v"):
            break
    return None


def _head_noun(rest: str) -> str | None:
    """The common noun after 哪所/哪个/什么 (哪所大学 → 大学): the answer is a name ending in it."""
    from .textutil import posseg

    words = posseg(rest)[:1]
    for word, flag in words:
        if len(word) >= 2 and flag in ("n", "nz", "nt") and word not in TYPE_WORDS and word not in STOPWORDS:
            return word
    return None


def _question_words() -> dict[str, str]:
    """The question words of rag/resources/zh/question_words.txt (为啥, 咋, 啥…): they ask, they are no key terms."""
    from .extract.slots import question_words

    return question_words()[1]


@lru_cache(maxsize=1)
def _phrases() -> frozenset[str]:
    """The words of rag/resources/zh/synonyms.txt that jieba cuts in two (不开门 → 不 + 开门)."""
    return frozenset(w for line in resource_lines("zh/synonyms.txt") for w in line.split() if len(cut(w)) > 1)


def _joined_phrases(words: list[str]) -> list[str]:
    """``words`` with each pair that spells a phrase of the synonym table joined: 不开门 asks about closing, and
    its parts (不, 开门) would match the opening hours."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i] + words[i + 1] in _phrases():
            out.append(words[i] + words[i + 1])
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


_DEMONSTRATIVES = resource_groups("zh/demonstratives.txt")
_DEMONSTRATIVE_JI = re.compile(f"(?<=[{''.join(_DEMONSTRATIVES['head'])}])几")  # 那几天: those days (asks_number)


_ASKER_HEADS = tuple(resource_groups("zh/asker_words.txt")["head"])


def _is_askers(word: str) -> bool:
    """我妈, 我家, 咱们: a first-person pronoun and one character, the asker's own (zh/asker_words.txt)."""
    return len(word) == 2 and word.startswith(_ASKER_HEADS)


def _is_demonstrative(word: str, classifiers: set[str]) -> bool:
    """这套, 那个, 这边, 那天: a demonstrative and a measure word or deictic ending, naming nothing by itself
    (rag/resources/zh/demonstratives.txt)."""
    return (
        len(word) == 2
        and word[0] in _DEMONSTRATIVES["head"]
        and (word[1] in classifiers or word[1] in _DEMONSTRATIVES["ending"])
    )


_MONTH_NUMERALS = {n: i for i, n in enumerate("一 二 三 四 五 六 七 八 九 十 十一 十二".split(), start=1)}
_MONTH = r"(?:十[一二]?|[一二三四五六七八九]|1[0-2]|[1-9])"
# a month or two adjacent months (七月, 12月份, 七八月份, 7、8月): not 几月, not the month of a full date (5月3日)
_MONTH_Q = re.compile(
    rf"(?<![\d一二三四五六七八九十几])({_MONTH})(?:[、和至到]?({_MONTH}))?月份?(?![\d一二三四五六七八九十]*[日号])"
)


def month_number(numeral: str) -> int:
    """7 for 七 or 7, 12 for 十二."""
    return int(numeral) if numeral.isdigit() else _MONTH_NUMERALS[numeral]


def _with_month_terms(q: str, terms: list[str]) -> list[str]:
    """Months the question names as key terms in the form notices write them (七八月份 → 7月, 8月; 十二月份 →
    12月), in place of the pieces jieba cut them into (七八, 月份); the documents' own form (七月) is chosen once
    they are read (answering.repair_terms)."""
    months, spans = [], []
    for m in _MONTH_Q.finditer(q):
        spans.append(m.group())
        months += [f"{month_number(g)}月" for g in m.groups() if g]
    if not months:
        return terms
    kept = [t for t in terms if not any(t in span for span in spans)]
    return kept + [m for m in dict.fromkeys(months) if m not in kept]


# the nouns that name a rate's period (月卡, 年费, 日租; rag/resources/zh/rate_periods.txt), longest first; not the
# counted periods (一个小时, 每天: the documents write them in other forms, 45元/小时)
RATE_PERIODS: dict[str, tuple[str, ...]] = resource_groups("zh/rate_periods.txt")
PERIOD_WORDS = sorted(
    {
        w
        for words in RATE_PERIODS.values()
        for w in words
        if re.fullmatch(r"[\u4e00-\u9fff]{2,}", w) and w[0] not in "一每"
    },
    key=len,
    reverse=True,
)


def _with_period_words(q: str, terms: list[str]) -> list[str]:
    """A rate's period word the question writes whole (月卡, 年卡) is one key term in place of the piece jieba left
    of it (卡 of 月/卡: 月 alone is no key term), so that a document of 季卡 and 次卡 does not cover it."""
    for word in PERIOD_WORDS:
        if word in q and word not in terms and (pieces := [t for t in terms if t in word]):
            at = terms.index(pieces[0])
            terms = [t for t in terms if t not in pieces]
            terms.insert(min(at, len(terms)), word)
    return terms


_HALF = 0.5  # the 半 of 一个半小时
_MINUTES_PER_HOUR = 60
_HALF_HOURS = re.compile(r"(?:(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,2})个)?半个?多?(?:小时|钟头)")


def key_terms(q: str, places: list[str], unit: str | None = None) -> list[str]:
    """Content words of the question: its places, then jieba words that are not stopwords or type words."""
    rest = q
    for p in places:
        rest = rest.replace(p, " ")
    # a time of day is one term (晚上7点, matched to 19:00 and to 18:00—21:00), not jieba's 7 and 点上; so is a
    # duration in digits (40分钟, matched to 30分钟以上 and to 1小时内)
    times = [t.text for t in find_times(rest) if clock_range(t.text) is not None]
    times += [
        x.text for x in find_quantities(rest) if x.kind == "duration" and x.value is not None and x.text[:1].isdigit()
    ]
    # an hour and a half said in words (一个半小时, 半个多小时) is a duration too, as minutes (90分钟, 30分钟)
    for m in _HALF_HOURS.finditer(rest):
        whole = m.group("n")
        hours = (0 if not whole else int(whole) if whole.isdigit() else int(cn_to_number(whole) or 0)) + _HALF
        times.append(f"{int(hours * _MINUTES_PER_HOUR)}分钟")
        rest = rest.replace(m.group(), " ")
    for t in times:
        rest = rest.replace(t, " ")
    classifiers = {u for u in UNITS["count"] if len(u) == 1}
    terms = [*places, *times]
    qwords = _question_words()
    glued = sorted((x for x in qwords if len(x) > 1), key=len, reverse=True)
    for w in _joined_phrases(cut(rest)):
        if len(w) > 2 and w not in qwords and (inside := next((x for x in glued if x in w[1:]), None)):
            w = w.replace(inside, "")  # 加多少: jieba glued a word to the question word after it (加 is the term)
        if len(w) > 1 and w[-1] in "了过着" and w[:-1] not in STOPWORDS:
            w = w[:-1]  # 投了 → 投: the aspect particle is not part of the word
        if len(w) > 1 and w[-1] == "些" and w[:-1] not in STOPWORDS and re.search(re.escape(w) + "(?:什么|啥)", q):
            w = w[:-1]  # 带些什么 → 带: 些 belongs to the question word (some-what: a list), not to the verb
        if w[0] in classifiers and len(w) > 1 and w[1:] not in STOPWORDS and re.search(r"(?:多少|几)$", q[: q.find(w)]):
            w = w[1:]
        if (
            w in STOPWORDS
            or _is_demonstrative(w, classifiers)
            or _is_askers(w)
            or w in TYPE_WORDS
            or (w in GENERIC_NOUNS and _ASKED_BEFORE.search(q[: q.find(w)]))
            or w in qwords
            or (unit and w == unit)
            or re.fullmatch(r"[多少几哪谁]+.*", w)
        ):
            continue
        if w not in terms:
            terms.append(w)
    return terms


def analyse(question: str) -> Question:
    """Analyse a Chinese question (an English one is first mapped by :mod:`rag.english`)."""
    q = nfkc(question).strip().rstrip("?？。.!！ ")
    qtype = detect_type(q)
    unit = noun = asked_suffix = kind = None
    implied = False
    if qtype == "number":
        # 那几天每天加开几班: 这/那 + 几 points at some days (a demonstrative), the later 几 asks
        asked = [_ASKED.match(q, w.start()) for w in re.finditer("多少|几", q)]
        m = next((a for a in asked if q[a.start() - 1 : a.start()] not in _DEMONSTRATIVES["head"]), None)
        m = m or (asked[0] if asked else None)
        if m:
            unit = m.group("unit") or None
            noun = _asked_noun(q[m.end("unit") if unit else m.end() - len(m.group("noun")) :])
        if unit in ("村", "镇", "队", "组", "类", "种"):
            noun, unit = unit, None
        if unit and noun in ("人", "人家"):
            noun = None  # 几口人, 多少户人家: 人 only restates what the measure word counts
        kind = kind_before(q, unit, m.end("unit")) if unit else None  # 几块菜地 counts plots, 几块钱 asks a sum
        if re.search(r"第几|排名", q):
            kind = "ordinal"
        if kind is None:
            kind = implied_kind(q, noun)
            if kind is None and noun:
                kind, implied = "count", True  # 多少农产品: likely a count, but 40余万元 may answer it
    elif qtype in ("place", "list"):
        m = re.search(
            r"(?:哪个|哪些|哪几个|哪[两三四五六七八九十]+个|哪家|哪所|哪座|哪一个|什么)(?P<suffix>[\u4e00-\u9fff]{1,3})",
            q,
        )
        if m:
            tail = m.group("suffix")
            for suffix in (*PLACE_SUFFIXES, *ORG_SUFFIXES, "单位", "企业", "部门", "医院", "学校"):
                if tail.startswith(suffix) or tail.endswith(suffix):
                    asked_suffix = suffix
                    break
            if asked_suffix is None and qtype == "place":
                asked_suffix = _head_noun(q[m.start("suffix") :])
    if qtype == "date" and TIME_Q.search(q):
        kind = "time"
    if qtype == "fact" and (head := _asked_name_suffix(q)):
        # 达曼新建的机场叫什么: a name that ends in the asked noun (法赫德国王国际机场), found like 哪个机场
        qtype, asked_suffix = "place", head
    places = place_mentions(q)
    # 能不能带狗 asks about 能带狗: the negated copy of an A不A question is no key term (不能 would match rules
    # that forbid)
    terms = key_terms(A_NOT_A.sub(r"\1", q), places, unit)
    terms = _with_month_terms(q, terms)
    terms = _with_period_words(q, terms)
    qualifiers = [x for x in find_quantities(q) if x.kind in QUALIFIER_KINDS and x.value is not None]
    for x in qualifiers:
        # 8寸 is one key term, not 8 and 寸: a sentence about the 6寸 cake or 4个 buns does not cover it
        measure = re.sub(r"^[^\d零〇一二两三四五六七八九十百千万亿]+", "", x.text)
        terms = [t for t in terms if t not in measure] + [measure]
    return Question(
        text=q,
        qtype=qtype,
        unit=unit,
        unit_kind=kind,
        kind_implied=implied,
        noun=noun,
        asked_suffix=asked_suffix,
        terms=terms,
        places=places,
        years=re.findall(r"(?<!\d)((?:19|20)\d{2}年)", q),
        qualifiers=qualifiers,
    )
