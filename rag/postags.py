"""jieba part-of-speech tagging without parsing jieba's 350,000-line dictionary at every start.

``import jieba.posseg`` reads ``dict.txt`` line by line to build a word → tag table (~0.4 s, most of a
cold ``rag ask``), although a question only ever looks up a few hundred words. Here the table lives in
a small SQLite file built once from the same dictionary (in the user cache folder), and lookups go to
it on demand. The tagger, its HMM for unknown words and its output are jieba's own.
"""

from __future__ import annotations

import io
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

from .cachefiles import cache_dir, mark_used, prune


class LazyTagTable:
    """The subset of ``dict`` that ``jieba.posseg`` uses (``get``, ``update``), backed by SQLite."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._extra: dict[str, str] = {}

    @lru_cache(maxsize=65536)  # noqa: B019 - one table per process, never freed anyway
    def _lookup(self, word: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT tag FROM tags WHERE word = ?", (word,)).fetchone()
        return row[0] if row else None

    def get(self, word: str, default=None):
        if word in self._extra:
            return self._extra[word]
        tag = self._lookup(word)
        return default if tag is None else tag

    def __getitem__(self, word: str) -> str:
        tag = self.get(word)
        if tag is None:
            raise KeyError(word)
        return tag

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def update(self, other) -> None:
        self._extra.update(other)


def parse_dictionary(dict_path: Path) -> dict[str, str]:
    """word → tag, exactly as ``jieba.posseg.POSTokenizer.load_word_tag`` reads it."""
    table: dict[str, str] = {}
    with open(dict_path, "rb") as f:
        for line in f:
            parts = line.strip().decode("utf-8").split(" ")
            if len(parts) >= 3 and parts[0]:
                table[parts[0]] = parts[2]
    return table


def _build(dict_path: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(f".tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE tags (word TEXT PRIMARY KEY, tag TEXT NOT NULL) WITHOUT ROWID")
    db.executemany("INSERT INTO tags VALUES (?, ?)", parse_dictionary(dict_path).items())
    db.commit()
    db.close()
    os.replace(tmp, dest)  # atomic: a concurrent process sees the old file or the whole new one


def load_posseg(tokenizer):
    """Import ``jieba.posseg`` with its word-tag table served lazily; returns the module.

    Not thread-safe on its own (it swaps ``Tokenizer.get_dict_file`` during the import): call it once,
    under a lock (``rag.textutil`` does).
    """
    import jieba

    with tokenizer.get_dict_file() as f:
        dict_path = Path(f.name)
    stat = dict_path.stat()
    table_path = cache_dir() / f"jieba-tags-{jieba.__version__}-{stat.st_size}-{int(stat.st_mtime)}.sqlite"
    try:
        if not table_path.is_file():
            _build(dict_path, table_path)
            prune(table_path, "jieba-tags-*.sqlite")  # the tables of other jieba installs, unused for a month
        else:
            mark_used(table_path)
        table = LazyTagTable(table_path)
    except (OSError, sqlite3.Error):
        import jieba.posseg  # no writable cache folder: jieba's own, slower, start-up

        return jieba.posseg
    original = jieba.Tokenizer.get_dict_file
    jieba.Tokenizer.get_dict_file = lambda self: io.BytesIO(b"")  # posseg's import reads no lines
    try:
        import jieba.posseg
    finally:
        jieba.Tokenizer.get_dict_file = original
    jieba.posseg.dt.word_tag_tab = table
    return jieba.posseg
