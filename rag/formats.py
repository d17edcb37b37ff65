"""One loader per file format: the file's text as lines, and where each character came from.

A loader returns an :class:`Extracted`: ``raw`` text (one paragraph, heading or table row a line) that
:func:`rag.documents.clean_text_mapped` then cleans, plus what is needed to point back into the file:
for text formats (txt, md, html) the offset of every raw character in the decoded file text; for PDF
the page, for DOCX the paragraph number where each run of raw text starts.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .errors import DocumentError


@dataclass
class Extracted:
    """What a loader read from a file, before cleaning."""

    raw: str
    sha256: str
    file_text: str | None = None  # the decoded file (text formats); offsets refer to it
    origin: list[int] | None = None  # origin[i]: offset in file_text of raw[i]; None: raw is file_text
    marks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # kind → [(raw offset, number)]
    headings: list[int] = field(default_factory=list)  # raw offsets where a known heading line starts
    title: str | None = None
    join_lines: bool = True  # repair layout line breaks (plain text, PDF); md, html and docx keep their own


class _Lines:
    """Builds ``raw`` line by line, with each character's origin, numbered marks and heading starts."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.origin: list[int] = []
        self.marks: dict[str, list[tuple[int, int]]] = {}
        self.headings: list[int] = []

    def add(self, text: str, origin: list[int] | None = None, heading: bool = False, **marks: int) -> None:
        if not text.strip():
            return
        if self.chars:
            self.chars.append("\n")
            self.origin.append(self.origin[-1] + 1 if self.origin else 0)
        start = len(self.chars)
        for kind, number in marks.items():
            self.marks.setdefault(kind, []).append((start, number))
        if heading:  # where the cleaned line will start: after any indentation (　　 in Chinese documents)
            self.headings.append(start + len(text) - len(text.lstrip()))
        self.chars.extend(text)
        self.origin.extend(origin if origin is not None else [0] * len(text))

    @property
    def text(self) -> str:
        return "".join(self.chars)


# ---------------------------------------------------------------------------- reading bytes and text
def read_bytes(path: Path, max_bytes: int | None = None) -> tuple[bytes, str]:
    """The file's bytes and their sha256.

    Raises:
        DocumentError: the file is missing, unreadable or over ``max_bytes``.
    """
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DocumentError(
                f"{path}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit (set RAG_MAX_FILE_MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    return data, hashlib.sha256(data).hexdigest()


def decode_text(path: Path, data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), then GB18030 (a superset of GBK/GB2312), then detection.

    Raises:
        DocumentError: the bytes look binary, or decode in no encoding we know.
    """
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{path}: looks like a binary file, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(f"{path}: cannot decode (not UTF-8, GB18030/GBK or any detectable encoding)")
    return str(best)


def read_text(path: Path, max_bytes: int | None = None) -> tuple[str, str]:
    """Read and decode a text file; returns ``(text, sha256 of the bytes)``.

    Raises:
        DocumentError: the file is missing, too large, binary, or in no encoding we can decode.
    """
    data, digest = read_bytes(path, max_bytes)
    return decode_text(path, data), digest


def line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` starts (after ``\\n``, ``\\r\\n`` or a lone ``\\r``)."""
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


# ---------------------------------------------------------------------------- plain text
def load_txt(path: Path, max_bytes: int | None = None) -> Extracted:
    text, digest = read_text(path, max_bytes)
    return Extracted(raw=text, sha256=digest, file_text=text)


# ---------------------------------------------------------------------------- HTML
_HTML_SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "title"}
_HTML_BLOCK = {
    "address", "article", "blockquote", "body", "br", "caption", "center", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
}  # fmt: skip
_HTML_CELL = {"td", "th"}


_HTML_HEADING = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_WHITESPACE = " \t\n\r\f"  # collapsible in HTML; &nbsp; is not


