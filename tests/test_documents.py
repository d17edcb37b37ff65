from pathlib import Path

import pytest

from rag.documents import clean_text, iter_corpus_files, load_corpus, load_document, make_title
from rag.errors import DocumentError


def test_furniture_is_stripped_from_the_seeds(seed_docs):
    everything = "\n".join(d.text for d in seed_docs.values())
    for furniture in (
        "澎湃Logo",
        "下载客户端",
        "登录",
        "ICP备",
        "公网安备",
        "责编",
        "我要举报",
        "向上滑动查看",
        "本文为澎湃号作者",
        "扫码下载",
        "许可证",
        "上海东方报业有限公司",
        "字号",
    ):
        assert furniture not in everything, furniture


def test_a_sentence_that_mentions_a_page_widget_is_content():
    """点击查看 alone on a line is page furniture; inside a long sentence of a notice it is content, kept whole."""
    notice = "报名须知\n报名方式：请点击查看附件中的报名表，填写后于3月1日前发送至报名邮箱，逾期不再受理。\n点击查看\n版权所有"
    text = clean_text(notice)
    assert "请点击查看附件中的报名表，填写后于3月1日前发送至报名邮箱，逾期不再受理。" in text
    assert text.count("点击查看") == 1 and "版权所有" not in text


def test_image_captions_are_dropped_but_headlines_kept(seed_docs):
    text = seed_docs["003"].text
    for caption in (
        "开展宣传展销活动,推介汉滨特产进西安",
        "驻汉滨工作队与基层党支部联合开展主题党日活动",
        "汉滨区富硒产品展销中心落地雁塔区",
    ):
        assert caption not in text
    assert text.startswith("他乡亦故乡 携手奔小康")
    assert "对口帮扶机制“三区两地”喜联姻" in text
    assert "做好社会扶贫的“服务员”" in seed_docs["004"].text


def test_layout_line_breaks_are_repaired(seed_docs):
    assert "战天斗地" in seed_docs["004"].text
    assert "投入超过60万元" in seed_docs["003"].text
    assert "进度清单。" in seed_docs["004"].text
    assert "除了本单位同事外,她没告诉" in seed_docs["004"].text
    # real line breaks between list items are kept
    assert "区纪委帮扶组\n十二队:" in seed_docs["001"].text


def test_article_text_is_intact(seed_docs):
    for prefix, sentence in [
        ("001", "碑林区承担蓝田县11个行政村驻村联户帮扶任务及丹凤县对口帮扶任务。"),
        ("000", "三年来,雁塔区累计投入财政帮扶资金4500余万元"),
        ("002", "高陵区建档立卡户共有340户、606人"),
        ("004", "累计完成森林抚育补贴项目20.9万亩"),
    ]:
        assert sentence in seed_docs[prefix].text
    raw = (Path(__file__).parent.parent / "seeds" / "001_ad83b76884cea2bc.txt").read_text(encoding="utf-8")
    body = [line for line in raw.splitlines() if line.strip() and "公网安备" not in line]
    assert all(line.strip() in seed_docs["001"].text for line in body)


def test_ids_titles_and_sources_are_stable(seed_docs):
    d = seed_docs["000"]
    assert d.id == "000_1d824e6dd909b0d6.txt"
    assert d.source == "000_1d824e6dd909b0d6.txt"
    assert d.title.startswith("看脱贫攻坚的雁塔力量")
    assert seed_docs["004"].title.startswith("“笃”定前行战贫困")
    assert load_corpus([Path(__file__).parent.parent / "seeds"])[0][0].sha256 == d.sha256


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings_are_detected(tmp_path, encoding):
    text = "碑林区承担蓝田县11个行政村驻村联户帮扶任务。群众满意度达到95%以上。"
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    assert load_document(path).text == text


