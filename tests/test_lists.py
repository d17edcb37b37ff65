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


def test_a_heading_over_a_list_is_answered_by_its_items(tmp_path):
    """报名时请携带以下材料 as an HTML heading over <li> items (no colon): 要带哪些东西 gets the items, up to the next
    heading, quoted with the heading."""
    from tests.test_general_rules import _assistant_over

    html = (
        "<html><body><h2>关于秋季学期报名的通知</h2><p>秋季学期报名时间为8月25日至9月5日，地点在文化中心一楼服务台。</p>"
        "<p>凡年满55周岁、身体健康、能够生活自理的本社区居民均可报名。</p>"
        "<h2>报名时请携带以下材料</h2><ul><li>本人身份证原件</li><li>一寸免冠彩色照片两张</li>"
        "<li>近半年内的体检报告复印件</li></ul><h2>国庆放假安排</h2><p>国庆期间10月1日至10月7日停课放假。</p>"
        "</body></html>"
    )
    assistant = _assistant_over(tmp_path, "通知.html", html)
    answer = assistant.ask("报名时要带哪些材料？")
    assert answer.answer.split("\n")[:3] == ["本人身份证原件", "一寸免冠彩色照片两张", "近半年内的体检报告复印件"]
    assert "国庆放假安排" not in answer.answer  # the next heading ends the list
    assert answer.quotes[0].text.startswith("报名时请携带以下材料")


def test_items_after_stop_at_a_heading():
    from rag.answering.lists import items_after

    text = "报名材料\n身份证原件\n照片两张\n放假安排\n国庆停课。"
    assert text[slice(*items_after(text, text.index("\n")))] == "身份证原件\n照片两张\n放假安排"
    stop = (text.index("放假安排"),)
    assert text[slice(*items_after(text, text.index("\n"), stop))] == "身份证原件\n照片两张"


INLINE = "退订须知\n3. 以下情况不予退款：已拆封的商品；定制类商品（刻字、改尺寸）；超过七天未申请的订单。\n4. 退款三日内到账。\n"


def test_items_listed_after_a_colon_on_one_line_are_the_list():
    from rag.answering.lists import inline_items

    expected = "已拆封的商品；定制类商品（刻字、改尺寸）；超过七天未申请的订单"
    announcing = INLINE.index("以下")
    # the announcing clause, or a proposal from it cut at the first semicolon or inside the first item
    for at in (INLINE.index("："), INLINE.index("；"), INLINE.index("商品")):
        start, end = inline_items(INLINE, at, announcing)
        assert INLINE[start:end] == expected
    assert inline_items(INLINE, INLINE.index("；"), INLINE.index("已拆")) is None  # the first item alone: its own
    assert inline_items(INLINE, INLINE.index("超过")) is None  # past the first item: a proposal of its own
    assert inline_items(INLINE, INLINE.index("退款三日")) is None  # no colon, no list
    assert inline_items("注意：请勿带宠物。", 2) is None  # one item after a colon is no list
    odd = "一是酸性；二是中性；三是碱性。"
    at = len("溶液分三种：一是酸性")
    assert inline_items("溶液分三种：" + odd, at, at - 2) is None  # a proposal inside the first item: its own answer
    meals = "周四菜单\n午餐：清蒸鲈鱼、梅菜扣肉；例汤：冬瓜排骨汤\n"
    assert inline_items(meals, meals.index("：")) is None  # 例汤：… is a label of its own, not a second item
    clock = "每周日上午11:00～11:30播出；每周二下午5:00播出。"
    assert inline_items(clock, clock.index("播出")) is None  # a clock time's colon announces nothing


def test_a_list_question_over_an_inline_list_gets_every_item(tmp_path):
    from tests.test_general_rules import _proposal

    answer = _proposal(tmp_path, {"rules.txt": INLINE}, "哪些情况不给退款？")
    assert "已拆封的商品" in answer.answer and "超过七天未申请的订单" in answer.answer
