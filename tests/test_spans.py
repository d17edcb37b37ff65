import pytest

from rag.spans import cn_to_number, find_dates, find_enumerations, find_quantities, unit_kind


@pytest.mark.parametrize(
    ("text", "span", "value", "unit", "kind"),
    [
        ("碑林区承担蓝田县11个行政村", "11个", 11, "个", "count"),
        ("帮扶十一个村", "十一个", 11, "个", "count"),
        ("休息二个月", "二个月", 2, "个月", "duration"),
        ("奖励五百元", "五百元", 500, "元", "money"),
        ("投入资金8.46亿元新建", "8.46亿元", 846_000_000, "亿元", "money"),
        ("财政帮扶资金4500余万元", "4500余万元", 45_000_000, "万元", "money"),
        ("累计投入扶贫资金近700万元", "近700万元", 7_000_000, "万元", "money"),
        ("群众满意度达到95%以上", "95%以上", 95, "%", "percent"),
        ("硬化道路33.6公里", "33.6公里", 33.6, "公里", "length"),
        ("安装路灯853盏", "853盏", 853, "盏", "count"),
        ("补贴项目20.9万亩", "20.9万亩", 209_000, "亩", "area"),
        ("注册量达到2万8千余人", "2万8千余人", 28_000, "人", "count"),
        ("他叫奚元平,今年51岁", "51岁", 51, "岁", "age"),
        ("激光切割机 1台 600×400毫米 是", "600×400毫米", 600, "毫米", "length"),  # a size: its sides whole
        ("最大打印尺寸220×220×250毫米", "220×220×250毫米", 220, "毫米", "length"),
        ("桌面尺寸120*60cm", "120*60cm", 120, "cm", "length"),
    ],
)
def test_quantities_with_units_and_approximators(text, span, value, unit, kind):
    found = [q for q in find_quantities(text) if q.text == span]
    assert found, [q.text for q in find_quantities(text)]
    q = found[0]
    assert text[q.start : q.end] == span
    assert q.value == pytest.approx(value)
    assert q.unit == unit and q.kind == kind


def test_numerals_inside_words_are_not_quantities():
    assert find_quantities("建立了全县唯一一个贫困村光伏发电项目") == []
    assert [q.text for q in find_quantities("统一制作悬挂了家风家训牌1500余套")] == ["1500余套"]
    assert find_quantities("2019年6月,雁塔区") == []
    assert [q.kind for q in find_quantities("实行三级包抓机制")] == ["level"]  # a level, never a count


def test_chinese_numerals():
    assert cn_to_number("十一") == 11
    assert cn_to_number("二千零九") == 2009
    assert cn_to_number("三十五万") == 350_000
    assert cn_to_number("三点五") == 3.5
    assert cn_to_number("abc") is None
    assert unit_kind("万元") == "money" and unit_kind("户") == "count" and unit_kind(None) is None


def test_dates():
    assert [d.text for d in find_dates("自2019年6月起,8月20日至21日,今年11月她被表彰,每月25日左右")] == [
        "2019年6月",
        "8月20日至21日",
        "今年11月",
        "每月25日",  # a recurring day keeps its 每月, as 每周一 keeps its 每
    ]
    assert [d.text for d in find_dates("2019-11-26 23:00")] == ["2019-11-26 23:00"]


def test_enumerations():
    text = "汉滨区大河镇、瀛湖镇、谭坝镇四个毛绒玩具厂在同一天开业"
    assert [e.text for e in find_enumerations(text, "镇")] == ["大河镇、瀛湖镇、谭坝镇"]
    assert [e.text for e in find_enumerations("2018年,张家村和南国村联合成立张南联村", "村")] == ["张家村和南国村"]
    assert "抓常态、抓纪律、抓保障" in [e.text for e in find_enumerations("“三抓制度”:抓常态、抓纪律、抓保障。")]