class _HtmlText(HTMLParser):
    """Visible text of an HTML page with the source offset of every character, laid out as a browser would.

    Block elements end lines (one line per paragraph, heading, list item or table row; table cells are
    separated by a space), inline elements (b, a, span) do not break the text, whitespace in the source
    collapses to one space (and to nothing where a source line break falls between two Chinese
    characters); scripts, styles, navigation, headers, footers and forms are left out.
    """

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._nl = [0] + [m.end() for m in re.finditer("\n", source)]  # HTMLParser counts lines by \n
        self.chars: list[str] = []
        self.origin: list[int] = []
        self.headings: list[int] = []
        self.skip = 0
        self._space: list | None = None  # [source line break seen, offset] of pending whitespace
        self._heading_next = False
        self._cells = 0  # table cells open (td, th)
        self._cell_boundary = False  # the pending space is the boundary before a cell
        self.title_parts: list[str] | None = None
        self.title = ""
        self.h1_parts: list[str] | None = None
        self.h1 = ""

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._nl[line - 1] + col

    def _emit(self, text: str, start: int, step: int = 1) -> None:
        if self.title_parts is not None:
            self.title_parts.append(text)
        if self.skip:
            return
        if self.h1_parts is not None:
            self.h1_parts.append(text)
        for k, ch in enumerate(text):
            at = start + k * step
            if ch in _HTML_WHITESPACE:
                if self._space is None:
                    self._space = [False, at]
                self._space[0] |= ch in "\r\n"
                continue
            prev = self.chars[-1] if self.chars else "\n"
            if self._space is not None and prev != "\n":
                line_break, offset = self._space
                # a line break between Chinese characters is no space; inside a table cell no space beside one is
                # (唐 敏, 周一 9:00: a cell boundary is the only space a row may hold next to a Chinese character)
                beside = _is_cjk(prev) and _is_cjk(ch) if not self._cells else _is_cjk(prev) or _is_cjk(ch)
                if self._cell_boundary or not ((line_break or self._cells) and beside):
                    self.chars.append(" ")
                    self.origin.append(offset)
            self._space = None
            self._cell_boundary = False
            if self._heading_next:
                self.headings.append(len(self.chars))
                self._heading_next = False
            self.chars.append(ch)
            self.origin.append(at)

    def _break(self) -> None:
        if self.skip:
            return
        self._space = None
        self._cell_boundary = False
        if self.chars and self.chars[-1] != "\n":
            self.chars.append("\n")
            self.origin.append(self._pos())

    def handle_starttag(self, tag, attrs):
        if tag in _HTML_CELL:
            self._cells += 1
        if tag == "title" and self.title_parts is None and not self.title:
            self.title_parts = []
        if tag in _HTML_SKIP:
            self.skip += 1
        elif tag in _HTML_BLOCK or tag in _HTML_HEADING:
            self._break()
            self._heading_next = tag in _HTML_HEADING and not self.skip
        elif tag in _HTML_CELL and not self.skip and self.chars and self.chars[-1] != "\n":
            self._space = self._space or [False, self._pos()]
            self._cell_boundary = True  # the space before a cell parts two cells, whatever stands beside it
        if tag == "h1" and not self.h1 and not self.skip:
            self.h1_parts = []

    def handle_endtag(self, tag):
        if tag in _HTML_CELL:
            self._cells = max(0, self._cells - 1)
        if tag == "title" and self.title_parts is not None:
            self.title, self.title_parts = " ".join("".join(self.title_parts).split()), None
        if tag == "h1" and self.h1_parts is not None:
            self.h1, self.h1_parts = " ".join("".join(self.h1_parts).split()), None
        if tag in _HTML_SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _HTML_BLOCK or tag in _HTML_HEADING:
            self._break()
            self._heading_next = False

    def handle_startendtag(self, tag, attrs):
        if tag in _HTML_BLOCK:
            self._break()

    def handle_data(self, data):
        self._emit(data, self._pos())

    def handle_entityref(self, name):
        self._emit(html_lib.unescape(f"&{name};"), self._pos(), step=0)

    def handle_charref(self, name):
        self._emit(html_lib.unescape(f"&#{name};"), self._pos(), step=0)


