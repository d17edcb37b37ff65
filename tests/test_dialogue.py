import pytest

from rag.dialogue import needs_context, resolve, resolve_all, was_rewritten


@pytest.mark.parametrize(
    ("history", "question", "resolved"),
    [
        (["碑林区帮扶了多少个村"], "那雁塔区呢？", "雁塔区帮扶了多少个村"),
        (["碑林区帮扶了多少个村"], "它投入了多少资金？", "碑林区投入了多少资金"),
        (["汉滨区总人口是多少"], "它有多少贫困人口", "汉滨区有多少贫困人口"),
        (["奚元平今年多少岁"], "他拿到了多少贴息贷款", "奚元平拿到了多少贴息贷款"),
        (["杨大兵多少岁"], "那张德安呢", "张德安多少岁"),
        (["高陵区委书记是谁"], "那雁塔区委书记呢", "雁塔区委书记是谁"),
        (
            ["平利县慈善协会投入了多少扶贫资金"],
            "那平利县援助少年儿童协会呢",
            "平利县援助少年儿童协会投入了多少扶贫资金",
        ),
        (["碑林区安装了多少盏路灯"], "修建了多少个蓄水池", "碑林区修建了多少个蓄水池"),
        (["碑林区帮扶了多少个村"], "岚皋县累计完成森林抚育补贴项目多少亩", "岚皋县累计完成森林抚育补贴项目多少亩"),
        ([], "那雁塔区呢", "那雁塔区呢"),
    ],
)
def test_resolve(history, question, resolved):
    assert resolve(question, history) == resolved


def test_resolve_all_chains_turns():
    assert resolve_all(["碑林区帮扶了多少个村", "那雁塔区呢", "它投入了多少资金"]) == [
        "碑林区帮扶了多少个村",
        "雁塔区帮扶了多少个村",
        "雁塔区投入了多少资金",
    ]


@pytest.mark.parametrize(
    ("history", "question", "resolved"),
    [
        # the counted noun is swapped, not the subject
        (["碑林区修建了多少个蓄水池"], "那村委会呢", "碑林区修建了多少个村委会"),
        # the compound sharing the new term's head is swapped whole
        (["李付东今年分到了多少务工分红"], "土地分红呢", "李付东今年分到了多少土地分红"),
        (["临川县慈善协会投入了多少扶贫资金"], "援助少年儿童协会呢", "临川县援助少年儿童协会投入了多少扶贫资金"),
        # an organisation takes the leading place's role
        (["雁塔区选派了几名干部常驻汉滨区"], "航天基地呢", "航天基地选派了几名干部常驻汉滨区"),
        # a sibling of the same length, one character apart, is swapped (jieba cuts 中型犬 into 中型 + 犬)
        (["中型犬药浴多少钱"], "那大型犬呢？", "大型犬药浴多少钱"),
        (["小型犬寄养一晚多少钱"], "那中型犬呢", "中型犬寄养一晚多少钱"),
        (["周日几点开门"], "那周六呢", "周六几点开门"),
        # a thing sharing only its head character is one kind of thing for another: the whole compound is swapped
        # (not 烘干机大型洗衣机多少钱, which answered the washing machine's price)
        (["大型洗衣机多少钱"], "那烘干机呢", "烘干机多少钱"),
        (["水费一吨多少钱"], "那电费呢", "电费一吨多少钱"),
    ],
)
def test_ellipsis_swaps_what_was_asked_about(history, question, resolved):
    assert resolve(question, history) == resolved


def test_ellipsis_follow_ups_answer_end_to_end(assistant):
    turns = ["碑林区修建了多少个蓄水池", "那村委会呢", "路灯呢"]
    answers = [assistant.ask(q, history=turns[:i]).answer for i, q in enumerate(turns)]
    assert answers[0].startswith("14个") and answers[2].startswith("853盏")


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("那雁塔区呢？", "雁塔区"),
        ("土地分红呢", "土地分红"),
        ("那么航天基地的呢", "航天基地"),
        ("还有呢？", ""),
        ("碑林区帮扶了多少个村", None),
        ("西班牙语在西班牙的地位如何？", None),  # stands on its own
        ("那碑林区有多少个村呢", None),  # has its own question word
        ("它投入了多少资金", None),
    ],
)
def test_needs_context(question, target):
    assert needs_context(question) == target


@pytest.mark.parametrize(
    ("question", "resolved", "rewritten"),
    [
        ("碑林区帮扶了多少个村？", "碑林区帮扶了多少个村", False),
        ("碑林區幫扶了多少個村", "碑林区帮扶了多少个村", False),
        ("ｂｅｉｌｉｎ帮扶了多少个村", "beilin帮扶了多少个村", False),
        ("那雁塔区呢？", "雁塔区帮扶了多少个村", True),
        ("beilin帮扶了几个村", "碑林区帮扶了几个村", True),
        ("碑林区帮扶了多少个村", None, False),
    ],
)
def test_was_rewritten(question, resolved, rewritten):
    assert was_rewritten(question, resolved) is rewritten


@pytest.mark.parametrize(
    ("follow_up", "earlier", "resolved"),
    [
        ("那它的功率呢？", "加湿器的客服电话是多少", "加湿器的功率是多少"),  # a new user got 它的功率的客服电话是多少
        ("它的功率呢", "加湿器的水箱容量是多少毫升", "加湿器的功率是多少"),  # 毫升 measured the old attribute
        ("那它的作者呢", "《神圣十月》的导演是谁", "《神圣十月》的作者是谁"),
        ("那它的面积呢", "碑林区帮扶了多少个村", "碑林区的面积是多少"),
    ],
)
def test_a_pronoun_follow_up_asks_another_attribute_of_the_same_subject(follow_up, earlier, resolved):
    from rag.dialogue import resolve

    assert resolve(follow_up, [earlier]) == resolved


@pytest.mark.parametrize(
    ("earlier", "follow_up", "resolved"),
    [
        # a measure replaces the earlier question's measure of the same kind, bounds and all
        ("80至89周岁的会员每餐补贴多少", "那90岁以上的呢？", "90岁以上的会员每餐补贴多少"),
        ("1米2以下的儿童票多少钱", "那1米3的呢", "1米3的儿童票多少钱"),
        ("2个人的套餐多少钱", "那3个人呢", "3个人的套餐多少钱"),
        # a name with letters in it is replaced whole (营养B餐, A套餐), not a piece of it
        ("营养B餐多少钱", "那软食餐呢？", "软食餐多少钱"),
        ("A套餐一个月多少钱", "那B套餐呢", "B套餐一个月多少钱"),
        # 那/那么 and a verb or a question word: "then …", about the earlier topic
        ("油烟机洗一次多少钱", "那得弄多长时间？", "油烟机得弄多长时间"),
        ("图书馆几点开门", "那几点关门？", "图书馆几点关门"),
        ("空调清洗多少钱", "那么需要多长时间？", "空调需要多长时间"),
        ("油烟机洗一次多少钱", "那个多少钱？", "那个多少钱"),  # 那个 points at something: no "then"
        # an attribute of the same subject, not another subject
        ("油烟机洗一次多少钱", "那用时呢？", "油烟机的用时是多少"),
        ("社保中心几点上班", "那地址呢", "社保中心的地址是多少"),
        ("科目二的组长是谁", "那联系电话呢", "科目二的联系电话是什么"),
        ("科目二的组长是谁", "那科目三呢", "科目三的组长是谁"),  # another member, not an attribute
    ],
)
def test_follow_ups_of_everyday_conversations(earlier, follow_up, resolved):
    assert resolve(follow_up, [earlier]) == resolved
