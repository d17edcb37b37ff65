"""Sentence splitting and sentence-aware chunking with document offsets and sub-headlines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .documents import is_heading
from .schema import Chunk, Document

# A sentence ends after Chinese 。！？；… (runs of them), English .!?; followed by a space, or a line break.
# Closing quotes/brackets that follow the terminator stay with the sentence.
_SENTENCE_END = re.compile(
    r"(?:[。！？；!?;]+|…+|\.{3,})[”’」』）)\]\"']*"
    r"|(?<=[A-Za-z0-9\)\]\"'])[.!?;]+[\"')\]]*(?=\s)"
    r"|\n+"
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]`` (offsets into ``text``), whitespace-trimmed, never empty."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        cut = m.start() if text[m.start()] == "\n" else m.end()
        _append_trimmed(text, pos, cut, spans)
        pos = m.end()
    _append_trimmed(text, pos, end, spans)
    return spans


def _append_trimmed(text: str, a: int, b: int, out: list[Span]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append(Span(a, b))


# a colon between digits is a clock's (9:30): it ends no clause (the quoter, the slot extractor and clause bounds)
CLOCK_COLON = r"(?<=\d)[:：](?=\d)"
_CLAUSE_MARK = re.compile(f"(?!{CLOCK_COLON})[，,：:；;]")


def split_clauses(text: str, span: Span) -> list[Span]:
    """Clauses of one sentence: split after ，,：:；; (used for short quotes); a colon between digits is a clock's
    (周二 9:00) and ends no clause."""
    out: list[Span] = []
    pos = span.start
    for m in _CLAUSE_MARK.finditer(text[span.start : span.end]):
        cut = span.start + m.end()
        _append_trimmed(text, pos, cut, out)
        pos = cut
    _append_trimmed(text, pos, span.end, out)
    return out


# Bump when cleaning or chunking changes what text or chunks come out of the same file: an index built
# under other rules is then re-cleaned and re-embedded in full by the next `rag index`, never mixed.
# 3: PDF and DOCX loaders, Markdown parsed (no markup left), HTML inline tags no longer break lines,
#    radical code points mapped to ideographs, heading lines marked by the file start sections.
RULES_VERSION = 3


@dataclass(frozen=True, slots=True)
class ChunkerSettings:
    chunk_size: int = 240
    chunk_overlap: int = 1

    def as_dict(self) -> dict:
        return {"chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap, "rules": RULES_VERSION}


def _hard_split(span: Span, size: int) -> list[Span]:
    """A sentence longer than the budget is cut into equal pieces (the only place we cut a sentence)."""
    n = -(-(span.end - span.start) // size)
    step = -(-(span.end - span.start) // n)
    return [Span(a, min(a + step, span.end)) for a in range(span.start, span.end, step)]


def chunk_document(doc: Document, settings: ChunkerSettings | None = None) -> list[Chunk]:
    """Pack the sentences of ``doc`` into chunks of at most ``chunk_size`` characters.

    Chunks never cross a heading line (a short line that is not a sentence, or a line the file marks as a
    heading; a new sub-headline starts a new chunk and becomes its ``section``), repeat ``chunk_overlap``
    sentences of the previous chunk, and cut inside a sentence only when that sentence alone exceeds the budget.
    """
    settings = settings or ChunkerSettings()
    text = doc.text
    # Sections: runs of lines under one heading (the first line, the title, opens the first one).
    sections: list[tuple[str, int, int]] = []
    current, sec_start, pos = "", 0, 0
    marked = set(doc.headings)  # heading lines the file itself marks (Markdown #, Word heading styles)
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        if is_heading(line) or line_start in marked:
            if line_start > sec_start:
                sections.append((current, sec_start, line_start))
            current, sec_start = line.strip(), line_start
    sections.append((current, sec_start, len(text)))
    sections = _merge_heading_runs(text, sections)
    sections = _carry_lead_ins(text, sections)

    chunks: list[Chunk] = []
    for section, a, b in sections:
        sentences: list[Span] = []
        for s in split_sentences(text, a, b):
            sentences.extend(_hard_split(s, settings.chunk_size) if s.end - s.start > settings.chunk_size else [s])
        i = 0
        while i < len(sentences):
            j = i + 1
            while j < len(sentences) and sentences[j].end - sentences[i].start <= settings.chunk_size:
                j += 1
            start, end = sentences[i].start, sentences[j - 1].end
            chunks.append(
                Chunk(
                    id=f"{doc.id}#{len(chunks)}",
                    doc_id=doc.id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    section=section,
                )
            )
            if j >= len(sentences):
                break
            i = max(i + 1, j - settings.chunk_overlap)
    return chunks


def _carry_lead_ins(text: str, sections: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A section's last line that ends in a colon (高陵区委书记 杨仁华:) introduces what follows the next
    heading: it moves to the start of the next section, so the speaker and the speech share a chunk."""
    out = list(sections)
    for i in range(1, len(out)):
        title, a, b = out[i - 1]
        body = text[a:b].rstrip("\n")
        line_start = body.rfind("\n") + 1
        last = body[line_start:]
        if a + line_start > a and last.rstrip().endswith((":", "：")) and not is_heading(last):
            cut = a + line_start
            out[i - 1] = (title, a, cut)
            out[i] = (out[i][0], cut, out[i][2])
    return out


def _merge_heading_runs(text: str, sections: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Consecutive heading lines (headline, kicker, sub-headline) form one section titled by all of them.

    Without this a headline directly followed by a sub-headline would be a chunk of its own.
    """
    merged: list[tuple[str, int, int]] = []
    for title, a, b in sections:
        if merged and text[merged[-1][1] : merged[-1][2]].strip() == merged[-1][0] and merged[-1][0]:
            prev_title, prev_a, _ = merged.pop()
            merged.append((f"{prev_title} {title}".strip(), prev_a, b))
        else:
            merged.append((title, a, b))
    return merged
