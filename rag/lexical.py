"""Lexical store: BM25 over jieba search-mode tokens, saved as a folder beside the dense index.

Texts and queries are tokenised in their matching view (:mod:`rag.normalize`: simplified script, folded
width), so a traditional question finds a simplified passage and the other way round.

The index precomputes every document-term BM25 score into a sparse CSC matrix, built with numpy from the
rows' token ids (Lucene's BM25 with the parameters and float32 rounding of ``bm25s``, which built it before;
a test checks the scores against bm25s's). An update reuses the kept rows' token ids as they are, so it
tokenises only new text and decodes no words, and merges the new rows' entries into the previous matrix
(kept with each entry's term frequency) instead of sorting every entry again. The folder keeps bm25s's file
names and layout.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import weakref
from array import array
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
TF_FILE = "tf.csc.index.npy"  # each entry's term frequency, beside the scores: an update recomputes them
# BM25 parameters: bm25s's defaults, which built this index before (Lucene's usual k1 and b)
K1 = 1.5
B = 0.75


@lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """What the tokens depend on besides the text: jieba's version and the stopwords."""
    import hashlib

    import jieba

    from .textutil import STOPWORDS

    key = f"{jieba.__version__}|{'/'.join(sorted(STOPWORDS))}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


# entries handled at a time when scores are computed: the float64 temporaries stay at ~100 MB, not one per entry
# of the whole matrix (~120M entries, ~1 GB each, at 1.4M chunks)
_BLOCK = 1 << 22


def _blocks(size: int):
    """``(start, end)`` of consecutive blocks of :data:`_BLOCK` entries covering ``size``."""
    return ((a, min(a + _BLOCK, size)) for a in range(0, size, _BLOCK))


def _row_blocks(offsets: np.ndarray):
    """``(first row, end row)`` of consecutive runs of rows holding about :data:`_BLOCK` tokens each (one row
    more than that when a single row does)."""
    n = len(offsets) - 1
    r0 = 0
    while r0 < n:
        r1 = int(np.searchsorted(offsets, offsets[r0] + _BLOCK, side="right")) - 1
        r1 = min(max(r1, r0 + 1), n)
        yield r0, r1
        r0 = r1


def _cols_of(indptr: np.ndarray, a: int, b: int) -> np.ndarray:
    """The column (word) of each entry ``a..b-1`` of a CSC matrix with ``indptr``: each column repeated over its
    entries in the block (no search per entry)."""
    if b <= a:
        return np.zeros(0, dtype=np.int64)
    first = int(np.searchsorted(indptr, a, side="right")) - 1
    last = int(np.searchsorted(indptr, b - 1, side="right")) - 1
    bounds = np.clip(indptr[first : last + 2], a, b)
    return np.repeat(np.arange(first, last + 1, dtype=np.int64), np.diff(bounds))


def _scores(df: np.ndarray, indptr: np.ndarray, tf: np.ndarray, lengths: np.ndarray, row: np.ndarray, n: int):
    """Lucene's BM25 score of each entry (its word's df, its tf, its row's length), rounded as bm25s rounds;
    computed a block of entries at a time (each entry's word from the CSC ``indptr``)."""
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    avgdl = float(lengths.mean())
    out = np.empty(len(row), dtype=np.float32)
    for a, b in _blocks(len(row)):
        t = tf[a:b]
        tfc = t / (K1 * ((1 - B) + B * lengths[row[a:b]] / avgdl) + t)
        out[a:b] = idf[_cols_of(indptr, a, b)].astype(np.float64) * tfc
    return out


def _narrow(tf: np.ndarray) -> np.ndarray:
    """Term frequencies in the smallest unsigned type that holds them (a chunk's counts fit 16 bits)."""
    return tf.astype(np.uint16 if int(tf.max(initial=0)) < 2**16 else np.uint32)


