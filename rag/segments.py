"""Delta segments: an update that writes its change, not the corpus.

A saved index is a *base* (the folder :meth:`rag.index.Index.save` writes whole) plus, after small updates, a
few *delta segments* in ``<index>/segments/<name>/``, each a small index of its own (its documents' SQLite
database, chunk table, flat FAISS vectors and BM25 arrays) of the documents an update added or changed, and
the ids whose earlier version is *dead* (removed, or replaced by a later segment). ``segments.json`` lists the
live segments, the dead ids of each, the manifest's per-document records of the segments' documents and the
sources and exclusions; replacing that one small file (write, then rename) is the update's commit, so a kill at
any moment leaves either the state before or the state after, and unreferenced segment folders are removed by
the next writer. The base's files are never touched by a delta.

Queries see one index: rows are numbered base first, then each segment's in order (dead rows keep their
numbers and are never returned). Dense search runs on each part and merges by score, the base's dead rows
filtered by a FAISS id selector. BM25 is scored at query time with the corpus-wide statistics of the live rows
(N, each word's document frequency summed over the parts less the dead rows', the mean length), from each
entry's term frequency: the scores are a rebuild's to float32 rounding, whatever the split (tests check them).

When there are more than :data:`MAX_SEGMENTS` segments, the update merges them into one (their live rows'
vectors and token ids reused: the segments' size of work, the base untouched). When the segments hold more than
:data:`DELTA_SHARE` of the base's rows, the update *compacts*: base and segments are merged into one plain index
(vectors and BM25 token ids reused, nothing re-embedded or re-tokenised; an IVF base keeps its lists) and the
folder is rewritten as before.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .chunk_table import COLUMNS, ChunkTable
from .docstore import FILE as DOCUMENTS_DB
from .docstore import DocumentStore
from .docstore import write as write_documents
from .errors import IndexCorrupt
from .lexical import K1, B, BM25Store, top_rows
from .normalize import to_matching
from .schema import Chunk, Document
from .textutil import background_share, bm25_tokens
from .vector_store import FaissStore, _faiss

STATE = "segments.json"
FOLDER = "segments"
STATE_VERSION = 1
# False: every update rewrites the folder as before segments (kept for the tests of that path)
ENABLED = True
# Deltas while they hold at most a tenth of the base's rows: searching them flat and scoring their BM25 at query
# time stays a small share of a query, and a compaction (the whole corpus' work) comes once per tenth in changes.
DELTA_SHARE = 0.1
# At most this many segments: each adds one flat search and one BM25 pass to every query. Past it the segments
# are merged into one (their own size's work, the base untouched), the way Lucene merges small segments.
MAX_SEGMENTS = 8


def manifest_id(manifest: dict) -> str:
    """The identity of a base: a hash of its files' checksums and the time it was saved (a rebuild gets
    another; an edit of its manifest's other fields keeps it)."""
    key = json.dumps([manifest.get("saved_at"), manifest.get("checksums")], sort_keys=True)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------------- documents
