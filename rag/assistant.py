"""``Assistant.ask(question, history)``: the one facade the CLI, the UI and the eval runner use."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import ChunkerSettings
from .config import Settings
from .dialogue import needs_context, resolve, resolve_all
from .docstore import view_of
from .documents import CLEANING_VERSION, SUPPORTED_SUFFIXES, UPLOAD_TAG, Recorded, load_corpus, source_root_of
from .embedders import Embedder, load_embedder
from .english import is_english, names_in_chinese, to_chinese
from .errors import DocumentError, InvalidQuestion, RagError
from .index import UPLOADS_FOLDER, Index, UpdateReport, read_sources, remove_stale
from .locking import write_lock
from .normalize import describe as describe_normalization
from .normalize import fold_width, in_script, is_traditional, matching_chunk, to_matching
from .question import analyse
from .retrieval import HybridRetriever
from .schema import Answer, Hit, Quote

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
_LATIN = re.compile(r"[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def clean_question(question: str) -> str:
    """Strip control characters and whitespace; reject what cannot be a question.

    Raises:
        InvalidQuestion: empty, too long, or without a single letter, digit or CJK character.
    """
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    q = _CONTROL.sub("", question).strip()
    if not q:
        raise InvalidQuestion("the question is empty; ask something, e.g. 碑林区帮扶了多少个村")
    if len(q) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(q)} characters long; keep it under {MAX_QUESTION_CHARS}")
    if not re.search(r"[\w\u4e00-\u9fff]", q):
        raise InvalidQuestion("the question has no words in it (only symbols or emoji)")
    return q


def dense_factory(settings: Settings):
    """The vector-store builder the settings ask for (FAISS by default, Milvus with RAG_VECTOR_STORE=milvus)."""
    if settings.vector_store == "milvus":
        from .milvus_store import MilvusStore

        # the rows' BM25 scores go into the collection too: lexical search runs in Milvus
        return lambda matrix, previous=None, lexical=None: MilvusStore.from_vectors(
            matrix, settings.resolved_milvus_uri(), settings.milvus_collection, lexical=lexical
        )
    from .vector_store import FaissStore

    return lambda matrix, previous=None, lexical=None: FaissStore.from_vectors(
        matrix,
        kind=settings.dense_index,
        ann_threshold=settings.ann_threshold,
        previous=previous if isinstance(previous, FaissStore) else None,
        codes=settings.dense_codes,
    )


def dense_settings(settings: Settings) -> dict:
    """The settings the vector store is built from: an index built with others is rebuilt, never reused as is."""
    out = {"vector_store": settings.vector_store, "dense_index": settings.dense_index}
    out["ann_threshold"] = settings.ann_threshold
    if settings.dense_codes != "fp16":  # (absent at the default: indexes saved before the setting are built alike)
        out["dense_codes"] = settings.dense_codes
    if settings.vector_store == "milvus":
        from .milvus_store import LEXICAL_KIND

        out["milvus"] = [settings.resolved_milvus_uri(), settings.milvus_collection, LEXICAL_KIND]
    return out


def load_index(settings: Settings, expected_embedder: str | None = None) -> Index:
    """Load the index in ``settings.index_dir`` (Milvus URI from the settings when one is given)."""
    return Index.load(settings.index_dir, expected_embedder=expected_embedder, milvus_uri=settings.milvus_uri)


def _drop_replaced(previous: Index | None, index: Index) -> None:
    """After a new index is saved, drop the Milvus collection the previous one used."""
    old = getattr(previous, "dense", None) if previous is not None else None
    if old is not None and getattr(old, "kind", None) == "milvus":
        if getattr(index.dense, "collection", None) != old.collection:
            old.drop()


def _root_entry(path: Path) -> dict:
    path = Path(path)
    return {"root": source_root_of(path), "kind": "file" if path.is_file() else "folder"}


def _load_upload_store(settings: Settings, strict: bool) -> tuple[list, list[str]]:
    """The files kept in ``<index dir>/corpus`` (uploads), as documents of the ``upload`` root."""
    from .documents import load_document

    folder = Path(settings.index_dir) / UPLOADS_FOLDER
    docs, warnings = [], []
    if not folder.is_dir():
        return docs, warnings
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        try:
            docs.append(
                load_document(
                    path,
                    source=f"{UPLOADS_FOLDER}/{path.name}",
                    max_bytes=int(settings.max_file_mb * 1e6),
                    root_tag=UPLOAD_TAG,
                    source_root=UPLOAD_TAG,
                )
            )
        except DocumentError as exc:
            if strict:
                raise
            warnings.append(str(exc))
    return docs, warnings


def build_index(
    paths: Sequence[Path],
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    strict: bool = False,
    show_progress: bool = True,
) -> tuple[Index, UpdateReport, list[str]]:
    """Build or update the index in ``settings.index_dir`` from ``paths`` and save it.

    ``paths`` are source roots (folders or files). Each one given is synced: its new and changed files are
    (re)indexed and documents whose file is gone are removed; documents of other recorded roots stay.
    With no ``paths``, every recorded root (and the upload store) is synced — with ``rebuild`` too, so a
    rebuild restores the user's own documents, never silently the seeds. A new index with no ``paths``
    is built from the bundled seeds.

    Returns:
        The index, what changed, and warnings for skipped files.

    Raises:
        DocumentError: a path is missing, two files would share an id, or nothing could be indexed.
    """
    embedder = embedder or load_embedder(settings.embedder, settings)
    index_dir = Path(settings.index_dir)
    with write_lock(index_dir):
        remove_stale(index_dir)
        previous = None
        if Index.exists(index_dir):
            previous = load_index(settings, expected_embedder=embedder.name) if not rebuild else None
        recorded = previous.sources if previous is not None else read_sources(index_dir)
        explicit = bool(paths)
        if explicit:
            roots = [_root_entry(p) for p in paths]
        else:
            roots = [r for r in recorded if r.get("kind") != "upload"]
            missing = [r["root"] for r in roots if not Path(r["root"]).exists()]
            if missing:
                raise DocumentError(
                    f"recorded source {missing[0]} no longer exists; index the folder where the documents are now "
                    f"(`rag index NEW_FOLDER --index-dir {index_dir}`)"
                )
            if not roots and not (index_dir / UPLOADS_FOLDER).is_dir():
                roots = [_root_entry(settings.seeds_dir)]
            paths = [Path(r["root"]) for r in roots]
        max_bytes = int(settings.max_file_mb * 1e6)
        # files whose size and time are still those recorded are not read again (same cleaning rules only), and
        # their documents are not read from the index either: the update keeps them as they are
        entries = _recorded_entries(previous)
        known: dict = {}
        if previous is not None and previous.manifest.get("cleaning") == CLEANING_VERSION:
            if entries is not None:
                known = {
                    (e["root"], e["source"]): Recorded(doc_id, e["size"], e["mtime_ns"])
                    for doc_id, e in entries.items()
                    if e.get("size") is not None and e.get("mtime_ns") is not None
                }
            else:  # an index that did not record every file: its documents are read
                known = {
                    (d.source_root, d.source): d
                    for d in previous.all_documents().values()
                    if d.file_mtime_ns is not None
                }
        unchanged: list[str] = []
        docs, warnings = (
            load_corpus(paths, max_bytes=max_bytes, strict=strict, known=known, unchanged=unchanged)
            if paths
            else ([], [])
        )
        # Uploads live in the index folder: a re-sync or a rebuild reads them again, an added folder leaves them.
        sync_uploads = not explicit or rebuild
        if sync_uploads:
            up_docs, up_warnings = _load_upload_store(settings, strict)
            docs += up_docs
            warnings += up_warnings
        if not docs and not unchanged and warnings:
            raise DocumentError(f"nothing could be indexed: {len(warnings)} file(s) skipped ({warnings[0]})")
        if not docs and not (previous and previous.documents):
            raise DocumentError(
                f"no documents found in {', '.join(str(p) for p in paths) or 'the recorded sources'} "
                f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
            )
        synced_roots = {r["root"] for r in roots} | ({UPLOAD_TAG} if sync_uploads else set())
        if not explicit and previous is not None:
            excluded = set(previous.manifest.get("excluded", []))
            docs = [d for d in docs if d.id not in excluded]
            unchanged = [doc_id for doc_id in unchanged if doc_id not in excluded]
        loaded = {d.id for d in docs} | set(unchanged)
        if entries is not None:
            held = [(doc_id, e["root"], e["source"]) for doc_id, e in entries.items()]
        else:
            held = [(d.id, d.source_root, d.source) for d in previous.all_documents().values()] if previous else []
        remove = [
            doc_id
            for doc_id, root, source in held
            if root in synced_roots and doc_id not in loaded and not _still_there(root, source, index_dir)
        ]
        sources = _merge_sources(recorded if not (rebuild and explicit) else [], roots, docs)
        index, report = _build_and_save(
            docs, settings, embedder, previous, show_progress, remove, sources, unchanged=unchanged
        )
    return index, report, warnings


def unchanged_on_disk(paths: list[Path], settings: Settings, embedder: Embedder | None = None) -> UpdateReport | None:
    """A no-op ``rag index`` found from the manifest alone, without loading the index: every file under the
    sources has the size and time recorded for its document, no file was added or removed, and the chunker,
    normalisation, cleaning rules, embedder and vector-store settings are those of the index. Returns the
    report of that no-op, or None when anything may have changed (then :func:`build_index` decides).

    At 1M chunks loading the index alone would take longer than the whole check: this costs a ``stat`` per
    file and one JSON read.
    """
    from .documents import file_stamp, iter_corpus_files
    from .index import built_alike, saved_manifest

    t0 = time.perf_counter()
    index_dir = Path(settings.index_dir)
    try:
        manifest = saved_manifest(index_dir)  # (with its delta segments' records)
    except (OSError, ValueError, RagError):
        return None
    embedder = embedder or load_embedder(settings.embedder, settings)
    chunker = ChunkerSettings(settings.chunk_size, settings.chunk_overlap)
    if (
        not built_alike(manifest, chunker, dense_settings(settings))
        or manifest.get("embedder", {}).get("name") != embedder.name
        or (index_dir / UPLOADS_FOLDER).is_dir()  # uploads are synced by build_index
    ):
        return None
    recorded = manifest.get("sources", [])
    if paths:
        roots = [_root_entry(p) for p in paths]
        if any(r not in recorded for r in roots):
            return None  # a folder not indexed before
    else:
        roots = recorded
    if not roots or any(r.get("kind") == "upload" or not Path(r["root"]).exists() for r in roots):
        return None
    synced = {r["root"] for r in roots}
    excluded = set(manifest.get("excluded", []))
    entries = {
        (e.get("root"), e.get("source")): e
        for doc_id, e in manifest.get("documents", {}).items()
        if e.get("root") in synced and doc_id not in excluded
    }
    try:
        files = iter_corpus_files([Path(r["root"]) for r in roots], as_paths=False)
    except RagError:
        return None
    if len(files) != len(entries):
        return None
    now = time.time()
    for path, source, root in files:
        entry = entries.get((root, source))
        if entry is None or entry.get("mtime_ns") is None:
            return None
        try:
            size, mtime_ns = file_stamp(path, now)
        except OSError:
            return None
        if (entry.get("size"), entry.get("mtime_ns")) != (size, mtime_ns):
            return None
    documents = manifest.get("documents", {})
    return UpdateReport(
        unchanged=sorted(documents), total_chunks=int(manifest.get("n_chunks", 0)), seconds=time.perf_counter() - t0
    )


def _still_there(source_root: str | None, source: str, index_dir: Path) -> bool:
    """True when a document's file still exists (a file that failed to load keeps its last indexed version)."""
    if source_root == UPLOAD_TAG:
        return (index_dir / source).is_file()
    if not source_root:
        return False
    root = Path(source_root)
    return (root if root.is_file() else root / source).is_file()