def top_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best rows with a positive score, best first (equal scores by row): ``(rows, scores)``. Only the
    rows with a score are ranked (at a million chunks, partitioning every row was a third of a search)."""
    rows = np.flatnonzero(scores > 0)
    k = min(k, len(rows))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    values = scores[rows]
    if k < len(rows):
        # the k-th best score, then every row at least that good (ties at the cut all kept, then cut by row)
        cut = np.partition(values, len(values) - k)[len(values) - k]
        keep = values >= cut
        rows, values = rows[keep], values[keep]
    order = np.lexsort((rows, -values))[:k]
    return rows[order].astype(np.int64), values[order]


def _close_all(files) -> None:
    for f in files:
        f.close()


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
        tf: np.ndarray | None = None,
    ):
        self._data, self._indices, self._indptr = data, indices, indptr
        self._tf = tf  # each entry's term frequency (an update recomputes the scores from it), or None
        self._vocab = vocab
        self._params = params
        self._size = int(params.get("num_docs", 0))
        self._row_tokens = row_tokens  # (token ids of all rows, row offsets), or None for an older index
        self._words: list[str] | None = None  # vocabulary id -> token, built on first use
        self._by_row: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # row-major entries (row_vectors)
        self._spilled: dict[str, object] | None = None  # spill()'s open files, by name

    @staticmethod
    def tokenize(text: str) -> list[str]:
        """One row's tokens: jieba search-mode words of ``text`` in its matching view ([""] for none)."""
        return bm25_tokens(to_matching(text)) or [""]

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        show_progress: bool = False,
        known: Sequence[list[str] | None] | None = None,
        previous: BM25Store | None = None,
        kept_rows: Sequence[int | None] | None = None,
    ) -> BM25Store:
        """Tokenise ``texts`` (in their matching view) with jieba and index them.

        Rows already indexed need no tokenising: ``known[i]``, when not None, are row ``i``'s tokens, or, faster,
        ``kept_rows[i]`` is its row in ``previous``, whose token ids are reused as they are (no words decoded,
        no jieba); the text of such a row is not read.
        """
        n = len(texts)
        known = known or [None] * n
        kept_rows = kept_rows or [None] * n
        reuse = previous is not None and previous.has_tokens()
        words: dict[str, int] = dict(previous._vocab) if reuse else {}
        lengths = np.zeros(n, dtype=np.int64)
        if reuse:
            old_ids, old_offsets = previous._row_tokens
            rows = np.asarray([r if r is not None else -1 for r in kept_rows], dtype=np.int64)
            kept = rows >= 0
            lengths[kept] = old_offsets[rows[kept] + 1] - old_offsets[rows[kept]]
        else:
            kept = np.zeros(n, dtype=bool)
        # the new rows' token ids, in row order, in one int32 buffer (4 bytes a token, no array per row: at a
        # million chunks per-row arrays cost more than the index they make)
        buffer = array("i")
        added = np.flatnonzero(~kept)
        for i in added.tolist():
            tokens = known[i] if known[i] is not None else cls.tokenize(texts[i])
            buffer.extend(words.setdefault(w, len(words)) for w in tokens)
            lengths[i] = len(tokens)
        fresh_ids = np.frombuffer(buffer, dtype=np.int32) if len(buffer) else np.zeros(0, dtype=np.int32)
        fresh = (added, fresh_ids, lengths[added])
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if not kept.any():  # a build from scratch: the buffer is every row's ids, in order
            return cls._from_ids(fresh_ids, offsets, words)
        # every row's token ids in one array (the previous vocabulary's ids, then new words' ids after them)
        tok = np.empty(int(lengths.sum()), dtype=np.int32)
        if kept.any():
            # kept rows come in runs, consecutive both in the previous index and in this one: one slice copy
            # per run (as many as the changes), no per-token index arrays
            new_rows = np.flatnonzero(kept)
            src = rows[kept]
            breaks = np.flatnonzero((np.diff(src) != 1) | (np.diff(new_rows) != 1)) + 1
            for a, b in zip(np.concatenate(([0], breaks)), np.concatenate((breaks, [len(src)])), strict=True):
                first, last = int(new_rows[a]), int(new_rows[b - 1]) + 1
                old_first, old_last = int(src[a]), int(src[b - 1]) + 1
                tok[offsets[first] : offsets[last]] = old_ids[old_offsets[old_first] : old_offsets[old_last]]
        at = 0
        for i, size in zip(added.tolist(), lengths[added].tolist(), strict=True):
            tok[offsets[i] : offsets[i] + size] = fresh_ids[at : at + size]
            at += size
        if reuse and previous._tf is not None and kept.any() and bool(np.all(np.diff(rows[kept]) > 0)):
            return cls._merged(previous, rows, kept, fresh, tok, offsets, words)
        return cls._from_ids(tok, offsets, words)

    @classmethod
    def _merged(
        cls,
        previous: BM25Store,
        rows: np.ndarray,
        kept: np.ndarray,
        fresh: tuple[np.ndarray, np.ndarray, np.ndarray],
        tok: np.ndarray,
        offsets: np.ndarray,
        words: dict[str, int],
    ) -> BM25Store:
        """An update's matrix from the previous one, in time linear in its entries (no sort of all of them).

        The kept rows keep their order (the index lists chunks by document id), so the previous (word, row)
        entries, renumbered to the new rows, stay sorted; the new rows' few entries are sorted and inserted among
        them, and every score is recomputed from the entries' term frequencies (N, df and the mean length
        changed). Words keep their previous ids, new words come after them, and a word no row uses any more
        keeps an empty column until the next full build: the scores are those of a build from scratch.
        """
        n = len(offsets) - 1
        lengths = np.diff(offsets)
        n_words = len(words)
        new_of_old = np.full(len(previous), -1, dtype=np.int64)
        new_of_old[rows[kept]] = np.flatnonzero(kept)
        old_indptr = np.asarray(previous._indptr)
        old_rows, old_tf = previous._indices, previous._tf
        # the new rows' entries, few: (word, row) keys sorted, with their counts
        fresh_rows, fresh_ids, fresh_lengths = fresh
        if len(fresh_ids):
            f_rows = np.repeat(fresh_rows.astype(np.int64), fresh_lengths)
            f_keys, f_tf = np.unique(fresh_ids.astype(np.int64) * n + f_rows, return_counts=True)
        else:
            f_keys, f_tf = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        f_cols = f_keys // n
        # pass 1: each word's kept entries, counted a block of entries at a time (nothing per entry is kept)
        df = np.bincount(f_cols, minlength=n_words)
        for a, b in _blocks(len(old_rows)):
            cols = _cols_of(old_indptr, a, b)
            df[: len(old_indptr) - 1] += np.bincount(
                cols[new_of_old[old_rows[a:b]] >= 0], minlength=len(old_indptr) - 1
            )
        indptr = np.zeros(n_words + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        f_count = np.bincount(f_cols, minlength=n_words)
        kept_before = indptr[:-1] - (np.cumsum(f_count) - f_count)  # kept entries of the words before each word
        f_first = np.searchsorted(f_keys, np.arange(n_words, dtype=np.int64) * n)  # each word's first new entry
        tf_type = np.uint16 if int(max(int(np.max(old_tf, initial=0)), int(f_tf.max(initial=0)))) < 2**16 else np.uint32
        row = np.empty(int(indptr[-1]), dtype=np.int32)
        tf = np.empty(int(indptr[-1]), dtype=tf_type)
        filled = np.zeros(int(indptr[-1]), dtype=bool)
        # pass 2: each kept entry goes after the kept entries before it in its word and the new entries whose rows
        # come before its row (kept rows keep their order, so a word's kept entries stay sorted)
        done = 0
        for a, b in _blocks(len(old_rows)):
            cols = _cols_of(old_indptr, a, b)
            new_row = new_of_old[old_rows[a:b]]
            keep = new_row >= 0
            cols, new_row = cols[keep], new_row[keep]
            rank = done + np.arange(len(cols)) - kept_before[cols]
            done += len(cols)
            before = np.searchsorted(f_keys, cols * n + new_row) - f_first[cols]
            at = indptr[cols] + rank + before
            row[at] = new_row
            tf[at] = np.asarray(old_tf[a:b])[keep]
            filled[at] = True
        # the new entries fill the places left, in (word, row) order as the places are
        holes = np.flatnonzero(~filled)
        del filled
        row[holes] = f_keys - f_cols * n
        tf[holes] = f_tf
        data = _scores(df, indptr, tf, lengths, row, n)
        params = {"k1": K1, "b": B, "method": "lucene", "num_docs": n, "tokenizer": tokenizer_fingerprint()}
        return cls(data, row, indptr, dict(words), params, (tok.astype(np.int32), offsets), tf)

    @classmethod
    def build_from_tokens(cls, tokens: Sequence[list[str]], show_progress: bool = False) -> BM25Store:
        """Index pre-tokenised documents (one list of tokens per row)."""
        return cls.build([""] * len(tokens), known=list(tokens))

    def rows_tokens(self, rows: Sequence[int]) -> list[list[str]] | None:
        """The tokens of ``rows`` as they were indexed, or None when this index did not keep them or was
        tokenised differently (another jieba or stopword list: its tokens would not be today's)."""
        if not self.has_tokens():
            return None
        ids, offsets = self._row_tokens
        if self._words is None:
            self._words = [""] * len(self._vocab)
            for word, i in self._vocab.items():
                self._words[i] = word
        words = self._words
        return [[words[i] for i in ids[offsets[r] : offsets[r + 1]].tolist()] for r in rows]

    def has_tokens(self) -> bool:
        """True when this index kept its rows' token ids, tokenised as today (an update can reuse them)."""
        return self._row_tokens is not None and self._params.get("tokenizer") == tokenizer_fingerprint()

    @classmethod
    def _from_ids(cls, tok: np.ndarray, offsets: np.ndarray, words: dict[str, int]) -> BM25Store:
        """The BM25 matrix of rows given as token ids (``tok[offsets[r]:offsets[r+1]]``, ids of ``words``).

        Lucene's BM25 (bm25s's default method, whose index this replaces, with its parameters and float32
        rounding): idf = ln(1 + (N - df + 0.5) / (df + 0.5)), score = idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)),
        one CSC column per word. Ids are renumbered in order of first appearance, so that an update and a build
        from scratch of the same rows give the same arrays; words no row uses any more are dropped. ``tok`` is
        renumbered in place when it is a writable int32 array (both callers' own, not used again): no second array
        of every token.
        """
        n = len(offsets) - 1
        params = {"k1": K1, "b": B, "method": "lucene", "num_docs": n, "tokenizer": tokenizer_fingerprint()}
        if n == 0:
            empty = np.zeros(0, dtype=np.float32)
            tokens = (np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64))
            indptr = np.zeros(1, dtype=np.int64)
            return cls(empty, empty.astype(np.int32), indptr, {}, params, tokens, empty.astype(np.uint16))
        # (memory: the token ids are read a block at a time; what is kept per entry is the output's own arrays
        # and, between the two passes, each block's (word, row, count) triples)
        big = np.iinfo(np.int64).max
        first = np.full(len(words), big, dtype=np.int64)
        for a, b in _blocks(len(tok)):
            u, at = np.unique(tok[a:b], return_index=True)
            first[u] = np.minimum(first[u], at + a)
        used = np.flatnonzero(first < big)
        order = np.argsort(first[used], kind="stable")
        del first
        # ids in order of first appearance: an update and a build from scratch give the same arrays
        rank = np.full(len(words), -1, dtype=np.int32)
        rank[used[order]] = np.arange(len(used), dtype=np.int32)
        canon = tok if tok.dtype == np.int32 and tok.flags.writeable else np.empty(len(tok), dtype=np.int32)
        for a, b in _blocks(len(tok)):
            canon[a:b] = rank[tok[a:b]]
        del tok, rank
        names = [""] * len(words)
        for w, i in words.items():
            names[i] = w
        vocab = {names[int(used[j])]: k for k, j in enumerate(order)}
        n_words = len(used)
        lengths = np.diff(offsets)
        # pass 1: each block of rows' (word, row) pairs with their counts, sorted by word then row
        df = np.zeros(n_words, dtype=np.int64)
        parts = []
        for r0, r1 in _row_blocks(offsets):
            t0, t1 = int(offsets[r0]), int(offsets[r1])
            span = r1 - r0
            key = canon[t0:t1].astype(np.int64) * span
            key += np.repeat(np.arange(span, dtype=np.int64), lengths[r0:r1])
            key, count = np.unique(key, return_counts=True)
            col = (key // span).astype(np.int32)
            row = (key % span + r0).astype(np.int32)
            del key
            df += np.bincount(col, minlength=n_words)
            parts.append((col, row, _narrow(count)))
        indptr = np.zeros(n_words + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        # pass 2: the blocks in row order, so each word's entries of a block go after those of earlier blocks
        total = int(indptr[-1])
        row = np.empty(total, dtype=np.int32)
        tf = np.empty(total, dtype=np.uint16 if all(p[2].dtype == np.uint16 for p in parts) else np.uint32)
        filled = np.zeros(n_words, dtype=np.int64)
        while parts:
            col, block_rows, count = parts.pop(0)
            starts = np.searchsorted(col, np.arange(n_words, dtype=np.int32))  # each word's first entry here
            at = indptr[col] + filled[col] + (np.arange(len(col)) - starts[col])
            row[at] = block_rows
            tf[at] = count
            filled += np.bincount(col, minlength=n_words)
            del col, block_rows, count, starts, at
        data = _scores(df, indptr, tf, lengths, row, n)
        return cls(data, row, indptr, vocab, params, (canon, offsets), tf)

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

    def query_vector(self, query: str) -> dict[int, float]:
        """The query as a sparse vector over the vocabulary: each known token's count. Its inner product with a row's
        :meth:`row_vectors` entry is that row's :meth:`scores` (a vector store holding the rows scores BM25 so)."""
        out: dict[int, float] = {}
        for token in bm25_tokens(to_matching(query)):
            tid = self._vocab.get(token)
            if tid is not None:
                out[int(tid)] = out.get(int(tid), 0.0) + 1.0
        return out

    def row_vectors(self, start: int = 0, end: int | None = None) -> list[dict[int, float]]:
        """Rows ``start..end-1`` as sparse vectors ``{word id: BM25 score}`` (a row without words: one zero entry,
        which a sparse vector store needs to hold the row). The row-major layout is built once, on first use."""
        end = self._size if end is None else end
        if self._by_row is None:
            rows = np.asarray(self._indices)
            indptr = np.asarray(self._indptr)
            cols = np.empty(len(rows), dtype=np.int32)
            for a, b in _blocks(len(rows)):
                cols[a:b] = _cols_of(indptr, a, b)
            order = np.argsort(rows, kind="stable")  # entries grouped by row, each row's words in id order
            row_ptr = np.zeros(self._size + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=self._size), out=row_ptr[1:])
            self._by_row = (row_ptr, cols[order], np.asarray(self._data)[order])
        row_ptr, cols, scores = self._by_row
        out = []
        for r in range(start, end):
            a, b = int(row_ptr[r]), int(row_ptr[r + 1])
            out.append(dict(zip(cols[a:b].tolist(), scores[a:b].tolist(), strict=True)) or {0: 0.0})
        return out

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows with a positive score: ``(row ids, scores)``, best first."""
        return top_rows(self.scores(query), k)

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

    def spill(self) -> None:
        """Write the arrays to a temporary folder and memory-map them from there (read-only): a build fills the
        vector store next, and need not hold BM25's arrays meanwhile (1.8 GB at 1.4M chunks); :meth:`save` then
        copies the files without reading them into this process."""
        if self._spilled is not None:
            return
        folder = Path(tempfile.mkdtemp(prefix="rag-bm25-"))
        self._save_arrays(folder)  # (from memory: _spilled is set only once the files are whole)
        self._data, self._indices, self._indptr = (
            np.load(folder / f"{name}.csc.index.npy", mmap_mode="r") for name in _ARRAYS
        )
        if self._row_tokens is not None:
            self._row_tokens = tuple(np.load(folder / f"{name}.index.npy", mmap_mode="r") for name in _TOKEN_ARRAYS)
        if self._tf is not None:
            self._tf = np.load(folder / TF_FILE, mmap_mode="r")
        files = {p.name: open(p, "rb") for p in folder.iterdir()}  # held until the store goes
        # the folder goes at once (mapped and open files live on): a build killed now leaves nothing behind; where
        # open files cannot be deleted, it goes with the store
        shutil.rmtree(folder, ignore_errors=True)
        weakref.finalize(self, shutil.rmtree, folder, True)
        weakref.finalize(self, _close_all, tuple(files.values()))
        self._spilled = files

    def _save_arrays(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._spilled is not None:  # already files: copied a buffer at a time, never mapped into this process
            for name, src in self._spilled.items():
                src.seek(0)
                with open(path / name, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
            return
        for name, arr in zip(_ARRAYS, (self._data, self._indices, self._indptr), strict=True):
            np.save(path / f"{name}.csc.index.npy", arr)
        if self._row_tokens is not None:
            for name, arr in zip(_TOKEN_ARRAYS, self._row_tokens, strict=True):
                np.save(path / f"{name}.index.npy", arr)
        if self._tf is not None:
            np.save(path / TF_FILE, self._tf)

    def save(self, folder: Path) -> None:
        path = Path(folder) / FOLDER
        self._save_arrays(path)
        (path / "vocab.index.json").write_text(json.dumps(self._vocab, ensure_ascii=False), encoding="utf-8")
        (path / "params.index.json").write_text(json.dumps(self._params), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, size: int, postings_in_memory: bool = True) -> BM25Store:
        """The store saved in ``folder``. ``postings_in_memory=False`` memory-maps the score matrix instead of
        reading it: a process whose BM25 search runs elsewhere (Milvus) only reads the columns' bounds for IDF."""
        path = Path(folder) / FOLDER
        if not path.is_dir():
            raise IndexCorrupt(f"{path} is missing")
        mode = None if postings_in_memory else "r"
        try:
            arrays = [np.load(path / f"{name}.csc.index.npy", mmap_mode=mode) for name in _ARRAYS]
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
        tf = None
        if (path / TF_FILE).is_file():
            try:  # memory-mapped too: only an update reads it
                tf = np.load(path / TF_FILE, mmap_mode="r")
            except (OSError, ValueError) as exc:
                raise IndexCorrupt(f"{path} cannot be read ({exc})") from exc
            if len(tf) != len(arrays[0]):
                tf = None
        return cls(*arrays, vocab, params, row_tokens, tf)
