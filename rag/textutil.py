"""Chinese-aware text utilities in one place: normalisation, tokenisation, character F1."""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"

# Characters that carry no meaning for matching: punctuation and symbols of both widths.
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)

# Function words and question words. They are language knowledge, not corpus knowledge:
# dropping them keeps "多少" in a question from matching "多少" in an article.
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 等 也 都 就 而 并 或 把 被 对 从 向 为 以 于 由 将 着 过 给 让 这 那 这些 那些
    之 其 该 此 各 每 有 没有 个 中 上 下 里 后 前 时 年 月 日 吗 呢 吧 啊 呀 么 嘛 又 还 很 更 最 已 已经
    多少 几 几个 什么 哪 哪个 哪些 哪里 哪儿 哪一年 哪年 哪天 谁 怎么 怎样 如何 为什么 为何 何时 什么时候
    是否 是不是 请问 一下 一共 共 总共 多大 多长 多久 多高 多远 多 有多少 有 叫 叫做 名叫 问 请 告诉
    我 我们 你 你们 他 他们 她 她们 它 它们 吗 所 能 会 要 可以 得 地 啊 哦 么 些 个人
    仍 仍然 合计 总计 共计 能够 目前 现在
    the a an of to in on for and or is are was were be been by with at from as that this these those
    what which who whom whose when where why how many much did does do has have had it its
    """.split()
)


def nfkc(text: str) -> str:
    """NFKC normalisation: full-width digits, letters and punctuation become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def normalize_answer(text: str) -> str:
    """Fold for answer comparison: NFKC, lower case, no whitespace, no punctuation."""
    return _PUNCT.sub("", nfkc(text).lower())


def char_f1(prediction: str, gold: str) -> float:
    """Character-level F1 between two answers after :func:`normalize_answer` (the usual CMRC metric)."""
    pred, ref = normalize_answer(prediction), normalize_answer(gold)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def in_dictionary(word: str) -> bool:
    """Whether ``word`` is an entry of jieba's dictionary (not a piece its HMM guessed for unknown text)."""
    return bool(_jieba().get_FREQ(word))


def background_share(word: str, chunk_words: float) -> float:
    """Share of ``chunk_words``-word passages of general Chinese that hold ``word`` at least once.

    From the word frequencies of jieba's dictionary (a general corpus of about 60 million words, jieba's
    README): ``1 - exp(-chunk_words * freq / total)``, the Poisson chance of one or more occurrences. 0 for a word
    the dictionary does not have (a name, a compound jieba guessed).
    """
    jb = _jieba()
    freq = jb.get_FREQ(word) or 0
    return 1.0 - math.exp(-chunk_words * freq / jb.dt.total) if freq else 0.0


def dictionary_tag(word: str) -> str | None:
    """``word``'s part of speech in jieba's dictionary (``d`` for 先, ``v`` for 调), None if it is no entry."""
    return _posseg_module().dt.word_tag_tab.get(word)


def cut(text: str) -> list[str]:
    """jieba precise-mode words of ``text`` (NFKC, lower case), punctuation removed."""
    words = _jieba().lcut(nfkc(text).lower())
    return [w for w in (w.strip() for w in words) if w and not _PUNCT.fullmatch(w)]


@lru_cache(maxsize=1024)
def word_bounds(text: str) -> tuple[int, ...]:
    """The offsets where jieba's precise-mode words of ``text`` start, and its length: a span that starts or
    ends between two of them cuts a word (开区 of 经开区, which the part-of-speech tagger splits as 经 + 开区)."""
    out, pos = [0], 0
    for word in _jieba().lcut(text):
        pos += len(word)
        out.append(pos)
    return tuple(out)


def cut_for_search(text: str) -> list[str]:
    """jieba search-mode words: long words and their parts, so ``行政村`` also matches ``村``."""
    words = _jieba().lcut_for_search(nfkc(text).lower())
    return [w for w in (w.strip() for w in words) if w and not _PUNCT.fullmatch(w)]


def bm25_tokens(text: str) -> list[str]:
    """Tokens for the BM25 index and its queries: search-mode words without stopwords."""
    return [w for w in cut_for_search(text) if w not in STOPWORDS]


def char_ngrams(text: str, n: int = 2) -> set[str]:
    """Character n-grams of the CJK/alphanumeric content of ``text`` (paraphrase-tolerant matching)."""
    s = _PUNCT.sub("", nfkc(text).lower())
    return {s[i : i + n] for i in range(len(s) - n + 1)}


@lru_cache(maxsize=4096)
def _posseg_cached(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((w.word, w.flag) for w in _posseg_module().cut(text))


_POSSEG_LOCK = threading.Lock()
_POSSEG: list = []


def _posseg_module():
    # one thread loads the tagger; the others wait instead of racing through its import
    if not _POSSEG:
        with _POSSEG_LOCK:
            if not _POSSEG:
                from .postags import load_posseg

                _POSSEG.append(load_posseg(_jieba().dt))
    return _POSSEG[0]


def posseg(text: str) -> list[tuple[str, str]]:
    """jieba part-of-speech tagged words ``(word, flag)`` of ``text`` (cached)."""
    return list(_posseg_cached(text))


@lru_cache(maxsize=32)
def resource_groups(name: str) -> dict[str, tuple[str, ...]]:
    """A ``kind<TAB>words`` data file (units.txt, cause_markers.txt…) as ``{kind: words}``, in file order."""
    out: dict[str, tuple[str, ...]] = {}
    for line in resource_lines(name):
        kind, _, words = line.partition("\t")
        if kind.strip() in out:
            raise ValueError(f"rag/resources/{name}: kind {kind.strip()!r} on two lines")
        out[kind.strip()] = tuple(words.split())
    return out


def resource_lines(name: str) -> tuple[str, ...]:
    """Lines of the language data file ``rag/resources/<name>``, without its source line and blank lines."""
    path = RESOURCES / name
    if not path.is_file():
        raise FileNotFoundError(f"language data file {path} is missing: reinstall rag-zh (pip install .)")
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.rstrip("\n") for line in lines[1:] if line.strip())
