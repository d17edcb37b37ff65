"""Typed spans inside Chinese text: quantities with units and approximators, dates, names, enumerations."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from .textutil import cut, dictionary_tag, in_dictionary, resource_groups, resource_lines

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_NUM = rf"(?:\d+万\d+千|\d+(?:[.,]\d+)*|[{_CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
_PREFIX = r"(?:将近|接近|大约|不少于|不到|多达|高达|超过|近|约|超|逾|达|共|计)?"


# Measure words and units, by kind (rag/resources/zh/units.txt). Longer forms first in the regex.
UNITS: dict[str, tuple[str, ...]] = resource_groups("zh/units.txt")
_ALL_UNITS = sorted({u for us in UNITS.values() for u in us}, key=len, reverse=True)
# a unit symbol in Latin letters ends at the last letter (5km, not the m of 0.5mil)
_UNIT_RE = "|".join(re.escape(u) + ("(?![A-Za-z])" if u[-1].isascii() and u[-1].isalpha() else "") for u in _ALL_UNITS)
UNIT_PATTERN = _UNIT_RE  # every unit and measure word, longest first (a regex alternation)
# one space may stand between a number, its magnitude and its unit (35 家, 12.8 万人次), as typeset in many texts
_SP = r"[ \u00a0]?"
_QUANTITY = re.compile(
    rf"(?P<prefix>{_PREFIX}(?:[¥￥$] ?)?)(?P<num>{_NUM})(?:余|多)?(?:{_SP}(?P<mag>[万亿千百](?!元)?))?(?:余|多|来)?"
    rf"(?:{_SP}(?P<unit>{_UNIT_RE}))?(?P<suffix>以上|左右|以下|上下|之多|余|以内|之内|内)?"
)
# Dates as a small grammar: a year (four digits, four Chinese digits, or any number after 公元/公元前), a
# century or decade, a month (digits, Chinese numerals, 正/腊), a day (日/号 after a month); a part of the
# period (底, 上旬, 初期…); a range of two of them (8月20日至21日, 1990年至1995年, 3至5月).
_CN_MONTH = r"(?:十[一二]?|[一二三四五六七八九]|正|腊)"
_CN_DAY = r"(?:[二三]?十[一二三四五六七八九]?|[一二三四五六七八九]|初[一二三四五六七八九十])"
_YEAR = r"(?:(?:公元前?|西元前?)\d{1,4} ?|\d{4} ?|[一二〇零三四五六七八九]{4})年(?:代|度)?"
_CENTURY = (
    r"(?:公元前?|西元前?)?(?:\d{1,2}|[一二]?十[一二]?|[一二三四五六七八九])世纪"
    r"(?:[一二三四五六七八九]?十年代|\d0年代)?"
)
_MONTH = rf"(?:\d{{1,2}}|{_CN_MONTH})月(?:份)?"
_DAY = rf"(?:\d{{1,2}}|{_CN_DAY})[日号]"
_PART = r"(?:初期|中期|末期|中叶|上半叶|下半叶|前期|后期|中旬|上旬|下旬|以来|以后|之后|以前|之前|底|初|末)"
# a month in Chinese numerals alone stands after a preposition or outside a word (not 《神圣十月》, 三个月)
_BARE = r"(?:(?<=[于在从至到自每])|(?<![\u4e00-\u9fff\d]))"
_DATE_CORE = (
    rf"(?:(?:{_CENTURY}|{_YEAR})(?:{_MONTH}(?:{_DAY})?)?"
    rf"|(?<![\d个几两〇零一二三四五六七八九十]){_MONTH}{_DAY}|(?<![\d个几两])\d{{1,2}}月|{_BARE}{_CN_MONTH}月)"
)
_RANGE = r"(?:至|到|—|－|~|～|-)"
_DATE = re.compile(
    rf"{_DATE_CORE}{_PART}?(?:{_RANGE}(?:{_DATE_CORE}|{_DAY}){_PART}?)?"
    rf"|(?<![\d.])(?:\d{{1,2}}|{_CN_MONTH}){_RANGE}{_MONTH}{_PART}?"
    r"|每月\d{1,2}日"
    rf"|(?:今年|去年|前年|明年)(?:{_MONTH}(?:{_DAY})?)?{_PART}?"
    r"|\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2})?"
    # days of the week: 每周一, 星期六, 周一至周五, 礼拜天
    r"|(?<![一二两三四五六七八九十几每上下本])(?:每)?(?:周|星期|礼拜)[一二三四五六日天](?:(?:至|到|和|、|及)(?:周|星期|礼拜)?[一二三四五六日天])*(?![\u4e00-\u9fff]{0,1}年)"
    # ... and the nth of a month: 每月第二个星期六, 最后一个周日
    r"|(?:每个?月)?(?:第[一二三四五1-5]个|最后一个)(?:周|星期|礼拜)[一二三四五六日天]"
)
# Times of day: 8:00, 上午9点, 下午两点半, 21:00—22:30; a bare 9点 only next to a range mark or 半/分/整 (not 三点意见).
_DAYPART = r"(?:上午|下午|晚上|早上|中午|凌晨|傍晚|夜里|夜间|早晨|清晨|午夜|半夜|晚|早)"
_CN_HOUR = r"(?:十[一二]?|[一二两三四五六七八九]|零)"
_MINUTES = r"(?:半|整|一刻|三刻|\d{1,2}分|[一二三四五]?十[一二三四五六七八九]?分|[一二三四五六七八九]分)"
_CLOCK = (
    rf"(?:{_DAYPART} ?)?\d{{1,2}}[:：]\d{{2}}"
    rf"|{_DAYPART} ?(?:\d{{1,2}}|{_CN_HOUR})[点时](?:{_MINUTES}|钟)?"
    rf"|(?<![\d.])\d{{1,2}}点{_MINUTES}"
    rf"|(?<![\d.])\d{{1,2}}点钟?(?={_RANGE}|之前|以前|前|之后|以后|后|开始|起|截止|结束)"
    r"|(?:零点|午夜|正午)(?![\d〇零一二三四五六七八九十])"  # midnight and noon by name; 零点五 is 0.5
)
# a time on the day after (次日零点, 第二天上午10点) or the same day (当天18:00) belongs to that day
_DAY_REL = r"(?:次日|翌日|第二天|隔天|当天|当日)"
_RANGE_END = rf"(?:{_CLOCK}|(?:\d{{1,2}}|{_CN_HOUR})点(?:{_MINUTES})?)"
_TIME = re.compile(rf"{_DAY_REL}?(?:{_CLOCK})(?: ?{_RANGE} ?(?:次日|第二天)?{_RANGE_END})?")

_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SCALES = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


def _load_equivalents() -> dict[str, frozenset[str]]:
    groups: dict[str, frozenset[str]] = {}
    for line in resource_lines("zh/unit_equivalents.txt"):
        group = frozenset(line.split())
        for unit in group:
            groups[unit] = groups.get(unit, frozenset()) | group
    return groups


# Measure words that answer for each other (rag/resources/zh/unit_equivalents.txt): 本/册, 岁/周岁, 天/日.
UNIT_EQUIVALENTS: dict[str, frozenset[str]] = _load_equivalents()


def same_unit(a: str | None, b: str | None) -> bool:
    """``a`` and ``b`` are the same unit or answer for each other (``本`` and ``册``, ``公里`` and ``千米``)."""
    if not a or not b:
        return False
    return a == b or b in UNIT_EQUIVALENTS.get(a, ())


def equivalent_units(unit: str) -> frozenset[str]:
    """``unit`` and the units that answer for it."""
    return UNIT_EQUIVALENTS.get(unit, frozenset()) | {unit}


def unit_kind(unit: str | None) -> str | None:
    """The kind of a unit (``万元`` → money, ``个`` → count), or None."""
    if not unit:
        return None
    for kind, units in UNITS.items():
        if unit in units:
            return kind
    return None


def cn_to_number(text: str) -> float | None:
    """Value of a Chinese numeral (``十一`` → 11, ``二千零九`` → 2009, ``三点五`` → 3.5); None if not one."""
    if not text or any(c not in _CN_VALUES and c not in _CN_SCALES and c != "点" for c in text):
        return None
    if "点" in text:
        whole, frac = text.split("点", 1)
        w = cn_to_number(whole) if whole else 0
        digits = "".join(str(_CN_VALUES.get(c, "")) for c in frac)
        return None if w is None or not digits else float(f"{int(w)}.{digits}")
    total, section, digit = 0, 0, 0
    for c in text:
        if c in _CN_VALUES:
            digit = _CN_VALUES[c]
        else:
            scale = _CN_SCALES[c]
            if scale >= 10_000:
                section = (section + digit) * scale
                total += section
                section = 0
            else:
                section += (digit or 1) * scale
            digit = 0
    return float(total + section + digit)


@dataclass(frozen=True, slots=True)
class Quantity:
    start: int
    end: int
    text: str
    value: float | None
    unit: str | None
    kind: str | None
    high: float | None = None  # a range's upper end (80至89周岁: value 80, high 89)


def find_quantities(text: str) -> list[Quantity]:
    """Numbers in ``text`` with their approximators, magnitude and unit (``近700万元``, ``95%以上``, ``十一个``).

    Years and dates are not quantities; a bare number without unit is kept (kind None).
    """
    out: list[Quantity] = []
    date_spans = [m.span() for m in _DATE.finditer(text)] + [m.span() for m in _TIME.finditer(text)]
    covered = 0  # the end of a height read with its decimals (1米65): a number before it is part of it
    for m in _QUANTITY.finditer(text):
        num = m.group("num")
        if not num or (num in "十百千万亿" and not m.group("unit")):
            continue
        if num in "百千万亿":
            continue  # 百家社会组织扶百村, 千企万村: a bare magnitude is a figure of speech, not a count
        if num in "零〇" and not num[0].isdigit():
            continue  # a lone 零 before a measure word begins a word (零件, 零食, 零钱): text rarely counts zero
        if any(a <= m.start("num") < b for a, b in date_spans):
            continue
        # a Chinese numeral glued to a word (一头干练短发, 三保障, 一线) is not a quantity unless it has a unit
        # (八五折 reads digit by digit: a discount)
        if (
            not num[0].isdigit()
            and m.group("unit") != "折"
            and (not m.group("unit") or not _valid_cn_numeral(text, m.start("num"), num))
        ):
            continue
        start, end = m.start(), m.end()
        if len(m.group("prefix").strip("¥￥$ ")) == 1:
            start = _prefix_word_start(text, start, m.end("num"))
        if m.group("suffix") == "内" and in_dictionary(text[end - 1 : end + 1]):
            end -= 1  # 内 after a quantity means "within" (3个工作日内), unless it starts a word (3个内容, 内部)
        while end > start and text[end - 1] in ",. \u00a0":
            end -= 1
        value = _value(num, m.group("mag"))
        unit = base = m.group("unit")
        if re.search(r"[¥￥$]", m.group("prefix")) and unit_kind(unit) != "money":
            # ¥88 is 88元, $10亿 is 10亿美元; a measure word after it (￥30起: "from") is not its unit
            unit = base = "美元" if "$" in m.group("prefix") else "元"
            if m.group("unit"):
                end = m.start("unit")
        if m.group("mag") and unit in UNITS["money"] and not unit.startswith(m.group("mag")):
            unit = m.group("mag") + unit
        kind = unit_kind(unit) or unit_kind(base)  # 亿美元: the currency decides the kind
        if kind == "money" and m.group("unit") and end == m.end("unit") and kind_before(text, unit, end) == "count":
            kind = "count"  # 2块菜地: a count of plots, not two yuan
        if m.start() < covered:
            continue  # the decimals of the height before (the 2 of 1米2)
        if unit == "米" and value is not None and end == m.end("unit") and (tail := _METRE_TAIL.match(text, end)):
            # 1米2, 1米65: everyday heights, the digits after 米 its decimals (1.2米, 1.65米), and a bound after
            # them (1米2以下)
            value += int(tail.group(1)) / 10 ** len(tail.group(1))
            end = covered = tail.end()
        out.append(Quantity(start, end, text[start:end], value, unit, kind))
    fractions = _fractions(text)
    if fractions:
        # 千分之一支付: the 一支 inside a fraction is no count of its own
        out = [q for q in out if not any(f.start < q.end and q.start < f.end for f in fractions)]
        out = sorted(out + fractions, key=lambda q: q.start)
    return _join_ranges(text, out)


# a fraction written out (百分之八十, 千分之一, 万分之五, 百分之12.5): a percentage, its value in percent
_FRACTION = re.compile(r"(?P<base>百|千|万)分之(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百点]+)")
_FRACTION_BASE = {"百": 100, "千": 1000, "万": 10_000}


def _fractions(text: str) -> list[Quantity]:
    out = []
    for m in _FRACTION.finditer(text):
        num = m.group("num")
        value = float(num) if num[0].isdigit() else cn_to_number(num)
        if value is None:
            continue
        percent = value * 100 / _FRACTION_BASE[m.group("base")]
        out.append(Quantity(m.start(), m.end(), m.group(), percent, "%", "percent"))
    return out


# units that are money and a measure word alike (块: 5块 is five yuan, 2块菜地 two plots of land)
_COUNT_OR_MONEY = frozenset(UNITS.get("money", ())) & frozenset(UNITS.get("count", ()))
# jieba's tags of a noun: n (noun), ng (noun morpheme), nz (other proper noun), s (place word: 场地)
_NOUN_TAGS = ("n", "ng", "nz", "s")
_NEXT_WORD_CHARS = 12  # text enough for jieba to cut the word after a measure word (its longest words are shorter)


@lru_cache(maxsize=1)
def _money_nouns() -> tuple[frozenset[str], tuple[str, ...]]:
    """Nouns that name a sum (钱, 押金, 补贴: quantity_words.txt's money words) and the suffixes that make one (费)."""
    words = frozenset(
        w
        for line in resource_lines("zh/quantity_words.txt")
        if line.partition("\t")[0].strip() == "money"
        for w in line.partition("\t")[2].split()
        if len(w) > 1
    )
    suffixes = resource_groups("zh/money_suffixes.txt").get("suffix", ())
    return words | {"钱"}, tuple(suffixes)


def kind_before(text: str, unit: str, end: int) -> str | None:
    """The kind of ``unit`` written in ``text`` up to ``end``: a unit that is money and a measure word alike (块) is
    a count when a noun it measures follows (2块菜地, 几块菜地), one that names no sum (20块押金 is money)."""
    kind = unit_kind(unit)
    if kind == "money" and unit in _COUNT_OR_MONEY and _counts_next_noun(text, end):
        return "count"
    return kind


def _counts_next_noun(text: str, end: int) -> bool:
    """The word right after a measure word at ``end`` is a noun it counts, one that names no sum of money."""
    rest = text[end : end + _NEXT_WORD_CHARS]
    if not rest or not ("\u4e00" <= rest[0] <= "\u9fff"):
        return False
    word = cut(rest)[0]
    if dictionary_tag(word) not in _NOUN_TAGS:
        return False
    money, suffixes = _money_nouns()
    return word not in money and not word.endswith(suffixes)


# the decimals written after 米 in an everyday height (1米2, 1米65): one or two digits that no unit or other digit
# follows, then the bound words a measure may carry
_METRE_TAIL = re.compile(r"(\d{1,2})(?![\d.%％万千百十个米厘分毫公])(?:以上|以下|左右|以内)?")


# the longest word an approximator of one character closes (可达, 共计, 总共, 长达): read whole
_PREFIX_WORD_MAX = 3


def _prefix_word_start(text: str, start: int, num_end: int) -> int:
    """Where the approximator at ``start`` begins when it is the last character of a word: 达 of 可达55米 or
    计 of 共计15人 is half a word, and the quantity reads 可达55米, 共计15人."""
    from .textutil import word_bounds

    origin = max(0, start - _PREFIX_WORD_MAX - 2)
    bounds = [origin + b for b in word_bounds(text[origin:num_end])]
    for a, b in itertools.pairwise(bounds):
        if a < start and b == start + 1 and b - a <= _PREFIX_WORD_MAX:
            if all("\u4e00" <= c <= "\u9fff" for c in text[a:b]):
                return a
    return start


# a range of two quantities is one answer: 400米至800米, 3-5人, 20～30元
_QUANTITY_RANGE = re.compile(rf"{_SP}{_RANGE}{_SP}")


def _join_ranges(text: str, found: list[Quantity]) -> list[Quantity]:
    """Join ``A至B unit`` into one quantity (value: the lower end) when A has no unit or the same one."""
    out: list[Quantity] = []
    for q in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and q.unit is not None
            and (prev.unit is None or same_unit(prev.unit, q.unit))
            and _QUANTITY_RANGE.fullmatch(text[prev.end : q.start])
            and not q.text.startswith(("约", "近", "超", "逾", "共", "计", "达"))
        ):
            out[-1] = Quantity(prev.start, q.end, text[prev.start : q.end], prev.value, q.unit, q.kind, q.value)
            continue
        if (
            prev is not None
            and prev.end == q.start
            and prev.text.endswith("以上")
            and q.text.endswith("以下")
            and (prev.unit is None or same_unit(prev.unit, q.unit))
        ):
            # 五十元以上二百元以下: the bounds of one range (a fine, a penalty), read whole
            out[-1] = Quantity(prev.start, q.end, text[prev.start : q.end], prev.value, q.unit, q.kind, q.value)
            continue
        if (
            prev is not None
            and prev.unit is None
            and q.text[:1].isdigit()
            and _TIMES.fullmatch(text[prev.end : q.start])
            and (q.unit is None or q.kind == "length")
        ):
            # 600×400毫米, 220×220×250毫米: the sides of one size, read whole (value: the first side)
            out[-1] = Quantity(prev.start, q.end, text[prev.start : q.end], prev.value, q.unit, q.kind)
            continue
        out.append(q)
    return out


