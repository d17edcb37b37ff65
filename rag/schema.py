"""Core data types: immutable pydantic models with their offset invariants."""

from __future__ import annotations

import bisect

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(_Frozen):
    """A cleaned article. Every offset in the system refers to ``text``."""

    id: str
    source: str = Field(description="file name or path relative to the corpus root")
    source_root: str = Field("", description="the folder or file given to `rag index` (absolute), or 'upload'")
    format: str = Field("", description="file type: txt, md, html, …")
    title: str
    text: str
    sha256: str = Field(description="hash of the raw file bytes")
    file_map: list[tuple[int, int, int]] = Field(
        default_factory=list,
        description="(text start, file start, length) runs: where text characters are in the decoded file "
        "(txt, md, html); empty when unknown",
    )
    file_lines: list[int] = Field(default_factory=list, description="offsets where the decoded file's lines start")
    pages: list[tuple[int, int]] = Field(
        default_factory=list, description="(text offset, 1-based page) where each PDF page's text starts"
    )
    paragraphs: list[tuple[int, int]] = Field(
        default_factory=list, description="(text offset, 1-based paragraph) where each DOCX paragraph's text starts"
    )
    headings: list[int] = Field(
        default_factory=list, description="text offsets of lines the file marks as headings (Markdown, Word styles)"
    )
    file_size: int | None = Field(None, description="the file's size in bytes when it was read")
    file_mtime_ns: int | None = Field(
        None,
        description="the file's modification time (ns) when it was read; None when it was modified too recently "
        "to trust (a later change within the clock's resolution would keep it), so the next update reads it again",
    )

    def file_offset(self, i: int) -> int | None:
        """Offset in the decoded file of text character ``i`` (None when the format has no file text)."""
        if not self.file_map or not 0 <= i < len(self.text):
            return None
        k = bisect.bisect_right(self.file_map, (i, float("inf"), 0)) - 1
        start, file_start, _ = self.file_map[k]
        return file_start + (i - start)

    def location(self, start: int, end: int) -> dict[str, int | None]:
        """Where ``text[start:end]`` is in the original file: ``file_start``/``file_end`` (character offsets
        into the decoded file) and ``line`` (1-based) for text formats, ``page`` for PDF, ``paragraph`` for
        DOCX; None where unknown."""
        first = self.file_offset(start)
        last = self.file_offset(end - 1) if end > start else None
        return {
            "file_start": first,
            "file_end": None if last is None else last + 1,
            "line": None if first is None or not self.file_lines else bisect.bisect_right(self.file_lines, first),
            "page": _numbered(self.pages, start),
            "paragraph": _numbered(self.paragraphs, start),
        }


def _numbered(marks: list[tuple[int, int]], i: int) -> int | None:
    """The number of the last mark at or before offset ``i``."""
    k = bisect.bisect_right(marks, (i, float("inf"))) - 1
    return marks[k][1] if k >= 0 else None


class Chunk(_Frozen):
    """A run of whole sentences of one document: ``document.text[start:end] == text``."""

    id: str
    doc_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    section: str = ""

    @model_validator(mode="after")
    def _check_span(self) -> Chunk:
        if self.end < self.start or self.end - self.start != len(self.text):
            raise ValueError(f"chunk {self.id}: span {self.start}:{self.end} does not match its text length")
        return self


class Hit(_Frozen):
    """A retrieved chunk with its fused score and its rank/score in each retriever (None: not retrieved)."""

    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None


class Quote(_Frozen):
    """A verbatim span of a stored document."""

    doc_id: str
    source: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    file_start: int | None = Field(None, description="offset in the decoded original file (txt, md, html)")
    file_end: int | None = None
    line: int | None = Field(None, description="1-based line of file_start in the original file")
    page: int | None = Field(None, description="1-based PDF page")
    paragraph: int | None = Field(None, description="1-based DOCX paragraph")

    @model_validator(mode="after")
    def _check_span(self) -> Quote:
        if self.end - self.start != len(self.text) or not self.text:
            raise ValueError(f"quote {self.start}:{self.end} does not match its text")
        return self

    @classmethod
    def from_document(cls, doc: Document, start: int, end: int) -> Quote:
        """The quote ``doc.text[start:end]``; raises ValueError for an empty or out-of-range span."""
        if not 0 <= start < end <= len(doc.text):
            raise ValueError(f"span {start}:{end} is outside document {doc.id} ({len(doc.text)} chars)")
        return cls(
            doc_id=doc.id, source=doc.source, start=start, end=end, text=doc.text[start:end], **doc.location(start, end)
        )

    def where(self) -> str:
        """Where the quote is, for people: 第 3 页 (PDF), 第 5 段 (DOCX), 第 12 行, 字符 1071–1112 (text
        files: offsets into the original file), or 字符 14–47 in the cleaned text when the file is unknown."""
        parts = []
        if self.page is not None:
            parts.append(f"第 {self.page} 页")
        if self.paragraph is not None:
            parts.append(f"第 {self.paragraph} 段")
        if self.line is not None:
            parts.append(f"第 {self.line} 行")
        if self.file_start is not None and self.file_end is not None:
            parts.append(f"字符 {self.file_start}–{self.file_end}")
        return ", ".join(parts) or f"字符 {self.start}–{self.end}"

    def matches(self, doc: Document) -> bool:
        """True when this quote is exactly ``doc.text[start:end]``."""
        return doc.id == self.doc_id and doc.text[self.start : self.end] == self.text


class Answer(_Frozen):
    """What the assistant says: a short answer, its verbatim support, and why it was chosen."""

    question: str
    answer: str
    abstained: bool
    confidence: float
    quotes: list[Quote] = Field(default_factory=list)
    related: list[Quote] = Field(default_factory=list, description="closest passages when abstaining")
    hits: list[Hit] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    explanation: dict = Field(default_factory=dict)
    resolved_question: str | None = None

    def to_json_dict(self) -> dict:
        """The flat JSON shape printed by ``rag ask --json``."""
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "quotes": [q.model_dump() for q in self.quotes],
            "related": [q.model_dump() for q in self.related],
            "hits": [
                {
                    "chunk_id": h.chunk.id,
                    "doc_id": h.chunk.doc_id,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "section": h.chunk.section,
                    "score": round(h.score, 6),
                    "rank": h.rank,
                    "dense_rank": h.dense_rank,
                    "dense_score": None if h.dense_score is None else round(h.dense_score, 6),
                    "lexical_rank": h.lexical_rank,
                    "lexical_score": None if h.lexical_score is None else round(h.lexical_score, 6),
                }
                for h in self.hits
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "explanation": self.explanation,
        }
