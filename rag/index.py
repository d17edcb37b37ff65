"""The index: documents + chunks + dense store + BM25 store + manifest, saved atomically as one folder."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from . import segments as seg
from .chunk_table import ChunkTable
from .chunking import ChunkerSettings, chunk_document
from .docstore import FILE as DOCUMENTS_DB
from .docstore import SCHEMA as DOCUMENTS_SCHEMA
from .docstore import DocumentStore
from .docstore import write as write_documents
from .documents import CLEANING_VERSION, UPLOAD_TAG, doc_id_for
from .embedders import Embedder
from .errors import DocumentError, EmbedderMismatch, IndexCorrupt, IndexNotFound
from .lexical import BM25Store
from .normalize import describe as describe_normalization
from .normalize import matching_chunk, matching_document
from .schema import Chunk, Document
from .vector_store import FaissStore, VectorSpool

log = logging.getLogger(__name__)

# 2: document ids keep their extension (a.txt ≠ a.html); sources are recorded. 3: chunks as a table of offsets
# (rag.chunk_table), not JSONL. 4: documents in SQLite (rag.docstore), read by id, not JSONL loaded whole; formats
# 1-3 are still read and saved as 4 by the next update
FORMAT_VERSION = 4
_EMBED_BATCH = 2_048  # new chunks' passages embedded at a time (then dropped): a few MB of text and vectors
_COPY_BLOCK = 65_536  # rows of kept vectors copied at a time in an update (a 100 MB temporary at 384 dimensions)
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"  # formats 1-3
CHUNKS = "chunks.jsonl"  # formats 1 and 2
# files of older formats, left behind when an index is saved as today's
OLD_FORMAT_FILES = frozenset({CHUNKS, DOCUMENTS})
_NOT_CARRIED = OLD_FORMAT_FILES | {seg.STATE, seg.FOLDER}  # not moved into a new save of the folder
SOURCES = "sources.json"  # the recorded source roots, also readable when the rest of the index is damaged
UPLOADS_FOLDER = "corpus"  # uploaded files are kept in <index dir>/corpus


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


_sha256_file = seg.sha256_file


def _sha256_files(paths: Sequence[Path]) -> list[str]:
    """Each file's SHA-256, the files hashed side by side on every core (hashlib lets go of the GIL while it
    hashes a block: a 1.4M-chunk index's 3.6 GB took 5.5 s on one core)."""
    if len(paths) < 2:
        return [_sha256_file(p) for p in paths]
    # the largest first, so that no core is left with a big file at the end
    order = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
    with ThreadPoolExecutor(max_workers=min(len(paths), os.cpu_count() or 1)) as pool:
        digests = dict(zip(order, pool.map(lambda i: _sha256_file(paths[i]), order), strict=True))
    return [digests[i] for i in range(len(paths))]


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


def check_unique_ids(documents: Sequence[Document]) -> None:
    """Raise DocumentError naming both files when two documents share an id (it would corrupt the index)."""
    seen: dict[str, Document] = {}
    for d in documents:
        if d.id in seen:
            raise DocumentError(
                f"two documents would both be {d.id!r} ({seen[d.id].source} and {d.source}); rename one of them"
            )
        seen[d.id] = d