# between the sides of a size: a multiplication sign (600×400毫米, 60*40cm); not the letter x, which also writes a
# relay's legs (4x200米 is four legs of 200 metres, no size)
_TIMES = re.compile(r"\s?[×*＊✕]\s?")


def _valid_cn_numeral(text: str, start: int, num: str) -> bool:
    """``十一``, ``二千零九`` yes; ``一一`` (唯一一个) or a numeral inside a word (统一, 之一) no."""
    pair = re.search(r"[一二两三四五六七八九]{2}", num)
    if pair and not re.fullmatch(r"[一二两三四五六七八九][十百千万亿].*", num) and not _approximate(pair.group()):
        return False
    if start > 0:
        from .textutil import cut

        around = text[max(0, start - 2) : start + len(num) + 1]
        offset = start - max(0, start - 2)
        pos = 0
        for word in cut(around):
            a = around.find(word, pos)
            pos = a + len(word)
            if a < offset < a + len(word):
                return False  # the numeral's first character belongs to the word before (唯一, 统一)
    return True


def _approximate(pair: str) -> bool:
    """Two neighbouring digits give an estimate: 七八万, 五六十, 三四个 (not 一一 of 唯一一个)."""
    a, b = (_CN_VALUES[c] for c in pair)
    return b == a + 1 and a > 0


