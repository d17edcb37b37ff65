"""Table rows: which column of a price list or a timetable the question asks for.

The loaders write a table row as one line, its cells joined by a space (``formats``). A run of such lines with
the same number of cells is a table, and its first line names the columns::

    城市类别 代表城市 总监及以上 经理 普通员工
    二类城市 杭州、南京、成都、武汉等省会城市 600 450 350

``我是普通员工，去成都出差，酒店一晚最多能报多少`` asks the row of 成都 and the column of 普通员工: 350. A
sentence of the row says nothing by itself about which of its figures is which; the header does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..normalize import to_matching

# a table has at least this many columns (two cells are a label and its value, read as such elsewhere)
MIN_COLUMNS = 3


@dataclass(frozen=True)
class TableRow:
    """A row of a table in a document: its cells and the header's, as ``(start, end)`` offsets of the text."""

    header: tuple[str, ...]
    cells: tuple[tuple[int, int], ...]


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of the line ``text[start:end]``: runs of text between single spaces."""
    return [(start + m.start(), start + m.end()) for m in _CELL.finditer(text[start:end])]


_CELL = re.compile(r"[^ ]+")


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


def table_row(text: str, pos: int) -> TableRow | None:
    """The table row of the line holding ``text[pos]``, with its header (the first line of the run of lines
    with as many cells), or None when that line is no table row or is the header itself."""
    start, end = _line_bounds(text, pos)
    if text.count(" ", start, end) < MIN_COLUMNS - 1:
        return None  # prose: no gaps between cells (the common case, decided without walking the line)
    cells = _cells(text, start, end)
    if len(cells) < MIN_COLUMNS:
        return None
    first = start
    while first > 0:
        prev_start, prev_end = _line_bounds(text, first - 1)
        if len(_cells(text, prev_start, prev_end)) != len(cells):
            break
        first = prev_start
    if first == start:
        return None  # the first line names the columns: it is the header, no row of values
    header = tuple(text[a:b] for a, b in _cells(text, first, _line_bounds(text, first)[1]))
    return TableRow(header, tuple(cells))


def column_scores(header: tuple[str, ...], question: str) -> list[float]:
    """How much of each column's name the question writes: the share of the name's characters (letters and
    digits, width and case folded) found in the question (普通员工 in 我是普通员工… → 1.0, 经理 → 0)."""
    q = to_matching(question)
    out = []
    for name in header:
        chars = [c for c in to_matching(name) if c.isalnum()]
        out.append(sum(c in q for c in chars) / len(chars) if chars else 0.0)
    return out


def asked_column(row: TableRow, question: str, among: list[int]) -> int | None:
    """Of the columns ``among`` (those holding a value of the asked kind), the one the question names better
    than every other; None when none is named or two are named as well."""
    scores = column_scores(row.header, question)
    if not among:
        return None
    best = max(among, key=scores.__getitem__)
    if scores[best] <= 0 or sum(scores[j] == scores[best] for j in among) > 1:
        return None
    return best
