"""Answer quality on the real seeds: every kind of claim the answer builder makes, checked end to end."""

import pytest

from rag.schema import Quote

from .conftest import shows


def _check_quotes(assistant, answer):
    for q in answer.quotes:
        doc = assistant.index.document(q.doc_id)
        assert doc.text[q.start : q.end] == q.text
        assert q.source == doc.source


def test_the_example_question(assistant, seed_docs):
    a = assistant.ask("碑林区帮扶了多少个村")
    assert not a.abstained
    assert a.answer == "11个（蓝田县11个行政村）"
    q = a.quotes[0]
    assert q.source == "001_ad83b76884cea2bc.txt"
    assert "碑林区承担蓝田县11个行政村驻村联户帮扶任务" in q.text
    assert seed_docs["001"].text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    ("question", "expected", "source"),
    [
        ("碑林区累计投入了多少资金", "4590万元", "001"),  # 万元
        ("汉滨区投入了多少资金新建村组道路", "8.46亿元", "004"),  # 亿元
        ("雁塔区三年来累计投入财政帮扶资金多少", "4500余万元", "000"),  # 余
        ("高陵区各帮扶单位和爱心企业累计投入了多少扶贫资金", "近700万元", "002"),  # 近
        ("碑林区帮扶的群众满意度达到了多少", "95%以上", "001"),  # percent
        ("高陵区建档立卡户共有多少户", "340户", "002"),  # 户
        ("碑林区解决了多少贫困人口就业", "153人", "001"),  # 人
        ("碑林区选派了多少名优秀干部组建驻村工作队", "33名", "001"),  # 名
        ("碑林区修建、拓宽、硬化了多少公里道路", "33.6公里", "001"),  # 公里
        ("碑林区安装了多少盏路灯", "853盏", "001"),  # 盏
        ("岚皋县累计完成森林抚育补贴项目多少亩", "20.9万亩", "004"),  # 亩
        ("奚元平今年多少岁", "51岁", "002"),  # 岁
        ("白河县环境空气质量优良天数是多少天", "297天", "004"),  # 天
        ("碑林区组织了多少所医院帮扶蓝田县村卫生室", "14所", "001"),  # 所 vs 14个
        ("雁塔区协调引进了多少社会帮扶资金", "1000余万元", "000"),  # second money figure of a sentence
        ("汉滨区新建了多少条村组道路", "687条", "004"),
        ("石泉县申请立项了多少个项目", "10个", "004"),  # the counted noun is not next to the number
        ("碑林区修建了多少座便民桥", "5座", "001"),
    ],
)
def test_numbers_with_units(assistant, question, expected, source):
    a = assistant.ask(question)
    assert not a.abstained, a.explanation
    assert shows(a.answer, expected, question), a.answer
    assert a.quotes[0].source.startswith(source) and expected in a.quotes[0].text
    _check_quotes(assistant, a)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("张南联村党委书记是谁", "程军"),
        ("西安市雁塔区委书记是谁", "赵小林"),
        ("参加调研考察的雁塔区副区长是谁", "吕东国"),
        ("西安航天基地管委会副主任是谁", "李雷"),
        ("汉滨区初级中学副校长叫什么", "李鹏"),
    ],
)
def test_person_questions(assistant, question, expected):
    a = assistant.ask(question)
    assert a.answer == expected and expected in a.quotes[0].text


def test_place_date_list_and_reason_questions(assistant):
    assert assistant.ask("碑林区为哪所小学更换了全套教学设施").answer == "甘坪小学"
    assert "晏坝镇九年制学校" in assistant.ask("正衡集团冠名援建了哪所学校").answer
    assert assistant.ask("雁塔区与西安航天基地从什么时候起对口帮扶汉滨区").answer == "2019年6月"
    assert assistant.ask("付黄四级公路改建工程是哪天完工的").answer == "10月3日"
    assert assistant.ask("汉滨区哪几个镇的毛绒玩具厂同一天开业").answer == "大河镇、瀛湖镇、谭坝镇"
    assert assistant.ask("张南联村是由哪两个村联合成立的").answer == "张家村和南国村"
    assert "因病致贫" in assistant.ask("张德安家为什么成为贫困户").answer
    assert "第一名" in assistant.ask("高陵区在全省脱贫攻坚数据信息质量评比中排第几").answer


def test_district_disambiguation(assistant):
    """Two articles give 雁塔区 money to 汉滨区; a question about 碑林区 never gets a 雁塔区 sentence."""
    beilin = assistant.ask("碑林区累计投入了多少资金")
    assert "雁塔" not in beilin.quotes[0].text and beilin.quotes[0].source.startswith("001")
    yanta_600 = assistant.ask("雁塔区对口帮扶汉滨区一年多来投入了多少帮扶资金")
    yanta_1200 = assistant.ask("雁塔区和西安航天基地已向汉滨区拨付了多少财政帮扶资金")
    assert yanta_1200.answer == "1200万元" and yanta_1200.quotes[0].source.startswith("003")
    assert yanta_600.answer != yanta_1200.answer
    # a county's story on the newspaper page is not answered from the neighbouring story
    lan = assistant.ask("岚皋县森林抚育为贫困户增加了多少劳务收入")
    assert lan.answer == "280万元"