def _recorded_entries(previous: Index | None) -> dict[str, dict] | None:
    """The manifest's record of each of ``previous``'s documents (source root, source, size, time), or None when
    it does not record every one of them (an older index): then its documents are read instead."""
    if previous is None:
        return None
    entries = previous.manifest.get("documents")
    if not isinstance(entries, dict) or len(entries) != len(previous.documents):
        return None
    if not all(isinstance(e, dict) and "root" in e and "source" in e for e in entries.values()):
        return None
    if any(doc_id not in entries for doc_id in previous.documents):
        return None
    return entries


def _merge_sources(recorded: list[dict], roots: list[dict], docs) -> list[dict]:
    merged = {r["root"]: r for r in recorded}
    for r in roots:
        merged[r["root"]] = r
    if any(d.source_root == UPLOAD_TAG for d in docs) or UPLOAD_TAG in merged:
        merged[UPLOAD_TAG] = {"root": UPLOAD_TAG, "kind": "upload"}
    return list(merged.values())


def _build_and_save(
    docs, settings: Settings, embedder: Embedder, previous, show_progress, remove=(), sources=None, unchanged=()
):
    chunker = ChunkerSettings(settings.chunk_size, settings.chunk_overlap)
    index, report = Index.build(
        docs,
        embedder,
        chunker,
        previous=previous,
        show_progress=show_progress,
        dense_factory=dense_factory(settings),
        remove=remove,
        sources=sources,
        unchanged=unchanged,
        dense_settings=dense_settings(settings),
        consume_previous=True,  # loaded for this update alone: its vector index may be changed in place
    )
    if index is not previous:  # a no-op returns the previous index itself: nothing to write
        index.save(settings.index_dir)
        _drop_replaced(previous, index)
    return index, report


