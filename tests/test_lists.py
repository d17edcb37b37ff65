from rag.answering.lists import announced_items

CLAIM = "二、理赔材料\n申请住院医疗费用理赔，需提交以下材料：\n1．理赔申请书（被保险人本人签字）；\n2．身份证复印件；\n3．医疗费用发票原件。\n如委托他人代办，还需提供授权委托书和代办人身份证。"
HTML = "考试当天请携带以下物品：\n身份证原件\n准考证明\n水和食物\n考场内禁止使用手机。"


def _items(text: str, lead: str):
    at = text.index(lead) + len(lead)
    found = announced_items(text, at)
    return None if found is None else text[found[0] : found[1]]


def test_numbered_items_after_a_colon_up_to_the_prose_that_follows():
    assert (
        _items(CLAIM, "需提交以下材料") == "1．理赔申请书（被保险人本人签字）；\n2．身份证复印件；\n3．医疗费用发票原件"
    )


def test_unmarked_short_lines_of_an_html_list_stop_at_a_sentence():
    assert _items(HTML, "请携带以下物品") == "身份证原件\n准考证明\n水和食物"


def test_no_list_without_a_colon_or_with_one_item_or_more_text_after_the_answer():
    assert _items("请携带以下物品。\n身份证原件\n准考证明", "请携带以下物品") is None  # no colon
    assert _items("请携带：\n身份证原件\n考场内禁止使用手机。", "请携带") is None  # one item
    assert _items("费用：50元，包含：\n门票\n午餐", "费用") is None  # the answer is not what the colon ends
    assert (
        _items(
            "需要带：\n这一行很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长\n另一项",
            "需要带",
        )
        is None
    )
    assert _items("最后一行：", "最后一行") is None  # nothing after it