def test_undecodable_file_is_named(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\x81\x30\xff\xfe\x00\x00binary\x00")
    with pytest.raises(DocumentError, match="bad.txt"):
        load_document(path)


def test_empty_and_unsupported_files(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"empty.txt: no article text"):
        load_document(tmp_path / "empty.txt")
    (tmp_path / "x.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DocumentError, match="unsupported file type"):
        load_document(tmp_path / "x.doc")


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("很长的文章。" * 1000, encoding="utf-8")
    with pytest.raises(DocumentError, match="over the"):
        load_document(path, max_bytes=1000)


def test_html_scripts_and_navigation_are_removed(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>标题</title><script>alert('x')</script></head><body><nav>首页 | 登录</nav>"
        "<h1>平利发动社会组织助力脱贫攻坚</h1><p>平利县慈善协会投入扶贫资金105万元。</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.title == "平利发动社会组织助力脱贫攻坚"
    assert "平利县慈善协会投入扶贫资金105万元。" in doc.text
    assert "alert" not in doc.text and "首页" not in doc.text


def test_markdown_is_loaded(tmp_path):
    (tmp_path / "a.md").write_text("# 标题\n\n正文第一句。正文第二句。\n", encoding="utf-8")
    assert "正文第一句。" in load_document(tmp_path / "a.md").text


def test_folder_with_bad_file_skips_it_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text("好的文章。", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    docs, warnings = load_corpus([tmp_path])
    assert [d.id for d in docs] == ["good.txt"]
    assert len(warnings) == 1 and "bad.txt" in warnings[0]
    with pytest.raises(DocumentError, match="bad.txt"):
        load_corpus([tmp_path], strict=True)


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(DocumentError, match="no such file or folder"):
        load_corpus([tmp_path / "nope"])


def test_symlink_loop_terminates(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("文章。", encoding="utf-8")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    files = iter_corpus_files([tmp_path])
    assert [s for _, s, _ in files] == ["sub/a.txt"]


def test_corpus_files_as_strings_are_the_same_files_in_source_order(tmp_path):
    """The no-op check walks with plain strings; the files, their sources and roots are those of the Path walk,
    sorted by source, and two roots holding one name are still an error."""
    (tmp_path / "b").mkdir()
    for rel in ("z.txt", "b/a.md", "a.html", ".hidden.txt", "b/skip.exe"):
        (tmp_path / rel).write_text("文章。", encoding="utf-8")
    as_paths = iter_corpus_files([tmp_path])
    as_strings = iter_corpus_files([tmp_path], as_paths=False)
    assert [s for _, s, _ in as_strings] == ["a.html", "b/a.md", "z.txt"]
    assert [(str(p), s, r) for p, s, r in as_paths] == as_strings
    assert all(isinstance(p, str) for p, _, _ in as_strings)
    other = tmp_path.parent / f"{tmp_path.name}-other"
    other.mkdir()
    (other / "z.txt").write_text("另一篇。", encoding="utf-8")
    with pytest.raises(DocumentError, match="would both be document 'z.txt'"):
        iter_corpus_files([tmp_path, other], as_paths=False)


def test_clean_text_and_title_helpers():
    raw = "澎湃Logo\n下载客户端\n\n标题在这里\n\n——副标题\n\n这一段正文写到一半的时候被页面排版硬生生地\n\n分成两行了，这是后半句。\n沪ICP备14003370号\n"
    text = clean_text(raw)
    assert text == "标题在这里\n——副标题\n这一段正文写到一半的时候被页面排版硬生生地分成两行了，这是后半句。"
    assert make_title(text, "x") == "标题在这里——副标题"


def test_dateline_and_speaker_lines():
    raw = "一个相当长的新闻标题在这里没有标点符号结尾的那种\n2019-11-26 23:00\n正文第一段开始了,内容很长很长。\n何村党支部书记\n\n史安民:\n我们村有21户。"
    text = clean_text(raw)
    assert "\n2019-11-26 23:00\n正文第一段" in text
    assert "何村党支部书记 史安民:\n我们村" in text
