"""The index: documents + chunks + dense store + BM25 store + manifest, saved atomically as one folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import ChunkerSettings, chunk_document
from .embedders import Embedder
from .errors import EmbedderMismatch, IndexCorrupt, IndexNotFound
from .lexical import BM25Store
from .normalize import describe as describe_normalization
from .normalize import matching_chunk, matching_document
from .schema import Chunk, Document
from .vector_store import FaissStore

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"


def passage_text(doc: Document, chunk: Chunk) -> str:
    """What gets embedded and BM25-indexed for a chunk: title and sub-headline as context, then the text.

    A chunk of a newspaper page's third story does not name its county; its headline does.
    """
    parts = [doc.title]
    if chunk.section and chunk.section not in doc.title and not chunk.text.startswith(chunk.section):
        parts.append(chunk.section)
    parts.append(chunk.text)
    return "\n".join(parts)


def matching_passage(doc: Document, chunk: Chunk) -> str:
    """:func:`passage_text` in the matching view (simplified script, folded width), as embedded and BM25-indexed."""
    view, converted = matching_document(doc)
    return passage_text(view, matching_chunk(chunk, view, converted))


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class UpdateReport:
    """What ``Index.build`` did: documents added, changed, kept, removed, and chunks embedded."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    total_chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed; embedded {self.embedded_chunks} of {self.total_chunks} chunks "
            f"in {self.seconds:.1f}s"
        )