def html_to_text(source: str) -> tuple[str, list[int], list[int], str | None]:
    """Visible text of an HTML page (one block a line), each character's offset in ``source``, where
    heading lines (h1–h6) start, and the page's ``<h1>`` (else ``<title>``) if any."""
    parser = _HtmlText(source)
    parser.feed(source)
    parser.close()
    return "".join(parser.chars), parser.origin, parser.headings, parser.h1 or parser.title or None


def load_html(path: Path, max_bytes: int | None = None) -> Extracted:
    """An HTML page as lines; its block structure gives the line breaks, so none are repaired."""
    source, digest = read_text(path, max_bytes)
    text, origin, headings, title = html_to_text(source)
    return Extracted(
        raw=text, sha256=digest, file_text=source, origin=origin, headings=headings, title=title, join_lines=False
    )


# ---------------------------------------------------------------------------- Markdown
def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _place(source: str, content: str, cursor: int, limit: int) -> tuple[list[int], int]:
    """Offsets in ``source[cursor:limit]`` of ``content``: found whole, else character by character
    (an escape or entity, ``\\*`` or ``&amp;``, is not verbatim in the source)."""
    at = source.find(content, cursor, limit) if content else -1
    if at >= 0:
        return list(range(at, at + len(content))), at + len(content)
    origins = []
    for ch in content:
        j = source.find(ch, cursor, limit)
        if j >= 0:
            cursor = j + 1
        origins.append(j if j >= 0 else cursor)
    return origins, cursor


def _render_inline(token, source: str, start: int, limit: int) -> list[tuple[str, list[int]]]:
    """The plain text lines of one inline token (emphasis, links and code spans unwrapped, images dropped)."""
    lines: list[tuple[list[str], list[int]]] = [([], [])]
    cursor = start
    for child in token.children or []:
        chars, origins = lines[-1]
        if child.type in ("text", "code_inline"):
            placed, cursor = _place(source, child.content, cursor, limit)
            chars.extend(child.content)
            origins.extend(placed)
        elif child.type == "softbreak":
            chars.append("\n")  # resolved below: nothing between Chinese characters, else a space
            origins.append(cursor)
        elif child.type == "hardbreak":
            lines.append(([], []))
    out = []
    for chars, origins in lines:
        text, keep = [], []
        for i, ch in enumerate(chars):
            if ch == "\n":
                before = chars[i - 1] if i else ""
                after = chars[i + 1] if i + 1 < len(chars) else ""
                if (before and _is_cjk(before)) and (after and _is_cjk(after)):
                    continue
                ch = " "
            text.append(ch)
            keep.append(origins[i])
        out.append(("".join(text), keep))
    return out