@pytest.mark.parametrize(
    "question",
    [
        "长安区帮扶了多少个村",  # a district no document names
        "雁塔区2021年投入了多少帮扶资金",  # a year no document names
        "碑林区在丹凤县帮扶了多少个村",  # the 11 villages are in 蓝田县
        "奚元平的妻子叫什么名字",  # the role is there, no name follows it
        "西安航天基地管委会主任是谁",  # only 副主任 is named
        "李哲今年多少岁",  # no age anywhere near 李哲
        "高陵区的群众满意度是多少",  # satisfaction is 碑林区's figure
        "汉滨区毛绒玩具厂的年产值是多少",  # only the investment (总投资600万元) is given
    ],
)
def test_abstains_when_the_documents_do_not_say(assistant, question):
    a = assistant.ask(question)
    assert a.abstained, (a.answer, a.explanation)
    assert a.answer.startswith("资料中没有找到")
    assert a.quotes == []
    assert a.related and all(isinstance(q, Quote) for q in a.related)
    assert "abstain_reason" in a.explanation


def test_absent_entity_is_named_in_the_refusal(assistant):
    a = assistant.ask("长安区帮扶了多少个村")
    assert "长安区" in a.answer and a.confidence == 0.0


@pytest.mark.parametrize(
    ("question", "expected", "chinese"),
    [
        ("How many villages did Beilin District help?", "11个", "碑林区"),
        ("How old is Xi Yuanping?", "51岁", "奚元平"),
        ("How many days of good air quality did Baihe County have?", "297天", "白河县"),
        ("Who is the Party secretary of Gaoling District?", "杨仁华", "高陵区"),
        ("What is the total population of Hanbin District?", "102万人", "汉滨区"),
        ("How many people in Gaoling District have been lifted out of poverty?", "463人", "脱贫"),  # a phrase
        ("How many cooperatives did Beilin District build?", "11个", "合作社"),  # a count of a thing not listed
    ],
)
def test_english_questions(assistant, question, expected, chinese):
    a = assistant.ask(question)
    assert expected in a.answer
    assert chinese in a.resolved_question


def test_an_english_verb_the_dictionary_translates_otherwise_is_refused_or_answered_right(assistant):
    # CC-CEDICT gives 培训 for cultivate while the text says 培育龙头企业52家: the right 52家 covers 0.59 of the terms,
    # so its confidence sits near the threshold (0.26 at 0.27; answered from the rival features' refit on; 0.21 at
    # 0.29 since the sixteenth round's refit: a known miss). Either way it is never another figure.
    a = assistant.ask("How many leading enterprises did Hanbin District cultivate?")
    assert "多少个龙头企业" in a.resolved_question
    assert a.abstained or "52家" in a.answer
    _check_quotes(assistant, a)


def test_english_question_about_an_absent_place_abstains(assistant):
    assert assistant.ask("How many villages did Lianhu District help?").abstained


def test_follow_ups(assistant):
    first = assistant.ask("碑林区帮扶了多少个村")
    second = assistant.ask("那雁塔区呢？", history=["碑林区帮扶了多少个村"])
    assert second.resolved_question == "雁塔区帮扶了多少个村"
    assert second.answer.startswith("14个") and "雁塔" not in first.quotes[0].text
    third = assistant.ask("它投入了多少资金？", history=["碑林区帮扶了多少个村"])
    assert third.answer == "4590万元"
    chained = assistant.ask("它投入了多少资金", history=["雁塔区三年来累计投入财政帮扶资金多少", "那碑林区呢"])
    assert chained.resolved_question.startswith("碑林区")
    assert assistant.ask("那长安区呢", history=["碑林区帮扶了多少个村"]).abstained


def test_explanations_say_why(assistant):
    a = assistant.ask("碑林区帮扶了多少个村")
    e = a.explanation
    assert e["question"]["type"] == "number" and e["question"]["noun"] == "村"
    assert "碑林区" in e["matched_terms"]
    for key in ("coverage", "local_coverage", "type_agreement", "place_factor", "sentence_score", "threshold"):
        assert isinstance(e[key], float)


def test_every_quote_is_an_exact_slice(assistant):
    questions = [
        "碑林区帮扶了多少个村",
        "高陵区委书记是谁",
        "雁塔区获得过哪些脱贫攻坚荣誉",
        "为什么雁塔区要重视扶志扶智",
        "汉滨区投入多少钱新修建改造标准化卫生室",
        "航天基地辖区企业在茶叶种植和乡村振兴规划等领域投入了多少",
    ]
    for q in questions:
        a = assistant.ask(q)
        assert a.quotes or a.abstained
        _check_quotes(assistant, a)


