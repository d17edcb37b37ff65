"""A list or cause asked and the best sentence states none: its own slot answers, not a weaker sentence's list;
a label's value that opens with a name is the whole name. Invented text."""

import pytest

from rag.answering.extractors import labelled_value_end

from .test_general_rules import _answer_over, _proposal

GARAGE = """枫林苑停车场管理规定
1. 月租车主的停车卡如有遗失，请立即拨打值班室电话挂失，挂失后原卡立即作废。
2. 补办新卡需携带身份证和行驶证到物业服务中心办理，工本费30元/张。
3. 为防火安全，禁止在车位内存放汽油、杂物和电动自行车。
"""


def test_a_list_question_is_answered_in_the_best_sentence_not_by_a_weaker_sentences_list(tmp_path):
    # the proposal, whatever its confidence (0.29–0.33 in the last two fits: the rule is which sentence answers)
    answer = _proposal(tmp_path, {"garage.txt": GARAGE}, "补办停车卡得带哪些证件？")
    assert "身份证和行驶证" in answer.answer
    assert "汽油" not in answer.answer


CONTACTS = """山居民宿入住指南
入住时间：14:00以后，退房时间：12:00以前。
管家：何晓蔓　电话：138 0000 1111
电梯改造期间现场负责人：卜建军，电话：139 0000 2222。
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("管家叫什么名字？", "何晓蔓"),  # tagged 何晓 + 蔓
        ("电梯改造现场负责人是谁？", "卜建军"),  # tagged 卜 + 建军
    ],
)
def test_a_labels_value_opening_with_a_name_is_the_whole_name(tmp_path_factory, question, expected):
    assert _answer_over(tmp_path_factory, "contacts16", CONTACTS, question).answer == expected


def test_labelled_value_end():
    text = "管家：何晓蔓　电话：138"
    assert labelled_value_end(text, 3) == 6
    assert labelled_value_end("管家何晓蔓", 2) == -1  # no colon before it


FERRY = """# 鹿岛轮渡时刻

| 航线 | 首班 | 末班 | 航行时间 |
|---|---|---|---|
| 东港码头 → 鹿岛 | 6:50 | 18:30 | 约35分钟 |
| 鹿岛 → 东港码头 | 7:30 | 19:10 | 约35分钟 |
"""


def test_a_clock_time_asked_is_never_answered_by_a_duration_cell(tmp_path):
    from .test_general_rules import _assistant

    assistant = _assistant(tmp_path, {"ferry.md": FERRY})
    answer = assistant.ask("我想赶最早那班船去鹿岛，几点开？")
    assert "分钟" not in answer.answer
    # the column of the asked kind still answers when the row and the column are named
    assert assistant.ask("东港码头到鹿岛的首班船几点？").answer == "6:50"


def test_a_transliterated_name_after_a_title_is_whole():
    from rag.answering.extractors import person_after

    text = "现任总理的父亲皮埃尔·特鲁多于2000年去世。"
    a, b = person_after(text, text.index("父亲") + 2)
    assert text[a:b] == "皮埃尔·特鲁多"


DESK = """鹿岛客运站服务指南
服务台值班负责人：林海燕，咨询电话：0596-3387215（每天7:00—19:00）。
候船厅二楼设有母婴室。
"""


def test_whom_and_which_number_asked_together_are_answered_together(tmp_path):
    from .test_general_rules import _assistant

    assistant = _assistant(tmp_path, {"desk.txt": DESK})
    both = assistant.ask("东西落在船上了，该找谁？电话多少？")
    assert "林海燕" in both.answer and "0596-3387215" in both.answer
    assert both.quotes[0].text in DESK
    assert "林海燕" not in assistant.ask("咨询电话是多少？").answer  # only the number asked


def test_a_bound_word_inside_the_span_bounds_it_against_the_asked_extreme():
    from rag.answering.core import _extreme_conflict
    from rag.question import analyse

    question = analyse("不分类被查到，最多罚多少钱？")
    text = "拒不改正的，处五十元以上二百元以下罚款。"
    low, high = text.index("五十元以上"), text.index("二百元以下")
    assert _extreme_conflict(question, text, low, low + 5)  # 以上: the least, not the most asked
    assert not _extreme_conflict(question, text, high, high + 5)


BUS = """柳溪农庄交通指南
公交：在县城汽车站坐开往柳溪镇的班车，票价9元，约1小时一班，首班6:40，末班17:30。
"""


@pytest.mark.parametrize(
    ("question", "expected"), [("坐班车过去，最晚一趟是几点？", "17:30"), ("最早一班车几点？", "6:40")]
)
def test_the_first_and_last_run_of_a_timetable_answer_the_earliest_and_latest(tmp_path, question, expected):
    assert _proposal(tmp_path, {"bus.txt": BUS}, question).answer == expected  # whatever its confidence


def test_an_ordinal_asked_with_its_measure_keeps_the_measure(tmp_path):
    text = "月子会所入住须知\n顺产妈妈一般在产后第3天、剖宫产妈妈在产后第5天出院后直接入住。\n"
    answer = _proposal(tmp_path, {"rules.txt": text}, "剖宫产的话，生完第几天能住进去？").answer
    assert answer.endswith("天")  # 第5天, not 第5


def test_the_amount_a_question_states_in_other_words_is_not_its_answer(tmp_path):
    text = "志愿者积分办法\n第三条 积分可在社区便民超市兑换日用品，满30积分起兑，每20积分可兑换价值5元的商品。\n"
    answer = _proposal(tmp_path, {"points.txt": text}, "攒的积分多少分能换5块钱的东西？").answer
    assert answer != "5元"  # 5块钱 is the question's own amount, written 5元 in the text


ENROL = """青松社区书画班报名须知
一、报名对象：年满50周岁的社区居民均可报名；
二、报名时间：3月1日至3月10日，每天9:00—16:00；
三、报名地点：青松社区服务中心二楼书画室，地址为松林路8号；
四、每人限报一个班，报名先后录取。
"""


def test_sentences_tied_with_the_best_are_read_as_the_best(tmp_path):
    """One short notice is one chunk, so its sentences that hold the question's one word (报名) score alike: which
    of them comes first is no evidence. The place its label names answers 去哪儿报名, not the first line's slot."""
    answer = _proposal(tmp_path, {"notice.txt": ENROL}, "去哪儿报名？")
    assert "青松社区服务中心" in answer.answer and "报名对象" not in answer.answer
