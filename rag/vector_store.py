"""Dense vector store: FAISS inner product over L2-normalised vectors (cosine), saved as one file.

Small corpora use exact search (``IndexFlatIP``). Above ``ann_threshold`` vectors an approximate index
is built (IVF by default, HNSW on request) and its search parameter (``nprobe`` / ``efSearch``) is tuned
at build time on a sample of the corpus until recall@10 against exact search reaches the target; the
choice and the measured recall are recorded in the index manifest.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt

FILE_NAME = "dense.faiss"
# an IVF index is trained again once the corpus has grown or shrunk by this share since it was trained: below it
# the centroids sampled from the old corpus still cover the new one (a test checks recall after such an update)
RETRAIN_DRIFT = 0.1
KINDS = ("auto", "flat", "ivf", "hnsw")
log = logging.getLogger(__name__)


def _faiss():
    import faiss  # heavy import: only when a dense index is actually used

    return faiss


def recall_at_k(approx: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-k ids that the approximate search also returned."""
    hits = [len(set(a[:k].tolist()) & set(e[:k].tolist())) / k for a, e in zip(approx, exact, strict=True)]
    return float(np.mean(hits)) if hits else 1.0


class FaissStore:
    """Row ``i`` is chunk ``i`` of the index. ``kind`` is flat, ivf or hnsw; ``params`` its search settings."""

    def __init__(self, dim: int, index=None, kind: str = "flat", params: dict | None = None):
        self.dim = dim
        self.kind = kind
        self.params = dict(params or {})
        self._index = index if index is not None else _faiss().IndexFlatIP(dim)
        self._apply_params()

    # ------------------------------------------------------------------ building
    @classmethod
    def from_vectors(
        cls,
        vectors: np.ndarray,
        kind: str = "auto",
        ann_threshold: int = 50_000,
        target_recall: float = 0.95,
        seed: int = 0,
        previous: FaissStore | None = None,
    ) -> FaissStore:
        """Index ``vectors`` (rows L2-normalised); ``auto`` is exact below ``ann_threshold`` rows, IVF above.

        An update passes the ``previous`` store: an IVF index trained on a corpus within :data:`RETRAIN_DRIFT` of
        this one's size keeps its centroids and tuned ``nprobe`` (training and tuning were a fifth of an update's
        time at 143k chunks); only the vectors are assigned to the lists again.

        Raises:
            ValueError: unknown ``kind``.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; valid: {', '.join(KINDS)}")
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if kind == "auto":
            kind = "ivf" if n >= ann_threshold else "flat"
        if kind == "flat" or n < 1000:
            store = cls(dim)
            if n:
                store._index.add(vectors)
            return store
        t0 = time.perf_counter()
        if kind == "ivf" and (store := cls._with_previous_training(vectors, previous)) is not None:
            store.params["build_seconds"] = round(time.perf_counter() - t0, 2)
            return store
        if kind == "ivf":
            nlist = max(16, min(int(4 * math.sqrt(n)), n // 39))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(seed)
            sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
            index.train(sample)
            index.add(vectors)
            index.make_direct_map()
            store = cls(dim, index, "ivf", {"nlist": nlist, "nprobe": 8, "trained_on": n})
            store._tune("nprobe", [8, 16, 24, 32, 48, 64, 96, 128, 192, 256], vectors, target_recall, seed)
        else:
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.add(vectors)
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
    def _with_previous_training(cls, vectors: np.ndarray, previous: FaissStore | None) -> FaissStore | None:
        """``vectors`` in an IVF index with ``previous``'s centroids and search settings, when those still fit."""
        if previous is None or previous.dim != vectors.shape[1] or not previous._trained_for(len(vectors)):
            return None
        faiss = _faiss()
        nlist = int(previous._index.nlist)
        quantizer = faiss.IndexFlatIP(previous.dim)
        quantizer.add(previous._index.quantizer.reconstruct_n(0, nlist))
        index = faiss.IndexIVFFlat(quantizer, previous.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.is_trained = True
        index.add(vectors)
        index.make_direct_map()
        keep = ("nlist", "nprobe", "trained_on", "tuned_recall_at_10")
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

    def _tune(self, name: str, values: list[int], vectors: np.ndarray, target: float, seed: int) -> None:
        """Smallest search parameter whose recall@10 against exact search on sample queries meets ``target``."""
        faiss = _faiss()
        rng = np.random.default_rng(seed + 1)
        n = len(vectors)
        m = min(200, n)
        # Questions are never identical to passages, and often sit between topics: half the probes are
        # stored vectors with noise, half are blends of three random stored vectors (the hard case).
        near = vectors[rng.choice(n, size=m // 2, replace=False)]
        near = near + rng.normal(0, 0.03, size=near.shape).astype(np.float32)
        blend = vectors[rng.choice(n, size=(m - m // 2, 3))].mean(axis=1)
        queries = np.vstack([near, blend]).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        _, truth = faiss.knn(queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
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
        return int(self._index.ntotal)

    def vectors(self) -> np.ndarray:
        """All stored vectors, in row order (used to reuse embeddings of unchanged documents)."""
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
    def load(cls, folder: Path, dim: int, description: dict | None = None) -> FaissStore:
        path = Path(folder) / FILE_NAME
        if not path.is_file():
            raise IndexCorrupt(f"{path} is missing")
        try:
            index = _faiss().read_index(str(path))
        except Exception as exc:  # faiss raises RuntimeError with a C++ message
            raise IndexCorrupt(f"{path} cannot be read ({str(exc).splitlines()[0][:200]})") from exc
        if index.d != dim:
            raise IndexCorrupt(f"{path} holds {index.d}-d vectors, the manifest says {dim}")
        description = dict(description or {})
        kind = description.pop("kind", "flat")
        if kind == "ivf":
            index.make_direct_map()
        params = {k: v for k, v in description.items() if k not in ("metric", "normalised")}
        return cls(dim, index, kind, params)
