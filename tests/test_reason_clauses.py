"""Why-questions: a purpose clause opened by 为 + a verb (目的复句), a cause told after its effect, on invented text."""

import pytest

from rag.answering.extractors import leads_a_purpose

from .test_general_rules import _answer_over


@pytest.mark.parametrize(
    ("clause", "purpose"),
    [
        ("为保护琴键", True),
        ("3．为方便业主出行", True),  # a list item's number before it
        ("四、为保护鱼苗", True),  # in Chinese numerals too
        ("为照顾对花粉过敏的住户", True),
        ("为期三天", False),  # 为期: one word, a duration
        ("为此", False),
        ("为人民服务", False),  # 为 before a noun: for whom, not what for
        ("为规范车辆管理、减少交通事故", True),  # 规范 tagged a noun, but the parallel item opens with a verb
        ("为人民、为国家服务", False),
        ("请勿在室内吸烟", False),
    ],
)
def test_a_clause_opened_by_wei_and_a_verb_states_a_purpose(clause, purpose):
    assert leads_a_purpose(clause) is purpose


RULES = """晨曦画室学员守则
1．学员每天在家练习速写不少于20分钟。
2．每次上课请携带画板、铅笔和橡皮。
3．为保护画纸，请勿在画室内饮食，上课前请洗手。
4．家长可在休息区等候。
"""


def test_a_why_question_is_answered_by_the_purpose_without_the_items_number(tmp_path_factory):
    answer = _answer_over(tmp_path_factory, "studio16", RULES, "为啥不让在画室里吃东西？")
    assert answer.answer == "为保护画纸"


NOTICE = """青禾宠物寄养须知
1. 入住前请出示疫苗接种记录；未打疫苗的宠物不予接收，因为寄养区多只宠物共处，容易交叉感染。
2. 因为夜间无人值守，所以21:00以后不办理接送；节假日请提前预约。
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a cause told after its effect runs to the end of its sentence
        ("为啥没打疫苗的不让寄养？", "因为寄养区多只宠物共处，容易交叉感染"),
        # a cause told first ends where its result word begins
        ("为什么晚上九点以后不能接送？", "因为夜间无人值守"),
    ],
)
def test_a_cause_told_after_its_effect_runs_to_the_end_of_the_sentence(tmp_path_factory, question, expected):
    assert _answer_over(tmp_path_factory, "boarding16", NOTICE, question).answer == expected