@dataclass(frozen=True)
class MatchingView:
    """An index with every document in its matching view (simplified script, folded width; same offsets).

    The answer builder works on ``index``; :func:`in_original` puts the stored text back into its answer.
    """

    index: Index
    converted: Callable[[str], bool]  # document id → its script was converted
    _corpus: list[str] = field(default_factory=list)  # the view's documents joined, once asked for

    @classmethod
    def of(cls, index: Index) -> MatchingView:
        # a saved index's store reads each document's view when a query needs it; documents held in memory
        # (an index just built) are converted here
        docs, converted = view_of(index.documents)
        return cls(Index(docs, index.chunks, index.dense, index.lexical, index.manifest), converted)

    @property
    def corpus_text(self) -> str:
        """The view's documents joined, for matching pinyin names (read once, when a question has Latin letters)."""
        if not self._corpus:
            documents = self.index.documents
            text = getattr(documents, "text_of_all", None)
            self._corpus.append(text() if text is not None else "\n".join(d.text for d in documents.values()))
        return self._corpus[0]

    def hits(self, hits: list[Hit]) -> list[Hit]:
        """The hits with their chunks in the matching view of their documents."""
        out = []
        for h in hits:
            doc_id = h.chunk.doc_id
            chunk = matching_chunk(h.chunk, self.index.document(doc_id), self.converted(doc_id))
            out.append(h if chunk is h.chunk else h.model_copy(update={"chunk": chunk}))
        return out


