"""Dense vectors in Milvus, through ``pymilvus.MilvusClient``.

A local path as URI runs Milvus Lite (embedded, nothing to install beyond ``pip install "rag-zh[milvus]"``);
``http://host:19530`` talks to a Milvus server or a distributed cluster with the same code. Each build
writes a new collection (``<prefix>_<8 hex>``) and the index manifest names it, so a build that dies
midway leaves the previous index and its collection untouched; the old collection is dropped only
after the new index is saved.

With the index's BM25 store given, each row also holds its BM25 term scores as a sparse vector (``sparse``, an
inverted index with inner product): a query's token counts against it give the same scores as the local BM25
store, so lexical search runs in Milvus too and the serving process keeps no postings in memory.
"""

from __future__ import annotations

import logging
import uuid
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import EmbedderUnavailable, IndexCorrupt, RagError

log = logging.getLogger(__name__)
_BATCH = 2000
LEXICAL_KIND = "bm25-sparse"  # the manifest's mark of a collection holding the rows' BM25 scores
# Milvus Lite runs its gRPC server inside this process and logs a traceback for optional client calls it does
# not implement (AllocTimestamp); nothing fails, so users need not see it.
logging.getLogger("grpc._server").setLevel(logging.CRITICAL)


def _one_line(exc: Exception) -> str:
    """A pymilvus error as one line (its message, not the gRPC status dump)."""
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:300]


@lru_cache(maxsize=8)
def _client(uri: str):
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise EmbedderUnavailable('the Milvus vector store needs pymilvus: pip install "rag-zh[milvus]"') from exc
    if "://" not in uri:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    return MilvusClient(uri)


class MilvusStore:
    """Row ``i`` is chunk ``i`` of the index; the Milvus primary key is the row number."""

    kind = "milvus"

    def __init__(self, uri: str, collection: str, dim: int, size: int, lexical: bool = False):
        self.uri = uri
        self.collection = collection
        self.dim = dim
        self._size = size
        self.lexical = lexical  # the rows' BM25 scores are in the collection (search_sparse)
        self.params = {"uri": uri, "collection": collection}
        if lexical:
            self.params["lexical"] = LEXICAL_KIND

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, uri: str, prefix: str = "rag_chunks", lexical=None) -> MilvusStore:
        """Create a fresh collection holding ``vectors`` (inner product over normalised rows) and, with ``lexical``
        (the index's :class:`~rag.lexical.BM25Store`, row for row), each row's BM25 scores as a sparse vector."""
        client = _client(uri)
        from .vector_store import VectorSpool

        if isinstance(vectors, VectorSpool):
            vectors = vectors.array()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        if lexical is None:
            client.create_collection(
                name, dimension=dim, metric_type="IP", auto_id=False, id_type="int", consistency_level="Strong"
            )
        else:
            from pymilvus import DataType

            schema = client.create_schema(auto_id=False)
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            index_params = client.prepare_index_params()
            index_params.add_index(field_name="vector", index_type="AUTOINDEX", metric_type="IP")
            index_params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            client.create_collection(name, schema=schema, index_params=index_params, consistency_level="Strong")
        for start in range(0, n, _BATCH):
            rows = [{"id": start + i, "vector": v.tolist()} for i, v in enumerate(vectors[start : start + _BATCH])]
            if lexical is not None:
                for row, sparse in zip(rows, lexical.row_vectors(start, start + len(rows)), strict=True):
                    row["sparse"] = sparse
            client.insert(name, rows)
        if hasattr(client, "flush"):
            client.flush(name)
        return cls(uri, name, dim, n, lexical=lexical is not None)

    def __len__(self) -> int:
        return self._size

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self._size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        try:
            res = _client(self.uri).search(
                self.collection, data=[query.astype(np.float32).tolist()], anns_field="vector", limit=k
            )
        except EmbedderUnavailable:
            raise
        except Exception as exc:
            raise RagError(f"Milvus search in {self.collection} at {self.uri} failed: {_one_line(exc)}") from exc
        hits = res[0] if res else []
        return (
            np.array([h["id"] for h in hits], dtype=np.int64),
            np.array([h["distance"] for h in hits], dtype=np.float32),
        )

    def search_sparse(self, query: dict[int, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by BM25: the inner product of ``query`` (token counts, ``BM25Store.query_vector``) with
        each row's stored scores; only rows sharing a token with the query score above zero."""
        k = min(k, self._size)
        if k <= 0 or not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        try:
            res = _client(self.uri).search(
                self.collection, data=[query], anns_field="sparse", limit=k, search_params={"metric_type": "IP"}
            )
        except EmbedderUnavailable:
            raise
        except Exception as exc:
            raise RagError(f"Milvus BM25 search in {self.collection} at {self.uri} failed: {_one_line(exc)}") from exc
        hits = [h for h in (res[0] if res else []) if h["distance"] > 0]
        return (
            np.array([h["id"] for h in hits], dtype=np.int64),
            np.array([h["distance"] for h in hits], dtype=np.float32),
        )

    def vectors(self) -> np.ndarray:
        """All stored vectors in row order (fetched by primary key, for incremental rebuilds)."""
        out = np.zeros((self._size, self.dim), dtype=np.float32)
        client = _client(self.uri)
        for start in range(0, self._size, _BATCH):
            ids = list(range(start, min(start + _BATCH, self._size)))
            for row in client.get(self.collection, ids=ids, output_fields=["vector"]):
                out[int(row["id"])] = row["vector"]
        return out

    def describe(self) -> dict:
        return {"kind": "milvus", "metric": "inner_product", "normalised": True, **self.params}

    def save(self, folder: Path) -> None:
        """Nothing to write locally: the vectors live in Milvus and the manifest names the collection."""

    def drop(self) -> None:
        try:
            _client(self.uri).drop_collection(self.collection)
        except Exception as exc:  # a stale collection is harmless; say so and go on
            log.warning("could not drop Milvus collection %s: %s", self.collection, exc)

    @classmethod
    def load(cls, description: dict, dim: int, size: int, uri: str | None = None) -> MilvusStore:
        uri = uri or description["uri"]
        collection = description["collection"]
        try:
            client = _client(uri)
            exists = client.has_collection(collection)
        except EmbedderUnavailable:
            raise
        except Exception as exc:
            raise IndexCorrupt(f"cannot reach Milvus at {uri}: {_one_line(exc)}") from exc
        if not exists:
            raise IndexCorrupt(f"Milvus at {uri} has no collection {collection}; rebuild with `rag index --rebuild`")
        try:
            # a collection written by another process is "released" here until loaded into memory
            client.load_collection(collection)
            found = client.describe_collection(collection)
        except Exception as exc:
            raise IndexCorrupt(f"cannot load Milvus collection {collection} at {uri}: {_one_line(exc)}") from exc
        stored_dim = next(
            (f.get("params", {}).get("dim") for f in found.get("fields", []) if f.get("name") == "vector"), None
        )
        if stored_dim is not None and int(stored_dim) != dim:
            raise IndexCorrupt(
                f"Milvus collection {collection} holds {stored_dim}-dimensional vectors, the index expects {dim}; "
                "rebuild with `rag index --rebuild`"
            )
        fields = {f.get("name") for f in found.get("fields", [])}
        lexical = "sparse" in fields and description.get("lexical") == LEXICAL_KIND
        return cls(uri, collection, dim, size, lexical=lexical)
