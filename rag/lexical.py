"""Lexical store: BM25 over jieba search-mode tokens, saved as a folder beside the dense index.

Texts and queries are tokenised in their matching view (:mod:`rag.normalize`: simplified script, folded
width), so a traditional question finds a simplified passage and the other way round.

``bm25s`` builds the index (it precomputes every document-term BM25 score into a sparse CSC matrix);
querying and loading need only those arrays, so ``rag ask`` scores with numpy and never imports
bm25s or scipy. The folder keeps bm25s's file names and layout.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt
from .normalize import to_matching
from .textutil import background_share, bm25_tokens

FOLDER = "bm25"
_ARRAYS = ("data", "indices", "indptr")
log = logging.getLogger(__name__)


_TOKEN_ARRAYS = ("tokens", "tokens_indptr")


@lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """What the tokens depend on besides the text: jieba's version and the stopwords."""
    import hashlib

    import jieba

    from .textutil import STOPWORDS

    key = f"{jieba.__version__}|{'/'.join(sorted(STOPWORDS))}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


class BM25Store:
    """BM25 over pre-tokenised chunks; row ``i`` is chunk ``i`` of the index.

    Each row's tokens are kept too (as vocabulary ids), so that an update re-tokenises only the chunks it
    adds: jieba over every chunk was 81% of a rebuild's time.
    """

    def __init__(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        vocab: dict,
        params: dict,
        row_tokens: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self._data, self._indices, self._indptr = data, indices, indptr
        self._vocab = vocab
        self._params = params
        self._size = int(params.get("num_docs", 0))
        self._row_tokens = row_tokens  # (token ids of all rows, row offsets), or None for an older index
        self._words: list[str] | None = None  # vocabulary id -> token, built on first use

    @staticmethod
    def tokenize(text: str) -> list[str]:
        """One row's tokens: jieba search-mode words of ``text`` in its matching view ([""] for none)."""
        return bm25_tokens(to_matching(text)) or [""]

    @classmethod
    def build(
        cls, texts: Sequence[str], show_progress: bool = False, known: Sequence[list[str] | None] | None = None
    ) -> BM25Store:
        """Tokenise ``texts`` (in their matching view) with jieba and index them; ``known[i]``, when given and not
        None, are row ``i``'s tokens already (from :meth:`rows_tokens` of the previous index)."""
        known = known or [None] * len(texts)
        tokens = [k if k is not None else cls.tokenize(t) for t, k in zip(texts, known, strict=True)]
        return cls.build_from_tokens(tokens, show_progress)

    def rows_tokens(self, rows: Sequence[int]) -> list[list[str]] | None:
        """The tokens of ``rows`` as they were indexed, or None when this index did not keep them or was
        tokenised differently (another jieba or stopword list: its tokens would not be today's)."""
        if self._row_tokens is None or self._params.get("tokenizer") != tokenizer_fingerprint():
            return None
        ids, offsets = self._row_tokens
        if self._words is None:
            self._words = [""] * len(self._vocab)
            for word, i in self._vocab.items():
                self._words[i] = word
        words = self._words
        return [[words[i] for i in ids[offsets[r] : offsets[r + 1]].tolist()] for r in rows]

    @classmethod
    def build_from_tokens(cls, tokens: Sequence[list[str]], show_progress: bool = False) -> BM25Store:
        """Index pre-tokenised documents (one list of tokens per row)."""
        if not tokens:
            empty = np.zeros(0, dtype=np.float32)
            return cls(empty, empty.astype(np.int32), np.zeros(1, dtype=np.int32), {}, {"num_docs": 0})
        import bm25s

        # bm25s sets its own logger to DEBUG when imported, which would print on every build
        logging.getLogger("bm25s").setLevel(logging.WARNING)

        retriever = bm25s.BM25()
        retriever.index(list(tokens), show_progress=show_progress)
        s = retriever.scores
        params = {"k1": retriever.k1, "b": retriever.b, "method": retriever.method, "num_docs": int(s["num_docs"])}
        params["tokenizer"] = tokenizer_fingerprint()
        vocab = dict(retriever.vocab_dict)
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.fromiter((vocab[w] for t in tokens for w in t), dtype=np.int32, count=int(offsets[-1]))
        return cls(s["data"], s["indices"], s["indptr"], vocab, params, (ids, offsets))

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query token is in the vocabulary)."""
        out = np.zeros(self._size, dtype=np.float32)
        for token in bm25_tokens(to_matching(query)):
            tid = self._vocab.get(token)
            if tid is None:
                continue
            a, b = self._indptr[tid], self._indptr[tid + 1]
            out[self._indices[a:b]] += self._data[a:b]  # rows are unique within one term's column
        return out

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows with a positive score: ``(row ids, scores)``, best first."""
        scores = self.scores(query)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top]

    def idf(self, term: str, prior_chunks: float = 0.0, chunk_words: float = 0.0) -> float:
        """Inverse document frequency of one token over the chunks (a term seen nowhere gets the maximum).

        With ``prior_chunks``, the chunks are joined by that many pseudo-chunks of general Chinese
        (:func:`rag.textutil.background_share` of ``chunk_words``-word passages), so that in a small collection an
        everyday word it happens not to use (办, 花) weighs what it weighs in the language, not the maximum.
        """
        n = float(max(self._size, 1))
        tid = self._vocab.get(term)
        df = 0.0 if tid is None else float(self._indptr[tid + 1] - self._indptr[tid])
        if prior_chunks:
            n += prior_chunks
            df += prior_chunks * background_share(term, chunk_words)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def save(self, folder: Path) -> None:
        path = Path(folder) / FOLDER
        path.mkdir(parents=True, exist_ok=True)
        for name, arr in zip(_ARRAYS, (self._data, self._indices, self._indptr), strict=True):
            np.save(path / f"{name}.csc.index.npy", arr)
        (path / "vocab.index.json").write_text(json.dumps(self._vocab, ensure_ascii=False), encoding="utf-8")
        (path / "params.index.json").write_text(json.dumps(self._params), encoding="utf-8")
        if self._row_tokens is not None:
            for name, arr in zip(_TOKEN_ARRAYS, self._row_tokens, strict=True):
                np.save(path / f"{name}.index.npy", arr)

    @classmethod
    def load(cls, folder: Path, size: int) -> BM25Store:
        path = Path(folder) / FOLDER
        if not path.is_dir():
            raise IndexCorrupt(f"{path} is missing")
        try:
            arrays = [np.load(path / f"{name}.csc.index.npy") for name in _ARRAYS]
            vocab = json.loads((path / "vocab.index.json").read_text(encoding="utf-8"))
            params = json.loads((path / "params.index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"{path} cannot be read ({exc})") from exc
        if int(params.get("num_docs", -1)) != size:
            raise IndexCorrupt(f"{path} indexes {params.get('num_docs')} chunks, the index has {size}")
        row_tokens = None
        if all((path / f"{name}.index.npy").is_file() for name in _TOKEN_ARRAYS):
            try:  # memory-mapped: read only when an update asks for unchanged rows' tokens
                ids, offsets = (np.load(path / f"{name}.index.npy", mmap_mode="r") for name in _TOKEN_ARRAYS)
            except (OSError, ValueError) as exc:
                raise IndexCorrupt(f"{path} cannot be read ({exc})") from exc
            if len(offsets) == size + 1:
                row_tokens = (ids, offsets)
        return cls(*arrays, vocab, params, row_tokens)