def test_counted_noun_phrase_is_shown_as_the_question_words_it(assistant):
    # the question's words only, more than its noun: the figure alone (not 7次（7次教学研讨交流活动）)
    assert assistant.ask("专家能手来汉滨开展了多少次教学研讨交流活动").answer == "7次"
    assert assistant.ask("汉滨区多少名孩子体验了古城之旅").answer == "59名孩子"  # not 孩子体验
    assert assistant.ask("碑林区帮扶了多少个村").answer == "11个（蓝田县11个行政村）"


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("渔港位于台湾宜兰县头城镇的海边", ["台湾宜兰县头城镇"]),  # 头 stands outside the place tag
        ("他是江苏南京人", ["江苏南京"]),
        ("总部在北京，分部在上海", ["北京", "上海"]),  # two places apart stay apart
    ],
)
def test_place_runs_read_an_address_as_one(text, runs):
    from rag.answering import place_runs

    assert [text[a:b] for a, b in place_runs(text)] == runs


def test_an_english_question_is_marked_english_for_the_confidence(assistant):
    """The confidence has a feature for English questions (their terms are translations); it must be set."""
    a = assistant.ask("How many villages did Beilin District help?")
    assert a.explanation["question"]["language"] == "en"
    assert a.explanation["answer_features"]["english"] == 1.0
    assert assistant.ask("碑林区帮扶了多少个村").explanation["answer_features"]["english"] == 0.0


def test_a_bare_list_number_is_not_shown_as_a_related_passage():
    from rag.answering import Candidate
    from rag.answering.builder import _related
    from rag.chunking import Span
    from rag.schema import Document

    text = "1.\n禁止雨天骑行，本车防水等级仅为IPX4。\n2.\n"
    doc = Document(id="d", title="t", source="s", text=text, sha256="0" * 64)
    cands = [
        Candidate(doc=doc, span=Span(0, 2), hit=None, text="1.", context=""),
        Candidate(doc=doc, span=Span(3, 22), hit=None, text=text[3:22], context=""),
        Candidate(doc=doc, span=Span(23, 25), hit=None, text="2.", context=""),
    ]
    assert [q.text for q in _related(cands)] == [text[3:22]]


@pytest.mark.parametrize(
    ("question", "shown"),
    [
        ("碑林区帮扶了多少个村", "11个（蓝田县11个行政村）"),  # the phrase says more than the question: in brackets
        ("碑林区选派了多少名优秀干部组建驻村工作队", "33名优秀干部"),  # only the question's noun: read together
        ("雁塔区和西安航天基地拨付了多少教育帮扶专项资金", "100万元"),  # not 100万元教育: money has no counted noun
    ],
)
def test_a_count_is_shown_with_its_noun_once(assistant, question, shown):
    """A count never repeats itself (33名（33名优秀干部）): its noun phrase is shown in brackets only when it adds words
    the question does not have, and read with the figure when it is just the question's own noun."""
    assert assistant.ask(question).answer == shown


def test_a_bare_figure_keeps_its_noun(tmp_path):
    """A figure written without a measure word the units list knows (28 of 28桌) is shown with the noun that
    follows it: the figure alone would not say what it counts."""
    from rag.assistant import Assistant
    from rag.config import Settings

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "party.txt").write_text("年会定在丽华酒店，共预订了36桌，每桌10人。\n", encoding="utf-8")
    assistant = Assistant.open(Settings(index_dir=tmp_path / "index", seeds_dir=corpus, embedder="hash-test"))
    assert assistant.ask("年会一共订了多少桌？").answer.startswith("36桌")


@pytest.mark.parametrize(
    ("question", "time", "outside"),
    [
        ("最后一天晚上大概几点能到家", "早上6:30", True),
        ("最后一天晚上大概几点能到家", "20:40", False),
        ("早上几点开门", "20:00", True),
        ("晚上几点关门", "9:00—21:00", False),  # a range reaching into the evening holds it
        ("中午几点开饭", "11:30—13:00", False),
        ("几点开门", "6:00", False),  # no part of the day named: nothing to disagree with
        ("晚上十二点左右走哪个门", "23:00至次日6:00", False),
    ],
)
def test_a_clock_time_outside_the_part_of_the_day_asked(question, time, outside):
    from rag.answering.extractors import _outside_dayparts

    assert _outside_dayparts(question, time) is outside


def test_an_evening_question_takes_the_evening_time(tmp_path):
    """晚上几点到 is answered by the evening arrival, not by the morning time of the same sentence."""
    from tests.test_general_rules import _assistant_over

    text = "青禾旅行社三日游行程\n第一天：上午9:00在市民广场集合出发，中午在古镇用餐。\n第三天：早上6:30集合返程，20:40抵达市区。\n"
    assistant = _assistant_over(tmp_path, "行程.txt", text)
    assert assistant.ask("第三天晚上几点到？").answer.startswith("20:40")
    assert assistant.ask("第三天早上几点集合？").answer.startswith("早上6:30")
