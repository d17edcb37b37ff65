"""Which figure of a sentence answers: a list's label heads items after a bracketed aside, a card's period is in
its label, a price per one thing (每把) answers one of it (一把), a space-parted label is its item's own. Invented
text; the proposals are checked at threshold 0 (the rules choose the span, the confidence decides elsewhere)."""

import pytest

from .test_general_rules import _proposal

POOL = """青柳游泳馆收费
年卡：1680元（成人），儿童及老人 840元。
次卡：10次卡260元，20次卡480元。
"""

ROOMS = """松间自习室价格
季卡：开放区900元，独立隔间1500元，赠送储物柜使用一个季度。
月卡：开放区350元，独立隔间600元。
周卡：开放区120元，独立隔间200元。
"""

LOANS = """社区借用物品须知
借用的雨伞、雨衣请在三天内归还。
遗失的按每把40元、雨衣60元赔偿。
"""

TEACHERS = """少儿书法班安排
班主任：一班 吴老师，二班、三班 郑老师。
"""


@pytest.mark.parametrize(
    ("files", "question", "expected", "not_expected"),
    [
        # the label before the colon heads the second item too, past the first item's closed aside (成人)
        ({"pool.txt": POOL}, "儿童办一张年卡多少钱？", "840元", "260元"),
        # the period is in the list's label (季卡：, 月卡：), not in the item's own clause
        ({"rooms.txt": ROOMS}, "包一个月的单人隔间要多少钱？", "600元", "1500元"),
        # one umbrella (一把) is what 每把 prices; 60元 is the raincoat's
        ({"loans.txt": LOANS}, "借的伞丢了一把，要赔多少钱？", "40元", "60元"),
        # 二班、三班 is 郑老师's own label, parted from him by a space only
        ({"teachers.txt": TEACHERS}, "我家孩子在三班，有事该找哪个老师？", "郑老师", "吴老师"),
    ],
)
def test_the_figure_of_the_asked_item(tmp_path, files, question, expected, not_expected):
    answer = _proposal(tmp_path, files, question)
    assert expected in answer.answer, answer.explanation
    assert not_expected not in answer.answer


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("一把", "遗失的按每把40元", [4]),
        ("一颗", "后牙1200元/颗", [7]),
        ("一把", "一把雨伞", []),  # only the per-thing forms: the term itself is matched elsewhere
        ("一样", "每样菜", []),  # 样 is no measure word of units.txt's counted things
        ("一张", "门禁卡80元", []),
    ],
)
def test_per_positions(term, text, found):
    from rag.answering.core import per_positions

    assert per_positions(term, text) == found


YOGA = """静竹瑜伽馆会员卡
1. 次卡：20次，1800元，有效期6个月。
2. 季卡：2680元，自开卡之日起90天内不限次数。
3. 年卡：6980元，自开卡之日起365天内不限次数。
"""


def test_a_card_of_a_period_the_documents_lack_is_not_answered_by_another_card(tmp_path):
    from .test_general_rules import _assistant

    # 月卡 stays one key term (jieba cuts 月/卡, and 卡 alone is covered by every card): 次卡's 1800元 states no
    # period, so only the missing 月卡 tells it is not the answer
    answer = _assistant(tmp_path, {"yoga.txt": YOGA}).ask("你们有月卡吗，多少钱？")
    assert answer.abstained, answer.answer


@pytest.mark.parametrize(
    ("question", "whole", "absent"),
    [
        ("你们有月卡吗，多少钱？", "月卡", "卡"),
        ("有没有年卡，一年多少钱？", "年卡", "卡"),
        ("叫个钟点工来打扫，一个小时多少钱？", None, "一个小时"),  # a counted period is no period noun
    ],
)
def test_a_period_noun_is_one_key_term(question, whole, absent):
    from rag.question import analyse

    terms = analyse(question).terms
    assert whole is None or whole in terms
    assert absent not in terms


RULES = """晨光公司考勤休假办法
第八条 员工累计工作已满一年不满十年的，年休假五天；已满十年不满二十年的，年休假十天；已满二十年的，年休假十五天。
第九条 病假期间工资按本人基本工资的百分之八十发放。
第十条 迟到一次扣款50元。
第十一条 事假期间工资按本人基本工资的60%发放。
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a sum asked without 钱 may be a share (百分之八十 of the base wage)
        ("请病假那几天工资还发多少？", "百分之八十"),
        ("请事假的时候工资还发多少？", "60%"),
        # 十天 shares 十 and 天 with the question (十二年, 几天) but is no figure the question states
        ("我在公司干了十二年了，一年能休几天年假？", "十天"),
    ],
)
def test_shares_and_figures_that_share_characters_with_the_question(tmp_path_factory, question, expected):
    from .test_general_rules import _answer_over

    assert _answer_over(tmp_path_factory, "leave18", RULES, question).answer == expected


def test_a_figure_the_question_states_is_still_an_echo():
    from rag.answering.builder import _echoes

    assert _echoes("12年", "我干了12年，能休几天", "年")
    assert not _echoes("十天", "我干了十二年了，一年能休几天年假", "天")
    assert _echoes("200米", "2008年拉诺米刷新的世界纪录是多少")  # no unit asked: judged by its characters


CONTRACT = """房屋租赁合同
出租方（甲方）：钱立新，联系电话：139 0000 3333
承租方（乙方）：孙悦
"""

SHOP = """快洁洗车会员须知
客服电话：0571-0000 1234，微信同号；店长：冯子健
"""


@pytest.mark.parametrize(
    ("files", "question", "expected"),
    [
        # a bracketed aside (甲方) between the title (出租方, a word for 房东) and its colon
        ({"contract.txt": CONTRACT}, "房东叫什么名字？", "钱立新"),
        # 店老板's head 老板 is a word for 店长
        ({"shop.txt": SHOP}, "你们店老板叫什么名字？", "冯子健"),
    ],
)
def test_the_person_a_title_names(tmp_path, files, question, expected):
    assert _proposal(tmp_path, files, question).answer == expected


DONATION = """青荷社区献血屋管理须知
第二条 献血屋负责人为沈秋华护士长，咨询电话0571-0000 5566。
第六条 两次全血献血的间隔不少于6个月。
第七条 单采血小板献血间隔不少于2周，且每年不超过24次，每次采集约需45分钟。
"""


@pytest.mark.parametrize(
    ("question", "expected", "not_expected"),
    [
        # the role's clause only: 管 of the question before it qualifies no one
        ("献血屋归谁管？负责人是哪位？", "沈秋华", None),
        # 隔多长时间才能再献一次 asks the gap: a figure stated as an interval answers it
        ("献全血之后，要隔多长时间才能再献一次？", "6个月", None),
        # 一次要多长时间 asks how long one time takes: the interval (2周) is no answer to it
        ("单采血小板一次大概要多长时间？", "45分钟", "2周"),
    ],
)
def test_roles_and_intervals(tmp_path, question, expected, not_expected):
    answer = _proposal(tmp_path, {"donation.txt": DONATION}, question)
    assert expected in answer.answer, answer.explanation
    assert not_expected is None or not_expected not in answer.answer
