"""Dense vector store: FAISS inner product over L2-normalised vectors (cosine), saved as one file.

Small corpora use exact search (``IndexFlatIP``). Above ``ann_threshold`` vectors an approximate index
is built (IVF by default, HNSW on request) and its search parameter (``nprobe`` / ``efSearch``) is tuned
at build time on a sample of the corpus until recall@10 against exact search reaches the target; the
choice and the measured recall are recorded in the index manifest.
"""

from __future__ import annotations

import logging
import math
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt

FILE_NAME = "dense.faiss"
# an IVF index is trained again once the corpus has grown or shrunk by this share since it was trained: below it
# the centroids sampled from the old corpus still cover the new one (a test checks recall after such an update)
RETRAIN_DRIFT = 0.1
KINDS = ("auto", "flat", "ivf", "hnsw")
# How an IVF index holds each vector. fp16 (the default) halves float32 (1.4M 384-d vectors: 1.1 GB in memory instead
# of 2.2 GB, which put a server over its 2.5 GiB budget) at recall@10 0.971 against float's 0.973 (bench.py's 1M
# vectors, same nprobe, and faster: p95 2.7 ms against 5.4 ms); sq8, 8-bit codes, quarters it
# but caps recall@10 against exact search at ~0.98 on real embeddings, ~0.91 on bench.py's near-duplicate vectors;
# float is the index as it was before codes (an index saved then keeps float until it is trained again)
CODES = ("fp16", "sq8", "float")
# sq8: each dimension's range is the training sample's min..max widened by this share of it on both sides, so that
# the vectors of documents added later (another topic) are not clipped: on CMRC sentences embedded by the bundled
# model, ranges trained on 70% of the articles held the other 30% within 0.001 (0.2: clipped to 0.009) at recall@10
# 0.984 with every list probed (0.2: 0.990, 1.0: 0.974)
SQ8_RANGE_MARGIN = 0.5
log = logging.getLogger(__name__)


def _faiss():
    import faiss  # heavy import: only when a dense index is actually used

    return faiss


