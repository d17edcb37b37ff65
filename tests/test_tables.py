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


def test_a_cell_is_where_the_named_row_meets_the_named_column(tmp_path):
    """A timetable asked by its row (晚上7点 = 19:00) and its column (礼拜三 = 周三): the cell where they meet."""
    from tests.test_general_rules import _assistant_over

    text = (
        "每周课程安排\n\n| 时间 | 周一 | 周二 | 周三 |\n| --- | --- | --- | --- |\n"
        "| 9:30 | 哈他瑜伽 | 流瑜伽 | 阴瑜伽 |\n| 19:00 | 流瑜伽 | 阴瑜伽 | 空中瑜伽 |\n"
    )
    assistant = _assistant_over(tmp_path, "课程表.md", text)
    assert assistant.ask("礼拜三晚上7点上啥课？").answer == "空中瑜伽"
    assert assistant.ask("周二早上9点半上什么课？").answer == "流瑜伽"


def test_a_header_row_names_columns_and_a_spaced_prose_line_is_none():
    from rag.answering.tables import is_header

    assert is_header(TEXT, TEXT.index("城市类别"))
    assert not is_header(TEXT, TEXT.index("二类城市"))  # a row of values
    prose = "营业时间：周一至周五 10:00—21:00，周六、周日 9:30—21:30。\n预约电话：0571-8652 3307（前台 小周）\n"
    assert not is_header(prose, 0)
