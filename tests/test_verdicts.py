"""The "no" said first for a yes/no question asking leave, when the quoted rule forbids outright."""

import pytest

from rag.answering.verdicts import refusal_verdict
from rag.question import analyse


@pytest.mark.parametrize(
    ("question", "rule", "verdict"),
    [
        ("能给现金吗", "本店暂不支持现金支付", "不能"),
        (
            "会员卡能借给朋友用吗",
            "会员卡不可转借他人使用，一经发现作废",
            "不能",
        ),  # 不可 forbids: its 可 permits nothing
        ("能在琴房吃东西吗", "为保护琴键，请勿在琴房内饮食，上课前请洗手", "不能"),
        ("可以带会员卡进去吗", "会员卡禁止外借", "不可以"),  # the question's modal is echoed
        ("能带狗进去吗", "宠物禁止入内，导盲犬除外", None),  # an exception: the quote says more
        ("我20岁能进吗", "未满18周岁不得入内", None),  # a condition: the asker may meet it
        ("泳池里能吃东西吗", "泳池内禁止饮食，休息区可饮用瓶装水", None),  # a permission beside it
        ("能开发票吗", "本店不允许赊账", None),  # a prohibition of something else
        ("周一开门吗", "周一闭馆", None),  # not asking leave
        ("我55岁能报名吗", "凡年满55周岁的居民均可报名", None),  # no verdict is ever a yes
    ],
)
def test_refusal_verdict(question, rule, verdict):
    assert refusal_verdict(question, rule, analyse(question).terms) == verdict


def test_a_forbidding_rule_is_answered_no_first(tmp_path):
    from tests.test_general_rules import _assistant_over

    text = "洁家宝清洗服务须知\n1．服务费请通过微信或支付宝支付，暂不支持现金支付。\n2．宠物禁止进入施工区域，导盲犬除外。\n"
    assistant = _assistant_over(tmp_path, "须知.txt", text)
    answer = assistant.ask("能给现金吗？").answer
    assert answer.startswith("不能。") and "暂不支持现金支付" in answer
    assert not assistant.ask("能带狗进去吗？").answer.startswith("不能")  # the exception is left to the quote
