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
    """The cells of the line ``text[start:end]``: runs of text between single spaces, a phone number written in
    groups (138 0011 2233, 0571-8836 2147) one cell."""
    line = text[start:end]
    if " " not in line:
        return [(start, end)] if line else []
    phones = [m.span() for m in _PHONE.finditer(line)]
    if not phones:
        return [(start + m.start(), start + m.end()) for m in _CELL.finditer(line)]
    out: list[tuple[int, int]] = []
    for m in _CELL.finditer(line):
        a, b = m.span()
        if out and any(p <= out[-1][0] - start < q and a < q for p, q in phones):
            out[-1] = (out[-1][0], start + b)  # a group of the phone number the cell before began
        else:
            out.append((start + a, start + b))
    return out


_CELL = re.compile(r"[^ ]+")
# a phone number as China writes one, in groups a space may part: a mobile (138 0011 2233), a landline after its
# area code (0571-8836 2147, 010 6552 1234), a 400/800 service line (400 820 8820), each with a country code or not
_PHONE = re.compile(
    r"(?<![\d+])(?:\+\d{1,3}[- ]?)?"
    r"(?:1\d{2} ?\d{4} ?\d{4}|0\d{2,3}[- ]?\d{3,4} ?\d{4}|[48]00[- ]?\d{3}[- ]?\d{4}|\d{2}-\d{4} ?\d{4})(?!\d)"
)


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


def _run_start(text: str, start: int, n_cells: int) -> int:
    """The start of the first of the run of lines with ``n_cells`` cells that ends with the line at ``start``."""
    first = start
    while first > 0:
        prev_start, prev_end = _line_bounds(text, first - 1)
        if len(_cells(text, prev_start, prev_end)) != n_cells:
            break
        first = prev_start
    return first


def _share(chars: list[str], question: str) -> float:
    """The share of ``chars`` the (matching-view) ``question`` writes."""
    return sum(c in question for c in chars) / len(chars) if chars else 0.0


