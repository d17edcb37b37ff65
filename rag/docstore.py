"""The documents of a saved index in SQLite (``documents.db``), read by id when a query needs them.

A database is written once and never changed in place (a full update writes a new folder and renames it over
the old one; a small one writes a delta segment with its own database beside the base's, :mod:`rag.segments`),
so it is opened read-only and immutable: no locks, no journal, and a process that opened it keeps reading the
same file even after a later update replaced the folder. Loading reads the ids
and lengths only (a few bytes a document); a query builds the few documents its hits come from.

Beside each document's stored text the database keeps its *matching view* (simplified script, folded width;
:func:`rag.normalize.matching_document`) where that differs, so the answer builder's corpus-wide checks (is a
place or a year of the question named anywhere) are one SQL ``instr`` scan over the view's text instead of the
whole corpus held and converted in memory.

Schema (:data:`SCHEMA`, recorded in the manifest as ``documents_schema``)::

    documents(id TEXT UNIQUE, chars INTEGER, meta TEXT, text TEXT, view_title TEXT, view_text TEXT,
              converted INTEGER)

``meta`` is the document's JSON without its text; ``view_title`` / ``view_text`` are NULL where the view
equals the stored title / text.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

from .errors import IndexCorrupt
from .normalize import matching_document
from .schema import Document

FILE = "documents.db"
SCHEMA = 1
PAGE = 512  # documents read per query when walking them all
CACHE = 256  # documents kept built (a query reads a handful; a listing walks them once)

# a rowid table with a unique id: rows are kilobytes of text, which a WITHOUT ROWID table stores less tightly
# (measured on 14,300 synthetic files: 117 MB against 125 MB, for 93 MB of UTF-8)
_CREATE = """
CREATE TABLE documents (
    id TEXT NOT NULL UNIQUE,
    chars INTEGER NOT NULL,
    meta TEXT NOT NULL,
    text TEXT NOT NULL,
    view_title TEXT,
    view_text TEXT,
    converted INTEGER NOT NULL
)
"""


def write(path: Path, documents: Iterable[Document]) -> int:
    """Write ``documents`` (any order) to a new database at ``path``; returns how many were written.

    Raises:
        DocumentError: two documents share an id (from the caller's check; here a constraint error).
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    conn = _writer(path)
    try:
        conn.execute(_CREATE)
        with conn:
            n = _insert(conn, documents)
        conn.execute(f"PRAGMA user_version={SCHEMA}")
        conn.commit()
    finally:
        conn.close()
    return n


def _writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")  # a new file in a folder that is renamed into place when complete
    conn.execute("PRAGMA synchronous=OFF")  # a crash before the rename leaves no live index to damage
    return conn


def _insert(conn: sqlite3.Connection, documents: Iterable[Document]) -> int:
    n = 0
    for d in documents:
        view, converted = matching_document(d)
        conn.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                d.id,
                len(d.text),
                d.model_dump_json(exclude={"text"}),
                d.text,
                view.title if view.title != d.title else None,
                view.text if view.text != d.text else None,
                int(converted),
            ),
        )
        n += 1
    return n