def _cell_text(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """A table cell without the spaces beside Chinese characters (唐 敏, 文化中心 一楼 多功能厅, 周一 9:30—11:00:
    typesetting that pads a short name or parts a place or a day and its hours): a row's cells are joined by spaces,
    so a space inside a cell would read as a cell boundary and move every cell after it under the wrong column.
    Spaces between other characters (0571-8826 3175, Wi-Fi 6) stay."""
    keep = [
        i
        for i, ch in enumerate(text)
        if not (ch == " " and 0 < i < len(text) - 1 and (_is_cjk(text[i - 1]) or _is_cjk(text[i + 1])))
    ]
    return "".join(text[i] for i in keep), [origin[i] for i in keep]


def _join(parts: list[tuple[str, list[int]]], sep: str = " ") -> tuple[str, list[int]]:
    """Join ``(text, origin)`` pieces with ``sep``; a separator takes the offset after the piece before it."""
    text, origin = [], []
    for t, o in parts:
        if text:
            text.append(sep)
            origin.append(origin[-1] + 1)
        text.append(t)
        origin.extend(o)
    return "".join(text), origin


def markdown_lines(source: str) -> Extracted:
    """Markdown parsed with markdown-it-py into plain lines: each heading, paragraph, list item and table row
    its own line, no markup left. Code blocks and raw HTML blocks are dropped: they have no sentences to
    quote, and their short lines would be taken for sub-headlines that then title the paragraphs after them."""
    try:
        from markdown_it import MarkdownIt
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise DocumentError("reading Markdown needs markdown-it-py: pip install markdown-it-py") from exc
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    starts = [*line_starts(source), len(source)]
    out = _Lines()
    heading = False
    row: list[tuple[str, list[int]]] | None = None
    last_end = 0
    for tok in md.parse(source):
        if tok.type == "heading_open":
            heading = True
        elif tok.type == "heading_close":
            heading = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            out.add(*_join([c for c in row if c[0].strip()]))
            row = None
        elif tok.type == "inline":
            a, b = (
                (starts[tok.map[0]], starts[min(tok.map[1], len(starts) - 1)]) if tok.map else (last_end, len(source))
            )
            lines = _render_inline(tok, source, max(a, 0), b)
            last_end = b
            if row is not None:
                row.append(_cell_text(*_join(lines)))
                continue
            for text, origin in lines:
                out.add(text, origin, heading=heading)
    title = None
    if out.headings:
        first = out.headings[0]
        end = out.text.find("\n", first)
        title = out.text[first : end if end >= 0 else None].strip() or None
    return Extracted(
        raw=out.text,
        sha256="",
        file_text=source,
        origin=out.origin,
        headings=out.headings,
        title=title,
        join_lines=False,
    )


def load_markdown(path: Path, max_bytes: int | None = None) -> Extracted:
    source, digest = read_text(path, max_bytes)
    extracted = markdown_lines(source)
    extracted.sha256 = digest
    return extracted


# ---------------------------------------------------------------------------- PDF
# A line of a page that is only its page number: 3, - 3 -, 第3页, 3/12, Page 3.
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*\d+\s*页|(page\s*)?\d+(\s*/\s*\d+)?)[-—–\s]*$", re.IGNORECASE)
# A PDF line at least this share of the page's widest line filled the column: when it does not end a
# sentence, the sentence goes on on the next line (justified Chinese lines differ by a character or two).
FULL_LINE_RATIO = 0.85
# Pages with fewer lines, or lines narrower than this (in half-width columns), say nothing about the column.
_MIN_LINES_FOR_WIDTH = 3
_MIN_FULL_WIDTH = 20
_SENTENCE_END = "。！？!?…；;：:”’」』）)】\"'"


def _width(line: str) -> int:
    return sum(2 if _is_cjk(ch) else 1 for ch in line)


def _page_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    while lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    while lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    return lines


def pdf_lines(pages: list[str]) -> _Lines:
    """Lines of the pages' text layers, page numbers dropped; a line that filled the column and does not
    end a sentence is joined with the next one (across a page break too)."""
    out = _Lines()
    pending = ""  # a full line waiting for its continuation
    pending_marks: list[tuple[int, int]] = []  # (offset in pending, page)
    for number, text in enumerate(pages, start=1):
        lines = _page_lines(text)
        widest = max((_width(line) for line in lines), default=0)
        measured = len(lines) >= _MIN_LINES_FOR_WIDTH and widest >= _MIN_FULL_WIDTH
        for k, line in enumerate(lines):
            if pending and not _is_cjk(pending[-1]) and not _is_cjk(line[0]):
                pending += " "  # an English word wrapped at the line end
            if k == 0:
                pending_marks.append((len(pending), number))
            pending += line
            full = measured and _width(line) >= FULL_LINE_RATIO * widest
            if full and line[-1] not in _SENTENCE_END:
                continue
            _flush(out, pending, pending_marks)
            pending, pending_marks = "", []
    _flush(out, pending, pending_marks)
    return out


