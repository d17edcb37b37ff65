"""Table rows and the column a question names (rag/answering/tables.py), on invented tables."""

from rag.answering.tables import asked_column, column_scores, table_row

TEXT = (
    "住宿标准\n"
    "城市类别 代表城市 总监 经理 普通员工\n"
    "一类城市 北京、上海 800 600 450\n"
    "二类城市 杭州、成都 600 450 350\n"
    "说明：超出标准部分自理。\n"
)


def test_a_row_of_a_table_has_the_header_of_its_run_of_lines():
    row = table_row(TEXT, TEXT.index("二类城市"))
    assert row is not None
    assert row.header == ("城市类别", "代表城市", "总监", "经理", "普通员工")
    assert [TEXT[a:b] for a, b in row.cells] == ["二类城市", "杭州、成都", "600", "450", "350"]


def test_the_header_a_prose_line_or_a_label_and_value_is_no_row():
    assert table_row(TEXT, TEXT.index("城市类别")) is None  # the header names the columns
    assert table_row(TEXT, TEXT.index("说明")) is None
    assert table_row("年卡 2680元\n月卡 300元\n", 0) is None  # two cells: a label and its value


def test_the_column_a_question_names():
    row = table_row(TEXT, TEXT.index("二类城市"))
    assert column_scores(row.header, "我是普通员工，去成都出差一晚能报多少")[4] == 1.0
    assert asked_column(row, "我是普通员工，去成都出差一晚能报多少", [2, 3, 4]) == 4
    assert asked_column(row, "去成都出差一晚能报多少", [2, 3, 4]) is None  # no column named
    assert asked_column(row, "经理和普通员工能报多少", [2, 3, 4]) is None  # two named as well
