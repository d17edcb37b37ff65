"""English questions over Chinese text: map the question to a Chinese one the answer builder understands.

Content words are translated with CC-CEDICT, keeping only the Chinese words the corpus uses
(:mod:`rag.cedict`); the asked unit comes from a short table of English unit words; romanised names are
matched by pinyin against the corpus itself (Beilin → 碑林), so no list of place or person names is kept here.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from .textutil import resource_lines

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")

# an English place word and the Chinese suffix it stands for (rag/resources/en/place_words.txt)
_PLACE_WORDS = dict(line.split("\t") for line in resource_lines("en/place_words.txt"))
# (English pattern, Chinese measure word or noun asked for, as it would follow 多少)
_UNITS = [
    (r"villages?", "个村"),
    (r"households?|families|family", "户"),
    (r"people|persons|residents|poor people", "人"),
    (r"yuan|rmb|money|funds?|funding|invest(?:ed|ment)?|spend|spent|cost", "钱"),
    (r"kilomet(?:er|re)s?|km", "公里"),
    (r"met(?:er|re)s?", "米"),
    (r"street ?lamps?|street ?lights?|lamps?", "盏"),
    (r"days?", "天"),
    (r"years? old|old|age", "岁"),
    (r"mu|acres?", "亩"),
    (r"percent(?:age)?|rate", "%"),
    (r"projects?", "个项目"),
    (r"schools?", "所学校"),
    (r"hospitals?", "所医院"),
    (r"teams?", "支队伍"),
    (r"cadres?|officials?", "名干部"),
    (r"times", "次"),
    (r"enterprises?|companies|factories", "家"),
    (r"months?", "个月"),
    (r"population", "人"),
]
# Multi-word expressions, matched before single words (and removed from the question when matched).
PHRASES = [
    (
        r"(?:lifted|lift|got|get|gotten|moved|move|escaped|escape|came|come|brought|bring)\s+out\s+of\s+poverty"
        r"|shak(?:en|e|ing)\s+off\s+poverty|out\s+of\s+poverty|poverty\s+exit",
        "脱贫",
    ),
    (
        r"basic\s+(?:living\s+)?(?:security|guarantee|assurance|protection)|subsistence\s+(?:allowance|guarantee)"
        r"|(?:social\s+)?safety\s+net",
        "兜底保障",
    ),
    (r"left[-\s]behind\s+children", "留守儿童"),
    (r"migrant\s+work(?:ers)?|work(?:ing)?\s+(?:away\s+from\s+home|outside)", "外出务工"),
    (r"public\s+welfare\s+(?:posts?|jobs?|positions?)", "公益专岗"),
    (r"first\s+secretary", "第一书记"),
    (r"br(?:ing|ought)\s+in", "引进"),
    (r"e[-\s]?commerce", "电商"),
    (r"medical\s+(?:treatment|care)|see\s+a\s+doctor|hospitali[sz](?:ed|ation)", "就诊"),
    (r"agricultural\s+products?|farm\s+(?:products?|produce)", "农产品"),
    (r"leading\s+(?:enterprises?|companies|firms)|dragon[-\s]?head\s+(?:enterprises?|companies)", "龙头企业"),
    (r"(?:modern\s+)?agricultural\s+(?:parks?|zones?)", "农业园区"),
]
# Common content words → Chinese terms (not names: names are matched by pinyin).
GLOSSARY = {
    "social": "社会",
    "attracted": "引进",
    "introduced": "引进",
    "honors": "荣誉",
    "honours": "荣誉",
    "awards": "荣誉",
    "published": "发布",
    "cooperative": "合作社",
    "cooperatives": "合作社",
    "villagers": "村民",
    "students": "学生",
    "clinics": "卫生室",
    "clinic": "卫生室",
    "sold": "销售",
    "sell": "销售",
    "sales": "销售",
    "relocation": "搬迁",
    "relocated": "搬迁",
    "housing": "住房",
    "houses": "房屋",
    "renovated": "改造",
    "renovation": "改造",
    "volunteers": "志愿",
    "subsidy": "补贴",
    "subsidies": "补贴",
    "dividends": "分红",
    "dividend": "分红",
    "poverty": "贫困",
    "poor": "贫困",
    "help": "帮扶",
    "helped": "帮扶",
    "assist": "帮扶",
    "assisted": "帮扶",
    "assistance": "帮扶",
    "support": "帮扶",
    "supported": "帮扶",
    "aid": "帮扶",
    "paired": "对口",
    "invest": "投入",
    "invested": "投入",
    "investment": "投入",
    "fund": "资金",
    "funds": "资金",
    "population": "人口",
    "total": "总",
    "air": "空气",
    "quality": "质量",
    "good": "优良",
    "road": "公路",
    "roads": "道路",
    "reconstruction": "改建",
    "rebuilt": "改建",
    "party": "党",
    "secretary": "书记",
    "school": "学校",
    "hospital": "医院",
    "charity": "慈善",
    "association": "协会",
    "registered": "建档立卡",
    "install": "安装",
    "installed": "安装",
    "lamps": "路灯",
    "lamp": "路灯",
    "street": "路灯",
    "village": "村",
    "villages": "村",
    "households": "户",
    "household": "户",
    "start": "开始",
    "started": "开始",
    "begin": "开始",
    "began": "开始",
    "income": "收入",
    "loan": "贷款",
    "loans": "贷款",
    "employment": "就业",
    "jobs": "就业",
    "training": "培训",
    "trained": "培训",
    "education": "教育",
    "health": "健康",
    "water": "饮水",
    "toilets": "厕",
    "consumption": "消费",
    "industry": "产业",
    "forest": "森林",
    "tea": "茶叶",
    "tourism": "旅游",
    "donated": "捐赠",
    "donate": "捐赠",
    "donation": "捐赠",
    "built": "建",
    "build": "建",
    "projects": "项目",
    "project": "项目",
    "satisfaction": "满意度",
    "teachers": "老师",
    "children": "孩子",
    "shed": "大棚",
    "greenhouses": "大棚",
    "toy": "毛绒玩具",
    "toys": "毛绒玩具",
    "factories": "工厂",
    "factory": "工厂",
    "cadres": "干部",
    "team": "工作队",
    "teams": "工作队",
    "meetings": "会议",
    "rural": "农村",
    "county": "县",
    "district": "区",
    "town": "镇",
    "kilometers": "公里",
    "long": "全长",
}
_ROLES = [(r"party secretary|secretary", "书记"), (r"director", "主任"), (r"principal", "校长"), (r"mayor", "长")]


def is_english(text: str) -> bool:
    """Mostly Latin letters and no Chinese characters."""
    latin = len(re.findall(r"[A-Za-z]", text))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    return latin >= 3 and cjk == 0


@lru_cache(maxsize=8)
def _pinyin_index(corpus: str) -> dict[str, Counter]:
    """Toneless pinyin of every 2–4 character CJK substring of the corpus → those substrings, counted."""
    from pypinyin import Style, lazy_pinyin

    chars = sorted(set(re.findall(r"[\u4e00-\u9fff]", corpus)))
    py = dict(zip(chars, lazy_pinyin(chars, style=Style.NORMAL), strict=True))
    index: dict[str, Counter] = {}
    for run in re.findall(r"[\u4e00-\u9fff]+", corpus):
        for n in (2, 3, 4):
            for i in range(len(run) - n + 1):
                s = run[i : i + n]
                key = "".join(py[c] for c in s)
                index.setdefault(key, Counter())[s] += 1
    return index


def _chinese_name(romanised: str, suffix: str | None, corpus: str) -> str | None:
    """The corpus's Chinese form of a romanised name (``Beilin`` → 碑林), or None: among substrings with
    that toneless pinyin, the most frequent one that is followed by ``suffix`` in the corpus."""
    key = re.sub(r"[^a-z]", "", romanised.lower())
    found = _pinyin_index(corpus).get(key)
    if not found:
        return None

    def score(item):
        text, count = item
        return (suffix is not None and (text + suffix) in corpus, count)

    return max(found.items(), key=score)[0]


# A run of Latin words inside a Chinese question: beilin, Bei Lin, Yanta District.
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'\-]*(?:\s+[A-Za-z][A-Za-z'\-]*)*")


def names_in_chinese(question: str, corpus: str) -> str:
    """A Chinese question with its romanised names replaced by their Chinese forms from the corpus.

    ``beilin帮扶了几个村`` → ``碑林帮扶了几个村``; ``Yanta区`` → ``雁塔区`` (the Chinese suffix that follows
    picks among names with the same pinyin); ``Yanta District`` → ``雁塔区``. Latin words that are no
    name of the corpus (GDP, APP) stay as they are.
    """

    def replace(m: re.Match) -> str:
        words = m.group().split()
        place = _PLACE_WORDS.get(words[-1].lower()) if len(words) > 1 else None
        name = words[:-1] if place else words
        following = question[m.end() : m.end() + 2]
        suffix = place or next((s for s in _PLACE_WORDS.values() if following.startswith(s)), None)
        chinese = _chinese_name("".join(name), suffix, corpus)
        if chinese is None:
            return m.group()
        return chinese + (place or "")

    return _LATIN_RUN.sub(replace, question)


def match_names(question: str, corpus: str) -> list[tuple[str, str]]:
    """Romanised names in ``question`` and their Chinese forms from the corpus: ``[("Beilin District", "碑林区")]``.

    A name is a run of capitalised words (``Xi Yuanping``); a following place word (District, County)
    selects the Chinese suffix. Among substrings with the same pinyin, the most frequent one that is
    followed by that suffix in the corpus wins.
    """
    _pinyin_index(corpus)  # built here even for a question without names, so that a server's warm-up loads it
    out: list[tuple[str, str]] = []
    tokens = list(_WORD.finditer(question))
    i = 0
    while i < len(tokens):
        tok = tokens[i].group()
        if not tok[0].isupper() or (i == 0 and tok.lower() in _SENTENCE_STARTERS) or tok.lower() in _NOT_NAMES:
            i += 1
            continue
        j = i
        parts = []
        while j < len(tokens) and tokens[j].group()[0].isupper() and tokens[j].group().lower() not in _PLACE_WORDS:
            if tokens[j].group().lower() in _NOT_NAMES:
                break
            parts.append(tokens[j].group())
            j += 1
        if not parts:
            i += 1
            continue
        suffix = _PLACE_WORDS.get(tokens[j].group().lower()) if j < len(tokens) else None
        best = _chinese_name("".join(parts), suffix, corpus)
        if best:
            # a name with a place word that the corpus never uses with that suffix stays unmatched
            # (Lianhu District is not 联户), so the answer builder reports it as absent
            chinese = best + suffix if suffix else best
            end = tokens[j].end() if suffix else tokens[j - 1].end()
            out.append((question[tokens[i].start() : end], chinese))
        i = j + (1 if suffix else 0)
    return out


# a plural English noun (types, items, documents), not a word that merely ends in s (class, bus, is)
_PLURAL = re.compile(r"[a-z]{2,}[^su]s")

_SENTENCE_STARTERS = {"how", "what", "who", "when", "where", "which", "why", "did", "does", "do", "is", "are", "was"}
_NOT_NAMES = {"party", "charity", "association", "the", "i", "in", "of"}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    path = Path(__file__).parent / "resources" / "en" / "stopwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


# Longest English phrase looked up as one dictionary gloss (left behind children = 留守儿童).
_MAX_PHRASE_WORDS = 4


def _translate(english: str, corpus: str) -> tuple[list[str], str]:
    """The Chinese terms of lower-cased English text, and the text left once the listed phrases are taken out.

    The phrase list and glossary come first (they were written for the bundled articles: see the README's
    known limits); every other content word is looked up in CC-CEDICT, keeping the Chinese words the
    corpus uses (phrases of up to four words first, then single words).
    """
    from .cedict import translate

    rest, out = english, []
    for pattern, zh in PHRASES:
        if re.search(pattern, rest):
            rest = re.sub(pattern, " ", rest)
            out.append(zh)
    words = _WORD.findall(rest)
    stop = _stopwords()
    i = 0
    while i < len(words):
        w = words[i]
        for n in range(min(_MAX_PHRASE_WORDS, len(words) - i), 1, -1):
            chunk = words[i : i + n]
            if chunk[0] in stop or chunk[-1] in stop:
                continue
            found = translate(" ".join(chunk), corpus, limit=1)
            if found:
                out += found
                i += n
                break
        else:
            if w in GLOSSARY:
                out.append(GLOSSARY[w])
                i += 1
                continue
            # a unit word (people, money, days) is the asked unit, not a term to look up
            skip = w in stop or len(w) < 3 or any(re.fullmatch(pattern, w) for pattern, _ in _UNITS)
            found = [] if skip else translate(w, corpus, limit=1)
            out += found
            i += 1
    return list(dict.fromkeys(out)), rest


def to_chinese(question: str, corpus: str) -> str:
    """A Chinese question with the same meaning as far as the answer builder is concerned.

    ``How many villages did Beilin District help?`` → ``碑林区帮扶多少个村``.
    """
    q = question.strip()
    low = q.lower()
    names = match_names(q, corpus)
    rest = low
    for eng, _ in names:
        rest = rest.replace(eng.lower(), " ")
    terms, rest = _translate(rest, corpus)
    subject = " ".join(zh for _, zh in names)
    # spaces keep jieba from gluing a name to the next term (联户区 村 → not 联户/区村)
    body = " ".join([subject, *terms]).strip()
    if re.search(r"\bhow (many|much)\b|\bwhat (is|was) the (total|number|amount)|how long|how old|\bpercentage\b", low):
        unit = ""
        for pattern, zh in _UNITS:
            if re.search(rf"\b(?:{pattern})\b", rest):
                unit = zh
                break
        if "how old" in low:
            unit = "岁"
        if not unit and re.search(r"\bhow many\b", low):
            # how many <thing not in the list>: a count of that thing, named right after 多少个
            unit = "个"
            asked = re.search(r"\bhow many\s+(.+?)\s+(?:did|do|does|were|was|are|is|have|has|had|in|of|for)\b", low)
            if asked:
                thing, _ = _translate(asked.group(1), corpus)
                if thing:
                    body = " ".join([subject, *(t for t in terms if t not in thing)]).strip()
                    unit = "个" + "".join(thing)
        if unit == "钱":
            return f"{body}多少钱"
        return f"{body}多少{unit}"
    if re.search(r"\bwho\b|\bwhat is the name\b", low):
        role = next((zh for pattern, zh in _ROLES if re.search(pattern, low)), "")
        return f"{subject}{role}是谁" if role else f"{body}是谁"
    if re.search(r"\bwhat time\b|\bat what hour\b", low):
        return f"{body}几点"  # a clock time (几点), not any date
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month)\b", low):
        return f"{body}什么时候"
    if re.search(r"\bwhy\b", low):
        return f"{body}为什么"
    if (m := re.search(r"\bwhich\s+([a-z]+)", low)) and (_PLURAL.fullmatch(m.group(1)) or re.search(r"\bare\b", low)):
        return f"{body}有哪些"  # which blood types are low: several things of a kind, a list — not a place
    if re.search(r"\bwhere\b|\bwhich\b", low):
        return f"{body}哪里"
    if re.search(r"\bwhat is the total population\b|\bpopulation\b", low):
        return f"{body}多少人"
    return body or q
