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


PRICES = (
    "价目表\n"
    "服务项目 小型轿车 SUV/MPV 七座以上商务车\n"
    "普通外观洗车 35 45 60\n"
    "精洗（内外） 80 100 130\n"
    "打蜡 150 180 220\n"
    "发动机舱清洗 60 70 80\n"
    "说明：车身特别脏加收20元。\n"
)


def test_a_column_is_named_by_what_sets_its_name_apart():
    """车 is in two columns' names: 摩托车 names none of them; 小轿车 writes 小型轿车's own 小 and 轿."""
    header = table_row(PRICES, PRICES.index("打蜡")).header
    scores = column_scores(header, "给摩托车洗一次多少钱")
    assert scores[1] == scores[3] == 0.0
    row = table_row(PRICES, PRICES.index("打蜡"))
    assert asked_column(row, "给摩托车洗一次多少钱", [1, 2, 3]) is None
    assert asked_column(row, "小轿车洗一次多少钱", [1, 2, 3]) == 1
    assert asked_column(row, "七座的商务车做个精洗多少钱", [1, 2, 3]) == 3


def test_a_row_is_named_by_the_characters_only_it_has():
    from rag.answering.tables import distinct_share, label_share, labels

    rows = labels(PRICES, PRICES.index("打蜡"))
    assert rows == ["普通外观洗车", "精洗（内外）", "打蜡", "发动机舱清洗"]
    question = "小轿车洗一次多少钱"
    assert distinct_share("普通外观洗车", rows, question) > 0  # its 车 (洗 is every washing row's)
    assert distinct_share("发动机舱清洗", rows, question) == distinct_share("精洗（内外）", rows, question) == 0
    assert label_share("打蜡", "打个蜡要多少钱") == 1.0 and label_share("普通外观洗车", "打个蜡要多少钱") == 0.0


def test_a_rows_figures_when_no_column_is_named_and_the_header_line():
    from rag.answering.tables import header_line, row_figures

    def digits(cell):
        return cell.isdigit()

    pos = PRICES.index("打蜡")
    a, b = row_figures(PRICES, pos, "打蜡要多少钱", digits)
    assert PRICES[a:b] == "150 180 220"
    assert row_figures(PRICES, pos, "SUV打蜡要多少钱", digits) is None  # a column named: its cell answers
    assert row_figures(PRICES, pos, "洗车要多少钱", digits) is None  # the row is not named
    start, end = header_line(PRICES, pos)
    assert PRICES[start:end] == "服务项目 小型轿车 SUV/MPV 七座以上商务车"
    assert header_line(PRICES, PRICES.index("说明")) is None


def test_a_price_is_read_where_the_named_row_meets_the_named_column(tmp_path):
    """The row named by what only it has and the column by its own name, quoted with the header; a column the
    question does not name gives no figure of the table; a row asked without a column gives its figures."""
    from tests.test_general_rules import _assistant_over

    text = (
        "洗车价目\n\n| 服务项目 | 小型轿车 | SUV/MPV | 七座以上商务车 |\n| --- | --- | --- | --- |\n"
        "| 普通外观洗车 | 35 | 45 | 60 |\n| 精洗（内外） | 80 | 100 | 130 |\n| 打蜡 | 150 | 180 | 220 |\n"
        "| 发动机舱清洗 | 60 | 70 | 80 |\n\n以上价格单位为元。车身特别脏加收20元。\n"
    )
    assistant = _assistant_over(tmp_path, "价目表.md", text)
    car = assistant.ask("小轿车洗一次多少钱？", threshold=0.0)
    assert car.answer == "35"
    assert [q.text for q in car.quotes] == ["普通外观洗车 35 45 60", "服务项目 小型轿车 SUV/MPV 七座以上商务车"]
    assert assistant.ask("七座的商务车做个精洗多少钱？", threshold=0.0).answer == "130"
    motorbike = assistant.ask("给摩托车洗一次多少钱？", threshold=0.0)
    assert motorbike.abstained or motorbike.answer not in {"35", "45", "60", "70", "80"}
    wax = assistant.ask("打蜡要多少钱？", threshold=0.0)
    assert wax.answer == "150 180 220" and wax.quotes[1].text.startswith("服务项目")