def _value(num: str, mag: str | None) -> float | None:
    if m2 := re.fullmatch(r"(\d+)万(\d+)千", num):
        return int(m2.group(1)) * 10_000 + int(m2.group(2)) * 1000.0
    if num[0].isdigit():
        try:
            v = float(num.replace(",", ""))
        except ValueError:
            return None
    else:
        v = cn_to_number(num)
        if v is None:
            return None
    if mag:
        v *= _CN_SCALES.get(mag, 1)
    return v


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


def find_times(text: str) -> list[Span]:
    """Times of day and opening hours: ``8:00``, ``上午9点``, ``9:00—18:00``, ``下午两点半``."""
    return [Span(m.start(), m.end(), m.group()) for m in _TIME.finditer(text)]


# Clock readings as minutes after midnight. A daypart of the afternoon or evening puts an hour before 12 in the
# second half of the day (晚上7点 = 19:00); 中午 does so for the hours just after noon (中午1点 = 13:00); 12 in the
# night is midnight (晚上十二点, 半夜12点 = 24:00).
_AFTERNOON = ("下午", "晚上", "傍晚", "夜里", "夜间", "半夜", "午夜", "晚")
_NIGHT = ("晚上", "夜里", "夜间", "半夜", "午夜", "凌晨")
_NOON_HOURS = 6  # 中午1点 … 中午5点 are afternoon hours; 中午12点 is noon
_DAY = 24 * 60
_CLOCK_PARTS = re.compile(
    rf"(?P<part>{_DAYPART})? ?(?:(?P<h>\d{{1,2}})[:：](?P<m>\d{{2}})|(?P<hh>\d{{1,2}}|{_CN_HOUR})[点时]"
    rf"(?P<mm>{_MINUTES})?|(?P<name>零点|午夜|正午))"
)
_MINUTE_WORDS = {"半": 30, "整": 0, "一刻": 15, "三刻": 45}


