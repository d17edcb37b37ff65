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


# a column's name is a short label (城市类别, 普通员工, 周三), never a clause
_HEADER_CELL_CHARS = 12
_CLAUSE_MARKS = re.compile(r"[，,。；;：:！!？?]")


def is_header(text: str, pos: int) -> bool:
    """The line holding ``text[pos]`` names a table's columns: the first of a run of lines with as many cells
    (at least MIN_COLUMNS). It says what the rows under it hold, never a value itself."""
    start, end = _line_bounds(text, pos)
    if text.count(" ", start, end) < MIN_COLUMNS - 1:
        return False
    cells = _cells(text, start, end)
    if len(cells) < MIN_COLUMNS or end >= len(text):
        return False
    if any(b - a > _HEADER_CELL_CHARS or _CLAUSE_MARKS.search(text, a, b) for a, b in cells):
        return False  # a column's name is a short label: a line of prose with spaces in it is no header
    next_start, next_end = _line_bounds(text, end + 1)
    if len(_cells(text, next_start, next_end)) != len(cells):
        return False
    return start == 0 or len(_cells(text, *_line_bounds(text, start - 1))) != len(cells)


def column_scores(header: tuple[str, ...], question: str, names=None) -> list[float]:
    """How much of each column's name the question writes: the share of the name's characters (letters and
    digits, width and case folded) found in the question (普通员工 in 我是普通员工… → 1.0, 经理 → 0); a name
    the question writes in other words (``names(name)`` true: 礼拜三 for 周三, 一个月 for 月卡) is written in full."""
    q = to_matching(question)
    out = []
    for name in header:
        chars = [c for c in to_matching(name) if c.isalnum()]
        share = sum(c in q for c in chars) / len(chars) if chars else 0.0
        if names is not None and names(name):
            share = 1.0
        out.append(share)
    return out


def asked_column(row: TableRow, question: str, among: list[int], names=None) -> int | None:
    """Of the columns ``among`` (those holding a value of the asked kind), the one the question names better
    than every other; None when none is named or two are named as well."""
    scores = column_scores(row.header, question, names)
    if not among:
        return None
    best = max(among, key=scores.__getitem__)
    if scores[best] <= 0 or sum(scores[j] == scores[best] for j in among) > 1:
        return None
    return best


def named_cell(text: str, pos: int, question: str, row_named, names=None) -> tuple[int, int] | None:
    """The cell, as offsets of ``text``, where the row of the line at ``pos`` meets the column the question
    names (礼拜三晚上7点上啥课 over a timetable: the 19:00 row's cell under 周三); None unless this line is a row
    whose label (its first cell) the question names too (``row_named(label)``), one other column is named
    better than the rest, and its cell holds something (not a dash)."""
    row = table_row(text, pos)
    if row is None or len(row.cells) != len(row.header):
        return None
    label = text[row.cells[0][0] : row.cells[0][1]]
    if not row_named(label):
        return None
    col = asked_column(row, question, list(range(1, len(row.cells))), names)
    if col is None:
        return None
    a, b = row.cells[col]
    return (a, b) if any(c.isalnum() for c in text[a:b]) else None