class SegmentedDocuments(Mapping[str, Document]):
    """The live documents of a base and its segments: each id's version is in the one part where it is not dead."""

    def __init__(self, stores: Sequence[Mapping[str, Document]], dead: Sequence[frozenset[str]]):
        self.stores = list(stores)
        self.dead = list(dead)
        self._where: dict[str, int] = {}  # segment documents' part (the base's are looked up in the base)
        for i in range(1, len(self.stores)):
            for doc_id in self.stores[i]:
                if doc_id not in self.dead[i]:
                    self._where[doc_id] = i
        base = self.stores[0]
        self._base_dead = frozenset(d for d in self.dead[0] if d in base) | frozenset(
            d for d in self._where if d in base
        )
        self._len = len(base) - len(self._base_dead) + len(self._where)

    def replaced(self) -> frozenset[str]:
        """The base's documents that are not live there (dead, or replaced by a segment's version)."""
        return self._base_dead

    def part_of(self, doc_id: str) -> int | None:
        """The part (0 the base) holding ``doc_id``'s live version, or None."""
        part = self._where.get(doc_id)
        if part is not None:
            return part
        if doc_id in self.stores[0] and doc_id not in self._base_dead:
            return 0
        return None

    def __getitem__(self, doc_id: str) -> Document:
        part = self.part_of(doc_id)
        if part is None:
            raise KeyError(doc_id)
        return self.stores[part][doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.part_of(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        base = (d for d in self.stores[0] if d not in self._base_dead)
        return heapq.merge(sorted(base), sorted(self._where))

    def __len__(self) -> int:
        return self._len

    def _live(self, part: int) -> Callable[[str], bool]:
        return lambda doc_id: self.part_of(doc_id) == part

    def values(self):  # type: ignore[override]
        """Every live document, part by part (a saved part read a page at a time)."""
        for i, store in enumerate(self.stores):
            live = self._live(i)
            for doc in store.values():
                if live(doc.id):
                    yield doc

    def items(self):  # type: ignore[override]
        return ((d.id, d) for d in self.values())

    # what a saved store offers the answer builder and the matching view, over the live documents
    def matching(self) -> SegmentedDocuments:
        from .docstore import view_of

        pairs = [view_of(store) for store in self.stores]
        out = SegmentedDocuments([view for view, _ in pairs], self.dead)
        out._converted = [converted for _, converted in pairs]  # each part's: was a document's script converted
        return out

    def converted(self, doc_id: str) -> bool:
        part = self.part_of(doc_id)
        if part is None:
            raise KeyError(doc_id)
        return self._converted[part](doc_id)

    def any_text(self, fragment: str, test: Callable[[str], bool] | None = None) -> bool:
        """A live document's text holds ``fragment`` (and passes ``test``): a saved part by one SQL scan that
        stops at the first."""
        for i, store in enumerate(self.stores):
            live = self._live(i)
            if isinstance(store, DocumentStore):
                if store.any_text(fragment, test, live):
                    return True
            elif any(live(doc_id) and (test is None or test(text)) for doc_id, text in _texts(store, fragment)):
                return True
        return False

    def text_of_all(self) -> str:
        """Every live document's text, joined by newlines (part by part)."""
        parts = enumerate(self.stores)
        return "\n".join(text for i, store in parts for doc_id, text in _texts(store, "") if self.part_of(doc_id) == i)


def _texts(store: Mapping[str, Document], fragment: str) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of the documents of ``store`` holding ``fragment`` (a saved store's found by SQL)."""
    texts = getattr(store, "texts", None)
    if texts is not None:
        return texts(fragment)
    return ((doc_id, d.text) for doc_id, d in store.items() if fragment in d.text)


# ---------------------------------------------------------------------------------------------------- chunks
class SegmentedChunks(Sequence[Chunk]):
    """Row ``i`` of the base, then of each segment in turn; dead rows keep their numbers."""

    def __init__(self, tables: Sequence[ChunkTable], documents: SegmentedDocuments):
        self.tables = list(tables)
        self.documents = documents
        self.offsets = np.cumsum([0, *(len(t) for t in self.tables)]).astype(np.int64)
        self._counts: dict[str, int] | None = None
        self._dead: list[np.ndarray | None] = [None] * len(self.tables)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def _locate(self, row: int) -> tuple[int, int]:
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"chunk row {row} out of range")
        part = int(np.searchsorted(self.offsets, row, side="right")) - 1
        return part, row - int(self.offsets[part])

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        part, local = self._locate(row)
        return self.tables[part][local]

    def __iter__(self) -> Iterator[Chunk]:
        return (self[r] for r in range(len(self)))

    def doc_id(self, row: int) -> str:
        part, local = self._locate(row)
        return self.tables[part].doc_id(local)

    def rows_of(self, doc_id: str) -> range:
        part = self.documents.part_of(doc_id)
        if part is None:
            return range(0)
        rows = self.tables[part].rows_of(doc_id)
        off = int(self.offsets[part])
        return range(rows.start + off, rows.stop + off)

    def counts(self) -> dict[str, int]:
        """Chunks per live document (counted once)."""
        if self._counts is None:
            out: dict[str, int] = {}
            for part, table in enumerate(self.tables):
                for doc_id, n in table.counts().items():
                    if self.documents.part_of(doc_id) == part:
                        out[doc_id] = n
            self._counts = out
        return self._counts

    def dead_rows(self, part: int) -> np.ndarray:
        """The rows of ``part`` (its own numbering) whose documents are not live there (for the base, those of
        its few replaced documents: its others are not walked)."""
        if self._dead[part] is None:
            table, docs = self.tables[part], self.documents
            ids = docs.replaced() if part == 0 else table.counts()
            dead = [table.rows_of(d) for d in ids if docs.part_of(d) != part]
            self._dead[part] = (
                np.concatenate([np.arange(r.start, r.stop, dtype=np.int64) for r in dead])
                if dead
                else np.zeros(0, dtype=np.int64)
            )
        return self._dead[part]

    def live_count(self) -> int:
        """Rows of live documents: every row less the dead ones (no document walked)."""
        return len(self) - sum(len(self.dead_rows(i)) for i in range(len(self.tables)))


# ---------------------------------------------------------------------------------------------------- dense
class SegmentedDense:
    """The parts' FAISS stores searched together: each part's best rows (its dead rows filtered), merged by score."""

    def __init__(self, stores: Sequence[FaissStore], offsets: np.ndarray, dead: Sequence[np.ndarray]):
        self.stores = list(stores)
        self.offsets = offsets
        self.dead = list(dead)
        base = self.stores[0]
        self.dim, self.kind, self.params = base.dim, base.kind, base.params
        self._params: list | None = None  # each part's search parameters, made at the first search

    @staticmethod
    def _search_params(store: FaissStore, dead: np.ndarray):
        if not len(dead):
            return None
        faiss = _faiss()
        sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(np.ascontiguousarray(dead, dtype=np.int64)))
        if store.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=sel, nprobe=int(store._index.nprobe))
        elif store.kind == "hnsw":
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=int(store._index.hnsw.efSearch))
        else:
            params = faiss.SearchParameters(sel=sel)
        params._keep = sel  # the selector must live as long as the parameters
        return params

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if self._params is None:  # (reads the base's FAISS file if not read yet: an update never searches)
            self._params = [self._search_params(s, d) for s, d in zip(self.stores, self.dead, strict=True)]
        rows, scores = [], []
        for part, (store, params) in enumerate(zip(self.stores, self._params, strict=True)):
            kk = min(k, len(store))
            if kk <= 0:
                continue
            d, i = store._index.search(q, kk, params=params) if params is not None else store._index.search(q, kk)
            keep = i[0] >= 0
            rows.append(i[0][keep].astype(np.int64) + int(self.offsets[part]))
            scores.append(d[0][keep])
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        all_rows, all_scores = np.concatenate(rows), np.concatenate(scores)
        order = np.argsort(-all_scores, kind="stable")[:k]
        return all_rows[order], all_scores[order]

    def vectors(self) -> np.ndarray:
        return np.concatenate([s.vectors() for s in self.stores]) if self.stores else np.zeros((0, self.dim))

    def describe(self) -> dict:
        return self.stores[0].describe()