def _clock_minutes(m: re.Match, daypart: str | None) -> int | None:
    if m.group("name"):
        return 12 * 60 if m.group("name") == "正午" else 0
    if m.group("h") is not None:
        hour, minute = int(m.group("h")), int(m.group("m"))
    else:
        hh = m.group("hh")
        hour_value = int(hh) if hh.isdigit() else cn_to_number(hh)
        if hour_value is None:
            return None
        hour, mm = int(hour_value), m.group("mm") or ""
        minute_value = _MINUTE_WORDS.get(mm, None)
        if minute_value is None and mm.endswith("分"):
            digits = mm[:-1]
            minute_value = int(digits) if digits.isdigit() else cn_to_number(digits)
        minute = int(minute_value or 0)
    if hour > 24 or minute > 59:
        return None
    if (daypart in _AFTERNOON and hour < 12) or (daypart == "中午" and hour < _NOON_HOURS):
        hour += 12
    elif daypart in _NIGHT and hour == 12:
        hour = 24
    return hour * 60 + minute


def clock_range(text: str) -> tuple[int, int] | None:
    """The minutes after midnight a time of day covers: ``晚上7点`` → (1140, 1140), ``18:00—21:00`` → (1080, 1260),
    ``晚上23:00至次日6:00`` → (1380, 1800) (a range past midnight ends the next day); None if ``text`` is none.
    An end without its daypart takes the start's where that keeps it after the start (下午2点至5点 = 14:00 to
    17:00, but 晚上23:00至次日6:00 ends at 6:00)."""
    if not _TIME.fullmatch(text):
        return None
    ends = list(_CLOCK_PARTS.finditer(text))
    if not ends or len(ends) > 2:
        return None
    daypart = ends[0].group("part")
    start = _clock_minutes(ends[0], daypart)
    end = start
    if len(ends) == 2:
        end = _clock_minutes(ends[1], ends[1].group("part"))
        if not ends[1].group("part") and (shared := _clock_minutes(ends[1], daypart)) is not None:
            end = shared if start is not None and shared >= start else end
    if start is None or end is None:
        return None
    if end < start:
        end += _DAY
    return start, end


