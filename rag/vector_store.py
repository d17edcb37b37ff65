"""Dense vector store: FAISS inner product over L2-normalised vectors (cosine), saved as one file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import IndexCorrupt

FILE_NAME = "dense.faiss"


def _faiss():
    import faiss  # heavy import: only when a dense index is actually used

    return faiss


class FaissStore:
    """Exact inner-product search (``IndexFlatIP``); row ``i`` is chunk ``i`` of the index."""

    kind = "flat"

    def __init__(self, dim: int, index=None):
        self.dim = dim
        self._index = index if index is not None else _faiss().IndexFlatIP(dim)

    @classmethod
    def from_vectors(cls, vectors: np.ndarray) -> FaissStore:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        store = cls(vectors.shape[1])
        if len(vectors):
            store._index.add(vectors)
        return store

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

    def save(self, folder: Path) -> None:
        _faiss().write_index(self._index, str(Path(folder) / FILE_NAME))

    @classmethod
    def load(cls, folder: Path, dim: int) -> FaissStore:
        path = Path(folder) / FILE_NAME
        if not path.is_file():
            raise IndexCorrupt(f"{path} is missing")
        try:
            index = _faiss().read_index(str(path))
        except Exception as exc:  # faiss raises RuntimeError with a C++ message
            raise IndexCorrupt(f"{path} cannot be read ({str(exc).splitlines()[0][:200]})") from exc
        if index.d != dim:
            raise IndexCorrupt(f"{path} holds {index.d}-d vectors, the manifest says {dim}")
        return cls(dim, index)
