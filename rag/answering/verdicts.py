"""A "no" said first for a yes/no question asking leave, when the rule quoted forbids outright.

能带宠物进去吗 over 宠物禁止入内 is answered 不能。宠物禁止入内: the asker should not have to read "no" out of the
rule. Only outright prohibitions get a verdict; a rule with a condition or an exception (除外, 须, 未满18周岁, 可)
and any permission are left to the quote, which says more than a yes or a no could
(rag/resources/zh/verdicts.txt).
"""

from __future__ import annotations

from ..textutil import resource_groups

_DATA = resource_groups("zh/verdicts.txt")
_MODALS = tuple(tuple(pair.split(":")) for pair in _DATA["modal"])  # (asked, refusal), longest first as listed
_FORBIDS = _DATA["forbids"]
_KEEPS_OPEN = _DATA["keeps_open"]


def refusal_verdict(question: str, rule: str, terms=()) -> str | None:
    """The "no" (不能, 不可以, 不让) to say before ``rule`` for the yes/no ``question``, or None. The rule must
    write one of ``terms``, the question's key terms it was found to hold (现金 of 能给现金吗; the builder passes
    the sentence's matched terms, synonyms included): a prohibition of something else says nothing."""
    refusal = next((no for asked, no in _MODALS if asked in question), None)
    if refusal is None or not any(t in rule for t in terms):
        return None
    if not any(w in rule for w in _FORBIDS):
        return None
    rest = rule
    for word in sorted(_FORBIDS, key=len, reverse=True):
        rest = rest.replace(word, " ")  # 不可, 不允许 forbid: their 可, 允许 are no permission
    return None if any(w in rest for w in _KEEPS_OPEN) else refusal