def test_approximate_numerals_levels_spaced_years_and_figures_of_speech():
    assert [(q.text, q.kind) for q in find_quantities("一年下来能卖七八万块钱")] == [
        ("一年", "duration"),
        ("七八万块钱", "money"),
    ]
    assert [q.text for q in find_quantities("剩下五六十岁的老人")] == ["五六十岁"]
    assert find_quantities("唯一一个") == []  # not 一一
    assert [(q.text, q.kind) for q in find_quantities("建立3级作战图")] == [("3级", "level")]
    assert [d.text for d in find_dates("2019 年度完成转移就业30人")] == ["2019 年度"]
    assert [q.text for q in find_quantities("2019 年度完成转移就业30人")] == ["30人"]
    assert find_quantities("百家社会组织扶百村") == []


@pytest.mark.parametrize(
    ("text", "quantity", "value", "kind"),
    [
        ("全市共有35 家企业", "35 家", 35, "count"),
        ("接待游客12.8 万人次", "12.8 万人次", 128_000, "count"),
        ("投资100亿美元建厂", "100亿美元", 1e10, "money"),
        ("门票20欧元,", "20欧元", 20, "money"),
        ("年薪300万英镑", "300万英镑", 3_000_000, "money"),
    ],
)
def test_quantities_with_a_space_or_a_currency(text, quantity, value, kind):
    (q,) = find_quantities(text)
    assert (q.text, q.value, q.kind) == (quantity, value, kind)


def test_units_come_from_the_data_file():
    from rag.spans import UNITS
    from rag.textutil import RESOURCES

    first = (RESOURCES / "zh" / "units.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#") and "from" in first
    assert "美元" in UNITS["money"] and "家" in UNITS["count"] and unit_kind("日元") == "money"


@pytest.mark.parametrize(
    ("text", "quantity", "unit", "kind"),
    [
        ("未满十六周岁的未成年人", "十六周岁", "周岁", "age"),  # 周岁, not 周 (a week)
        ("应当在三十日内办理", "三十日", "日", "duration"),
        ("馆藏图书36册", "36册", "册", "count"),
        ("每瓶500毫升", "500毫升", "毫升", "volume"),
        ("面积约3平方公里", "约3平方公里", "平方公里", "area"),  # an area, though 公里 is a length
        ("新大楼共5层", "共5层", "层", "count"),
        ("体重约只有8公斤重", "8公斤", "公斤", "weight"),
    ],
)
def test_units_from_the_data_file(text, quantity, unit, kind):
    (q,) = [q for q in find_quantities(text) if quantity in q.text]
    assert (q.unit, q.kind) == (unit, kind)


def test_equivalent_measure_words():
    from rag.spans import equivalent_units, same_unit

    assert same_unit("本", "册") and same_unit("册", "本")
    assert same_unit("岁", "周岁") and same_unit("天", "日") and same_unit("公里", "千米")
    assert not same_unit("本", "张") and not same_unit("天", "年") and not same_unit(None, "本")
    assert same_unit("层", "层")
    assert {"岁", "周岁"} <= equivalent_units("岁") and equivalent_units("层") == {"层", "楼"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("每周一店休", ["每周一"]),
        ("周一至周五9点开门", ["周一至周五"]),
        ("星期天不营业", ["星期天"]),
        ("一周一次", []),  # once a week, not Monday
        ("上周一开会", []),
    ],
)
def test_days_of_the_week_are_dates(text, found):
    assert [d.text for d in find_dates(text)] == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("双方代表于一九六一年九月十日互换批准书", ["一九六一年九月十日"]),
        ("《越南亡国史》写于二十世纪初期", ["二十世纪初期"]),
        ("始建于公元前221年", ["公元前221年"]),
        ("1990年代以来受到影响", ["1990年代以来"]),
        ("1985年9月至1987年7月在校学习", ["1985年9月至1987年7月"]),
        ("生殖季在2至4月", ["2至4月"]),
        ("从三月起开放，今年三月5号验收", ["三月", "今年三月5号"]),
        ("1990年代以后开始改建，2019年6月之前完成", ["1990年代以后", "2019年6月之前"]),
    ],
)
def test_dates_in_chinese_numerals_centuries_and_ranges(text, found):
    assert [d.text for d in find_dates(text)] == found


