import pytest

from rag.question import analyse, place_mentions


@pytest.mark.parametrize(
    ("question", "qtype", "unit", "kind", "noun"),
    [
        ("碑林区帮扶了多少个村", "number", "个", "count", "村"),
        ("雁塔区有多少名党员干部联户结对帮扶", "number", "名", "count", "党员干部"),
        ("高陵区建档立卡户共有多少户", "number", "户", "count", None),
        ("碑林区一共花了多少钱搞帮扶", "number", None, "money", None),
        ("雁塔区投入了多少资金", "number", None, "money", "资金"),
        ("碑林区的群众满意度达到了多少", "number", None, "percent", None),
        ("碑林区修建、拓宽、硬化了多少公里道路", "number", "公里", "length", "道路"),
        ("碑林区安装了多少盏路灯", "number", "盏", "count", "路灯"),
        ("奚元平今年多少岁", "number", "岁", "age", None),
        ("高陵区在评比中排第几", "number", None, "ordinal", None),
        ("张南联村党委书记是谁", "person", None, None, None),
        ("花耳坪村党支部书记叫什么名字", "person", None, None, None),
        ("房东叫什么名字", "person", None, None, None),
        ("为啥不让带狗住房间", "reason", None, None, None),  # 为啥: everyday 为什么
        ("这个锅咋清洗", "how", None, None, None),  # 咋: everyday 怎么
        ("带科目二的是哪个教练", "person", None, None, None),  # 哪个 + a person noun asks a person
        ("该挂哪个医生的号", "person", None, None, None),
        (
            "是哪个国家的电视剧",
            "place",
            None,
            None,
            None,
        ),  # 国家: -家 ends things too  # -东, -主, -客 name persons (房东, 业主, 房客)
        ("碑林区是哪一年承接丹凤县对口帮扶任务的", "date", None, None, None),
        ("雁塔区什么时候开始帮扶汉滨区", "date", None, None, None),
        ("汉滨区哪几个镇的毛绒玩具厂同一天开业", "list", None, None, None),
        ("哪些医院对口帮扶汉滨区", "list", None, None, None),
        ("碑林区为哪所小学更换了全套教学设施", "place", None, None, None),
        ("奚元平家为什么生活困难", "reason", None, None, None),
        ("雁塔区如何开展消费扶贫", "how", None, None, None),
    ],
)
def test_question_types_and_units(question, qtype, unit, kind, noun):
    q = analyse(question)
    assert (q.qtype, q.unit, q.unit_kind, q.noun) == (qtype, unit, kind, noun)


def test_key_terms_drop_question_and_type_words():
    q = analyse("碑林区帮扶了多少个村")
    assert q.terms == ["碑林区", "帮扶", "村"]
    assert "钱" not in analyse("碑林区一共花了多少钱搞帮扶").terms
    assert analyse("雁塔区2021年投入了多少帮扶资金").years == ["2021年"]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("碑林区驻村干部每月驻村时间不少于多少天", ["碑林区"]),
        ("高陵区还剩多少户没有脱贫", ["高陵区"]),
        ("碑林区在丹凤县帮扶了多少个村", ["碑林区", "丹凤县"]),
        ("雁塔区派驻郭家寨村的第一书记是谁", ["雁塔区", "郭家寨村"]),
        ("西安市雁塔区委书记是谁", ["西安市", "雁塔区"]),
        ("白河县中厂镇有多少个贫困村", ["白河县", "中厂镇"]),
        ("全区行政村和贫困村有多少个", []),
        ("老小区没电梯，新小区有", []),  # an adjective before a common noun (小区) names no place
        ("往外省寄个一公斤的东西多少钱", []),  # a determiner + suffix is a common noun (外省, 邻县)
        ("到邻县去要多久，阳光小区物业费多少", ["阳光小区"]),
    ],
)
def test_place_mentions(text, places):
    assert place_mentions(text) == places