class Index:
    """Documents, their chunks, and both retrieval stores, aligned row by row."""

    def __init__(
        self,
        documents: Sequence[Document] | Mapping[str, Document],
        chunks: Sequence[Chunk],
        dense: FaissStore,
        lexical: BM25Store,
        manifest: dict,
    ):
        # set by an update of a saved index: (its document store, ids to delete, documents to write)
        self._documents_delta: tuple[DocumentStore, list[str], list[Document]] | None = None
        self._all_documents: dict[str, Document] | None = None  # see all_documents
        # delta segments (rag.segments): the saved state this index is (None: a plain index), the segment an
        # update made and save writes, the base's manifest and identity, and the folder it was loaded from
        self._state: dict | None = None
        self._segment: tuple | None = None
        self._base: tuple[dict, str] | None = None
        self._folder: Path | None = None
        self._base_stat: tuple[int, int] | None = None  # the base manifest's size and time when read
        self._touched: list[Document] = []  # read again with the same text: their stored copies are stale
        self._stamp: tuple | None = None  # the saved files' identity when this index was read or saved (disk_stamp)
        # a mapping (a saved index's document store, read by id) is kept as it is: its ids are unique by its key
        if isinstance(documents, Mapping):
            self.documents: Mapping[str, Document] = documents
        else:
            check_unique_ids(documents)
            self.documents = {d.id: d for d in documents}
        self.chunks = chunks
        self.dense = dense
        self.lexical = lexical
        self.manifest = manifest

    def all_documents(self) -> Mapping[str, Document]:
        """Every document, held in memory: for an update, which compares and reuses them all (a saved index's
        store is read once, a page at a time, and kept until the index is saved)."""
        if not isinstance(self.documents, dict):
            if self._all_documents is None:
                self._all_documents = dict(self.documents.items())
            return self._all_documents
        return self.documents

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]["name"]

    @property
    def sources(self) -> list[dict]:
        """The recorded source roots: ``{"root": absolute path or "upload", "kind": "folder"|"file"|"upload"}``."""
        return list(self.manifest.get("sources") or [])

    def listing(self) -> list[dict]:
        """One row per document: id, source, root, title, format, characters, chunks, indexed at."""
        entries = self.manifest.get("documents", {})
        rows = []
        for doc_id, doc in sorted(self.documents.items()):
            entry = entries.get(doc_id, {})
            rows.append(
                {
                    "id": doc_id,
                    "source": doc.source,
                    "root": doc.source_root,
                    "title": doc.title,
                    "format": doc.format or Path(doc.source).suffix.lstrip("."),
                    "pages": len(doc.pages) or None,  # PDF pages; None for formats without pages
                    "chars": len(doc.text),
                    "chunks": entry.get("chunks", sum(1 for c in self.chunks if c.doc_id == doc_id)),
                    "indexed_at": entry.get("indexed_at"),
                }
            )
        return rows

    def document(self, doc_id: str) -> Document:
        return self.documents[doc_id]

    def chunk_count(self) -> int:
        """Chunks of the live documents (a segmented index also numbers the dead rows of replaced documents)."""
        live = getattr(self.chunks, "live_count", None)
        return live() if live is not None else len(self.chunks)

    def _parts(self) -> tuple[tuple, list[tuple], list[frozenset[str]], list[dict]]:
        """This saved index as a base and segments: ``(base, parts, dead ids per part, segment records)``."""
        if self._state is None:
            return (self.documents, self.chunks, self.dense, self.lexical), [], [frozenset()], []
        d, c, v, b = self.documents, self.chunks, self.dense, self.lexical
        parts = list(zip(d.stores, c.tables, v.stores, b.stores, strict=True))
        return parts[0], parts[1:], list(d.dead), list(self._state["segments"])

    def _segments_possible(self, chunker: ChunkerSettings, dense_settings: dict | None) -> bool:
        """An update of this index may be written as a delta segment: it was loaded from a folder, is built as
        one would be now, with a local FAISS store and BM25 that kept its token ids and term frequencies."""
        if not seg.ENABLED or self._folder is None or dense_settings is None or self._base is None:
            return False
        if dense_settings.get("vector_store", "faiss") != "faiss" or not built_alike(
            self.manifest, chunker, dense_settings
        ):
            return False
        base, parts, _, _ = self._parts()
        return (
            isinstance(base[0], DocumentStore)
            and isinstance(base[1], ChunkTable)
            and isinstance(base[2], FaissStore)
            and all(isinstance(p[3], BM25Store) and p[3].has_tokens() and p[3]._tf is not None for p in [base, *parts])
        )

    def compacted(self, dense_factory: Callable | None = None, consume: bool = False) -> Index:
        """A segmented index as one plain index in memory (vectors and tokens reused); a plain one as it is."""
        if self._state is None:
            return self
        make = dense_factory or (lambda matrix, previous: FaissStore.from_vectors(matrix, previous=previous))
        table, dense, lexical = seg.compacted_parts(
            self.chunks, self.dense, self.lexical, lambda m, p: make(m, p), consume
        )
        manifest = dict(self.manifest)
        manifest.pop("segments", None)
        manifest["dense"] = dense.describe()
        index = Index(self.documents, table, dense, lexical, manifest)
        base, parts, _, _ = self._parts()
        if isinstance(base[0], DocumentStore) and base[0].stored_views:
            # saved as the base's database with the change: its dead documents out, the segments' live ones in
            gone = [d for d in base[0] if self.documents.part_of(d) != 0]
            live = self.documents.part_of
            added = {doc.id: doc for i, p in enumerate(parts, 1) for doc in p[0].values() if live(doc.id) == i}
            added.update((d.id, d) for d in self._touched)
            gone += [d.id for d in self._touched if live(d.id) == 0]
            index._documents_delta = (base[0], gone, list(added.values()))
        return index

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
        dense_factory: Callable[[np.ndarray, object], object] | None = None,
        remove: Sequence[str] = (),
        sources: Sequence[dict] | None = None,
        exclude: Sequence[str] = (),
        dense_settings: dict | None = None,
        consume_previous: bool = False,
        unchanged: Sequence[str] = (),
    ) -> tuple[Index, UpdateReport]:
        """Index ``documents``, reusing the chunks and vectors of unchanged documents of ``previous``.

        With ``keep_previous``, documents of ``previous`` that are not in ``documents`` stay in the index
        (adding a folder does not drop the seeds), except those in ``remove``; otherwise they are removed.
        ``dense_factory`` builds the vector store from the matrix of all chunk vectors, the previous store and the
        new BM25 store (default: FAISS, ``dense_kind``; Milvus also stores the rows' BM25 scores). ``sources`` are
        the source roots to record (default: those of ``previous``);
        ``exclude`` ids (documents the user removed) are removed and recorded, so a re-sync does not bring
        them back until their folder is indexed again. ``dense_settings`` (the vector store's settings, recorded in
        the manifest) let a no-op return ``previous`` itself: when no document is added, changed or removed and
        the chunker, normalisation, sources, exclusions and these settings are those ``previous`` was built with,
        nothing is rebuilt (a no-op ``rag index`` used to re-tokenise every chunk for BM25: 81% of its time).
        ``consume_previous``: ``previous`` is discarded after this call, so its IVF index may be updated in place
        rather than copied (``rag index``; never an index that is answering queries). ``unchanged``: ids of
        ``previous``'s documents whose files were found unchanged (not read, so not in ``documents``): kept, and
        reported as unchanged. Documents of ``previous`` that are kept are never read: their chunks, vectors and
        tokens are reused by row, and a saved index's database is copied with the change.

        Raises:
            DocumentError: two of ``documents`` share an id.
        """
        t0 = time.perf_counter()
        check_unique_ids(documents)
        remove = set(remove) | set(exclude)
        chunker = chunker or ChunkerSettings()
        report = UpdateReport()
        if previous is not None and previous.embedder_name != embedder.name:
            raise EmbedderMismatch(
                f"the index was built with {previous.embedder_name!r}, not {embedder.name!r}; "
                "rebuild it with `rag index --rebuild`"
            )
        normalization = describe_normalization()
        same_rules = (
            previous is not None
            and previous.manifest.get("chunker") == chunker.as_dict()
            and previous.manifest.get("normalization") == normalization
        )

        segments_ok = previous is not None and previous._segments_possible(chunker, dense_settings)
        if previous is not None and previous._state is not None and not segments_ok:
            previous = previous.compacted(_plain_factory(dense_factory), consume_previous)
        incoming = {d.id: d for d in documents}
        # the previous documents are read by id, only those given again (a saved index's store reads them from
        # its database; the kept ones are never read)
        prev_docs: Mapping[str, Document] = previous.documents if previous is not None else {}
        kept_ids: list[str] = []
        for doc_id in prev_docs:
            if doc_id in incoming:
                continue
            if keep_previous and doc_id not in remove:
                kept_ids.append(doc_id)
            else:
                report.removed.append(doc_id)
        found_unchanged = set(unchanged)
        report.unchanged.extend(doc_id for doc_id in kept_ids if doc_id in found_unchanged)
        old_given: dict[str, Document] = {}  # the previous version of each document given again
        for doc in documents:
            old = prev_docs.get(doc.id)
            if old is None:
                report.added.append(doc.id)
                continue
            old_given[doc.id] = old
            if old.sha256 == doc.sha256 and old.text == doc.text:
                report.unchanged.append(doc.id)
            else:
                report.changed.append(doc.id)
        docs_by_id = _Documents(prev_docs, kept_ids, incoming)
        final_ids = list(docs_by_id)
        new_sources = list(sources if sources is not None else (previous.sources if previous is not None else []))
        new_excluded = sorted(
            (set(previous.manifest.get("excluded", [])) if previous is not None else set())
            | set(exclude) - set(final_ids)
        )
        if (
            previous is not None
            and not (report.added or report.changed or report.removed)
            and dense_settings is not None
            and built_alike(previous.manifest, chunker, dense_settings)
            and previous.manifest.get("sources") == new_sources
            and previous.manifest.get("excluded", []) == new_excluded
            and all(_same_document(old_given.get(d.id), d) for d in documents)
        ):
            report.total_chunks = previous.chunk_count()
            report.seconds = time.perf_counter() - t0
            return previous, report
        if segments_ok:
            # documents added or whose text changed go into the segment; one read again with the same text (a new
            # file time) keeps its rows, its record and stored copy take the new time
            written = [d for d in documents if d.id not in old_given or not _reusable(old_given[d.id], d)]
            touched = [d for d in documents if d.id in old_given and _reusable(old_given[d.id], d)]
            touched = [d for d in touched if old_given[d.id] != d]
            index = _with_segment(
                previous,
                written,
                touched,
                report,
                embedder,
                chunker,
                new_sources,
                new_excluded,
                dense_factory,
                consume_previous,
            )
            report.total_chunks = index.chunk_count()
            report.seconds = time.perf_counter() - t0
            return index, report
        table = None  # the previous index's chunk table: kept chunks are copied as table rows, never built
        if same_rules:
            table = _table_of(previous)
        reuse_rows: dict[str, Sequence[int]] = {}  # each reusable document's rows in ``table``
        if table is not None:
            for doc_id in kept_ids:  # kept as they are: their chunks are the previous ones
                reuse_rows[doc_id] = table.rows_of(doc_id)
            for doc_id, old in old_given.items():  # given again: reused when the same file and text
                if _reusable(old, incoming[doc_id]):
                    reuse_rows[doc_id] = table.rows_of(doc_id)

        # Streamed a batch of documents at a time: each new chunk becomes a table row (four integers, its text
        # stays in its document) and its passage is embedded with its batch and dropped; BM25 reads the passages
        # again one at a time below. (At a million chunks the chunks and passages held whole cost gigabytes.)
        number = {doc_id: i for i, doc_id in enumerate(final_ids)}
        sections: dict[str, int] = {s: i for i, s in enumerate(table._sections)} if table is not None else {}
        kept_list = array("q")  # each row's row in ``previous`` when its chunk is kept as it was, else -1
        new_list = array("q")  # each new chunk's document number, start, end and section number
        counts: dict[str, int] = {}
        spool = VectorSpool(embedder.dim)  # the new vectors, on disk until the vector store reads them
        batch: list[str] = []
        todo = len(final_ids) - len(reuse_rows)
        bar = _progress(todo, embedder.name, show_progress)
        for doc_id in final_ids:
            rows = reuse_rows.get(doc_id)
            if rows is not None:
                kept_list.extend(rows)
                counts[doc_id] = len(rows)
                continue
            doc = docs_by_id[doc_id]
            n = 0
            for c, passage in _document_chunks(doc, chunker):
                kept_list.append(-1)
                new_list.extend((number[doc.id], c.start, c.end, sections.setdefault(c.section, len(sections))))
                batch.append(passage)
                n += 1
            counts[doc.id] = n
            if len(batch) >= _EMBED_BATCH:
                spool.append(embedder.embed_passages(batch))
                batch = []
            bar.update()
        if batch:
            spool.append(embedder.embed_passages(batch))
        bar.close()
        kept_rows = np.frombuffer(kept_list, dtype=np.int64) if len(kept_list) else np.zeros(0, dtype=np.int64)
        to_embed = np.flatnonzero(kept_rows < 0)
        kept_at = np.flatnonzero(kept_rows >= 0)
        kept_from = kept_rows[kept_at]
        new_rows = (
            np.frombuffer(new_list, dtype=np.int64).reshape(-1, 4) if len(new_list) else np.zeros((0, 4), np.int64)
        )
        chunks = ChunkTable.assemble(docs_by_id, table, kept_rows, new_rows, list(sections))
        # an IVF index built with the same settings is updated where it lies (kept vectors renumbered, only the new
        # ones assigned to lists) instead of refilled from a matrix of every vector
        dense = None
        if (
            same_rules
            and isinstance(previous.dense, FaissStore)
            and dense_settings is not None
            and previous.manifest.get("dense_settings") == dense_settings
            and (
                dense_settings.get("dense_index") == "ivf"
                or (dense_settings.get("dense_index") == "auto" and len(chunks) >= ann_threshold_of(dense_settings))
            )
        ):
            new_of_old = np.full(len(previous.chunks), -1, dtype=np.int64)
            new_of_old[kept_from] = kept_at
            dense = previous.dense.updated(new_of_old, np.asarray(to_embed, np.int64), spool.array(), consume_previous)

        # the kept chunks' BM25 token ids come from the previous index (when it kept them, tokenised as today):
        # only new text is tokenised, its passage made again when BM25 reads it
        reuse = previous is not None and previous.lexical.has_tokens()
        texts = _Passages(chunks, docs_by_id)
        lexical = BM25Store.build(
            texts,
            previous=previous.lexical if reuse else None,
            kept_rows=[None if r < 0 else r for r in kept_rows.tolist()],
        )
        # the previous store (same chunking and normalisation, so the same kind of vectors): an IVF index keeps
        # its trained centroids
        prev_dense = previous.dense if same_rules else None
        if dense is None:
            lexical.spill()  # BM25's arrays on disk while the vectors are in memory (the build's peak otherwise)
        # the vector store is filled after BM25 is built, so that no matrix of vectors is held while BM25 builds
        matrix: np.ndarray | VectorSpool | None = None
        if dense is None and not len(kept_at):
            matrix = spool  # every chunk is new: read a block at a time from the spool (no matrix in memory)
        elif dense is None:
            matrix = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
            prev_vectors = previous.dense.vectors()
            for a in range(0, len(kept_at), _COPY_BLOCK):  # in blocks: no temporary copy of every kept vector
                matrix[kept_at[a : a + _COPY_BLOCK]] = prev_vectors[kept_from[a : a + _COPY_BLOCK]]
            del prev_vectors  # freed before the vector store is built (one copy of the vectors fewer)
            if len(to_embed):
                matrix[to_embed] = spool.array()
        if dense is None and dense_factory is not None:
            dense = dense_factory(matrix, prev_dense, lexical)
        elif dense is None and len(matrix):
            dense = FaissStore.from_vectors(
                matrix,
                kind=dense_kind,
                ann_threshold=ann_threshold,
                previous=prev_dense if isinstance(prev_dense, FaissStore) else None,
            )
        elif dense is None:
            dense = FaissStore(embedder.dim)
        del matrix
        spool.close()
        manifest = {
            "format_version": FORMAT_VERSION,
            "documents_schema": DOCUMENTS_SCHEMA,
            "embedder": {"name": embedder.name, "dim": embedder.dim},
            "chunker": chunker.as_dict(),
            "normalization": normalization,
            "cleaning": CLEANING_VERSION,
            "dense": dense.describe(),
            "lexical": {"kind": "bm25s", "tokenizer": "jieba.lcut_for_search"},
            "sources": new_sources,
            "documents": _document_entries(docs_by_id, kept_ids, counts, previous),
            "excluded": new_excluded,
            "dense_settings": dense_settings,
            "n_chunks": len(chunks),
        }
        report.embedded_chunks = len(to_embed)
        report.total_chunks = len(chunks)
        report.seconds = time.perf_counter() - t0
        index = cls(docs_by_id, chunks, dense, lexical, manifest)
        if isinstance(previous.documents if previous is not None else None, DocumentStore):
            # saved as the previous database plus the change: documents removed, and those added or read anew
            # (changed, or the same text with a new file time) written again
            written = [d for d in documents if old_given.get(d.id) != d]
            gone = list(report.removed) + [d.id for d in written if d.id in old_given]
            index._documents_delta = (previous.documents, gone, written)
        return index, report

    # ------------------------------------------------------------------ saving
    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` atomically: a temporary sibling folder is renamed into place; or, for an
        update kept as a delta segment of the index saved there, the segment and the segments' state alone."""
        folder = Path(folder)
        if self._state is not None:
            if self._folder is not None and folder.resolve() == self._folder and self._base_on_disk(folder):
                self._save_segment(folder)
                self._stamp = disk_stamp(folder)
                return
            plain = self.compacted()  # saved whole elsewhere, or over a base that was replaced meanwhile
            self.documents, self.chunks, self.dense, self.lexical = (
                plain.documents,
                plain.chunks,
                plain.dense,
                plain.lexical,
            )
            self.manifest, self._documents_delta = plain.manifest, plain._documents_delta
            self._state = self._segment = None
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        old = folder.parent / f".{folder.name}.old-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            delta = self._documents_delta
            if delta is not None and delta[0].stored_views:
                delta[0].copy_with(tmp / DOCUMENTS_DB, delete=delta[1], add=delta[2])
            else:
                write_documents(tmp / DOCUMENTS_DB, self.documents.values())
            ChunkTable.from_chunks(self.documents, self.chunks).save(tmp)
            self.dense.save(tmp)
            self.lexical.save(tmp)
            files = sorted(p for p in tmp.rglob("*") if p.is_file())
            manifest = dict(self.manifest)
            manifest.pop("segments", None)
            manifest["format_version"] = FORMAT_VERSION  # what save writes, whatever the index was read from
            manifest["documents_schema"] = DOCUMENTS_SCHEMA
            manifest["checksums"] = dict(
                zip((p.relative_to(tmp).as_posix() for p in files), _sha256_files(files), strict=True)
            )
            # each file's size and time as saved: a load finds a file untouched since by them, without hashing it
            manifest["file_stats"] = {
                p.relative_to(tmp).as_posix(): [(st := p.stat()).st_size, st.st_mtime_ns] for p in files
            }
            manifest["saved_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            # compact: one line per document indented cost 2.5x the time (30 MB and ~1 s at 100,000 documents)
            (tmp / MANIFEST).write_text(
                json.dumps(manifest, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
            )
            (tmp / SOURCES).write_text(json.dumps(self.sources, ensure_ascii=False, indent=1), encoding="utf-8")
            self.manifest = manifest
            # Keep anything else the folder holds (e.g. uploaded corpus files) in place; delta segments are in
            # this save and go.
            if folder.exists():
                for extra in folder.iterdir():
                    if not (tmp / extra.name).exists() and extra.name not in _NOT_CARRIED:
                        os.replace(extra, tmp / extra.name)
                os.replace(folder, old)
            os.replace(tmp, folder)
            self._read_saved(folder)
            self._base = (manifest, seg.manifest_id(manifest))
            st = (folder / MANIFEST).stat()
            self._base_stat = (st.st_size, st.st_mtime_ns)
            self._stamp = disk_stamp(folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    def _read_saved(self, folder: Path) -> None:
        """After a save, documents are read from the saved database, not held (a server after an upload)."""
        store = DocumentStore(folder / DOCUMENTS_DB)
        self.chunks = ChunkTable.load(folder, store)  # the saved table, memory-mapped, over the store
        self.documents = store
        self._documents_delta = None
        self._all_documents = None
        self._state = self._segment = None
        self._folder = folder.resolve()

    def _base_on_disk(self, folder: Path) -> bool:
        """The base this segmented index extends is the one saved in ``folder`` (no rebuild replaced it since)."""
        if self._state is None:
            return False
        try:
            st = (folder / MANIFEST).stat()
            if self._base_stat == (st.st_size, st.st_mtime_ns):  # the file this index was loaded from
                return True
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return seg.manifest_id(manifest) == self._state.get("base")

    def _segments_merged(self) -> Index:
        """This segmented index with its segments' live rows merged into one new segment (vectors and token ids
        reused; the base untouched): what a merge costs is the segments' size, not the corpus'."""
        base, parts, dead, _ = self._parts()
        docs, chunks, vectors, lexical = seg.assemble(parts[0], parts[1:], dead[1:])
        table, flat, bm25 = seg.compacted_parts(chunks, vectors, lexical, lambda matrix, _: seg.flat_store(matrix))
        merged_docs = {doc_id: docs[doc_id] for doc_id in docs}
        table = ChunkTable(merged_docs, np.asarray(table._rows), list(table._sections))
        name = seg.new_name()
        state = {**self._state, "segments": []}
        dead_base = state["dead"].get("base", [])
        state["dead"] = {"base": dead_base} if dead_base else {}
        documents, all_chunks, dense, lexical_all = seg.assemble(
            base, [(merged_docs, table, flat, bm25)], [dead[0], frozenset()]
        )
        state["n_chunks"] = all_chunks.live_count()
        manifest = {**self.manifest, "segments": [name], "n_chunks": state["n_chunks"]}
        index = Index(documents, all_chunks, dense, lexical_all, manifest)
        index._state, index._segment = state, (name, merged_docs, table, flat, bm25)
        index._base, index._folder, index._base_stat = self._base, self._folder, self._base_stat
        index._touched = list(self._touched)
        return index

    def _save_segment(self, folder: Path) -> None:
        """Write the pending delta segment (if any) and commit the segments' state: the base is not touched."""
        state = dict(self._state)
        written = None
        if self._segment is not None:
            name, docs, table, dense, lexical = self._segment
            written = seg.write_segment(folder, name, docs, table, dense, lexical)
            state["segments"] = [*state["segments"], written]
        state["saved_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        seg.commit(folder, state)
        # the sources' fallback copy (not checksummed: read when the rest of the index is damaged), replaced whole
        tmp = folder / f".{SOURCES}.tmp-{os.getpid()}"
        tmp.write_text(json.dumps(state.get("sources", []), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / SOURCES)
        base, parts, dead, _ = self._parts()
        self._state, self._segment = state, None
        if written is not None:  # read from its files from now on, as a loaded index would be
            stored_views = self.manifest.get("normalization") == describe_normalization()
            parts[-1] = seg.load_segment(folder, written, base[2].dim, stored_views, False, "")
            self.documents, self.chunks, self.dense, self.lexical = seg.assemble(base, parts, dead)
        self.manifest = {**self.manifest, "segments": [r["name"] for r in state["segments"]]}
        self._all_documents = None

    def _apply_state(self, folder: Path, state: dict, verify: bool, rebuild: str) -> None:
        """Put the saved delta segments of ``state`` over this freshly loaded base."""
        stored_views = self.manifest.get("normalization") == describe_normalization()
        records = state.get("segments", [])
        dim = self.dense.dim
        parts = [seg.load_segment(folder, r, dim, stored_views, verify, rebuild) for r in records]
        names = ["base", *(r["name"] for r in records)]
        dead = [frozenset(state.get("dead", {}).get(n, [])) for n in names]
        self.documents, self.chunks, self.dense, self.lexical = seg.assemble(
            (self.documents, self.chunks, self.dense, self.lexical), parts, dead
        )
        self.manifest = seg.merged_manifest(self.manifest, state)
        self._state = state

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
            from .documents import SUPPORTED_SUFFIXES

            docs_here = folder.is_dir() and any(
                p.suffix.lower() in SUPPORTED_SUFFIXES and p.name != "README.md"
                for p in folder.rglob("*")
                if p.is_file()
            )
            if docs_here:
                raise IndexNotFound(
                    f"{folder} holds documents, not an index; index them with "
                    f"`rag index {folder} --index-dir ANOTHER_FOLDER`, then ask with --index-dir ANOTHER_FOLDER"
                )
            if folder.is_dir() and any(folder.iterdir()) and not (folder / "README.md").exists():
                raise IndexNotFound(f"{folder} is not an index (no {MANIFEST}); {rebuild}")
            raise IndexNotFound(f"no index in {folder}; build one with `rag index YOUR_DOCUMENTS --index-dir {folder}`")
        stamp = disk_stamp(folder)  # before reading: a save after this makes the index stale, never the reverse
        try:
            manifest_stat = manifest_path.stat()
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            version = manifest["format_version"]
            dim = int(manifest["embedder"]["dim"])
            name = manifest["embedder"]["name"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{manifest_path} is unreadable ({exc}); {rebuild}") from exc
        if version not in (1, 2, 3, FORMAT_VERSION):
            raise IndexCorrupt(f"{folder} has index format {version}, this version reads {FORMAT_VERSION}; {rebuild}")
        if expected_embedder is not None and expected_embedder != name:
            raise EmbedderMismatch(
                f"the index in {folder} was built with embedder {name!r}, not {expected_embedder!r}; "
                f"use --embedder {name}, or rebuild with `rag index --rebuild --embedder {expected_embedder}`"
            )
        if verify:
            # A file with the size and time it was saved with is not hashed again (the files of a 1.4M-chunk index
            # are 3.6 GB: hashing them was most of a cold `rag ask`); one written, truncated or copied since is.
            saved = manifest.get("file_stats", {})
            to_hash: list[tuple[Path, str]] = []
            for rel, digest in manifest.get("checksums", {}).items():
                path = folder / rel
                if not path.is_file():
                    raise IndexCorrupt(f"{path} is missing; {rebuild}")
                st = path.stat()
                if saved.get(rel) != [st.st_size, st.st_mtime_ns]:
                    to_hash.append((path, digest))
            for (path, digest), found in zip(to_hash, _sha256_files([p for p, _ in to_hash]), strict=True):
                if found != digest:
                    raise IndexCorrupt(f"{path} does not match its checksum (truncated or modified); {rebuild}")
        try:
            documents: Sequence[Document] | Mapping[str, Document]
            if version >= 4:
                # the views were stored by the normalisation the manifest records; other rules make them again
                stored_views = manifest.get("normalization") == describe_normalization()
                documents = DocumentStore(folder / DOCUMENTS_DB, stored_views=stored_views)
            else:
                documents = [
                    Document.model_validate_json(line)
                    for line in (folder / DOCUMENTS).read_text(encoding="utf-8").splitlines()
                    if line
                ]
            if version >= 3:
                by_id = documents if isinstance(documents, Mapping) else {d.id: d for d in documents}
                chunks: Sequence[Chunk] = ChunkTable.load(folder, by_id)
            else:
                chunks = [
                    Chunk.model_validate_json(line)
                    for line in (folder / CHUNKS).read_text(encoding="utf-8").splitlines()
                    if line
                ]
        except IndexCorrupt as exc:
            raise IndexCorrupt(f"{exc}; {rebuild}") from exc
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"{folder}: documents or chunks unreadable ({exc}); {rebuild}") from exc
        if version == 1:
            documents, chunks = _migrate_v1(folder, documents, chunks, rebuild)
            manifest = {**manifest, "format_version": FORMAT_VERSION, "documents": {}, "sources": []}
        description = manifest.get("dense") or {}
        if description.get("kind") == "milvus":
            from .milvus_store import MilvusStore

            dense = MilvusStore.load(description, dim, len(chunks), uri=milvus_uri)
        else:  # read when a query or a full update first needs it (a delta segment never does)
            dense = FaissStore.load(folder, dim, description, lazy=True, rows=len(chunks))
        # BM25 search runs in Milvus when the collection holds the rows' scores: the postings stay on disk here
        # BM25's arrays are memory-mapped, read as queries touch them: an update that writes a delta segment never
        # reads them (at 1.4M chunks reading them was 1 GB and a second), BM25 over delta segments reads the
        # entries' term frequencies and not the base's precomputed scores, and Milvus scores BM25 itself
        lexical = BM25Store.load(folder, len(chunks), postings_in_memory=False)
        if len(dense) != len(chunks):
            raise IndexCorrupt(f"{folder}: {len(dense)} vectors for {len(chunks)} chunks; {rebuild}")
        index = cls(documents, chunks, dense, lexical, manifest)
        index._folder = folder.resolve()
        index._base = (manifest, seg.manifest_id(manifest))
        index._base_stat = (manifest_stat.st_size, manifest_stat.st_mtime_ns)
        state = seg.read_state(folder) if version == FORMAT_VERSION else None
        if state is not None:
            if state.get("base") != index._base[1] or not isinstance(dense, FaissStore):
                raise IndexCorrupt(f"{folder / seg.STATE} belongs to another build of this index; {rebuild}")
            index._apply_state(folder, state, verify, rebuild)
        index._stamp = stamp
        return index

    def current_on_disk(self, folder: Path) -> bool:
        """The index saved in ``folder`` is still the one this index was read from or saved as: no other process
        saved an update there since (a writer checks this under the write lock before building on this index)."""
        return self._stamp is not None and self._stamp == disk_stamp(folder)


def _document_chunks(doc: Document, chunker: ChunkerSettings) -> Iterator[tuple[Chunk, str]]:
    """``doc``'s chunks, each with its passage to embed (in the matching view).

    Raises:
        ValueError: a chunk is not its document's slice of its ordinal (the chunk table could not store it).
    """
    view, converted = matching_document(doc)
    for n, c in enumerate(chunk_document(doc, chunker)):
        if c.id != f"{doc.id}#{n}" or doc.text[c.start : c.end] != c.text:
            raise ValueError(f"chunk {c.id} is not its document's slice number {n}")
        yield c, passage_text(view, matching_chunk(c, view, converted))


def _plain_factory(dense_factory: Callable | None) -> Callable[[np.ndarray, FaissStore], object]:
    """How a compaction makes a vector store from the live rows' vectors: the update's own factory (its kind,
    threshold and codes), or FAISS's defaults."""
    if dense_factory is None:
        return lambda matrix, previous: FaissStore.from_vectors(matrix, previous=previous)
    return lambda matrix, previous: dense_factory(matrix, previous, None)


def _segment_of(
    docs: Mapping[str, Document], embedder: Embedder, chunker: ChunkerSettings
) -> tuple[ChunkTable, FaissStore, BM25Store, dict[str, int]]:
    """A delta segment of ``docs`` (chunked, embedded, tokenised): its chunk table, flat vectors, BM25 and the
    chunks per document."""
    ids = sorted(docs)
    sections: dict[str, int] = {}
    rows: list[tuple[int, int, int, int]] = []
    counts: dict[str, int] = {}
    spool = VectorSpool(embedder.dim)
    batch: list[str] = []
    for number, doc_id in enumerate(ids):
        n = 0
        for c, passage in _document_chunks(docs[doc_id], chunker):
            rows.append((number, c.start, c.end, sections.setdefault(c.section, len(sections))))
            batch.append(passage)
            n += 1
        counts[doc_id] = n
        if len(batch) >= _EMBED_BATCH:
            spool.append(embedder.embed_passages(batch))
            batch = []
    if batch:
        spool.append(embedder.embed_passages(batch))
    table = ChunkTable(docs, np.asarray(rows, dtype=np.int64).reshape(-1, 4), list(sections))
    dense = FaissStore(embedder.dim)
    if rows:
        dense._index.add(np.ascontiguousarray(spool.array(), dtype=np.float32))
    spool.close()
    lexical = BM25Store.build(_Passages(table, docs))
    return table, dense, lexical, counts


def _with_segment(
    previous: Index,
    written: Sequence[Document],
    touched: Sequence[Document],
    report: UpdateReport,
    embedder: Embedder,
    chunker: ChunkerSettings,
    sources: list[dict],
    excluded: list[str],
    dense_factory: Callable | None,
    consume: bool,
) -> Index:
    """``previous`` with the documents ``written`` (added, changed or read anew) in a new delta segment and the
    removed ones dead, and the records of ``touched`` (read again, same text) renewed: nothing of the rest is
    read, copied or rewritten. Past :data:`rag.segments.MAX_SEGMENTS` segments they are merged into one; past
    :data:`rag.segments.DELTA_SHARE` of the base the result is compacted into a plain index."""
    base, parts, dead_sets, records = previous._parts()
    dead = [set(d) for d in dead_sets]
    documents = previous.documents
    part_of = getattr(documents, "part_of", None) or (lambda doc_id: 0 if doc_id in documents else None)
    for doc_id in [*report.removed, *(d.id for d in written)]:
        part = part_of(doc_id)
        if part is not None:
            dead[part].add(doc_id)
    names = [r["name"] for r in records]
    seg_docs = {d.id: d for d in sorted(written, key=lambda d: d.id)}
    pending = None
    counts: dict[str, int] = {}
    if seg_docs:
        table, dense, lexical, counts = _segment_of(seg_docs, embedder, chunker)
        report.embedded_chunks = len(table)
        pending = (seg.new_name(), seg_docs, table, dense, lexical)
        parts.append((seg_docs, table, dense, lexical))
        dead.append(set())
        names.append(pending[0])
    docs, chunks, vectors, lexical_all = seg.assemble(base, parts, [frozenset(d) for d in dead])
    # the records the base's do not hold: the segments' documents', and the renewed ones of touched documents
    entries = {k: v for k, v in (previous._state or {}).get("documents", {}).items() if k in docs}
    entries.update(_document_entries(seg_docs, [], counts, previous))
    touched_counts = {d.id: len(chunks.rows_of(d.id)) for d in touched}
    entries.update(_document_entries({d.id: d for d in touched}, [], touched_counts, previous))
    state = {
        "version": seg.STATE_VERSION,
        "base": previous._base[1],
        "segments": records,
        "dead": {name: sorted(d) for name, d in zip(["base", *names], dead, strict=True) if d},
        "documents": entries,
        "sources": sources,
        "excluded": excluded,
        "n_chunks": chunks.live_count(),
    }
    manifest = seg.merged_manifest(previous._base[0], state)
    manifest["segments"] = names
    index = Index(docs, chunks, vectors, lexical_all, manifest)
    index._state, index._segment, index._base, index._folder = state, pending, previous._base, previous._folder
    index._base_stat = previous._base_stat
    index._touched = list(touched)
    delta_rows = sum(len(p[1]) for p in parts)
    if delta_rows > seg.DELTA_SHARE * len(base[1]):
        return index.compacted(_plain_factory(dense_factory), consume)
    if len(parts) > seg.MAX_SEGMENTS:
        return index._segments_merged()
    return index


def _table_of(previous: Index) -> ChunkTable | None:
    """``previous``'s chunks as a table (an index of format 1 or 2 kept them in a list, over documents held in
    memory), or None when they do not make one (then every document is chunked again)."""
    if isinstance(previous.chunks, ChunkTable):
        return previous.chunks
    try:
        return ChunkTable.from_chunks(previous.all_documents(), previous.chunks)
    except ValueError:
        return None


def _reusable(old: Document, doc: Document) -> bool:
    """``doc``'s chunks are those of its previous version ``old``: same file and text."""
    return old.sha256 == doc.sha256 and old.text == doc.text


class _Documents(Mapping[str, Document]):
    """An update's documents by id: the previous index's kept ones (read from it by id, when asked) and the
    ones given; iterated in id order (the chunk table's document order)."""

    def __init__(self, previous: Mapping[str, Document], kept: Sequence[str], given: Mapping[str, Document]):
        self._previous, self._given = previous, given
        self._ids = sorted([*kept, *given])
        self._set = frozenset(self._ids)

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id in self._given:
            return self._given[doc_id]
        if doc_id not in self._set:
            raise KeyError(doc_id)
        return self._previous[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _progress(total: int, embedder: str, show: bool):
    return tqdm(
        total=total,
        desc=f"indexing ({embedder})",
        unit="doc",
        disable=not show or not sys.stderr.isatty(),
        file=sys.stderr,
    )


class _Passages(Sequence[str]):
    """Row ``i``'s passage (title, section and text in the matching view), made when it is read."""

    def __init__(self, chunks: ChunkTable, documents: Mapping[str, Document]):
        self._chunks, self._documents = chunks, documents

    def __len__(self) -> int:
        return len(self._chunks)

    def __getitem__(self, i):  # type: ignore[override]
        chunk = self._chunks[i]
        return matching_passage(self._documents[chunk.doc_id], chunk)


def ann_threshold_of(dense_settings: dict) -> int:
    """The corpus size above which the settings' ``auto`` vector store is approximate."""
    return int(dense_settings.get("ann_threshold", 50_000))


def built_alike(manifest: dict, chunker: ChunkerSettings, dense_settings: dict) -> bool:
    """The index ``manifest`` describes was built as one built now would be: same format, cleaning rules,
    chunker, normalisation and vector-store settings (so an update that changes no document may keep it)."""
    return (
        manifest.get("format_version") == FORMAT_VERSION
        and manifest.get("cleaning") == CLEANING_VERSION
        and manifest.get("chunker") == chunker.as_dict()
        and manifest.get("normalization") == describe_normalization()
        and manifest.get("dense_settings") == dense_settings
    )


def _same_document(old: Document | None, new: Document) -> bool:
    """The same document as indexed, whatever the file's recorded size and time (a file read again only because
    its time was too recent to trust is no change, and worth no rewrite of the index)."""
    if old is None or old is new:
        return old is new
    return old == new.model_copy(update={"file_size": old.file_size, "file_mtime_ns": old.file_mtime_ns})


_ENTRY_KEYS = ("source", "root", "format", "sha256", "chunks", "indexed_at", "size", "mtime_ns")


def _document_entries(
    docs: Mapping[str, Document], kept: Sequence[str], counts: dict[str, int], previous: Index | None
) -> dict:
    """The manifest's per-document record; ``indexed_at`` is kept for documents that did not change. A kept
    document's record is copied from ``previous``'s manifest (the document is not read) when it is whole."""
    old = previous.manifest.get("documents", {}) if previous is not None else {}
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    entries = {}
    kept_set = frozenset(kept)
    for doc_id in docs:
        before = old.get(doc_id) or {}
        if doc_id in kept_set and all(k in before for k in _ENTRY_KEYS) and before["chunks"] == counts.get(doc_id, 0):
            entries[doc_id] = {k: before[k] for k in _ENTRY_KEYS}
            continue
        d = docs[doc_id]
        unchanged = before.get("sha256") == d.sha256 and before.get("indexed_at")
        entries[d.id] = {
            "source": d.source,
            "root": d.source_root,
            "format": d.format,
            "sha256": d.sha256,
            "chunks": counts.get(d.id, 0),
            "indexed_at": before["indexed_at"] if unchanged else now,
            "size": d.file_size,
            "mtime_ns": d.file_mtime_ns,
        }
    return entries


def _migrate_v1(folder: Path, documents: list[Document], chunks: list[Chunk], rebuild: str):
    """Documents of a format-1 index get extension-keeping ids (from their recorded source file name).

    Format 1 dropped extensions, so ``a.txt`` and ``a.html`` could share one id and leave chunks pointing
    into the wrong text: such an index cannot be repaired and must be rebuilt from its files.
    """
    ids: dict[str, str] = {}
    migrated = []
    for d in documents:
        upload = d.source.startswith(f"{UPLOADS_FOLDER}/")
        new_id = doc_id_for(d.source.split("/", 1)[1] if upload else d.source, UPLOAD_TAG if upload else None)
        if d.id in ids:
            raise IndexCorrupt(
                f"{folder} was built by an older version that gave two files the id {d.id!r}; "
                f"{rebuild} and index your files again (`rag index YOUR_FOLDER --index-dir {folder}`)"
            )
        ids[d.id] = new_id
        migrated.append(d.model_copy(update={"id": new_id, "source_root": UPLOAD_TAG if upload else d.source_root}))
    by_id = {d.id: d for d in migrated}
    new_chunks = []
    for c in chunks:
        new_id = ids.get(c.doc_id)
        doc = by_id.get(new_id) if new_id else None
        if doc is None or doc.text[c.start : c.end] != c.text:
            raise IndexCorrupt(f"{folder}: chunk {c.id} does not match its document; {rebuild}")
        new_chunks.append(c.model_copy(update={"doc_id": new_id, "id": c.id.replace(c.doc_id, new_id, 1)}))
    log.warning("%s: index format 1 read; document ids now keep their extension (saved by the next update)", folder)
    return migrated, new_chunks


def disk_stamp(folder: Path) -> tuple:
    """What identifies the index saved in ``folder``: its manifest's and its segments' state's file (inode, size,
    time); every save replaces one of them by a rename, so any save changes it."""
    out = []
    for path in (Path(folder) / MANIFEST, Path(folder) / seg.STATE):
        try:
            st = path.stat()
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def saved_manifest(folder: Path) -> dict:
    """The manifest of the index saved in ``folder`` as a load sees it: the base's, with its delta segments'
    records, sources and exclusions (read without loading the index).

    Raises:
        OSError, ValueError: no readable manifest. IndexCorrupt: an unreadable segments' state.
    """
    manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    state = seg.read_state(folder) if manifest.get("format_version") == FORMAT_VERSION else None
    if state is not None and state.get("base") == seg.manifest_id(manifest):
        manifest = seg.merged_manifest(manifest, state)
    return manifest


def read_sources(folder: Path) -> list[dict]:
    """The source roots recorded for the index in ``folder`` (from its manifest and segments, else
    ``sources.json``)."""
    folder = Path(folder)
    for name, key in ((MANIFEST, "sources"), (SOURCES, None)):
        try:
            data = saved_manifest(folder) if name == MANIFEST else json.loads((folder / name).read_text("utf-8"))
        except (OSError, ValueError, IndexCorrupt):
            continue
        found = data.get(key) if key and isinstance(data, dict) else data
        if isinstance(found, list) and found:
            return [s for s in found if isinstance(s, dict) and "root" in s]
    return []


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
    """Remove temporary folders left by killed writers, and delta segments no state names (call while holding
    the write lock)."""
    folder = Path(folder)
    try:
        seg.collect(folder, seg.read_state(folder))
    except (IndexCorrupt, OSError):
        pass
    for stale in [*folder.parent.glob(f".{folder.name}.tmp-*"), *folder.parent.glob(f".{folder.name}.old-*")]:
        if (folder / MANIFEST).is_file() or not (stale / MANIFEST).is_file():
            shutil.rmtree(stale, ignore_errors=True)
