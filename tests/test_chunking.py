import itertools

import pytest

from rag.chunking import ChunkerSettings, chunk_document, split_clauses, split_sentences
from rag.schema import Document


def _doc(text: str, id_: str = "d") -> Document:
    return Document(id=id_, source=f"{id_}.txt", title="t", text=text, sha256="0")


def test_chinese_sentences_split_on_terminal_punctuation():
    text = "第一句。第二句！第三句？第四句；第五句……“第六句。”第七句"
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == ["第一句。", "第二句！", "第三句？", "第四句；", "第五句……", "“第六句。”", "第七句"]


def test_english_and_line_breaks_split_too():
    text = "Beilin helped 11 villages. It invested 45.9 million yuan!\n标题\n正文。"
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == ["Beilin helped 11 villages.", "It invested 45.9 million yuan!", "标题", "正文。"]


def test_clauses():
    text = "根据部署,碑林区承担任务，及对口帮扶任务。"
    spans = split_sentences(text)
    assert [text[c.start : c.end] for c in split_clauses(text, spans[0])] == [
        "根据部署,",
        "碑林区承担任务，",
        "及对口帮扶任务。",
    ]


def test_every_seed_chunk_slices_its_document(seed_docs):
    for doc in seed_docs.values():
        chunks = chunk_document(doc, ChunkerSettings(chunk_size=240, chunk_overlap=1))
        assert chunks
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert c.doc_id == doc.id
            assert len(c.text) <= 240
        # together the chunks cover every sentence of the document
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        for s in split_sentences(doc.text):
            assert s.start in covered


def test_chunks_never_cut_inside_a_sentence(seed_docs):
    doc = seed_docs["000"]
    starts = {s.start for s in split_sentences(doc.text)}
    ends = {s.end for s in split_sentences(doc.text)}
    for c in chunk_document(doc, ChunkerSettings(chunk_size=200, chunk_overlap=1)):
        assert c.start in starts and c.end in ends


def test_only_an_oversized_sentence_is_cut():
    long_sentence = "很" * 100 + "。"
    chunks = chunk_document(_doc("短句。" + long_sentence + "尾句。"), ChunkerSettings(chunk_size=40, chunk_overlap=0))
    assert all(len(c.text) <= 40 for c in chunks)
    assert "".join(c.text for c in chunks) == "短句。" + long_sentence + "尾句。"


def test_overlap_repeats_sentences():
    text = "".join(f"第{i}句话写在这里。" for i in range(10))
    chunks = chunk_document(_doc(text), ChunkerSettings(chunk_size=30, chunk_overlap=1))
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end  # the next chunk starts inside the previous one


@pytest.mark.parametrize(
    ("needle", "section"),
    [
        ("累计完成森林抚育补贴项目20.9万亩", "岚皋做好森林抚育补贴工作"),
        ("平利县慈善协会投入扶贫资金105万元", "平利发动社会组织助力脱贫攻坚"),
        ("该县环境空气质量优良天数为297天", "白河县域空气质量持续好转"),
        ("积极争取扶贫整合资金414.3万元", "石泉多举措抓好林业经济"),
        ("汉滨区新建毛绒玩具新社区工厂31家", "汉滨四个毛绒玩具厂同天开业"),
        ("全年组织实施重点项目建设57个", "白河发改局以党建创新引领中心工作"),
    ],
)
def test_sub_headlines_of_the_newspaper_page(seed_docs, needle, section):
    doc = seed_docs["004"]
    chunks = [c for c in chunk_document(doc) if needle in c.text]
    assert chunks
    assert all(section in c.section for c in chunks)


def test_story_chunks_do_not_cross_headlines(seed_docs):
    doc = seed_docs["004"]
    for c in chunk_document(doc):
        if "岚皋" in c.section:
            assert "汉滨" not in c.text and "白河" not in c.text


def test_a_colon_lead_in_moves_to_the_section_it_introduces():
    text = "标题\n第一段说了一些事情。\n区委书记 张三:\n工作重点\n我们今年把产业放在第一位。"
    doc = Document(id="d", source="d.txt", title="标题", text=text, sha256="x")
    chunks = chunk_document(doc, ChunkerSettings(chunk_size=240, chunk_overlap=0))
    speech = next(c for c in chunks if "产业放在第一位" in c.text)
    assert "区委书记 张三:" in speech.text and speech.section == "工作重点"
    assert all("张三" not in c.text for c in chunks if c is not speech)


def test_a_clocks_colon_ends_no_quoted_clause():
    """A table row's time (周二 9:00) stays whole in a quote; a label's colon still ends its clause."""
    from rag.chunking import Span, split_clauses

    row = "国画 唐雅琴 周二 9:00 202室"
    assert [row[c.start : c.end] for c in split_clauses(row, Span(0, len(row)))] == [row]
    text = "联系人：刘老师，电话：010-6238 5517。"
    assert [text[c.start : c.end] for c in split_clauses(text, Span(0, len(text)))] == [
        "联系人：",
        "刘老师，",
        "电话：",
        "010-6238 5517。",
    ]