@pytest.mark.parametrize(
    ("english", "terms"),
    [
        ("How many households enjoy the basic living guarantee?", ["兜底保障", "户"]),
        ("How many people were lifted out of poverty?", ["脱贫", "多少人"]),
        ("How many left-behind children were helped?", ["留守儿童"]),
        ("How many cooperatives were built?", ["合作社", "多少个"]),
    ],
)
def test_english_phrases_map_to_chinese_terms(english, terms):
    from rag.english import to_chinese

    chinese = to_chinese(english, corpus="")
    assert all(t in chinese for t in terms), chinese
    assert "poverty" not in chinese and "living" not in chinese


def test_a_noun_that_restates_the_measure_word_is_dropped():
    q = analyse("李付东家有几口人")
    assert (q.unit, q.unit_kind, q.noun) == ("口", "count", None)
    assert analyse("碑林区帮扶了多少个村").noun == "村"


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("碑林区一共派了多少干部驻村", ["碑林区"]),  # 驻村 after a common noun is no village
        ("各帮扶单位驻村开展工作", []),
        ("张南联村党委书记", ["张南联村"]),
        ("高陵区鹿苑街办马家村脱贫户", ["高陵区", "马家村"]),
        ("中原镇骆驼村党支部书记", ["中原镇", "骆驼村"]),
        ("通远街道何村党支部书记", ["何村"]),
    ],
)
def test_place_names_and_look_alikes(text, places):
    assert place_mentions(text) == places


@pytest.mark.parametrize(
    ("question", "term"), [("碑林区总共投了多少钱", "投"), ("碑林区通过帮扶让多少贫困人口找到了工作", "找到")]
)
def test_aspect_particles_are_not_part_of_terms(question, term):
    assert term in analyse(question).terms


@pytest.mark.parametrize(
    ("question", "qtype", "word"),
    [
        ("当地人把石拱桥称为什么", "fact", "什么"),
        ("他被誉为什么", "fact", "什么"),
        ("这座桥为什么叫望月桥", "reason", "为什么"),
        ("为什么这张专辑销量惨淡", "reason", "为什么"),
    ],
)
def test_a_verb_ending_in_wei_keeps_its_wei(question, qtype, word):
    from rag.extract.slots import question_slot
    from rag.question import detect_type, mask_wei_verbs

    assert detect_type(question) == qtype
    assert question_slot(question).word == word
    assert len(mask_wei_verbs(question)) == len(question)


@pytest.mark.parametrize(
    ("question", "unit", "kind"),
    [
        ("图书馆有多少本书", "本", "count"),
        ("未满多少周岁不能办身份证", "周岁", "age"),
        ("这家公司去年的营收是多少", None, "money"),  # a word, not a measure word, tells the kind
        ("收入增长了多少", None, "money"),  # percent yields to money
        ("群众满意度是多少", None, "percent"),
        ("护照有效期是多久", None, "duration"),
        ("这座桥有多长", None, "length"),
        ("这只猫的体重是多少", None, "weight"),
    ],
)
def test_the_kind_of_quantity_asked(question, unit, kind):
    from rag.question import analyse

    q = analyse(question)
    assert (q.unit, q.unit_kind) == (unit, kind)


def test_a_measure_in_the_question_is_one_key_term_and_a_qualifier():
    from rag.question import analyse

    q = analyse("8寸的蛋糕卖多少钱")
    assert "8寸" in q.terms and "8" not in q.terms and "寸" not in q.terms
    assert [(x.value, x.unit) for x in q.qualifiers] == [(8.0, "寸")]
    # counts and durations describe the question's scope, not one thing's size
    assert analyse("雁塔区在周至县帮扶的是哪两个镇").qualifiers == []
    assert analyse("一个月最多加班多少小时").qualifiers == []