def table_row(text: str, pos: int) -> TableRow | None:
    """The table row of the line holding ``text[pos]``, with its header (the first line of the run of lines
    with as many cells), or None when that line is no table row or is the header itself."""
    start, end = _line_bounds(text, pos)
    if text.count(" ", start, end) < MIN_COLUMNS - 1:
        return None  # prose: no gaps between cells (the common case, decided without walking the line)
    cells = _cells(text, start, end)
    if len(cells) < MIN_COLUMNS:
        return None
    first = _run_start(text, start, len(cells))
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
    digits, width and case folded) found in the question (普通员工 in 我是普通员工… → 1.0, 经理 → 0), counting
    only the characters that set the name apart from the other columns' names where it has any (车 of 小型轿车
    is also 七座以上商务车's: 摩托车 names neither); a name the question writes in other words (``names(name)``
    true: 礼拜三 for 周三, 一个月 for 月卡) is written in full."""
    q = to_matching(question)
    folded = [[c for c in to_matching(name) if c.isalnum()] for name in header]
    out = []
    for i, name in enumerate(header):
        others = {c for j, chars in enumerate(folded) if j != i for c in chars}
        share = _share([c for c in folded[i] if c not in others] or folded[i], q)
        if names is not None and names(name):
            share = 1.0
        out.append(share)
    return out


# a row's label is written in the question when at least this share of its characters is (打蜡 of 打个蜡要多少钱:
# all; 个人轻写真 of 约写真: 2 of 5, a word of the same kind of row, not the row)
NAMED_SHARE = 0.5


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


def label_share(label: str, question: str) -> float:
    """The share of a row label's characters (letters and digits) the question writes: which of several rows it
    names best (小轿车洗一次 names 普通外观洗车 more than 发动机舱清洗)."""
    return _share([c for c in to_matching(label) if c.isalnum()], to_matching(question))


def header_line(text: str, pos: int) -> tuple[int, int] | None:
    """The header line (``start``, ``end``) of the table row on the line holding ``text[pos]``: what its cells
    are, quoted beside an answer read from the row."""
    row = table_row(text, pos)
    if row is None:
        return None
    return _line_bounds(text, _run_start(text, _line_bounds(text, pos)[0], len(row.cells)))


def row_figures(text: str, pos: int, question: str, is_figure, names=None) -> tuple[int, int] | None:
    """The run of a table row's figures, first to last (150 180 220), when the question writes the row's label
    (打蜡要多少钱) but names none of its columns while several hold a figure: each is an answer for one column, and
    the header quoted beside them says which (``is_figure(cell)``: a figure of the asked kind). None otherwise."""
    row = table_row(text, pos)
    if row is None or len(row.cells) != len(row.header):
        return None
    label = text[row.cells[0][0] : row.cells[0][1]]
    if label_share(label, question) < NAMED_SHARE:
        return None
    figures = [j for j, (a, b) in enumerate(row.cells) if j and is_figure(text[a:b])]
    if len(figures) < 2 or asked_column(row, question, figures, names) is not None:
        return None
    return row.cells[figures[0]][0], row.cells[figures[-1]][1]


def labels(text: str, pos: int, words: bool = False) -> list[str]:
    """Every row label (first cell) of the table whose row is on the line holding ``text[pos]``, header excluded;
    with ``words``, each row's label and its cells that hold no digit, joined (二类城市 杭州、成都: what names
    the row)."""
    row = table_row(text, pos)
    if row is None:
        return []
    start, _ = header_line(text, pos)
    out: list[str] = []
    line_end = _line_bounds(text, start)[1]
    while line_end < len(text):
        a, b = _line_bounds(text, line_end + 1)
        cells = _cells(text, a, b)
        if len(cells) != len(row.cells):
            break
        if words:
            out.append(_words(text, cells))
        else:
            out.append(text[cells[0][0] : cells[0][1]])
        line_end = b
    return out


def row_words(text: str, pos: int) -> str:
    """The label and the digit-free cells of the table row on the line holding ``text[pos]``, joined."""
    row = table_row(text, pos)
    return "" if row is None else _words(text, row.cells)


def _words(text: str, cells) -> str:
    """A row's label (its first cell, 500M as well) and its other cells that hold no digit (its figures are not
    what names it)."""
    return " ".join(text[a:b] for i, (a, b) in enumerate(cells) if i == 0 or not any(c.isdigit() for c in text[a:b]))


def distinct_share(label: str, others: list[str], question: str) -> float:
    """The share of the characters that set ``label`` apart from the ``others`` (the table's other row labels)
    that the question writes: 小轿车洗一次 names 普通外观洗车 by its 车 (洗 is also 精洗's and 发动机舱清洗's);
    上一节课 names no row of 一对一基础课 / 一对一考级课 (课 is every row's)."""
    theirs = {c for other in others if other != label for c in to_matching(other)}
    return _share([c for c in to_matching(label) if c.isalnum() and c not in theirs], to_matching(question))


def row_label(text: str, pos: int) -> str | None:
    """The label (first cell) of the table row on the line holding ``text[pos]``, or None for no table row."""
    row = table_row(text, pos)
    return None if row is None else text[row.cells[0][0] : row.cells[0][1]]


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


def row_rest(text: str, pos: int, question: str, names=None, whole: bool = False) -> tuple[int, int] | None:
    """The run of a table row's cells after its label (E3 后盖未装好 重新安装后盖 → 后盖未装好 重新安装后盖), when the
    question writes at least NAMED_SHARE of the label and of the characters that set it apart from the table's
    other labels (the 3 of E3 among E1…E5), but names none of its columns (E3是什么毛病 over 代码 含义 处理方法): the
    row is what is asked about, and the header quoted beside it says which cell is which. With ``whole``, the rest
    of the row even when a column is named (票价怎么算 over 展览 票价 优惠: the price and who pays half). None
    otherwise."""
    row = table_row(text, pos)
    if row is None or len(row.cells) != len(row.header):
        return None
    label = text[row.cells[0][0] : row.cells[0][1]]
    if label_share(label, question) < NAMED_SHARE or distinct_share(label, labels(text, pos), question) < NAMED_SHARE:
        return None
    rest = list(range(1, len(row.cells)))
    if not whole and asked_column(row, question, rest, names) is not None:
        return None  # a column is named: its cell is the answer (named_cell)
    return row.cells[1][0], row.cells[-1][1]