def in_original(answer: Answer, index: Index, hits: list[Hit], traditional: bool) -> Answer:
    """The answer built on the matching view, with its quotes re-sliced from the stored documents, the
    original hits, and its text in the asker's script.

    Raises:
        RuntimeError: a quote is not an exact slice of its stored document (a bug; never shown).
    """

    def original(q: Quote) -> Quote:
        doc = index.document(q.doc_id)
        quote = Quote.from_document(doc, q.start, q.end)
        if not quote.matches(doc):
            raise RuntimeError(f"quote {q.start}:{q.end} of {q.doc_id} failed verification")
        return quote

    quotes = [original(q) for q in answer.quotes]
    text = restore_width(answer.answer, [(v.text, o.text) for v, o in zip(answer.quotes, quotes, strict=True)])
    return answer.model_copy(
        update={
            "answer": in_script(text, traditional),
            "quotes": quotes,
            "related": [original(q) for q in answer.related],
            "hits": hits,
        }
    )


def restore_width(text: str, pairs: list[tuple[str, str]]) -> str:
    """``text`` (from the matching view) with the characters width folding changed put back as the quoted
    documents write them (，（１２） stay full-width), so a short answer reads like its quote; script
    conversion (t2s) is not undone here: the asker's script decides that."""
    for view, orig in pairs:  # the answer is a slice of a quote: take the same slice of the original
        pos = view.find(text)
        if pos >= 0 and text:
            same_script = all(
                v == o or fold_width(o) == v
                for v, o in zip(view[pos : pos + len(text)], orig[pos : pos + len(text)], strict=True)
            )
            if same_script:
                return orig[pos : pos + len(text)]
    back: dict[str, str] = {}
    for view, orig in pairs:
        for v, o in zip(view, orig, strict=False):
            if v != o and fold_width(o) == v:
                back.setdefault(v, o)
    return "".join(back.get(c, c) for c in text) if back else text