@pytest.mark.parametrize(
    ("question", "suffix"),
    [
        ("杨朝祥是在哪所大学取得博士学位的", "大学"),
        ("这部漫画是由哪个杂志连载的", "杂志"),
        ("帮扶哪个村", "村"),  # a place suffix from the list still wins
    ],
)
def test_the_noun_after_which_is_the_asked_suffix(question, suffix):
    assert analyse(question).asked_suffix == suffix


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("为什么这张专辑销量惨淡", "reason"),
        ("他为何辞职", "reason"),
        ("停电是什么原因", "reason"),
        # a manner or a description is asked, not a cause: the passage states it in the question's slot
        ("中医上是如何使用龙胆的", "how"),
        ("第三代蓝甲虫是怎么产生的", "how"),
        ("西班牙语在西班牙的地位如何", "how"),
        ("这个病怎样治疗", "how"),
        # 什么/哪些 + a noun of property, effect or change asks a description, not a list
        ("软枝黄蝉的花有什么特点", "how"),
        ("蓍被认为有什么作用", "how"),
        ("执行程式有哪些变化", "how"),
        ("马来穿山甲的天敌有哪些", "list"),
        ("开学前要准备哪些东西", "list"),
    ],
)
def test_why_asks_a_cause_and_how_asks_a_manner(question, qtype):
    from rag.question import detect_type

    assert detect_type(question) == qtype


@pytest.mark.parametrize("question", ["月租多少", "我每个月房租是多少", "电费一个月交多少"])
def test_rent_and_bills_ask_an_amount_of_money(question):
    assert analyse(question).unit_kind == "money"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("修一次人工费收多少", "money"),  # a word ending in 费 names a fee, in any list or not
        ("补卡工本费是多少", "money"),
        ("燃气费一个月多少", "money"),  # jieba cuts 燃气/费: the suffix still decides
        ("提前退租要付多少违约金", "money"),
        ("免费停车多少小时", "duration"),  # 免费 is free of charge, not a fee
        ("黄金储量有多少吨", "weight"),
        ("水箱能装多少水", "volume"),  # what a container holds: a volume, not a count of 水
        ("一箱能装多少个", "count"),  # a measure word asked decides first
    ],
)
def test_the_kind_of_quantity_by_the_questions_words(question, kind):
    assert analyse(question).unit_kind == kind


def test_question_words_are_no_key_terms():
    assert analyse("为啥不让带狗住房间").terms == ["不让", "带狗", "住", "房间"]
    assert "咋" not in analyse("这个锅咋清洗").terms


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("这条河有多宽", True),  # 多 + a gradable adjective asks a degree (question_words.txt)
        ("飞机以多快的速度冲出跑道", True),
        ("门票多贵", True),
        ("一共有几个", True),
        ("百分之几的人同意", True),
        ("how many rooms are there", True),
        ("几乎没有人来吗", False),  # 几乎 only looks like 几
        ("哪几个人参加了", False),  # 哪几 asks which ones
        ("桥是什么颜色的", False),
    ],
)
def test_which_questions_ask_a_number(question, asks):
    from rag.question import analyse, asks_number

    assert asks_number(question) is asks
    assert (analyse(question).qtype == "number") is asks


def test_a_degree_question_asks_the_number_in_its_slot():
    from rag.extract.slots import question_slot

    slot = question_slot("最后飞机以多快的速度冲出了跑道")
    assert (slot.word, slot.qclass, slot.right) == ("多快", "number", "的速度冲出了跑道")


def test_a_phrase_of_the_synonym_table_stays_whole_in_the_key_terms():
    """jieba cuts 不开门 into 不 + 开门: read apart, the question would match the opening hours it asks against."""
    from rag.question import analyse

    terms = analyse("钢琴工作室哪天不开门").terms
    assert "不开门" in terms and "开门" not in terms
    assert "开门" in analyse("钢琴工作室几点开门").terms


@pytest.mark.parametrize(
    ("question", "dropped", "kept"),
    [
        ("这套房子一个月房租多少钱？", "这套", "房子"),
        ("这台打印机一分钟能打几张？", "这台", "打印机"),
        ("开学报到那天早上几点能去？", "那天", "开学"),
        ("医院那边需要开哪些证明？", "那边", "证明"),
    ],
)
def test_a_demonstrative_is_no_key_term(question, dropped, kept):
    """这/那 + a measure word or a deictic ending points at what the asker sees; the documents never write it."""
    terms = analyse(question).terms
    assert dropped not in terms
    assert kept in terms


