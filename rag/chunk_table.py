"""The chunks of a saved index as a table of offsets, read a row at a time.

Every chunk is a run of its document's text (``document.text[start:end]``, id ``<doc id>#<ordinal>``), so the
index stores no chunk text: per row, the document's place in the index's sorted document list, the start and
end offsets and the section heading's number, one int64 array memory-mapped on load (32 bytes a chunk: 32 MB
at a million chunks), and the distinct section headings in a JSON list. Loading parses nothing per chunk (the
JSONL of format 2 took 1.5 s to parse at 143k chunks); a query materialises the few chunks it retrieves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt
from .schema import Chunk, Document

ARRAY = "chunks.npy"
SECTIONS = "sections.json"
COLUMNS = 4  # document number, start, end, section number


class ChunkTable(Sequence[Chunk]):
    """Row ``i`` is chunk ``i`` of the index, built from its document on access."""

    def __init__(self, documents: Mapping[str, Document], rows: np.ndarray, sections: list[str]):
        self._documents = documents
        self._ids = sorted(documents)
        self._number = {doc_id: i for i, doc_id in enumerate(self._ids)}
        self._rows = rows
        self._sections = sections
        # the first row of each document (rows are grouped by document, in id order): ordinals come from it
        doc_column = np.asarray(rows[:, 0]) if len(rows) else np.zeros(0, dtype=np.int64)
        self._first = np.searchsorted(doc_column, np.arange(len(self._ids) + 1))

    @classmethod
    def from_chunks(cls, documents: Mapping[str, Document], chunks: Sequence[Chunk]) -> ChunkTable:
        """The table of ``chunks`` (grouped by document in id order, each its document's slice, ids by ordinal).

        Raises:
            ValueError: a chunk breaks one of those rules (the table could not give it back as it was).
        """
        if isinstance(chunks, ChunkTable) and chunks._ids == sorted(documents):
            return cls(documents, chunks._rows, chunks._sections)
        number = {doc_id: i for i, doc_id in enumerate(sorted(documents))}
        sections: dict[str, int] = {}
        rows = np.zeros((len(chunks), COLUMNS), dtype=np.int64)
        previous, ordinal = -1, 0
        for r, c in enumerate(chunks):
            d = number[c.doc_id]
            if d < previous:
                raise ValueError(f"chunk {c.id} is out of document order")
            ordinal = ordinal + 1 if d == previous else 0
            previous = d
            if c.id != f"{c.doc_id}#{ordinal}" or documents[c.doc_id].text[c.start : c.end] != c.text:
                raise ValueError(f"chunk {c.id} is not its document's slice number {ordinal}")
            rows[r] = (d, c.start, c.end, sections.setdefault(c.section, len(sections)))
        return cls(documents, rows, list(sections))

    @classmethod
    def assemble(
        cls,
        documents: Mapping[str, Document],
        previous: ChunkTable | None,
        kept_rows: np.ndarray,
        new_rows: np.ndarray,
        sections: list[str],
    ) -> ChunkTable:
        """A table whose row ``i`` is row ``kept_rows[i]`` of ``previous`` (renumbered to ``documents``) where that
        is not negative, else the next row of ``new_rows`` (document number, start, end, section number in
        ``sections``, which extends ``previous``'s sections). Nothing is checked here: the caller made the rows."""
        rows = np.empty((len(kept_rows), COLUMNS), dtype=np.int64)
        copied = np.flatnonzero(kept_rows >= 0)
        if len(copied):
            number = {doc_id: i for i, doc_id in enumerate(sorted(documents))}
            old = np.asarray(previous._rows)[kept_rows[copied]]
            renumber = np.asarray([number.get(doc_id, -1) for doc_id in previous._ids], dtype=np.int64)
            old[:, 0] = renumber[old[:, 0]]
            rows[copied] = old
        rows[kept_rows < 0] = new_rows
        return cls(documents, rows, sections)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"chunk row {row} out of range")
        d, start, end, section = (int(v) for v in self._rows[row])
        doc_id = self._ids[d]
        return Chunk.model_construct(  # the table was checked when written (and by its checksum when read)
            id=f"{doc_id}#{row - int(self._first[d])}",
            doc_id=doc_id,
            start=start,
            end=end,
            text=self._documents[doc_id].text[start:end],
            section=self._sections[section],
        )

    def __iter__(self) -> Iterator[Chunk]:
        return (self[r] for r in range(len(self)))

    def doc_id(self, row: int) -> str:
        """The document of ``row``, without building the chunk."""
        return self._ids[int(self._rows[int(row), 0])]

    def rows_of(self, doc_id: str) -> range:
        """The rows of one document's chunks."""
        d = self._number.get(doc_id)
        return range(0) if d is None else range(int(self._first[d]), int(self._first[d + 1]))

    def counts(self) -> dict[str, int]:
        """Chunks per document."""
        sizes = np.diff(self._first)
        return {doc_id: int(n) for doc_id, n in zip(self._ids, sizes, strict=True) if n}

    def save(self, folder: Path) -> None:
        np.save(Path(folder) / ARRAY, np.ascontiguousarray(self._rows, dtype=np.int64))
        (Path(folder) / SECTIONS).write_text(json.dumps(self._sections, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, documents: Mapping[str, Document]) -> ChunkTable:
        """The table saved in ``folder`` over ``documents``.

        Raises:
            IndexCorrupt: a file is missing or unreadable, or a row points outside its document.
        """
        try:
            rows = np.load(Path(folder) / ARRAY, mmap_mode="r")
            sections = json.loads((Path(folder) / SECTIONS).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"{folder}: chunk table unreadable ({exc})") from exc
        if rows.ndim != 2 or rows.shape[1] != COLUMNS or not isinstance(sections, list):
            raise IndexCorrupt(f"{folder}: chunk table has the wrong shape {rows.shape}")
        if len(rows):
            docs = rows[:, 0]
            if docs.min() < 0 or docs.max() >= len(documents) or np.any(np.diff(docs) < 0):
                raise IndexCorrupt(f"{folder}: chunk table points at documents the index does not have")
            if rows[:, 3].max() >= len(sections) or rows[:, 3].min() < 0:
                raise IndexCorrupt(f"{folder}: chunk table points at sections it does not have")
            # a document store knows its documents' lengths without reading their text
            known = getattr(documents, "lengths", None)
            sizes = known() if known is not None else [len(documents[i].text) for i in sorted(documents)]
            lengths = np.asarray(sizes, dtype=np.int64)
            if np.any(rows[:, 1] < 0) or np.any(rows[:, 2] < rows[:, 1]) or np.any(rows[:, 2] > lengths[docs]):
                raise IndexCorrupt(f"{folder}: a chunk's offsets fall outside its document")
        return cls(documents, rows, sections)