def test_words_with_a_month_inside_are_not_dates():
    assert find_dates("动画《神圣十月》播出") == []
    assert find_dates("服役三个月，两个月后") == []
    assert [q.text for q in find_quantities("服役三个月")] == ["三个月"]


@pytest.mark.parametrize(
    ("text", "quantity", "value", "unit"),
    [
        ("生长于海拔400米至800米的地区", "400米至800米", 400, "米"),
        ("每组3-5人", "3-5人", 3, "人"),
        ("票价20～30元", "20～30元", 20, "元"),
        ("适合10到12岁的孩子", "10到12岁", 10, "岁"),
    ],
)
def test_a_range_of_quantities_is_one_span(text, quantity, value, unit):
    (q,) = find_quantities(text)
    assert (q.text, q.value, q.unit) == (quantity, value, unit)


def test_a_lone_zero_before_a_measure_word_begins_a_word():
    assert [q.text for q in find_quantities("收取零件费和人工费，人工费80元/次")] == ["80元"]
    assert [q.text for q in find_quantities("一百零五个")] == ["一百零五个"]
    assert [q.text for q in find_quantities("库存0个")] == ["0个"]


def test_numbers_joined_by_a_dash_without_a_unit_stay_apart():
    assert [q.text for q in find_quantities("电话010-12345678")] == ["010", "12345678"]
    assert [q.text for q in find_quantities("身高180厘米，体重75公斤")] == ["180厘米", "75公斤"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("周六、周日及法定节假日：上午8:00—晚上21:00", ["上午8:00—晚上21:00"]),
        ("每天早上7点至晚上9点营业", ["早上7点至晚上9点"]),
        ("下午两点半出发，9点30分开会", ["下午两点半", "9点30分"]),
        ("请于9点前到达", ["9点"]),
        ("营业至次日2:00", ["次日2:00"]),  # the day after belongs to the time
        ("连续输错3次将被锁定，次日零点自动解锁", ["次日零点"]),  # midnight by name, on the day after
        ("第二天上午10点集合，零点到六点不营业", ["第二天上午10点", "零点到六点"]),
        ("午夜12点闭馆", ["午夜12点"]),
        ("水深零点五米", []),  # 零点五 is 0.5
    ],
)
def test_times_of_day(text, found):
    from rag.spans import find_times

    assert [t.text for t in find_times(text)] == found


def test_points_and_scores_are_not_times():
    from rag.spans import find_times

    assert find_times("提出三点意见，比分3:2") == [] or [t.text for t in find_times("提出三点意见，比分3:2")] == ["3:2"]
    assert find_times("提出三点意见") == []
    assert [q.text for q in find_quantities("晚上22:00以后")] == []  # a time is not a quantity


def test_a_discount_in_chinese_numerals_is_a_quantity():
    assert [(q.text, q.kind) for q in find_quantities("学生办季卡打八五折")] == [("八五折", "percent")]


@pytest.mark.parametrize(
    ("text", "quantity", "unit", "kind"),
    [
        ("剁椒鱼头 ¥88", "¥88", "元", "money"),
        ("票价￥30起", "￥30", "元", "money"),  # 起 after it means "from", it is not the unit
        ("收入$10亿", "$10亿", "亿美元", "money"),
    ],
)
def test_a_currency_sign_is_a_money_unit(text, quantity, unit, kind):
    (q,) = find_quantities(text)
    assert (q.text, q.unit, q.kind) == (quantity, unit, kind)


def test_a_headings_number_is_not_a_list_item():
    from rag.spans import find_enumerations

    assert find_enumerations("二、报销流程") == []  # a heading, no list
    assert [e.text for e in find_enumerations("三、报名、缴费和退费")] == ["报名、缴费和退费"]
    assert [e.text for e in find_enumerations("1、2、3和4")] == ["1、2、3和4"]  # figures stay a list
    assert [e.text for e in find_enumerations("书包一个、铅笔5支、橡皮2块")] == ["书包一个、铅笔5支、橡皮2块"]