def test_a_row_is_named_by_its_words_and_label_not_its_figures():
    from rag.answering.tables import distinct_share, labels, row_words

    pos = TEXT.index("二类城市")
    assert row_words(TEXT, pos) == "二类城市 杭州、成都"
    rows = labels(TEXT, pos, words=True)
    assert rows == ["一类城市 北京、上海", "二类城市 杭州、成都"]
    assert distinct_share(row_words(TEXT, pos), rows, "我是普通员工，去成都出差一晚能报多少") > 0
    assert distinct_share(row_words(TEXT, pos), rows, "去北京出差一晚能报多少") == 0
    plans = "套餐 月费 速率\n500M 89元 500兆\n1000M 169元 1000兆\n"
    plan_rows = labels(plans, plans.index("500M"), words=True)
    assert plan_rows == ["500M", "1000M"]  # a label with digits still names its row
    assert distinct_share("500M", plan_rows, "500兆的宽带一个月多少钱") > 0


def test_a_figure_in_the_named_column_of_a_row_the_question_does_not_name_is_not_vouched_for(tmp_path):
    """我是普通员工，去成都出差: 成都 names the second row by a cell that is not its label; the first row's 450 in
    the same column is no answer."""
    from tests.test_general_rules import _assistant_over

    answer = _assistant_over(tmp_path, "标准.txt", TEXT).ask(
        "我是普通员工，去成都出差，酒店一晚最多能报多少？", threshold=0.0
    )
    assert answer.answer.startswith("350")
    assert [q.text for q in answer.quotes][1] == "城市类别 代表城市 总监 经理 普通员工"


def test_a_span_across_a_rows_cells_is_no_answer(tmp_path):
    """能打印金属吗 over a list of machines: the slot is the whole row (3D打印机 4台 220×220×250毫米 是), which names
    no cell; the documents do not say, and the builder says so."""
    from tests.test_general_rules import _assistant_over

    text = (
        "设备一览\n\n| 设备 | 数量 | 最大尺寸 | 是否需培训 |\n| --- | --- | --- | --- |\n"
        "| 3D打印机 | 4台 | 220×220×250毫米 | 是 |\n| 激光切割机 | 1台 | 600×400毫米 | 是 |\n"
        "| 缝纫机 | 3台 | — | 否 |\n"
    )
    assistant = _assistant_over(tmp_path, "设备.md", text)
    answer = assistant.ask("3D打印机能打印金属吗？", threshold=0.0)
    assert answer.abstained and answer.explanation["abstain_reason"] == "the proposal is a table row, not a cell"
    size = assistant.ask("激光切割机最大能切多大的板？", threshold=0.0)
    assert size.answer == "600×400毫米" and size.quotes[1].text == "设备 数量 最大尺寸 是否需培训"


def test_a_column_named_by_a_synonym_of_the_questions_word():
    """礼拜六 is a day of the 周末: it names the 周末及节假日价 column, not 平日价."""
    from rag.answering.core import names_column

    header = ("票种", "平日价", "周末及节假日价")
    row = table_row("票种 平日价 周末及节假日价\n成人票 168元 218元\n", 15)
    question = "礼拜六大人进去一张票多少钱"
    assert names_column(question)("周末及节假日价") and not names_column(question)("平日价")
    assert asked_column(row, question, [1, 2], names_column(question)) == 2
    assert column_scores(header, "平时去要多少钱")[1] > column_scores(header, "平时去要多少钱")[2]


def test_a_phone_number_written_in_groups_is_one_cell():
    from rag.answering.tables import _cells

    def cells(line):
        return [line[a:b] for a, b in _cells(line, 0, len(line))]

    assert cells("科目一 周文静 138 0011 2233 教学楼201室") == ["科目一", "周文静", "138 0011 2233", "教学楼201室"]
    assert cells("前台 0571-8836 2147 9:00") == ["前台", "0571-8836 2147", "9:00"]
    assert cells("境外 +86-21-3888 9528 全天") == ["境外", "+86-21-3888 9528", "全天"]
    assert cells("客服 400 820 8820 全天") == ["客服", "400 820 8820", "全天"]
    assert cells("门店 800 1200 1500") == ["门店", "800", "1200", "1500"]  # three prices stay three cells