def time_positions(clock: tuple[int, int], text: str) -> list[int]:
    """Where ``text`` writes the time ``clock`` (a reading, start = end) or a range holding it: 晚上7点 is in
    19:00 and in 18:00—21:00 (a range holds its start, not its end: 21:00 is the next range's)."""
    point = clock[0]
    out = []
    for t in find_times(text):
        got = clock_range(t.text)
        if got is None:
            continue
        a, b = got
        if any(a == x == b or a <= x < b for x in (point, point + _DAY, point - _DAY)):
            out.append(t.start)
    return out


_WEEKDAY_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAY_RANGE = re.compile(
    r"(?:周|星期|礼拜)([一二三四五六日天])\s*(?:至|到|—|－|~|～|-|–)\s*(?:周|星期|礼拜)?([一二三四五六日天])"
)


def weekday(term: str) -> int | None:
    """The day of the week a word names, Monday 1 to Sunday 7 (礼拜六 → 6); None for any other word."""
    m = _WEEKDAY.fullmatch(term)
    return _WEEKDAY_NUMBERS[m.group(1)] if m else None


def weekday_range_positions(day: int, text: str) -> list[int]:
    """Where ``text`` writes a run of weekdays holding ``day`` (周二至周日 holds 周六; 周五至周一 runs over the
    weekend)."""
    out = []
    for m in _WEEKDAY_RANGE.finditer(text):
        a, b = _WEEKDAY_NUMBERS[m.group(1)], _WEEKDAY_NUMBERS[m.group(2)]
        if (a <= day <= b) if a <= b else (day >= a or day <= b):
            out.append(m.start())
    return out