def test_within_after_a_quantity_is_part_of_it():
    from rag.spans import find_quantities

    assert [q.text for q in find_quantities("登记后3个工作日内上门安装")] == ["3个工作日内"]
    assert [q.text for q in find_quantities("5公里以内免费")] == ["5公里以内"]
    assert [q.text for q in find_quantities("共有3个内容")] == ["3个"]  # 内容 is a word, not "within"


def test_a_kind_table_keeps_file_order_and_refuses_a_kind_twice(tmp_path, monkeypatch):
    import rag.textutil as textutil

    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "t.txt").write_text("# source line\nb\t甲 乙\na\t丙\n", encoding="utf-8")
    (tmp_path / "zh" / "d.txt").write_text("# source line\na\t甲\na\t乙\n", encoding="utf-8")
    monkeypatch.setattr(textutil, "RESOURCES", tmp_path)
    assert textutil.resource_groups("zh/t.txt") == {"b": ("甲", "乙"), "a": ("丙",)}
    assert list(textutil.resource_groups("zh/t.txt")) == ["b", "a"]
    with pytest.raises(ValueError, match="on two lines"):
        textutil.resource_groups("zh/d.txt")


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("树高可达55米", "可达55米"),  # 达 closes the word 可达: never half a word
        ("全队共计15人，其中运动员9人", "共计15人"),
        ("合同期长达10年", "长达10年"),
        ("报名人数，达120人", "达120人"),  # 达 alone is a word: kept as it is
        ("大约50元", "大约50元"),
    ],
)
def test_an_approximator_is_read_as_the_whole_word_it_closes(text, quantity):
    assert find_quantities(text)[0].text == quantity


def test_a_day_of_every_month_keeps_its_every():
    """每月15日 is a recurring day (as 每周一 is): the 每月 belongs to the date."""
    text = "报销款于每月15日统一发放。"
    assert [text[d.start : d.end] for d in find_dates(text)] == ["每月15日"]


def test_the_nth_weekday_of_a_month_is_a_date():
    from rag.spans import find_dates

    text = "每月第二个星期六举办讲座；每年5月最后一个星期日是开放日；第三个周五休息。"
    assert [d.text for d in find_dates(text)] == ["每月第二个星期六", "5月", "最后一个星期日", "第三个周五"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("孩子才1米1，团费要多少", [("1米1", 1.1)]),
        ("身高1米2以下免票", [("1米2以下", 1.2)]),
        ("他身高1米75", [("1米75", 1.75)]),
        ("长1米5宽2米", [("1米5", 1.5), ("2米", 2.0)]),
        ("跳远2米1个人", [("2米", 2.0), ("1个", 1.0)]),  # a digit with its own measure word is another quantity
    ],
)
def test_an_everyday_height_reads_its_decimals(text, found):
    from rag.spans import find_quantities

    assert [(q.text, q.value) for q in find_quantities(text)] == found


@pytest.mark.parametrize(
    "text,minutes",
    [
        ("晚上7点", (1140, 1140)),
        ("19:00", (1140, 1140)),
        ("下午两点半", (870, 870)),
        ("中午1点", (780, 780)),
        ("中午12:00", (720, 720)),
        ("晚上十二点", (1440, 1440)),
        ("18:00—21:00", (1080, 1260)),
        ("下午2点至5点", (840, 1020)),  # the end takes the start's daypart
        ("晚上23:00至次日6:00", (1380, 1800)),  # ... unless that puts it before the start: past midnight
        ("三点意见", None),
    ],
)
def test_a_time_of_day_reads_as_minutes_after_midnight(text, minutes):
    from rag.spans import clock_range

    assert clock_range(text) == minutes


def test_a_time_is_found_in_any_notation_and_inside_a_range():
    from rag.spans import clock_range, time_positions

    seven = clock_range("晚上七点")
    assert time_positions(seven, "峰时段 10:00—15:00、18:00—21:00：1.68") == [16]
    assert time_positions(seven, "19:00 流瑜伽") == [0]
    assert time_positions(seven, "平时段 15:00—18:00、21:00—23:00") == []  # a range holds its start, not its end
    assert time_positions(clock_range("晚上十二点"), "晚上23:00至次日6:00南门关闭") == [0]