class Assistant:
    """Loads (or first builds) the index once, then answers questions against it."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.retriever = HybridRetriever(index, embedder, rrf_k=settings.rrf_k, fusion=settings.fusion)
        self._view: MatchingView | None = None  # made on the first question
        # Guards the swap of index/retriever/view: writers hold it, queries take a snapshot.
        self.lock = threading.RLock()
        if index.manifest.get("normalization") != describe_normalization():
            log.warning(
                "the index in %s was built without this version's text normalisation (traditional/simplified, "
                "width); run `rag index` to re-index it",
                settings.index_dir,
            )

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        build_if_missing: bool = True,
        chinese: bool = False,
    ) -> Assistant:
        """Load the index at ``settings.index_dir``; build it from the bundled seeds if there is none.

        ``build_if_missing=False`` (an index folder the user named) never builds the seeds: a missing or
        empty folder is an error that says how to index the user's documents into it. ``chinese``: the notices
        of a first build are written in Chinese (the user asked in Chinese).

        Raises:
            IndexNotFound: no index (and ``build_if_missing`` is false), or the folder holds documents.
            EmbedderMismatch: the index was built by another embedder than ``settings.embedder``.
            IndexCorrupt: the index cannot be loaded.
        """
        settings = settings or Settings()
        folder = Path(settings.index_dir)
        if not Index.exists(folder):
            holds_other_things = folder.is_dir() and any(
                not p.name.startswith(".") and p.name != "README.md" for p in folder.iterdir()
            )
            if not build_if_missing or holds_other_things:
                load_index(settings)  # raises IndexNotFound with the message for this folder
            if chinese:
                notice = f"{folder} 里还没有索引，正在用内置文章（{settings.seeds_dir}）建立，只在第一次运行时需要…"
            else:
                notice = f"No index in {folder}; building it from {settings.seeds_dir} (first run only)…"
            print(notice, file=sys.stderr)
            embedder = embedder or load_embedder(settings.embedder, settings)
            index, report, _ = build_index([settings.seeds_dir], settings, embedder=embedder)
            if chinese:
                done = (
                    f"索引已建好：{len(report.added)} 篇文章，{report.total_chunks} 个片段，"
                    f"用时 {report.seconds:.1f} 秒"
                )
            else:
                done = f"Index built: {report.summary()}"
            print(done, file=sys.stderr)
            return cls(index, embedder, settings)
        index = load_index(settings, expected_embedder=settings.embedder)
        embedder = embedder or load_embedder(settings.embedder, settings)
        return cls(index, embedder, settings)

    def add_documents(
        self, paths: Sequence[Path], sources: Sequence[str] | None = None, upload: bool = False
    ) -> UpdateReport:
        """Load, index and save ``paths`` (all or nothing), then answer from the updated index at once.

        Queries wait while the index is swapped. ``sources`` names the files in quotes (default: file name).
        ``upload``: the files are uploads kept in ``<index dir>/corpus`` (ids ``upload:NAME``).

        Raises:
            DocumentError: a file is unsupported, too large, binary or undecodable, or two files would share
                an id; nothing is changed.
        """
        from .documents import load_document

        max_bytes = int(self.settings.max_file_mb * 1e6)
        docs = []
        for i, p in enumerate(paths):
            p = Path(p)
            source = sources[i] if sources else None
            if upload:
                docs.append(
                    load_document(
                        p,
                        source=source or f"{UPLOADS_FOLDER}/{p.name}",
                        max_bytes=max_bytes,
                        root_tag=UPLOAD_TAG,
                        source_root=UPLOAD_TAG,
                    )
                )
            else:
                docs.append(load_document(p, source=source, max_bytes=max_bytes, source_root=source_root_of(p)))
        if upload:
            # the id comes from the file name alone, not from the "corpus/" display path
            docs = [d.model_copy(update={"id": f"{UPLOAD_TAG}:{Path(d.source).name}"}) for d in docs]
        with self.lock, write_lock(self.settings.index_dir):
            remove_stale(self.settings.index_dir)
            self._read_if_saved_elsewhere()
            sources_now = self.index.sources
            if upload and not any(s.get("kind") == "upload" for s in sources_now):
                sources_now.append({"root": UPLOAD_TAG, "kind": "upload"})
            if not upload:
                sources_now += [
                    {"root": d.source_root, "kind": "file"}
                    for d in docs
                    if d.source_root not in {s["root"] for s in sources_now}
                ]
            index, report = Index.build(
                docs,
                self.embedder,
                ChunkerSettings(self.settings.chunk_size, self.settings.chunk_overlap),
                previous=self.index,
                dense_factory=dense_factory(self.settings),
                sources=sources_now,
                dense_settings=dense_settings(self.settings),  # an IVF index is updated, not refilled
            )
            index.save(self.settings.index_dir)
            _drop_replaced(self.index, index)
            self.replace_index(index)
        return report

    def documents(self) -> list[dict]:
        """The indexed documents, one row each (see :meth:`Index.listing`)."""
        with self.lock:
            return self.index.listing()

    def remove_documents(self, doc_ids: Sequence[str], alone: bool = False) -> UpdateReport:
        """Remove documents from the index (atomically, under the writer lock) and their uploaded copies.

        A removed document of an indexed folder stays out when the index is re-synced, until that folder
        is indexed again by name. ``alone``: no question is answered from this assistant meanwhile (``rag
        remove``), so its IVF index may be changed where it lies instead of copied.

        Raises:
            DocumentError: an id is not in the index (nothing is changed).
        """
        doc_ids = list(dict.fromkeys(doc_ids))
        with self.lock, write_lock(self.settings.index_dir):
            remove_stale(self.settings.index_dir)
            self._read_if_saved_elsewhere()
            unknown = [d for d in doc_ids if d not in self.index.documents]
            if unknown:
                raise DocumentError(f"no document {unknown[0]!r} in the index; `rag docs` lists the ids")
            uploads = [self.index.documents[d] for d in doc_ids if self.index.documents[d].source_root == UPLOAD_TAG]
            index, report = Index.build(
                [],
                self.embedder,
                ChunkerSettings(self.settings.chunk_size, self.settings.chunk_overlap),
                previous=self.index,
                dense_factory=dense_factory(self.settings),
                exclude=[d for d in doc_ids if d not in {u.id for u in uploads}],
                remove=doc_ids,
                dense_settings=dense_settings(self.settings),  # an IVF index is updated, not refilled
                consume_previous=alone,
            )
            index.save(self.settings.index_dir)
            _drop_replaced(self.index, index)
            self.replace_index(index)
            for doc in uploads:  # after the index no longer refers to them
                (Path(self.settings.index_dir) / doc.source).unlink(missing_ok=True)
        return report

    def _read_if_saved_elsewhere(self) -> None:
        """Before an update (holding the write lock): when another process saved the index since this assistant
        read it (a `rag index` beside a running server), read it again, so that the update builds on what is saved
        and does not drop the other's change."""
        folder = Path(self.settings.index_dir)
        if self.index.current_on_disk(folder) or not Index.exists(folder):
            return
        log.info("the index in %s was updated by another process; reading it again before this update", folder)
        self.replace_index(load_index(self.settings, expected_embedder=self.embedder.name))

    def replace_index(self, index: Index) -> None:
        with self.lock:
            self.index = index
            self.retriever = HybridRetriever(
                index, self.embedder, rrf_k=self.settings.rrf_k, fusion=self.settings.fusion
            )
            self._view = None

    def _snapshot(self) -> tuple[Index, HybridRetriever, MatchingView]:
        """The index, its retriever and its matching view, consistent with each other."""
        with self.lock:
            if self._view is None:
                self._view = MatchingView.of(self.index)
            return self.index, self.retriever, self._view

    def retrieve(
        self, query: str, top_k: int | None = None, hybrid: bool | None = None, exclude_doc_ids: Collection[str] = ()
    ):
        """The retrieval step alone: hits for ``query`` (used by the eval runner for recall@k)."""
        hybrid = self.settings.hybrid if hybrid is None else hybrid
        with self.lock:
            retriever = self.retriever
        return retriever.search(
            query, top_k=top_k or self.settings.top_k, hybrid=hybrid, exclude_doc_ids=exclude_doc_ids
        ).hits

    def warm_up(self) -> None:
        """Load what the first questions would otherwise load (jieba's dictionary, its tag table, the pinyin
        index of the corpus, OpenCC's tables, the embedder's pages) by answering two throwaway questions, one of
        each language (the Chinese one in traditional script). A server calls this before it listens, so its
        first users do not wait for it."""
        for question in ("這裡說了什麼？", "What does it say?"):
            try:
                self.ask(question)
            except RagError as exc:  # warming is best effort: a server still starts, and says why
                log.warning("warm-up question %r failed: %s", question, exc)

    @staticmethod
    def _clarify(question: str, target: str, traditional: bool, t0: float) -> Answer:
        """The reply to a bare follow-up asked first (那雁塔区呢？): which subject does it mean?"""
        text = (
            f"您想问“{target}”的什么？前面还没有可以接着问的问题，请把问题问完整，说出要问{target}的哪一方面。"
            if target
            else "您想接着问什么？前面还没有可以接着问的问题，请把问题问完整。"
        )
        return Answer(
            question=question,
            answer=in_script(text, traditional),
            abstained=True,
            confidence=0.0,
            explanation={"abstain_reason": "needs_context", "follow_up_of_nothing": target},
            timings_ms={"total": (time.perf_counter() - t0) * 1000},
        )

    def ask(
        self,
        question: str,
        history: Sequence[str] | None = None,
        top_k: int | None = None,
        hybrid: bool | None = None,
        threshold: float | None = None,
        exclude_doc_ids: Collection[str] = (),
    ) -> Answer:
        """Answer ``question``; ``history`` is the earlier questions of the conversation, oldest first.

        ``exclude_doc_ids``: documents retrieval never returns (``rag eval --squad --drop-gold`` asks a
        question without its own paragraph). Only retrieval leaves them out: the answer builder's
        corpus-wide checks (is a place named anywhere, term IDF) still see the whole index.

        Raises:
            InvalidQuestion: the question is empty, too long or has no words.
        """
        t0 = time.perf_counter()
        question = clean_question(question)
        top_k = top_k or self.settings.top_k
        hybrid = self.settings.hybrid if hybrid is None else hybrid
        threshold = self.settings.abstain_threshold if threshold is None else threshold
        # Take a consistent snapshot of the index; an upload swaps it under the lock, queries run in parallel.
        index, retriever, view = self._snapshot()
        t = time.perf_counter()
        # Everything is matched in the matching view (simplified script, folded width); quotes come from
        # the stored text, and the answer is given in the asker's script.
        traditional = is_traditional(question)
        earlier = [to_matching(clean_question(h)) for h in history or [] if h and h.strip()]
        if not earlier and (target := needs_context(to_matching(question))) is not None:
            return self._clarify(question, target, traditional, t0)
        resolved = resolve(to_matching(question), resolve_all(earlier))
        query = dense_query = resolved
        if is_english(resolved):
            query = to_chinese(resolved, view.corpus_text)
            dense_query = f"{query} {resolved}"
        elif _LATIN.search(resolved):  # romanised names (beilin帮扶了几个村): the corpus is read for them
            query = dense_query = names_in_chinese(resolved, view.corpus_text)
        analysis = analyse(query)
        if is_english(resolved):
            analysis.language = "en"  # the confidence knows an English question's terms are translations
        analyse_ms = (time.perf_counter() - t) * 1000
        retrieval = retriever.search(
            dense_query, top_k=top_k, hybrid=hybrid, lexical_query=query, exclude_doc_ids=exclude_doc_ids
        )
        t = time.perf_counter()
        from .answering import build_answer  # not imported by `rag index`: a no-op costs its imports

        answer = build_answer(analysis, question, view.hits(retrieval.hits), view.index, threshold)
        answer = in_original(answer, index, retrieval.hits, traditional)
        answer_ms = (time.perf_counter() - t) * 1000
        timings = {"analyse": analyse_ms, **retrieval.timings_ms, "answer": answer_ms}
        timings["total"] = (time.perf_counter() - t0) * 1000
        return answer.model_copy(
            update={"timings_ms": timings, "resolved_question": query if query != question else None}
        )