class Index:
    """Documents, their chunks, and both retrieval stores, aligned row by row."""

    def __init__(
        self,
        documents: list[Document],
        chunks: list[Chunk],
        dense: FaissStore,
        lexical: BM25Store,
        manifest: dict,
    ):
        self.documents = {d.id: d for d in documents}
        self.chunks = chunks
        self.dense = dense
        self.lexical = lexical
        self.manifest = manifest

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]["name"]

    def document(self, doc_id: str) -> Document:
        return self.documents[doc_id]

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        embedder: Embedder,
        chunker: ChunkerSettings | None = None,
        previous: Index | None = None,
        keep_previous: bool = True,
        show_progress: bool = False,
        dense_kind: str = "auto",
        ann_threshold: int = 50_000,
        dense_factory: Callable[[np.ndarray], object] | None = None,
    ) -> tuple[Index, UpdateReport]:
        """Index ``documents``, reusing the chunks and vectors of unchanged documents of ``previous``.

        With ``keep_previous``, documents of ``previous`` that are not in ``documents`` stay in the index
        (adding a folder does not drop the seeds); otherwise they are removed. ``dense_factory`` builds
        the vector store from the matrix of all chunk vectors (default: FAISS, ``dense_kind``).
        """
        t0 = time.perf_counter()
        chunker = chunker or ChunkerSettings()
        report = UpdateReport()
        if previous is not None and previous.embedder_name != embedder.name:
            raise EmbedderMismatch(
                f"the index was built with {previous.embedder_name!r}, not {embedder.name!r}; "
                "rebuild it with `rag index --rebuild`"
            )
        reusable: dict[str, tuple[Document, list[Chunk], np.ndarray]] = {}
        normalization = describe_normalization()
        if (
            previous is not None
            and previous.manifest.get("chunker") == chunker.as_dict()
            and previous.manifest.get("normalization") == normalization
        ):
            vectors = previous.dense.vectors()
            rows: dict[str, list[int]] = {}
            for i, c in enumerate(previous.chunks):
                rows.setdefault(c.doc_id, []).append(i)
            for doc_id, doc in previous.documents.items():
                idx = rows.get(doc_id, [])
                reusable[doc_id] = (doc, [previous.chunks[i] for i in idx], vectors[idx])

        new_ids = {d.id for d in documents}
        final_docs: list[Document] = []
        if previous is not None:
            for doc_id, doc in previous.documents.items():
                if doc_id in new_ids:
                    continue
                if keep_previous:
                    final_docs.append(doc)
                else:
                    report.removed.append(doc_id)
        for doc in documents:
            old = previous.documents.get(doc.id) if previous is not None else None
            if old is None:
                report.added.append(doc.id)
            elif old.sha256 == doc.sha256 and old.text == doc.text:
                report.unchanged.append(doc.id)
            else:
                report.changed.append(doc.id)
            final_docs.append(doc)
        final_docs.sort(key=lambda d: d.id)

        chunks: list[Chunk] = []
        vectors: list[np.ndarray | None] = []
        to_embed: list[int] = []
        passages: list[str] = []
        for doc in final_docs:
            cached = reusable.get(doc.id)
            if cached and cached[0].sha256 == doc.sha256 and cached[0].text == doc.text:
                chunks.extend(cached[1])
                vectors.extend(cached[2])
                continue
            for c in chunk_document(doc, chunker):
                to_embed.append(len(chunks))
                passages.append(matching_passage(doc, c))
                chunks.append(c)
                vectors.append(None)
        if to_embed:
            fresh = embedder.embed_passages(passages, show_progress=show_progress)
            for row, vec in zip(to_embed, fresh, strict=True):
                vectors[row] = vec
        matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, embedder.dim), np.float32)

        docs_by_id = {d.id: d for d in final_docs}
        lexical = BM25Store.build([matching_passage(docs_by_id[c.doc_id], c) for c in chunks])
        if dense_factory is not None:
            dense = dense_factory(matrix)
        elif len(matrix):
            dense = FaissStore.from_vectors(matrix, kind=dense_kind, ann_threshold=ann_threshold)
        else:
            dense = FaissStore(embedder.dim)
        manifest = {
            "format_version": FORMAT_VERSION,
            "embedder": {"name": embedder.name, "dim": embedder.dim},
            "chunker": chunker.as_dict(),
            "normalization": normalization,
            "dense": dense.describe(),
            "lexical": {"kind": "bm25s", "tokenizer": "jieba.lcut_for_search"},
            "documents": {d.id: {"source": d.source, "sha256": d.sha256} for d in final_docs},
            "n_chunks": len(chunks),
        }
        report.embedded_chunks = len(to_embed)
        report.total_chunks = len(chunks)
        report.seconds = time.perf_counter() - t0
        return cls(final_docs, chunks, dense, lexical, manifest), report

    # ------------------------------------------------------------------ saving
    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` atomically: a temporary sibling folder is renamed into place."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        old = folder.parent / f".{folder.name}.old-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            with open(tmp / DOCUMENTS, "w", encoding="utf-8") as f:
                for d in self.documents.values():
                    f.write(d.model_dump_json() + "\n")
            with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
                for c in self.chunks:
                    f.write(c.model_dump_json() + "\n")
            self.dense.save(tmp)
            self.lexical.save(tmp)
            files = sorted(p for p in tmp.rglob("*") if p.is_file())
            manifest = dict(self.manifest)
            manifest["checksums"] = {p.relative_to(tmp).as_posix(): _sha256_file(p) for p in files}
            manifest["saved_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            self.manifest = manifest
            # Keep anything else the folder holds (e.g. uploaded corpus files) in place.
            if folder.exists():
                for extra in folder.iterdir():
                    if not (tmp / extra.name).exists():
                        os.replace(extra, tmp / extra.name)
                os.replace(folder, old)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / MANIFEST).is_file() or recover(folder)

    @classmethod
    def load(
        cls, folder: Path, expected_embedder: str | None = None, verify: bool = True, milvus_uri: str | None = None
    ) -> Index:
        """Load an index folder.

        Raises:
            IndexNotFound: no manifest in ``folder``.
            IndexCorrupt: a file is missing, truncated, tampered with, or of another format version.
            EmbedderMismatch: ``expected_embedder`` differs from the one that built the index.
        """
        folder = Path(folder)
        rebuild = f"rebuild it with `rag index --rebuild --index-dir {folder}`"
        recover(folder)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            if folder.is_dir() and any(folder.iterdir()) and not (folder / "README.md").exists():
                raise IndexNotFound(f"{folder} is not an index (no {MANIFEST}); {rebuild}")
            raise IndexNotFound(f"no index in {folder}; build one with `rag index --index-dir {folder}`")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            version = manifest["format_version"]
            dim = int(manifest["embedder"]["dim"])
            name = manifest["embedder"]["name"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{manifest_path} is unreadable ({exc}); {rebuild}") from exc
        if version != FORMAT_VERSION:
            raise IndexCorrupt(f"{folder} has index format {version}, this version reads {FORMAT_VERSION}; {rebuild}")
        if expected_embedder is not None and expected_embedder != name:
            raise EmbedderMismatch(
                f"the index in {folder} was built with embedder {name!r}, not {expected_embedder!r}; "
                f"use --embedder {name}, or rebuild with `rag index --rebuild --embedder {expected_embedder}`"
            )
        if verify:
            for rel, digest in manifest.get("checksums", {}).items():
                path = folder / rel
                if not path.is_file():
                    raise IndexCorrupt(f"{path} is missing; {rebuild}")
                if _sha256_file(path) != digest:
                    raise IndexCorrupt(f"{path} does not match its checksum (truncated or modified); {rebuild}")
        try:
            documents = [
                Document.model_validate_json(line)
                for line in (folder / DOCUMENTS).read_text(encoding="utf-8").splitlines()
                if line
            ]
            chunks = [
                Chunk.model_validate_json(line)
                for line in (folder / CHUNKS).read_text(encoding="utf-8").splitlines()
                if line
            ]
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"{folder}: documents or chunks unreadable ({exc}); {rebuild}") from exc
        description = manifest.get("dense") or {}
        if description.get("kind") == "milvus":
            from .milvus_store import MilvusStore

            dense = MilvusStore.load(description, dim, len(chunks), uri=milvus_uri)
        else:
            dense = FaissStore.load(folder, dim, description)
        lexical = BM25Store.load(folder, len(chunks))
        if len(dense) != len(chunks):
            raise IndexCorrupt(f"{folder}: {len(dense)} vectors for {len(chunks)} chunks; {rebuild}")
        return cls(documents, chunks, dense, lexical, manifest)


def recover(folder: Path) -> bool:
    """Finish or undo a save that was killed midway; True when ``folder`` holds an index afterwards.

    A save renames the live folder to ``.<name>.old-<pid>`` and the finished ``.<name>.tmp-<pid>`` into
    its place; killed between the two renames, the old folder is put back. Unfinished temporary
    folders of dead writers are removed by the next writer (see :func:`remove_stale`).
    """
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return True
    if folder.exists() and any(folder.iterdir()):
        return False
    for old in sorted(folder.parent.glob(f".{folder.name}.old-*")):
        if (old / MANIFEST).is_file():
            if folder.exists():
                folder.rmdir()
            os.replace(old, folder)
            log.warning("recovered the index in %s from an interrupted save", folder)
            return True
    return False


def remove_stale(folder: Path) -> None:
    """Remove temporary folders left by killed writers (call while holding the write lock)."""
    folder = Path(folder)
    for stale in [*folder.parent.glob(f".{folder.name}.tmp-*"), *folder.parent.glob(f".{folder.name}.old-*")]:
        if (folder / MANIFEST).is_file() or not (stale / MANIFEST).is_file():
            shutil.rmtree(stale, ignore_errors=True)