@pytest.mark.parametrize(
    ("question", "months", "cut"),
    [
        ("七八月份菜园晚上开到几点？", ["7月", "8月"], ["七八", "月份"]),
        ("十二月份几点关门", ["12月"], ["十二月份"]),
        ("5月份几点开门", ["5月"], ["5", "月份"]),
        ("7、8月几点关门", ["7月", "8月"], []),
    ],
)
def test_months_are_key_terms_as_notices_write_them(question, months, cut):
    terms = analyse(question).terms
    assert all(m in terms for m in months), terms
    assert not any(c in terms for c in cut), terms


def test_no_month_term_from_a_question_word_or_a_full_date():
    assert not any(t.endswith("月") for t in analyse("几月份开学").terms)
    assert "5月" not in analyse("2024年5月3日几点开门").terms


def test_a_time_of_day_in_the_question_is_one_key_term():
    """jieba cuts 晚上7点上 into 7 and 点上; the time is one term, matched to 19:00 or a range holding it."""
    terms = analyse("礼拜三晚上7点上啥课？").terms
    assert "晚上7点" in terms and "7" not in terms and "点上" not in terms


def test_a_word_that_opens_with_a_suffix_character_gives_no_place():
    """台湾 + 市场 is Taiwan's market, not 台湾市; 雁塔 + 区委书记 is still 雁塔区."""
    assert place_mentions("冰雪皇后什么时候退出了台湾市场") == []
    assert place_mentions("雁塔区委书记") == ["雁塔区"]


def test_half_hours_in_words_are_one_duration_term():
    """一个半小时 is 90分钟, 半个多小时 30分钟: one key term each, compared with the documents' durations."""
    assert "90分钟" in analyse("骑了一个半小时要付多少钱").terms
    assert "30分钟" in analyse("晚到半个多小时会怎么样").terms
    assert "150分钟" in analyse("两个半小时多少钱").terms


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("能带狗进去吗", True),
        ("小孩要不要买票", True),  # A不A
        ("馆里有没有停车场", True),  # A没A
        ("是否收取押金", True),
        ("可不可以刷卡", True),
        ("收费吗，多少钱一次", False),  # asks the amount too
        ("你们几点开门", False),
        ("这是什么吗", False),  # a question word asks for something else
        ("周一开门", False),  # no question form at all
    ],
)
def test_a_yes_no_question_asks_whether_and_nothing_else(question, yes_no):
    from rag.question import asks_yes_no

    assert asks_yes_no(question) is yes_no
    assert (analyse(question).qtype == "yesno") is yes_no


def test_the_negated_copy_of_an_a_not_a_question_is_no_key_term():
    terms = analyse("能不能带狗进去").terms
    assert not any("不" in t for t in terms), terms
    assert "进去" in terms
    assert analyse("小孩要不要买票").terms == ["小孩", "买票"]


def test_a_word_jieba_glued_to_the_question_word_after_it_keeps_its_own_part():
    assert "加" in analyse("住5楼，一层要加多少钱").terms  # jieba: 加多少
    assert not any("多少" in t for t in analyse("住5楼，一层要加多少钱").terms)
    assert analyse("为什么不让进").terms == ["不让", "进"]  # a question word itself is never cut


def test_what_time_asks_a_clock_time():
    """what time … is 几点 (a time of day), not 什么时候 (any date) and not a bare 时间 term."""
    from rag.english import to_chinese

    chinese = to_chinese("What time do you open?", corpus="每天早上7点开放")
    assert chinese.endswith("几点"), chinese
    assert analyse(chinese).qtype == "date" and analyse(chinese).unit_kind == "time"


