"""The matching view of a text: traditional → simplified script and full-width → ASCII, length for length.

Retrieval, question analysis and the answer builder match on this view; quotes are sliced from the
stored original. The view has exactly the length of its text, so an offset found in the view is the
same offset in the original (a traditional document is quoted in traditional script).

- Script: OpenCC ``t2s`` (phrases, then characters), converted one run of CJK characters at a time; a run
  whose conversion would change its length is converted character by character instead. A text is only
  converted when it looks traditional (OpenCC changes more of its characters going to simplified than
  going to traditional), so a simplified text keeps characters that ``t2s`` would rewrite out of
  context (覆盖 stays 覆盖, not 复盖).
- Width: NFKC of each full-width or compatibility character that NFKC maps to one character
  (ＡＢＣ１２３％ → ABC123%, 　 → space); nothing else (① stays ①, … stays …).

OpenCC is loaded lazily, once per configuration, on the first text that needs it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from .schema import Chunk, Document

CONVERTER = "OpenCC"
TO_SIMPLIFIED = "t2s"
# Answers to a traditional question are shown with OpenCC's standard traditional characters (s2t), not a
# regional standard (s2tw, s2hk): the characters of a question do not say where its reader is, and s2tw/s2hk
# also swap words (软件 → 軟體), which is more than a change of script.
TO_TRADITIONAL = "s2t"
# Bump when the matching view of the same text changes: an index built under other rules is re-embedded
# and re-indexed in full by the next `rag index`.
RULES_VERSION = 1
WIDTH_RULE = "NFKC per character, one character to one: U+3000, U+F900-FAFF, U+FF01-FFEF"

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_FOLDABLE = re.compile(r"[\u3000\uf900-\ufaff\uff01-\uffef]")

# A text in which going to simplified changes fewer than one Chinese character in this many is simplified
# without asking the s2t direction (whose phrase table takes 40-300 ms to load): traditional running text
# changes one character in three to ten, a simplified article only its few characters that are both
# simplified and traditional (覆, 乾).
SIMPLIFIED_BELOW = 100

_LOCK = threading.Lock()
_CONVERTERS: dict[str, object] = {}


def _converter(config: str):
    """The OpenCC converter for ``config``, loaded once (thread-safe)."""
    cc = _CONVERTERS.get(config)
    if cc is None:
        with _LOCK:
            cc = _CONVERTERS.get(config)
            if cc is None:
                try:
                    import opencc
                except ImportError as exc:  # a core dependency: only a broken install lacks it
                    raise ImportError("traditional/simplified conversion needs OpenCC: pip install opencc") from exc
                cc = _CONVERTERS[config] = opencc.OpenCC(config)
    return cc


def describe() -> dict:
    """What the manifest records about the matching view; an index built under another one is rebuilt."""
    import opencc

    return {
        "converter": CONVERTER,
        "version": opencc.__version__,
        "config": TO_SIMPLIFIED,
        "width": WIDTH_RULE,
        "rules": RULES_VERSION,
    }


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def fold_width(text: str) -> str:
    """Full-width and compatibility characters to their NFKC form where that is one character."""
    if not _FOLDABLE.search(text):
        return text
    return _FOLDABLE.sub(lambda m: _fold_char(m.group()), text)


def convert_script(text: str, config: str) -> str:
    """``text`` converted by OpenCC ``config``, run by run, with the length of every CJK run kept."""
    cc = _converter(config)
    whole = cc.convert(text)
    if whole == text:
        return text
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(text):
        out.append(text[pos : m.start()])
        run = m.group()
        converted = cc.convert(run)
        if len(converted) != len(run):
            converted = "".join(c if len(c := cc.convert(ch)) == 1 else ch for ch in run)
        out.append(converted)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _changes(text: str, config: str) -> int:
    """How many characters of ``text`` OpenCC ``config`` changes."""
    converted = _converter(config).convert(text)
    if len(converted) != len(text):
        converted = convert_script(text, config)
    return 0 if converted == text else sum(map(str.__ne__, text, converted))


def _looks_traditional(text: str) -> bool:
    to_simplified = _changes(text, TO_SIMPLIFIED)
    if to_simplified == 0:
        return False
    if to_simplified * SIMPLIFIED_BELOW < sum(len(run) for run in _CJK_RUN.findall(text)):
        return False
    return to_simplified > _changes(text, TO_TRADITIONAL)


def is_traditional(text: str) -> bool:
    """True when ``text`` looks like traditional script: going to simplified changes more characters than
    going to traditional does (a text without Chinese, or an even mix, counts as simplified)."""
    return _looks_traditional(fold_width(text))


def to_matching(text: str, convert: bool | None = None) -> str:
    """The matching view of ``text`` (same length).

    Args:
        convert: convert the script to simplified (None: when ``text`` itself looks traditional). A
            document decides once for its title, text and sub-headlines.
    """
    folded = fold_width(text)
    if convert is None:
        convert = _looks_traditional(folded)
    return convert_script(folded, TO_SIMPLIFIED) if convert else folded


def to_traditional(text: str) -> str:
    """``text`` in traditional script (OpenCC ``s2t``), for answering a question asked in it."""
    return _converter(TO_TRADITIONAL).convert(text)


def in_script(text: str, traditional: bool) -> str:
    """``text`` for a reader of traditional (True) or simplified script: converted only for the former."""
    return to_traditional(text) if traditional else text


@lru_cache(maxsize=64)  # the index builder asks for a document once per chunk, one document after another
def _matching_texts(title: str, text: str) -> tuple[str, str, bool]:
    convert = is_traditional(text)
    return to_matching(title, convert), to_matching(text, convert), convert


def matching_document(doc: Document) -> tuple[Document, bool]:
    """The document with its title and text in the matching view, and whether its script was converted.

    Cached on the title and text (a document's location maps are lists, so the model itself is unhashable).
    """
    title, text, convert = _matching_texts(doc.title, doc.text)
    if title == doc.title and text == doc.text:
        return doc, convert
    return doc.model_copy(update={"title": title, "text": text}), convert


def matching_chunk(chunk: Chunk, view: Document, converted: bool) -> Chunk:
    """``chunk`` of ``view``'s document in the matching view (same offsets)."""
    text, section = view.text[chunk.start : chunk.end], to_matching(chunk.section, converted)
    if text == chunk.text and section == chunk.section:
        return chunk
    return chunk.model_copy(update={"text": text, "section": section})