def recall_at_k(approx: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-k ids that the approximate search also returned."""
    hits = [len(set(a[:k].tolist()) & set(e[:k].tolist())) / k for a, e in zip(approx, exact, strict=True)]
    return float(np.mean(hits)) if hits else 1.0


_BLOCK_BYTES = 32 << 20  # a spool is read back this much at a time (16k rows of 384-d vectors)


class VectorSpool:
    """Vectors written a batch at a time to an anonymous temporary file and read back a block at a time: a build
    holds no matrix of every new vector (at 1.4M chunks of 384-d vectors, 2.2 GB; joining the batches doubled it).
    """

    def __init__(self, dim: int):
        self.dim = dim
        self._n = 0
        self._file = tempfile.TemporaryFile(prefix="rag-vectors-")

    def __len__(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int, int]:
        return (self._n, self.dim)

    def append(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected rows of {self.dim} dimensions, got shape {vectors.shape}")
        self._file.seek(0, 2)
        self._file.write(memoryview(vectors).cast("B"))
        self._n += len(vectors)

    def _read(self, start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, self.dim), dtype=np.float32)
        if not out.size:
            return out
        self._file.seek(start * self.dim * 4)
        if self._file.readinto(memoryview(out).cast("B")) != out.nbytes:
            raise OSError("the temporary vector file is shorter than written")
        return out

    def blocks(self, rows: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, block)`` pairs covering every vector in order."""
        rows = rows or max(1, _BLOCK_BYTES // (4 * self.dim))
        for a in range(0, self._n, rows):
            yield a, self._read(a, min(self._n, a + rows))

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The vectors of rows ``ids``, in that order (read in one pass over the file)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        for a, block in self.blocks():
            lo, hi = np.searchsorted(sorted_ids, [a, a + len(block)])
            out[order[lo:hi]] = block[sorted_ids[lo:hi] - a]
        return out

    def array(self) -> np.ndarray:
        """Every vector as one matrix (for the small sets of an update, and stores that take a matrix)."""
        return self._read(0, self._n)

    def close(self) -> None:
        self._file.close()


def _blocks(vectors: np.ndarray | VectorSpool) -> Iterator[tuple[int, np.ndarray]]:
    if isinstance(vectors, VectorSpool):
        yield from vectors.blocks()
    elif len(vectors):
        yield 0, vectors


def _rows(vectors: np.ndarray | VectorSpool, ids: np.ndarray) -> np.ndarray:
    return vectors.rows(ids) if isinstance(vectors, VectorSpool) else vectors[ids]


def _exact_top(queries: np.ndarray, vectors: np.ndarray | VectorSpool, k: int) -> np.ndarray:
    """Row ids of the ``k`` best inner products of each query: exact search, a block at a time."""
    faiss = _faiss()
    if not isinstance(vectors, VectorSpool):
        return faiss.knn(queries, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)[1]
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for a, block in vectors.blocks():
        s, i = faiss.knn(queries, block, min(k, len(block)), metric=faiss.METRIC_INNER_PRODUCT)
        cat_s, cat_i = np.hstack([best_s, s]), np.hstack([best_i, i + a])
        top = np.argsort(-cat_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(cat_s, top, 1), np.take_along_axis(cat_i, top, 1)
    return best_i


def _ivf(quantizer, dim: int, nlist: int, codes: str):
    """An untrained IVF index over ``quantizer`` (inner product) holding ``codes`` of the vectors themselves, not
    of their residuals to their list's centroid (a new topic's residuals would fall outside the trained ranges)."""
    faiss = _faiss()
    if codes not in CODES:
        raise ValueError(f"unknown dense codes {codes!r}; valid: {', '.join(CODES)}")
    if codes == "float":
        return faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sq = faiss.ScalarQuantizer
    kind = sq.QT_fp16 if codes == "fp16" else sq.QT_8bit
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, kind, faiss.METRIC_INNER_PRODUCT, False)
    index.sq.rangestat = sq.RS_minmax
    index.sq.rangestat_arg = SQ8_RANGE_MARGIN
    return index


class FaissStore:
    """Row ``i`` is chunk ``i`` of the index. ``kind`` is flat, ivf or hnsw; ``params`` its search settings."""

    def __init__(
        self,
        dim: int,
        index=None,
        kind: str = "flat",
        params: dict | None = None,
        path: Path | None = None,
        rows: int | None = None,
    ):
        self.dim = dim
        self.kind = kind
        self.params = dict(params or {})
        # ``path``: a saved index read on first use (an update that only adds a delta segment never reads it),
        # which must hold ``rows`` vectors
        self._path, self._rows = path, rows
        # the saved file, opened when the store was loaded: a save by another process that replaces the index
        # folder meanwhile does not change what this store reads (as the chunks and BM25, mapped at load, do not)
        self._handle = open(path, "rb") if path is not None else None
        self._read_lock = threading.Lock()
        self._loaded = None
        if path is None:
            self._index = index if index is not None else _faiss().IndexFlatIP(dim)

    @property
    def _index(self):
        if self._loaded is None:
            with self._read_lock:
                if self._loaded is None:
                    try:
                        index = _read(self._path, self.dim, self.kind, self._handle)
                    finally:
                        if self._handle is not None:
                            self._handle.close()
                            self._handle = None
                    if self._rows is not None and index.ntotal != self._rows:
                        raise IndexCorrupt(
                            f"{self._path}: {index.ntotal} vectors for {self._rows} chunks; rebuild it with "
                            f"`rag index --rebuild --index-dir {self._path.parent}`"
                        )
                    self._index = index
        return self._loaded

    @_index.setter
    def _index(self, index) -> None:
        self._loaded = index
        self._apply_params()

    # ------------------------------------------------------------------ building
    @classmethod
    def from_vectors(
        cls,
        vectors: np.ndarray | VectorSpool,
        kind: str = "auto",
        ann_threshold: int = 50_000,
        target_recall: float = 0.95,
        seed: int = 0,
        previous: FaissStore | None = None,
        codes: str = "fp16",
    ) -> FaissStore:
        """Index ``vectors`` (rows L2-normalised); ``auto`` is exact below ``ann_threshold`` rows, IVF above.

        An update passes the ``previous`` store: an IVF index trained on a corpus within :data:`RETRAIN_DRIFT` of
        this one's size keeps its centroids and tuned ``nprobe`` (training and tuning were a fifth of an update's
        time at 143k chunks); only the vectors are assigned to the lists again. ``codes``: how an IVF index holds
        the vectors (:data:`CODES`). ``vectors`` may be a :class:`VectorSpool`: read a block at a time.

        Raises:
            ValueError: unknown ``kind``.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; valid: {', '.join(KINDS)}")
        faiss = _faiss()
        if not isinstance(vectors, VectorSpool):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if kind == "auto":
            kind = "ivf" if n >= ann_threshold else "flat"
        if kind == "flat" or n < 1000:
            store = cls(dim)
            for _, block in _blocks(vectors):
                store._index.add(block)
            return store
        t0 = time.perf_counter()
        if kind == "ivf" and (store := cls._with_previous_training(vectors, previous, codes)) is not None:
            store.params["build_seconds"] = round(time.perf_counter() - t0, 2)
            return store
        if kind == "ivf":
            nlist = max(16, min(int(4 * math.sqrt(n)), n // 39))
            index = _ivf(faiss.IndexFlatIP(dim), dim, nlist, codes)
            rng = np.random.default_rng(seed)
            sample = _rows(vectors, rng.choice(n, size=min(n, nlist * 64), replace=False))
            index.train(sample)
            del sample
            for _, block in _blocks(vectors):
                index.add(block)
            index.make_direct_map()
            store = cls(dim, index, "ivf", {"nlist": nlist, "nprobe": 8, "trained_on": n, "codes": codes})
            store._tune("nprobe", [8, 16, 24, 32, 48, 64, 96, 128, 192, 256], vectors, target_recall, seed)
        else:
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            for _, block in _blocks(vectors):
                index.add(block)
            store = cls(dim, index, "hnsw", {"M": 32, "efConstruction": 80, "efSearch": 32})
            store._tune("efSearch", [32, 48, 64, 96, 128, 192, 256, 384, 512], vectors, target_recall, seed)
        store.params["build_seconds"] = round(time.perf_counter() - t0, 2)
        return store

    def _trained_for(self, n: int) -> bool:
        """This is an IVF index whose centroids still fit a corpus of ``n`` vectors (within :data:`RETRAIN_DRIFT`
        of the size they were trained on)."""
        trained_on = self.params.get("trained_on")
        return self.kind == "ivf" and bool(trained_on) and abs(n - trained_on) <= RETRAIN_DRIFT * trained_on

    @classmethod
    def _with_previous_training(
        cls, vectors: np.ndarray | VectorSpool, previous: FaissStore | None, codes: str
    ) -> FaissStore | None:
        """``vectors`` in an IVF index with ``previous``'s centroids and search settings, when those still fit
        (and ``previous`` holds the same codes: an index of float vectors is trained anew with codes)."""
        if (
            previous is None
            or previous.dim != vectors.shape[1]
            or not previous._trained_for(len(vectors))
            or previous.params.get("codes", "float") != codes
        ):
            return None
        faiss = _faiss()
        nlist = int(previous._index.nlist)
        quantizer = faiss.IndexFlatIP(previous.dim)
        quantizer.add(previous._index.quantizer.reconstruct_n(0, nlist))
        index = _ivf(quantizer, previous.dim, nlist, codes)
        if codes != "float":
            index.sq = faiss.downcast_index(previous._index).sq  # the codes' trained ranges
        index.is_trained = True
        for _, block in _blocks(vectors):
            index.add(block)
        index.make_direct_map()
        keep = ("nlist", "nprobe", "trained_on", "tuned_recall_at_10", "codes")
        return cls(previous.dim, index, "ivf", {k: previous.params[k] for k in keep if k in previous.params})

    def updated(
        self, new_of_old: np.ndarray, rows: np.ndarray, vectors: np.ndarray, in_place: bool = False
    ) -> FaissStore | None:
        """This IVF index after an update, without refilling it: the vectors of removed rows (``new_of_old`` -1)
        are taken out, every kept vector is renumbered to its new row where it lies, and only the new ``vectors``
        (rows ``rows``) are assigned to lists. ``in_place`` changes this store's own index (its holder discards
        it); otherwise a copy. None where that cannot be done (another kind of index, or the corpus has drifted
        past :data:`RETRAIN_DRIFT` of the size the centroids were trained on: the caller builds anew)."""
        if not self._trained_for(int((new_of_old >= 0).sum()) + len(rows)):
            return None
        faiss = _faiss()
        index = self._index if in_place else faiss.clone_index(self._index)
        index.set_direct_map_type(faiss.DirectMap.NoMap)  # faiss removes ids only without the row-ordered map
        gone = np.flatnonzero(new_of_old < 0).astype(np.int64)
        if len(gone):
            index.remove_ids(faiss.IDSelectorBatch(gone))
        lists = index.invlists
        for i in range(index.nlist):  # ids are rows: renumber them in place, list by list
            size = lists.list_size(i)
            if size:
                ids = faiss.rev_swig_ptr(lists.get_ids(i), size)
                ids[:] = new_of_old[ids]
        if len(rows):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(rows, dtype=np.int64))
        index.make_direct_map()  # needs rows 0..n-1 exactly: a gap or a duplicate raises here
        return FaissStore(self.dim, index, "ivf", dict(self.params))

    def _tune(self, name: str, values: list[int], vectors: np.ndarray | VectorSpool, target: float, seed: int) -> None:
        """Smallest search parameter whose recall@10 against exact search on sample queries meets ``target``."""
        rng = np.random.default_rng(seed + 1)
        n = len(vectors)
        m = min(200, n)
        # Questions are never identical to passages, and often sit between topics: half the probes are
        # stored vectors with noise, half are blends of three random stored vectors (the hard case).
        near = _rows(vectors, rng.choice(n, size=m // 2, replace=False))
        near = near + rng.normal(0, 0.03, size=near.shape).astype(np.float32)
        picks = rng.choice(n, size=(m - m // 2, 3))
        blend = _rows(vectors, picks.ravel()).reshape(*picks.shape, -1).mean(axis=1)
        queries = np.vstack([near, blend]).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        truth = _exact_top(queries, vectors, 10)
        recall = 0.0
        for value in values:
            self.params[name] = value
            self._apply_params()
            _, got = self._index.search(queries, 10)
            recall = recall_at_k(got, truth)
            if recall >= target:
                break
        self.params["tuned_recall_at_10"] = round(recall, 4)
        log.info("dense index %s: %s=%s gives recall@10 %.3f", self.kind, name, self.params[name], recall)

    def _apply_params(self) -> None:
        if self.kind == "ivf" and "nprobe" in self.params:
            self._index.nprobe = int(self.params["nprobe"])
        elif self.kind == "hnsw" and "efSearch" in self.params:
            self._index.hnsw.efSearch = int(self.params["efSearch"])

    # ------------------------------------------------------------------ using
    def __len__(self) -> int:
        if self._loaded is None and self._rows is not None:  # (known without reading the file)
            return self._rows
        return int(self._index.ntotal)

    def vectors(self) -> np.ndarray:
        """All stored vectors, in row order (used to reuse embeddings of unchanged documents); an IVF index's are
        decoded from its codes (fp16: within 0.001 of the originals; sq8: within ~1% of each dimension's range)."""
        if len(self) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_n(0, len(self))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows for one query vector: ``(row ids, scores)``, best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def describe(self) -> dict:
        """What goes into the manifest."""
        return {"kind": self.kind, "metric": "inner_product", "normalised": True, **self.params}

    def save(self, folder: Path) -> None:
        _faiss().write_index(self._index, str(Path(folder) / FILE_NAME))

    @classmethod
    def load(
        cls, folder: Path, dim: int, description: dict | None = None, lazy: bool = False, rows: int | None = None
    ) -> FaissStore:
        """The store saved in ``folder``; ``lazy``: read when first used (its errors raised then, among them a
        count of vectors other than ``rows``)."""
        path = Path(folder) / FILE_NAME
        if not path.is_file():
            raise IndexCorrupt(f"{path} is missing")
        description = dict(description or {})
        kind = description.pop("kind", "flat")
        params = {k: v for k, v in description.items() if k not in ("metric", "normalised")}
        if lazy:
            return cls(dim, kind=kind, params=params, path=path, rows=rows)
        return cls(dim, _read(path, dim, kind), kind, params)


def _read(path: Path, dim: int, kind: str, handle=None):
    """The FAISS index saved at ``path`` (read from ``handle``, that file opened earlier, when given).

    Raises:
        IndexCorrupt: unreadable, or of another width than ``dim``.
    """
    try:
        faiss = _faiss()
        index = faiss.read_index(faiss.PyCallbackIOReader(handle.read) if handle is not None else str(path))
    except Exception as exc:  # faiss raises RuntimeError with a C++ message
        raise IndexCorrupt(f"{path} cannot be read ({str(exc).splitlines()[0][:200]})") from exc
    if index.d != dim:
        raise IndexCorrupt(f"{path} holds {index.d}-d vectors, the manifest says {dim}")
    if kind == "ivf":
        index.make_direct_map()
    return index
