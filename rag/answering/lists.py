"""Lists a sentence announces: 需提交以下材料： followed by the items, one per line.

A sentence that ends in a colon says what follows; when the proposal for a list or fact question lies in such a
sentence, the sentence itself (申请理赔需提交以下材料) answers nothing — the items below it do. Items are lines:
numbered or bulleted ones (1．理赔申请书；, （2）…, • …) or, as an HTML list's items come out of cleaning, short
unmarked lines that end no sentence (身份证原件 / 准考证明).
"""

from __future__ import annotations

import re

# a line opening with a list marker: 1. 1． 1、 1) （1） (1) 一、 ① - • · *
_MARKED = re.compile(
    r"\s*(?:\d{1,2}\s*[.．、)）]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|[①-⑳]|[-•·*▪◦])"
)
_ITEM_CHARS = 40  # an unmarked item is a phrase, not a paragraph: a longer line is prose that follows the list
_SENTENCE_END = "。！？!?"
_COLONS = "：:"
MIN_ITEMS = 2  # one line after a colon is a continuation, not a list


def _is_item(line: str) -> bool:
    text = line.strip()
    if not text:
        return False
    if _MARKED.match(line):
        return True
    return len(text) <= _ITEM_CHARS and text[-1] not in _SENTENCE_END and not any(c in text for c in _COLONS)


def announced_items(text: str, at: int, headings=()) -> tuple[int, int] | None:
    """The items listed on the lines after the one holding offset ``at`` when that line ends in a colon (after
    ``at``: only the colon), as ``(start, end)`` in ``text`` (leading spaces and a last item's end punctuation
    left out); None when the line announces no list of at least :data:`MIN_ITEMS` items."""
    line_end = text.find("\n", at)
    if line_end < 0 or text[at:line_end].strip() not in ("：", ":"):
        return None
    return items_after(text, line_end, headings)


def items_after(text: str, line_end: int, headings=(), phrases_only: bool = False) -> tuple[int, int] | None:
    """The run of item lines right after the line ending at ``line_end`` (the offset of its line break), as
    ``(start, end)``, up to the next of the ``headings`` (line offsets); None when fewer than :data:`MIN_ITEMS`
    follow. With ``phrases_only``, only unmarked short lines count (an HTML list's items: 本人身份证原件): under a
    heading, numbered lines are a section's rules, each its own answer, not one list."""
    if line_end < 0 or line_end >= len(text) or text[line_end] != "\n":
        return None
    start = end = None
    count = 0
    pos = line_end + 1
    while pos < len(text):
        nxt = text.find("\n", pos)
        nxt = len(text) if nxt < 0 else nxt
        line = text[pos:nxt]
        if not _is_item(line) or pos in headings or (phrases_only and _MARKED.match(line)):
            break
        if start is None:
            start = pos + len(line) - len(line.lstrip())
        end = pos + len(line.rstrip())
        count += 1
        pos = nxt + 1
    if count < MIN_ITEMS or start is None or end is None:
        return None
    while end > start and text[end - 1] in "；;。，,":
        end -= 1
    return start, end


_ITEM_SEPARATORS = re.compile(r"[；;]")
_LIST_COLON = re.compile(r"[：:](?!\d)")  # not a clock time's (11:00)


def inline_items(text: str, at: int, start: int | None = None) -> tuple[int, int] | None:
    """The items a sentence lists on its own line after its colon, parted by semicolons (以下情况不予赔偿：A；B；C。,
    有下列行为之一的，扣除当年全部积分：（一）…；（二）…；（三）…。), as ``(start, end)`` in ``text`` (the last
    item's end punctuation left out), when a proposal ending at offset ``at`` is the announcing clause (``at`` at its
    colon) or runs from before the colon into the first item (``start``: where it begins; it stopped at the first
    semicolon or inside the first item); None otherwise."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    sentence_start = max([line_start] + [text.rfind(c, line_start, at) + 1 for c in _SENTENCE_END])
    own_end = min([line_end] + [i for c in _SENTENCE_END if (i := text.find(c, at, line_end)) >= 0])
    colons = [m.start() for m in _LIST_COLON.finditer(text, sentence_start, own_end)]
    colon = colons[0] if colons else -1
    if colon < 0:
        return None  # the colon must be the sentence's own that holds ``at``, not a later sentence's
    ends = [i for c in _SENTENCE_END if (i := text.find(c, colon, line_end)) >= 0]
    sentence_end = min(ends, default=line_end)
    body = text[colon + 1 : sentence_end]
    items = [m for m in _ITEM_SEPARATORS.split(body) if m.strip()]
    labelled = next((i for i, item in enumerate(items) if _LIST_COLON.search(item)), len(items))
    items = items[:labelled]  # 午餐：A、B；例汤：C — an item with a label of its own ends the list
    if len(items) < MIN_ITEMS:
        return None
    first_end = colon + 1 + body.index(items[0]) + len(items[0])
    if not (at <= colon + 1 or (start is not None and start <= colon < at <= first_end + 1)):
        return None  # a proposal inside the first item (碱性 of 一是…呈碱性；二是…) is an answer of its own
    start = colon + 1 + len(body) - len(body.lstrip())
    last = items[-1]
    end = colon + 1 + body.index(last, first_end - colon - 1) + len(last)
    while end > start and text[end - 1] in "；;。，, ":
        end -= 1
    return start, end