class DocumentStore(Mapping[str, Document]):
    """A read-only mapping of document id → :class:`Document` over ``documents.db``.

    Thread-safe (one connection, one lock; each read is one short query). ``view=True`` gives the matching
    view of the same documents (see the module's doc), with :meth:`converted` telling whose script was converted.
    """

    def __init__(
        self, path: Path, *, view: bool = False, stored_views: bool = True, _shared: DocumentStore | None = None
    ):
        self.path = Path(path)
        self.view = view
        # the stored views were made by today's normalisation rules (else each view is made again when read)
        self.stored_views = stored_views
        if _shared is not None:
            self._conn, self._lock, self._ids, self._set, self._chars = (
                _shared._conn,
                _shared._lock,
                _shared._ids,
                _shared._set,
                _shared._chars,
            )
        else:
            uri = f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1"
            try:
                self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA:
                    raise IndexCorrupt(f"{self.path} has document schema {version}, this version reads {SCHEMA}")
                rows = self._conn.execute("SELECT id, chars FROM documents ORDER BY id").fetchall()
            except sqlite3.Error as exc:
                raise IndexCorrupt(f"{self.path} is unreadable ({exc})") from exc
            self._lock = threading.Lock()
            self._ids = [r[0] for r in rows]
            self._set = frozenset(self._ids)
            self._chars = [r[1] for r in rows]
        self._cache: OrderedDict[str, tuple[Document, bool]] = OrderedDict()
        self._cache_lock = threading.Lock()

    def matching(self) -> DocumentStore:
        """The same documents in their matching view (one connection shared)."""
        return DocumentStore(self.path, view=True, stored_views=self.stored_views, _shared=self)

    # ------------------------------------------------------------------ mapping
    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._set

    def __getitem__(self, doc_id: str) -> Document:
        return self._entry(doc_id)[0]

    def converted(self, doc_id: str) -> bool:
        """The document's script was converted in the matching view."""
        return self._entry(doc_id)[1]

    def ids(self) -> list[str]:
        """The ids in sorted order (the chunk table's document numbers)."""
        return list(self._ids)

    def lengths(self) -> list[int]:
        """Each document's length in characters, in id order (no text read)."""
        return list(self._chars)

    def items(self):  # type: ignore[override]
        return ((d.id, d) for d in self.values())

    def values(self):  # type: ignore[override]
        """Every document in id order, read a page at a time (never all at once)."""
        return (doc for doc, _ in self._walk())

    def copy_with(self, path: Path, *, delete: Iterable[str], add: Iterable[Document]) -> None:
        """Write this database to ``path`` with the documents ``delete`` names taken out and ``add`` put in: an
        update's cost is a page copy plus its change (no document of the rest is read, built or converted).
        Copied from this store's open file (SQLite's backup), so the copy is what this store reads even if its
        folder was replaced since."""
        path = Path(path)
        path.unlink(missing_ok=True)
        conn = _writer(path)
        try:
            with self._lock:
                self._conn.backup(conn)
            with conn:
                conn.executemany("DELETE FROM documents WHERE id = ?", ((doc_id,) for doc_id in delete))
                _insert(conn, add)
        finally:
            conn.close()

    # ------------------------------------------------------------------ corpus-wide checks
    def any_text(
        self, fragment: str, test: Callable[[str], bool] | None = None, live: Callable[[str], bool] | None = None
    ) -> bool:
        """Some document's text (the view's, for a view) holds ``fragment`` (and passes ``test``, if given; of the
        documents ``live`` accepts, if given): one SQL scan that stops at the first, no document built."""
        if self.view and not self.stored_views:
            return any(
                fragment in d.text and (test is None or test(d.text)) and (live is None or live(d.id))
                for d in self.values()
            )
        column = "coalesce(view_text, text)" if self.view else "text"
        with self._lock:
            cursor = self._conn.execute(f"SELECT id, {column} FROM documents WHERE instr({column}, ?) > 0", (fragment,))
            try:
                for doc_id, text in cursor:
                    if (live is None or live(doc_id)) and (test is None or test(text)):
                        return True
            finally:
                cursor.close()
        return False

    def texts(self, fragment: str = "") -> Iterator[tuple[str, str]]:
        """``(id, text)`` (the view's text, for a view) of the documents whose text holds ``fragment`` (all, for
        ""), in id order, read a page at a time: one SQL scan, no document built."""
        if self.view and not self.stored_views:
            yield from ((d.id, d.text) for d in self.values() if fragment in d.text)
            return
        column = "coalesce(view_text, text)" if self.view else "text"
        last = None
        while True:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT id, {column} FROM documents WHERE (? IS NULL OR id > ?) AND instr({column}, ?) > 0 "
                    "ORDER BY id LIMIT ?",
                    (last, last, fragment, PAGE),
                ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def text_of_all(self) -> str:
        """Every document's text (the view's, for a view), joined by newlines in id order."""
        if self.view and not self.stored_views:
            return "\n".join(d.text for d in self.values())
        column = "coalesce(view_text, text)" if self.view else "text"
        with self._lock:
            return "\n".join(t for (t,) in self._conn.execute(f"SELECT {column} FROM documents ORDER BY id"))

    # ------------------------------------------------------------------ reading
    def _row(self, row) -> tuple[Document, bool]:
        _, meta, text, view_title, view_text, converted = row
        data = json.loads(meta)
        data["text"] = text
        if self.view and not self.stored_views:
            return matching_document(Document.model_validate(data))
        if self.view:
            if view_title is not None:
                data["title"] = view_title
            if view_text is not None:
                data["text"] = view_text
        return Document.model_validate(data), bool(converted)

    _COLUMNS = "id, meta, text, view_title, view_text, converted"

    def _entry(self, doc_id: str) -> tuple[Document, bool]:
        with self._cache_lock:
            hit = self._cache.get(doc_id)
            if hit is not None:
                self._cache.move_to_end(doc_id)
                return hit
        if doc_id not in self._set:
            raise KeyError(doc_id)
        with self._lock:
            row = self._conn.execute(f"SELECT {self._COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:  # the id list was read from the same immutable file
            raise IndexCorrupt(f"{self.path}: document {doc_id} listed but not stored")
        entry = self._row(row)
        with self._cache_lock:
            self._cache[doc_id] = entry
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return entry

    def _walk(self) -> Iterator[tuple[Document, bool]]:
        last = ""
        while True:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT {self._COLUMNS} FROM documents WHERE id > ? ORDER BY id LIMIT ?", (last, PAGE)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield self._row(row)
            last = rows[-1][0]


def view_of(documents: Mapping[str, Document]) -> tuple[Mapping[str, Document], Callable[[str], bool]]:
    """The matching view of ``documents`` and a function telling whose script was converted: the store's own
    view for a :class:`DocumentStore` (nothing converted now), else every document converted here."""
    if isinstance(documents, DocumentStore) or hasattr(documents, "matching"):  # (a segmented index's too)
        view = documents.matching()
        return view, view.converted
    views = {doc_id: matching_document(d) for doc_id, d in documents.items()}
    converted = {doc_id: c for doc_id, (_, c) in views.items()}
    return {doc_id: v for doc_id, (v, _) in views.items()}, converted.__getitem__