def test_a_tables_row_with_a_grouped_phone_number_keeps_its_columns(tmp_path):
    """A contact table whose phone cells have spaces in them: each row still has the header's columns, so a
    question naming a row and a column reads that row's cell (not a neighbour's, not the header)."""
    from tests.test_general_rules import _assistant_over

    text = (
        "# 驾校教练组安排\n\n本校按考试科目分组教学。\n\n| 科目 | 组长 | 联系电话 | 练车地点 |\n| --- | --- | --- | --- |\n"
        "| 科目一 | 周文静 | 138 0011 2233 | 教学楼201室 |\n| 科目二 | 韩立平 | 139 2233 4455 | 东场地 |\n"
        "| 科目三 | 马志强 | 137 5566 7788 | 北环路考场 |\n"
    )
    assistant = _assistant_over(tmp_path, "教练.md", text)
    assert assistant.ask("科目二的组长是谁？").answer.startswith("韩立平")
    assert assistant.ask("科目一组长电话多少？").answer.startswith("138 0011 2233")
    assert assistant.ask("练科目二去哪？").answer.startswith("东场地")


def test_rows_holding_the_same_words_are_told_apart_by_the_questions_phrase(tmp_path):
    """一荤两素一汤 and 两荤两素一汤 both hold 两, 荤 and 两素; the row writing the question's 两荤两素 unbroken is
    the one asked."""
    from tests.test_general_rules import _assistant_over

    text = (
        "# 社区食堂价目\n\n| 套餐 | 内容 | 价格 |\n|---|---|---|\n| 营养A餐 | 一荤两素一汤 | 12元 |\n"
        "| 营养B餐 | 两荤两素一汤 | 16元 |\n| 软食餐 | 肉末蒸蛋、烂糊面 | 10元 |\n"
    )
    assistant = _assistant_over(tmp_path, "价目.md", text)
    assert assistant.ask("两荤两素的那个套餐多少钱？").answer.startswith("16元")
    assert assistant.ask("一荤两素的套餐多少钱？").answer.startswith("12元")


def test_a_column_is_named_by_the_kind_of_answer_the_question_asks():
    from rag.answering.core import names_column

    assert names_column("软食餐什么时候有得吃", "date")("供应时间")
    assert names_column("科目二在哪里练车", "place")("练车地点")
    assert names_column("订餐打哪个电话", "code")("联系电话")
    assert not names_column("软食餐什么时候有得吃")("供应时间")  # no type given: the words alone decide
    assert not names_column("软食餐什么时候有得吃", "date")("价格")


def test_a_cell_is_read_from_the_column_of_the_asked_kind(tmp_path):
    """什么时候 over a menu reads the row's 供应时间 cell; 在哪里 over a timetable reads its 地点 cell."""
    from tests.test_general_rules import _assistant_over

    text = (
        "# 长者食堂套餐\n\n| 套餐 | 内容 | 价格 | 供应时间 |\n|---|---|---|---|\n"
        "| 营养A餐 | 一荤两素一汤 | 12元 | 午餐 |\n| 软食餐 | 肉末蒸蛋、烂糊面 | 10元 | 午餐、晚餐 |\n"
        "| 早点 | 豆浆、包子 | 4元 | 早餐 |\n\n| 课程 | 老师 | 上课地点 |\n|---|---|---|\n"
        "| 书法班 | 林文清 | 活动室二楼 |\n| 合唱班 | 周海燕 | 多功能厅 |\n"
    )
    assistant = _assistant_over(tmp_path, "食堂.md", text)
    assert assistant.ask("软食餐什么时候有得吃？").answer.startswith("午餐、晚餐")
    assert assistant.ask("合唱班在哪里上？").answer.startswith("多功能厅")