def find_dates(text: str) -> list[Span]:
    """Dates and periods: ``2019年6月``, ``8月20日至21日``, ``今年6月底``, ``2019-11-26 23:00``."""
    return [Span(m.start(), m.end(), m.group()) for m in _DATE.finditer(text) if m.group()]


_ENUM_ITEM = r"[^，,。；;：:、“”\s]{1,30}"
_ENUM = re.compile(rf"“?{_ENUM_ITEM}”?(?:、“?{_ENUM_ITEM}”?)+(?:(?:和|及|与|以及)“?{_ENUM_ITEM}”?)?")


def find_enumerations(text: str, suffix: str | None = None) -> list[Span]:
    """Runs of items joined by 、 (and a final 和/及/与): the usual shape of a Chinese list.

    With ``suffix`` (镇 for 哪几个镇), runs of names ending in it joined by 、/和/与/及 (张家村和南国村).
    """
    if suffix:
        from .question import place_mentions

        item = rf"[\u4e00-\u9fff]{{1,8}}?{re.escape(suffix)}"
        out = []
        for m in re.finditer(rf"{item}(?:(?:、|和|与|及|以及){item})+", text):
            names = [p for p in place_mentions(m.group()) if p.endswith(suffix)]
            start = m.start() + (m.group().find(names[0]) if names and names[0] in m.group() else 0)
            out.append(Span(start, m.end(), text[start : m.end()]))
        return out
    out = []
    for m in _ENUM.finditer(text):
        start = m.start()
        at_line_start = start == 0 or text[start - 1] == "\n"
        if at_line_start and (number := _HEADING_NUMBER.match(m.group())):
            start += number.end()  # 二、报销流程: a heading's number, not the first item of a list
            if "、" not in text[start : m.end()]:
                continue
        out.append(Span(start, m.end(), text[start : m.end()]))
    return out


# the number of a heading (一、, 二、 at the start of a line): it ends in 、 like a list item but is none
_HEADING_NUMBER = re.compile(r"[一二三四五六七八九十]{1,3}、")