def test_unit_symbols_in_latin_letters_are_units():
    """1.601 km², 10km, 2cm, 3.5L are measures as much as 10公里; a symbol ends at its last letter (±0.5mil is no
    metre) and answers a question in the Chinese unit (多少厘米 → 2cm)."""
    from rag.spans import same_unit

    found = [(q.text, q.kind) for q in find_quantities("面积1.601 km²，追踪距离10km，精度±0.5mil，全长2cm，容量3.5L")]
    assert ("1.601 km²", "area") in found and ("10km", "length") in found and ("2cm", "length") in found
    assert ("3.5L", "volume") in found and not any(t.endswith("m") and "mil" in t for t, _ in found)
    assert ("0.5", None) in found  # mil is no unit of ours: the bare figure
    assert same_unit("厘米", "cm") and same_unit("公里", "km") and not same_unit("米", "km")


@pytest.mark.parametrize(
    ("text", "quantity", "kind"),
    [
        ("每户可认领2块菜地，每块每年300元", "2块", "count"),  # 块 before a noun measures it
        ("一块手表", "一块", "count"),
        ("送2块蛋糕", "2块", "count"),
        ("交20块押金", "20块", "money"),  # a noun that names a sum (quantity_words.txt's money words)
        ("多收10块停车费", "10块", "money"),  # ... or ends in 费 (money_suffixes.txt)
        ("押金120块", "120块", "money"),  # nothing after it: a sum, as before
        ("5块一个", "5块", "money"),  # a count after it is what the sum buys
        ("收50块钱", "50块钱", "money"),
        ("初始资本为5000万加元", "5000万加元", "money"),  # a currency with a magnitude is money as before
    ],
)
def test_kuai_before_a_noun_counts_it(text, quantity, kind):
    found = {q.text: q.kind for q in find_quantities(text)}
    assert found[quantity] == kind


def test_a_range_keeps_its_upper_end():
    (q,) = find_quantities("80至89周岁的会员")
    assert (q.text, q.value, q.high, q.unit) == ("80至89周岁", 80.0, 89.0, "周岁")
    (single,) = find_quantities("90周岁以上")
    assert single.high is None


@pytest.mark.parametrize(
    ("text", "quantity", "value"),
    [
        ("病假期间工资按本人基本工资的百分之八十发放", "百分之八十", 80.0),
        ("每日按合同总价的千分之一支付违约金", "千分之一", 0.1),  # not 一支, a count
        ("按日加收万分之五的滞纳金", "万分之五", 0.05),
        ("覆盖率达到百分之12.5", "百分之12.5", 12.5),
    ],
)
def test_a_fraction_written_out_is_a_percentage(text, quantity, value):
    found = find_quantities(text)
    assert [(q.text, q.unit, q.kind) for q in found] == [(quantity, "%", "percent")]
    assert found[0].value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "quantity", "value", "high"),
    [
        ("拒不改正的，处二百元以上五百元以下罚款。", "二百元以上五百元以下", 200.0, 500.0),
        ("处1000元以上5000元以下罚款", "1000元以上5000元以下", 1000.0, 5000.0),
    ],
)
def test_a_lower_and_an_upper_bound_together_are_one_range(text, quantity, value, high):
    found = find_quantities(text)
    assert [(q.text, q.value, q.high) for q in found] == [(quantity, value, high)]


@pytest.mark.parametrize(
    ("text", "quantity", "unit", "kind"),
    [
        ("最大吸力8000Pa", "8000Pa", "Pa", "pressure"),
        ("吸力达到8000帕", "8000帕", "帕", "pressure"),
        ("5200mAh大电池", "5200mAh", "mAh", "charge"),
        ("运行噪音35dB", "35dB", "dB", "loudness"),
        ("耗电0.5kWh", "0.5kWh", "kWh", "energy"),
        ("适用面积36—62㎡", "36—62㎡", "㎡", "area"),  # a CJK compatibility symbol
    ],
)
def test_units_of_product_manuals(text, quantity, unit, kind):
    assert [(q.text, q.unit, q.kind) for q in find_quantities(text)] == [(quantity, unit, kind)]