def test_a_padded_name_or_a_parted_place_keeps_its_row_under_the_header(tmp_path):
    """A timetable whose cells hold 唐 敏 (a two-character name padded) and 文化中心 一楼 多功能厅 (a place in parts):
    each row still has the header's columns, so a row and a column asked read the right cell."""
    from tests.test_general_rules import _assistant_over

    text = (
        "# 社区老年大学课程表\n\n| 课程 | 老师 | 上课地点 | 学费 |\n|---|---|---|---|\n"
        "| 英语口语 | 唐 敏 | 文化中心 三楼 电脑室 | 180元/学期 |\n| 合唱 | 林秋燕 | 文化中心 一楼 多功能厅 | 200元/学期 |\n"
        "| 书法 | 沈立群 | 文化中心 二楼 书画室 | 260元/学期 |\n"
    )
    assistant = _assistant_over(tmp_path, "课程表.md", text)
    assert assistant.ask("英语口语的老师是谁？").answer.startswith("唐敏")
    assert assistant.ask("合唱在哪里上课？").answer.startswith("文化中心一楼多功能厅")
    assert assistant.ask("书法一学期学费多少？").answer.startswith("260元")


CODES = "故障代码\n代码 含义 处理方法\nF1 水泵卡住 断电后转动叶轮\nF2 进水阀堵塞 清洗进水口滤网\nF7 门未关好 重新关门\n"


def test_a_row_named_by_its_label_and_no_column_is_its_cells_after_the_label():
    from rag.answering.tables import row_rest

    at = CODES.index("F2")
    a, b = row_rest(CODES, at, "屏幕上显示F2是什么毛病")
    assert CODES[a:b] == "进水阀堵塞 清洗进水口滤网"
    assert row_rest(CODES, at, "显示F是什么毛病") is None  # 2 sets F2 apart from F1 and F7: not written
    assert row_rest(CODES, at, "F2的处理方法是什么") is None  # a column named: that cell answers (named_cell)
    assert row_rest(CODES, CODES.index("代码"), "代码是什么") is None  # the header is no row


def test_a_code_asked_what_or_how_is_answered_by_its_row(tmp_path):
    """E-codes in a manual's table: 是什么毛病 names no column (含义), 怎么办 neither; the row answers both, whole."""
    from tests.test_general_rules import _proposal

    files = {
        "manual.md": "# 洗碗机说明\n\n## 故障代码\n\n| 代码 | 含义 | 处理方法 |\n| --- | --- | --- |\n"
        "| F1 | 水泵卡住 | 断电后转动叶轮 |\n| F2 | 进水阀堵塞 | 清洗进水口滤网 |\n| F7 | 门未关好 | 重新关门 |\n"
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    what = _proposal(tmp_path / "a", files, "屏幕上跳出F2，这是啥毛病？")
    assert "进水阀堵塞" in what.answer and "水泵" not in what.answer
    how = _proposal(tmp_path / "b", files, "显示F7了我该怎么弄")
    assert "重新关门" in how.answer and "进水阀" not in how.answer


def test_a_yes_no_question_naming_a_row_and_a_column_is_answered_by_their_cell(tmp_path):
    """能加急吗 of a price list's row, with a 加急 column: a cell of words says whether (不接急单), not a refusal
    because the best sentence is a whole row; a figure's cell (35元) says how much, not whether."""
    from tests.test_general_rules import _proposal

    files = {
        "prices.md": "# 改衣价目\n\n| 项目 | 普通 | 加急 |\n| --- | --- | --- |\n| 裤子改短 | 20元 | 35元 |\n"
        "| 大衣换里布 | 120元 | 不接急单 |\n| 衬衫改袖长 | 25元 | 40元 |\n"
    }
    (tmp_path / "words").mkdir()
    (tmp_path / "figure").mkdir()
    assert _proposal(tmp_path / "words", files, "我的大衣想换个里布，能加急吗？").answer == "不接急单"
    assert _proposal(tmp_path / "figure", files, "裤子改短能加急吗？").answer != "35元"


def test_how_a_named_rows_price_is_reckoned_is_the_rest_of_its_row(tmp_path):
    """票价怎么算 names the 票价 column too, but asks how: the price and the concession beside it, not the price
    alone (the price alone is wrong for the pensioner asking)."""
    from tests.test_general_rules import _proposal

    files = {
        "tickets.md": "# 票价\n\n| 展览 | 票价 | 优惠 |\n| --- | --- | --- |\n| 常设展 | 免费 | 无需预约 |\n"
        "| 特展《青铜之光》 | 80元 | 学生、老人半价 |\n| 特展《海上丝路》 | 60元 | 儿童免票 |\n"
    }
    answer = _proposal(tmp_path, files, "我爸今年65，看青铜那个特展票价怎么算？")
    assert answer.answer == "80元 学生、老人半价"