@pytest.mark.parametrize(
    ("question", "kind"),
    [("一家能认领几块菜地", "count"), ("要多少块", "money"), ("押金几块", "money"), ("一共几块钱", "money")],
)
def test_kuai_asks_a_count_when_a_noun_follows_it(question, kind):
    assert analyse(question).unit_kind == kind


def test_the_askers_own_people_are_no_key_terms():
    """我妈今年85岁: 我妈 names who is asking for, never something the documents write; 85岁 is the term."""
    terms = analyse("我妈今年85岁，吃一顿能补贴多少钱").terms
    assert "我妈" not in terms and "85岁" in terms and "补贴" in terms
    assert "我家" not in analyse("我家孩子8岁剪头多少钱").terms


def test_a_demonstrative_few_is_not_the_asked_number():
    from rag.question import analyse

    # 那几天 / 这几个村 point at days or villages in view; the later 几/多少 asks
    assert analyse("春节那几天每天会加开几班船？").unit != "天"
    assert analyse("那几天每天开几个小时？").unit_kind == "duration"
    assert analyse("这几个村一共多少人？").unit == "人"
    assert analyse("碑林区帮扶了多少个村").unit == "个"  # a plain 多少 still asks


def test_some_what_asks_a_list():
    from rag.question import analyse

    # 些 before 什么/啥 makes the thing asked plural: several items
    assert analyse("出门要带些啥？").qtype == "list"
    assert analyse("报名要准备些什么材料？").qtype == "list"
    assert analyse("这些东西是什么？").qtype != "list"  # 这些 points at things; 什么 asks one answer
    # and 些 belongs to the question word, not to the verb before it: 带 is the term, not 带些
    assert "带" in analyse("开学要带些什么东西？").terms and "带些" not in analyse("开学要带些什么东西？").terms


def test_things_right_after_a_question_word_are_no_key_term():
    """带什么东西 asks the items (a text lists 身份证、照片 and never writes 东西); elsewhere 东西 is a noun like any."""
    from rag.question import analyse

    assert "东西" not in analyse("开学要带些什么东西？").terms
    assert "东西" not in analyse("去上牌得带哪些东西？").terms
    assert "东西" in analyse("东西搬坏了找谁赔？").terms
    assert "东西" in analyse("为啥不让在琴房里吃东西？").terms


@pytest.mark.parametrize(
    "question",
    [
        "为啥在密码前后乱按几个数也能开门？",  # 几个: "a few", not how many
        "他拿到博士学位以后为什么过了好几年才回国？",
        "为什么要求该剧的制作单位要先审后播？",  # 什么要求 is no description asked
    ],
)
def test_a_why_question_asks_why_whatever_else_it_holds(question):
    from rag.question import detect_type

    assert detect_type(question) == "reason"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("A7 Pro那款机器的吸力有多大？", None),  # 款 of 那款: a measure word of models, no sum of money
        ("最后那笔尾款要付多少？", "money"),
        ("逾期不交会被罚款多少？", "money"),
    ],
)
def test_a_models_measure_word_asks_no_money(question, kind):
    from rag.question import implied_kind

    assert implied_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("七月中旬献血屋装修关门那几天，我想献血可以去哪里？", "place"),  # 那几天: those days, no number asked
        ("放假那几天能去哪儿玩？", "place"),
        ("那几天每天加开几班？", "number"),  # the later 几 asks
    ],
)
def test_a_demonstrative_before_ji_asks_no_number(question, qtype):
    from rag.question import detect_type

    assert detect_type(question) == qtype


@pytest.mark.parametrize(
    ("english", "qtype"),
    [
        ("Which symptoms mean I should call the vet?", "list"),  # which + a plural noun: several things of a kind
        ("Which blood types are running low?", "list"),
        ("Which bus goes to the airport?", "place"),  # bus: no plural
        ("Which class should my son join?", "place"),
    ],
)
def test_which_with_a_plural_asks_a_list(english, qtype):
    from rag.english import to_chinese

    assert analyse(to_chinese(english, corpus="")).qtype == qtype
