"""Lexical store: BM25 (bm25s) over jieba search-mode tokens, saved as a folder beside the dense index."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt
from .textutil import bm25_tokens

FOLDER = "bm25"
log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)


class BM25Store:
    """BM25 over pre-tokenised chunks; row ``i`` is chunk ``i`` of the index."""

    def __init__(self, retriever, size: int):
        self._bm25 = retriever
        self._size = size
        self._vocab = retriever.vocab_dict

    @classmethod
    def build(cls, texts: Sequence[str], show_progress: bool = False) -> BM25Store:
        """Tokenise ``texts`` with jieba and index them."""
        return cls.build_from_tokens([bm25_tokens(t) or [""] for t in texts], show_progress)

    @classmethod
    def build_from_tokens(cls, tokens: Sequence[list[str]], show_progress: bool = False) -> BM25Store:
        """Index pre-tokenised documents (one list of tokens per row)."""
        import bm25s

        retriever = bm25s.BM25()
        if tokens:
            retriever.index(list(tokens), show_progress=show_progress)
        else:
            retriever.vocab_dict = {}
        return cls(retriever, len(tokens))

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query token is in the vocabulary)."""
        tokens = [t for t in bm25_tokens(query) if t in self._vocab]
        if not tokens or self._size == 0:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows with a positive score: ``(row ids, scores)``, best first."""
        scores = self.scores(query)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top]

    def idf(self, term: str) -> float:
        """Inverse document frequency of one token over the chunks (a term seen nowhere gets the maximum)."""
        n = max(self._size, 1)
        tid = self._vocab.get(term)
        df = 0 if tid is None else int(self._bm25.scores["indptr"][tid + 1] - self._bm25.scores["indptr"][tid])
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def save(self, folder: Path) -> None:
        self._bm25.save(str(Path(folder) / FOLDER), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> BM25Store:
        import bm25s

        path = Path(folder) / FOLDER
        if not path.is_dir():
            raise IndexCorrupt(f"{path} is missing")
        try:
            retriever = bm25s.BM25.load(str(path), show_progress=False)
        except Exception as exc:
            raise IndexCorrupt(f"{path} cannot be read ({exc})") from exc
        return cls(retriever, size)