# ---------------------------------------------------------------------------------------------------- BM25
class SegmentedLexical:
    """BM25 over the parts' live rows, scored at query time with the corpus-wide statistics."""

    def __init__(self, stores: Sequence[BM25Store], offsets: np.ndarray, dead: Sequence[np.ndarray]):
        self.stores = list(stores)
        self.offsets = offsets
        self.dead = list(dead)
        self._lengths = []
        self._dead_df: list[dict[int, int]] = []
        n_live, total = 0, 0.0
        for store, dead_rows in zip(self.stores, self.dead, strict=True):
            ids, offs = store._row_tokens
            lengths = np.diff(np.asarray(offs)).astype(np.float64)
            self._lengths.append(lengths)
            n_live += len(store) - len(dead_rows)
            total += float(lengths.sum()) - float(lengths[dead_rows].sum())
            counts: dict[int, int] = {}
            for r in dead_rows.tolist():  # each dead row's words, once a row (a word's df counts rows)
                for t in np.unique(np.asarray(ids[offs[r] : offs[r + 1]])).tolist():
                    counts[t] = counts.get(t, 0) + 1
            self._dead_df.append(counts)
        self._n = n_live
        self._avgdl = total / n_live if n_live else 1.0
        # each row's length norm, k1 * (1 - b + b * length / mean length), once (a query gathers it per entry)
        self._norm = [(K1 * ((1 - B) + B * lengths / self._avgdl)).astype(np.float32) for lengths in self._lengths]
        self._dead_global = (
            np.concatenate([d + int(o) for d, o in zip(self.dead, self.offsets[:-1], strict=True)])
            if self.dead
            else np.zeros(0, dtype=np.int64)
        )

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def has_tokens(self) -> bool:
        return all(s.has_tokens() for s in self.stores)

    def _df(self, token: str) -> tuple[int, list[int | None]]:
        df, tids = 0, []
        for store, dead_df in zip(self.stores, self._dead_df, strict=True):
            tid = store._vocab.get(token)
            tids.append(tid)
            if tid is not None:
                df += int(store._indptr[tid + 1] - store._indptr[tid]) - dead_df.get(tid, 0)
        return df, tids

    def scores(self, query: str) -> np.ndarray:
        """Each row's BM25 score: per distinct query word, idf (corpus-wide) × tf / (tf + the row's length norm),
        in float32 (a rebuild's scores to float32 rounding), times the word's count in the query."""
        out = np.zeros(len(self), dtype=np.float32)
        n = self._n
        for token, count in Counter(bm25_tokens(to_matching(query))).items():
            df, tids = self._df(token)
            if df <= 0:
                continue
            idf = np.float32(np.log(1 + (n - df + 0.5) / (df + 0.5)) * count)
            for part, (store, tid) in enumerate(zip(self.stores, tids, strict=True)):
                if tid is None:
                    continue
                a, b = int(store._indptr[tid]), int(store._indptr[tid + 1])
                rows = store._indices[a:b]
                score = store._tf[a:b].astype(np.float32)  # tf, then the score, in place (no temporaries)
                norm = self._norm[part][rows]
                norm += score
                np.divide(score, norm, out=score)
                score *= idf
                out[rows + int(self.offsets[part]) if part else rows] += score
        out[self._dead_global] = 0.0
        return out

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        return top_rows(self.scores(query), k)

    def idf(self, term: str, prior_chunks: float = 0.0, chunk_words: float = 0.0) -> float:
        n = float(max(self._n, 1))
        df = float(max(self._df(term)[0], 0))
        if prior_chunks:
            n += prior_chunks
            df += prior_chunks * background_share(term, chunk_words)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def spill(self) -> None:
        """(Nothing to spill: the parts are saved or small.)"""

    def merged_tokens(self, src: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """The token ids of rows ``src`` (an array of ``(part, row)``) in one vocabulary: the base's ids, then
        new words'. Runs of consecutive rows of one part are copied as one slice (as many runs as changes)."""
        words = dict(self.stores[0]._vocab)
        maps = []
        for store in self.stores:
            names = [""] * len(store._vocab)
            for w, i in store._vocab.items():
                names[i] = w
            maps.append(np.asarray([words.setdefault(w, len(words)) for w in names], dtype=np.int32))
        parts, rows = src[:, 0], src[:, 1]
        lengths = np.zeros(len(src), dtype=np.int64)
        for p in range(len(self.stores)):
            at = parts == p
            lengths[at] = self._lengths[p][rows[at]].astype(np.int64)
        offsets = np.zeros(len(src) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        tok = np.empty(int(offsets[-1]), dtype=np.int32)
        breaks = np.flatnonzero((np.diff(parts) != 0) | (np.diff(rows) != 1)) + 1
        starts, ends = np.concatenate(([0], breaks)), np.concatenate((breaks, [len(src)]))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            if a == b:
                continue
            part, r0, r1 = int(parts[a]), int(rows[a]), int(rows[b - 1]) + 1
            ids, offs = self.stores[part]._row_tokens
            chunk = np.asarray(ids[offs[r0] : offs[r1]])
            tok[offsets[a] : offsets[b]] = maps[part][chunk] if len(chunk) else chunk
        return tok, offsets, words


# ---------------------------------------------------------------------------------------------------- state
def read_state(folder: Path) -> dict | None:
    path = Path(folder) / STATE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path} is unreadable ({exc})") from exc
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise IndexCorrupt(f"{path} is of another version than this one reads ({STATE_VERSION})")
    return state


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read a megabyte at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def write_segment(
    folder: Path, name: str, documents: Mapping[str, Document], table: ChunkTable, dense, lexical
) -> dict:
    """Write one segment to ``folder/segments/name`` (a temporary folder renamed into place); its record."""
    root = Path(folder) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    write_documents(tmp / DOCUMENTS_DB, documents.values())
    ChunkTable.from_chunks(documents, table).save(tmp)
    dense.save(tmp)
    lexical.save(tmp)
    record = {"name": name, "rows": len(table), "checksums": {}, "file_stats": {}}
    for p in _files(tmp):
        rel = p.relative_to(tmp).as_posix()
        record["checksums"][rel] = sha256_file(p)
        st = p.stat()
        record["file_stats"][rel] = [st.st_size, st.st_mtime_ns]
    os.replace(tmp, root / name)
    return record


def commit(folder: Path, state: dict) -> None:
    """Make ``state`` the index's (one rename), then remove the segment folders it does not name."""
    folder = Path(folder)
    tmp = folder / f".{STATE}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(state, ensure_ascii=False, separators=(",", ":")))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / STATE)
    collect(folder, state)


def collect(folder: Path, state: dict | None) -> None:
    """Remove segment folders (and unfinished ones) that ``state`` does not name (the caller holds the write
    lock; a process still reading a removed segment keeps its open files)."""
    root = Path(folder) / FOLDER
    if not root.is_dir():
        return
    named = {s["name"] for s in (state or {}).get("segments", [])}
    for p in root.iterdir():
        if p.name not in named:
            shutil.rmtree(p, ignore_errors=True)
    for p in Path(folder).glob(f".{STATE}.tmp-*"):
        p.unlink(missing_ok=True)


def load_segment(folder: Path, record: dict, dim: int, stored_views: bool, verify: bool, rebuild: str):
    path = Path(folder) / FOLDER / record["name"]
    if verify:
        for rel, digest in record.get("checksums", {}).items():
            p = path / rel
            if not p.is_file():
                raise IndexCorrupt(f"{p} is missing; {rebuild}")
            st = p.stat()
            if record.get("file_stats", {}).get(rel) != [st.st_size, st.st_mtime_ns] and sha256_file(p) != digest:
                raise IndexCorrupt(f"{p} does not match its checksum (truncated or modified); {rebuild}")
    try:
        store = DocumentStore(path / DOCUMENTS_DB, stored_views=stored_views)
        table = ChunkTable.load(path, store)
        dense = FaissStore.load(path, dim, {"kind": "flat"})
        lexical = BM25Store.load(path, len(table))
    except IndexCorrupt as exc:
        raise IndexCorrupt(f"{exc}; {rebuild}") from exc
    if len(dense) != len(table) or int(record.get("rows", -1)) != len(table):
        raise IndexCorrupt(f"{path}: {len(dense)} vectors for {len(table)} chunks; {rebuild}")
    return store, table, dense, lexical


def merged_manifest(base: dict, state: dict) -> dict:
    """The manifest of a base with its segments: the base's records less its dead documents, the segments'
    documents' records, and the state's sources, exclusions and chunk count."""
    manifest = dict(base)
    dead = set(state.get("dead", {}).get("base", []))
    entries = {k: v for k, v in base.get("documents", {}).items() if k not in dead}
    entries.update(state.get("documents", {}))
    manifest["documents"] = entries
    for key in ("sources", "excluded", "n_chunks"):
        if key in state:
            manifest[key] = state[key]
    manifest["segments"] = [r["name"] for r in state.get("segments", [])]
    return manifest


def flat_store(matrix: np.ndarray) -> FaissStore:
    """An exact (flat) FAISS store of ``matrix``'s rows: a segment's."""
    store = FaissStore(matrix.shape[1])
    if len(matrix):
        store._index.add(np.ascontiguousarray(matrix, dtype=np.float32))
    return store


def new_name() -> str:
    return f"seg-{time.time_ns():x}-{os.getpid()}"


def assemble(
    base: tuple[Mapping[str, Document], ChunkTable, FaissStore, BM25Store],
    parts: Sequence[tuple[Mapping[str, Document], ChunkTable, FaissStore, BM25Store]],
    dead: Sequence[frozenset[str]],
) -> tuple[SegmentedDocuments, SegmentedChunks, SegmentedDense, SegmentedLexical]:
    """One index's documents, chunks and stores over a base and its segments (``dead[i]``: part ``i``'s dead ids)."""
    all_parts = [base, *parts]
    documents = SegmentedDocuments([p[0] for p in all_parts], dead)
    chunks = SegmentedChunks([p[1] for p in all_parts], documents)
    dead_rows = [chunks.dead_rows(i) for i in range(len(all_parts))]
    dense = SegmentedDense([p[2] for p in all_parts], chunks.offsets, dead_rows)
    lexical = SegmentedLexical([p[3] for p in all_parts], chunks.offsets, dead_rows)
    return documents, chunks, dense, lexical


def compacted_parts(
    chunks: SegmentedChunks,
    dense: SegmentedDense,
    lexical: SegmentedLexical,
    make_dense: Callable[[np.ndarray, FaissStore], FaissStore],
    consume: bool = False,
):
    """The live rows of a segmented index as one plain index's parts: ``(chunk table, FAISS store, BM25 store)``,
    rows grouped by document in id order. Vectors and token ids are reused (nothing embedded or tokenised);
    an IVF base is updated where it lies (in place when ``consume``), any other store is made anew by
    ``make_dense(matrix of the live rows' vectors, base store)``."""
    documents = chunks.documents
    ids = list(documents)
    number = {doc_id: i for i, doc_id in enumerate(ids)}
    sections: dict[str, int] = {}
    keys, parts_rows = [], []
    for part, table in enumerate(chunks.tables):
        raw = np.asarray(table._rows)
        if not len(raw):
            continue
        renum = np.asarray([number[d] if documents.part_of(d) == part else -1 for d in table._ids], dtype=np.int64)
        sec = np.asarray([sections.setdefault(s, len(sections)) for s in table._sections], dtype=np.int64)
        doc_num = renum[raw[:, 0]]
        live = np.flatnonzero(doc_num >= 0)
        rows = np.empty((len(live), COLUMNS), dtype=np.int64)
        rows[:, 0] = doc_num[live]
        rows[:, 1:3] = raw[live, 1:3]
        rows[:, 3] = sec[raw[live, 3]]
        keys.append(np.stack([np.full(len(live), part, dtype=np.int64), live.astype(np.int64)], axis=1))
        parts_rows.append(rows)
    if parts_rows:
        rows = np.concatenate(parts_rows)
        src = np.concatenate(keys)
    else:
        rows, src = np.zeros((0, COLUMNS), dtype=np.int64), np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(rows[:, 0], kind="stable")  # by document; a document's rows are one part's, in order
    rows, src = rows[order], src[order]
    table = ChunkTable(documents, rows, list(sections))
    # vectors: the base's kept where they lie (IVF) or all rows copied into a new flat index
    global_rows = chunks.offsets[src[:, 0]] + src[:, 1] if len(src) else np.zeros(0, dtype=np.int64)
    base = dense.stores[0]
    new_dense = None
    if base.kind == "ivf":
        n_base = len(base)
        new_of_old = np.full(n_base, -1, dtype=np.int64)
        from_base = np.flatnonzero(src[:, 0] == 0)
        new_of_old[src[from_base, 1]] = from_base
        other = np.flatnonzero(src[:, 0] != 0)
        if len(other):
            delta = np.concatenate([s.vectors() for s in dense.stores[1:]])
            vectors = delta[global_rows[other] - n_base]
        else:
            vectors = np.zeros((0, base.dim), np.float32)
        new_dense = base.updated(new_of_old, other.astype(np.int64), vectors, in_place=consume)
    if new_dense is None:
        matrix = dense.vectors()[global_rows] if len(global_rows) else np.zeros((0, base.dim), np.float32)
        new_dense = make_dense(matrix, base)
    tok, offsets, words = lexical.merged_tokens(src)
    new_lexical = BM25Store._from_ids(tok, offsets, words)
    return table, new_dense, new_lexical