def _flush(out: _Lines, line: str, marks: list[tuple[int, int]]) -> None:
    if not line:
        return
    base = len(out.chars) + (1 if out.chars else 0)
    out.add(line)
    for offset, page in marks:
        out.marks.setdefault("page", []).append((base + offset, page))


def load_pdf(path: Path, max_bytes: int | None = None) -> Extracted:
    """The text layer of a PDF, page by page (pypdf).

    Raises:
        DocumentError: not a readable PDF, encrypted, or no text layer (a scan: run OCR first).
    """
    data, digest = read_bytes(path, max_bytes)
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise DocumentError("reading PDF needs pypdf: pip install pypdf") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path}: the PDF is password-protected; save an unprotected copy first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise DocumentError(f"{path}: not a readable PDF ({exc}); re-save or re-export it") from exc
    if not any(p.strip() for p in pages):
        raise DocumentError(f"{path}: no text layer (a scanned PDF?); run OCR first")
    lines = pdf_lines(pages)
    return Extracted(raw=lines.text, sha256=digest, marks=lines.marks)


# ---------------------------------------------------------------------------- Word .docx
_DOCX_HEADING = re.compile(r"^(heading|标题)\s*[1-9]$|^(title|标题)$", re.IGNORECASE)


def load_docx(path: Path, max_bytes: int | None = None) -> Extracted:
    """Paragraphs of a Word .docx in order (python-docx); heading styles mark headings, a table row is one line.

    Paragraph numbers count every paragraph of the file in order, empty ones and those in table cells
    included (1-based).

    Raises:
        DocumentError: not a readable .docx file.
    """
    data, digest = read_bytes(path, max_bytes)
    try:
        import docx
        from docx.oxml.ns import qn
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise DocumentError("reading .docx needs python-docx: pip install python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile, KeyError or lxml errors on a damaged file
        raise DocumentError(
            f"{path}: not a readable Word .docx file ({exc}); save it as .docx (Word 2007 or later)"
        ) from exc
    body = document.element.body
    numbers = {p: n for n, p in enumerate(body.iter(qn("w:p")), start=1)}
    out = _Lines()
    title = None

    def blocks(parent):
        for child in parent.iterchildren():
            if child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from blocks(content)
            elif child.tag in (qn("w:p"), qn("w:tbl")):
                yield child

    for el in blocks(body):
        if el.tag == qn("w:p"):
            p = Paragraph(el, document)
            style = p.style.name if p.style is not None else ""
            heading = bool(_DOCX_HEADING.match(style or ""))
            for line in p.text.split("\n"):
                out.add(line, None, heading=heading, paragraph=numbers[el])
            if heading and title is None and p.text.strip():
                title = " ".join(p.text.split())
            continue
        for row in Table(el, document).rows:
            seen, parts, marks = set(), [], []
            for cell in row.cells:
                if cell._tc in seen:  # a merged cell is listed once per grid column it spans
                    continue
                seen.add(cell._tc)
                text = " ".join(p.text for p in cell.paragraphs if p.text.strip()).replace("\n", " ").strip()
                text = _cell_text(text, list(range(len(text))))[0]  # 唐 敏 → 唐敏: one cell, not two
                if text:
                    offset = sum(len(s) + 1 for s in parts)
                    marks.append((offset, numbers[cell.paragraphs[0]._p]))
                    parts.append(text)
            if parts:
                start = len(out.chars) + (1 if out.chars else 0)
                out.add(" ".join(parts))
                for offset, number in marks:
                    out.marks.setdefault("paragraph", []).append((start + offset, number))
    return Extracted(raw=out.text, sha256=digest, marks=out.marks, headings=out.headings, title=title, join_lines=False)


Loader = Callable[[Path, "int | None"], Extracted]
LOADERS: dict[str, Loader] = {
    ".txt": load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}
TEXT_FORMATS = {"txt", "md", "markdown", "html", "htm"}  # whose offsets point into the decoded file text
