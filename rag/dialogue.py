"""Follow-up questions: resolve ellipsis (那雁塔区呢？) and pronouns (它投入了多少资金？) against earlier turns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .question import _is_demonstrative, analyse, place_mentions
from .spans import UNITS, find_quantities
from .textutil import nfkc, posseg, resource_groups

_PRONOUN = re.compile(r"^(它们|他们|她们|它|他|她|其|该[区县市镇乡村局单位企业公司协会]?)")
_ELLIPSIS = re.compile(r"^(?:那么|那|还有|再问)?\s*(?P<target>.+?)\s*(?:呢|怎么样|如何|的呢)$")
_QUESTION_WORDS = re.compile(r"多少|几|什么|谁|哪|怎么|如何|为什么|吗|是否")
_NOUN_FLAGS = ("n", "nr", "ns", "nt", "nz", "j", "l")
# a follow-up opening with "then" (那, 那么); 那个, 那些, 那里, 那天 are demonstratives (question.py's test, from
# demonstratives.txt and the measure words of units.txt): they point at something
_THEN = re.compile(r"^(?:那么|那)")
_CLASSIFIERS = {u for u in UNITS["count"] if len(u) == 1}
# jieba's tags of what goes on after 那: a verb, an adverb, a preposition, a modal's 得, a conjunction (还要)
_CONTINUING_FLAGS = ("v", "d", "p", "ud", "c")


def subject_of(question: str) -> str | None:
    """The leading noun phrase of a question (``平利县慈善协会`` in 平利县慈善协会投入了多少扶贫资金)."""
    words = posseg(question)
    out = ""
    for word, flag in words:
        if flag.startswith(_NOUN_FLAGS) or (out == "" and flag == "a" and len(word) == 1):
            out += word
            continue
        break
    return out or None


def _topic(question: str) -> str | None:
    """What a question is about: its first place, else its subject."""
    places = place_mentions(question)
    return places[0] if places else subject_of(question)


def resolve(question: str, history: Sequence[str] | None) -> str:
    """Rewrite ``question`` as a standalone question using the last turn of ``history``.

    ``history`` holds earlier questions, oldest first (each already standalone, see :func:`resolve_all`).
    A question that stands on its own is returned unchanged.
    """
    q = nfkc(question).strip().rstrip("?？。!！ ")
    if not history:
        return q
    prev = nfkc(history[-1]).strip().rstrip("?？。!！ ")
    if not prev:
        return q
    m = _ELLIPSIS.match(q)
    if m and not _QUESTION_WORDS.search(m.group("target")) and len(m.group("target")) <= 16:
        target = m.group("target")
        if (pm := _PRONOUN.match(target)) and (attribute := target[pm.end() :].lstrip("的")):
            # 那它的功率呢 after 加湿器的客服电话是多少: the same subject, another attribute
            swapped = _swap_attribute(prev, attribute)
            if swapped:
                return swapped
        if _is_attribute(target) and (swapped := _swap_attribute(prev, target)):
            # 那用时呢 after 油烟机洗一次多少钱: another attribute of the same subject, not another subject
            return swapped
        new_places = place_mentions(target)
        old_places = place_mentions(prev)
        if new_places and new_places[0] == target and old_places:
            return prev.replace(old_places[0], target, 1)
        swapped = (
            None
            if new_places
            else (_swap_measure(prev, target) or _swap_sibling(prev, target) or _swap_object(prev, target))
        )
        if swapped:
            return swapped
        subject = subject_of(prev)
        if subject:
            return prev.replace(subject, target, 1)
        return f"{target}{prev}"
    topic = _topic(prev)
    if not topic:
        return q
    pm = _PRONOUN.match(q)
    if pm:
        return topic + q[pm.end() :]
    if (
        (then := _THEN.match(q))
        and (then.group() == "那么" or not _is_demonstrative(q[:2], _CLASSIFIERS))
        and (rest := q[then.end() :].lstrip("，, "))
        and not place_mentions(rest)
    ):
        # 那得弄多长时间, 那要多久: "then …" goes on about the earlier question's topic when what follows opens with
        # a verb, an adverb or the question word itself (not with a subject of its own: 那碑林区呢 is above)
        first = posseg(rest)[0]
        if first[1].startswith(_CONTINUING_FLAGS) or _QUESTION_WORDS.match(rest):
            return topic + rest
    words = posseg(q)
    if not place_mentions(q) and words and words[0][1].startswith(("v", "d", "p")) and words[0][0] not in ("是",):
        return topic + q
    return q


@lru_cache(maxsize=1)
def _attribute_words() -> tuple[str, ...]:
    """Nouns naming an attribute (rag/resources/zh/attribute_words.txt and column_kinds.txt's header words)."""
    groups = [resource_groups("zh/attribute_words.txt"), resource_groups("zh/column_kinds.txt")]
    return tuple(sorted({w for g in groups for words in g.values() for w in words}, key=len, reverse=True))


_PERSON_ATTRIBUTES = tuple(resource_groups("zh/column_kinds.txt")["person"])  # 联系人, 负责人, 老师…


def _is_attribute(target: str) -> bool:
    """``target`` names an attribute (用时, 联系电话, 上课地点), not another thing."""
    return target.endswith(_attribute_words()) and not place_mentions(target)


def _swap_attribute(prev: str, attribute: str) -> str | None:
    """``X的Y是多少`` with ``attribute`` for Y (加湿器的客服电话是多少 + 功率 → 加湿器的功率是多少); without a
    ``的``, the earlier question's topic and the attribute; None when it has no question word."""
    qw = _QUESTION_WORDS.search(prev)
    if not qw:
        return None
    head, tail = prev[: qw.start()], prev[qw.start() :]
    if tail.startswith(("多少", "几")):
        tail = "多少"  # 多少毫升 measured the old attribute, not necessarily the new one
    elif tail.startswith("谁") and _is_attribute(attribute) and not attribute.endswith(_PERSON_ATTRIBUTES):
        tail = "什么"  # 谁 asked a person; 那联系电话呢 asks a thing (作者, 联系人 stay persons)
    de = head.rfind("的")
    if de <= 0:
        topic = _topic(prev)  # 碑林区帮扶了多少个村 + 它的面积 → 碑林区的面积是多少
        return f"{topic}的{attribute}是{tail}" if topic else None
    old = head[de + 1 :]
    verb = re.search(r"(?:是|有|为|叫)$", old)
    return head[: de + 1] + attribute + (verb.group() if verb else "是") + tail


def _swap_sibling(prev: str, target: str) -> str | None:
    """The earlier question with ``target`` in the place of its sibling: a word of the same length that differs
    from it in one character (中型犬 → 大型犬, 周日 → 周六, 二楼 → 三楼: one kind, another member); None when
    the earlier question has none or has two."""
    if not 2 <= len(target) <= 6 or not re.fullmatch(r"[\u4e00-\u9fff]+", target):
        return None
    found = {
        prev[i : i + len(target)]
        for i in range(len(prev) - len(target) + 1)
        if sum(a != b for a, b in zip(prev[i : i + len(target)], target, strict=True)) == 1
        and re.fullmatch(r"[\u4e00-\u9fff]+", prev[i : i + len(target)])
        and not _QUESTION_WORDS.search(prev[i : i + len(target)])
    }
    if len(found) != 1:
        return None
    return prev.replace(found.pop(), target, 1)


def _swap_measure(prev: str, target: str) -> str | None:
    """The earlier question with ``target``, a measure (90岁以上, 1米2, 3个人), in the place of its one measure of
    the same kind (80至89周岁的会员每餐补贴多少 + 90岁以上 → 90岁以上的会员每餐补贴多少); None otherwise."""
    found = find_quantities(target)
    if len(found) != 1 or found[0].text != target.rstrip("的") or found[0].kind is None:
        return None
    same = [q for q in find_quantities(prev) if q.kind == found[0].kind]
    if len(same) != 1:
        return None
    return prev[: same[0].start] + found[0].text + prev[same[0].end :]


def _compound_ending_in(prev: str, head: str) -> str | None:
    """The one run of nouns and letters in ``prev`` whose last word ends in ``head`` (营养B餐 for 餐), or None."""
    words = posseg(prev)
    runs = []
    for i, (word, flag) in enumerate(words):
        if not (word.endswith(head) and flag.startswith(_NOUN_FLAGS)):
            continue
        j = i
        while j > 0 and (words[j - 1][1].startswith(_NOUN_FLAGS) or words[j - 1][1] in _LETTER_FLAGS):
            j -= 1
        runs.append("".join(w for w, _ in words[j : i + 1]))
    return runs[0] if len(runs) == 1 and len(runs[0]) > len(head) else None


_LETTER_FLAGS = ("eng", "x")  # jieba's tags of a run of Latin letters (B餐, A套餐)
_ORG_HEADS = ("基地", "协会", "单位", "公司", "企业", "医院", "学校", "集团", "政府", "局", "办", "委")


def _swap_object(prev: str, target: str) -> str | None:
    """The earlier question with ``target`` in the place of what it asked about, when that is clear.

    土地分红呢 after 李付东分到了多少务工分红 swaps the term sharing its head (务工分红); 村委会呢 after
    碑林区修建了多少个蓄水池 swaps the counted noun; 航天基地呢 after 雁塔区选派了几名干部 swaps the
    leading place for an organisation. None when none of these applies.
    """
    asked = analyse(prev)
    terms = [t for t in asked.terms if t not in asked.places and t in prev]
    # a term sharing the target's head: its last two characters (务工分红 / 土地分红), else its last one (洗衣机 /
    # 烘干机, 水费 / 电费: one kind of thing for another)
    shared = [t for t in terms if len(t) >= 2 and len(target) >= 2 and t != target and t[-2:] == target[-2:]]
    shared = shared or [t for t in terms if len(t) >= 2 and len(target) >= 2 and t != target and t[-1] == target[-1]]
    if shared:
        term = max(shared, key=len)
        # the whole compound it ends (务工 + 分红, 慈善 + 协会, 大型 + 洗衣机), not only its head
        grown = True
        while grown:
            grown = False
            for other in terms:
                if other + term in prev and other + term != term:
                    term, grown = other + term, True
                    break
        at = prev.find(term)
        while at > 0 and prev[at - 1].isascii() and prev[at - 1].isalnum():
            at -= 1  # the letters naming it are part of it (A套餐: B套餐 replaces A套餐, not 套餐)
        term = prev[at : prev.find(term) + len(term)]
        return prev.replace(term, target, 1)
    # a head written as a word of its own after letters (营养B餐: jieba keeps 餐 apart): the whole run it ends
    if len(target) >= 2 and (compound := _compound_ending_in(prev, target[-1])) and compound != target:
        return prev.replace(compound, target, 1)
    if asked.places and target.endswith(_ORG_HEADS) and prev.startswith(asked.places[0]):
        return target + prev[len(asked.places[0]) :]
    if asked.noun and asked.noun not in asked.places and asked.noun in prev:
        return prev.replace(asked.noun, target, 1)
    return None


def resolve_all(questions: Sequence[str]) -> list[str]:
    """Resolve a whole conversation: each question against the resolved ones before it."""
    out: list[str] = []
    for q in questions:
        out.append(resolve(q, out))
    return out


_BARE_FOLLOW_UP = re.compile(r"^(?:那么|那|还有|再问)?\s*(?P<target>.+?)\s*(?:的)?呢$")


def needs_context(question: str) -> str | None:
    """What a bare follow-up (那雁塔区呢？, 土地分红呢) asks about, when it is asked with nothing before it.

    Such a question only means something after an earlier one; asked first, the assistant asks which
    subject it is about instead of answering. Returns the named thing ('' for 还有呢), or None for any other
    question (a question with a question word, 地位如何, stands on its own).
    """
    q = nfkc(question).strip().rstrip("?？。!！ ")
    m = _BARE_FOLLOW_UP.match(q)
    if not m:
        return None
    target = m.group("target")
    if _QUESTION_WORDS.search(target) or len(target) > 16:
        return None
    return "" if target in ("那", "那么", "还有", "再问", "然后", "其他", "别的") else target


def was_rewritten(question: str, resolved: str | None) -> bool:
    """True when ``resolved`` (an answer's ``resolved_question``) says more than ``question`` itself, i.e. the
    question was completed from the conversation or translated, not merely stripped of its 「？」 or
    converted to simplified script."""
    if not resolved:
        return False
    from .normalize import to_matching

    def bare(text: str) -> str:
        return to_matching(nfkc(text)).strip().rstrip("?？。!！ ")

    return bare(question) != bare(resolved)
